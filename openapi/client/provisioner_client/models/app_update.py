from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.app_update_cloud import AppUpdateCloud
from ..models.deprovision_policy import DeprovisionPolicy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.approval_policy import ApprovalPolicy
    from ..models.certificate_in import CertificateIn
    from ..models.parameter_in import ParameterIn


T = TypeVar("T", bound="AppUpdate")


@_attrs_define
class AppUpdate:
    """
    Attributes:
        approval_required (ApprovalPolicy | Unset): Which provisioning actions wait for an admin's approval.
        certificate (CertificateIn | None | Unset): Write-only; replaces a secret
        client_id (str | Unset):
        client_secret (None | str | Unset): Write-only; replaces a certificate
        cloud (AppUpdateCloud | Unset):
        deletion_threshold (int | None | Unset):
        domain (str | Unset):
        immutable_id_attribute (str | Unset):
        name (str | Unset):
        on_app_removed (DeprovisionPolicy | None | Unset):
        on_user_deleted (DeprovisionPolicy | None | Unset):
        on_user_suspended (DeprovisionPolicy | None | Unset):
        parameters (list[ParameterIn] | None | Unset):
        provisioning_enabled (bool | Unset):
        tenant (str | Unset):
    """

    approval_required: ApprovalPolicy | Unset = UNSET
    certificate: CertificateIn | None | Unset = UNSET
    client_id: str | Unset = UNSET
    client_secret: None | str | Unset = UNSET
    cloud: AppUpdateCloud | Unset = UNSET
    deletion_threshold: int | None | Unset = UNSET
    domain: str | Unset = UNSET
    immutable_id_attribute: str | Unset = UNSET
    name: str | Unset = UNSET
    on_app_removed: DeprovisionPolicy | None | Unset = UNSET
    on_user_deleted: DeprovisionPolicy | None | Unset = UNSET
    on_user_suspended: DeprovisionPolicy | None | Unset = UNSET
    parameters: list[ParameterIn] | None | Unset = UNSET
    provisioning_enabled: bool | Unset = UNSET
    tenant: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.certificate_in import CertificateIn  # noqa: PLC0415

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

        client_id = self.client_id

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

        domain = self.domain

        immutable_id_attribute = self.immutable_id_attribute

        name = self.name

        on_app_removed: None | str | Unset
        if isinstance(self.on_app_removed, Unset):
            on_app_removed = UNSET
        elif isinstance(self.on_app_removed, DeprovisionPolicy):
            on_app_removed = self.on_app_removed.value
        else:
            on_app_removed = self.on_app_removed

        on_user_deleted: None | str | Unset
        if isinstance(self.on_user_deleted, Unset):
            on_user_deleted = UNSET
        elif isinstance(self.on_user_deleted, DeprovisionPolicy):
            on_user_deleted = self.on_user_deleted.value
        else:
            on_user_deleted = self.on_user_deleted

        on_user_suspended: None | str | Unset
        if isinstance(self.on_user_suspended, Unset):
            on_user_suspended = UNSET
        elif isinstance(self.on_user_suspended, DeprovisionPolicy):
            on_user_suspended = self.on_user_suspended.value
        else:
            on_user_suspended = self.on_user_suspended

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
        if immutable_id_attribute is not UNSET:
            field_dict["immutable_id_attribute"] = immutable_id_attribute
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
        if tenant is not UNSET:
            field_dict["tenant"] = tenant

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.approval_policy import ApprovalPolicy  # noqa: PLC0415
        from ..models.certificate_in import CertificateIn  # noqa: PLC0415
        from ..models.parameter_in import ParameterIn  # noqa: PLC0415

        d = dict(src_dict)
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

        client_id = d.pop("client_id", UNSET)

        def _parse_client_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_secret = _parse_client_secret(d.pop("client_secret", UNSET))

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

        immutable_id_attribute = d.pop("immutable_id_attribute", UNSET)

        name = d.pop("name", UNSET)

        def _parse_on_app_removed(data: object) -> DeprovisionPolicy | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                on_app_removed_type_0 = DeprovisionPolicy(data)

                return on_app_removed_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeprovisionPolicy | None | Unset, data)

        on_app_removed = _parse_on_app_removed(d.pop("on_app_removed", UNSET))

        def _parse_on_user_deleted(data: object) -> DeprovisionPolicy | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                on_user_deleted_type_0 = DeprovisionPolicy(data)

                return on_user_deleted_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeprovisionPolicy | None | Unset, data)

        on_user_deleted = _parse_on_user_deleted(d.pop("on_user_deleted", UNSET))

        def _parse_on_user_suspended(data: object) -> DeprovisionPolicy | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                on_user_suspended_type_0 = DeprovisionPolicy(data)

                return on_user_suspended_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeprovisionPolicy | None | Unset, data)

        on_user_suspended = _parse_on_user_suspended(d.pop("on_user_suspended", UNSET))

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

        tenant = d.pop("tenant", UNSET)

        app_update = cls(
            approval_required=approval_required,
            certificate=certificate,
            client_id=client_id,
            client_secret=client_secret,
            cloud=cloud,
            deletion_threshold=deletion_threshold,
            domain=domain,
            immutable_id_attribute=immutable_id_attribute,
            name=name,
            on_app_removed=on_app_removed,
            on_user_deleted=on_user_deleted,
            on_user_suspended=on_user_suspended,
            parameters=parameters,
            provisioning_enabled=provisioning_enabled,
            tenant=tenant,
        )

        return app_update
