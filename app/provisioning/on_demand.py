"""Provision on demand: run one user's assignment now, in the request, and answer with each
step's result and Graph's answers (like Entra's "provision on demand").

The work goes the worker's way, not a way of its own: the assignment is planned
(`planning.reconcile`, so the app's approval policy applies), its task is claimed
(`repository.claim_batch`, the same atomic claim a worker makes, for this one task only) and
carried out by the executor, and the outcome is recorded by `runner.record`. The task is
claimed in the transaction that plans it, so the wake-up that planning sends finds it taken
and no worker runs it a second time. With nothing to change by our records, a task is still
made (an `update` with an empty plan): the executor reads the tenant user and sends whatever
differs there, which is what an admin asking to "provision now" wants checked.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.apps import service as apps_service
from app.audit import service as audit
from app.audit.service import Actor, act_as
from app.db import transaction
from app.directory import service as directory
from app.errors import Conflict
from app.evaluation.desired import Plan
from app.models import AssignmentTarget, Event, Task, TaskAction, TaskStatus
from app.observability.context import bound_request_id, current_request_id
from app.provisioning import planning, runner
from app.provisioning import repository as repo

# Graph requests (the executor's batch keys, `call_json`'s "request") by the step they serve.
LOOKUP = frozenset(
    {
        "read_user",
        "read_groups",
        "find_by_immutable_id",
        "find_by_upn",
        "find_deleted_by_immutable_id",
        "find_deleted_by_upn",
    }
)
STEP_REQUESTS: dict[str, frozenset[str]] = {
    "link": frozenset({"find_holder", "find_deleted_holder"}),
    "restore": frozenset({"restore"}),
    "create": frozenset({"create", "find_holder", "find_deleted_holder"}),
    "attributes": frozenset({"patch"}),
    "license_add": frozenset({"assign_license"}),
    "license_remove": frozenset({"assign_license"}),
    "group_add": frozenset({"bind_members", "add_member"}),
    "group_remove": frozenset({"remove_member"}),
    "delete": frozenset({"delete"}),
}
# The order an admin reads a run in; a step of a kind not listed keeps its place at the end.
ORDER = (
    "lookup",
    "link",
    "restore",
    "create",
    "attributes",
    "license_add",
    "license_remove",
    "group_add",
    "group_remove",
    "write_back",
    "delete",
)


@dataclass
class Started:
    """A task claimed for this request (run it), or one that is not to run now (why)."""

    task_id: int | None
    assignment_id: int
    tenant_object_id: str | None
    claimed: runner.Claimed | None = None
    result: str | None = None
    reason: str | None = None


@dataclass
class Report:
    app_id: int
    user_id: int
    assignment_id: int
    task: Task | None
    result: str
    reason: str | None
    tenant_object_id: str | None
    steps: list[dict[str, Any]]
    calls: list[dict[str, Any]]


async def provision(
    app_id: int, user_id: int, actor: Actor, runtime: Any, lease_s: int, max_attempts: int
) -> Report:
    started = await asyncio.to_thread(_start, app_id, user_id, actor, lease_s)
    if started.claimed is not None:
        with bound_request_id(
            started.claimed.correlation_id, app_id=app_id, task_id=started.task_id
        ):
            async with runner.leases_kept(started.claimed, lease_s):
                await runner.execute(started.claimed, runtime, max_attempts)
    return await asyncio.to_thread(_report, app_id, user_id, started)


def _start(app_id: int, user_id: int, actor: Actor, lease_s: int) -> Started:
    with transaction() as session:
        act_as(session, actor)
        app = apps_service.get_app(session, app_id)
        user = directory.get_user(session, user_id)
        found = repo.assignments_of_users(session, [user_id], app_id)
        if not found or (not found[0].active and found[0].target == AssignmentTarget.present):
            raise Conflict(
                f"User {user_id} ({user.username}) is not assigned to app {app_id} ({app.name}): "
                "none of their roles, held by hand or granted by a mapping, grants the app."
            )
        assignment = found[0]
        assert assignment.id is not None
        if not app.provisioning_enabled:
            raise Conflict(f"Provisioning is disabled for app {app_id}; enable it first.")
        if assignment.target == AssignmentTarget.unmanaged:
            raise Conflict(
                f"The app's policy leaves user {user_id} unmanaged (policy `nothing`): "
                "nothing is sent to the tenant for them."
            )
        task = repo.open_task(session, assignment.id)
        if task is not None and task.status == TaskStatus.running:
            raise Conflict(f"Task {task.id} for this assignment is already running.")
        planning.reconcile(session, app, assignment, correlation_id=current_request_id())
        session.flush()
        task = repo.open_task(session, assignment.id)
        if task is None:
            task = _verify_task(session, app, assignment)
        if task is None:
            return Started(
                None,
                assignment.id,
                assignment.tenant_object_id,
                result="nothing_to_do",
                reason="the user is deprovisioned and gone from the tenant; nothing to run",
            )
        assert task.id is not None
        audit.record_values(
            session,
            "task.run_on_demand",
            task,
            None,
            {"action": task.action, "status": task.status},
        )
        if task.status != TaskStatus.queued:
            return Started(
                task.id,
                assignment.id,
                assignment.tenant_object_id,
                result=str(task.status),
                reason=task.reason or "the task is not ready to run",
            )
        ids = repo.claim_batch(session, task.id, lease_s, 1)
        if ids != [task.id]:
            raise Conflict(f"Task {task.id} for this assignment is already running.")
        return Started(
            task.id,
            assignment.id,
            assignment.tenant_object_id,
            claimed=runner.claimed(session, ids),
        )


def _verify_task(session: Session, app: Any, assignment: Any) -> Task | None:
    """Nothing to change by our records: an `update` with an empty plan, which reads the tenant
    user and sends only what differs there (None when the user is meant to be gone and is)."""
    if assignment.desired is None or assignment.tenant_object_id is None:
        return None
    reason = planning.approval_reason(app, TaskAction.update)
    task = Task(
        assignment_id=assignment.id,
        app_id=app.id,
        user_id=assignment.user_id,
        action=TaskAction.update,
        plan=Plan("update").to_json(),
        status=TaskStatus.queued if reason is None else TaskStatus.pending_approval,
        reason=reason,
        request_ids=[],
        correlation_id=current_request_id(),
    )
    session.add(task)
    session.flush()
    return task


def _report(app_id: int, user_id: int, started: Started) -> Report:
    with transaction() as session:
        task = repo.get_task(session, started.task_id) if started.task_id is not None else None
        assignment = repo.get_assignment(session, started.assignment_id)
        tenant_id = assignment.tenant_object_id if assignment else started.tenant_object_id
        if task is None or started.claimed is None:
            if task is not None:
                session.expunge(task)
            return Report(
                app_id,
                user_id,
                started.assignment_id,
                task,
                started.result or "nothing_to_do",
                started.reason,
                tenant_id,
                [],
                [],
            )
        events = list(
            session.execute(
                select(Event).where(col(Event.task_id) == task.id).order_by(col(Event.id))
            ).scalars()
        )
        calls = [c for c in task.graph_calls or [] if c.get("attempt") == task.attempts]
        steps = _steps(task, calls, started.tenant_object_id, tenant_id, events)
        result = _result(task)
        session.expunge(task)
        return Report(
            app_id,
            user_id,
            started.assignment_id,
            task,
            result,
            task.reason,
            tenant_id,
            steps,
            calls,
        )


def _result(task: Task) -> str:
    if task.status == TaskStatus.queued:
        return "retry"  # a transient failure: the worker tries again later
    return str(task.status)


def _steps(
    task: Task,
    calls: list[dict[str, Any]],
    known_before: str | None,
    tenant_id: str | None,
    events: list[Event],
) -> list[dict[str, Any]]:
    """The run's steps in reading order, each with the Graph requests that served it; the
    look-up first (found by id, matched, or not in the tenant)."""
    steps = [dict(s) for s in task.steps or []]
    kinds = {s["kind"] for s in steps}
    lookup_calls = [c for c in calls if c.get("request") in LOOKUP]
    failed = [c for c in lookup_calls if (c.get("status") or 0) >= 400 and c.get("status") != 404]
    linked = next((e.data for e in events if e.kind == "provisioning.linked"), None)
    if task.action == TaskAction.delete:
        found = "deleting the tenant user we know by id"
    elif known_before:
        found = f"known by tenant object id {known_before}"
    elif linked:
        found = f"found in the tenant by {linked.get('matched_on')}: linked"
    elif "create" in kinds:
        found = "not in the tenant: created"
    elif "restore" in kinds:
        found = "found in deleted items: restored"
    else:
        found = "not found"
    lookup = {
        "kind": "lookup",
        "target": tenant_id or known_before,
        "status": "failed" if failed else "succeeded",
        "error": None,
        "reason": found,
    }
    out = [lookup, *steps]
    for step in out:
        wanted = (
            LOOKUP if step["kind"] == "lookup" else STEP_REQUESTS.get(step["kind"], frozenset())
        )
        step["graph"] = [
            c
            for c in calls
            if c.get("request") in wanted
            and (not step["kind"].startswith("group_") or str(step["target"]) in c.get("path", ""))
        ]
    rank = {kind: n for n, kind in enumerate(ORDER)}
    return sorted(out, key=lambda s: rank.get(s["kind"], len(ORDER)))
