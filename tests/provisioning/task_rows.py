"""Builders for the task state machine tests: apps, assignments and tasks inserted as rows,
and a dispatcher that records the wake-ups a commit sends instead of running them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app import queue
from app.db import transaction
from app.evaluation.desired import DesiredState
from app.models import (
    App,
    Assignment,
    AssignmentState,
    AssignmentTarget,
    Task,
    TaskStatus,
    User,
    utcnow,
)
from app.provisioning.planning import reconcile

_serial = itertools.count(1)


class Recorder:
    """A dispatcher that keeps what each `enqueue_many` call was given."""

    def __init__(self) -> None:
        self.calls: list[list[queue.Wake]] = []

    def enqueue_many(self, wakes: Sequence[queue.Wake]) -> None:
        self.calls.append(list(wakes))

    def close(self) -> None:
        pass

    @property
    def job_ids(self) -> list[str]:
        return [w.job_id or "" for call in self.calls for w in call]


def install_recorder() -> Recorder:
    recorder = Recorder()
    queue.set_dispatcher(recorder)
    return recorder


# --- states -----------------------------------------------------------------------------------


def state(enabled: bool = True, **attributes: Any) -> dict[str, Any]:
    """A desired (or applied) state as the assignment's JSON column holds it."""
    attrs = {"displayName": "Josh Ames", "department": "Sales", **attributes}
    return DesiredState(attrs, {}, frozenset(), enabled).to_json()


def provisioned(applied: dict[str, Any]) -> dict[str, Any]:
    """Assignment fields for a user that exists in the tenant as `applied`."""
    return {
        "applied": applied,
        "state": AssignmentState.provisioned
        if applied.get("enabled", True)
        else AssignmentState.suspended,
        "tenant_object_id": f"obj-{next(_serial)}",
    }


# --- rows -------------------------------------------------------------------------------------


def add_app(session: Session, **overrides: Any) -> App:
    n = next(_serial)
    fields: dict[str, Any] = {
        "name": f"App {n}",
        "tenant": "contoso.onmicrosoft.com",
        "domain": "contoso.com",
        "cloud": "sandbox",
        "client_id": "client",
        "provisioning_enabled": True,
        "approval_required": {},
        "parameters": [],
        "entitlements": {},
    }
    fields.update(overrides)
    app = App(**fields)
    session.add(app)
    session.flush()
    return app


def add_assignment(session: Session, app: App, **overrides: Any) -> Assignment:
    """An assignment (and its user) that wants `state()` and has nothing applied yet."""
    n = next(_serial)
    user = User(
        username=f"user{n}",
        username_lower=f"user{n}",
        email=f"user{n}@example.com",
        email_lower=f"user{n}@example.com",
    )
    session.add(user)
    session.flush()
    assert app.id is not None and user.id is not None
    fields: dict[str, Any] = {
        "target": AssignmentTarget.present,
        "desired": state(),
    }
    fields.update(overrides)
    assignment = Assignment(app_id=app.id, user_id=user.id, **fields)
    session.add(assignment)
    session.flush()
    return assignment


def add_task(
    session: Session,
    assignment: Assignment,
    status: str = TaskStatus.queued,
    *,
    age_s: float = 0,
    **overrides: Any,
) -> Task:
    """A task row as it stands in `status`; `age_s` back-dates its last update."""
    assert assignment.id is not None
    fields: dict[str, Any] = {"action": "update", "plan": {"action": "update"}, "request_ids": []}
    fields.update(overrides)
    task = Task(
        assignment_id=assignment.id,
        app_id=assignment.app_id,
        user_id=assignment.user_id,
        status=status,
        updated_at=utcnow() - timedelta(seconds=age_s),
        **fields,
    )
    session.add(task)
    session.flush()
    return task


def new_assignment(app_fields: dict[str, Any] | None = None, **fields: Any) -> int:
    """One app with one assignment, committed; returns the assignment's id."""
    with transaction() as session:
        app = add_app(session, **(app_fields or {}))
        assignment = add_assignment(session, app, **fields)
        assert assignment.id is not None
        return assignment.id


def new_task(status: str = TaskStatus.queued, **fields: Any) -> int:
    """One app, assignment and task in `status`, committed; returns the task's id."""
    with transaction() as session:
        app = add_app(session)
        task = add_task(session, add_assignment(session, app), status, **fields)
        assert task.id is not None
        return task.id


# --- acting and reading -----------------------------------------------------------------------


def plan(assignment_id: int) -> bool:
    """Reconcile one assignment in its own transaction, as a recompute does."""
    with transaction() as session:
        assignment = session.get(Assignment, assignment_id)
        assert assignment is not None
        app = session.get(App, assignment.app_id)
        assert app is not None
        return reconcile(session, app, assignment)


def change(assignment_id: int, **fields: Any) -> None:
    with transaction() as session:
        assignment = session.get(Assignment, assignment_id)
        assert assignment is not None
        for key, value in fields.items():
            setattr(assignment, key, value)
        session.add(assignment)


def update_task(task_id: int | None, **fields: Any) -> None:
    with transaction() as session:
        task = session.get(Task, task_id)
        assert task is not None
        for key, value in fields.items():
            setattr(task, key, value)
        session.add(task)


def tasks_of(assignment_id: int | None) -> list[Task]:
    with transaction() as session:
        return list(
            session.execute(
                select(Task).where(col(Task.assignment_id) == assignment_id).order_by(col(Task.id))
            ).scalars()
        )


def only_task(assignment_id: int | None) -> Task:
    tasks = tasks_of(assignment_id)
    assert len(tasks) == 1, [(t.id, t.status, t.action) for t in tasks]
    return tasks[0]


def get_task(task_id: int | None) -> Task:
    with transaction() as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task
