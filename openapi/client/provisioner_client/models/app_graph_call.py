from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AppGraphCall")


@_attrs_define
class AppGraphCall:
    """
    Attributes:
        attempt (int): 1 for the first try; a retry is its own call
        client_request_id (None | str): The client-request-id we sent
        code (None | str): Graph's error code, when it refused
        duration_ms (float):
        method (str):
        path (str): The path, object ids replaced by `{id}`, no query
        request_id (None | str): Graph's request id, to quote to Microsoft
        status (int): Graph's HTTP status; 0 when no answer came back
        throttled (bool):
    """

    attempt: int
    client_request_id: None | str
    code: None | str
    duration_ms: float
    method: str
    path: str
    request_id: None | str
    status: int
    throttled: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt = self.attempt

        client_request_id: None | str
        client_request_id = self.client_request_id

        code: None | str
        code = self.code

        duration_ms = self.duration_ms

        method = self.method

        path = self.path

        request_id: None | str
        request_id = self.request_id

        status = self.status

        throttled = self.throttled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt": attempt,
                "client_request_id": client_request_id,
                "code": code,
                "duration_ms": duration_ms,
                "method": method,
                "path": path,
                "request_id": request_id,
                "status": status,
                "throttled": throttled,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempt = d.pop("attempt")

        def _parse_client_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client_request_id = _parse_client_request_id(d.pop("client_request_id"))

        def _parse_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        code = _parse_code(d.pop("code"))

        duration_ms = d.pop("duration_ms")

        method = d.pop("method")

        path = d.pop("path")

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        status = d.pop("status")

        throttled = d.pop("throttled")

        app_graph_call = cls(
            attempt=attempt,
            client_request_id=client_request_id,
            code=code,
            duration_ms=duration_ms,
            method=method,
            path=path,
            request_id=request_id,
            status=status,
            throttled=throttled,
        )

        app_graph_call.additional_properties = d
        return app_graph_call

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
