from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.held_read import HeldRead
    from ..models.last_sync_read import LastSyncRead


T = TypeVar("T", bound="SourceSyncRead")


@_attrs_define
class SourceSyncRead:
    """
    Attributes:
        held (HeldRead | None):
        last_sync (LastSyncRead | None):
        next_full_at (datetime.datetime | None):
        next_sync_at (datetime.datetime | None):
        source_id (int):
        status (str): idle, running, held (waits for an admin) or error
        status_reason (None | str):
    """

    held: HeldRead | None
    last_sync: LastSyncRead | None
    next_full_at: datetime.datetime | None
    next_sync_at: datetime.datetime | None
    source_id: int
    status: str
    status_reason: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.held_read import HeldRead  # noqa: PLC0415
        from ..models.last_sync_read import LastSyncRead  # noqa: PLC0415

        held: dict[str, Any] | None
        if isinstance(self.held, HeldRead):
            held = self.held.to_dict()
        else:
            held = self.held

        last_sync: dict[str, Any] | None
        if isinstance(self.last_sync, LastSyncRead):
            last_sync = self.last_sync.to_dict()
        else:
            last_sync = self.last_sync

        next_full_at: None | str
        if isinstance(self.next_full_at, datetime.datetime):
            next_full_at = self.next_full_at.isoformat()
        else:
            next_full_at = self.next_full_at

        next_sync_at: None | str
        if isinstance(self.next_sync_at, datetime.datetime):
            next_sync_at = self.next_sync_at.isoformat()
        else:
            next_sync_at = self.next_sync_at

        source_id = self.source_id

        status = self.status

        status_reason: None | str
        status_reason = self.status_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "held": held,
                "last_sync": last_sync,
                "next_full_at": next_full_at,
                "next_sync_at": next_sync_at,
                "source_id": source_id,
                "status": status,
                "status_reason": status_reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.held_read import HeldRead  # noqa: PLC0415
        from ..models.last_sync_read import LastSyncRead  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_held(data: object) -> HeldRead | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                held_type_0 = HeldRead.from_dict(data)

                return held_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HeldRead | None, data)

        held = _parse_held(d.pop("held"))

        def _parse_last_sync(data: object) -> LastSyncRead | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_sync_type_0 = LastSyncRead.from_dict(data)

                return last_sync_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LastSyncRead | None, data)

        last_sync = _parse_last_sync(d.pop("last_sync"))

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

        def _parse_next_sync_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_sync_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_sync_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_sync_at = _parse_next_sync_at(d.pop("next_sync_at"))

        source_id = d.pop("source_id")

        status = d.pop("status")

        def _parse_status_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        status_reason = _parse_status_reason(d.pop("status_reason"))

        source_sync_read = cls(
            held=held,
            last_sync=last_sync,
            next_full_at=next_full_at,
            next_sync_at=next_sync_at,
            source_id=source_id,
            status=status,
            status_reason=status_reason,
        )

        source_sync_read.additional_properties = d
        return source_sync_read

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
