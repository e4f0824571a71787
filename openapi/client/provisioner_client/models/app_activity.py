from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.app_activity_outcome import AppActivityOutcome

if TYPE_CHECKING:
    from ..models.app_graph_call import AppGraphCall


T = TypeVar("T", bound="AppActivity")


@_attrs_define
class AppActivity:
    """One operation made for the app itself rather than for a task, with every Graph call
    it made (tasks' calls are in the provisioning log).

        Attributes:
            calls (list[AppGraphCall]):
            created_at (datetime.datetime):
            error (None | str): Why it failed, when it did
            id (int):
            operation (str): verify_domain, refresh_entitlements or preflight
            outcome (AppActivityOutcome):
            request_id (None | str): The X-Request-ID (or job's correlation id) it ran under
    """

    calls: list[AppGraphCall]
    created_at: datetime.datetime
    error: None | str
    id: int
    operation: str
    outcome: AppActivityOutcome
    request_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        calls = []
        for calls_item_data in self.calls:
            calls_item = calls_item_data.to_dict()
            calls.append(calls_item)

        created_at = self.created_at.isoformat()

        error: None | str
        error = self.error

        id = self.id

        operation = self.operation

        outcome = self.outcome.value

        request_id: None | str
        request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "calls": calls,
                "created_at": created_at,
                "error": error,
                "id": id,
                "operation": operation,
                "outcome": outcome,
                "request_id": request_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.app_graph_call import AppGraphCall  # noqa: PLC0415

        d = dict(src_dict)
        calls = []
        _calls = d.pop("calls")
        for calls_item_data in _calls:
            calls_item = AppGraphCall.from_dict(calls_item_data)

            calls.append(calls_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        id = d.pop("id")

        operation = d.pop("operation")

        outcome = AppActivityOutcome(d.pop("outcome"))

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        app_activity = cls(
            calls=calls,
            created_at=created_at,
            error=error,
            id=id,
            operation=operation,
            outcome=outcome,
            request_id=request_id,
        )

        app_activity.additional_properties = d
        return app_activity

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
