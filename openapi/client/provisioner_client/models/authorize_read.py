from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AuthorizeRead")


@_attrs_define
class AuthorizeRead:
    """
    Attributes:
        expires_at (datetime.datetime):
        redirect_uri (str): Must be a redirect URI of the app registration
        redirect_uri_reaches_server (bool): Whether `PUBLIC_URL` (the base of `redirect_uri`) answered as this server
            when probed; if not, consent will not come back here
        url (str): Send the tenant's admin here to grant consent
        redirect_uri_problem (None | str | Unset): Why `redirect_uri` does not reach this server, and what to set
    """

    expires_at: datetime.datetime
    redirect_uri: str
    redirect_uri_reaches_server: bool
    url: str
    redirect_uri_problem: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at.isoformat()

        redirect_uri = self.redirect_uri

        redirect_uri_reaches_server = self.redirect_uri_reaches_server

        url = self.url

        redirect_uri_problem: None | str | Unset
        if isinstance(self.redirect_uri_problem, Unset):
            redirect_uri_problem = UNSET
        else:
            redirect_uri_problem = self.redirect_uri_problem

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expires_at": expires_at,
                "redirect_uri": redirect_uri,
                "redirect_uri_reaches_server": redirect_uri_reaches_server,
                "url": url,
            }
        )
        if redirect_uri_problem is not UNSET:
            field_dict["redirect_uri_problem"] = redirect_uri_problem

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        redirect_uri = d.pop("redirect_uri")

        redirect_uri_reaches_server = d.pop("redirect_uri_reaches_server")

        url = d.pop("url")

        def _parse_redirect_uri_problem(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        redirect_uri_problem = _parse_redirect_uri_problem(d.pop("redirect_uri_problem", UNSET))

        authorize_read = cls(
            expires_at=expires_at,
            redirect_uri=redirect_uri,
            redirect_uri_reaches_server=redirect_uri_reaches_server,
            url=url,
            redirect_uri_problem=redirect_uri_problem,
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
