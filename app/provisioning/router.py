"""HTTP routes for tasks (list, approve, deny, retry, cancel), assignments and the plan."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from app.api.deps import Approver, Reader, SessionDep, Writer
from app.api.ids import Id
from app.api.routing import ProblemRoute
from app.api.timestamps import Timestamp
from app.apps.runtime import GraphRuntime, api_runtime
from app.apps.service import get_app, require_app
from app.audit.explain import Names
from app.audit.schemas import GraphCallRead
from app.audit.service import Actor
from app.directory.service import get_user
from app.models import Assignment, AssignmentState, Task
from app.pagination import Page, PageParams, paginate
from app.provisioning import on_demand, repository, service
from app.provisioning.schemas import (
    AppPlan,
    AssignmentRead,
    GraphErrorRead,
    OnDemandResult,
    OnDemandStep,
    PlanAction,
    PlanExample,
    StepRead,
    TaskAction,
    TaskIds,
    TaskRead,
    TaskStatus,
)
from app.settings import get_settings

router = APIRouter(route_class=ProblemRoute)
Runtime = Annotated[GraphRuntime, Depends(api_runtime)]


def task_read(t: Task) -> TaskRead:
    assert t.id is not None
    error = (
        GraphErrorRead(code=t.error_code, message=t.error_message, request_id=t.error_request_id)
        if t.error_code or t.error_message
        else None
    )
    return TaskRead(
        id=t.id,
        app_id=t.app_id,
        user_id=t.user_id,
        assignment_id=t.assignment_id,
        action=t.action,
        plan=t.plan or {},
        status=t.status,
        reason=t.reason,
        attempts=t.attempts,
        next_attempt_at=t.next_attempt_at,
        request_ids=list(t.request_ids or []),
        error=error,
        steps=[StepRead.model_validate(step) for step in t.steps or []],
        approved_by=t.approved_by,
        denied_by=t.denied_by,
        decided_at=t.decided_at,
        correlation_id=t.correlation_id,
        created_at=t.created_at,
        updated_at=t.updated_at,
        started_at=t.started_at,
        finished_at=t.finished_at,
    )


@router.get(
    "/provisioning/tasks", response_model=Page[TaskRead], operation_id="tasks-list", tags=["tasks"]
)
def list_tasks(
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    app_id: Id | None = None,
    user_id: Id | None = None,
    status: list[TaskStatus] | None = Query(None),
    action: list[TaskAction] | None = Query(None),
    since: Timestamp | None = Query(None, description="Created at or after"),
    until: Timestamp | None = Query(None, description="Created before"),
) -> Page[TaskRead]:
    stmt = repository.task_query(
        repository.TaskFilter(app_id, user_id, status or (), action or (), since, until)
    )
    rows, cursor, url = paginate(session, stmt, Task.id, page)
    return Page(items=[task_read(t) for t in rows], next_cursor=cursor, next=url)


@router.get(
    "/provisioning/tasks/{task_id:int}",
    response_model=TaskRead,
    operation_id="tasks-get",
    tags=["tasks"],
)
def get_task(task_id: Id, session: SessionDep, _: Reader) -> TaskRead:
    return task_read(service.get_task(session, task_id))


@router.post(
    "/provisioning/tasks/approve",
    response_model=list[TaskRead],
    operation_id="tasks-approve-bulk",
    tags=["tasks"],
)
def approve_bulk(data: TaskIds, session: SessionDep, who: Approver) -> list[TaskRead]:
    return [task_read(t) for t in service.approve(session, data.task_ids, who.label)]


@router.post(
    "/provisioning/tasks/deny",
    response_model=list[TaskRead],
    operation_id="tasks-deny-bulk",
    tags=["tasks"],
)
def deny_bulk(data: TaskIds, session: SessionDep, who: Approver) -> list[TaskRead]:
    return [task_read(t) for t in service.deny(session, data.task_ids, who.label)]


@router.post(
    "/provisioning/tasks/{task_id:int}/approve",
    response_model=TaskRead,
    operation_id="tasks-approve",
    tags=["tasks"],
)
def approve(task_id: Id, session: SessionDep, who: Approver) -> TaskRead:
    return task_read(service.approve(session, [task_id], who.label)[0])


@router.post(
    "/provisioning/tasks/{task_id:int}/deny",
    response_model=TaskRead,
    operation_id="tasks-deny",
    tags=["tasks"],
)
def deny(task_id: Id, session: SessionDep, who: Approver) -> TaskRead:
    return task_read(service.deny(session, [task_id], who.label)[0])


@router.post(
    "/provisioning/tasks/{task_id:int}/retry",
    response_model=TaskRead,
    operation_id="tasks-retry",
    tags=["tasks"],
)
def retry(task_id: Id, session: SessionDep, who: Writer) -> TaskRead:
    return task_read(service.retry(session, task_id, who.label))


@router.post(
    "/provisioning/tasks/{task_id:int}/cancel",
    response_model=TaskRead,
    operation_id="tasks-cancel",
    tags=["tasks"],
)
def cancel(task_id: Id, session: SessionDep, who: Writer) -> TaskRead:
    return task_read(service.cancel(session, task_id, who.label))


# --- assignments ----------------------------------------------------------------------------


@router.get(
    "/apps/{app_id:int}/users",
    response_model=Page[AssignmentRead],
    operation_id="apps-users-list",
    tags=["assignments"],
)
def app_users(
    app_id: Id,
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    state: AssignmentState | None = Query(None),
) -> Page[AssignmentRead]:
    """Everyone assigned to this app, with tenant object id, state, last applied state, the
    ImmutableID, the last error, open drift, and why (role, mapping, rule)."""
    require_app(session, app_id)
    stmt = repository.app_assignment_query(app_id, state)
    rows, cursor, url = paginate(session, stmt, Assignment.id, page)
    views = service.assignment_views(session, rows)
    return Page(items=service.assignment_reads(session, views), next_cursor=cursor, next=url)


@router.get(
    "/users/{user_id:int}/apps",
    response_model=list[AssignmentRead],
    operation_id="users-apps-list",
    tags=["assignments"],
)
def user_apps(user_id: Id, session: SessionDep, _: Reader) -> list[AssignmentRead]:
    """Each app's assignment of this user: `state` (what we applied), the open task, step
    errors, `drift` (what the tenant changed since, e.g. the account deleted by hand) and why."""
    get_user(session, user_id)
    rows = repository.user_assignments(session, user_id)
    return service.assignment_reads(session, service.assignment_views(session, rows))


@router.post(
    "/apps/{app_id:int}/users/{user_id:int}/provision",
    response_model=OnDemandResult,
    operation_id="apps-users-provision",
    tags=["assignments"],
)
async def provision_on_demand(
    app_id: Id, user_id: Id, who: Writer, runtime: Runtime
) -> OnDemandResult:
    """Run this user's assignment now and answer with each step's result and Graph's answers
    (the look-up, link or create, attributes, licenses, groups, write-back), like Entra's
    "provision on demand". It goes the worker's way: a task is planned (the app's approval
    policy applies: a task that needs approval is not run, and `result` says so), claimed and
    carried out in this request. 409: the user has no assignment for the app (the detail
    says why), provisioning is disabled, or a task for the assignment is already running."""
    settings = get_settings()
    report = await on_demand.provision(
        app_id,
        user_id,
        Actor("token", who.name, who.token_id),
        runtime,
        settings.task_lease_s,
        settings.task_max_attempts,
    )
    task = report.task
    return OnDemandResult(
        app_id=report.app_id,
        user_id=report.user_id,
        assignment_id=report.assignment_id,
        task_id=task.id if task else None,
        action=TaskAction(task.action) if task else None,
        result=report.result,
        reason=report.reason,
        tenant_object_id=report.tenant_object_id,
        steps=[OnDemandStep.model_validate(s) for s in report.steps],
        calls=[GraphCallRead.model_validate(c) for c in report.calls],
    )


@router.get(
    "/apps/{app_id:int}/plan",
    response_model=AppPlan,
    operation_id="apps-plan",
    tags=["assignments"],
)
def app_plan(
    app_id: Id,
    session: SessionDep,
    _: Reader,
    examples: int = Query(5, ge=0, le=50, description="Examples per action"),
) -> AppPlan:
    """The whole pending diff for the tenant: what provisioning would do now, so an admin can
    review it before enabling provisioning."""
    view = service.app_plan(session, get_app(session, app_id), examples)
    names = Names(apps={app_id: view.app})

    def example(data: dict[str, Any]) -> PlanExample:
        plan = data["plan"]
        skus = [*(plan.get("licenses_add") or {}), *(plan.get("licenses_remove") or [])]
        return PlanExample(**data, license_names={s: names.license(app_id, s) for s in skus})

    actions = {
        action: PlanAction(count=entry.count, examples=[example(e) for e in entry.examples])
        for action, entry in view.actions.items()
    }
    return AppPlan(
        app_id=app_id,
        provisioning_enabled=view.app.provisioning_enabled,
        totals={k: v.count for k, v in actions.items()},
        actions=actions,
        pending_approval=view.waiting.get(TaskStatus.pending_approval, 0),
        blocked=view.waiting.get(TaskStatus.blocked, 0),
    )
