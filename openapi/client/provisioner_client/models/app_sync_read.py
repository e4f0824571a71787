from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.sync_state import SyncState

if TYPE_CHECKING:
    from ..models.cycle_read import CycleRead
    from ..models.quarantine_read import QuarantineRead


T = TypeVar("T", bound="AppSyncRead")


@_attrs_define
class AppSyncRead:
    """Where an app's cycles stand.

    Attributes:
        last_cycle (CycleRead | None):
        next_cycle_at (datetime.datetime | None):
        next_full_at (datetime.datetime | None):
        quarantine (None | QuarantineRead):
        state (SyncState): Where an app's delta cycles stand (see `AppSync`).
    """

    last_cycle: CycleRead | None
    next_cycle_at: datetime.datetime | None
    next_full_at: datetime.datetime | None
    quarantine: None | QuarantineRead
    state: SyncState
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.cycle_read import CycleRead  # noqa: PLC0415
        from ..models.quarantine_read import QuarantineRead  # noqa: PLC0415

        last_cycle: dict[str, Any] | None
        if isinstance(self.last_cycle, CycleRead):
            last_cycle = self.last_cycle.to_dict()
        else:
            last_cycle = self.last_cycle

        next_cycle_at: None | str
        if isinstance(self.next_cycle_at, datetime.datetime):
            next_cycle_at = self.next_cycle_at.isoformat()
        else:
            next_cycle_at = self.next_cycle_at

        next_full_at: None | str
        if isinstance(self.next_full_at, datetime.datetime):
            next_full_at = self.next_full_at.isoformat()
        else:
            next_full_at = self.next_full_at

        quarantine: dict[str, Any] | None
        if isinstance(self.quarantine, QuarantineRead):
            quarantine = self.quarantine.to_dict()
        else:
            quarantine = self.quarantine

        state = self.state.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "last_cycle": last_cycle,
                "next_cycle_at": next_cycle_at,
                "next_full_at": next_full_at,
                "quarantine": quarantine,
                "state": state,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cycle_read import CycleRead  # noqa: PLC0415
        from ..models.quarantine_read import QuarantineRead  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_last_cycle(data: object) -> CycleRead | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_cycle_type_0 = CycleRead.from_dict(data)

                return last_cycle_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CycleRead | None, data)

        last_cycle = _parse_last_cycle(d.pop("last_cycle"))

        def _parse_next_cycle_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_cycle_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_cycle_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_cycle_at = _parse_next_cycle_at(d.pop("next_cycle_at"))

        def _parse_next_full_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_full_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_full_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_full_at = _parse_next_full_at(d.pop("next_full_at"))

        def _parse_quarantine(data: object) -> None | QuarantineRead:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quarantine_type_0 = QuarantineRead.from_dict(data)

                return quarantine_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QuarantineRead, data)

        quarantine = _parse_quarantine(d.pop("quarantine"))

        state = SyncState(d.pop("state"))

        app_sync_read = cls(
            last_cycle=last_cycle,
            next_cycle_at=next_cycle_at,
            next_full_at=next_full_at,
            quarantine=quarantine,
            state=state,
        )

        app_sync_read.additional_properties = d
        return app_sync_read

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
