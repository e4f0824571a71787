from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.app_read_cloud import AppReadCloud
from ..models.deprovision_policy import DeprovisionPolicy
from ..models.match_key import MatchKey
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.app_sync_read import AppSyncRead
    from ..models.approval_policy import ApprovalPolicy
    from ..models.certificate_read import CertificateRead
    from ..models.consent_read import ConsentRead
    from ..models.domain_check_read import DomainCheckRead
    from ..models.drift_policy import DriftPolicy
    from ..models.entitlements_read import EntitlementsRead
    from ..models.parameter_in import ParameterIn


T = TypeVar("T", bound="AppRead")


@_attrs_define
class AppRead:
    """
    Attributes:
        approval_required (ApprovalPolicy): Which provisioning actions wait for an admin's approval.
        certificate (CertificateRead | None):
        client_id (str):
        cloud (AppReadCloud):
        consent (ConsentRead):
        created_at (datetime.datetime):
        deletion_threshold (int | None):
        domain (str):
        domain_check (DomainCheckRead):
        drift_policy (DriftPolicy): What a cycle does when the tenant differs from what we applied, per kind of drift:
            `enforce` plans tasks that put the tenant back (through approvals and thresholds like any
            task), `report` records and shows it and changes nothing, and for attributes `adopt`
            accepts the tenant's value as the applied state. Everything is `report` until an admin
            chooses otherwise, so connecting a tenant never changes it by surprise.
        entitlements (EntitlementsRead):
        full_sync_interval_s (int):
        has_client_secret (bool):
        id (int):
        immutable_id_attribute (str):
        match_order (list[MatchKey]):
        name (str):
        on_app_removed (DeprovisionPolicy): What deleting, suspending or unassigning a user does in the tenant.
        on_user_deleted (DeprovisionPolicy): What deleting, suspending or unassigning a user does in the tenant.
        on_user_suspended (DeprovisionPolicy): What deleting, suspending or unassigning a user does in the tenant.
        parameters (list[ParameterIn]):
        provisioning_enabled (bool):
        sync_interval_s (int):
        tenant (str):
        updated_at (datetime.datetime):
        sync (AppSyncRead | None | Unset): The delta cycles: state, last cycle, next cycle (on `GET /apps/{id}`)
    """

    approval_required: ApprovalPolicy
    certificate: CertificateRead | None
    client_id: str
    cloud: AppReadCloud
    consent: ConsentRead
    created_at: datetime.datetime
    deletion_threshold: int | None
    domain: str
    domain_check: DomainCheckRead
    drift_policy: DriftPolicy
    entitlements: EntitlementsRead
    full_sync_interval_s: int
    has_client_secret: bool
    id: int
    immutable_id_attribute: str
    match_order: list[MatchKey]
    name: str
    on_app_removed: DeprovisionPolicy
    on_user_deleted: DeprovisionPolicy
    on_user_suspended: DeprovisionPolicy
    parameters: list[ParameterIn]
    provisioning_enabled: bool
    sync_interval_s: int
    tenant: str
    updated_at: datetime.datetime
    sync: AppSyncRead | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.app_sync_read import AppSyncRead  # noqa: PLC0415
        from ..models.certificate_read import CertificateRead  # noqa: PLC0415

        approval_required = self.approval_required.to_dict()

        certificate: dict[str, Any] | None
        if isinstance(self.certificate, CertificateRead):
            certificate = self.certificate.to_dict()
        else:
            certificate = self.certificate

        client_id = self.client_id

        cloud = self.cloud.value

        consent = self.consent.to_dict()

        created_at = self.created_at.isoformat()

        deletion_threshold: int | None
        deletion_threshold = self.deletion_threshold

        domain = self.domain

        domain_check = self.domain_check.to_dict()

        drift_policy = self.drift_policy.to_dict()

        entitlements = self.entitlements.to_dict()

        full_sync_interval_s = self.full_sync_interval_s

        has_client_secret = self.has_client_secret

        id = self.id

        immutable_id_attribute = self.immutable_id_attribute

        match_order = []
        for match_order_item_data in self.match_order:
            match_order_item = match_order_item_data.value
            match_order.append(match_order_item)

        name = self.name

        on_app_removed = self.on_app_removed.value

        on_user_deleted = self.on_user_deleted.value

        on_user_suspended = self.on_user_suspended.value

        parameters = []
        for parameters_item_data in self.parameters:
            parameters_item = parameters_item_data.to_dict()
            parameters.append(parameters_item)

        provisioning_enabled = self.provisioning_enabled

        sync_interval_s = self.sync_interval_s

        tenant = self.tenant

        updated_at = self.updated_at.isoformat()

        sync: dict[str, Any] | None | Unset
        if isinstance(self.sync, Unset):
            sync = UNSET
        elif isinstance(self.sync, AppSyncRead):
            sync = self.sync.to_dict()
        else:
            sync = self.sync

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "approval_required": approval_required,
                "certificate": certificate,
                "client_id": client_id,
                "cloud": cloud,
                "consent": consent,
                "created_at": created_at,
                "deletion_threshold": deletion_threshold,
                "domain": domain,
                "domain_check": domain_check,
                "drift_policy": drift_policy,
                "entitlements": entitlements,
                "full_sync_interval_s": full_sync_interval_s,
                "has_client_secret": has_client_secret,
                "id": id,
                "immutable_id_attribute": immutable_id_attribute,
                "match_order": match_order,
                "name": name,
                "on_app_removed": on_app_removed,
                "on_user_deleted": on_user_deleted,
                "on_user_suspended": on_user_suspended,
                "parameters": parameters,
                "provisioning_enabled": provisioning_enabled,
                "sync_interval_s": sync_interval_s,
                "tenant": tenant,
                "updated_at": updated_at,
            }
        )
        if sync is not UNSET:
            field_dict["sync"] = sync

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.app_sync_read import AppSyncRead  # noqa: PLC0415
        from ..models.approval_policy import ApprovalPolicy  # noqa: PLC0415
        from ..models.certificate_read import CertificateRead  # noqa: PLC0415
        from ..models.consent_read import ConsentRead  # noqa: PLC0415
        from ..models.domain_check_read import DomainCheckRead  # noqa: PLC0415
        from ..models.drift_policy import DriftPolicy  # noqa: PLC0415
        from ..models.entitlements_read import EntitlementsRead  # noqa: PLC0415
        from ..models.parameter_in import ParameterIn  # noqa: PLC0415

        d = dict(src_dict)
        approval_required = ApprovalPolicy.from_dict(d.pop("approval_required"))

        def _parse_certificate(data: object) -> CertificateRead | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                certificate_type_0 = CertificateRead.from_dict(data)

                return certificate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CertificateRead | None, data)

        certificate = _parse_certificate(d.pop("certificate"))

        client_id = d.pop("client_id")

        cloud = AppReadCloud(d.pop("cloud"))

        consent = ConsentRead.from_dict(d.pop("consent"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_deletion_threshold(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        deletion_threshold = _parse_deletion_threshold(d.pop("deletion_threshold"))

        domain = d.pop("domain")

        domain_check = DomainCheckRead.from_dict(d.pop("domain_check"))

        drift_policy = DriftPolicy.from_dict(d.pop("drift_policy"))

        entitlements = EntitlementsRead.from_dict(d.pop("entitlements"))

        full_sync_interval_s = d.pop("full_sync_interval_s")

        has_client_secret = d.pop("has_client_secret")

        id = d.pop("id")

        immutable_id_attribute = d.pop("immutable_id_attribute")

        match_order = []
        _match_order = d.pop("match_order")
        for match_order_item_data in _match_order:
            match_order_item = MatchKey(match_order_item_data)

            match_order.append(match_order_item)

        name = d.pop("name")

        on_app_removed = DeprovisionPolicy(d.pop("on_app_removed"))

        on_user_deleted = DeprovisionPolicy(d.pop("on_user_deleted"))

        on_user_suspended = DeprovisionPolicy(d.pop("on_user_suspended"))

        parameters = []
        _parameters = d.pop("parameters")
        for parameters_item_data in _parameters:
            parameters_item = ParameterIn.from_dict(parameters_item_data)

            parameters.append(parameters_item)

        provisioning_enabled = d.pop("provisioning_enabled")

        sync_interval_s = d.pop("sync_interval_s")

        tenant = d.pop("tenant")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_sync(data: object) -> AppSyncRead | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sync_type_0 = AppSyncRead.from_dict(data)

                return sync_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AppSyncRead | None | Unset, data)

        sync = _parse_sync(d.pop("sync", UNSET))

        app_read = cls(
            approval_required=approval_required,
            certificate=certificate,
            client_id=client_id,
            cloud=cloud,
            consent=consent,
            created_at=created_at,
            deletion_threshold=deletion_threshold,
            domain=domain,
            domain_check=domain_check,
            drift_policy=drift_policy,
            entitlements=entitlements,
            full_sync_interval_s=full_sync_interval_s,
            has_client_secret=has_client_secret,
            id=id,
            immutable_id_attribute=immutable_id_attribute,
            match_order=match_order,
            name=name,
            on_app_removed=on_app_removed,
            on_user_deleted=on_user_deleted,
            on_user_suspended=on_user_suspended,
            parameters=parameters,
            provisioning_enabled=provisioning_enabled,
            sync_interval_s=sync_interval_s,
            tenant=tenant,
            updated_at=updated_at,
            sync=sync,
        )

        app_read.additional_properties = d
        return app_read

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
