from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.app_create_cloud import AppCreateCloud
from ..models.deprovision_policy import DeprovisionPolicy
from ..models.match_key import MatchKey
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.approval_policy import ApprovalPolicy
    from ..models.certificate_in import CertificateIn
    from ..models.drift_policy import DriftPolicy
    from ..models.parameter_in import ParameterIn


T = TypeVar("T", bound="AppCreate")


@_attrs_define
class AppCreate:
    """
    Attributes:
        client_id (str): Application (client) id of the Entra app registration
        domain (str): The domain users are provisioned under (contoso.com)
        name (str):
        tenant (str): contoso.onmicrosoft.com or the tenant id
        approval_required (ApprovalPolicy | Unset): Which provisioning actions wait for an admin's approval.
        certificate (CertificateIn | None | Unset): Write-only; instead of a secret
        client_secret (None | str | Unset): Write-only
        cloud (AppCreateCloud | Unset):  Default: AppCreateCloud.GLOBAL.
        deletion_threshold (int | None | Unset):
        drift_policy (DriftPolicy | Unset): What a cycle does when the tenant differs from what we applied, per kind of
            drift:
            `enforce` plans tasks that put the tenant back (through approvals and thresholds like any
            task), `report` records and shows it and changes nothing, and for attributes `adopt`
            accepts the tenant's value as the applied state. Everything is `report` until an admin
            chooses otherwise, so connecting a tenant never changes it by surprise.
        full_sync_interval_s (int | Unset): Seconds between full reconciliations Default: 86400.
        immutable_id_attribute (str | Unset): The user attribute that stores the ImmutableID (a custom attribute)
            Default: 'custom_attributes.immutable_id'.
        match_order (list[MatchKey] | Unset): How a tenant account is matched to a directory user, first match wins:
            `immutable_id` (onPremisesImmutableId), `user_principal_name`, `mail`
        on_app_removed (DeprovisionPolicy | Unset): What deleting, suspending or unassigning a user does in the tenant.
        on_user_deleted (DeprovisionPolicy | Unset): What deleting, suspending or unassigning a user does in the tenant.
        on_user_suspended (DeprovisionPolicy | Unset): What deleting, suspending or unassigning a user does in the
            tenant.
        parameters (list[ParameterIn] | None | Unset): Defaults to the standard set when omitted
        provisioning_enabled (bool | Unset):  Default: False.
        sync_interval_s (int | Unset): Seconds between incremental delta cycles Default: 300.
    """

    client_id: str
    domain: str
    name: str
    tenant: str
    approval_required: ApprovalPolicy | Unset = UNSET
    certificate: CertificateIn | None | Unset = UNSET
    client_secret: None | str | Unset = UNSET
    cloud: AppCreateCloud | Unset = AppCreateCloud.GLOBAL
    deletion_threshold: int | None | Unset = UNSET
    drift_policy: DriftPolicy | Unset = UNSET
    full_sync_interval_s: int | Unset = 86400
    immutable_id_attribute: str | Unset = "custom_attributes.immutable_id"
    match_order: list[MatchKey] | Unset = UNSET
    on_app_removed: DeprovisionPolicy | Unset = UNSET
    on_user_deleted: DeprovisionPolicy | Unset = UNSET
    on_user_suspended: DeprovisionPolicy | Unset = UNSET
    parameters: list[ParameterIn] | None | Unset = UNSET
    provisioning_enabled: bool | Unset = False
    sync_interval_s: int | Unset = 300

    def to_dict(self) -> dict[str, Any]:
        from ..models.certificate_in import CertificateIn  # noqa: PLC0415

        client_id = self.client_id

        domain = self.domain

        name = self.name

        tenant = self.tenant

        approval_required: dict[str, Any] | Unset = UNSET
        if not isinstance(self.approval_required, Unset):
            approval_required = self.approval_required.to_dict()

        certificate: dict[str, Any] | None | Unset
        if isinstance(self.certificate, Unset):
            certificate = UNSET
        elif isinstance(self.certificate, CertificateIn):
            certificate = self.certificate.to_dict()
        else:
            certificate = self.certificate

        client_secret: None | str | Unset
        if isinstance(self.client_secret, Unset):
            client_secret = UNSET
        else:
            client_secret = self.client_secret

        cloud: str | Unset = UNSET
        if not isinstance(self.cloud, Unset):
            cloud = self.cloud.value

        deletion_threshold: int | None | Unset
        if isinstance(self.deletion_threshold, Unset):
            deletion_threshold = UNSET
        else:
            deletion_threshold = self.deletion_threshold

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

        on_app_removed: str | Unset = UNSET
        if not isinstance(self.on_app_removed, Unset):
            on_app_removed = self.on_app_removed.value

        on_user_deleted: str | Unset = UNSET
        if not isinstance(self.on_user_deleted, Unset):
            on_user_deleted = self.on_user_deleted.value

        on_user_suspended: str | Unset = UNSET
        if not isinstance(self.on_user_suspended, Unset):
            on_user_suspended = self.on_user_suspended.value

        parameters: list[dict[str, Any]] | None | Unset
        if isinstance(self.parameters, Unset):
            parameters = UNSET
        elif isinstance(self.parameters, list):
            parameters = []
            for parameters_type_0_item_data in self.parameters:
                parameters_type_0_item = parameters_type_0_item_data.to_dict()
                parameters.append(parameters_type_0_item)

        else:
            parameters = self.parameters

        provisioning_enabled = self.provisioning_enabled

        sync_interval_s = self.sync_interval_s

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "client_id": client_id,
                "domain": domain,
                "name": name,
                "tenant": tenant,
            }
        )
        if approval_required is not UNSET:
            field_dict["approval_required"] = approval_required
        if certificate is not UNSET:
            field_dict["certificate"] = certificate
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret
        if cloud is not UNSET:
            field_dict["cloud"] = cloud
        if deletion_threshold is not UNSET:
            field_dict["deletion_threshold"] = deletion_threshold
        if drift_policy is not UNSET:
            field_dict["drift_policy"] = drift_policy
        if full_sync_interval_s is not UNSET:
            field_dict["full_sync_interval_s"] = full_sync_interval_s
        if immutable_id_attribute is not UNSET:
            field_dict["immutable_id_attribute"] = immutable_id_attribute
        if match_order is not UNSET:
            field_dict["match_order"] = match_order
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

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.approval_policy import ApprovalPolicy  # noqa: PLC0415
        from ..models.certificate_in import CertificateIn  # noqa: PLC0415
        from ..models.drift_policy import DriftPolicy  # noqa: PLC0415
        from ..models.parameter_in import ParameterIn  # noqa: PLC0415

        d = dict(src_dict)
        client_id = d.pop("client_id")

        domain = d.pop("domain")

        name = d.pop("name")

        tenant = d.pop("tenant")

        _approval_required = d.pop("approval_required", UNSET)
        approval_required: ApprovalPolicy | Unset
        if isinstance(_approval_required, Unset):
            approval_required = UNSET
        else:
            approval_required = ApprovalPolicy.from_dict(_approval_required)

        def _parse_certificate(data: object) -> CertificateIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                certificate_type_0 = CertificateIn.from_dict(data)

                return certificate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CertificateIn | None | Unset, data)

        certificate = _parse_certificate(d.pop("certificate", UNSET))

        def _parse_client_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_secret = _parse_client_secret(d.pop("client_secret", UNSET))

        _cloud = d.pop("cloud", UNSET)
        cloud: AppCreateCloud | Unset
        if isinstance(_cloud, Unset):
            cloud = UNSET
        else:
            cloud = AppCreateCloud(_cloud)

        def _parse_deletion_threshold(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        deletion_threshold = _parse_deletion_threshold(d.pop("deletion_threshold", UNSET))

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

        def _parse_parameters(data: object) -> list[ParameterIn] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                parameters_type_0 = []
                _parameters_type_0 = data
                for parameters_type_0_item_data in _parameters_type_0:
                    parameters_type_0_item = ParameterIn.from_dict(parameters_type_0_item_data)

                    parameters_type_0.append(parameters_type_0_item)

                return parameters_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ParameterIn] | None | Unset, data)

        parameters = _parse_parameters(d.pop("parameters", UNSET))

        provisioning_enabled = d.pop("provisioning_enabled", UNSET)

        sync_interval_s = d.pop("sync_interval_s", UNSET)

        app_create = cls(
            client_id=client_id,
            domain=domain,
            name=name,
            tenant=tenant,
            approval_required=approval_required,
            certificate=certificate,
            client_secret=client_secret,
            cloud=cloud,
            deletion_threshold=deletion_threshold,
            drift_policy=drift_policy,
            full_sync_interval_s=full_sync_interval_s,
            immutable_id_attribute=immutable_id_attribute,
            match_order=match_order,
            on_app_removed=on_app_removed,
            on_user_deleted=on_user_deleted,
            on_user_suspended=on_user_suspended,
            parameters=parameters,
            provisioning_enabled=provisioning_enabled,
            sync_interval_s=sync_interval_s,
        )

        return app_create
