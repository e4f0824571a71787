from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.app_update_cloud import AppUpdateCloud
from ..models.deprovision_policy import DeprovisionPolicy
from ..models.match_key import MatchKey
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.approval_policy import ApprovalPolicy
    from ..models.certificate_in import CertificateIn
    from ..models.drift_policy import DriftPolicy
    from ..models.parameter_in import ParameterIn


T = TypeVar("T", bound="AppUpdate")


@_attrs_define
class AppUpdate:
    """
    Attributes:
        approval_required (ApprovalPolicy | Unset): Which provisioning actions wait for an admin's approval.
        certificate (CertificateIn | Unset): A certificate credential: the PEM private key and the PEM certificate
            uploaded to Entra.
        client_id (str | Unset):
        client_secret (str | Unset): Write-only; replaces a certificate
        cloud (AppUpdateCloud | Unset):
        deletion_threshold (int | None | Unset):
        domain (str | Unset):
        drift_policy (DriftPolicy | Unset): What a cycle does when the tenant differs from what we applied, per kind of
            drift:
            `enforce` plans tasks that put the tenant back (through approvals and thresholds like any
            task), `report` records and shows it and changes nothing, and for attributes `adopt`
            accepts the tenant's value as the applied state. Everything is `report` until an admin
            chooses otherwise, so connecting a tenant never changes it by surprise.
        full_sync_interval_s (int | Unset): Seconds between full reconciliations
        immutable_id_attribute (str | Unset):
        match_order (list[MatchKey] | Unset): How a tenant account is matched to a directory user, first match wins:
            `immutable_id` (onPremisesImmutableId), `user_principal_name`, `mail`
        name (str | Unset):
        on_app_removed (DeprovisionPolicy | Unset): What deleting, suspending or unassigning a user does in the tenant.
        on_user_deleted (DeprovisionPolicy | Unset): What deleting, suspending or unassigning a user does in the tenant.
        on_user_suspended (DeprovisionPolicy | Unset): What deleting, suspending or unassigning a user does in the
            tenant.
        parameters (list[ParameterIn] | Unset):
        provisioning_enabled (bool | Unset):
        sync_interval_s (int | Unset): Seconds between incremental delta cycles
        tenant (str | Unset):
    """

    approval_required: ApprovalPolicy | Unset = UNSET
    certificate: CertificateIn | Unset = UNSET
    client_id: str | Unset = UNSET
    client_secret: str | Unset = UNSET
    cloud: AppUpdateCloud | Unset = UNSET
    deletion_threshold: int | None | Unset = UNSET
    domain: str | Unset = UNSET
    drift_policy: DriftPolicy | Unset = UNSET
    full_sync_interval_s: int | Unset = UNSET
    immutable_id_attribute: str | Unset = UNSET
    match_order: list[MatchKey] | Unset = UNSET
    name: str | Unset = UNSET
    on_app_removed: DeprovisionPolicy | Unset = UNSET
    on_user_deleted: DeprovisionPolicy | Unset = UNSET
    on_user_suspended: DeprovisionPolicy | Unset = UNSET
    parameters: list[ParameterIn] | Unset = UNSET
    provisioning_enabled: bool | Unset = UNSET
    sync_interval_s: int | Unset = UNSET
    tenant: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        approval_required: dict[str, Any] | Unset = UNSET
        if not isinstance(self.approval_required, Unset):
            approval_required = self.approval_required.to_dict()

        certificate: dict[str, Any] | Unset = UNSET
        if not isinstance(self.certificate, Unset):
            certificate = self.certificate.to_dict()

        client_id = self.client_id

        client_secret = self.client_secret

        cloud: str | Unset = UNSET
        if not isinstance(self.cloud, Unset):
            cloud = self.cloud.value

        deletion_threshold: int | None | Unset
        if isinstance(self.deletion_threshold, Unset):
            deletion_threshold = UNSET
        else:
            deletion_threshold = self.deletion_threshold

        domain = self.domain

        drift_policy: dict[str, Any] | Unset = UNSET
        if not isinstance(self.drift_policy, Unset):
            drift_policy = self.drift_policy.to_dict()

        full_sync_interval_s = self.full_sync_interval_s

        immutable_id_attribute = self.immutable_id_attribute

        match_order: list[str] | Unset = UNSET
        if not isinstance(self.match_order, Unset):
            match_order = []
            for match_order_item_data in self.match_order:
                match_order_item = match_order_item_data.value
                match_order.append(match_order_item)

        name = self.name

        on_app_removed: str | Unset = UNSET
        if not isinstance(self.on_app_removed, Unset):
            on_app_removed = self.on_app_removed.value

        on_user_deleted: str | Unset = UNSET
        if not isinstance(self.on_user_deleted, Unset):
            on_user_deleted = self.on_user_deleted.value

        on_user_suspended: str | Unset = UNSET
        if not isinstance(self.on_user_suspended, Unset):
            on_user_suspended = self.on_user_suspended.value

        parameters: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.parameters, Unset):
            parameters = []
            for parameters_item_data in self.parameters:
                parameters_item = parameters_item_data.to_dict()
                parameters.append(parameters_item)

        provisioning_enabled = self.provisioning_enabled

        sync_interval_s = self.sync_interval_s

        tenant = self.tenant

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if approval_required is not UNSET:
            field_dict["approval_required"] = approval_required
        if certificate is not UNSET:
            field_dict["certificate"] = certificate
        if client_id is not UNSET:
            field_dict["client_id"] = client_id
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret
        if cloud is not UNSET:
            field_dict["cloud"] = cloud
        if deletion_threshold is not UNSET:
            field_dict["deletion_threshold"] = deletion_threshold
        if domain is not UNSET:
            field_dict["domain"] = domain
        if drift_policy is not UNSET:
            field_dict["drift_policy"] = drift_policy
        if full_sync_interval_s is not UNSET:
            field_dict["full_sync_interval_s"] = full_sync_interval_s
        if immutable_id_attribute is not UNSET:
            field_dict["immutable_id_attribute"] = immutable_id_attribute
        if match_order is not UNSET:
            field_dict["match_order"] = match_order
        if name is not UNSET:
            field_dict["name"] = name
        if on_app_removed is not UNSET:
            field_dict["on_app_removed"] = on_app_removed
        if on_user_deleted is not UNSET:
            field_dict["on_user_deleted"] = on_user_deleted
        if on_user_suspended is not UNSET:
            field_dict["on_user_suspended"] = on_user_suspended
        if parameters is not UNSET:
            field_dict["parameters"] = parameters
        if provisioning_enabled is not UNSET:
            field_dict["provisioning_enabled"] = provisioning_enabled
        if sync_interval_s is not UNSET:
            field_dict["sync_interval_s"] = sync_interval_s
        if tenant is not UNSET:
            field_dict["tenant"] = tenant

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.approval_policy import ApprovalPolicy  # noqa: PLC0415
        from ..models.certificate_in import CertificateIn  # noqa: PLC0415
        from ..models.drift_policy import DriftPolicy  # noqa: PLC0415
        from ..models.parameter_in import ParameterIn  # noqa: PLC0415

        d = dict(src_dict)
        _approval_required = d.pop("approval_required", UNSET)
        approval_required: ApprovalPolicy | Unset
        if isinstance(_approval_required, Unset):
            approval_required = UNSET
        else:
            approval_required = ApprovalPolicy.from_dict(_approval_required)

        _certificate = d.pop("certificate", UNSET)
        certificate: CertificateIn | Unset
        if isinstance(_certificate, Unset):
            certificate = UNSET
        else:
            certificate = CertificateIn.from_dict(_certificate)

        client_id = d.pop("client_id", UNSET)

        client_secret = d.pop("client_secret", UNSET)

        _cloud = d.pop("cloud", UNSET)
        cloud: AppUpdateCloud | Unset
        if isinstance(_cloud, Unset):
            cloud = UNSET
        else:
            cloud = AppUpdateCloud(_cloud)

        def _parse_deletion_threshold(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        deletion_threshold = _parse_deletion_threshold(d.pop("deletion_threshold", UNSET))

        domain = d.pop("domain", UNSET)

        _drift_policy = d.pop("drift_policy", UNSET)
        drift_policy: DriftPolicy | Unset
        if isinstance(_drift_policy, Unset):
            drift_policy = UNSET
        else:
            drift_policy = DriftPolicy.from_dict(_drift_policy)

        full_sync_interval_s = d.pop("full_sync_interval_s", UNSET)

        immutable_id_attribute = d.pop("immutable_id_attribute", UNSET)

        _match_order = d.pop("match_order", UNSET)
        match_order: list[MatchKey] | Unset = UNSET
        if _match_order is not UNSET:
            match_order = []
            for match_order_item_data in _match_order:
                match_order_item = MatchKey(match_order_item_data)

                match_order.append(match_order_item)

        name = d.pop("name", UNSET)

        _on_app_removed = d.pop("on_app_removed", UNSET)
        on_app_removed: DeprovisionPolicy | Unset
        if isinstance(_on_app_removed, Unset):
            on_app_removed = UNSET
        else:
            on_app_removed = DeprovisionPolicy(_on_app_removed)

        _on_user_deleted = d.pop("on_user_deleted", UNSET)
        on_user_deleted: DeprovisionPolicy | Unset
        if isinstance(_on_user_deleted, Unset):
            on_user_deleted = UNSET
        else:
            on_user_deleted = DeprovisionPolicy(_on_user_deleted)

        _on_user_suspended = d.pop("on_user_suspended", UNSET)
        on_user_suspended: DeprovisionPolicy | Unset
        if isinstance(_on_user_suspended, Unset):
            on_user_suspended = UNSET
        else:
            on_user_suspended = DeprovisionPolicy(_on_user_suspended)

        _parameters = d.pop("parameters", UNSET)
        parameters: list[ParameterIn] | Unset = UNSET
        if _parameters is not UNSET:
            parameters = []
            for parameters_item_data in _parameters:
                parameters_item = ParameterIn.from_dict(parameters_item_data)

                parameters.append(parameters_item)

        provisioning_enabled = d.pop("provisioning_enabled", UNSET)

        sync_interval_s = d.pop("sync_interval_s", UNSET)

        tenant = d.pop("tenant", UNSET)

        app_update = cls(
            approval_required=approval_required,
            certificate=certificate,
            client_id=client_id,
            client_secret=client_secret,
            cloud=cloud,
            deletion_threshold=deletion_threshold,
            domain=domain,
            drift_policy=drift_policy,
            full_sync_interval_s=full_sync_interval_s,
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
        )

        return app_update
