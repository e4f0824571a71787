from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.source_anchor import SourceAnchor
from ..models.source_kind import SourceKind
from ..models.source_tls import SourceTls
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source_test_request_attribute_map_type_0 import SourceTestRequestAttributeMapType0


T = TypeVar("T", bound="SourceTestRequest")


@_attrs_define
class SourceTestRequest:
    """A source's settings, tried before saving: the same body as `sources-create` (the name
    may be left out).

        Attributes:
            base_dns (list[str]): Where people and groups are read (one or more DNs)
            bind_dn (str): Who the service binds as: a DN (`CN=svc-sync,OU=Service,DC=corp,DC=example`); for Active
                Directory also `svc-sync@corp.example` or `CORP\\svc-sync`
            bind_password (str): Write-only: stored encrypted, never returned or logged
            kind (SourceKind): What a directory source is; it picks the defaults (attribute map, anchor, filters,
                incremental method).
            url (str): One server: `ldaps://dc1.corp.example:636` (TLS from the start) or `ldap://ldap.corp.example:389`
                (StartTLS, or plaintext with `allow_plaintext`); the port defaults to the scheme's. Active Directory: one domain
                controller (its change cursor, uSNChanged, is per controller).
            allow_plaintext (bool | Unset): The explicit opt-in for `tls: plaintext`: the bind password and every person's
                data cross the network in clear text. Needed in the request that makes a source plaintext or changes the URL,
                bind DN or password of a plaintext source. Not stored. Default: False.
            anchor (None | SourceAnchor | Unset): The source anchor, which becomes the ImmutableID: `mS-DS-ConsistencyGuid`
                (Active Directory's default, as Azure AD Connect; falls back to objectGUID), `objectGUID`, or `entryUUID`
                (generic LDAP's default)
            attribute_map (None | SourceTestRequestAttributeMapType0 | Unset): Our field -> LDAP attribute. Fields:
                `username`, `email`, `firstname`, `lastname`, `display_name`, `distinguished_name`, `department`, `title`,
                `company`, `phone`, `country`, `status`, and `custom_attributes.<name>` for anything else (`employee_id`,
                `manager`). Merged onto the kind's defaults (JSON merge patch, RFC 7396: a null removes a mapping); `username`
                and `email` must stay mapped.
            ca_certificate (None | str | Unset): PEM of the CA certificate(s) the server's certificate must chain to (one,
                or a bundle); without it the system's CAs are used. Checked as X.509; an expired one is refused.
            deletion_threshold (int | Unset): A sync that would delete or disable more people than this stops and waits for
                an admin (Azure AD Connect's export deletion threshold is 500) Default: 500.
            enabled (bool | Unset):  Default: True.
            full_sync_interval_s (int | Unset): Seconds between full syncs Default: 86400.
            group_filter (None | str | Unset): Which entries are groups (RFC 4515); the kind's default when left out
            immutable_id_attribute (None | str | Unset): The custom attribute the anchor (base64) is written to, which an
                app's ImmutableID reads; null writes none Default: 'custom_attributes.immutable_id'.
            name (str | Unset):  Default: 'untitled'.
            soft_match (bool | Unset): A person new to the source whose username or email a person the API manages holds is
                taken over by the source (Azure AD Connect's soft match); false skips them with the reason and leaves that
                person alone Default: True.
            sync_interval_s (int | Unset): Seconds between incremental syncs Default: 1800.
            tls (None | SourceTls | Unset): `ldaps` with an `ldaps://` URL; `starttls` (the default for `ldap://`) or
                `plaintext` with an `ldap://` URL. `plaintext` sends the bind password and every person's data in clear text
                over the network and needs `allow_plaintext: true`.
            user_filter (None | str | Unset): Which entries are people (RFC 4515); the kind's default when left out
    """

    base_dns: list[str]
    bind_dn: str
    bind_password: str
    kind: SourceKind
    url: str
    allow_plaintext: bool | Unset = False
    anchor: None | SourceAnchor | Unset = UNSET
    attribute_map: None | SourceTestRequestAttributeMapType0 | Unset = UNSET
    ca_certificate: None | str | Unset = UNSET
    deletion_threshold: int | Unset = 500
    enabled: bool | Unset = True
    full_sync_interval_s: int | Unset = 86400
    group_filter: None | str | Unset = UNSET
    immutable_id_attribute: None | str | Unset = "custom_attributes.immutable_id"
    name: str | Unset = "untitled"
    soft_match: bool | Unset = True
    sync_interval_s: int | Unset = 1800
    tls: None | SourceTls | Unset = UNSET
    user_filter: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.source_test_request_attribute_map_type_0 import SourceTestRequestAttributeMapType0  # noqa: PLC0415

        base_dns = self.base_dns

        bind_dn = self.bind_dn

        bind_password = self.bind_password

        kind = self.kind.value

        url = self.url

        allow_plaintext = self.allow_plaintext

        anchor: None | str | Unset
        if isinstance(self.anchor, Unset):
            anchor = UNSET
        elif isinstance(self.anchor, SourceAnchor):
            anchor = self.anchor.value
        else:
            anchor = self.anchor

        attribute_map: dict[str, Any] | None | Unset
        if isinstance(self.attribute_map, Unset):
            attribute_map = UNSET
        elif isinstance(self.attribute_map, SourceTestRequestAttributeMapType0):
            attribute_map = self.attribute_map.to_dict()
        else:
            attribute_map = self.attribute_map

        ca_certificate: None | str | Unset
        if isinstance(self.ca_certificate, Unset):
            ca_certificate = UNSET
        else:
            ca_certificate = self.ca_certificate

        deletion_threshold = self.deletion_threshold

        enabled = self.enabled

        full_sync_interval_s = self.full_sync_interval_s

        group_filter: None | str | Unset
        if isinstance(self.group_filter, Unset):
            group_filter = UNSET
        else:
            group_filter = self.group_filter

        immutable_id_attribute: None | str | Unset
        if isinstance(self.immutable_id_attribute, Unset):
            immutable_id_attribute = UNSET
        else:
            immutable_id_attribute = self.immutable_id_attribute

        name = self.name

        soft_match = self.soft_match

        sync_interval_s = self.sync_interval_s

        tls: None | str | Unset
        if isinstance(self.tls, Unset):
            tls = UNSET
        elif isinstance(self.tls, SourceTls):
            tls = self.tls.value
        else:
            tls = self.tls

        user_filter: None | str | Unset
        if isinstance(self.user_filter, Unset):
            user_filter = UNSET
        else:
            user_filter = self.user_filter

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "base_dns": base_dns,
                "bind_dn": bind_dn,
                "bind_password": bind_password,
                "kind": kind,
                "url": url,
            }
        )
        if allow_plaintext is not UNSET:
            field_dict["allow_plaintext"] = allow_plaintext
        if anchor is not UNSET:
            field_dict["anchor"] = anchor
        if attribute_map is not UNSET:
            field_dict["attribute_map"] = attribute_map
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
        if user_filter is not UNSET:
            field_dict["user_filter"] = user_filter

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_test_request_attribute_map_type_0 import SourceTestRequestAttributeMapType0  # noqa: PLC0415

        d = dict(src_dict)
        base_dns = cast(list[str], d.pop("base_dns"))

        bind_dn = d.pop("bind_dn")

        bind_password = d.pop("bind_password")

        kind = SourceKind(d.pop("kind"))

        url = d.pop("url")

        allow_plaintext = d.pop("allow_plaintext", UNSET)

        def _parse_anchor(data: object) -> None | SourceAnchor | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                anchor_type_0 = SourceAnchor(data)

                return anchor_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SourceAnchor | Unset, data)

        anchor = _parse_anchor(d.pop("anchor", UNSET))

        def _parse_attribute_map(data: object) -> None | SourceTestRequestAttributeMapType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                attribute_map_type_0 = SourceTestRequestAttributeMapType0.from_dict(data)

                return attribute_map_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SourceTestRequestAttributeMapType0 | Unset, data)

        attribute_map = _parse_attribute_map(d.pop("attribute_map", UNSET))

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

        def _parse_group_filter(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group_filter = _parse_group_filter(d.pop("group_filter", UNSET))

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

        def _parse_tls(data: object) -> None | SourceTls | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                tls_type_0 = SourceTls(data)

                return tls_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SourceTls | Unset, data)

        tls = _parse_tls(d.pop("tls", UNSET))

        def _parse_user_filter(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_filter = _parse_user_filter(d.pop("user_filter", UNSET))

        source_test_request = cls(
            base_dns=base_dns,
            bind_dn=bind_dn,
            bind_password=bind_password,
            kind=kind,
            url=url,
            allow_plaintext=allow_plaintext,
            anchor=anchor,
            attribute_map=attribute_map,
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
            user_filter=user_filter,
        )

        return source_test_request
