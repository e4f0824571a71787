from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.why_role_source import WhyRoleSource
from ..types import UNSET, Unset

T = TypeVar("T", bound="WhyRole")


@_attrs_define
class WhyRole:
    """
    Attributes:
        role (None | str):
        role_id (int):
        source (WhyRoleSource):
        text (str): e.g. mapping 'Office 365 members' granted role 'Office 365'
        mapping (None | str | Unset):
        mapping_id (int | None | Unset):
    """

    role: None | str
    role_id: int
    source: WhyRoleSource
    text: str
    mapping: None | str | Unset = UNSET
    mapping_id: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        role: None | str
        role = self.role

        role_id = self.role_id

        source = self.source.value

        text = self.text

        mapping: None | str | Unset
        if isinstance(self.mapping, Unset):
            mapping = UNSET
        else:
            mapping = self.mapping

        mapping_id: int | None | Unset
        if isinstance(self.mapping_id, Unset):
            mapping_id = UNSET
        else:
            mapping_id = self.mapping_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "role": role,
                "role_id": role_id,
                "source": source,
                "text": text,
            }
        )
        if mapping is not UNSET:
            field_dict["mapping"] = mapping
        if mapping_id is not UNSET:
            field_dict["mapping_id"] = mapping_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_role(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        role = _parse_role(d.pop("role"))

        role_id = d.pop("role_id")

        source = WhyRoleSource(d.pop("source"))

        text = d.pop("text")

        def _parse_mapping(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mapping = _parse_mapping(d.pop("mapping", UNSET))

        def _parse_mapping_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        mapping_id = _parse_mapping_id(d.pop("mapping_id", UNSET))

        why_role = cls(
            role=role,
            role_id=role_id,
            source=source,
            text=text,
            mapping=mapping,
            mapping_id=mapping_id,
        )

        why_role.additional_properties = d
        return why_role

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
