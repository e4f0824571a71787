from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AuthorizeRead")


@_attrs_define
class AuthorizeRead:
    """
    Attributes:
        expires_at (datetime.datetime):
        redirect_uri (str): Must be a redirect URI of the app registration
        url (str): Send the tenant's admin here to grant consent
    """

    expires_at: datetime.datetime
    redirect_uri: str
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at.isoformat()

        redirect_uri = self.redirect_uri

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expires_at": expires_at,
                "redirect_uri": redirect_uri,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        redirect_uri = d.pop("redirect_uri")

        url = d.pop("url")

        authorize_read = cls(
            expires_at=expires_at,
            redirect_uri=redirect_uri,
            url=url,
        )

        authorize_read.additional_properties = d
        return authorize_read

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
