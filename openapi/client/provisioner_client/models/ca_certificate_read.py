from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CaCertificateRead")


@_attrs_define
class CaCertificateRead:
    """
    Attributes:
        fingerprint_sha256 (str):
        issuer (str):
        not_after (datetime.datetime):
        subject (str):
    """

    fingerprint_sha256: str
    issuer: str
    not_after: datetime.datetime
    subject: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fingerprint_sha256 = self.fingerprint_sha256

        issuer = self.issuer

        not_after = self.not_after.isoformat()

        subject = self.subject

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fingerprint_sha256": fingerprint_sha256,
                "issuer": issuer,
                "not_after": not_after,
                "subject": subject,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        fingerprint_sha256 = d.pop("fingerprint_sha256")

        issuer = d.pop("issuer")

        not_after = datetime.datetime.fromisoformat(d.pop("not_after"))

        subject = d.pop("subject")

        ca_certificate_read = cls(
            fingerprint_sha256=fingerprint_sha256,
            issuer=issuer,
            not_after=not_after,
            subject=subject,
        )

        ca_certificate_read.additional_properties = d
        return ca_certificate_read

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
