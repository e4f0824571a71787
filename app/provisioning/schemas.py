"""API shapes for tasks, assignments and the pending plan."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.ids import Id
from app.audit.schemas import GraphCallRead, WhyRead
from app.models import (
    AssignmentState,
    AssignmentTarget,
    DriftKind,
    StepKind,
    StepStatus,
    TaskAction,
    TaskStatus,
)

__all__ = ["StepKind", "StepStatus", "TaskAction", "TaskStatus"]


class GraphErrorRead(BaseModel):
    code: str | None
    message: str | None
    request_id: str | None


class StepErrorRead(BaseModel):
    """Graph's answer to one step, as stored on the task."""

    code: str | None
    message: str | None
    status: int | None = Field(None, description="HTTP status of Graph's answer")
    request_id: str | None


class StepRead(BaseModel):
    """One part of the task's work in the tenant and what became of it."""

    kind: StepKind
    target: str | None = Field(
        description="What the step changes: the attribute names of the PATCH, the sku id, "
        "the group id, the userPrincipalName (link, create) or the tenant object id"
    )
    status: StepStatus = Field(
        description="succeeded, retry (will be tried again), blocked (waits for an admin, "
        "e.g. free seats), failed (Graph refused it), or skipped (Graph refused the same "
        "value in an earlier task; not sent again until it changes or an admin retries)"
    )
    error: StepErrorRead | None
    reason: str | None = Field(None, description="Why it waits, or why it was not sent")


class AssignmentStepError(BaseModel):
    """A step of the assignment's last run that did not apply."""

    step: StepKind | None = Field(description="null: the whole run failed, not one step")
    target: str | None
    outcome: StepStatus = Field(description="What became of the step: never succeeded here")
    code: str | None
    message: str | None
    status: int | None = Field(None, description="HTTP status of Graph's answer")
    request_id: str | None
    task_id: int | None = Field(description="The task whose request Graph answered so")


class TaskRead(BaseModel):
    id: int
    app_id: int
    user_id: int | None = Field(
        description="null for the deprovisioning of a tenant account that belongs to no "
        "directory user (the plan names the account)"
    )
    assignment_id: int | None
    action: TaskAction
    plan: dict[str, Any] = Field(description="Planned changes: attributes, licenses and groups")
    status: TaskStatus
    reason: str | None = Field(description="Why it waits, is blocked, or failed")
    attempts: int
    next_attempt_at: datetime | None
    request_ids: list[str] = Field(description="Graph request ids this task used")
    error: GraphErrorRead | None
    steps: list[StepRead] = Field(
        default_factory=list, description="Each step's outcome, in the order they ran"
    )
    approved_by: str | None
    denied_by: str | None
    decided_at: datetime | None
    correlation_id: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class TaskIds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task_ids: list[Id] = Field(min_length=1, max_length=1000)


class OpenTask(BaseModel):
    id: int
    action: TaskAction
    status: TaskStatus


class AssignmentDrift(BaseModel):
    """One open difference between the tenant and what we applied (`GET /apps/{id}/drift`
    lists them per app)."""

    kind: DriftKind
    target: str = Field(
        description="The attribute's Graph name, the skuId or the group id; empty for the "
        "account's enabled or deleted state"
    )
    tenant_value: Any = Field(description="What the tenant holds (as the last delta round saw)")
    applied_value: Any = Field(description="What we last applied and believed the tenant held")
    task_id: int | None = Field(description="The task planned to put the tenant back (enforce)")
    first_seen_at: datetime


class AssignmentRead(BaseModel):
    id: int
    app_id: int
    user_id: int
    username: str | None
    active: bool = Field(description="The user holds a role granting the app")
    target: AssignmentTarget = Field(description="What should exist in the tenant")
    state: AssignmentState = Field(description="What the tenant holds, as far as we applied it")
    tenant_object_id: str | None
    immutable_id: str | None
    desired: dict[str, Any] | None
    applied: dict[str, Any] | None
    why: WhyRead | None = Field(
        description="Roles (and the mappings granting them), and the rules behind each "
        "license, group and parameter, by name and id"
    )
    last_error: dict[str, Any] | None = Field(
        description="The first of `step_errors` (kept for clients that read one error)"
    )
    step_errors: list[AssignmentStepError] = Field(
        default_factory=list,
        description="Every step of the last run that did not apply, with Graph's error; "
        "empty when the tenant holds the whole desired state",
    )
    open_task: OpenTask | None
    drift: list[AssignmentDrift] = Field(
        default_factory=list,
        description="Open drift: where the tenant no longer holds what we applied (an account "
        "deleted or disabled by hand, a license or group removed, an attribute changed), oldest "
        "first. `state` says what we applied; this says what the tenant did since. Empty when "
        "the last delta round found the tenant as we left it",
    )
    updated_at: datetime


class PlanExample(BaseModel):
    user_id: int
    username: str | None
    plan: dict[str, Any]
    license_names: dict[str, str] = Field(
        default_factory=dict,
        description="sku id -> Microsoft's product name, for each license the plan adds or "
        "removes (e.g. `Office 365 E3`)",
    )
    tenant_object_id: str | None = Field(
        None, description="For a link: the tenant account the person would be linked to"
    )
    matched_on: str | None = Field(
        None,
        description="For a link: `linked` (already matched to this user), `immutable_id`, "
        "`user_principal_name` or `mail`",
    )


class PlanAction(BaseModel):
    count: int
    examples: list[PlanExample]


class AppPlan(BaseModel):
    app_id: int
    provisioning_enabled: bool
    totals: dict[str, int] = Field(
        description="Assignments that would get each action; `link` counts people the plan "
        "would create who already exist in the tenant (per the tenant snapshot and the app's "
        "match order): they are linked and updated, not created"
    )
    actions: dict[str, PlanAction]
    pending_approval: int
    blocked: int


class OnDemandStep(BaseModel):
    """One step of the run: the look-up first, then link or create, attributes, licenses,
    groups and write-back, with the Graph requests that served it."""

    kind: str = Field(description="`lookup`, or a step kind (link, create, attributes, ...)")
    target: str | None
    status: StepStatus
    error: StepErrorRead | None = None
    reason: str | None = None
    graph: list[GraphCallRead] = Field(default_factory=list)


class OnDemandResult(BaseModel):
    app_id: int
    user_id: int
    assignment_id: int
    task_id: int | None
    action: TaskAction | None
    result: str = Field(
        description="succeeded, failed, blocked (waits for an admin), retry (a transient "
        "failure; the worker tries again), pending_approval (the app's policy: not run), "
        "or nothing_to_do"
    )
    reason: str | None
    tenant_object_id: str | None
    steps: list[OnDemandStep]
    calls: list[GraphCallRead] = Field(description="Every Graph request of the run, in order")
