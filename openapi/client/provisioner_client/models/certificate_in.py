from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CertificateIn")


@_attrs_define
class CertificateIn:
    """A certificate credential: the PEM private key and the PEM certificate uploaded to Entra.

    Attributes:
        certificate_pem (str):
        private_key_pem (str):
        passphrase (None | str | Unset): If the private key is encrypted
    """

    certificate_pem: str
    private_key_pem: str
    passphrase: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        certificate_pem = self.certificate_pem

        private_key_pem = self.private_key_pem

        passphrase: None | str | Unset
        if isinstance(self.passphrase, Unset):
            passphrase = UNSET
        else:
            passphrase = self.passphrase

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "certificate_pem": certificate_pem,
                "private_key_pem": private_key_pem,
            }
        )
        if passphrase is not UNSET:
            field_dict["passphrase"] = passphrase

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        certificate_pem = d.pop("certificate_pem")

        private_key_pem = d.pop("private_key_pem")

        def _parse_passphrase(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        passphrase = _parse_passphrase(d.pop("passphrase", UNSET))

        certificate_in = cls(
            certificate_pem=certificate_pem,
            private_key_pem=private_key_pem,
            passphrase=passphrase,
        )

        return certificate_in
