from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.domain_check_read_type_type_0 import DomainCheckReadTypeType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="DomainCheckRead")


@_attrs_define
class DomainCheckRead:
    """
    Attributes:
        checked_at (datetime.datetime | None):
        domain (str):
        type_ (DomainCheckReadTypeType0 | None):
        verified (bool | None):
        exists (bool | None | Unset):
    """

    checked_at: datetime.datetime | None
    domain: str
    type_: DomainCheckReadTypeType0 | None
    verified: bool | None
    exists: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        checked_at: None | str
        if isinstance(self.checked_at, datetime.datetime):
            checked_at = self.checked_at.isoformat()
        else:
            checked_at = self.checked_at

        domain = self.domain

        type_: None | str
        if isinstance(self.type_, DomainCheckReadTypeType0):
            type_ = self.type_.value
        else:
            type_ = self.type_

        verified: bool | None
        verified = self.verified

        exists: bool | None | Unset
        if isinstance(self.exists, Unset):
            exists = UNSET
        else:
            exists = self.exists

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "checked_at": checked_at,
                "domain": domain,
                "type": type_,
                "verified": verified,
            }
        )
        if exists is not UNSET:
            field_dict["exists"] = exists

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_checked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                checked_at_type_0 = datetime.datetime.fromisoformat(data)

                return checked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        checked_at = _parse_checked_at(d.pop("checked_at"))

        domain = d.pop("domain")

        def _parse_type_(data: object) -> DomainCheckReadTypeType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = DomainCheckReadTypeType0(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DomainCheckReadTypeType0 | None, data)

        type_ = _parse_type_(d.pop("type"))

        def _parse_verified(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        verified = _parse_verified(d.pop("verified"))

        def _parse_exists(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        exists = _parse_exists(d.pop("exists", UNSET))

        domain_check_read = cls(
            checked_at=checked_at,
            domain=domain,
            type_=type_,
            verified=verified,
            exists=exists,
        )

        domain_check_read.additional_properties = d
        return domain_check_read

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
