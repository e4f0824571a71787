from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.last_sync_read_errors_item import LastSyncReadErrorsItem
    from ..models.last_sync_read_planned_type_0 import LastSyncReadPlannedType0
    from ..models.last_sync_read_skipped_reasons import LastSyncReadSkippedReasons
    from ..models.skipped_entry import SkippedEntry


T = TypeVar("T", bound="LastSyncRead")


@_attrs_define
class LastSyncRead:
    """
    Attributes:
        kind (str): `full` or `incremental`
        reason (str): What started it: schedule, api, cli, release
        started_at (datetime.datetime):
        created (int | Unset):  Default: 0.
        deleted (int | Unset):  Default: 0.
        duration_ms (int | None | Unset):
        errors (list[LastSyncReadErrorsItem] | Unset):
        finished_at (datetime.datetime | None | Unset):
        groups_outside_scope (int | Unset): Groups the memberOf of the people this sync read names that are not under
            the base DNs (or not matched by the group filter): not read, so in nobody's member_of. List their OU in base_dns
            for mappings on them to work Default: 0.
        groups_outside_scope_examples (list[str] | Unset): Up to 5 of those groups' DNs (lower-cased)
        groups_read (int | Unset):  Default: 0.
        plan_ms (int | None | Unset): Of which comparing the reading with the directory, before any write
        planned (LastSyncReadPlannedType0 | None | Unset): For a held sync: the deletes and disables it would have made
        read_ms (int | None | Unset): Of which reading the source (LDAP searches)
        skipped (int | Unset): People the source holds that could not be synced Default: 0.
        skipped_examples (list[SkippedEntry] | Unset):
        skipped_reasons (LastSyncReadSkippedReasons | Unset):
        suspended (int | Unset):  Default: 0.
        taken_over (int | Unset): People already in the directory (same username or email) the source took Default: 0.
        updated (int | Unset):  Default: 0.
        users_read (int | Unset):  Default: 0.
    """

    kind: str
    reason: str
    started_at: datetime.datetime
    created: int | Unset = 0
    deleted: int | Unset = 0
    duration_ms: int | None | Unset = UNSET
    errors: list[LastSyncReadErrorsItem] | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    groups_outside_scope: int | Unset = 0
    groups_outside_scope_examples: list[str] | Unset = UNSET
    groups_read: int | Unset = 0
    plan_ms: int | None | Unset = UNSET
    planned: LastSyncReadPlannedType0 | None | Unset = UNSET
    read_ms: int | None | Unset = UNSET
    skipped: int | Unset = 0
    skipped_examples: list[SkippedEntry] | Unset = UNSET
    skipped_reasons: LastSyncReadSkippedReasons | Unset = UNSET
    suspended: int | Unset = 0
    taken_over: int | Unset = 0
    updated: int | Unset = 0
    users_read: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.last_sync_read_planned_type_0 import LastSyncReadPlannedType0  # noqa: PLC0415

        kind = self.kind

        reason = self.reason

        started_at = self.started_at.isoformat()

        created = self.created

        deleted = self.deleted

        duration_ms: int | None | Unset
        if isinstance(self.duration_ms, Unset):
            duration_ms = UNSET
        else:
            duration_ms = self.duration_ms

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        groups_outside_scope = self.groups_outside_scope

        groups_outside_scope_examples: list[str] | Unset = UNSET
        if not isinstance(self.groups_outside_scope_examples, Unset):
            groups_outside_scope_examples = self.groups_outside_scope_examples

        groups_read = self.groups_read

        plan_ms: int | None | Unset
        if isinstance(self.plan_ms, Unset):
            plan_ms = UNSET
        else:
            plan_ms = self.plan_ms

        planned: dict[str, Any] | None | Unset
        if isinstance(self.planned, Unset):
            planned = UNSET
        elif isinstance(self.planned, LastSyncReadPlannedType0):
            planned = self.planned.to_dict()
        else:
            planned = self.planned

        read_ms: int | None | Unset
        if isinstance(self.read_ms, Unset):
            read_ms = UNSET
        else:
            read_ms = self.read_ms

        skipped = self.skipped

        skipped_examples: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.skipped_examples, Unset):
            skipped_examples = []
            for skipped_examples_item_data in self.skipped_examples:
                skipped_examples_item = skipped_examples_item_data.to_dict()
                skipped_examples.append(skipped_examples_item)

        skipped_reasons: dict[str, Any] | Unset = UNSET
        if not isinstance(self.skipped_reasons, Unset):
            skipped_reasons = self.skipped_reasons.to_dict()

        suspended = self.suspended

        taken_over = self.taken_over

        updated = self.updated

        users_read = self.users_read

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "reason": reason,
                "started_at": started_at,
            }
        )
        if created is not UNSET:
            field_dict["created"] = created
        if deleted is not UNSET:
            field_dict["deleted"] = deleted
        if duration_ms is not UNSET:
            field_dict["duration_ms"] = duration_ms
        if errors is not UNSET:
            field_dict["errors"] = errors
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if groups_outside_scope is not UNSET:
            field_dict["groups_outside_scope"] = groups_outside_scope
        if groups_outside_scope_examples is not UNSET:
            field_dict["groups_outside_scope_examples"] = groups_outside_scope_examples
        if groups_read is not UNSET:
            field_dict["groups_read"] = groups_read
        if plan_ms is not UNSET:
            field_dict["plan_ms"] = plan_ms
        if planned is not UNSET:
            field_dict["planned"] = planned
        if read_ms is not UNSET:
            field_dict["read_ms"] = read_ms
        if skipped is not UNSET:
            field_dict["skipped"] = skipped
        if skipped_examples is not UNSET:
            field_dict["skipped_examples"] = skipped_examples
        if skipped_reasons is not UNSET:
            field_dict["skipped_reasons"] = skipped_reasons
        if suspended is not UNSET:
            field_dict["suspended"] = suspended
        if taken_over is not UNSET:
            field_dict["taken_over"] = taken_over
        if updated is not UNSET:
            field_dict["updated"] = updated
        if users_read is not UNSET:
            field_dict["users_read"] = users_read

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.last_sync_read_errors_item import LastSyncReadErrorsItem  # noqa: PLC0415
        from ..models.last_sync_read_planned_type_0 import LastSyncReadPlannedType0  # noqa: PLC0415
        from ..models.last_sync_read_skipped_reasons import LastSyncReadSkippedReasons  # noqa: PLC0415
        from ..models.skipped_entry import SkippedEntry  # noqa: PLC0415

        d = dict(src_dict)
        kind = d.pop("kind")

        reason = d.pop("reason")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        created = d.pop("created", UNSET)

        deleted = d.pop("deleted", UNSET)

        def _parse_duration_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms", UNSET))

        _errors = d.pop("errors", UNSET)
        errors: list[LastSyncReadErrorsItem] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = LastSyncReadErrorsItem.from_dict(errors_item_data)

                errors.append(errors_item)

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        groups_outside_scope = d.pop("groups_outside_scope", UNSET)

        groups_outside_scope_examples = cast(list[str], d.pop("groups_outside_scope_examples", UNSET))

        groups_read = d.pop("groups_read", UNSET)

        def _parse_plan_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        plan_ms = _parse_plan_ms(d.pop("plan_ms", UNSET))

        def _parse_planned(data: object) -> LastSyncReadPlannedType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                planned_type_0 = LastSyncReadPlannedType0.from_dict(data)

                return planned_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LastSyncReadPlannedType0 | None | Unset, data)

        planned = _parse_planned(d.pop("planned", UNSET))

        def _parse_read_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        read_ms = _parse_read_ms(d.pop("read_ms", UNSET))

        skipped = d.pop("skipped", UNSET)

        _skipped_examples = d.pop("skipped_examples", UNSET)
        skipped_examples: list[SkippedEntry] | Unset = UNSET
        if _skipped_examples is not UNSET:
            skipped_examples = []
            for skipped_examples_item_data in _skipped_examples:
                skipped_examples_item = SkippedEntry.from_dict(skipped_examples_item_data)

                skipped_examples.append(skipped_examples_item)

        _skipped_reasons = d.pop("skipped_reasons", UNSET)
        skipped_reasons: LastSyncReadSkippedReasons | Unset
        if isinstance(_skipped_reasons, Unset):
            skipped_reasons = UNSET
        else:
            skipped_reasons = LastSyncReadSkippedReasons.from_dict(_skipped_reasons)

        suspended = d.pop("suspended", UNSET)

        taken_over = d.pop("taken_over", UNSET)

        updated = d.pop("updated", UNSET)

        users_read = d.pop("users_read", UNSET)

        last_sync_read = cls(
            kind=kind,
            reason=reason,
            started_at=started_at,
            created=created,
            deleted=deleted,
            duration_ms=duration_ms,
            errors=errors,
            finished_at=finished_at,
            groups_outside_scope=groups_outside_scope,
            groups_outside_scope_examples=groups_outside_scope_examples,
            groups_read=groups_read,
            plan_ms=plan_ms,
            planned=planned,
            read_ms=read_ms,
            skipped=skipped,
            skipped_examples=skipped_examples,
            skipped_reasons=skipped_reasons,
            suspended=suspended,
            taken_over=taken_over,
            updated=updated,
            users_read=users_read,
        )

        last_sync_read.additional_properties = d
        return last_sync_read

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
