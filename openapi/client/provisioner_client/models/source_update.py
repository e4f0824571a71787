from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.source_anchor import SourceAnchor
from ..models.source_tls import SourceTls
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source_update_attribute_map import SourceUpdateAttributeMap


T = TypeVar("T", bound="SourceUpdate")


@_attrs_define
class SourceUpdate:
    """
    Attributes:
        allow_plaintext (bool | Unset): The explicit opt-in for `tls: plaintext`: the bind password and every person's
            data cross the network in clear text. Needed in the request that makes a source plaintext or changes the URL,
            bind DN or password of a plaintext source. Not stored.
        anchor (SourceAnchor | Unset): The source anchor: the value that follows a person for life and becomes their
            ImmutableID (Azure AD Connect's sourceAnchor).
        attribute_map (SourceUpdateAttributeMap | Unset): Merged into the current map (RFC 7396): a value sets a
            mapping, a null removes it, fields left out keep theirs
        base_dns (list[str] | Unset):
        bind_dn (str | Unset): Who the service binds as: a DN (`CN=svc-sync,OU=Service,DC=corp,DC=example`); for Active
            Directory also `svc-sync@corp.example` or `CORP\\svc-sync`
        bind_password (str | Unset): Write-only
        ca_certificate (None | str | Unset): PEM of the CA certificate(s) the server's certificate must chain to (one,
            or a bundle); without it the system's CAs are used. Checked as X.509; an expired one is refused. Null removes
            it.
        deletion_threshold (int | Unset): A sync that would delete or disable more people than this stops and waits for
            an admin (Azure AD Connect's export deletion threshold is 500)
        enabled (bool | Unset):
        full_sync_interval_s (int | Unset): Seconds between full syncs
        group_filter (str | Unset):
        immutable_id_attribute (None | str | Unset):
        name (str | Unset):
        soft_match (bool | Unset):
        sync_interval_s (int | Unset): Seconds between incremental syncs
        tls (SourceTls | Unset): How a source's connection is protected. Plain LDAP sends the bind password in clear
            text: only with an explicit opt-in (`plaintext`).
        url (str | Unset): One server: `ldaps://dc1.corp.example:636` (TLS from the start) or
            `ldap://ldap.corp.example:389` (StartTLS, or plaintext with `allow_plaintext`); the port defaults to the
            scheme's. Active Directory: one domain controller (its change cursor, uSNChanged, is per controller).
        user_filter (str | Unset):
    """

    allow_plaintext: bool | Unset = UNSET
    anchor: SourceAnchor | Unset = UNSET
    attribute_map: SourceUpdateAttributeMap | Unset = UNSET
    base_dns: list[str] | Unset = UNSET
    bind_dn: str | Unset = UNSET
    bind_password: str | Unset = UNSET
    ca_certificate: None | str | Unset = UNSET
    deletion_threshold: int | Unset = UNSET
    enabled: bool | Unset = UNSET
    full_sync_interval_s: int | Unset = UNSET
    group_filter: str | Unset = UNSET
    immutable_id_attribute: None | str | Unset = UNSET
    name: str | Unset = UNSET
    soft_match: bool | Unset = UNSET
    sync_interval_s: int | Unset = UNSET
    tls: SourceTls | Unset = UNSET
    url: str | Unset = UNSET
    user_filter: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        allow_plaintext = self.allow_plaintext

        anchor: str | Unset = UNSET
        if not isinstance(self.anchor, Unset):
            anchor = self.anchor.value

        attribute_map: dict[str, Any] | Unset = UNSET
        if not isinstance(self.attribute_map, Unset):
            attribute_map = self.attribute_map.to_dict()

        base_dns: list[str] | Unset = UNSET
        if not isinstance(self.base_dns, Unset):
            base_dns = self.base_dns

        bind_dn = self.bind_dn

        bind_password = self.bind_password

        ca_certificate: None | str | Unset
        if isinstance(self.ca_certificate, Unset):
            ca_certificate = UNSET
        else:
            ca_certificate = self.ca_certificate

        deletion_threshold = self.deletion_threshold

        enabled = self.enabled

        full_sync_interval_s = self.full_sync_interval_s

        group_filter = self.group_filter

        immutable_id_attribute: None | str | Unset
        if isinstance(self.immutable_id_attribute, Unset):
            immutable_id_attribute = UNSET
        else:
            immutable_id_attribute = self.immutable_id_attribute

        name = self.name

        soft_match = self.soft_match

        sync_interval_s = self.sync_interval_s

        tls: str | Unset = UNSET
        if not isinstance(self.tls, Unset):
            tls = self.tls.value

        url = self.url

        user_filter = self.user_filter

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if allow_plaintext is not UNSET:
            field_dict["allow_plaintext"] = allow_plaintext
        if anchor is not UNSET:
            field_dict["anchor"] = anchor
        if attribute_map is not UNSET:
            field_dict["attribute_map"] = attribute_map
        if base_dns is not UNSET:
            field_dict["base_dns"] = base_dns
        if bind_dn is not UNSET:
            field_dict["bind_dn"] = bind_dn
        if bind_password is not UNSET:
            field_dict["bind_password"] = bind_password
        if ca_certificate is not UNSET:
            field_dict["ca_certificate"] = ca_certificate
        if deletion_threshold is not UNSET:
            field_dict["deletion_threshold"] = deletion_threshold
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if full_sync_interval_s is not UNSET:
            field_dict["full_sync_interval_s"] = full_sync_interval_s
        if group_filter is not UNSET:
            field_dict["group_filter"] = group_filter
        if immutable_id_attribute is not UNSET:
            field_dict["immutable_id_attribute"] = immutable_id_attribute
        if name is not UNSET:
            field_dict["name"] = name
        if soft_match is not UNSET:
            field_dict["soft_match"] = soft_match
        if sync_interval_s is not UNSET:
            field_dict["sync_interval_s"] = sync_interval_s
        if tls is not UNSET:
            field_dict["tls"] = tls
        if url is not UNSET:
            field_dict["url"] = url
        if user_filter is not UNSET:
            field_dict["user_filter"] = user_filter

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_update_attribute_map import SourceUpdateAttributeMap  # noqa: PLC0415

        d = dict(src_dict)
        allow_plaintext = d.pop("allow_plaintext", UNSET)

        _anchor = d.pop("anchor", UNSET)
        anchor: SourceAnchor | Unset
        if isinstance(_anchor, Unset):
            anchor = UNSET
        else:
            anchor = SourceAnchor(_anchor)

        _attribute_map = d.pop("attribute_map", UNSET)
        attribute_map: SourceUpdateAttributeMap | Unset
        if isinstance(_attribute_map, Unset):
            attribute_map = UNSET
        else:
            attribute_map = SourceUpdateAttributeMap.from_dict(_attribute_map)

        base_dns = cast(list[str], d.pop("base_dns", UNSET))

        bind_dn = d.pop("bind_dn", UNSET)

        bind_password = d.pop("bind_password", UNSET)

        def _parse_ca_certificate(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ca_certificate = _parse_ca_certificate(d.pop("ca_certificate", UNSET))

        deletion_threshold = d.pop("deletion_threshold", UNSET)

        enabled = d.pop("enabled", UNSET)

        full_sync_interval_s = d.pop("full_sync_interval_s", UNSET)

        group_filter = d.pop("group_filter", UNSET)

        def _parse_immutable_id_attribute(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        immutable_id_attribute = _parse_immutable_id_attribute(d.pop("immutable_id_attribute", UNSET))

        name = d.pop("name", UNSET)

        soft_match = d.pop("soft_match", UNSET)

        sync_interval_s = d.pop("sync_interval_s", UNSET)

        _tls = d.pop("tls", UNSET)
        tls: SourceTls | Unset
        if isinstance(_tls, Unset):
            tls = UNSET
        else:
            tls = SourceTls(_tls)

        url = d.pop("url", UNSET)

        user_filter = d.pop("user_filter", UNSET)

        source_update = cls(
            allow_plaintext=allow_plaintext,
            anchor=anchor,
            attribute_map=attribute_map,
            base_dns=base_dns,
            bind_dn=bind_dn,
            bind_password=bind_password,
            ca_certificate=ca_certificate,
            deletion_threshold=deletion_threshold,
            enabled=enabled,
            full_sync_interval_s=full_sync_interval_s,
            group_filter=group_filter,
            immutable_id_attribute=immutable_id_attribute,
            name=name,
            soft_match=soft_match,
            sync_interval_s=sync_interval_s,
            tls=tls,
            url=url,
            user_filter=user_filter,
        )

        return source_update
