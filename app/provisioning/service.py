"""What admins do with tasks (approve, deny, retry, cancel) and what they read about the
engine's work (assignments, the pending plan of an app).

Rules only: queries are in `repository`, planning in `planning`; the caller owns the
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.apps import repository as apps_repo
from app.audit import service as audit
from app.audit.explain import Names, why_read
from app.errors import Conflict, NotFound
from app.models import App, Assignment, DriftItem, DriftKind, Task, TaskStatus, utcnow
from app.provisioning import repository as repo
from app.provisioning.planning import NOT_STARTED, next_plan, wake
from app.provisioning.schemas import (
    AssignmentDrift,
    AssignmentRead,
    AssignmentStepError,
    OpenTask,
)
from app.tenant_accounts import matching, withdrawn


def get_task(session: Session, task_id: int) -> Task:
    task = repo.get_task(session, task_id)
    if task is None:
        raise NotFound(f"Task {task_id} does not exist.")
    return task


def _load(session: Session, task_ids: Sequence[int]) -> list[Task]:
    tasks = repo.tasks_by_id(session, task_ids)
    missing = [i for i in task_ids if i not in tasks]
    if missing:
        raise NotFound(f"Tasks do not exist: {missing}.")
    return [tasks[i] for i in dict.fromkeys(task_ids)]


def _refuse(session: Session, tasks: Sequence[Task], moved: Sequence[int], allowed: str) -> None:
    """Some tasks were not in a status the action applies to: 409 naming the first, and the
    caller's transaction rolls back whatever the same call did move (all or nothing)."""
    for task in tasks:
        if task.id not in moved:
            session.refresh(task)
            raise Conflict(f"Task {task.id} is {task.status}; {allowed}.")


def _decide(session: Session, task_ids: Sequence[int], verb: str, **values: object) -> list[Task]:
    """Move pending tasks to a decision in one conditional UPDATE; all or none of them."""
    tasks = _load(session, task_ids)
    moved = repo.transition(
        session,
        [t.id for t in tasks if t.id is not None],
        [TaskStatus.pending_approval],
        decided_at=utcnow(),
        **values,
    )
    _refuse(session, tasks, moved, f"only pending_approval tasks can be {verb}")
    for task in tasks:
        audit.record_values(
            session, f"task.{verb}", task, {"status": TaskStatus.pending_approval}, values
        )
    return tasks


def approve(session: Session, task_ids: Sequence[int], who: str) -> list[Task]:
    """Approve pending tasks; exactly one of concurrent deciders wins each task."""
    tasks = _decide(
        session, task_ids, "approved", status=TaskStatus.queued, approved_by=who, reason=None
    )
    for task in tasks:
        wake(session, task)
    return tasks


def deny(session: Session, task_ids: Sequence[int], who: str) -> list[Task]:
    """Deny pending tasks. A denied plan never runs: it is not retried, and only a new plan
    (which waits for approval again) can bring the change back."""
    tasks = _decide(
        session,
        task_ids,
        "denied",
        status=TaskStatus.denied,
        denied_by=who,
        finished_at=utcnow(),
    )
    withdrawn.restore_dispositions(session, tasks)
    return tasks


RETRYABLE = (TaskStatus.failed, TaskStatus.blocked)
"""Retry runs a plan again that already ran (or was cleared to run): a denied or cancelled
plan was refused by an admin and never comes back this way."""


def retry(session: Session, task_id: int, who: str) -> Task:
    task = get_task(session, task_id)
    if task.status not in RETRYABLE:
        raise Conflict(
            f"Task {task_id} is {task.status}; only failed or blocked tasks are retried. "
            "A denied or cancelled change comes back only as a new plan, which waits for "
            "approval again."
        )
    before = task.status
    # A deprovision of a tenant account has no assignment (`open_task(None)` would match every
    # such task of every account): its own check is the account's.
    if (
        task.assignment_id is not None
        and task.status != TaskStatus.blocked
        and repo.open_task(session, task.assignment_id)
    ):
        raise Conflict("Another task for this assignment is open; it supersedes this one.")
    if task.assignment_id is None and task.deprovisioned_account_id is None:
        raise Conflict(
            f"Task {task.id} belonged to an assignment that no longer exists (its user was "
            "deleted here); there is nothing to run it for."
        )
    withdrawn.check_retry(session, task)
    moved = repo.transition(
        session,
        [task_id],
        RETRYABLE,
        status=TaskStatus.queued,
        reason=f"retried by {who}",
        next_attempt_at=None,
        finished_at=None,
    )
    _refuse(session, [task], moved, "only failed or blocked tasks are retried")
    audit.record_values(
        session, "task.retried", task, {"status": before}, {"status": TaskStatus.queued}
    )
    # An admin's retry sends again what Graph refused for good (the one other way is a change
    # of the refused value itself): forget the assignment's refusals.
    assignment = repo.get_assignment(session, task.assignment_id)
    if assignment is not None and assignment.refused:
        assignment.refused = None
        assignment.updated_at = utcnow()
        session.add(assignment)
    wake(session, task)
    return task


def cancel(session: Session, task_id: int, who: str) -> Task:
    task = get_task(session, task_id)
    before = task.status
    now = utcnow()
    moved = repo.transition(
        session,
        [task_id],
        NOT_STARTED,
        status=TaskStatus.cancelled,
        reason=f"cancelled by {who}",
        finished_at=now,
    )
    _refuse(session, [task], moved, "only tasks that have not started can be cancelled")
    audit.record_values(
        session, "task.cancelled", task, {"status": before}, {"status": TaskStatus.cancelled}
    )
    withdrawn.restore_dispositions(session, [task])
    return task


def unblock_for_seats(session: Session, app_id: int) -> int:
    """After an entitlements refresh: blocked tasks go back to the queue if seats are free."""
    app = apps_repo.get(session, app_id)
    if app is None:
        return 0
    free = {
        lic["sku_id"]: lic.get("available", 0)
        for lic in (app.entitlements or {}).get("licenses", [])
    }
    count = 0
    for task in repo.blocked_tasks(session, app_id):
        skus = list((task.plan or {}).get("licenses_add", {}))
        if all(free.get(sku, 0) > 0 for sku in skus):
            task.status, task.reason = TaskStatus.queued, "seats available again"
            task.next_attempt_at = None
            session.add(task)
            session.flush()
            wake(session, task)
            count += 1
    return count


def purge_deleted_users(session: Session, user_ids: Sequence[int]) -> None:
    """Remove deleted users whose deprovisioning has nothing left to do."""
    for user in repo.deleted_users(session, user_ids):
        assert user.id is not None
        if not repo.user_has_open_task(session, user.id):
            repo.purge_user(session, user)
    session.flush()


# --- reads ----------------------------------------------------------------------------------


@dataclass
class AssignmentView:
    """An assignment with what a reader wants beside it."""

    assignment: Assignment
    username: str | None
    open_task: Task | None
    # Open drift: `state` is what we applied, which stays `provisioned` after someone deletes
    # the account in the tenant by hand under a `report` policy; the drift says so.
    drift: list[DriftItem] = field(default_factory=list)


def assignment_views(session: Session, rows: Sequence[Assignment]) -> list[AssignmentView]:
    names = repo.usernames(session, {a.user_id for a in rows})
    ids = [a.id for a in rows]
    open_tasks = repo.open_tasks(session, ids)
    drift = repo.open_drift(session, ids)
    return [
        AssignmentView(
            a,
            names.get(a.user_id),
            open_tasks.get(a.id) if a.id else None,
            drift.get(a.id, []) if a.id else [],
        )
        for a in rows
    ]


def assignment_reads(session: Session, views: Sequence[AssignmentView]) -> list[AssignmentRead]:
    """The API's shape of assignments (`GET /users/{id}/apps`, `GET /apps/{id}/users`), which
    `provisioner users show` prints too; `why` names what it refers to (`audit.explain`)."""
    names = Names.load(
        session, [v.assignment.why for v in views], {v.assignment.app_id for v in views}
    )
    out = []
    for v in views:
        a, t = v.assignment, v.open_task
        assert a.id is not None
        out.append(
            AssignmentRead(
                id=a.id,
                app_id=a.app_id,
                user_id=a.user_id,
                username=v.username,
                active=a.active,
                target=a.target,
                state=a.state,
                tenant_object_id=a.tenant_object_id,
                immutable_id=a.immutable_id,
                desired=a.desired,
                applied=a.applied,
                why=why_read(names, a.app_id, a.why),
                last_error=a.last_error,
                step_errors=[AssignmentStepError.model_validate(e) for e in a.step_errors or []],
                open_task=OpenTask(id=t.id, action=t.action, status=t.status)
                if t and t.id
                else None,
                drift=[
                    AssignmentDrift(
                        kind=DriftKind(d.kind),
                        target=d.target,
                        tenant_value=d.tenant_value,
                        applied_value=d.applied_value,
                        task_id=d.task_id,
                        first_seen_at=d.first_seen_at,
                    )
                    for d in v.drift
                ],
                updated_at=a.updated_at,
            )
        )
    return out


@dataclass
class PlannedAction:
    count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    """{user_id, username, plan}"""


@dataclass
class AppPlanView:
    app: App
    actions: dict[str, PlannedAction]
    waiting: dict[str, int]
    """pending_approval / blocked -> count"""


LINK = "link"
"""The plan's name for people it would create who already exist in the tenant: the run
finds them (`executor.lookup`) and changes what differs instead of creating them."""


def app_plan(session: Session, app: App, examples: int) -> AppPlanView:
    """The whole pending diff for the tenant: what provisioning would do now. A create of
    someone the tenant snapshot already holds (an account matched to them, or one their
    ImmutableID, userPrincipalName or mail would match in the app's match order) counts as
    "link"."""
    assert app.id is not None
    app_id = app.id
    planned: list[tuple[Assignment, dict[str, Any]]] = []
    for a in repo.app_assignments(session, app_id):
        plan = next_plan(a)
        if plan is not None:
            planned.append((a, plan.to_json()))
    creates = [
        matching.Person.from_desired(a.user_id, a.desired or {}, a.immutable_id)
        for a, p in planned
        if p["action"] == "create"
    ]
    found = matching.existing(session, app, creates)
    actions: dict[str, PlannedAction] = {}
    wanted: list[tuple[PlannedAction, int, dict[str, Any], matching.Found | None]] = []
    for a, plan_json in planned:
        link = found.get(a.user_id) if plan_json["action"] == "create" else None
        entry = actions.setdefault(LINK if link else plan_json["action"], PlannedAction())
        entry.count += 1
        if entry.count <= examples:  # usernames are read once, for the examples only
            wanted.append((entry, a.user_id, plan_json, link))
    names = repo.usernames(session, {uid for _, uid, _, _ in wanted})
    for entry, uid, plan_json, link in wanted:
        example: dict[str, Any] = {
            "user_id": uid,
            "username": names.get(uid) or None,
            "plan": plan_json,
        }
        if link is not None:
            example["tenant_object_id"] = link.account.object_id
            example["matched_on"] = link.matched_on
        entry.examples.append(example)
    return AppPlanView(app, actions, repo.count_waiting(session, app_id))
