from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.cycle_read_kind import CycleReadKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.cycle_read_conflict_examples_item import CycleReadConflictExamplesItem
    from ..models.cycle_read_matched_by import CycleReadMatchedBy
    from ..models.cycle_read_phases_ms import CycleReadPhasesMs
    from ..models.cycle_read_round_trips import CycleReadRoundTrips
    from ..models.drift_figures import DriftFigures


T = TypeVar("T", bound="CycleRead")


@_attrs_define
class CycleRead:
    """One cycle: what it read, what it matched, what drift it found, what went wrong.

    Attributes:
        duration_ms (int):
        finished_at (datetime.datetime):
        kind (CycleReadKind): `full` reads every tenant user; `incremental` changes
        ok (bool):
        pages (int): Graph pages read (users and groups)
        reason (str): What started it: schedule, api, import, ...
        started_at (datetime.datetime):
        accounts_changed (int | Unset): Tenant accounts new or different Default: 0.
        accounts_removed (int | Unset): Soft-deleted, purged or no longer there Default: 0.
        accounts_seen (int | Unset):  Default: 0.
        assignments_linked (int | Unset): Assignments given the tenant object id of the account matched Default: 0.
        conflict_examples (list[CycleReadConflictExamplesItem] | Unset): A few conflicts: object_id and reason
        conflicts (int | Unset): Tenant accounts matching ambiguously (nothing linked) Default: 0.
        drift (DriftFigures | Unset):
        error (None | str | Unset):
        full_restart (None | str | Unset): Why a stored deltaLink was dropped and the round restarted in full
        matched (int | Unset): Tenant accounts linked to a directory user Default: 0.
        matched_by (CycleReadMatchedBy | Unset): Accounts linked per method: assignment, immutable_id,
            user_principal_name, mail
        members_changed (int | Unset): Group memberships added or removed Default: 0.
        phases_ms (CycleReadPhasesMs | Unset): Where the time went: connect (token), users, groups, match, drift
        round_trips (CycleReadRoundTrips | Unset): Graph requests per resource (users, groups)
        tasks_planned (int | Unset):  Default: 0.
    """

    duration_ms: int
    finished_at: datetime.datetime
    kind: CycleReadKind
    ok: bool
    pages: int
    reason: str
    started_at: datetime.datetime
    accounts_changed: int | Unset = 0
    accounts_removed: int | Unset = 0
    accounts_seen: int | Unset = 0
    assignments_linked: int | Unset = 0
    conflict_examples: list[CycleReadConflictExamplesItem] | Unset = UNSET
    conflicts: int | Unset = 0
    drift: DriftFigures | Unset = UNSET
    error: None | str | Unset = UNSET
    full_restart: None | str | Unset = UNSET
    matched: int | Unset = 0
    matched_by: CycleReadMatchedBy | Unset = UNSET
    members_changed: int | Unset = 0
    phases_ms: CycleReadPhasesMs | Unset = UNSET
    round_trips: CycleReadRoundTrips | Unset = UNSET
    tasks_planned: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        duration_ms = self.duration_ms

        finished_at = self.finished_at.isoformat()

        kind = self.kind.value

        ok = self.ok

        pages = self.pages

        reason = self.reason

        started_at = self.started_at.isoformat()

        accounts_changed = self.accounts_changed

        accounts_removed = self.accounts_removed

        accounts_seen = self.accounts_seen

        assignments_linked = self.assignments_linked

        conflict_examples: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.conflict_examples, Unset):
            conflict_examples = []
            for conflict_examples_item_data in self.conflict_examples:
                conflict_examples_item = conflict_examples_item_data.to_dict()
                conflict_examples.append(conflict_examples_item)

        conflicts = self.conflicts

        drift: dict[str, Any] | Unset = UNSET
        if not isinstance(self.drift, Unset):
            drift = self.drift.to_dict()

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        full_restart: None | str | Unset
        if isinstance(self.full_restart, Unset):
            full_restart = UNSET
        else:
            full_restart = self.full_restart

        matched = self.matched

        matched_by: dict[str, Any] | Unset = UNSET
        if not isinstance(self.matched_by, Unset):
            matched_by = self.matched_by.to_dict()

        members_changed = self.members_changed

        phases_ms: dict[str, Any] | Unset = UNSET
        if not isinstance(self.phases_ms, Unset):
            phases_ms = self.phases_ms.to_dict()

        round_trips: dict[str, Any] | Unset = UNSET
        if not isinstance(self.round_trips, Unset):
            round_trips = self.round_trips.to_dict()

        tasks_planned = self.tasks_planned

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "duration_ms": duration_ms,
                "finished_at": finished_at,
                "kind": kind,
                "ok": ok,
                "pages": pages,
                "reason": reason,
                "started_at": started_at,
            }
        )
        if accounts_changed is not UNSET:
            field_dict["accounts_changed"] = accounts_changed
        if accounts_removed is not UNSET:
            field_dict["accounts_removed"] = accounts_removed
        if accounts_seen is not UNSET:
            field_dict["accounts_seen"] = accounts_seen
        if assignments_linked is not UNSET:
            field_dict["assignments_linked"] = assignments_linked
        if conflict_examples is not UNSET:
            field_dict["conflict_examples"] = conflict_examples
        if conflicts is not UNSET:
            field_dict["conflicts"] = conflicts
        if drift is not UNSET:
            field_dict["drift"] = drift
        if error is not UNSET:
            field_dict["error"] = error
        if full_restart is not UNSET:
            field_dict["full_restart"] = full_restart
        if matched is not UNSET:
            field_dict["matched"] = matched
        if matched_by is not UNSET:
            field_dict["matched_by"] = matched_by
        if members_changed is not UNSET:
            field_dict["members_changed"] = members_changed
        if phases_ms is not UNSET:
            field_dict["phases_ms"] = phases_ms
        if round_trips is not UNSET:
            field_dict["round_trips"] = round_trips
        if tasks_planned is not UNSET:
            field_dict["tasks_planned"] = tasks_planned

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cycle_read_conflict_examples_item import CycleReadConflictExamplesItem  # noqa: PLC0415
        from ..models.cycle_read_matched_by import CycleReadMatchedBy  # noqa: PLC0415
        from ..models.cycle_read_phases_ms import CycleReadPhasesMs  # noqa: PLC0415
        from ..models.cycle_read_round_trips import CycleReadRoundTrips  # noqa: PLC0415
        from ..models.drift_figures import DriftFigures  # noqa: PLC0415

        d = dict(src_dict)
        duration_ms = d.pop("duration_ms")

        finished_at = datetime.datetime.fromisoformat(d.pop("finished_at"))

        kind = CycleReadKind(d.pop("kind"))

        ok = d.pop("ok")

        pages = d.pop("pages")

        reason = d.pop("reason")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        accounts_changed = d.pop("accounts_changed", UNSET)

        accounts_removed = d.pop("accounts_removed", UNSET)

        accounts_seen = d.pop("accounts_seen", UNSET)

        assignments_linked = d.pop("assignments_linked", UNSET)

        _conflict_examples = d.pop("conflict_examples", UNSET)
        conflict_examples: list[CycleReadConflictExamplesItem] | Unset = UNSET
        if _conflict_examples is not UNSET:
            conflict_examples = []
            for conflict_examples_item_data in _conflict_examples:
                conflict_examples_item = CycleReadConflictExamplesItem.from_dict(conflict_examples_item_data)

                conflict_examples.append(conflict_examples_item)

        conflicts = d.pop("conflicts", UNSET)

        _drift = d.pop("drift", UNSET)
        drift: DriftFigures | Unset
        if isinstance(_drift, Unset):
            drift = UNSET
        else:
            drift = DriftFigures.from_dict(_drift)

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_full_restart(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        full_restart = _parse_full_restart(d.pop("full_restart", UNSET))

        matched = d.pop("matched", UNSET)

        _matched_by = d.pop("matched_by", UNSET)
        matched_by: CycleReadMatchedBy | Unset
        if isinstance(_matched_by, Unset):
            matched_by = UNSET
        else:
            matched_by = CycleReadMatchedBy.from_dict(_matched_by)

        members_changed = d.pop("members_changed", UNSET)

        _phases_ms = d.pop("phases_ms", UNSET)
        phases_ms: CycleReadPhasesMs | Unset
        if isinstance(_phases_ms, Unset):
            phases_ms = UNSET
        else:
            phases_ms = CycleReadPhasesMs.from_dict(_phases_ms)

        _round_trips = d.pop("round_trips", UNSET)
        round_trips: CycleReadRoundTrips | Unset
        if isinstance(_round_trips, Unset):
            round_trips = UNSET
        else:
            round_trips = CycleReadRoundTrips.from_dict(_round_trips)

        tasks_planned = d.pop("tasks_planned", UNSET)

        cycle_read = cls(
            duration_ms=duration_ms,
            finished_at=finished_at,
            kind=kind,
            ok=ok,
            pages=pages,
            reason=reason,
            started_at=started_at,
            accounts_changed=accounts_changed,
            accounts_removed=accounts_removed,
            accounts_seen=accounts_seen,
            assignments_linked=assignments_linked,
            conflict_examples=conflict_examples,
            conflicts=conflicts,
            drift=drift,
            error=error,
            full_restart=full_restart,
            matched=matched,
            matched_by=matched_by,
            members_changed=members_changed,
            phases_ms=phases_ms,
            round_trips=round_trips,
            tasks_planned=tasks_planned,
        )

        cycle_read.additional_properties = d
        return cycle_read

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
