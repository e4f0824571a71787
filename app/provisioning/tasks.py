"""Tasks: planning, approval, claiming and recording outcomes.

A task is one provisioning step (create, update, suspend, reactivate, delete) for one
assignment; at most one is open per assignment (a partial unique index enforces it). A newer
desired state replaces the plan of a task that has not started; a running task is left alone
and the executor plans a follow-up when it finishes if the desired state moved meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import Session, col

from app.db import after_commit
from app.errors import Conflict, NotFound
from app.evaluation.desired import DesiredState, Plan, diff
from app.models import OPEN_TASK_STATUSES, App, Assignment, Task, utcnow

TASK_FUNCTION = "run_task"
NOT_STARTED = ("pending_approval", "queued", "blocked")
DESTRUCTIVE = ("delete", "suspend")


def applied_state(assignment: Assignment) -> DesiredState | None:
    return applied_from(assignment.applied, assignment.state)


def applied_from(applied: dict[str, Any] | None, state: str) -> DesiredState | None:
    """What we last applied, or None when nothing (still) exists in the tenant."""
    if applied is None or state == "deleted":
        return None
    return DesiredState.from_json(applied)


def next_plan(assignment: Assignment) -> Plan | None:
    """The step that takes the tenant from what we applied to what we want (None: nothing)."""
    exists = assignment.tenant_object_id is not None and assignment.state != "deleted"
    if assignment.target == "unmanaged":
        return None
    if assignment.target == "deleted" or assignment.desired is None:
        return Plan("delete") if exists else None  # type: ignore[arg-type]
    plan = diff(DesiredState.from_json(assignment.desired), applied_state(assignment))
    return plan if plan.action != "none" else None


@dataclass
class Run:
    """One planning pass. Assignments are noted as they are recomputed; `finish` plans their
    tasks knowing how many deletes/suspends the whole run holds per app."""

    noted: dict[int, set[int]] = field(default_factory=dict)  # app id -> assignment ids
    destructive: dict[int, int] = field(default_factory=dict)
    planned: int = 0
    # The API request (or job) that caused this run; its tasks carry it into the worker and
    # from there into Graph's client-request-id.
    correlation_id: str | None = field(default_factory=lambda: _current_request_id())

    def note(self, app: App, assignment: Assignment) -> None:
        assert app.id is not None and assignment.id is not None
        self.noted.setdefault(app.id, set()).add(assignment.id)
        plan = next_plan(assignment)
        if plan is not None and plan.action in DESTRUCTIVE:
            self.destructive[app.id] = self.destructive.get(app.id, 0) + 1

    def finish(self, session: Session) -> None:
        self._plan(session, {a: sorted(ids) for a, ids in self.noted.items()})
        self.noted.clear()

    def finish_in_chunks(self, factory: Any, chunk: int = 2000) -> None:
        """Plan a large run in several transactions (each enqueues after its own commit)."""
        for app_id, ids in self.noted.items():
            ordered = sorted(ids)
            for start in range(0, len(ordered), chunk):
                with factory() as session:
                    self._plan(session, {app_id: ordered[start : start + chunk]})
        self.noted.clear()

    def _plan(self, session: Session, by_app: dict[int, list[int]]) -> None:
        for app_id, assignment_ids in by_app.items():
            app = session.get(App, app_id)
            if app is None or not app.provisioning_enabled:
                continue
            threshold = app.deletion_threshold
            over = threshold is not None and self.destructive.get(app_id, 0) > threshold
            hold = (
                f"deletion threshold: this run would delete or suspend "
                f"{self.destructive.get(app_id, 0)} users, more than {threshold}"
                if over
                else None
            )
            rows = list(
                session.execute(
                    select(Assignment).where(col(Assignment.id).in_(assignment_ids))
                ).scalars()
            )
            # One query for every open task of the chunk instead of one per assignment.
            open_tasks = {
                t.assignment_id: t
                for t in session.execute(
                    select(Task).where(
                        col(Task.assignment_id).in_(assignment_ids),
                        col(Task.status).in_(OPEN_TASK_STATUSES),
                    )
                ).scalars()
            }
            for assignment in rows:
                task = open_tasks.get(assignment.id)
                if reconcile(
                    session, app, assignment, hold, self.correlation_id, task, prefetched=True
                ):
                    self.planned += 1


def _current_request_id() -> str | None:
    from app.observability.context import current_request_id

    return current_request_id()


def _open_task(session: Session, assignment_id: int | None) -> Task | None:
    return session.execute(
        select(Task).where(
            col(Task.assignment_id) == assignment_id, col(Task.status).in_(OPEN_TASK_STATUSES)
        )
    ).scalar_one_or_none()


def _approval_reason(app: App, action: str) -> str | None:
    if (app.approval_required or {}).get(action):
        return f"{action} needs an admin's approval (app policy)"
    return None


def reconcile(
    session: Session,
    app: App,
    assignment: Assignment,
    hold_destructive: str | None = None,
    correlation_id: str | None = None,
    open_task: Task | None = None,
    prefetched: bool = False,
) -> bool:
    """Make the assignment's open task match its next step; returns whether a task is open.

    With `prefetched`, `open_task` is the caller's lookup (None: there is none); otherwise
    the open task is looked up here.
    """
    assert assignment.id is not None and app.id is not None
    plan = next_plan(assignment)
    task = open_task if prefetched else _open_task(session, assignment.id)
    if task is not None and task.status == "running":
        return True  # the executor re-plans when it finishes
    if plan is None:
        if task is not None:
            task.status, task.reason, task.finished_at = (
                "cancelled",
                "desired state reached",
                utcnow(),
            )
            session.add(task)
        return False
    reason = _approval_reason(app, plan.action)
    if reason is None and hold_destructive and plan.action in DESTRUCTIVE:
        reason = hold_destructive
    plan_json = plan.to_json()
    if task is not None:
        if task.action == plan.action and task.plan == plan_json:
            return True
        approved_same_action = task.approved_by is not None and task.action == plan.action
        task.action = plan.action
        task.plan = plan_json
        task.updated_at = utcnow()
        if task.status != "blocked":
            task.status = (
                "queued" if (reason is None or approved_same_action) else "pending_approval"
            )
            task.reason = None if task.status == "queued" else reason
        session.add(task)
    else:
        task = Task(
            assignment_id=assignment.id,
            app_id=app.id,
            user_id=assignment.user_id,
            action=plan.action,
            plan=plan_json,
            status="queued" if reason is None else "pending_approval",
            reason=reason,
            request_ids=[],
            correlation_id=correlation_id,
        )
        session.add(task)
    if task.status == "queued":
        wake(session, task)
    return True


def wake(session: Session, task: Task, delay_s: float = 0) -> None:
    """Enqueue the task's id once the transaction commits (the id exists by then, so callers
    need not flush one task at a time)."""
    attempt = task.attempts or 0

    def _enqueue() -> None:
        from app.queue import get_dispatcher

        task_id = task.id
        get_dispatcher().enqueue(
            TASK_FUNCTION, task_id, job_id=f"task:{task_id}:{attempt}", defer_s=delay_s
        )

    after_commit(session, _enqueue)


# --- admin actions --------------------------------------------------------------------------


def get_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"Task {task_id} does not exist.")
    return task


def approve(session: Session, task_ids: Sequence[int], who: str) -> list[Task]:
    out = []
    for task in _load(session, task_ids):
        if task.status != "pending_approval":
            raise Conflict(
                f"Task {task.id} is {task.status}; only pending_approval tasks can be approved."
            )
        task.status, task.approved_by, task.decided_at = "queued", who, utcnow()
        task.reason = None
        task.updated_at = utcnow()
        session.add(task)
        wake(session, task)
        out.append(task)
    return out


def deny(session: Session, task_ids: Sequence[int], who: str) -> list[Task]:
    out = []
    for task in _load(session, task_ids):
        if task.status != "pending_approval":
            raise Conflict(
                f"Task {task.id} is {task.status}; only pending_approval tasks can be denied."
            )
        task.status, task.denied_by, task.decided_at = "denied", who, utcnow()
        task.finished_at = task.updated_at = utcnow()
        session.add(task)
        out.append(task)
    return out


def retry(session: Session, task_id: int, who: str) -> Task:
    task = get_task(session, task_id)
    if task.status not in ("failed", "blocked", "cancelled", "denied"):
        raise Conflict(
            f"Task {task_id} is {task.status}; only finished or blocked tasks are retried."
        )
    if task.status != "blocked" and _open_task(session, task.assignment_id) is not None:
        raise Conflict("Another task for this assignment is open; it supersedes this one.")
    task.status, task.reason, task.next_attempt_at = "queued", f"retried by {who}", None
    task.finished_at = None
    task.updated_at = utcnow()
    session.add(task)
    session.flush()
    wake(session, task)
    return task


def cancel(session: Session, task_id: int, who: str) -> Task:
    task = get_task(session, task_id)
    if task.status not in NOT_STARTED:
        raise Conflict(
            f"Task {task_id} is {task.status}; only tasks that have not started can be cancelled."
        )
    task.status, task.reason = "cancelled", f"cancelled by {who}"
    task.finished_at = task.updated_at = utcnow()
    session.add(task)
    return task


def _load(session: Session, task_ids: Sequence[int]) -> list[Task]:
    tasks = {
        t.id: t
        for t in session.execute(select(Task).where(col(Task.id).in_(list(task_ids)))).scalars()
    }
    missing = [i for i in task_ids if i not in tasks]
    if missing:
        raise NotFound(f"Tasks do not exist: {missing}.")
    return [tasks[i] for i in dict.fromkeys(task_ids)]


def unblock_for_seats(session: Session, app_id: int) -> int:
    """After an entitlements refresh: blocked tasks go back to the queue if seats are free."""
    app = session.get(App, app_id)
    if app is None:
        return 0
    free = {
        lic["sku_id"]: lic.get("available", 0)
        for lic in (app.entitlements or {}).get("licenses", [])
    }
    count = 0
    for task in session.execute(
        select(Task).where(col(Task.app_id) == app_id, col(Task.status) == "blocked")
    ).scalars():
        skus = list((task.plan or {}).get("licenses_add", {}))
        if all(free.get(sku, 0) > 0 for sku in skus):
            task.status, task.reason, task.next_attempt_at = "queued", "seats available again", None
            session.add(task)
            session.flush()
            wake(session, task)
            count += 1
    return count


# --- claiming -------------------------------------------------------------------------------


def claim_batch(session: Session, task_id: int, lease_s: int, limit: int) -> list[int]:
    """Atomically take this task and up to `limit - 1` other due tasks of the same app.

    One UPDATE sets status, lease and attempt, so two workers never run the same task;
    `SKIP LOCKED` lets concurrent workers take disjoint batches instead of queueing.
    """
    now = utcnow()
    app_id = session.execute(
        select(col(Task.app_id)).where(col(Task.id) == task_id)
    ).scalar_one_or_none()
    if app_id is None:
        return []
    due = or_(col(Task.next_attempt_at).is_(None), col(Task.next_attempt_at) <= now)
    candidates = (
        select(col(Task.id))
        .where(col(Task.app_id) == app_id, col(Task.status) == "queued", due)
        .order_by((col(Task.id) == task_id).desc(), col(Task.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.execute(candidates).scalars())
    if not ids:
        return []
    result = session.execute(
        update(Task)
        .where(col(Task.id).in_(ids), col(Task.status) == "queued")
        .values(
            status="running",
            lease_until=now + timedelta(seconds=lease_s),
            attempts=Task.attempts + 1,
            started_at=now,
            updated_at=now,
        )
        .returning(col(Task.id))
    )
    return sorted(result.scalars())


def stale_task_ids(session: Session, older_than_s: int) -> list[int]:
    """Queued tasks that are due but were not picked up, and running tasks whose lease ran out
    (their worker died): the latter go back to queued here."""
    now = utcnow()
    session.execute(
        update(Task)
        .where(col(Task.status) == "running", col(Task.lease_until) < now)
        .values(status="queued", lease_until=None, updated_at=now)
    )
    cutoff = now - timedelta(seconds=older_than_s)
    due = or_(col(Task.next_attempt_at).is_(None), col(Task.next_attempt_at) <= now)
    rows = session.execute(
        select(col(Task.id)).where(col(Task.status) == "queued", due, col(Task.updated_at) < cutoff)
    ).scalars()
    return list(rows)


def open_statuses() -> Iterable[str]:
    return OPEN_TASK_STATUSES
