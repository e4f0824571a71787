from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.source_anchor import SourceAnchor
from ..models.source_kind import SourceKind
from ..models.source_status import SourceStatus
from ..models.source_tls import SourceTls

if TYPE_CHECKING:
    from ..models.ca_certificate_read import CaCertificateRead
    from ..models.source_read_attribute_map import SourceReadAttributeMap
    from ..models.source_read_held_type_0 import SourceReadHeldType0
    from ..models.source_read_last_sync_type_0 import SourceReadLastSyncType0


T = TypeVar("T", bound="SourceRead")


@_attrs_define
class SourceRead:
    """
    Attributes:
        anchor (SourceAnchor): The source anchor: the value that follows a person for life and becomes their
            ImmutableID (Azure AD Connect's sourceAnchor).
        attribute_map (SourceReadAttributeMap):
        base_dns (list[str]):
        bind_dn (str):
        bind_password_set (bool):
        ca_certificates (list[CaCertificateRead] | None): What `ca_certificate` holds (null: the system's CAs are
            trusted)
        created_at (datetime.datetime):
        deletion_threshold (int):
        enabled (bool):
        full_sync_interval_s (int):
        group_filter (str):
        held (None | SourceReadHeldType0): Read-only: what a held sync would have deleted or disabled, waiting for an
            admin
        id (int):
        immutable_id_attribute (None | str):
        kind (SourceKind): What a directory source is; it picks the defaults (attribute map, anchor, filters,
            incremental method).
        last_sync (None | SourceReadLastSyncType0): Read-only: the last sync's figures
        name (str):
        next_sync_at (datetime.datetime | None): Read-only
        soft_match (bool):
        status (SourceStatus):
        status_reason (None | str): Read-only: why it is held or in error
        sync_interval_s (int):
        tls (SourceTls): How a source's connection is protected. Plain LDAP sends the bind password in clear
            text: only with an explicit opt-in (`plaintext`).
        updated_at (datetime.datetime):
        url (str):
        user_count (int): Read-only: the people this source owns
        user_filter (str):
    """

    anchor: SourceAnchor
    attribute_map: SourceReadAttributeMap
    base_dns: list[str]
    bind_dn: str
    bind_password_set: bool
    ca_certificates: list[CaCertificateRead] | None
    created_at: datetime.datetime
    deletion_threshold: int
    enabled: bool
    full_sync_interval_s: int
    group_filter: str
    held: None | SourceReadHeldType0
    id: int
    immutable_id_attribute: None | str
    kind: SourceKind
    last_sync: None | SourceReadLastSyncType0
    name: str
    next_sync_at: datetime.datetime | None
    soft_match: bool
    status: SourceStatus
    status_reason: None | str
    sync_interval_s: int
    tls: SourceTls
    updated_at: datetime.datetime
    url: str
    user_count: int
    user_filter: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.source_read_held_type_0 import SourceReadHeldType0  # noqa: PLC0415
        from ..models.source_read_last_sync_type_0 import SourceReadLastSyncType0  # noqa: PLC0415

        anchor = self.anchor.value

        attribute_map = self.attribute_map.to_dict()

        base_dns = self.base_dns

        bind_dn = self.bind_dn

        bind_password_set = self.bind_password_set

        ca_certificates: list[dict[str, Any]] | None
        if isinstance(self.ca_certificates, list):
            ca_certificates = []
            for ca_certificates_type_0_item_data in self.ca_certificates:
                ca_certificates_type_0_item = ca_certificates_type_0_item_data.to_dict()
                ca_certificates.append(ca_certificates_type_0_item)

        else:
            ca_certificates = self.ca_certificates

        created_at = self.created_at.isoformat()

        deletion_threshold = self.deletion_threshold

        enabled = self.enabled

        full_sync_interval_s = self.full_sync_interval_s

        group_filter = self.group_filter

        held: dict[str, Any] | None
        if isinstance(self.held, SourceReadHeldType0):
            held = self.held.to_dict()
        else:
            held = self.held

        id = self.id

        immutable_id_attribute: None | str
        immutable_id_attribute = self.immutable_id_attribute

        kind = self.kind.value

        last_sync: dict[str, Any] | None
        if isinstance(self.last_sync, SourceReadLastSyncType0):
            last_sync = self.last_sync.to_dict()
        else:
            last_sync = self.last_sync

        name = self.name

        next_sync_at: None | str
        if isinstance(self.next_sync_at, datetime.datetime):
            next_sync_at = self.next_sync_at.isoformat()
        else:
            next_sync_at = self.next_sync_at

        soft_match = self.soft_match

        status = self.status.value

        status_reason: None | str
        status_reason = self.status_reason

        sync_interval_s = self.sync_interval_s

        tls = self.tls.value

        updated_at = self.updated_at.isoformat()

        url = self.url

        user_count = self.user_count

        user_filter = self.user_filter

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "anchor": anchor,
                "attribute_map": attribute_map,
                "base_dns": base_dns,
                "bind_dn": bind_dn,
                "bind_password_set": bind_password_set,
                "ca_certificates": ca_certificates,
                "created_at": created_at,
                "deletion_threshold": deletion_threshold,
                "enabled": enabled,
                "full_sync_interval_s": full_sync_interval_s,
                "group_filter": group_filter,
                "held": held,
                "id": id,
                "immutable_id_attribute": immutable_id_attribute,
                "kind": kind,
                "last_sync": last_sync,
                "name": name,
                "next_sync_at": next_sync_at,
                "soft_match": soft_match,
                "status": status,
                "status_reason": status_reason,
                "sync_interval_s": sync_interval_s,
                "tls": tls,
                "updated_at": updated_at,
                "url": url,
                "user_count": user_count,
                "user_filter": user_filter,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ca_certificate_read import CaCertificateRead  # noqa: PLC0415
        from ..models.source_read_attribute_map import SourceReadAttributeMap  # noqa: PLC0415
        from ..models.source_read_held_type_0 import SourceReadHeldType0  # noqa: PLC0415
        from ..models.source_read_last_sync_type_0 import SourceReadLastSyncType0  # noqa: PLC0415

        d = dict(src_dict)
        anchor = SourceAnchor(d.pop("anchor"))

        attribute_map = SourceReadAttributeMap.from_dict(d.pop("attribute_map"))

        base_dns = cast(list[str], d.pop("base_dns"))

        bind_dn = d.pop("bind_dn")

        bind_password_set = d.pop("bind_password_set")

        def _parse_ca_certificates(data: object) -> list[CaCertificateRead] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                ca_certificates_type_0 = []
                _ca_certificates_type_0 = data
                for ca_certificates_type_0_item_data in _ca_certificates_type_0:
                    ca_certificates_type_0_item = CaCertificateRead.from_dict(ca_certificates_type_0_item_data)

                    ca_certificates_type_0.append(ca_certificates_type_0_item)

                return ca_certificates_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CaCertificateRead] | None, data)

        ca_certificates = _parse_ca_certificates(d.pop("ca_certificates"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        deletion_threshold = d.pop("deletion_threshold")

        enabled = d.pop("enabled")

        full_sync_interval_s = d.pop("full_sync_interval_s")

        group_filter = d.pop("group_filter")

        def _parse_held(data: object) -> None | SourceReadHeldType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                held_type_0 = SourceReadHeldType0.from_dict(data)

                return held_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SourceReadHeldType0, data)

        held = _parse_held(d.pop("held"))

        id = d.pop("id")

        def _parse_immutable_id_attribute(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        immutable_id_attribute = _parse_immutable_id_attribute(d.pop("immutable_id_attribute"))

        kind = SourceKind(d.pop("kind"))

        def _parse_last_sync(data: object) -> None | SourceReadLastSyncType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_sync_type_0 = SourceReadLastSyncType0.from_dict(data)

                return last_sync_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SourceReadLastSyncType0, data)

        last_sync = _parse_last_sync(d.pop("last_sync"))

        name = d.pop("name")

        def _parse_next_sync_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_sync_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_sync_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_sync_at = _parse_next_sync_at(d.pop("next_sync_at"))

        soft_match = d.pop("soft_match")

        status = SourceStatus(d.pop("status"))

        def _parse_status_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        status_reason = _parse_status_reason(d.pop("status_reason"))

        sync_interval_s = d.pop("sync_interval_s")

        tls = SourceTls(d.pop("tls"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        url = d.pop("url")

        user_count = d.pop("user_count")

        user_filter = d.pop("user_filter")

        source_read = cls(
            anchor=anchor,
            attribute_map=attribute_map,
            base_dns=base_dns,
            bind_dn=bind_dn,
            bind_password_set=bind_password_set,
            ca_certificates=ca_certificates,
            created_at=created_at,
            deletion_threshold=deletion_threshold,
            enabled=enabled,
            full_sync_interval_s=full_sync_interval_s,
            group_filter=group_filter,
            held=held,
            id=id,
            immutable_id_attribute=immutable_id_attribute,
            kind=kind,
            last_sync=last_sync,
            name=name,
            next_sync_at=next_sync_at,
            soft_match=soft_match,
            status=status,
            status_reason=status_reason,
            sync_interval_s=sync_interval_s,
            tls=tls,
            updated_at=updated_at,
            url=url,
            user_count=user_count,
            user_filter=user_filter,
        )

        source_read.additional_properties = d
        return source_read

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
