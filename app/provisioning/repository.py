"""Every query of the provisioning domain: assignments, tasks, events, and the rows a worker
claims. Functions take the caller's session and never commit (the edge owns the transaction).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, true, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from app.directory.repository import has_mapped_role
from app.models import (
    OPEN_TASK_STATUSES,
    REVOKING_ACTIONS,
    Assignment,
    DriftItem,
    DriftStatus,
    Event,
    RoleApp,
    Task,
    TaskAction,
    TaskStatus,
    User,
    UserRole,
    utcnow,
)

# --- tasks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFilter:
    """The task list's filters, shared by the API and the CLI."""

    app_id: int | None = None
    user_id: int | None = None
    statuses: Sequence[TaskStatus] = ()
    actions: Sequence[TaskAction] = ()
    since: datetime | None = None
    until: datetime | None = None
    # What caused the tasks: an API request's X-Request-ID, a job's or a CLI command's id.
    correlation_id: str | None = None


def task_query(f: TaskFilter) -> Select[Task]:
    stmt = select(Task)
    if f.app_id is not None:
        stmt = stmt.where(col(Task.app_id) == f.app_id)
    if f.user_id is not None:
        stmt = stmt.where(col(Task.user_id) == f.user_id)
    if f.statuses:
        stmt = stmt.where(col(Task.status).in_(list(f.statuses)))
    if f.actions:
        stmt = stmt.where(col(Task.action).in_(list(f.actions)))
    if f.since:
        stmt = stmt.where(col(Task.created_at) >= f.since)
    if f.until:
        stmt = stmt.where(col(Task.created_at) < f.until)
    if f.correlation_id is not None:
        stmt = stmt.where(col(Task.correlation_id) == f.correlation_id)
    return stmt


def get_task(session: Session, task_id: int) -> Task | None:
    return session.get(Task, task_id)


def tasks_by_id(
    session: Session, task_ids: Iterable[int], *, lock: bool = False
) -> dict[int, Task]:
    """These tasks by id. `lock`: row locks in id order (Postgres; the write lock on SQLite),
    held until the transaction ends, and the rows read afresh."""
    query = select(Task).where(col(Task.id).in_(list(task_ids)))
    if lock:
        query = query.order_by(col(Task.id)).with_for_update()
        query = query.execution_options(populate_existing=True)
    return {t.id: t for t in session.execute(query).scalars() if t.id is not None}


def transition(
    session: Session,
    task_ids: Sequence[int],
    from_statuses: Sequence[TaskStatus],
    **values: Any,
) -> list[int]:
    """Move these tasks to new values in one conditional UPDATE, only those whose status is
    still one of `from_statuses`; returns the ids it moved.

    The status test is in the UPDATE itself, not read before it: of two concurrent callers
    (two approvers, an approver and a denier), the second waits on the first's row lock, then
    finds the status changed and moves nothing. A read-then-write would let both win.
    """
    now = utcnow()
    result = session.execute(
        update(Task)
        .where(col(Task.id).in_(list(task_ids)), col(Task.status).in_(list(from_statuses)))
        .values(updated_at=now, **values)
        .returning(col(Task.id))
        # "fetch" applies the new values to the tasks this session has loaded, for exactly
        # the rows RETURNING names: no read-back query per task.
        .execution_options(synchronize_session="fetch")
    )
    return [int(i) for i in result.scalars()]


def open_task(session: Session, assignment_id: int | None) -> Task | None:
    """The assignment's open task. None for no assignment: a tenant account's deprovision has
    none, and `assignment_id IS NULL` would match every such task of the app at once."""
    if assignment_id is None:
        return None
    return session.execute(
        select(Task).where(
            col(Task.assignment_id) == assignment_id, col(Task.status).in_(OPEN_TASK_STATUSES)
        )
    ).scalar_one_or_none()


def lock_users(session: Session, user_ids: Sequence[int]) -> None:
    """Row-lock these directory users, in id order, until the transaction ends (before their
    assignments: the order a change to a user takes them in)."""
    _lock_by_id(session, col(User.id), user_ids)


def lock_assignments(session: Session, assignment_ids: Sequence[int]) -> None:
    """Row-lock these assignments (in id order, so two planners never wait on each other in a
    circle) until the transaction ends. Planning takes it before reading their open tasks: a
    concurrent planner (another job, a worker re-planning after a run) that opened a task for
    one of them has committed by the time the lock is granted, so its task is seen and updated
    instead of a second open task colliding with `uq_task_open_per_assignment`."""
    _lock_by_id(session, col(Assignment.id), assignment_ids)


def _lock_by_id(session: Session, id_column: Any, ids: Sequence[int]) -> None:
    """`SELECT id ... ORDER BY id FOR UPDATE`: the rows locked in id order."""
    if ids:
        session.execute(
            select(id_column).where(id_column.in_(list(ids))).order_by(id_column).with_for_update()
        ).all()


def open_tasks(session: Session, assignment_ids: Sequence[int | None]) -> dict[int, Task]:
    """The open task of each of these assignments (one query for a whole chunk)."""
    rows = session.execute(
        select(Task).where(
            col(Task.assignment_id).in_(list(assignment_ids)),
            col(Task.status).in_(OPEN_TASK_STATUSES),
        )
    ).scalars()
    return {t.assignment_id: t for t in rows if t.assignment_id is not None}


def open_drift(
    session: Session, assignment_ids: Sequence[int | None]
) -> dict[int, list[DriftItem]]:
    """The open drift items of each of these assignments (one query for a whole page),
    oldest first."""
    rows = session.execute(
        select(DriftItem)
        .where(
            col(DriftItem.assignment_id).in_([i for i in assignment_ids if i is not None]),
            col(DriftItem.status) == DriftStatus.open,
        )
        .order_by(col(DriftItem.first_seen_at), col(DriftItem.id))
    ).scalars()
    out: dict[int, list[DriftItem]] = {}
    for item in rows:
        out.setdefault(item.assignment_id, []).append(item)
    return out


def blocked_tasks(session: Session, app_id: int) -> list[Task]:
    return list(
        session.execute(
            select(Task).where(col(Task.app_id) == app_id, col(Task.status) == TaskStatus.blocked)
        ).scalars()
    )


def blocked_outside(session: Session, app_id: int, task_ids: Collection[int]) -> bool:
    """Whether the app has a blocked task other than these: one indexed probe, where
    loading every held task made each run of a quarantined app cost what it had held."""
    stmt = select(col(Task.id)).where(
        col(Task.app_id) == app_id,
        col(Task.status) == TaskStatus.blocked,
        col(Task.id).not_in(list(task_ids)),
    )
    return session.execute(stmt.limit(1)).first() is not None


def count_waiting(session: Session, app_id: int) -> dict[str, int]:
    """Tasks of the app waiting for an admin, by status (pending_approval, blocked)."""
    rows = session.execute(
        select(col(Task.status), func.count())
        .where(
            col(Task.app_id) == app_id,
            col(Task.status).in_([TaskStatus.pending_approval, TaskStatus.blocked]),
        )
        .group_by(col(Task.status))
    ).all()
    return {str(status): int(n) for status, n in rows}


def user_has_open_task(session: Session, user_id: int) -> bool:
    found = session.execute(
        select(col(Task.id)).where(
            col(Task.user_id) == user_id, col(Task.status).in_(OPEN_TASK_STATUSES)
        )
    ).first()
    return found is not None


def claim_batch(
    session: Session,
    task_id: int,
    lease_s: int,
    limit: int,
    named_only: bool = False,
    planned_before: datetime | None = None,
    *,
    group: bool = False,
) -> list[int]:
    """Atomically take this task and up to `limit - 1` other due tasks of the same app.

    One UPDATE sets status, lease and attempt, so two workers never run the same task;
    `SKIP LOCKED` lets concurrent workers take disjoint batches instead of queueing.
    With `named_only`, nothing is taken unless the named task itself is: under a coalescing
    window the wake-up of a task another batch already took would otherwise take the tasks
    planned a moment ago, before their own window let others join them (their commit's
    wake-up is coming; see `planning.task_wake`). `planned_before`: take only tasks last
    planned (`updated_at`) before then, leaving the younger ones to their own commit's
    wake-up, which waits out their window (a drain's claim, `run_task`).

    `group` (a commit's group wake-up, which names the highest id of the tasks it stands
    for, `queue.take_pending`): while the named task is still queued and free, take it and
    the due tasks as a named claim would, whatever their age. Otherwise another claim has it
    (and, taking the lowest ids first, took the group's lower ids with it) or it left the
    queue (cancelled, sent for approval, waiting out a retry): take the due tasks up to it,
    the group's own and older ones, and none of a commit that drew its ids later, so the
    claim never reaches into a later commit's window. (A concurrent commit's lower ids may
    be taken early: early, never orphaned.) Concurrent `POST /users` each commit a few people
    under one group wake-up: the first to fire takes all the window saw, the others find
    their task taken and their group's tasks with it. One claim per window, not one per
    commit.
    """
    now = utcnow()
    named = session.execute(
        select(col(Task.app_id), col(Task.status), col(Task.next_attempt_at)).where(
            col(Task.id) == task_id
        )
    ).first()
    if named is None:
        return []
    app_id, status, next_attempt_at = named
    takeable = status == TaskStatus.queued and (next_attempt_at is None or next_attempt_at <= now)
    if named_only and not takeable:
        # The named task cannot be taken (another batch has it, or it is not due): say so
        # from its own row, before the candidates query below sorts every queued task of
        # the app (milliseconds of the database's time with tens of thousands queued).
        return []
    # A named claim, or a group's, whose task is ours to take takes every due task; a group
    # whose task is gone or held by another claimer takes those up to it.
    through: ColumnElement[bool] = true()
    if (named_only or group) and not (takeable and _lock_named(session, task_id)):
        if named_only:
            return []
        through = col(Task.id) <= task_id
    due = or_(col(Task.next_attempt_at).is_(None), col(Task.next_attempt_at) <= now)
    # What takes access away is woken at once, with no window of its own to wait out: a drain
    # takes it whatever its age. (Leavers planned by the hundred send one group wake-up per
    # claim, fired at once in any order; a claim named by one takes the lowest revoking ids,
    # perhaps another group's, and the groups left short had only a drain that took nothing
    # younger than the window: their tasks waited for the sweeper.)
    settled = (
        true()
        if planned_before is None
        else or_(col(Task.updated_at) <= planned_before, col(Task.action).in_(REVOKING_ACTIONS))
    )
    candidates = (
        select(col(Task.id))
        .where(
            col(Task.app_id) == app_id,
            col(Task.status) == TaskStatus.queued,
            due,
            settled,
            through,
        )
        # The named task, then what takes access away (`REVOKING_ACTIONS`: a leaver planned
        # during an initial load is not left behind its backlog), then the oldest.
        .order_by(
            (col(Task.id) == task_id).desc(),
            col(Task.action).in_(REVOKING_ACTIONS).desc(),
            col(Task.id),
        )
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.execute(candidates).scalars())
    if not ids or (named_only and task_id not in ids):
        return []
    result = session.execute(
        update(Task)
        .where(col(Task.id).in_(ids), col(Task.status) == TaskStatus.queued)
        .values(
            status=TaskStatus.running,
            lease_until=now + timedelta(seconds=lease_s),
            attempts=Task.attempts + 1,
            started_at=now,
            updated_at=now,
        )
        .returning(col(Task.id))
    )
    return sorted(result.scalars())


def _lock_named(session: Session, task_id: int) -> bool:
    """Lock the named task, still queued, before any other row; False if another claimer
    holds it (SKIP LOCKED). A named claim then gives up having locked nothing: locking others
    first would have made that claimer skip them, come back short and send no drain
    (`planning.drain_wake`). SQLite has no row locks: its writers take turns whole."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    held = session.execute(
        select(col(Task.id))
        .where(col(Task.id) == task_id, col(Task.status) == TaskStatus.queued)
        .with_for_update(skip_locked=True)
    ).first()
    return held is not None


def claimed_rows(session: Session, task_ids: Sequence[int]) -> Sequence[Any]:
    """What the executor needs of each claimed task, as plain columns: a worker claims
    thousands of rows a minute and building identity-mapped objects cost more than the query."""
    return session.execute(
        select(
            col(Task.id),
            col(Task.action),
            col(Task.app_id),
            col(Task.attempts),
            col(Task.correlation_id),
            col(Task.assignment_id),
            col(Task.plan),
            col(Assignment.desired),
            col(Assignment.desired_fingerprint),
            col(Assignment.applied),
            col(Assignment.state),
            col(Assignment.tenant_object_id),
            col(Assignment.immutable_id),
            col(Assignment.refused),
            col(User.id).label("user_id"),
            col(User.username),
            col(User.custom_attributes),
            col(User.mapped_attributes),
        )
        # Outer joins: a tenant account's deprovisioning has no assignment and no user.
        .outerjoin(Assignment, col(Assignment.id) == col(Task.assignment_id))
        .outerjoin(User, col(User.id) == col(Assignment.user_id))
        .where(col(Task.id).in_(list(task_ids)))
        .order_by(col(Task.id))
    ).all()


def renew_leases(session: Session, held: Sequence[tuple[int, int]], lease_s: int) -> int:
    """Move the lease of these claimed tasks, (id, attempt) as their claim took them, to
    `lease_s` from now; returns how many were renewed. A task no longer running under that
    attempt (recorded, or freed by the sweeper and claimed again) is left alone: its lease is
    someone else's, or nobody's. So is one whose row another transaction holds (SKIP LOCKED):
    that is the claim's own worker recording its outcome, and a renewal waiting on it while
    holding rows that recording wants next deadlocked the two, and the outcomes were lost."""
    wanted = [
        and_(col(Task.id).in_(ids), col(Task.attempts) == attempt)
        for attempt, ids in _by_attempt(held).items()
    ]
    if not wanted:
        return 0
    still_ours = and_(col(Task.status) == TaskStatus.running, or_(*wanted))
    target: ColumnElement[bool] = still_ours
    if session.get_bind().dialect.name == "postgresql":
        free = (
            select(col(Task.id))
            .where(still_ours)
            .order_by(col(Task.id))
            .with_for_update(skip_locked=True)
        )
        ids = list(session.execute(free).scalars())
        if not ids:
            return 0
        target = col(Task.id).in_(ids)  # locked by us, and checked under the lock
    # Otherwise (SQLite, no row locks) one statement checks and writes: a row recorded or
    # claimed again between a read and a write would get a lease all the same.
    result = session.execute(
        update(Task)
        .where(target)
        .values(lease_until=utcnow() + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _by_attempt(held: Sequence[tuple[int, int]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for task_id, attempt in held:
        out.setdefault(attempt, []).append(task_id)
    return out


def stale_tasks(session: Session, older_than_s: int) -> list[tuple[int, int]]:
    """(id, attempts) of queued tasks that are due but were not picked up, and of running
    tasks whose lease ran out (their worker died): the latter go back to queued here."""
    now = utcnow()
    # The rows are locked first, in id order, skipping those another transaction holds: a
    # late `record()` of one of them locks in id order too, and an UPDATE locking in the
    # index's order could deadlock with it (a row being recorded is finished anyway).
    expired = select(col(Task.id)).where(
        col(Task.status) == TaskStatus.running, col(Task.lease_until) < now
    )
    if session.get_bind().dialect.name == "postgresql":
        expired = expired.order_by(col(Task.id)).with_for_update(skip_locked=True)
    # Returned as they are requeued: the update makes them look fresh to the query below.
    requeued = session.execute(
        update(Task)
        .where(
            col(Task.id).in_(expired),
            col(Task.status) == TaskStatus.running,
            col(Task.lease_until) < now,
        )
        .values(status=TaskStatus.queued, lease_until=None, updated_at=now)
        .returning(col(Task.id), col(Task.attempts))
    ).all()
    cutoff = now - timedelta(seconds=older_than_s)
    due = or_(col(Task.next_attempt_at).is_(None), col(Task.next_attempt_at) <= now)
    rows = session.execute(
        select(col(Task.id), col(Task.attempts)).where(
            col(Task.status) == TaskStatus.queued, due, col(Task.updated_at) < cutoff
        )
    ).all()
    return list({int(i): int(a) for i, a in [*requeued, *rows]}.items())


# --- assignments ----------------------------------------------------------------------------


def get_assignment(session: Session, assignment_id: int | None) -> Assignment | None:
    return session.get(Assignment, assignment_id) if assignment_id is not None else None


def assignments_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Assignment]:
    rows = session.execute(select(Assignment).where(col(Assignment.id).in_(list(ids)))).scalars()
    return {a.id: a for a in rows if a.id is not None}


def assignments_of_users(
    session: Session, user_ids: Sequence[int], app_id: int | None = None
) -> list[Assignment]:
    stmt = select(Assignment).where(col(Assignment.user_id).in_(list(user_ids)))
    if app_id is not None:
        stmt = stmt.where(col(Assignment.app_id) == app_id)
    return list(session.execute(stmt).scalars())


def user_assignments(session: Session, user_id: int) -> list[Assignment]:
    return list(
        session.execute(
            select(Assignment)
            .where(col(Assignment.user_id) == user_id)
            .order_by(col(Assignment.app_id))
        ).scalars()
    )


def app_assignment_query(app_id: int, state: str | None = None) -> Select[Assignment]:
    stmt = select(Assignment).where(col(Assignment.app_id) == app_id)
    if state:
        stmt = stmt.where(col(Assignment.state) == state)
    return stmt


def app_assignments(session: Session, app_id: int) -> Iterable[Assignment]:
    return session.execute(
        select(Assignment).where(col(Assignment.app_id) == app_id).order_by(col(Assignment.id))
    ).scalars()


def any_assignment(session: Session) -> bool:
    return session.execute(select(col(Assignment.id)).limit(1)).first() is not None


def usernames(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    rows = session.execute(
        select(col(User.id), col(User.username)).where(col(User.id).in_(list(user_ids)))
    ).all()
    return {int(i): str(n) for i, n in rows}


def role_app_links(session: Session) -> list[tuple[int, int]]:
    rows = session.execute(select(col(RoleApp.role_id), col(RoleApp.app_id))).all()
    return [(int(r), int(a)) for r, a in rows]


def mapping_state(
    session: Session, user_ids: Sequence[int]
) -> dict[int, tuple[dict[str, int], int | None, dict[str, str], datetime | None]]:
    """What mappings produced for each user, and whether it is deleted."""
    rows = session.execute(
        select(
            col(User.id),
            col(User.mapped_roles),
            col(User.mapped_group_id),
            col(User.mapped_attributes),
            col(User.deleted_at),
        ).where(col(User.id).in_(list(user_ids)))
    ).all()
    return {int(r[0]): (r[1], r[2], r[3], r[4]) for r in rows}


def users_for_app(session: Session, app_id: int) -> list[int]:
    """Everyone who holds a role granting this app (by hand or by mapping), or has an
    assignment to it."""
    role_ids = [
        int(r)
        for r in session.execute(
            select(col(RoleApp.role_id)).where(col(RoleApp.app_id) == app_id)
        ).scalars()
    ]
    ids: set[int] = set(
        session.execute(
            select(col(Assignment.user_id)).where(col(Assignment.app_id) == app_id)
        ).scalars()
    )
    if role_ids:
        ids.update(
            session.execute(
                select(col(UserRole.user_id)).where(col(UserRole.role_id).in_(role_ids))
            ).scalars()
        )
        for rid in role_ids:
            ids.update(session.execute(select(col(User.id)).where(has_mapped_role(rid))).scalars())
    return sorted(ids)


# --- users the engine deletes ---------------------------------------------------------------


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def deleted_users(session: Session, user_ids: Sequence[int]) -> list[User]:
    return list(
        session.execute(
            select(User).where(col(User.id).in_(list(user_ids)), col(User.deleted_at).is_not(None))
        ).scalars()
    )


def purge_user(session: Session, user: User) -> None:
    """Remove a deleted user and its assignments (tasks keep their history, detached)."""
    session.execute(delete(Assignment).where(col(Assignment.user_id) == user.id))
    session.delete(user)


def add_event(
    session: Session,
    kind: str,
    *,
    app_id: int | None,
    user_id: int | None,
    task_id: int | None = None,
    data: dict[str, Any],
) -> None:
    session.add(Event(kind=kind, app_id=app_id, user_id=user_id, task_id=task_id, data=data))


@dataclass(frozen=True)
class EventFilter:
    """Filters of the event list (`provisioner events`)."""

    kinds: Sequence[str] = ()
    app_id: int | None = None
    user_id: int | None = None
    since: datetime | None = None


def list_events(session: Session, f: EventFilter, *, limit: int) -> list[Event]:
    """The newest events matching the filters, newest first."""
    stmt = select(Event)
    if f.kinds:
        stmt = stmt.where(col(Event.kind).in_(list(f.kinds)))
    if f.app_id is not None:
        stmt = stmt.where(col(Event.app_id) == f.app_id)
    if f.user_id is not None:
        stmt = stmt.where(col(Event.user_id) == f.user_id)
    if f.since is not None:
        stmt = stmt.where(col(Event.created_at) >= f.since)
    stmt = stmt.order_by(col(Event.id).desc()).limit(limit)
    return list(session.execute(stmt).scalars())


# --- listings and counts for the CLI (`tasks list`, `apps list`, `apps show`) ---------------


def list_tasks(
    session: Session, f: TaskFilter, *, newest_first: bool = False, limit: int | None = None
) -> list[Task]:
    order = col(Task.id).desc() if newest_first else col(Task.id)
    return list(session.execute(task_query(f).order_by(order).limit(limit)).scalars())


def count_tasks(session: Session, f: TaskFilter) -> int:
    return int(
        session.execute(select(func.count()).select_from(task_query(f).subquery())).scalar_one()
    )


def _count_by(session: Session, key: Any, *where: Any) -> dict[Any, int]:
    rows = session.execute(select(key, func.count()).where(*where).group_by(key)).all()
    return {k: int(n) for k, n in rows}


def tasks_per_app(session: Session, status: TaskStatus) -> dict[int, int]:
    return _count_by(session, col(Task.app_id), col(Task.status) == status)


def tasks_per_status(session: Session, app_id: int) -> dict[str, int]:
    counts = _count_by(session, col(Task.status), col(Task.app_id) == app_id)
    return {str(status): n for status, n in counts.items()}


def active_assignments_per_app(session: Session) -> dict[int, int]:
    return _count_by(session, col(Assignment.app_id), col(Assignment.active))
