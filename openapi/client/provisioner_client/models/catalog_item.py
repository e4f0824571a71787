from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CatalogItem")


@_attrs_define
class CatalogItem:
    """
    Attributes:
        name (str): A label for people
        value (str): What to send in the request
        kind (None | str | Unset):
        needs_value (bool | None | Unset):
        value_count (None | str | Unset): How many values the action takes
    """

    name: str
    value: str
    kind: None | str | Unset = UNSET
    needs_value: bool | None | Unset = UNSET
    value_count: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        value = self.value

        kind: None | str | Unset
        if isinstance(self.kind, Unset):
            kind = UNSET
        else:
            kind = self.kind

        needs_value: bool | None | Unset
        if isinstance(self.needs_value, Unset):
            needs_value = UNSET
        else:
            needs_value = self.needs_value

        value_count: None | str | Unset
        if isinstance(self.value_count, Unset):
            value_count = UNSET
        else:
            value_count = self.value_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "value": value,
            }
        )
        if kind is not UNSET:
            field_dict["kind"] = kind
        if needs_value is not UNSET:
            field_dict["needs_value"] = needs_value
        if value_count is not UNSET:
            field_dict["value_count"] = value_count

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        value = d.pop("value")

        def _parse_kind(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        kind = _parse_kind(d.pop("kind", UNSET))

        def _parse_needs_value(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        needs_value = _parse_needs_value(d.pop("needs_value", UNSET))

        def _parse_value_count(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        value_count = _parse_value_count(d.pop("value_count", UNSET))

        catalog_item = cls(
            name=name,
            value=value,
            kind=kind,
            needs_value=needs_value,
            value_count=value_count,
        )

        catalog_item.additional_properties = d
        return catalog_item

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
