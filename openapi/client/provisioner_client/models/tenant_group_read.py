from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TenantGroupRead")


@_attrs_define
class TenantGroupRead:
    """
    Attributes:
        display_name (None | str):
        id (str):
        mail_enabled (bool | None):
        security_enabled (bool | None):
        group_types (list[str] | Unset):
        mail_nickname (None | str | Unset):
    """

    display_name: None | str
    id: str
    mail_enabled: bool | None
    security_enabled: bool | None
    group_types: list[str] | Unset = UNSET
    mail_nickname: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        display_name: None | str
        display_name = self.display_name

        id = self.id

        mail_enabled: bool | None
        mail_enabled = self.mail_enabled

        security_enabled: bool | None
        security_enabled = self.security_enabled

        group_types: list[str] | Unset = UNSET
        if not isinstance(self.group_types, Unset):
            group_types = self.group_types

        mail_nickname: None | str | Unset
        if isinstance(self.mail_nickname, Unset):
            mail_nickname = UNSET
        else:
            mail_nickname = self.mail_nickname

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "display_name": display_name,
                "id": id,
                "mail_enabled": mail_enabled,
                "security_enabled": security_enabled,
            }
        )
        if group_types is not UNSET:
            field_dict["group_types"] = group_types
        if mail_nickname is not UNSET:
            field_dict["mail_nickname"] = mail_nickname

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_display_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        display_name = _parse_display_name(d.pop("display_name"))

        id = d.pop("id")

        def _parse_mail_enabled(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        mail_enabled = _parse_mail_enabled(d.pop("mail_enabled"))

        def _parse_security_enabled(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        security_enabled = _parse_security_enabled(d.pop("security_enabled"))

        group_types = cast(list[str], d.pop("group_types", UNSET))

        def _parse_mail_nickname(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mail_nickname = _parse_mail_nickname(d.pop("mail_nickname", UNSET))

        tenant_group_read = cls(
            display_name=display_name,
            id=id,
            mail_enabled=mail_enabled,
            security_enabled=security_enabled,
            group_types=group_types,
            mail_nickname=mail_nickname,
        )

        tenant_group_read.additional_properties = d
        return tenant_group_read

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
