"""Database tables. API schemas live beside each router; these classes are storage only.

Every table is declared here so Alembic sees one metadata. JSON columns use JSONB on Postgres
and JSON text on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Index,
    TypeDecorator,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JSONType = JSON().with_variant(JSONB(), "postgresql")


# What an API token may do; `app.security` says which scope implies which. (A comment, not a
# docstring: the enum's schema in the OpenAPI document stays as it was.)
class Scope(StrEnum):
    read = "read"
    write = "write"
    approve = "approve"
    admin = "admin"
    scim = "scim"


class UserStatus(StrEnum):
    active = "active"
    suspended = "suspended"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class TaskStatus(StrEnum):
    """Where a task is in its life. Open: pending_approval, queued, running, blocked."""

    pending_approval = "pending_approval"
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    blocked = "blocked"
    denied = "denied"
    cancelled = "cancelled"


class TaskAction(StrEnum):
    create = "create"
    update = "update"
    suspend = "suspend"
    reactivate = "reactivate"
    delete = "delete"


REVOKING_ACTIONS = frozenset({TaskAction.suspend, TaskAction.delete})
"""The actions that take access away. They are claimed and sent ahead of other work
(`provisioning.repository.claim_batch`, `app.graph.urgency`): until one lands, a leaver keeps
their access, and an initial load can queue minutes of creates at Graph's write budget."""


class AssignmentTarget(StrEnum):
    """What should exist in the tenant for an assignment."""

    present = "present"
    suspended = "suspended"
    deleted = "deleted"
    unmanaged = "unmanaged"  # the app's policy is "nothing": we stop touching it


class AssignmentState(StrEnum):
    """What the tenant holds for an assignment, as far as we applied it."""

    pending = "pending"
    provisioned = "provisioned"
    suspended = "suspended"
    deleted = "deleted"
    # The tenant user exists but some steps of the desired state did not apply (each step's
    # error is on the assignment and on its task).
    partial = "partial"
    error = "error"


class StepKind(StrEnum):
    """One part of a task's work in the tenant, with its own outcome."""

    link = "link"  # find the person in the tenant and link to them
    restore = "restore"  # bring them back from deleted items
    create = "create"
    attributes = "attributes"  # one PATCH of the properties that differ
    license_add = "license_add"
    license_remove = "license_remove"
    group_add = "group_add"
    group_remove = "group_remove"
    write_back = "write_back"  # the tenant's ImmutableID copied to our user
    delete = "delete"


class StepStatus(StrEnum):
    """What became of a step: `outcome.decide` of its answer, or `skipped` when it was not
    sent because Graph refused the same value before (in another task)."""

    succeeded = "succeeded"
    retry = "retry"
    blocked = "blocked"
    failed = "failed"
    skipped = "skipped"


class DeprovisionPolicy(StrEnum):
    """What deleting, suspending or unassigning a user does in the tenant."""

    delete = "delete"
    suspend = "suspend"
    nothing = "nothing"


# SQLite reuses the largest rowid after it is deleted unless a table says AUTOINCREMENT; these
# tables' ids are kept by history after their rows go (tasks name users and apps, events name
# tasks, audit entries name every object, the provisioning log and why name rules, roles and
# mappings), so a new row must never inherit an old one's id and with it its history.
# Postgres sequences never hand an id out twice; the option only affects SQLite.
_NO_REUSE: dict[str, Any] = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that always hands back an aware UTC datetime. SQLite stores
    no offset and handed back naive values, so a row read back showed `03:59:31.066552` where
    the answer that wrote it had said `03:59:31.066552Z`. Postgres hands back the instant in
    the session's `TimeZone` (the server's unless set: `07:02:34+01:00` on a server in
    Berlin), so it is turned to UTC here too. An aware value is written as UTC, so what
    SQLite keeps is UTC too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None and dialect.name == "sqlite":
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_column(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(JSONType, nullable=nullable))


def ts_column(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime, nullable=nullable, index=index))


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    __table_args__ = _NO_REUSE

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    scopes: list[str] = json_column()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_used_at: datetime | None = ts_column()
    revoked_at: datetime | None = ts_column()
    expires_at: datetime | None = ts_column()


class Group(SQLModel, table=True):
    __tablename__ = "directory_group"
    __table_args__ = _NO_REUSE

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    description: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Role(SQLModel, table=True):
    __tablename__ = "role"
    __table_args__ = _NO_REUSE

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    description: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class RoleApp(SQLModel, table=True):
    """Which apps a role grants. A user holding the role is assigned to each app."""

    __tablename__ = "role_app"

    role_id: int = Field(foreign_key="role.id", primary_key=True, ondelete="CASCADE")
    app_id: int = Field(foreign_key="app.id", primary_key=True, index=True, ondelete="CASCADE")


class User(SQLModel, table=True):
    __tablename__ = "directory_user"
    __table_args__ = (
        Index("ix_directory_user_email_lower", "email_lower", unique=True),
        Index("ix_directory_user_username_lower", "username_lower", unique=True),
        Index("ix_directory_user_source_anchor", "source_id", "source_anchor", unique=True),
        _NO_REUSE,
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=256)
    username_lower: str = Field(max_length=256)
    email: str = Field(max_length=320)
    email_lower: str = Field(max_length=320)
    firstname: str | None = Field(default=None, max_length=200)
    lastname: str | None = Field(default=None, max_length=200)
    display_name: str | None = Field(default=None, max_length=400)
    distinguished_name: str | None = Field(default=None, max_length=1000)
    member_of: list[str] = json_column()
    department: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=100)
    status: str = Field(default="active", max_length=16, index=True)
    custom_attributes: dict[str, str] = json_column()
    # The identity provider's own id for this person, when it pushes users over SCIM.
    external_id: str | None = Field(default=None, max_length=256, index=True)
    # The directory source (LDAP/AD) that owns this person, and the source's id for them
    # (the anchor: objectGUID or entryUUID as a string). The fields the source maps are its
    # own: the API refuses to change them (409 naming the source), as Azure AD Connect does.
    source_id: int | None = Field(
        default=None, foreign_key="directory_source.id", ondelete="SET NULL"
    )
    source_anchor: str | None = Field(default=None, max_length=256)
    # Manual group; a mapping may set another (mapped_group_id), which takes precedence.
    group_id: int | None = Field(
        default=None, foreign_key="directory_group.id", index=True, ondelete="SET NULL"
    )
    # What mappings produced for this user, kept apart from what the admin set by hand so that
    # re-evaluating never overwrites manual data and is a pure function of it.
    mapped_group_id: int | None = Field(
        default=None, foreign_key="directory_group.id", ondelete="SET NULL"
    )
    mapped_attributes: dict[str, str] = json_column()
    # Roles granted by mappings: role id (as a string key) -> id of the granting mapping. Kept
    # on the row rather than in `user_role` so a reapply is one UPDATE per changed user.
    mapped_roles: dict[str, int] = json_column()
    mapping_fingerprint: str | None = Field(default=None, max_length=64)
    # Set when the user is deleted here; the row stays until its deprovisioning tasks finish.
    deleted_at: datetime | None = ts_column()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)


class UserRole(SQLModel, table=True):
    """A role a user holds by hand. Mapping-granted roles live in `User.mapped_roles`."""

    __tablename__ = "user_role"
    # Look-ups by role (the list's role filter, in the list's `id` order): migration 0022.
    __table_args__ = (Index("ix_user_role_role_user", "role_id", "user_id"),)

    user_id: int = Field(foreign_key="directory_user.id", primary_key=True, ondelete="CASCADE")
    role_id: int = Field(foreign_key="role.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class MappingRow(SQLModel, table=True):
    __tablename__ = "mapping"
    __table_args__ = _NO_REUSE

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    enabled: bool = True
    match: str = Field(default="all", max_length=8)
    position: int = Field(default=0, index=True)
    conditions: list[dict[str, Any]] = json_column()
    actions: list[dict[str, Any]] = json_column()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Job(SQLModel, table=True):
    """A long operation with progress. The row is the truth; the queue only wakes a runner."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_kind", "status", "kind"), _NO_REUSE)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    status: str = Field(default="queued", max_length=16)
    params: dict[str, Any] = json_column()
    result: dict[str, Any] | None = json_column(nullable=True)
    error: str | None = None
    processed: int = 0
    total: int | None = None
    attempts: int = 0
    lease_until: datetime | None = ts_column()
    created_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    started_at: datetime | None = ts_column()
    finished_at: datetime | None = ts_column()


class App(SQLModel, table=True):
    """One connected Microsoft 365 tenant: configuration, credentials, provisioning policy,
    parameters and the entitlements pulled at the last refresh."""

    __tablename__ = "app"
    __table_args__ = _NO_REUSE

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    # Configuration
    tenant: str = Field(max_length=255, description="contoso.onmicrosoft.com or a tenant id")
    domain: str = Field(max_length=255, description="The domain users are provisioned under")
    cloud: str = Field(default="global", max_length=16)
    client_id: str = Field(max_length=64)
    client_secret_enc: str | None = None
    certificate_enc: str | None = None
    # Shown in place of the certificate, which is write-only: what MSAL signs with and when
    # the admin must rotate it.
    certificate_thumbprint: str | None = Field(default=None, max_length=64)
    certificate_expires_at: datetime | None = ts_column()
    consented_tenant_id: str | None = Field(default=None, max_length=64)
    consented_at: datetime | None = ts_column()
    token_cache_enc: str | None = None
    # Provisioning policy
    provisioning_enabled: bool = False
    approval_required: dict[str, bool] = json_column()
    on_user_deleted: str = Field(default="suspend", max_length=16)
    on_user_suspended: str = Field(default="suspend", max_length=16)
    on_app_removed: str = Field(default="suspend", max_length=16)
    deletion_threshold: int | None = Field(default=None)
    immutable_id_attribute: str = Field(default="custom_attributes.immutable_id", max_length=200)
    parameters: list[dict[str, Any]] = json_column()
    # What the tenant told us
    domain_verified: bool | None = None
    domain_type: str | None = Field(default=None, max_length=16)
    domain_checked_at: datetime | None = ts_column()
    # Every verified federated domain of the tenant (lower-case), from `GET /domains`: a UPN in
    # any of them needs an ImmutableID at creation. None until verification or a refresh ran.
    federated_domains: list[str] | None = json_column(nullable=True)
    entitlements: dict[str, Any] = json_column()
    entitlements_refreshed_at: datetime | None = ts_column()
    # Reading the tenant back (delta cycles, issue 12): how often, what drift does per kind
    # (attributes, licenses, groups, account_enabled, deleted -> enforce/report/adopt), and
    # in which order a tenant account is matched to a directory user.
    sync_interval_s: int = Field(default=300)
    full_sync_interval_s: int = Field(default=86400)
    drift_policy: dict[str, str] | None = json_column(nullable=True)
    match_order: list[str] | None = json_column(nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class OAuthState(SQLModel, table=True):
    """A pending admin-consent redirect: bound to one app, single use, expiring."""

    __tablename__ = "oauth_state"

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    app_id: int = Field(foreign_key="app.id", ondelete="CASCADE")
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = ts_column()


class RuleRow(SQLModel, table=True):
    """A per-app provisioning rule: conditions -> licenses, Microsoft 365 groups, parameters."""

    __tablename__ = "rule"
    __table_args__ = (Index("ix_rule_app_position", "app_id", "position"), _NO_REUSE)

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id", ondelete="CASCADE")
    name: str = Field(max_length=200)
    enabled: bool = True
    match: str = Field(default="all", max_length=8)
    position: int = 0
    conditions: list[dict[str, Any]] = json_column()
    actions: list[dict[str, Any]] = json_column()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


OPEN_TASK_STATUSES = (
    TaskStatus.pending_approval,
    TaskStatus.queued,
    TaskStatus.running,
    TaskStatus.blocked,
)


class Assignment(SQLModel, table=True):
    """The (app, user) pair: what we want in the tenant, what we last applied, and why."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("app_id", "user_id", name="uq_assignment_app_user"),
        _NO_REUSE,
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="directory_user.id", index=True, ondelete="CASCADE")
    # Whether the user currently holds a role granting the app (false once unassigned).
    active: bool = True
    # What should exist in the tenant: "present" (desired state below), "suspended",
    # "deleted", or "unmanaged" (policy "nothing": we stop touching it).
    target: str = Field(default="present", max_length=16)
    state: str = Field(default="pending", max_length=16, index=True)
    tenant_object_id: str | None = Field(default=None, max_length=64, index=True)
    immutable_id: str | None = Field(default=None, max_length=200)
    desired: dict[str, Any] | None = json_column(nullable=True)
    desired_fingerprint: str | None = Field(default=None, max_length=64)
    applied: dict[str, Any] | None = json_column(nullable=True)
    applied_fingerprint: str | None = Field(default=None, max_length=64)
    why: dict[str, Any] | None = json_column(nullable=True)
    # The first error of the last run's steps (kept for readers of the single error) and all of
    # them: step, target, Graph's code, message and request id, the task that met it.
    last_error: dict[str, Any] | None = json_column(nullable=True)
    step_errors: list[dict[str, Any]] | None = json_column(nullable=True)
    # Step values Graph refused for good, with its error: not sent again until the step's own
    # desired value changes or an admin retries (see app/provisioning/steps.py).
    refused: list[dict[str, Any]] | None = json_column(nullable=True)
    # Attribute values adopted from the tenant (drift policy `adopt`): name -> {"value": the
    # tenant's value, now applied and desired; "desired": our own value when it was adopted}.
    # Kept while our own value stays the same (see app/drift/adopt.py).
    adopted: dict[str, Any] | None = json_column(nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Task(SQLModel, table=True):
    """One provisioning step for an assignment. At most one open task per assignment."""

    __tablename__ = "task"
    __table_args__ = (
        Index(
            "uq_task_open_per_assignment",
            "assignment_id",
            unique=True,
            postgresql_where=text("status IN ('pending_approval', 'queued', 'running', 'blocked')"),
            sqlite_where=text("status IN ('pending_approval', 'queued', 'running', 'blocked')"),
        ),
        Index("ix_task_status_app", "status", "app_id"),
        Index("ix_task_user", "user_id"),
        _NO_REUSE,
    )

    id: int | None = Field(default=None, primary_key=True)
    # Kept (as NULL) when a deleted user's assignment goes, so the audit trail survives.
    assignment_id: int | None = Field(
        default=None, foreign_key="assignment.id", ondelete="SET NULL"
    )
    app_id: int = Field(foreign_key="app.id", ondelete="CASCADE")
    # None only for the deprovisioning of a tenant account that belongs to no directory user
    # (its plan names the tenant account; see app/tenant_accounts/service.py).
    user_id: int | None = None
    action: str = Field(max_length=16)
    plan: dict[str, Any] = json_column()
    status: str = Field(default="queued", max_length=20)
    reason: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = ts_column()
    lease_until: datetime | None = ts_column()
    request_ids: list[str] = json_column()
    # Every Graph request the task's runs sent, with Graph's answer (method, path, status,
    # code, message, request id), for the provisioning log; the newest 100 are kept.
    graph_calls: list[dict[str, Any]] | None = json_column(nullable=True)
    # The outcome of each step (kind, target, status, error); see app/provisioning/steps.py.
    steps: list[dict[str, Any]] | None = json_column(nullable=True)
    error_code: str | None = Field(default=None, max_length=200)
    error_message: str | None = None
    error_request_id: str | None = Field(default=None, max_length=64)
    approved_by: str | None = Field(default=None, max_length=200)
    denied_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = ts_column()
    correlation_id: str | None = Field(default=None, max_length=128)
    run_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    started_at: datetime | None = ts_column()
    finished_at: datetime | None = ts_column()

    @property
    def deprovisioned_account_id(self) -> int | None:
        """The tenant account this task deprovisions, when it is the deprovisioning of an
        account that belongs to no directory user (no assignment; the plan names the account,
        see `app.tenant_accounts.service.deprovision`); None for every other task. The one
        test of "is this an account's deprovision" for the runner, retries and withdrawals."""
        if self.assignment_id is not None:
            return None
        account_id = (self.plan or {}).get("tenant_account_id")
        return account_id if isinstance(account_id, int) else None


class Event(SQLModel, table=True):
    """Something worth telling an admin: an ImmutableID written back, a link to an existing
    tenant user, a task held by the deletion threshold."""

    __tablename__ = "event"
    __table_args__ = _NO_REUSE

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64, index=True)
    app_id: int | None = Field(default=None, index=True)
    user_id: int | None = Field(default=None, index=True)
    task_id: int | None = None
    data: dict[str, Any] = json_column()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class AuditEntry(SQLModel, table=True):
    """One change an admin (or the CLI, or an identity provider over SCIM) made, written in the
    transaction of the change itself; see `app.audit` for why this is not the `event` table."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_object", "object_type", "object_id"),
        Index("ix_audit_entry_created_at", "created_at"),
        _NO_REUSE,
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    # Who: "token" (an API token), "scim" (an identity provider's token), "cli", "system".
    actor_type: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, index=True)
    actor_name: str = Field(max_length=200, index=True)
    # What: e.g. ("app", 3, "Contoso", "app.policy_changed").
    object_type: str = Field(max_length=32)
    object_id: str | None = Field(default=None, max_length=64)
    object_name: str | None = Field(default=None, max_length=400)
    action: str = Field(max_length=64, index=True)
    # The changed fields only: {field: value} before and after (secrets never, see `app.audit`).
    before: dict[str, Any] | None = json_column(nullable=True)
    after: dict[str, Any] | None = json_column(nullable=True)
    request_id: str | None = Field(default=None, max_length=128)


class ScimGroup(SQLModel, table=True):
    """A group an identity provider pushed over SCIM.

    Its members are not stored here: they are the users whose `member_of` holds `display_name`,
    so membership has one source of truth that mappings already read.
    """

    __tablename__ = "scim_group"
    __table_args__ = (Index("ix_scim_group_display_name_lower", "display_name_lower", unique=True),)

    id: str = Field(primary_key=True, max_length=36)
    display_name: str = Field(max_length=256)
    display_name_lower: str = Field(max_length=256)
    external_id: str | None = Field(default=None, max_length=256, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class WebhookEventType(StrEnum):
    """What a webhook endpoint can subscribe to (Standard Webhooks `type`, dotted names)."""

    approvals_waiting = "approvals.waiting"
    task_failed = "task.failed"
    app_quarantined = "app.quarantined"
    app_consent_lost = "app.consent_lost"
    deletion_threshold_reached = "deletion_threshold.reached"
    # One per delta cycle that found new drift (counts per kind and examples): app/drift.
    drift_detected = "drift.detected"


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first or next attempt
    succeeded = "succeeded"
    failed = "failed"  # gave up: out of attempts, or the URL may not be called


class WebhookEndpoint(SQLModel, table=True):
    """A URL told about events: of one app (`app_id`) or of every app (global, NULL)."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = _NO_REUSE

    id: int | None = Field(default=None, primary_key=True)
    app_id: int | None = Field(default=None, foreign_key="app.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=1000)
    # Event types it wants; empty means every type.
    event_types: list[str] = json_column()
    enabled: bool = True
    # The signing secret (`whsec_...`), encrypted like client secrets; never returned by reads.
    secret_enc: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: the outbox row, written in the transaction that made the
    event, then sent (and retried) by a background function. Every endpoint that receives the
    same event gets the same `msg_id` (Standard Webhooks' `webhook-id`), kept over retries so
    a receiver can drop duplicates."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_status_next", "status", "next_attempt_at"),
        _NO_REUSE,
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True, ondelete="CASCADE")
    msg_id: str = Field(max_length=64, index=True)
    event_type: str = Field(max_length=64)
    app_id: int | None = None
    payload: dict[str, Any] = json_column()
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    max_attempts: int = 1
    next_attempt_at: datetime | None = ts_column()
    lease_until: datetime | None = ts_column()
    # Each attempt: number, when, HTTP status, the answer's first bytes, duration, error.
    attempt_log: list[dict[str, Any]] = json_column()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    finished_at: datetime | None = ts_column()


class Wakeup(SQLModel, table=True):
    """A wake-up handed over by a process that must not run work itself (the CLI in the
    embedded default, which has no Redis): the server's in-process runner claims these rows
    and runs them with its own settings. Like any wake-up it only says "look at row N now"."""

    __tablename__ = "queue_wakeup"

    id: int | None = Field(default=None, primary_key=True)
    function: str = Field(max_length=64)
    args: list[Any] = json_column()
    # The wake-up's `job_id`: arq collapses duplicates of the same attempt by it.
    job_id: str | None = Field(default=None, max_length=200)
    due_at: datetime = Field(sa_type=UtcDateTime, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class DriftKind(StrEnum):
    """What differs between the snapshot and what we applied (see `App.drift_policy`)."""

    attributes = "attributes"
    licenses = "licenses"
    groups = "groups"
    account_enabled = "account_enabled"
    deleted = "deleted"  # deleted (or restored) in the tenant by someone else


class DriftAction(StrEnum):
    """What a cycle does with drift of one kind."""

    enforce = "enforce"  # plan tasks that put the tenant back (approvals, thresholds apply)
    report = "report"  # record and show; change nothing
    adopt = "adopt"  # attributes only: accept the tenant's value as the applied state


class MatchKey(StrEnum):
    """How a tenant account is matched to a directory user (`App.match_order`)."""

    immutable_id = "immutable_id"
    user_principal_name = "user_principal_name"
    mail = "mail"


class SyncState(StrEnum):
    """Where an app's delta cycles stand (see `AppSync`)."""

    idle = "idle"  # no cycle running; the next one is due at `next_cycle_at`
    running = "running"  # one worker holds the cycle lease
    # Cycles cannot run (credentials refused, consent revoked, most calls failing): visible,
    # backed off until `quarantined_until`, reported by webhook.
    quarantined = "quarantined"


class AppSync(SQLModel, table=True):
    """An app's tenant snapshot bookkeeping: the stored deltaLinks (Graph delta queries,
    graph-contract §7), the cycle schedule and lease, and the last cycle's figures.

    One row per app, created with the app's first cycle. The lease (`lease_until`, taken with
    one atomic update) is what makes a cycle run on one worker at a time across all workers."""

    __tablename__ = "app_sync"

    app_id: int = Field(foreign_key="app.id", primary_key=True, ondelete="CASCADE")
    # The whole deltaLink of the last finished round (Graph says: keep it as given). None means
    # the next round is a full one. Not a secret: a delta token only works with a valid token.
    users_delta_link: str | None = None
    groups_delta_link: str | None = None
    # The tenant group ids the groups round was started for: the rules' groups; when they
    # change, the groups round restarts in full.
    groups_delta_ids: list[str] | None = json_column(nullable=True)
    state: str = Field(default="idle", max_length=16)
    lease_until: datetime | None = ts_column()
    # The consecutive failed cycles, the quarantine's reason and its back-off end.
    failures: int = 0
    quarantine_reason: str | None = None
    quarantined_at: datetime | None = ts_column()
    quarantined_until: datetime | None = ts_column()
    next_cycle_at: datetime | None = ts_column(index=True)
    next_full_at: datetime | None = ts_column()
    # The last cycle: kind (incremental/full), started_at, finished_at, duration_ms, pages,
    # users seen and changed, drift found and fixed, tasks planned, error.
    last_cycle: dict[str, Any] | None = json_column(nullable=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class TenantAccount(SQLModel, table=True):
    """One tenant user as the app's snapshot holds it, and which directory user it is.

    Written only from Graph's answers (delta rounds, lookups); what we sent lives on the
    assignment. `user_id` is the directory user it is matched or linked to (None: an orphan
    that belongs to nobody here, listed by `GET /apps/{id}/tenant-accounts?matched=false`)."""

    __tablename__ = "tenant_account"
    __table_args__ = (
        UniqueConstraint("app_id", "object_id", name="uq_tenant_account_app_object"),
        Index("ix_tenant_account_app_upn", "app_id", "user_principal_name_lower"),
        Index("ix_tenant_account_app_user", "app_id", "user_id"),
        Index("ix_tenant_account_app_mail", "app_id", "mail_lower"),
        Index("ix_tenant_account_app_immutable_id", "app_id", "on_premises_immutable_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id", ondelete="CASCADE")
    object_id: str = Field(max_length=64)
    user_principal_name: str | None = Field(default=None, max_length=1024)
    user_principal_name_lower: str | None = Field(default=None, max_length=1024)
    mail_lower: str | None = Field(default=None, max_length=320)
    on_premises_immutable_id: str | None = Field(default=None, max_length=200)
    account_enabled: bool | None = None
    on_premises_sync_enabled: bool | None = None
    # skuIds of `assignedLicenses`, sorted.
    assigned_licenses: list[str] = json_column()
    # Every other selected property as Graph returned it (Graph's property names).
    attributes: dict[str, Any] = json_column()
    # Soft-deleted in the tenant (in deleted items, restorable); a purge removes the row.
    deleted: bool = False
    # The directory user it belongs to, how that was decided (immutable_id,
    # user_principal_name, mail, assignment, manual) and what an admin decided for an orphan
    # (ignored, imported, deprovisioned).
    user_id: int | None = Field(default=None, foreign_key="directory_user.id", ondelete="SET NULL")
    match_method: str | None = Field(default=None, max_length=32)
    disposition: str | None = Field(default=None, max_length=32)
    # Why matching linked nothing (disposition "conflict"): the users or accounts that
    # matched the same key, so an admin can settle it by hand.
    conflict_reason: str | None = None
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class TenantGroupMember(SQLModel, table=True):
    """One member of a Microsoft 365 group our rules use, as the snapshot holds it
    (`/groups/delta` with `members`)."""

    __tablename__ = "tenant_group_member"

    app_id: int = Field(foreign_key="app.id", primary_key=True, ondelete="CASCADE")
    group_id: str = Field(max_length=64, primary_key=True)
    member_id: str = Field(max_length=64, primary_key=True, index=True)


class DriftStatus(StrEnum):
    """Where a drift item stands."""

    open = "open"  # the tenant still differs from what we applied (or is being put back)
    fixed = "fixed"  # the tenant is back in line (by itself, or by an enforce task)
    adopted = "adopted"  # the tenant's value was accepted as the applied state


class DriftItem(SQLModel, table=True):
    """One difference between the snapshot and an assignment's applied state (app/drift).

    At most one open item per (assignment, kind, target): seeing the same drift again only
    moves `last_seen_at`. `task_id` is the task an `enforce` planned to put the tenant back;
    the item stays open while that task is."""

    __tablename__ = "drift_item"
    __table_args__ = (
        Index(
            "uq_drift_item_open",
            "assignment_id",
            "kind",
            "target",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        Index("ix_drift_item_app_status_kind", "app_id", "status", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id", ondelete="CASCADE")
    assignment_id: int = Field(foreign_key="assignment.id", index=True, ondelete="CASCADE")
    user_id: int = Field(index=True)
    object_id: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    # The attribute name, skuId or group id; "" for the account's enabled and deleted state.
    target: str = Field(default="", max_length=200)
    tenant_value: Any = json_column(nullable=True)
    applied_value: Any = json_column(nullable=True)
    status: str = Field(default="open", max_length=16)
    task_id: int | None = Field(default=None)
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    resolved_at: datetime | None = ts_column()


class SourceKind(StrEnum):
    """What a directory source is; it picks the defaults (attribute map, anchor, filters,
    incremental method)."""

    active_directory = "active_directory"  # incremental by uSNChanged, anchor objectGUID
    ldap = "ldap"  # generic LDAP: incremental by modifyTimestamp, anchor entryUUID


class SourceTls(StrEnum):
    """How a source's connection is protected. Plain LDAP sends the bind password in clear
    text: only with an explicit opt-in (`plaintext`)."""

    ldaps = "ldaps"  # TLS from the first byte (ldaps://, port 636)
    starttls = "starttls"  # ldap:// upgraded with the StartTLS extended operation (RFC 4513)
    plaintext = "plaintext"


class SourceAnchor(StrEnum):
    """The source anchor: the value that follows a person for life and becomes their
    ImmutableID (Azure AD Connect's sourceAnchor)."""

    object_guid = "objectGUID"  # base64 of the GUID's 16 bytes in AD's byte order
    # Azure AD Connect's default: ms-DS-ConsistencyGuid when set, else objectGUID
    consistency_guid = "mS-DS-ConsistencyGuid"
    entry_uuid = "entryUUID"  # generic LDAP (RFC 4530)


class SourceStatus(StrEnum):
    idle = "idle"
    running = "running"
    # A sync would delete or disable more than the threshold, or the source answered nothing:
    # it stopped before changing anyone and waits for an admin (`held` lists the people).
    held = "held"
    error = "error"  # the last sync could not run (bind refused, TLS, search failed)


class Source(SQLModel, table=True):
    """A directory source: an LDAP server (one Active Directory domain controller, or a
    generic LDAP server) whose people and groups feed our directory, as Azure AD Connect
    feeds Entra ID."""

    __tablename__ = "directory_source"
    __table_args__ = _NO_REUSE

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=32)
    enabled: bool = True
    # Connection: one server (AD's uSN cursor is per domain controller), how it is protected,
    # the CA that must have signed its certificate (PEM; None: the system's CAs).
    url: str = Field(max_length=1000)
    tls: str = Field(default="ldaps", max_length=16)
    ca_certificate: str | None = None
    bind_dn: str = Field(max_length=1000)
    bind_password_enc: str | None = None  # write-only in the API, encrypted at rest
    # What to read: where, which entries, and onto which of our fields.
    base_dns: list[str] = json_column()
    user_filter: str = Field(max_length=4000)
    group_filter: str = Field(max_length=4000)
    # Our field (`email`, `custom_attributes.employee_id`, ...) -> the LDAP attribute.
    attribute_map: dict[str, str] = json_column()
    anchor: str = Field(max_length=64)
    # The custom attribute the anchor (base64) is written to, which an app's ImmutableID
    # attribute reads (`custom_attributes.immutable_id` by default, as apps expect).
    immutable_id_attribute: str | None = Field(
        default="custom_attributes.immutable_id", max_length=200
    )
    # Schedule and safety
    sync_interval_s: int = 1800  # Azure AD Connect's default cycle: 30 minutes
    full_sync_interval_s: int = 86400
    deletion_threshold: int = 500  # Azure AD Connect's default export deletion threshold
    # A person new to the source whose username or email an API-managed person holds is
    # taken over (Azure AD Connect's soft match); off, they are skipped with the reason.
    soft_match: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # Where syncs stand: the incremental cursor (AD: highestCommittedUSN and the DC's
    # invocationId; LDAP: the newest modifyTimestamp seen), the lease that keeps one sync per
    # source across workers, the last sync's figures, and what waits for an admin.
    status: str = Field(default="idle", max_length=16)
    status_reason: str | None = None
    cursor: dict[str, Any] | None = json_column(nullable=True)
    lease_until: datetime | None = ts_column()
    next_sync_at: datetime | None = ts_column(index=True)
    next_full_at: datetime | None = ts_column()
    last_sync: dict[str, Any] | None = json_column(nullable=True)
    held: dict[str, Any] | None = json_column(nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class SourceGroup(SQLModel, table=True):
    """A group as the source holds it: its direct members (DNs, lower-cased), from which the
    nested memberships of every person are computed without one search per person."""

    __tablename__ = "directory_source_group"
    __table_args__ = (
        UniqueConstraint("source_id", "anchor", name="uq_directory_source_group_anchor"),
        Index("ix_directory_source_group_dn", "source_id", "dn_lower"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="directory_source.id", ondelete="CASCADE")
    anchor: str = Field(max_length=256)
    dn_lower: str = Field(max_length=1000)
    name: str = Field(max_length=256)
    members: list[str] = json_column()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
