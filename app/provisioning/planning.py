"""Planning tasks: the task state machine's planning side.

A task is one provisioning step (create, update, suspend, reactivate, delete) for one
assignment; at most one is open per assignment (a partial unique index enforces it). A newer
desired state replaces the plan of a task that has not started; a running task is left alone
and the executor plans a follow-up when it finishes if the desired state moved meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app import queue
from app.apps import repository as apps_repo
from app.db import insert_objects, new_object
from app.evaluation.desired import DesiredState, Plan, diff
from app.graph.errors import GraphRuleViolation
from app.models import (
    REVOKING_ACTIONS,
    App,
    Assignment,
    AssignmentState,
    AssignmentTarget,
    Task,
    TaskStatus,
    utcnow,
)
from app.observability.context import current_request_id
from app.provisioning import repository as repo
from app.provisioning.steps import Refusals
from app.settings import get_settings
from app.webhooks import service as webhooks

TASK_FUNCTION = "run_task"
CLAIM_BATCH = 100
"""The most tasks one claim takes (one app's, in one executor run)."""
NOT_STARTED = (TaskStatus.pending_approval, TaskStatus.queued, TaskStatus.blocked)
DESTRUCTIVE = REVOKING_ACTIONS


def applied_state(assignment: Assignment) -> DesiredState | None:
    return applied_from(assignment.applied, assignment.state)


def applied_from(applied: dict[str, Any] | None, state: str) -> DesiredState | None:
    """What we last applied, or None when nothing (still) exists in the tenant."""
    if applied is None or state == AssignmentState.deleted:
        return None
    return DesiredState.from_json(applied)


def next_plan(assignment: Assignment) -> Plan | None:
    """The step that takes the tenant from what we applied to what we want (None: nothing).

    Step values Graph refused for good are left out while they are still what we want: an
    unrelated change (another rule, a reapply) must not send them again. Only a change of the
    step's own desired value, or an admin's retry (which clears the memory), sends them.
    """
    exists = assignment.tenant_object_id is not None and assignment.state != AssignmentState.deleted
    refused = Refusals.from_json(assignment.refused)
    if assignment.target == AssignmentTarget.unmanaged:
        return None
    if assignment.target == AssignmentTarget.deleted or assignment.desired is None:
        if not exists or refused.holds_delete(assignment.tenant_object_id):
            return None
        return Plan("delete")
    desired = DesiredState.from_json(assignment.desired)
    plan = refused.filter_plan(diff(desired, applied_state(assignment)), desired)
    return plan if plan.action != "none" else None


def settle(assignment: Assignment) -> None:
    """An assignment with nothing left to do: forget refusals its desired state no longer
    wants, and if it was `partial` only because of steps the desired state dropped meanwhile,
    it holds everything we want now."""
    desired = DesiredState.from_json(assignment.desired) if assignment.desired else None
    refused = Refusals.from_json(assignment.refused)
    still = refused.applying_to(desired)
    if still != refused:
        assignment.refused = still.to_json()
    if assignment.state != AssignmentState.partial or still or desired is None:
        return
    if diff(desired, applied_state(assignment)).action == "none":
        assignment.state = (
            AssignmentState.provisioned if desired.enabled else AssignmentState.suspended
        )
        assignment.step_errors = None
        assignment.last_error = None
        assignment.updated_at = utcnow()


@dataclass
class Run:
    """One planning pass. Assignments are noted as they are recomputed; `finish` plans their
    tasks knowing how many deletes/suspends the whole run holds per app."""

    noted: dict[int, set[int]] = field(default_factory=dict)  # app id -> assignment ids
    fresh: dict[int, Assignment] = field(default_factory=dict)
    """Assignments inserted by this run's transaction, by id: no other transaction sees
    them, so they need no lock, no read back and have no open task."""
    destructive: dict[int, int] = field(default_factory=dict)
    planned: int = 0
    # The API request (or job) that caused this run; its tasks carry it into the worker and
    # from there into Graph's client-request-id.
    correlation_id: str | None = field(default_factory=current_request_id)
    by_user: Mapping[int, str | None] = field(default_factory=dict)
    """A user's own cause, where one run plans for several requests (`POST /users` requests
    written together): their tasks carry their own request's id, not the run's."""
    # A reapply notes from two writer threads at once; a lost increment of `destructive`
    # would let a run past the deletion threshold.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note(self, app: App, assignment: Assignment, fresh: bool = False) -> None:
        assert app.id is not None and assignment.id is not None
        plan = next_plan(assignment)
        with self._lock:
            self.noted.setdefault(app.id, set()).add(assignment.id)
            if fresh:
                self.fresh[assignment.id] = assignment
            if plan is not None and plan.action in DESTRUCTIVE:
                self.destructive[app.id] = self.destructive.get(app.id, 0) + 1

    def finish(self, session: Session) -> None:
        self._plan(session, {a: sorted(ids) for a, ids in self.noted.items()})
        self.noted.clear()
        self.fresh.clear()

    def finish_in_chunks(
        self, factory: Callable[[], AbstractContextManager[Session]], chunk: int = 2000
    ) -> None:
        """Plan a large run in several transactions (each enqueues after its own commit)."""
        # Each chunk is its own transaction: an assignment inserted by an earlier one is
        # committed by then, and is locked and read like any other.
        self.fresh.clear()
        for app_id, ids in self.noted.items():
            ordered = sorted(ids)
            for start in range(0, len(ordered), chunk):
                with factory() as session:
                    self._plan(session, {app_id: ordered[start : start + chunk]})
        self.noted.clear()

    def _plan(self, session: Session, by_app: dict[int, list[int]]) -> None:
        for app_id, assignment_ids in by_app.items():
            app = apps_repo.get(session, app_id)
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
            if over:
                webhooks.deletion_threshold_reached(session, app, self.destructive[app_id])
            # Assignments this transaction inserted are the objects at hand (only when the
            # plan runs in the session that inserted them); the others are locked and read.
            fresh = {
                i: self.fresh[i]
                for i in assignment_ids
                if i in self.fresh and self.fresh[i] in session
            }
            others = [i for i in assignment_ids if i not in fresh]
            rows: list[Assignment] = list(fresh.values())
            open_tasks: dict[int, Task] = {}
            if others:
                repo.lock_assignments(session, others)
                rows.extend(repo.assignments_by_id(session, others).values())
                # One query for every open task of the chunk instead of one per assignment.
                open_tasks = repo.open_tasks(session, others)
            rows.sort(key=lambda a: a.id or 0)
            for assignment in rows:
                assert assignment.id is not None
                task = open_tasks.get(assignment.id)
                cause = self.by_user.get(assignment.user_id or 0) or self.correlation_id
                if reconcile(session, app, assignment, hold, cause, task, prefetched=True):
                    self.planned += 1
            # The chunk's new tasks in one insert (at most one open task per assignment).
            chunk = set(assignment_ids)
            created = [t for t in session.new if isinstance(t, Task) and t.assignment_id in chunk]
            created.sort(key=lambda t: t.assignment_id or 0)
            insert_objects(session, created, key=("assignment_id",))


# The approval policy names create, update, suspend and delete. Reactivating a suspended
# account changes it (accountEnabled, and whatever else moved meanwhile): it is an update, and
# waits whenever updates do, so a disable made by hand is never undone unapproved.
_POLICY_KEY = {"reactivate": "update"}


def approval_reason(app: App, action: str) -> str | None:
    """Why a task of this action waits for an admin under the app's policy (None: it does not)."""
    key = _POLICY_KEY.get(action, action)
    if (app.approval_required or {}).get(key):
        policy = "app policy" if key == action else f"app policy: {key}"
        return f"{action} needs an admin's approval ({policy})"
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
    the open task is looked up here. A new task carries `correlation_id`, by default the id
    bound for the work at hand (the API request, the job, the CLI command, the task run that
    re-plans), so every task can be traced to what caused it.
    """
    correlation_id = correlation_id or current_request_id()
    assert assignment.id is not None and app.id is not None
    plan = next_plan(assignment)
    task = open_task if prefetched else repo.open_task(session, assignment.id)
    was = task.status if task is not None else None
    if task is not None and task.status == TaskStatus.running:
        return True  # the executor re-plans when it finishes
    if plan is None:
        if task is not None:
            task.status, task.reason, task.finished_at = (
                TaskStatus.cancelled,
                "desired state reached",
                utcnow(),
            )
            session.add(task)
        settle(assignment)
        session.add(assignment)
        return False
    reason = approval_reason(app, plan.action)
    if reason is None and hold_destructive and plan.action in DESTRUCTIVE:
        reason = hold_destructive
    plan_json = plan.to_json()
    if task is not None:
        if task.action == plan.action and task.plan == plan_json:
            return True
        approved_same_action = task.approved_by is not None and task.action == plan.action
        if task.action != plan.action:
            # An approval is for the action approved: a new action needs its own.
            task.approved_by = task.decided_at = None
        task.action = plan.action
        task.plan = plan_json
        task.updated_at = utcnow()
        # A task held for a value Graph would refuse is released by a new plan: the user or
        # the parameters changed, so the value may now pass (the executor checks it again
        # before sending anything). Other blocked tasks wait for what blocked them.
        if task.status != TaskStatus.blocked or task.error_code == GraphRuleViolation.CODE:
            task.next_attempt_at = (
                None if task.status == TaskStatus.blocked else task.next_attempt_at
            )
            task.status = (
                TaskStatus.queued
                if (reason is None or approved_same_action)
                else TaskStatus.pending_approval
            )
            task.reason = None if task.status == TaskStatus.queued else reason
        session.add(task)
    else:
        now = utcnow()
        # Made by `new_object`, both times given rather than left to the model's factories:
        # a bulk create makes a task and an assignment per user, and `Task(...)` costs 9 times
        # as much; pydantic inspects a factory's signature on every call.
        task = new_object(
            Task,
            created_at=now,
            updated_at=now,
            assignment_id=assignment.id,
            app_id=app.id,
            user_id=assignment.user_id,
            action=plan.action,
            plan=plan_json,
            status=TaskStatus.queued if reason is None else TaskStatus.pending_approval,
            reason=reason,
            request_ids=[],
            correlation_id=correlation_id,
        )
        session.add(task)
    if task.status == TaskStatus.queued:
        wake(session, task)
    elif task.status == TaskStatus.pending_approval and was != TaskStatus.pending_approval:
        webhooks.approval_waiting(session, app, task)
    return True


def task_wake(
    task_id: int, attempt: int, delay_s: float = 0, app_id: int | None = None
) -> queue.Wake:
    """The wake-up of one attempt of a task. Its job id collapses duplicates of the same
    attempt (a sweeper re-wake, a second planner), never two different attempts.

    With `app_id` it is `Shared` with the wake-ups the same transaction notes for that app's
    tasks due at the same moment: a claim takes up to `CLAIM_BATCH` due tasks of the app, so
    a commit that plans many sends one group wake-up per `CLAIM_BATCH` of them (in id order),
    naming the highest. While that task is still queued, the group's claim takes the app's
    due tasks like this wake-up would; once it is gone (taken by another claim, cancelled),
    the due tasks up to it, so none of the group is left without a wake-up and none of a
    later commit is taken before its own window (`repository.claim_batch`). A claim that
    comes back full sends a drain for the rest (`runner.run_task`). A bulk create of 20,000
    users sends 200 wake-ups, not 20,000. A commit that plans one task (people arriving one
    by one) sends this wake-up as it is."""
    shared = None
    if app_id is not None:
        group = queue.Wake(TASK_FUNCTION, (task_id, None, True), None, delay_s)
        shared = queue.Shared(("task", app_id, delay_s), CLAIM_BATCH, group, task_id)
    return queue.Wake(TASK_FUNCTION, (task_id,), f"task:{task_id}:{attempt}", delay_s, shared)


def drain_wake(task_id: int, attempt: int, window_s: float) -> queue.Wake:
    """A wake-up sent by a claim that took a whole batch (`task_id`, at `attempt`, being one
    of them): it claims the app's due tasks still queued and planned at least `window_s` ago
    (younger ones have their own commit's wake-up coming), whichever wake-up was theirs,
    until a claim comes back short. Its job id is the claim's own, so it is sent once."""
    return queue.Wake(TASK_FUNCTION, (task_id, window_s), f"task-drain:{task_id}:{attempt}")


def wake(session: Session, task: Task, delay_s: float = 0) -> None:
    """Wake a worker for this task once the transaction commits. The task's id is read at
    that point (it exists by then), so callers need not flush one task at a time.

    A task due now is woken after the coalescing window (`CLAIM_COALESCE_MS`): the tasks
    planned meanwhile are claimed with it and share its Graph batches. One that takes access
    away (`REVOKING_ACTIONS`) is woken at once: a leaver's access matters more than the round
    trip it could share."""
    attempt = task.attempts or 0
    if delay_s <= 0 and task.action not in REVOKING_ACTIONS:
        delay_s = get_settings().claim_coalesce_ms / 1000

    def _wake() -> queue.Wake:
        assert task.id is not None
        return task_wake(task.id, attempt, delay_s, task.app_id)

    queue.wake(session, _wake)
