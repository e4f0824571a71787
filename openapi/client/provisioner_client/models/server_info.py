from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ServerInfo")


@_attrs_define
class ServerInfo:
    """What the server says of itself in its root DSE (RFC 4512 section 5.1).

    Attributes:
        active_directory (bool): It announces Active Directory's capabilities (supportedCapabilities)
        default_naming_context (None | str | Unset): Active Directory's domain
        dns_host_name (None | str | Unset): Active Directory: the controller's name
        highest_committed_usn_present (bool | Unset): Active Directory: incremental sync by uSNChanged is possible
            Default: False.
        naming_contexts (list[str] | Unset):
        supported_ldap_version (list[str] | Unset):
        vendor_name (None | str | Unset):
        vendor_version (None | str | Unset):
    """

    active_directory: bool
    default_naming_context: None | str | Unset = UNSET
    dns_host_name: None | str | Unset = UNSET
    highest_committed_usn_present: bool | Unset = False
    naming_contexts: list[str] | Unset = UNSET
    supported_ldap_version: list[str] | Unset = UNSET
    vendor_name: None | str | Unset = UNSET
    vendor_version: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_directory = self.active_directory

        default_naming_context: None | str | Unset
        if isinstance(self.default_naming_context, Unset):
            default_naming_context = UNSET
        else:
            default_naming_context = self.default_naming_context

        dns_host_name: None | str | Unset
        if isinstance(self.dns_host_name, Unset):
            dns_host_name = UNSET
        else:
            dns_host_name = self.dns_host_name

        highest_committed_usn_present = self.highest_committed_usn_present

        naming_contexts: list[str] | Unset = UNSET
        if not isinstance(self.naming_contexts, Unset):
            naming_contexts = self.naming_contexts

        supported_ldap_version: list[str] | Unset = UNSET
        if not isinstance(self.supported_ldap_version, Unset):
            supported_ldap_version = self.supported_ldap_version

        vendor_name: None | str | Unset
        if isinstance(self.vendor_name, Unset):
            vendor_name = UNSET
        else:
            vendor_name = self.vendor_name

        vendor_version: None | str | Unset
        if isinstance(self.vendor_version, Unset):
            vendor_version = UNSET
        else:
            vendor_version = self.vendor_version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_directory": active_directory,
            }
        )
        if default_naming_context is not UNSET:
            field_dict["default_naming_context"] = default_naming_context
        if dns_host_name is not UNSET:
            field_dict["dns_host_name"] = dns_host_name
        if highest_committed_usn_present is not UNSET:
            field_dict["highest_committed_usn_present"] = highest_committed_usn_present
        if naming_contexts is not UNSET:
            field_dict["naming_contexts"] = naming_contexts
        if supported_ldap_version is not UNSET:
            field_dict["supported_ldap_version"] = supported_ldap_version
        if vendor_name is not UNSET:
            field_dict["vendor_name"] = vendor_name
        if vendor_version is not UNSET:
            field_dict["vendor_version"] = vendor_version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active_directory = d.pop("active_directory")

        def _parse_default_naming_context(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        default_naming_context = _parse_default_naming_context(d.pop("default_naming_context", UNSET))

        def _parse_dns_host_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        dns_host_name = _parse_dns_host_name(d.pop("dns_host_name", UNSET))

        highest_committed_usn_present = d.pop("highest_committed_usn_present", UNSET)

        naming_contexts = cast(list[str], d.pop("naming_contexts", UNSET))

        supported_ldap_version = cast(list[str], d.pop("supported_ldap_version", UNSET))

        def _parse_vendor_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        vendor_name = _parse_vendor_name(d.pop("vendor_name", UNSET))

        def _parse_vendor_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        vendor_version = _parse_vendor_version(d.pop("vendor_version", UNSET))

        server_info = cls(
            active_directory=active_directory,
            default_naming_context=default_naming_context,
            dns_host_name=dns_host_name,
            highest_committed_usn_present=highest_committed_usn_present,
            naming_contexts=naming_contexts,
            supported_ldap_version=supported_ldap_version,
            vendor_name=vendor_name,
            vendor_version=vendor_version,
        )

        server_info.additional_properties = d
        return server_info

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
