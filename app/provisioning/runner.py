"""Runs tasks: claim a batch, load what the executor needs, execute, record the outcomes.

Used by the arq worker and by the in-process runner alike. The database is touched only in
short transactions before and after the Graph calls, never while waiting on Graph.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from sqlmodel import Session

from app import recompute
from app.db import transaction
from app.evaluation.desired import DesiredState
from app.models import App, Assignment, AssignmentState, Task, TaskAction, TaskStatus, utcnow
from app.observability.context import bound_request_id
from app.observability.metrics import observe_limiter, record_task
from app.provisioning import planning
from app.provisioning import repository as repo
from app.provisioning import service as task_service
from app.provisioning.executor import AppInfo, Executor, Outcome, Work
from app.provisioning.outcome import Blocked, Blocker, Failed, Retry, Succeeded, decide

log = logging.getLogger("app.provisioning")

BATCH_SIZE = 100


@dataclass
class Claimed:
    app_id: int
    works: list[Work]
    immutable_attr: str
    correlation_id: str | None


def _immutable_source(attr: str) -> str | None:
    prefix = "custom_attributes."
    return attr[len(prefix) :] if attr.startswith(prefix) else None


def claim(task_id: int, lease_s: int, limit: int = BATCH_SIZE) -> Claimed | None:
    with transaction() as session:
        ids = repo.claim_batch(session, task_id, lease_s, limit)
        if not ids:
            return None
        rows = repo.claimed_rows(session, ids)
        app = repo.get_app(session, rows[0].app_id)
        assert app is not None and app.id is not None
        attr = _immutable_source(app.immutable_id_attribute)
        works = []
        for r in rows:
            own = r.custom_attributes or {}
            mapped = r.mapped_attributes or {}
            ours = (mapped.get(attr) or own.get(attr)) if attr else None
            works.append(
                Work(
                    task_id=r.id,
                    action=r.action,
                    desired=DesiredState.from_json(r.desired) if r.desired else None,
                    applied=planning.applied_from(r.applied, r.state),
                    tenant_object_id=r.tenant_object_id,
                    user_key=r.user_id,
                    immutable_id=ours or r.immutable_id,
                )
            )
        return Claimed(app.id, works, app.immutable_id_attribute, rows[0].correlation_id)


def app_info(app_id: int, graph_base: str) -> AppInfo:
    with transaction() as session:
        app = repo.get_app(session, app_id)
        assert app is not None
        federated = {d.lower() for d in app.federated_domains or []}
        if (app.domain_type or "").lower() == "federated":
            federated.add(app.domain.lower())
        return AppInfo(app_id, graph_base, app.domain, frozenset(federated))


def record(app_id: int, outcomes: list[Outcome], max_attempts: int) -> None:
    """Write every outcome back in one transaction, then re-plan what moved meanwhile."""
    with transaction() as session:
        app = repo.get_app(session, app_id)
        assert app is not None
        tasks = repo.tasks_by_id(session, [o.task_id for o in outcomes])
        assignments = repo.assignments_by_id(session, [t.assignment_id for t in tasks.values()])
        writebacks: list[int] = []
        replan: list[Assignment] = []
        now = utcnow()
        for outcome in outcomes:
            task = tasks[outcome.task_id]
            assert task.assignment_id is not None
            assignment = assignments[task.assignment_id]
            task.request_ids = list(
                dict.fromkeys([*(task.request_ids or []), *outcome.request_ids])
            )[-50:]
            task.lease_until = None
            task.updated_at = now
            _apply_to_assignment(assignment, task, outcome)
            if outcome.tenant_immutable_id and _write_back(session, app, assignment, outcome, task):
                writebacks.append(assignment.user_id)
            for kind, data in outcome.events:
                repo.add_event(
                    session, kind, app_id=app_id, user_id=task.user_id, task_id=task.id, data=data
                )
            _finish_task(session, task, outcome, max_attempts, now)
            session.add(assignment)
            if task.status == TaskStatus.succeeded:
                # The desired state may have moved while we ran; a failed task stays the
                # record until an admin retries or the next change plans a new one.
                replan.append(assignment)
        session.flush()
        if writebacks:
            # Recompute written-back users first: their desired state now carries the tenant's
            # ImmutableID, so planning them again below would only make a task to cancel.
            recompute.users_changed(session, sorted(set(writebacks)))
        for assignment in replan:
            # Only assignments whose desired state moved on while the task ran need another
            # step; the task just finished was their one open task, so none is running.
            if assignment.user_id not in writebacks and planning.next_plan(assignment):
                planning.reconcile(session, app, assignment)
        task_service.purge_deleted_users(session, sorted({t.user_id for t in tasks.values()}))


def _apply_to_assignment(assignment: Assignment, task: Task, outcome: Outcome) -> None:
    if outcome.tenant_object_id:
        assignment.tenant_object_id = outcome.tenant_object_id
    if outcome.tenant_immutable_id:
        assignment.immutable_id = outcome.tenant_immutable_id
    if task.action == TaskAction.delete and outcome.status == "succeeded":
        assignment.state = AssignmentState.deleted
        assignment.applied = None
        assignment.applied_fingerprint = None
    elif outcome.released and outcome.status == "succeeded":
        # Suspended the only way Graph allows for an account mastered on premises: what we
        # granted is gone and the account is the directory's; nothing of ours is applied.
        assignment.state = AssignmentState.suspended
        assignment.applied = None
        assignment.applied_fingerprint = None
    elif outcome.applied is not None:
        assignment.applied = outcome.applied.to_json()
        assignment.applied_fingerprint = outcome.applied.fingerprint()
        assignment.state = (
            AssignmentState.provisioned if outcome.applied.enabled else AssignmentState.suspended
        )
    if outcome.status == "succeeded":
        assignment.last_error = None
    elif outcome.error is not None:
        assignment.last_error = _error_json(outcome)
        if outcome.status == "failed":
            assignment.state = (
                AssignmentState.error if assignment.applied is None else assignment.state
            )
    assignment.updated_at = utcnow()


def _error_json(outcome: Outcome) -> dict[str, Any]:
    err = outcome.error
    assert err is not None
    return {
        "code": err.code,
        "message": err.message,
        "status": err.status,
        "request_id": err.request_id,
        "task_id": outcome.task_id,
    }


def _finish_task(
    session: Session, task: Task, outcome: Outcome, max_attempts: int, now: Any
) -> None:
    err = outcome.error
    if err is not None:
        task.error_code, task.error_message, task.error_request_id = (
            err.code,
            err.message,
            err.request_id,
        )
    # Asked again with the attempt count: a transient failure on the last attempt fails.
    match decide(outcome.cause, attempts=task.attempts, max_attempts=max_attempts):
        case Succeeded():
            task.status, task.finished_at = TaskStatus.succeeded, now
            task.reason = "; ".join(outcome.notes) or None
            task.error_code = task.error_message = task.error_request_id = None
            record_task(task.action, "succeeded", (now - _aware(task.created_at)).total_seconds())
        case Blocked():
            task.status, task.reason = TaskStatus.blocked, outcome.reason
            record_task(task.action, "blocked")
        case Retry(when=delay):
            task.status, task.reason = TaskStatus.queued, f"retrying after: {outcome.reason}"
            task.next_attempt_at = now + timedelta(seconds=delay)
            session.add(task)
            session.flush()
            planning.wake(session, task, delay_s=delay)
            return
        case Failed():
            task.status, task.finished_at = TaskStatus.failed, now
            task.reason = outcome.reason
            record_task(task.action, "failed", (now - _aware(task.created_at)).total_seconds())
    session.add(task)


def _aware(ts: Any) -> Any:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _write_back(
    session: Session, app: App, assignment: Assignment, outcome: Outcome, task: Task
) -> bool:
    """The tenant's ImmutableID wins: copy it into the app's attribute on our user."""
    attr = _immutable_source(app.immutable_id_attribute)
    user = repo.get_user(session, assignment.user_id)
    if attr is None or user is None:
        return False
    own = dict(user.custom_attributes or {})
    current = (user.mapped_attributes or {}).get(attr) or own.get(attr)
    if current == outcome.tenant_immutable_id:
        return False
    own[attr] = outcome.tenant_immutable_id  # type: ignore[assignment]
    user.custom_attributes = own
    user.updated_at = utcnow()
    session.add(user)
    repo.add_event(
        session,
        "provisioning.immutable_id_written_back",
        app_id=app.id,
        user_id=user.id,
        task_id=task.id,
        data={
            "attribute": app.immutable_id_attribute,
            "previous": current,
            "value": outcome.tenant_immutable_id,
        },
    )
    return True


async def run_task(task_id: int, runtime: Any, lease_s: int, max_attempts: int) -> str:
    """The worker entry point: carry out this task (and due siblings of the same app)."""
    claimed = await asyncio.to_thread(claim, task_id, lease_s)
    if claimed is None:
        return "not-claimed"
    with bound_request_id(claimed.correlation_id, app_id=claimed.app_id, task_id=task_id):
        return await _execute(claimed, runtime, max_attempts)


async def _execute(claimed: Claimed, runtime: Any, max_attempts: int) -> str:
    client = None
    try:
        client = await runtime.client_for(claimed.app_id)
        info = await asyncio.to_thread(app_info, claimed.app_id, client.graph_base)
        outcomes = await Executor(client, info).run(claimed.works)
    except Exception as exc:
        decision = decide(exc)
        if not (isinstance(decision, Blocked) and decision.why is Blocker.ADMIN_MUST_ACT):
            log.exception("task batch for app %s failed before reaching Graph", claimed.app_id)
        outcomes = [Outcome(w.task_id, cause=exc) for w in claimed.works]
    await asyncio.to_thread(record, claimed.app_id, outcomes, max_attempts)
    if client is not None:
        await observe_limiter(client.limiter, client.limiter_key)
    return f"ran {len(outcomes)}"
