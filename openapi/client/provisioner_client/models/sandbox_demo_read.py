from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.sandbox_demo_read_cloud import SandboxDemoReadCloud
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.sandbox_demo_read_example import SandboxDemoReadExample


T = TypeVar("T", bound="SandboxDemoRead")


@_attrs_define
class SandboxDemoRead:
    """The built-in sandbox tenant's fixed ids, to create an app with no Microsoft account.

    Attributes:
        available (bool): Whether this server has a sandbox to talk to
        client_id (str):
        client_secret (str): The demo app's published secret (not a real one)
        domain (str):
        example (SandboxDemoReadExample): A body for `apps-create`
        federated_domain (str):
        sandbox_url (None | str):
        tenant (str):
        tenant_domain (str):
        unverified_domain (str):
        cloud (SandboxDemoReadCloud | Unset):  Default: SandboxDemoReadCloud.SANDBOX.
    """

    available: bool
    client_id: str
    client_secret: str
    domain: str
    example: SandboxDemoReadExample
    federated_domain: str
    sandbox_url: None | str
    tenant: str
    tenant_domain: str
    unverified_domain: str
    cloud: SandboxDemoReadCloud | Unset = SandboxDemoReadCloud.SANDBOX
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        available = self.available

        client_id = self.client_id

        client_secret = self.client_secret

        domain = self.domain

        example = self.example.to_dict()

        federated_domain = self.federated_domain

        sandbox_url: None | str
        sandbox_url = self.sandbox_url

        tenant = self.tenant

        tenant_domain = self.tenant_domain

        unverified_domain = self.unverified_domain

        cloud: str | Unset = UNSET
        if not isinstance(self.cloud, Unset):
            cloud = self.cloud.value

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

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sandbox_demo_read_example import SandboxDemoReadExample  # noqa: PLC0415

        d = dict(src_dict)
        available = d.pop("available")

        client_id = d.pop("client_id")

        client_secret = d.pop("client_secret")

        domain = d.pop("domain")

        example = SandboxDemoReadExample.from_dict(d.pop("example"))

        federated_domain = d.pop("federated_domain")

        def _parse_sandbox_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sandbox_url = _parse_sandbox_url(d.pop("sandbox_url"))

        tenant = d.pop("tenant")

        tenant_domain = d.pop("tenant_domain")

        unverified_domain = d.pop("unverified_domain")

        _cloud = d.pop("cloud", UNSET)
        cloud: SandboxDemoReadCloud | Unset
        if isinstance(_cloud, Unset):
            cloud = UNSET
        else:
            cloud = SandboxDemoReadCloud(_cloud)

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
