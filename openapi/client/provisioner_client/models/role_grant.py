from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.role_grant_source import RoleGrantSource
from ..types import UNSET, Unset

T = TypeVar("T", bound="RoleGrant")


@_attrs_define
class RoleGrant:
    """
    Attributes:
        id (int):
        name (str):
        source (RoleGrantSource):
        mapping_id (int | None | Unset):
    """

    id: int
    name: str
    source: RoleGrantSource
    mapping_id: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        source = self.source.value

        mapping_id: int | None | Unset
        if isinstance(self.mapping_id, Unset):
            mapping_id = UNSET
        else:
            mapping_id = self.mapping_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "source": source,
            }
        )
        if mapping_id is not UNSET:
            field_dict["mapping_id"] = mapping_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        source = RoleGrantSource(d.pop("source"))

        def _parse_mapping_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        mapping_id = _parse_mapping_id(d.pop("mapping_id", UNSET))

        role_grant = cls(
            id=id,
            name=name,
            source=source,
            mapping_id=mapping_id,
        )

        role_grant.additional_properties = d
        return role_grant

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
