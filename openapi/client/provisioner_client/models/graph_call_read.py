from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="GraphCallRead")


@_attrs_define
class GraphCallRead:
    """
    Attributes:
        code (None | str): Graph's error code, when it refused
        message (None | str):
        method (str):
        path (str):
        request (str): What the request was for: read, create, patch, lic, ...
        request_id (None | str): Graph's request id: the item's own when Graph refused it, else the `$batch` envelope's
        status (int): Graph's HTTP status
        attempt (int | None | Unset): The task's attempt that sent it
        batch_request_id (None | str | Unset): The `$batch` envelope's request id
        shared_with (list[int] | Unset): The other tasks this one request served (a look-up of several people, a group
            add of several members); empty when it was made for this task alone
    """

    code: None | str
    message: None | str
    method: str
    path: str
    request: str
    request_id: None | str
    status: int
    attempt: int | None | Unset = UNSET
    batch_request_id: None | str | Unset = UNSET
    shared_with: list[int] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code: None | str
        code = self.code

        message: None | str
        message = self.message

        method = self.method

        path = self.path

        request = self.request

        request_id: None | str
        request_id = self.request_id

        status = self.status

        attempt: int | None | Unset
        if isinstance(self.attempt, Unset):
            attempt = UNSET
        else:
            attempt = self.attempt

        batch_request_id: None | str | Unset
        if isinstance(self.batch_request_id, Unset):
            batch_request_id = UNSET
        else:
            batch_request_id = self.batch_request_id

        shared_with: list[int] | Unset = UNSET
        if not isinstance(self.shared_with, Unset):
            shared_with = self.shared_with

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
                "method": method,
                "path": path,
                "request": request,
                "request_id": request_id,
                "status": status,
            }
        )
        if attempt is not UNSET:
            field_dict["attempt"] = attempt
        if batch_request_id is not UNSET:
            field_dict["batch_request_id"] = batch_request_id
        if shared_with is not UNSET:
            field_dict["shared_with"] = shared_with

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        code = _parse_code(d.pop("code"))

        def _parse_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message = _parse_message(d.pop("message"))

        method = d.pop("method")

        path = d.pop("path")

        request = d.pop("request")

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        status = d.pop("status")

        def _parse_attempt(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        attempt = _parse_attempt(d.pop("attempt", UNSET))

        def _parse_batch_request_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        batch_request_id = _parse_batch_request_id(d.pop("batch_request_id", UNSET))

        shared_with = cast(list[int], d.pop("shared_with", UNSET))

        graph_call_read = cls(
            code=code,
            message=message,
            method=method,
            path=path,
            request=request,
            request_id=request_id,
            status=status,
            attempt=attempt,
            batch_request_id=batch_request_id,
            shared_with=shared_with,
        )

        graph_call_read.additional_properties = d
        return graph_call_read

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
