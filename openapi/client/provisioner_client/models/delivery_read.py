from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_status import DeliveryStatus

if TYPE_CHECKING:
    from ..models.attempt_read import AttemptRead
    from ..models.delivery_read_payload import DeliveryReadPayload


T = TypeVar("T", bound="DeliveryRead")


@_attrs_define
class DeliveryRead:
    """
    Attributes:
        app_id (int | None):
        attempt_log (list[AttemptRead]):
        attempts (int):
        created_at (datetime.datetime):
        endpoint_id (int):
        event_type (str):
        finished_at (datetime.datetime | None):
        id (int):
        max_attempts (int):
        msg_id (str): The `webhook-id` header: the same over retries
        next_attempt_at (datetime.datetime | None):
        payload (DeliveryReadPayload): The body sent: `type`, `timestamp`, `data`
        status (DeliveryStatus):
    """

    app_id: int | None
    attempt_log: list[AttemptRead]
    attempts: int
    created_at: datetime.datetime
    endpoint_id: int
    event_type: str
    finished_at: datetime.datetime | None
    id: int
    max_attempts: int
    msg_id: str
    next_attempt_at: datetime.datetime | None
    payload: DeliveryReadPayload
    status: DeliveryStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        app_id: int | None
        app_id = self.app_id

        attempt_log = []
        for attempt_log_item_data in self.attempt_log:
            attempt_log_item = attempt_log_item_data.to_dict()
            attempt_log.append(attempt_log_item)

        attempts = self.attempts

        created_at = self.created_at.isoformat()

        endpoint_id = self.endpoint_id

        event_type = self.event_type

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = self.id

        max_attempts = self.max_attempts

        msg_id = self.msg_id

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        payload = self.payload.to_dict()

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "app_id": app_id,
                "attempt_log": attempt_log,
                "attempts": attempts,
                "created_at": created_at,
                "endpoint_id": endpoint_id,
                "event_type": event_type,
                "finished_at": finished_at,
                "id": id,
                "max_attempts": max_attempts,
                "msg_id": msg_id,
                "next_attempt_at": next_attempt_at,
                "payload": payload,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attempt_read import AttemptRead  # noqa: PLC0415
        from ..models.delivery_read_payload import DeliveryReadPayload  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_app_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        app_id = _parse_app_id(d.pop("app_id"))

        attempt_log = []
        _attempt_log = d.pop("attempt_log")
        for attempt_log_item_data in _attempt_log:
            attempt_log_item = AttemptRead.from_dict(attempt_log_item_data)

            attempt_log.append(attempt_log_item)

        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        endpoint_id = d.pop("endpoint_id")

        event_type = d.pop("event_type")

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        id = d.pop("id")

        max_attempts = d.pop("max_attempts")

        msg_id = d.pop("msg_id")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        payload = DeliveryReadPayload.from_dict(d.pop("payload"))

        status = DeliveryStatus(d.pop("status"))

        delivery_read = cls(
            app_id=app_id,
            attempt_log=attempt_log,
            attempts=attempts,
            created_at=created_at,
            endpoint_id=endpoint_id,
            event_type=event_type,
            finished_at=finished_at,
            id=id,
            max_attempts=max_attempts,
            msg_id=msg_id,
            next_attempt_at=next_attempt_at,
            payload=payload,
            status=status,
        )

        delivery_read.additional_properties = d
        return delivery_read

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
