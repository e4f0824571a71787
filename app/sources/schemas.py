"""API shapes for directory sources (Create / Update / Read families) and the connection test.

The bind password is write-only: it exists on the input models as `SecretStr` (a stray repr
or log line shows `**********`) and never on `SourceRead`, which says only
`bind_password_set`. Each field's syntax is checked here (a 422 naming the field); what
depends on several fields or on the stored source (TLS against the URL's scheme, the
plaintext opt-in, the attribute map after merging) is checked by the service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, SecretStr, StringConstraints

from app.inputs import Input, Patch
from app.models import SourceAnchor, SourceKind, SourceStatus, SourceTls
from app.sources.defaults import CUSTOM_PREFIX, USER_FIELDS
from app.sources.ldap_syntax import (
    check_attribute,
    check_dn,
    check_filter,
    parse_ca_pem,
    parse_url,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _url(value: str) -> str:
    return str(parse_url(value))


def _ca(value: str) -> str:
    parse_ca_pem(value)
    return value


def _base_dns(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        dn = check_dn(value)
        seen.setdefault(dn.lower(), dn)  # the same DN twice would count everyone twice
    return list(seen.values())


_CUSTOM_NAME = r"[A-Za-z_][A-Za-z0-9_.-]{0,63}"


def _field(value: str) -> str:
    import re

    value = value.strip()
    if value in USER_FIELDS or re.fullmatch(re.escape(CUSTOM_PREFIX) + _CUSTOM_NAME, value):
        return value
    raise ValueError(
        f"{value!r} is not one of our user fields ({', '.join(USER_FIELDS)}) nor "
        "custom_attributes.<name> (a letter or _ then letters, digits, _, . or -)"
    )


Url = Annotated[
    str,
    StringConstraints(max_length=1000),
    AfterValidator(_url),
]
Dn = Annotated[str, StringConstraints(max_length=1000), AfterValidator(check_dn)]
BaseDns = Annotated[
    list[Annotated[str, StringConstraints(max_length=1000)]],
    Field(min_length=1, max_length=20),
    AfterValidator(_base_dns),
]
Filter = Annotated[str, StringConstraints(max_length=4000), AfterValidator(check_filter)]
OurField = Annotated[str, StringConstraints(max_length=100), AfterValidator(_field)]
LdapAttribute = Annotated[str, StringConstraints(max_length=200), AfterValidator(check_attribute)]
CaPem = Annotated[str, StringConstraints(min_length=1, max_length=100_000), AfterValidator(_ca)]
BindPassword = Annotated[SecretStr, Field(min_length=1, max_length=1024)]
BindName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
ImmutableIdAttribute = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=rf"^custom_attributes\.{_CUSTOM_NAME}$"),
]
SyncInterval = Annotated[
    int, Field(ge=60, le=86_400, description="Seconds between incremental syncs")
]
FullSyncInterval = Annotated[
    int, Field(ge=600, le=30 * 86_400, description="Seconds between full syncs")
]
DeletionThreshold = Annotated[
    int,
    Field(
        ge=0,
        le=1_000_000,
        description="A sync that would delete or disable more people than this stops and "
        "waits for an admin (Azure AD Connect's export deletion threshold is 500)",
    ),
]

_URL_DOC = (
    "One server: `ldaps://dc1.corp.example:636` (TLS from the start) or "
    "`ldap://ldap.corp.example:389` (StartTLS, or plaintext with `allow_plaintext`); the port "
    "defaults to the scheme's. Active Directory: one domain controller (its change cursor, "
    "uSNChanged, is per controller)."
)
_TLS_DOC = (
    "`ldaps` with an `ldaps://` URL; `starttls` (the default for `ldap://`) or `plaintext` "
    "with an `ldap://` URL. `plaintext` sends the bind password and every person's data in "
    "clear text over the network and needs `allow_plaintext: true`."
)
_PLAINTEXT_DOC = (
    "The explicit opt-in for `tls: plaintext`: the bind password and every person's data "
    "cross the network in clear text. Needed in the request that makes a source plaintext or "
    "changes the URL, bind DN or password of a plaintext source. Not stored."
)
_CA_DOC = (
    "PEM of the CA certificate(s) the server's certificate must chain to (one, or a bundle); "
    "without it the system's CAs are used. Checked as X.509; an expired one is refused."
)
_MAP_DOC = (
    "Our field -> LDAP attribute. Fields: "
    + ", ".join(f"`{f}`" for f in USER_FIELDS)
    + ", and `custom_attributes.<name>` for anything else (`employee_id`, `manager`). "
    "Merged onto the kind's defaults (JSON merge patch, RFC 7396: a null removes a mapping); "
    "`username` and `email` must stay mapped."
)
_BIND_DOC = (
    "Who the service binds as: a DN (`CN=svc-sync,OU=Service,DC=corp,DC=example`); for "
    "Active Directory also `svc-sync@corp.example` or `CORP\\svc-sync`"
)


class _SourceFields(Input):
    multiline = frozenset({"ca_certificate"})  # PEM is base64 in lines


class SourceCreate(_SourceFields):
    name: Name
    kind: SourceKind = Field(
        description="`active_directory` or `ldap` (generic LDAP, inetOrgPerson): picks the "
        "defaults of every setting left out, and how changes are found"
    )
    enabled: bool = True
    url: Url = Field(description=_URL_DOC)
    tls: SourceTls | None = Field(None, description=_TLS_DOC)
    allow_plaintext: bool = Field(False, description=_PLAINTEXT_DOC)
    ca_certificate: CaPem | None = Field(None, description=_CA_DOC)
    bind_dn: BindName = Field(description=_BIND_DOC)
    bind_password: BindPassword = Field(
        description="Write-only: stored encrypted, never returned or logged"
    )
    base_dns: BaseDns = Field(description="Where people and groups are read (one or more DNs)")
    user_filter: Filter | None = Field(
        None, description="Which entries are people (RFC 4515); the kind's default when left out"
    )
    group_filter: Filter | None = Field(
        None, description="Which entries are groups (RFC 4515); the kind's default when left out"
    )
    attribute_map: dict[OurField, LdapAttribute | None] | None = Field(
        None, max_length=200, description=_MAP_DOC
    )
    anchor: SourceAnchor | None = Field(
        None,
        description="The source anchor, which becomes the ImmutableID: `mS-DS-ConsistencyGuid` "
        "(Active Directory's default, as Azure AD Connect; falls back to objectGUID), "
        "`objectGUID`, or `entryUUID` (generic LDAP's default)",
    )
    immutable_id_attribute: ImmutableIdAttribute | None = Field(
        "custom_attributes.immutable_id",
        description="The custom attribute the anchor (base64) is written to, which an app's "
        "ImmutableID reads; null writes none",
    )
    sync_interval_s: SyncInterval = 1800
    full_sync_interval_s: FullSyncInterval = 86_400
    deletion_threshold: DeletionThreshold = 500
    soft_match: bool = Field(
        True,
        description="A person new to the source whose username or email a person the API "
        "manages holds is taken over by the source (Azure AD Connect's soft match); false "
        "skips them with the reason and leaves that person alone",
    )


class SourceUpdate(_SourceFields, Patch):
    nullable = frozenset({"ca_certificate", "immutable_id_attribute"})

    name: Name | None = None
    enabled: bool | None = None
    url: Url | None = Field(None, description=_URL_DOC)
    tls: SourceTls | None = Field(None, description=_TLS_DOC)
    allow_plaintext: bool | None = Field(None, description=_PLAINTEXT_DOC)
    ca_certificate: CaPem | None = Field(None, description=_CA_DOC + " Null removes it.")
    bind_dn: BindName | None = Field(None, description=_BIND_DOC)
    bind_password: BindPassword | None = Field(None, description="Write-only")
    base_dns: BaseDns | None = None
    user_filter: Filter | None = None
    group_filter: Filter | None = None
    attribute_map: dict[OurField, LdapAttribute | None] | None = Field(
        None,
        max_length=200,
        description="Merged into the current map (RFC 7396): a value sets a mapping, a null "
        "removes it, fields left out keep theirs",
    )
    anchor: SourceAnchor | None = Field(
        None,
        description="Changing the anchor of a source that has synced people changes every "
        "person's ImmutableID: refused (409) while the source owns anyone",
    )
    immutable_id_attribute: ImmutableIdAttribute | None = None
    sync_interval_s: SyncInterval | None = None
    full_sync_interval_s: FullSyncInterval | None = None
    deletion_threshold: DeletionThreshold | None = None
    soft_match: bool | None = None


class SourceTestRequest(SourceCreate):
    """A source's settings, tried before saving: the same body as `sources-create` (the name
    may be left out)."""

    name: Name = "untitled"


class CaCertificateRead(BaseModel):
    subject: str
    issuer: str
    fingerprint_sha256: str
    not_after: datetime


class SourceRead(BaseModel):
    id: int
    name: str
    kind: SourceKind
    enabled: bool
    url: str
    tls: SourceTls
    ca_certificates: list[CaCertificateRead] | None = Field(
        description="What `ca_certificate` holds (null: the system's CAs are trusted)"
    )
    bind_dn: str
    bind_password_set: bool
    base_dns: list[str]
    user_filter: str
    group_filter: str
    attribute_map: dict[str, str]
    anchor: SourceAnchor
    immutable_id_attribute: str | None
    sync_interval_s: int
    full_sync_interval_s: int
    deletion_threshold: int
    soft_match: bool
    status: SourceStatus = Field(description="Read-only: idle, running, held or error")
    status_reason: str | None = Field(description="Read-only: why it is held or in error")
    last_sync: dict[str, Any] | None = Field(description="Read-only: the last sync's figures")
    next_sync_at: datetime | None = Field(description="Read-only")
    held: dict[str, Any] | None = Field(
        description="Read-only: what a held sync would have deleted or disabled, waiting for "
        "an admin"
    )
    user_count: int = Field(description="Read-only: the people this source owns")
    created_at: datetime
    updated_at: datetime


class SourceDeleted(BaseModel):
    id: int
    name: str
    released_users: int = Field(
        description="People the source owned: they keep their values and become API-managed "
        "(editable through the API, no longer synced)"
    )


# --- the connection test --------------------------------------------------------------------

Step = Literal["connect", "bind", "search"]


class StepResult(BaseModel):
    ok: bool
    code: str | None = Field(
        None,
        description="Why it failed: `unreachable`, `tls`, `bind_refused`, "
        "`strong_auth_required`, `no_such_object`, `search_failed`",
    )
    message: str | None = None


class SearchResult(BaseModel):
    base_dn: str
    ok: bool
    users: int | None = Field(None, description="Entries the user filter finds under it")
    groups: int | None = Field(None, description="Entries the group filter finds under it")
    code: str | None = None
    message: str | None = None


class ServerInfo(BaseModel):
    """What the server says of itself in its root DSE (RFC 4512 section 5.1)."""

    active_directory: bool = Field(
        description="It announces Active Directory's capabilities (supportedCapabilities)"
    )
    vendor_name: str | None = None
    vendor_version: str | None = None
    naming_contexts: list[str] = Field(default_factory=list)
    default_naming_context: str | None = Field(None, description="Active Directory's domain")
    dns_host_name: str | None = Field(None, description="Active Directory: the controller's name")
    highest_committed_usn_present: bool = Field(
        False, description="Active Directory: incremental sync by uSNChanged is possible"
    )
    supported_ldap_version: list[str] = Field(default_factory=list)


class ConnectionReport(BaseModel):
    ok: bool = Field(description="Connected, bound, and every base DN searched")
    failed_step: Step | None = Field(None, description="The first step that failed")
    connect: StepResult
    bind: StepResult
    searches: list[SearchResult]
    server: ServerInfo | None = None
    duration_ms: int
