from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ChangeRead")


@_attrs_define
class ChangeRead:
    """
    Attributes:
        after (None | str):
        before (None | str):
        key (str):
        kind (str):
        mapping_id (int | None):
        message (str):
    """

    after: None | str
    before: None | str
    key: str
    kind: str
    mapping_id: int | None
    message: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        after: None | str
        after = self.after

        before: None | str
        before = self.before

        key = self.key

        kind = self.kind

        mapping_id: int | None
        mapping_id = self.mapping_id

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "after": after,
                "before": before,
                "key": key,
                "kind": kind,
                "mapping_id": mapping_id,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_after(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        after = _parse_after(d.pop("after"))

        def _parse_before(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        before = _parse_before(d.pop("before"))

        key = d.pop("key")

        kind = d.pop("kind")

        def _parse_mapping_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        mapping_id = _parse_mapping_id(d.pop("mapping_id"))

        message = d.pop("message")

        change_read = cls(
            after=after,
            before=before,
            key=key,
            kind=kind,
            mapping_id=mapping_id,
            message=message,
        )

        change_read.additional_properties = d
        return change_read

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
