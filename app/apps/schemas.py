"""API shapes for apps: one connected Microsoft 365 tenant (Create / Update / Read families).

Secrets are write-only: `client_secret` and `certificate` exist on the input models as
`SecretStr` (so a stray repr or log line shows `**********`) and never on `AppRead`, which
says only whether a secret is set and which certificate (thumbprint, expiry) is in use.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, StringConstraints, field_validator

from app.inputs import Input, Patch
from app.models import DeprovisionPolicy, MatchKey
from app.sync.schemas import AppSyncRead

Cloud = Literal["global", "usgov", "china", "sandbox"]
Severity = Literal["error", "warning", "info"]
ParameterSource = Literal["field", "constant", "template"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Guid = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    ),
]

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DNS = re.compile(rf"^(?:{_LABEL}\.)+[a-z]{{2,63}}$")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value.lower()))


def _domain(value: str) -> str:
    value = value.strip().lower().rstrip(".")
    if len(value) > 253 or not _DNS.match(value):
        raise ValueError(f"{value!r} is not a domain name such as contoso.com")
    return value


def _tenant(value: str) -> str:
    value = value.strip().lower()
    if is_guid(value):
        return value
    try:
        return _domain(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is neither a tenant id (GUID) nor a domain such as contoso.onmicrosoft.com"
        ) from None


class ParameterIn(Input):
    """How one target attribute is computed: a user `field`, a `constant` or a `template`."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    source: ParameterSource
    value: Annotated[str, StringConstraints(max_length=1000)]
    include: bool = Field(True, description="Include in user provisioning")


class CertificateIn(Input):
    """A certificate credential: the PEM private key and the PEM certificate uploaded to Entra."""

    multiline = frozenset({"certificate_pem"})  # PEM is base64 in lines

    private_key_pem: SecretStr
    certificate_pem: Annotated[str, StringConstraints(min_length=1, max_length=20000)]
    passphrase: SecretStr | None = Field(None, description="If the private key is encrypted")


class ApprovalPolicy(Input):
    """Which provisioning actions wait for an admin's approval."""

    create: bool = False
    update: bool = False
    suspend: bool = False
    delete: bool = False


DriftResponse = Literal["enforce", "report"]


class DriftPolicy(Input):
    """What a cycle does when the tenant differs from what we applied, per kind of drift:
    `enforce` plans tasks that put the tenant back (through approvals and thresholds like any
    task), `report` records and shows it and changes nothing, and for attributes `adopt`
    accepts the tenant's value as the applied state. Everything is `report` until an admin
    chooses otherwise, so connecting a tenant never changes it by surprise."""

    attributes: Literal["enforce", "report", "adopt"] = "report"
    licenses: DriftResponse = "report"
    groups: DriftResponse = "report"
    account_enabled: DriftResponse = "report"
    deleted: DriftResponse = Field(
        "report", description="A user deleted or restored in the tenant by someone else"
    )


DEFAULT_MATCH_ORDER: list[MatchKey] = [
    MatchKey.immutable_id,
    MatchKey.user_principal_name,
    MatchKey.mail,
]
MatchOrder = Annotated[
    list[MatchKey],
    Field(
        min_length=1,
        max_length=3,
        description="How a tenant account is matched to a directory user, first match wins: "
        "`immutable_id` (onPremisesImmutableId), `user_principal_name`, `mail`",
    ),
]
SyncInterval = Annotated[
    int, Field(ge=60, le=86_400, description="Seconds between incremental delta cycles")
]
FullSyncInterval = Annotated[
    int, Field(ge=600, le=30 * 86_400, description="Seconds between full reconciliations")
]


class _AppFields(Input):
    @field_validator("match_order", check_fields=False)
    @classmethod
    def _check_match_order(cls, v: list[MatchKey] | None) -> list[MatchKey] | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError("each match key may appear once")
        return v

    @field_validator("tenant", check_fields=False)
    @classmethod
    def _check_tenant(cls, v: str | None) -> str | None:
        return None if v is None else _tenant(v)

    @field_validator("domain", check_fields=False)
    @classmethod
    def _check_domain(cls, v: str | None) -> str | None:
        return None if v is None else _domain(v)


SecretIn = Annotated[SecretStr, Field(min_length=1, max_length=1024)]
AttributeRef = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, pattern=r"^custom_attributes\.[A-Za-z_][A-Za-z0-9_.-]{0,63}$"
    ),
]


class AppCreate(_AppFields):
    name: Name
    tenant: str = Field(description="contoso.onmicrosoft.com or the tenant id")
    domain: str = Field(description="The domain users are provisioned under (contoso.com)")
    cloud: Cloud = "global"
    client_id: Guid = Field(description="Application (client) id of the Entra app registration")
    client_secret: SecretIn | None = Field(None, description="Write-only")
    certificate: CertificateIn | None = Field(None, description="Write-only; instead of a secret")
    provisioning_enabled: bool = False
    approval_required: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    on_user_deleted: DeprovisionPolicy = DeprovisionPolicy.suspend
    on_user_suspended: DeprovisionPolicy = DeprovisionPolicy.suspend
    on_app_removed: DeprovisionPolicy = DeprovisionPolicy.suspend
    deletion_threshold: int | None = Field(None, ge=0, le=1_000_000)
    immutable_id_attribute: AttributeRef = Field(
        "custom_attributes.immutable_id",
        description="The user attribute that stores the ImmutableID (a custom attribute)",
    )
    parameters: list[ParameterIn] | None = Field(
        None, description="Defaults to the standard set when omitted"
    )
    sync_interval_s: SyncInterval = 300
    full_sync_interval_s: FullSyncInterval = 86_400
    drift_policy: DriftPolicy = Field(default_factory=DriftPolicy)
    match_order: MatchOrder = Field(default_factory=lambda: list(DEFAULT_MATCH_ORDER))


class AppUpdate(_AppFields, Patch):
    nullable = frozenset({"deletion_threshold"})

    name: Name | None = None
    tenant: str | None = None
    domain: str | None = None
    cloud: Cloud | None = None
    client_id: Guid | None = None
    client_secret: SecretIn | None = Field(None, description="Write-only; replaces a certificate")
    certificate: CertificateIn | None = Field(None, description="Write-only; replaces a secret")
    provisioning_enabled: bool | None = None
    approval_required: ApprovalPolicy | None = None
    on_user_deleted: DeprovisionPolicy | None = None
    on_user_suspended: DeprovisionPolicy | None = None
    on_app_removed: DeprovisionPolicy | None = None
    deletion_threshold: int | None = Field(None, ge=0, le=1_000_000)
    immutable_id_attribute: AttributeRef | None = None
    parameters: list[ParameterIn] | None = None
    sync_interval_s: SyncInterval | None = None
    full_sync_interval_s: FullSyncInterval | None = None
    drift_policy: DriftPolicy | None = None
    match_order: MatchOrder | None = None


class CertificateRead(BaseModel):
    thumbprint: str = Field(description="SHA-1 thumbprint (hex), as the Entra portal shows it")
    expires_at: datetime | None


class ConsentRead(BaseModel):
    authenticated: bool
    tenant_id: str | None
    consented_at: datetime | None


class DomainCheckRead(BaseModel):
    domain: str
    exists: bool | None = None
    verified: bool | None
    type: Literal["Managed", "Federated"] | None
    checked_at: datetime | None


class LicenseRead(BaseModel):
    sku_id: str
    sku_part_number: str
    product_name: str | None = Field(
        None,
        description="Microsoft's product name (e.g. `Office 365 E3` for `ENTERPRISEPACK`), "
        "from its published licensing table; null for a SKU the table does not know",
    )
    applies_to: str | None = None
    capability_status: str | None = None
    service_plans: list[dict[str, str]] = Field(default_factory=list)
    enabled: int
    consumed: int
    available: int


class TenantGroupRead(BaseModel):
    id: str
    display_name: str | None
    mail_nickname: str | None = None
    mail_enabled: bool | None
    security_enabled: bool | None
    group_types: list[str] = Field(default_factory=list)


class EntitlementsRead(BaseModel):
    licenses: list[LicenseRead]
    groups: list[TenantGroupRead]
    refreshed_at: datetime | None


class AppRead(BaseModel):
    id: int
    name: str
    tenant: str
    domain: str
    cloud: Cloud
    client_id: str
    has_client_secret: bool
    certificate: CertificateRead | None
    consent: ConsentRead
    provisioning_enabled: bool
    approval_required: ApprovalPolicy
    on_user_deleted: DeprovisionPolicy
    on_user_suspended: DeprovisionPolicy
    on_app_removed: DeprovisionPolicy
    deletion_threshold: int | None
    immutable_id_attribute: str
    parameters: list[ParameterIn]
    sync_interval_s: int
    full_sync_interval_s: int
    drift_policy: DriftPolicy
    match_order: list[MatchKey]
    domain_check: DomainCheckRead
    entitlements: EntitlementsRead
    created_at: datetime
    updated_at: datetime
    sync: AppSyncRead | None = Field(
        None,
        description="The delta cycles: state, last cycle, next cycle (on `GET /apps/{id}`)",
    )


class AuthorizeRead(BaseModel):
    url: str = Field(description="Send the tenant's admin here to grant consent")
    redirect_uri: str = Field(description="Must be a redirect URI of the app registration")
    expires_at: datetime
    redirect_uri_reaches_server: bool = Field(
        description="Whether `PUBLIC_URL` (the base of `redirect_uri`) answered as this "
        "server when probed; if not, consent will not come back here"
    )
    redirect_uri_problem: str | None = Field(
        None, description="Why `redirect_uri` does not reach this server, and what to set"
    )


class ConsentResult(BaseModel):
    app_id: int
    tenant_id: str
    consented_at: datetime


class Finding(BaseModel):
    severity: Severity
    code: str
    message: str
    attribute: str | None = None
    count: int | None = Field(None, description="Users affected (user findings)")
    example_user_ids: list[int] | None = Field(None, description="A few of the users affected")


class PreflightReport(BaseModel):
    app_id: int
    ok: bool = Field(description="True when no finding is an error")
    users_checked: int
    findings: list[Finding]
    checked_at: datetime


class SandboxDemoRead(BaseModel):
    """The sandbox tenant this server talks to, as that sandbox describes itself, and a body
    to create an app on it with no Microsoft account. With no sandbox (or one that does not
    answer), `available` is false, `reason` says why and the tenant fields are null."""

    available: bool = Field(
        description="Whether this server has a sandbox and it answered just now"
    )
    reason: str | None = Field(None, description="Why no sandbox is available (null when one is)")
    sandbox_url: str | None = Field(description="Where the `sandbox` cloud points (SANDBOX_URL)")
    cloud: Cloud = "sandbox"
    tenant: str | None = Field(description="The sandbox's default tenant id, as it reports it")
    tenant_domain: str | None = Field(description="Its initial (onmicrosoft) domain")
    domain: str | None = Field(description="Its default verified domain")
    federated_domain: str | None = Field(description="A verified federated domain, if it has one")
    unverified_domain: str | None = Field(description="An unverified domain, if it has one")
    client_id: str | None = Field(description="The demo app registration's client id")
    client_secret: str | None = Field(
        description="The demo app's published secret (not a real one)"
    )
    example: dict[str, Any] | None = Field(description="A body for `apps-create`")
