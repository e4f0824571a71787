"""Runs tasks: claim a batch, load what the executor needs, execute, record the outcomes.

Used by the arq worker and by the in-process runner alike. The database is touched only in
short transactions before and after the Graph calls, never while waiting on Graph.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from app import leases, queue, recompute
from app.apps import repository as apps_repo
from app.db import after_commit, transaction
from app.evaluation.desired import DesiredState
from app.evaluation.facts import custom_attribute_name
from app.graph import GraphAuthError, GraphError
from app.models import (
    App,
    Assignment,
    AssignmentState,
    StepKind,
    StepStatus,
    Task,
    TaskAction,
    TaskStatus,
    utcnow,
)
from app.observability.context import bound_request_id
from app.observability.metrics import observe_limiter, record_task
from app.provisioning import planning
from app.provisioning import repository as repo
from app.provisioning import service as task_service
from app.provisioning.executor import AppInfo, Executor, Outcome, Work
from app.provisioning.outcome import (
    Blocked,
    Blocker,
    Decision,
    Failed,
    Retry,
    Succeeded,
    decide,
)
from app.provisioning.steps import Refusals, error_json
from app.tenant_accounts import repository as accounts_repo
from app.webhooks import service as webhooks

log = logging.getLogger("app.provisioning")

BATCH_SIZE = planning.CLAIM_BATCH
DRAIN_TOLERANCE_S = 0.1
"""A group's or drain's claim takes tasks planned at least its delay ago, less this: a timer
may fire a little early, and a task of its own group must never look too young."""


@dataclass
class Claimed:
    app_id: int
    works: list[Work]
    immutable_attr: str
    correlation_id: str | None


def claim(
    task_id: int,
    lease_s: int,
    limit: int = BATCH_SIZE,
    named_only: bool = False,
    planned_before: datetime | None = None,
    group: bool = False,
) -> Claimed | None:
    with transaction() as session:
        ids = repo.claim_batch(
            session, task_id, lease_s, limit, named_only, planned_before, group=group
        )
        if not ids:
            return None
        return claimed(session, ids)


def leases_kept(claimed: Claimed, lease_s: int) -> AbstractAsyncContextManager[None]:
    """Keep the claim's tasks leased while its batch runs (`app.leases`): every third of
    `lease_s` their lease moves to `lease_s` from then, for those still running under the
    attempt this claim took (`repository.renew_leases`).

    Most of a batch's time under load is its wait at the limiter, and at Graph's published
    budget (20 writes/s per app and tenant) a backlog of claimed batches outlasts any fixed
    lease: an initial load of a few thousand users made the sweeper requeue tasks their
    worker was still carrying out, another claim ran them again, and their licenses and
    memberships went to Graph twice (bench/provision.py, 3,000 users with TASK_LEASE_S=8:
    674 writes that changed nothing)."""
    held = [(w.task_id, w.attempt) for w in claimed.works]
    return leases.kept(lambda: _renew(held, lease_s), lease_s, f"{len(held)} tasks")


def _renew(held: list[tuple[int, int]], lease_s: int) -> None:
    with transaction() as session:
        repo.renew_leases(session, held, lease_s)


def claimed(session: Session, ids: list[int]) -> Claimed:
    """What the executor needs of these tasks, which the caller has just claimed."""
    rows = repo.claimed_rows(session, ids)
    app = apps_repo.get(session, rows[0].app_id)
    assert app is not None and app.id is not None
    attr = custom_attribute_name(app.immutable_id_attribute)
    works = []
    for r in rows:
        if r.assignment_id is None:
            works.append(_account_work(r))
            continue
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
                username=r.username,
                attempt=r.attempts,
                immutable_id=ours or r.immutable_id,
                refused=Refusals.from_json(r.refused),
                desired_fingerprint=r.desired_fingerprint,
            )
        )
    return Claimed(app.id, works, app.immutable_id_attribute, rows[0].correlation_id)


def _account_work(r: Any) -> Work:
    """Deprovisioning a tenant account that belongs to no directory user: the plan names the
    tenant object id. A delete reads the account, then deletes it; a suspend wants the
    account disabled and nothing else (no attributes, licenses or groups of ours to touch)."""
    plan = r.plan or {}
    suspend = r.action == TaskAction.suspend
    nothing = DesiredState({}, {}, frozenset(), True)
    return Work(
        task_id=r.id,
        action=r.action,
        desired=DesiredState({}, {}, frozenset(), False) if suspend else None,
        applied=nothing if suspend else None,
        tenant_object_id=plan.get("tenant_object_id"),
        user_key=0,
        username="tenant account "
        + str(plan.get("user_principal_name") or plan.get("tenant_object_id")),
        attempt=r.attempts,
        immutable_id=None,
        may_create=False,
    )


def app_info(app_id: int, graph_base: str) -> AppInfo:
    with transaction() as session:
        app = apps_repo.get(session, app_id)
        assert app is not None
        federated = {d.lower() for d in app.federated_domains or []}
        if (app.domain_type or "").lower() == "federated":
            federated.add(app.domain.lower())
        return AppInfo(
            app_id,
            graph_base,
            app.domain,
            frozenset(federated),
            create_needs_approval=bool((app.approval_required or {}).get("create")),
        )


def record(
    app_id: int, outcomes: list[Outcome], max_attempts: int, held: Mapping[int, int]
) -> None:
    """Write every outcome back in one transaction, then re-plan what moved meanwhile.

    `held`: the attempt the claim took of each task. An outcome is written only while no
    other claim has taken its task since: a runner that lost its claim (stalled past its
    lease, the sweeper requeued the task, another claim took it) must not overwrite what the
    new run is doing, nor record a second end; its writes are in the tenant, where the new
    run's look-ups find them. Nobody else ran this attempt otherwise, whatever became of the
    task meanwhile (requeued, then cancelled or re-planned), so the outcome is what the
    tenant holds and is recorded."""
    with transaction() as session:
        app = apps_repo.get(session, app_id)
        assert app is not None
        # Locked before the check below, which then holds until the commit (claims and sweeps
        # skip what is locked), in the order a user's change locks them (the
        # user, then its assignments, then their tasks; `update_user`, `lock_assignments`),
        # each in id order: the users whose ImmutableID is written back, the assignments,
        # the tasks.
        task_ids = [o.task_id for o in outcomes]
        found = repo.tasks_by_id(session, task_ids)
        writing_back = {
            found[o.task_id].user_id
            for o in outcomes
            if o.tenant_immutable_id and o.task_id in found
        }
        repo.lock_users(session, sorted(writing_back - {None}))  # type: ignore[arg-type]
        assignment_ids = {t.assignment_id for t in found.values()} - {None}
        repo.lock_assignments(session, sorted(assignment_ids))  # type: ignore[arg-type]
        tasks = repo.tasks_by_id(session, task_ids, lock=True)
        outcomes = _still_held(outcomes, tasks, held)
        assignments = repo.assignments_by_id(session, [t.assignment_id for t in tasks.values()])
        writebacks: list[int] = []
        replan: list[Assignment] = []
        moved: list[tuple[Assignment, Task]] = []
        unreachable: GraphError | None = None
        lines: list[dict[str, Any]] = []
        now = utcnow()
        for outcome in outcomes:
            task = tasks[outcome.task_id]
            if task.assignment_id is None:
                # A tenant account's deprovisioning: no assignment, no directory user.
                decision = decide(
                    outcome.failure, attempts=task.attempts, max_attempts=max_attempts
                )
                _record_account(session, app_id, task, outcome, decision, now)
                lines.append(_outcome_line(app, task, outcome, decision))
                continue
            assignment = assignments[task.assignment_id]
            task.request_ids = list(
                dict.fromkeys([*(task.request_ids or []), *outcome.request_ids])
            )[-50:]
            calls = [{**c, "attempt": task.attempts} for c in outcome.calls]
            task.graph_calls = [*(task.graph_calls or []), *calls][-100:]
            task.lease_until = None
            task.updated_at = now
            # Asked again with the attempt count: a transient failure on the last attempt fails.
            decision = decide(outcome.failure, attempts=task.attempts, max_attempts=max_attempts)
            gave_up = isinstance(decision, Failed) and outcome.status == "retry"
            unreachable = unreachable or _unreachable(decision)
            _apply_to_assignment(assignment, task, outcome, decision.status)
            steps = [_final(step.to_json(), gave_up) for step in outcome.steps]
            if outcome.tenant_immutable_id and _write_back(session, app, assignment, outcome, task):
                writebacks.append(assignment.user_id)
                steps.append(_written_back(app))
            task.steps = _merge_steps(task.steps, steps)
            for kind, data in outcome.events:
                repo.add_event(
                    session, kind, app_id=app_id, user_id=task.user_id, task_id=task.id, data=data
                )
            _finish_task(session, task, outcome, decision, now)
            if isinstance(decision, Blocked) and decision.why is Blocker.APPROVAL:
                _recreate_needs_approval(session, app, task, assignment, decision.reason)
            elif (
                isinstance(decision, Blocked | Failed)
                and assignment.desired_fingerprint != outcome.desired_fingerprint
            ):
                # The desired state moved while this run carried out the old one (a rule
                # granted a license while a held attribute blocked the task): planning saw the
                # task running and left the change to us. Without this the change waits for
                # the next one, and the steps that could go never run.
                moved.append((assignment, task))
            lines.append(_outcome_line(app, task, outcome, decision))
            session.add(assignment)
            if task.status == TaskStatus.succeeded:
                # The desired state may have moved while we ran; a failed task stays the
                # record until an admin retries or the next change plans a new one.
                replan.append(assignment)
        session.flush()
        if unreachable is not None and not _held_before(session, app_id, tasks):
            webhooks.app_quarantined(session, app, unreachable.code, unreachable.message)
        if writebacks:
            # Recompute written-back users first: their desired state now carries the tenant's
            # ImmutableID, so planning them again below would only make a task to cancel.
            recompute.users_changed(session, sorted(set(writebacks)))
        for assignment in replan:
            # Only assignments whose desired state moved on while the task ran need another
            # step; the task just finished was their one open task, so none is running.
            if assignment.user_id not in writebacks and planning.next_plan(assignment):
                planning.reconcile(session, app, assignment)
        for assignment, task in moved:
            # A task held for a value Graph would refuse is released by the new plan, other
            # blocked tasks take it and keep waiting, a failed one is closed: a new task.
            still_open = task.status in planning.NOT_STARTED
            planning.reconcile(
                session, app, assignment, open_task=task if still_open else None, prefetched=True
            )
        task_service.purge_deleted_users(
            session, sorted({t.user_id for t in tasks.values() if t.user_id is not None})
        )
        # Logged once the outcomes are durable: a line must not report what a rollback undid.
        after_commit(session, lambda: _log_outcomes(lines))


def _still_held(
    outcomes: list[Outcome], tasks: Mapping[int, Task], held: Mapping[int, int]
) -> list[Outcome]:
    """The outcomes whose task is still the claim's (see `record`); the rest are logged."""
    kept = []
    for outcome in outcomes:
        task = tasks.get(outcome.task_id)
        if task is not None and task.attempts == held.get(outcome.task_id):
            kept.append(outcome)
            continue
        log.warning(
            "task.outcome_dropped",
            extra={
                "task_id": outcome.task_id,
                "attempt": held.get(outcome.task_id),
                "attempt_now": task.attempts if task is not None else None,
                "status_now": task.status if task is not None else None,
                "outcome": outcome.status,
            },
        )
    return kept


def _recreate_needs_approval(
    session: Session, app: App, task: Task, assignment: Assignment, why: str
) -> None:
    """The task found its tenant user gone (deleted outside this service, nothing to restore)
    and only a create can bring the person back, which the app's policy wants approved. The
    assignment no longer holds anything in the tenant, so it says so (no object id, nothing
    applied, `pending`), and planning turns the task into a create: pending approval, with the
    approval webhook, exactly like any create under that policy."""
    gone = assignment.tenant_object_id
    assignment.tenant_object_id = None
    assignment.applied = None
    assignment.applied_fingerprint = None
    assignment.state = AssignmentState.pending
    task.status = TaskStatus.queued  # no longer running: planning may re-plan it
    session.add(assignment)
    planning.reconcile(session, app, assignment, open_task=task, prefetched=True)
    if task.status == TaskStatus.pending_approval:
        task.reason = why
    repo.add_event(
        session,
        "provisioning.tenant_user_gone",
        app_id=app.id,
        user_id=task.user_id,
        task_id=task.id,
        data={"tenant_object_id": gone, "task_status": str(task.status)},
    )


def _record_account(
    session: Session, app_id: int, task: Task, outcome: Outcome, decision: Decision, now: Any
) -> None:
    """The outcome of deprovisioning a tenant account that belongs to no directory user: the
    task's steps, calls and status as for any task, and the account's snapshot row updated
    from what Graph accepted (a delta round would report the same soon after)."""
    task.request_ids = list(dict.fromkeys([*(task.request_ids or []), *outcome.request_ids]))[-50:]
    calls = [{**c, "attempt": task.attempts} for c in outcome.calls]
    task.graph_calls = [*(task.graph_calls or []), *calls][-100:]
    task.lease_until = None
    task.updated_at = now
    gave_up = isinstance(decision, Failed) and outcome.status == "retry"
    task.steps = _merge_steps(task.steps, [_final(s.to_json(), gave_up) for s in outcome.steps])
    for kind, data in outcome.events:
        repo.add_event(session, kind, app_id=app_id, user_id=None, task_id=task.id, data=data)
    _finish_task(session, task, outcome, decision, now)
    account = accounts_repo.get(session, app_id, task.deprovisioned_account_id)
    if account is not None and task.status == TaskStatus.succeeded:
        if task.action == TaskAction.delete:
            account.deleted = True
        elif not outcome.released:
            account.account_enabled = False
        account.disposition = "deprovisioned"
        account.changed_at = now
        session.add(account)


def _outcome_line(app: App, task: Task, outcome: Outcome, decision: Decision) -> dict[str, Any]:
    """What one run of a task came to, for its `task.outcome` log line: what, for whom, the
    result, and on failure Graph's code, message and request id (the one to quote to Microsoft)."""
    line: dict[str, Any] = {
        "task_id": task.id,
        "action": str(task.action),
        "user_id": task.user_id,
        "app_id": app.id,
        "app_name": app.name,
        "result": decision.status,
        "attempt": task.attempts,
    }
    err: BaseException | None = outcome.error
    if err is None:
        # A step that did not apply while the task as a whole did (a partial assignment).
        err = next((s.cause for s in outcome.steps if not s.succeeded and s.cause), None)
    if err is not None:
        line["reason"] = task.reason or outcome.reason
        line["graph_code"] = getattr(err, "code", None)
        line["graph_status"] = getattr(err, "status", None)
        line["graph_request_id"] = getattr(err, "request_id", None)
        line["graph_message"] = getattr(err, "message", str(err))
    return line


def _log_outcomes(lines: list[dict[str, Any]]) -> None:
    for line in lines:
        level = logging.WARNING if line["result"] == "failed" else logging.INFO
        log.log(level, "task.outcome", extra=line)


def _unreachable(decision: Decision) -> GraphError | None:
    """The error, when this decision means the app cannot reach its tenant at all: held for
    an admin (no consent, no or unreadable credentials), or a token the identity platform
    refused. A 403 on one call is that call's problem, not the app's."""
    if isinstance(decision, Blocked) and decision.why is Blocker.ADMIN_MUST_ACT:
        return decision.error
    if isinstance(decision, Failed) and isinstance(decision.error, GraphAuthError):
        return decision.error if decision.error.status in (0, 401) else None
    return None


def _held_before(session: Session, app_id: int, batch: dict[int, Task]) -> bool:
    """Whether tasks of the app outside this batch were already held: then the app was
    already reported as quarantined, and this batch only met the same wall."""
    return repo.blocked_outside(session, app_id, list(batch))


def _apply_to_assignment(assignment: Assignment, task: Task, outcome: Outcome, status: str) -> None:
    """The assignment after this run: the applied state is exactly what Graph accepted; the
    state says whether that is everything (`provisioned`/`suspended`) or not (`partial`); the
    steps' errors and the values Graph refused for good are kept beside it."""
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
        if not outcome.complete:
            assignment.state = AssignmentState.partial
        elif outcome.applied.enabled:
            assignment.state = AssignmentState.provisioned
        else:
            assignment.state = AssignmentState.suspended
    assignment.refused = _refusals_after(assignment, task, outcome).to_json()
    gave_up = status == "failed" and outcome.status == "retry"
    errors = [_final(e, gave_up, "outcome") for e in _step_errors(outcome)]
    if status != "succeeded" and not errors and outcome.error is not None:
        errors = [_error_json(outcome, status)]  # a failure of the whole run, not of one step
    assignment.step_errors = errors or None
    assignment.last_error = errors[0] if errors else None
    if status == "failed" and assignment.applied is None:
        assignment.state = AssignmentState.error
    assignment.updated_at = utcnow()


def _refusals_after(assignment: Assignment, task: Task, outcome: Outcome) -> Refusals:
    """Remember what Graph refused for good in this run, forget what it answered otherwise.
    A refused create or link is remembered only for a create: later tasks find the user by
    id and must not be held back by it."""
    answered: set[tuple[str, str | None]] = set()
    refused = []
    for step in outcome.steps:
        answered |= step.answered_keys()
        user_step = step.kind in (StepKind.link, StepKind.create, StepKind.restore)
        if user_step and (task.action != TaskAction.create or step.kind == StepKind.restore):
            continue
        refused.extend(step.refusals())
    desired = DesiredState.from_json(assignment.desired) if assignment.desired else None
    return Refusals.from_json(assignment.refused).after_run(answered, refused, desired)


def _step_errors(outcome: Outcome) -> list[dict[str, Any]]:
    """Every step that did not apply, with Graph's code, message and request id and the task
    that met the error (for a step held back, the task whose call Graph refused)."""
    errors = []
    for step in outcome.steps:
        if step.succeeded:
            continue
        data = step.to_json()
        error = data["error"] or {}
        errors.append(
            {
                "step": data["kind"],
                "target": data["target"],
                "outcome": data["status"],
                "code": error.get("code"),
                "message": error.get("message"),
                "status": error.get("status"),
                "request_id": error.get("request_id"),
                "task_id": step.held.task_id if step.held is not None else outcome.task_id,
            }
        )
    return errors


def _merge_steps(
    before: list[dict[str, Any]] | None, now: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A task's steps over its attempts: this run's outcomes, after the steps an earlier
    attempt applied that this run did not need to touch again."""
    seen = {(s["kind"], s["target"]) for s in now}
    kept = [
        s
        for s in before or []
        if s["status"] == StepStatus.succeeded and (s["kind"], s["target"]) not in seen
    ]
    return kept + now


def _final(step: dict[str, Any], gave_up: bool, field: str = "status") -> dict[str, Any]:
    """A step that would have been retried is failed once the task ran out of attempts."""
    if gave_up and step[field] == StepStatus.retry:
        return {**step, field: str(StepStatus.failed)}
    return step


def _written_back(app: App) -> dict[str, Any]:
    return {
        "kind": str(StepKind.write_back),
        "target": app.immutable_id_attribute,
        "status": str(StepStatus.succeeded),
        "error": None,
        "reason": None,
    }


def _error_json(outcome: Outcome, status: str) -> dict[str, Any]:
    err = outcome.error
    assert err is not None
    return {
        "step": None,
        "target": None,
        "outcome": status,
        **error_json(err),
        "task_id": outcome.task_id,
    }


def _finish_task(
    session: Session, task: Task, outcome: Outcome, decision: Decision, now: Any
) -> None:
    err = outcome.error
    if err is not None:
        task.error_code, task.error_message, task.error_request_id = (
            err.code,
            err.message,
            err.request_id,
        )
    match decision:
        case Succeeded():
            task.status, task.finished_at = TaskStatus.succeeded, now
            task.reason = "; ".join(outcome.notes) or None
            task.error_code = task.error_message = task.error_request_id = None
            record_task(task.action, "succeeded", (now - task.created_at).total_seconds())
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
            webhooks.task_failed(session, task)
            record_task(task.action, "failed", (now - task.created_at).total_seconds())
    session.add(task)


def _write_back(
    session: Session, app: App, assignment: Assignment, outcome: Outcome, task: Task
) -> bool:
    """The tenant's ImmutableID wins: copy it into the app's attribute on our user."""
    attr = custom_attribute_name(app.immutable_id_attribute)
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


async def run_task(
    task_id: int,
    runtime: Any,
    lease_s: int,
    max_attempts: int,
    coalescing: bool = False,
    drain: float | None = None,
    window_s: float = 0,
    group: bool = False,
) -> str:
    """The worker entry point: carry out this task (and due siblings of the same app).

    `coalescing` (a claim window of `window_s` is set): only the wake-up of a task still
    queued claims, so every batch waits out the window of its oldest task and the tasks
    planned meanwhile. `group` (a commit's group wake-up, naming the highest of its tasks,
    `planning.task_wake`): claim like a named wake-up while that task is still queued, else
    the due tasks up to it, whatever became of it. `drain` (seconds; `planning.drain_wake`):
    claim the app's due tasks planned at least that long ago: a younger task's own commit
    sent a wake-up that waits out its window, and taking it now would leave the tasks planned
    after it to go alone. A claim that takes a whole batch sends a drain before it runs its
    batch: the tasks beyond it may have no wake-up of their own, and another worker slot
    takes the next batch meanwhile."""
    planned_before = None
    if drain is not None and drain > DRAIN_TOLERANCE_S:
        planned_before = utcnow() - timedelta(seconds=drain - DRAIN_TOLERANCE_S)
    named_only = coalescing and drain is None and not group
    taken = await asyncio.to_thread(
        claim, task_id, lease_s, BATCH_SIZE, named_only, planned_before, group
    )
    if taken is None:
        return "not-claimed"
    if len(taken.works) >= BATCH_SIZE:
        last = max(taken.works, key=lambda w: w.task_id)
        wake = planning.drain_wake(last.task_id, last.attempt, window_s if coalescing else 0)
        await asyncio.to_thread(queue.send, [wake])
    with bound_request_id(taken.correlation_id, app_id=taken.app_id, task_id=task_id):
        async with leases_kept(taken, lease_s):
            return await execute(taken, runtime, max_attempts)


async def execute(claimed: Claimed, runtime: Any, max_attempts: int) -> str:
    """Run claimed tasks against the tenant and record their outcomes (the worker's path,
    and provision on demand's)."""
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
    held = {w.task_id: w.attempt for w in claimed.works}
    await asyncio.to_thread(record, claimed.app_id, outcomes, max_attempts, held)
    if client is not None:
        await observe_limiter(client.limiter, client.limiter_key)
    return f"ran {len(outcomes)}"
