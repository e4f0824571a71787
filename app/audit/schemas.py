"""API shapes of the audit trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field


class ActorType(StrEnum):
    token = "token"
    scim = "scim"
    cli = "cli"
    system = "system"
    source = "source"  # a directory source's sync: `id` is the source's, `name` its name


class ObjectType(StrEnum):
    app = "app"
    user = "user"
    group = "group"
    role = "role"
    mapping = "mapping"
    rule = "rule"
    token = "token"
    task = "task"
    scim_group = "scim_group"
    tenant_account = "tenant_account"
    source = "source"
    webhook = "webhook"


class ActorRead(BaseModel):
    type: ActorType = Field(
        description="token (an API token), scim, cli, system, or source (a directory sync)"
    )
    id: int | None = Field(description="The token's id, or the source's")
    name: str = Field(description="The token's or the source's name, or `cli` / `system`")


class ObjectRead(BaseModel):
    type: ObjectType
    id: str | None
    name: str | None = Field(description="Its name when the change was made")


class AuditEntryRead(BaseModel):
    id: int
    created_at: datetime
    actor: ActorRead
    object: ObjectRead
    action: str = Field(description="`<type>.<verb>`, e.g. `app.policy_changed`, `task.approved`")
    before: dict[str, Any] | None = Field(
        description="The changed fields before (null for a creation); secrets never appear"
    )
    after: dict[str, Any] | None = Field(description="The changed fields after (null: deleted)")
    request_id: str | None = Field(description="The `X-Request-ID` of the request that did it")


# --- why: what grants an assignment, by name and id -----------------------------------------


class NamedRef(BaseModel):
    id: int
    name: str | None = Field(description="null when it no longer exists")


class WhyRole(BaseModel):
    role_id: int
    role: str | None
    source: Literal["manual", "mapping"]
    mapping_id: int | None = None
    mapping: str | None = None
    text: str = Field(description="e.g. mapping 'Office 365 members' granted role 'Office 365'")


class WhyLicense(BaseModel):
    sku_id: str
    sku_part_number: str | None
    product_name: str | None = Field(description="Microsoft's name, e.g. `Office 365 E3`")
    rules: list[NamedRef]
    text: str = Field(description="e.g. rule 'Josh' granted Office 365 E3")


class WhyGroup(BaseModel):
    group_id: str
    name: str | None = Field(description="The group's display name in the tenant")
    rules: list[NamedRef]
    text: str


class WhyParameter(BaseModel):
    name: str
    rule: NamedRef
    text: str


class WhyRead(BaseModel):
    """Why an assignment wants what it wants: each role with the mapping that granted it, and
    each license, group and parameter with the rules that set it, by name and by id."""

    target: str | None
    roles: list[WhyRole]
    licenses: list[WhyLicense]
    groups: list[WhyGroup]
    parameters: list[WhyParameter]
    lines: list[str] = Field(description="The same, one sentence per grant")


# --- the provisioning log -------------------------------------------------------------------


class GraphCallRead(BaseModel):
    request: str = Field(description="What the request was for: read, create, patch, lic, ...")
    method: str
    path: str
    status: int = Field(description="Graph's HTTP status")
    code: str | None = Field(description="Graph's error code, when it refused")
    message: str | None
    request_id: str | None = Field(
        description="Graph's request id: the item's own when Graph refused it, else the "
        "`$batch` envelope's"
    )
    batch_request_id: str | None = Field(None, description="The `$batch` envelope's request id")
    attempt: int | None = Field(None, description="The task's attempt that sent it")
    shared_with: list[int] = Field(
        default_factory=list,
        description="The other tasks this one request served (a look-up of several people, a "
        "group add of several members); empty when it was made for this task alone",
    )


class LogStep(BaseModel):
    kind: str
    target: str | None
    target_name: str | None = Field(description="The license's product name, the group's name")
    status: str
    text: str = Field(description="e.g. added license Office 365 E3: succeeded")
    reason: str | None
    error: dict[str, Any] | None = Field(description="Graph's code, message, status, request id")
    graph_call: GraphCallRead | None = Field(description="The request that carried the step")


class LogEvent(BaseModel):
    kind: str
    data: dict[str, Any]
    created_at: datetime


class ProvisioningLogEntry(BaseModel):
    task_id: int
    app: NamedRef
    user: NamedRef | None = Field(
        description="null for the deprovisioning of a tenant account that belongs to no "
        "directory user (the text names the account)"
    )
    action: str
    status: str
    reason: str | None
    text: str = Field(description="One line: who, what, where, how it ended")
    approved_by: str | None
    denied_by: str | None
    correlation_id: str | None = Field(
        description="What planned the task: the API request's X-Request-ID, or the id of the "
        "job or CLI command (the audit trail's `request_id` of the change behind it)"
    )
    created_at: datetime
    finished_at: datetime | None
    why: WhyRead | None = Field(description="What grants the user's assignment now")
    steps: list[LogStep]
    graph_calls: list[GraphCallRead]
    events: list[LogEvent]


# --- an app's own Graph activity ------------------------------------------------------------


class AppGraphCall(BaseModel):
    method: str
    path: str = Field(description="The path, object ids replaced by `{id}`, no query")
    status: int = Field(description="Graph's HTTP status; 0 when no answer came back")
    code: str | None = Field(description="Graph's error code, when it refused")
    request_id: str | None = Field(description="Graph's request id, to quote to Microsoft")
    client_request_id: str | None = Field(description="The client-request-id we sent")
    duration_ms: float
    attempt: int = Field(description="1 for the first try; a retry is its own call")
    throttled: bool


class AppActivity(BaseModel):
    """One operation made for the app itself rather than for a task, with every Graph call
    it made (tasks' calls are in the provisioning log)."""

    id: int
    operation: str = Field(description="verify_domain, refresh_entitlements or preflight")
    outcome: Literal["succeeded", "failed"]
    error: str | None = Field(description="Why it failed, when it did")
    request_id: str | None = Field(
        description="The X-Request-ID (or job's correlation id) it ran under"
    )
    created_at: datetime
    calls: list[AppGraphCall]
