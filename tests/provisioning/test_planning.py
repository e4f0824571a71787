"""The planning side of the task state machine: the next step of an assignment, and how its
one open task follows the desired state (replaced, left alone, cancelled, held for approval)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.db import transaction
from app.models import Assignment, AssignmentTarget, Task, TaskStatus
from app.provisioning import service
from app.provisioning.planning import Run, next_plan
from app.settings import get_settings
from tests.provisioning.task_rows import (
    Recorder,
    add_app,
    add_assignment,
    add_task,
    change,
    install_recorder,
    new_assignment,
    only_task,
    plan,
    provisioned,
    state,
    tasks_of,
    update_task,
)


@pytest.fixture
def woken(env: dict[str, str]) -> Recorder:
    return install_recorder()


# --- next_plan --------------------------------------------------------------------------------

OBJ = "obj-1"
NEXT_PLAN_CASES: dict[str, tuple[dict[str, Any], str | None]] = {
    "nothing applied, wanted present: create": ({"desired": state()}, "create"),
    "nothing applied, wanted suspended: nothing": (
        {"target": AssignmentTarget.suspended, "desired": state(enabled=False)},
        None,
    ),
    "applied as desired: nothing": (
        {"desired": state(), "applied": state(), "state": "provisioned", "tenant_object_id": OBJ},
        None,
    ),
    "an attribute differs: update": (
        {
            "desired": state(department="Legal"),
            "applied": state(),
            "state": "provisioned",
            "tenant_object_id": OBJ,
        },
        "update",
    ),
    "enabled, wanted suspended: suspend": (
        {
            "target": AssignmentTarget.suspended,
            "desired": state(enabled=False),
            "applied": state(),
            "state": "provisioned",
            "tenant_object_id": OBJ,
        },
        "suspend",
    ),
    "suspended, wanted present: reactivate": (
        {
            "desired": state(),
            "applied": state(enabled=False),
            "state": "suspended",
            "tenant_object_id": OBJ,
        },
        "reactivate",
    ),
    "exists, wanted deleted: delete": (
        {
            "target": AssignmentTarget.deleted,
            "desired": None,
            "applied": state(),
            "state": "provisioned",
            "tenant_object_id": OBJ,
        },
        "delete",
    ),
    "never created, wanted deleted: nothing": (
        {"target": AssignmentTarget.deleted, "desired": None},
        None,
    ),
    "already deleted, wanted deleted: nothing": (
        {
            "target": AssignmentTarget.deleted,
            "desired": None,
            "applied": state(),
            "state": "deleted",
            "tenant_object_id": OBJ,
        },
        None,
    ),
    "exists, no desired state left: delete": (
        {"desired": None, "applied": state(), "state": "provisioned", "tenant_object_id": OBJ},
        "delete",
    ),
    "deleted in the tenant, wanted present again: create": (
        {"desired": state(), "applied": state(), "state": "deleted", "tenant_object_id": OBJ},
        "create",
    ),
    "unmanaged, though it differs: nothing": (
        {
            "target": AssignmentTarget.unmanaged,
            "desired": state(department="Legal"),
            "applied": state(),
            "state": "provisioned",
            "tenant_object_id": OBJ,
        },
        None,
    ),
}


@pytest.mark.parametrize(
    ("fields", "action"), list(NEXT_PLAN_CASES.values()), ids=list(NEXT_PLAN_CASES)
)
def test_next_plan(fields: dict[str, Any], action: str | None) -> None:
    planned = next_plan(Assignment(app_id=1, user_id=1, **fields))

    assert (planned.action if planned else None) == action


def test_next_plan_of_an_update_carries_only_what_changed() -> None:
    assignment = Assignment(
        app_id=1,
        user_id=1,
        desired=state(department="Legal"),
        **provisioned(state()),
    )

    planned = next_plan(assignment)

    assert planned is not None
    assert planned.attributes_changed == {"department": "Legal"}


# --- reconcile: one open task per assignment --------------------------------------------------


def test_reconcile_creates_a_queued_task_and_wakes_it(woken: Recorder) -> None:
    assignment_id = new_assignment()

    assert plan(assignment_id) is True

    task = only_task(assignment_id)
    assert (task.status, task.action) == (TaskStatus.queued, "create")
    assert task.plan["attributes_changed"]["department"] == "Sales"
    assert woken.job_ids == [f"task:{task.id}:0"]


@pytest.mark.parametrize(
    ("target", "action", "window"),
    [
        (AssignmentTarget.present, "update", True),
        (AssignmentTarget.suspended, "suspend", False),
        (AssignmentTarget.deleted, "delete", False),
    ],
)
def test_what_takes_access_away_is_woken_without_the_coalescing_window(
    woken: Recorder, target: AssignmentTarget, action: str, window: bool
) -> None:
    """A leaver's suspension or deletion is claimed at once; other work waits out the window
    (`CLAIM_COALESCE_MS`) so that what is planned meanwhile shares its Graph batches."""
    assignment_id = new_assignment(
        target=target,
        desired=state(department="Legal", enabled=target == AssignmentTarget.present),
        **provisioned(state()),
    )

    plan(assignment_id)

    task = only_task(assignment_id)
    assert (task.status, task.action) == (TaskStatus.queued, action)
    window_s = get_settings().claim_coalesce_ms / 1000
    assert window_s > 0
    assert [w.defer_s for call in woken.calls for w in call] == [window_s if window else 0]


@pytest.mark.parametrize(
    ("policy", "status"),
    [({}, TaskStatus.queued), ({"create": True}, TaskStatus.pending_approval)],
)
def test_a_newer_plan_replaces_the_plan_of_a_task_not_started(
    woken: Recorder, policy: dict[str, bool], status: TaskStatus
) -> None:
    assignment_id = new_assignment(app_fields={"approval_required": policy})
    plan(assignment_id)
    first = only_task(assignment_id)
    assert first.status == status
    change(assignment_id, desired=state(department="Legal"))

    assert plan(assignment_id) is True

    task = only_task(assignment_id)
    assert (task.id, task.status) == (first.id, status)
    assert task.plan["attributes_changed"]["department"] == "Legal"


def test_a_running_task_is_left_alone(woken: Recorder) -> None:
    assignment_id = new_assignment()
    plan(assignment_id)
    task_id = only_task(assignment_id).id
    update_task(task_id, status=TaskStatus.running)
    woken.calls.clear()
    change(assignment_id, desired=state(department="Legal"))

    assert plan(assignment_id) is True

    task = only_task(assignment_id)
    assert task.status == TaskStatus.running
    assert task.plan["attributes_changed"]["department"] == "Sales"
    assert woken.calls == []


def test_reaching_the_desired_state_cancels_the_open_task(woken: Recorder) -> None:
    assignment_id = new_assignment(desired=state(department="Legal"), **provisioned(state()))
    plan(assignment_id)
    change(assignment_id, applied=state(department="Legal"))

    assert plan(assignment_id) is False

    task = only_task(assignment_id)
    assert (task.status, task.reason) == (TaskStatus.cancelled, "desired state reached")
    assert task.finished_at is not None


def test_nothing_to_do_and_no_task_plans_nothing(woken: Recorder) -> None:
    assignment_id = new_assignment(desired=state(), **provisioned(state()))

    assert plan(assignment_id) is False

    assert tasks_of(assignment_id) == []
    assert woken.calls == []


# --- approvals ------------------------------------------------------------------------------


def test_approval_policy_holds_the_task_for_approval(woken: Recorder) -> None:
    assignment_id = new_assignment(app_fields={"approval_required": {"create": True}})

    plan(assignment_id)

    task = only_task(assignment_id)
    assert task.status == TaskStatus.pending_approval
    assert task.reason == "create needs an admin's approval (app policy)"
    assert woken.calls == []


def test_approval_policy_of_another_action_does_not_hold(woken: Recorder) -> None:
    assignment_id = new_assignment(app_fields={"approval_required": {"delete": True}})

    plan(assignment_id)

    assert only_task(assignment_id).status == TaskStatus.queued


def approved_update(**policy: bool) -> tuple[int, int]:
    """An update the app's policy held and an admin approved: (assignment id, task id)."""
    assignment_id = new_assignment(
        app_fields={"approval_required": {"update": True, **policy}},
        desired=state(department="Legal"),
        **provisioned(state()),
    )
    plan(assignment_id)
    task_id = only_task(assignment_id).id
    assert task_id is not None
    with transaction() as session:
        service.approve(session, [task_id], "alice")
    return assignment_id, task_id


def test_approved_task_stays_approved_when_its_plan_changes_within_the_action(
    woken: Recorder,
) -> None:
    assignment_id, task_id = approved_update()
    change(assignment_id, desired=state(department="Finance"))

    plan(assignment_id)

    task = only_task(assignment_id)
    assert (task.id, task.status, task.approved_by) == (task_id, TaskStatus.queued, "alice")
    assert task.plan["attributes_changed"] == {"department": "Finance"}


def test_approved_task_goes_back_to_approval_when_its_action_changes(woken: Recorder) -> None:
    assignment_id, task_id = approved_update(suspend=True)
    change(assignment_id, target=AssignmentTarget.suspended, desired=state(enabled=False))

    plan(assignment_id)

    task = only_task(assignment_id)
    assert (task.id, task.action, task.status) == (task_id, "suspend", TaskStatus.pending_approval)
    assert task.reason == "suspend needs an admin's approval (app policy)"


def test_approval_of_an_earlier_action_does_not_carry_over_to_the_new_one(
    woken: Recorder,
) -> None:
    """Approved update -> suspend (held) -> the suspend's plan changes: still held, since
    nobody approved a suspend."""
    assignment_id, _ = approved_update(suspend=True)
    change(assignment_id, target=AssignmentTarget.suspended, desired=state(enabled=False))
    plan(assignment_id)
    change(assignment_id, desired=state(enabled=False, department="Finance"))

    plan(assignment_id)

    task = only_task(assignment_id)
    assert (task.action, task.status) == ("suspend", TaskStatus.pending_approval)
    assert task.approved_by is None


def test_blocked_task_stays_blocked_with_the_new_plan(woken: Recorder) -> None:
    assignment_id = new_assignment()
    plan(assignment_id)
    task_id = only_task(assignment_id).id
    update_task(task_id, status=TaskStatus.blocked, reason="no seats")
    woken.calls.clear()
    change(assignment_id, desired=state(department="Legal"))

    plan(assignment_id)

    task = only_task(assignment_id)
    assert (task.status, task.reason) == (TaskStatus.blocked, "no seats")
    assert task.plan["attributes_changed"]["department"] == "Legal"
    assert woken.calls == []


# --- the deletion threshold of a run ---------------------------------------------------------


def run_deleting(deletes: int, threshold: int, updates: int = 0) -> dict[str, list[str]]:
    """One run over an app with this threshold: `deletes` users to delete, `updates` users to
    update. Returns the statuses of the tasks by action."""
    with transaction() as session:
        app = add_app(session, deletion_threshold=threshold)
        rows = [
            add_assignment(
                session, app, target=AssignmentTarget.deleted, desired=None, **provisioned(state())
            )
            for _ in range(deletes)
        ] + [
            add_assignment(session, app, desired=state(department="Legal"), **provisioned(state()))
            for _ in range(updates)
        ]
        run = Run()
        for assignment in rows:
            run.note(app, assignment)
        run.finish(session)
        ids = [a.id for a in rows]
    out: dict[str, list[str]] = {}
    for assignment_id in ids:
        assert assignment_id is not None
        task = only_task(assignment_id)
        out.setdefault(task.action, []).append(task.status)
    return out


def test_a_run_at_the_deletion_threshold_deletes_without_approval(woken: Recorder) -> None:
    assert run_deleting(deletes=3, threshold=3) == {"delete": [TaskStatus.queued] * 3}


def test_a_run_over_the_deletion_threshold_holds_its_deletes(woken: Recorder) -> None:
    assert run_deleting(deletes=4, threshold=3) == {"delete": [TaskStatus.pending_approval] * 4}


def test_the_deletion_threshold_holds_only_destructive_tasks(woken: Recorder) -> None:
    statuses = run_deleting(deletes=2, threshold=1, updates=2)

    assert statuses == {
        "delete": [TaskStatus.pending_approval] * 2,
        "update": [TaskStatus.queued] * 2,
    }


def test_held_deletes_say_why(woken: Recorder) -> None:
    run_deleting(deletes=2, threshold=1)

    with transaction() as session:
        reasons = set(session.execute(select(col(Task.reason))).scalars())
    assert reasons == {"deletion threshold: this run would delete or suspend 2 users, more than 1"}


def test_the_deletion_threshold_counts_each_app_on_its_own(woken: Recorder) -> None:
    with transaction() as session:
        run = Run()
        ids = []
        for _ in range(2):  # two apps, two deletes each, threshold 2: neither is over
            app = add_app(session, deletion_threshold=2)
            for _ in range(2):
                a = add_assignment(
                    session,
                    app,
                    target=AssignmentTarget.deleted,
                    desired=None,
                    **provisioned(state()),
                )
                run.note(app, a)
                ids.append(a.id)
        run.finish(session)

    assert {only_task(i).status for i in ids} == {TaskStatus.queued}


# --- the partial unique index ----------------------------------------------------------------


def test_a_second_open_task_for_one_assignment_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(IntegrityError), transaction() as session:
        assignment = add_assignment(session, add_app(session))
        add_task(session, assignment, TaskStatus.queued)
        add_task(session, assignment, TaskStatus.blocked)


def test_finished_tasks_do_not_count_against_the_one_open_task(env: dict[str, str]) -> None:
    with transaction() as session:
        assignment = add_assignment(session, add_app(session))
        for status in (TaskStatus.succeeded, TaskStatus.failed, TaskStatus.cancelled):
            add_task(session, assignment, status)
        add_task(session, assignment, TaskStatus.running)
        assignment_id = assignment.id
    assert assignment_id is not None

    assert len(tasks_of(assignment_id)) == 4
