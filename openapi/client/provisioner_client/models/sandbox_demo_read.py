from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.sandbox_demo_read_cloud import SandboxDemoReadCloud
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.sandbox_demo_read_example_type_0 import SandboxDemoReadExampleType0


T = TypeVar("T", bound="SandboxDemoRead")


@_attrs_define
class SandboxDemoRead:
    """The sandbox tenant this server talks to, as that sandbox describes itself, and a body
    to create an app on it with no Microsoft account. With no sandbox (or one that does not
    answer), `available` is false, `reason` says why and the tenant fields are null.

        Attributes:
            available (bool): Whether this server has a sandbox and it answered just now
            client_id (None | str): The demo app registration's client id
            client_secret (None | str): The demo app's published secret (not a real one)
            domain (None | str): Its default verified domain
            example (None | SandboxDemoReadExampleType0): A body for `apps-create`
            federated_domain (None | str): A verified federated domain, if it has one
            sandbox_url (None | str): Where the `sandbox` cloud points (SANDBOX_URL)
            tenant (None | str): The sandbox's default tenant id, as it reports it
            tenant_domain (None | str): Its initial (onmicrosoft) domain
            unverified_domain (None | str): An unverified domain, if it has one
            cloud (SandboxDemoReadCloud | Unset):  Default: SandboxDemoReadCloud.SANDBOX.
            reason (None | str | Unset): Why no sandbox is available (null when one is)
    """

    available: bool
    client_id: None | str
    client_secret: None | str
    domain: None | str
    example: None | SandboxDemoReadExampleType0
    federated_domain: None | str
    sandbox_url: None | str
    tenant: None | str
    tenant_domain: None | str
    unverified_domain: None | str
    cloud: SandboxDemoReadCloud | Unset = SandboxDemoReadCloud.SANDBOX
    reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.sandbox_demo_read_example_type_0 import SandboxDemoReadExampleType0  # noqa: PLC0415

        available = self.available

        client_id: None | str
        client_id = self.client_id

        client_secret: None | str
        client_secret = self.client_secret

        domain: None | str
        domain = self.domain

        example: dict[str, Any] | None
        if isinstance(self.example, SandboxDemoReadExampleType0):
            example = self.example.to_dict()
        else:
            example = self.example

        federated_domain: None | str
        federated_domain = self.federated_domain

        sandbox_url: None | str
        sandbox_url = self.sandbox_url

        tenant: None | str
        tenant = self.tenant

        tenant_domain: None | str
        tenant_domain = self.tenant_domain

        unverified_domain: None | str
        unverified_domain = self.unverified_domain

        cloud: str | Unset = UNSET
        if not isinstance(self.cloud, Unset):
            cloud = self.cloud.value

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "available": available,
                "client_id": client_id,
                "client_secret": client_secret,
                "domain": domain,
                "example": example,
                "federated_domain": federated_domain,
                "sandbox_url": sandbox_url,
                "tenant": tenant,
                "tenant_domain": tenant_domain,
                "unverified_domain": unverified_domain,
            }
        )
        if cloud is not UNSET:
            field_dict["cloud"] = cloud
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sandbox_demo_read_example_type_0 import SandboxDemoReadExampleType0  # noqa: PLC0415

        d = dict(src_dict)
        available = d.pop("available")

        def _parse_client_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client_id = _parse_client_id(d.pop("client_id"))

        def _parse_client_secret(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client_secret = _parse_client_secret(d.pop("client_secret"))

        def _parse_domain(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        domain = _parse_domain(d.pop("domain"))

        def _parse_example(data: object) -> None | SandboxDemoReadExampleType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                example_type_0 = SandboxDemoReadExampleType0.from_dict(data)

                return example_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SandboxDemoReadExampleType0, data)

        example = _parse_example(d.pop("example"))

        def _parse_federated_domain(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        federated_domain = _parse_federated_domain(d.pop("federated_domain"))

        def _parse_sandbox_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sandbox_url = _parse_sandbox_url(d.pop("sandbox_url"))

        def _parse_tenant(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        tenant = _parse_tenant(d.pop("tenant"))

        def _parse_tenant_domain(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        tenant_domain = _parse_tenant_domain(d.pop("tenant_domain"))

        def _parse_unverified_domain(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        unverified_domain = _parse_unverified_domain(d.pop("unverified_domain"))

        _cloud = d.pop("cloud", UNSET)
        cloud: SandboxDemoReadCloud | Unset
        if isinstance(_cloud, Unset):
            cloud = UNSET
        else:
            cloud = SandboxDemoReadCloud(_cloud)

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        sandbox_demo_read = cls(
            available=available,
            client_id=client_id,
            client_secret=client_secret,
            domain=domain,
            example=example,
            federated_domain=federated_domain,
            sandbox_url=sandbox_url,
            tenant=tenant,
            tenant_domain=tenant_domain,
            unverified_domain=unverified_domain,
            cloud=cloud,
            reason=reason,
        )

        sandbox_demo_read.additional_properties = d
        return sandbox_demo_read

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
