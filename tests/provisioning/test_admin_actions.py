"""What admins do with tasks: approve, deny, retry, cancel, and the release of tasks blocked
for want of seats.

The rules are checked through the service in a transaction of our own (as a request runs it);
the API tests check that a refusal is a 409 and that a request is all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from app.db import transaction
from app.errors import Conflict, NotFound
from app.models import Task, TaskStatus, utcnow
from app.provisioning import service
from app.settings import get_settings
from tests.provisioning.task_rows import (
    Recorder,
    add_app,
    add_assignment,
    add_task,
    get_task,
    install_recorder,
)
from tests.support import ApiClient

S = TaskStatus
NOT_PENDING = [S.queued, S.running, S.blocked, S.succeeded, S.failed, S.denied, S.cancelled]


@pytest.fixture
def woken(env: dict[str, str]) -> Recorder:
    return install_recorder()


def tasks_in(*statuses: TaskStatus, **fields: Any) -> list[int]:
    """One app with a task in each of these statuses (one assignment each); their ids."""
    with transaction() as session:
        app = add_app(session)
        tasks = [add_task(session, add_assignment(session, app), s, **fields) for s in statuses]
        return [t.id for t in tasks if t.id is not None]


def status_of(task_ids: list[int] | list[int | None]) -> list[str]:
    return [get_task(i).status for i in task_ids]


def approve(*task_ids: int) -> None:
    with transaction() as session:
        service.approve(session, task_ids, "alice")


def deny(*task_ids: int) -> None:
    with transaction() as session:
        service.deny(session, task_ids, "alice")


def retry(task_id: int) -> None:
    with transaction() as session:
        service.retry(session, task_id, "alice")


def cancel(task_id: int) -> None:
    with transaction() as session:
        service.cancel(session, task_id, "alice")


def post(client: ApiClient, path: str, **kwargs: Any) -> Any:
    return client.ok("POST", f"/provisioning/tasks{path}", **kwargs)


def refused(client: ApiClient, path: str, status: int = 409, **kwargs: Any) -> dict[str, Any]:
    return client.problem("POST", f"/provisioning/tasks{path}", status, **kwargs)


# --- approve ----------------------------------------------------------------------------------


def test_approving_queues_the_task_and_wakes_it(woken: Recorder) -> None:
    (task_id,) = tasks_in(S.pending_approval, reason="create needs an admin's approval")

    approve(task_id)

    task = get_task(task_id)
    assert (task.status, task.reason, task.approved_by) == (S.queued, None, "alice")
    assert task.decided_at is not None
    assert woken.job_ids == [f"task:{task_id}:0"]


def refuses_each(act: Callable[[int], None], statuses: list[TaskStatus]) -> list[int]:
    """Tasks in each of these statuses; `act` must be refused on every one of them."""
    ids = tasks_in(*statuses)
    for task_id, status in zip(ids, statuses, strict=True):
        with pytest.raises(Conflict, match=f"Task {task_id} is {status}"):
            act(task_id)
    return ids


def test_only_pending_tasks_can_be_approved(woken: Recorder) -> None:
    ids = refuses_each(approve, NOT_PENDING)

    assert status_of(ids) == NOT_PENDING
    assert {get_task(i).approved_by for i in ids} == {None}
    assert woken.calls == []


def test_approving_several_with_one_not_pending_approves_none(woken: Recorder) -> None:
    ids = tasks_in(S.pending_approval, S.pending_approval, S.queued, S.pending_approval)

    with pytest.raises(Conflict):
        approve(*ids)

    assert status_of(ids) == [S.pending_approval, S.pending_approval, S.queued, S.pending_approval]
    assert {get_task(i).approved_by for i in ids} == {None}
    assert woken.calls == []


def test_approving_several_with_one_unknown_approves_none(woken: Recorder) -> None:
    ids = tasks_in(S.pending_approval, S.pending_approval)

    with pytest.raises(NotFound):
        approve(*ids, 999_999)

    assert status_of(ids) == [S.pending_approval] * 2
    assert woken.calls == []


# --- deny -------------------------------------------------------------------------------------


def test_denying_finishes_the_task_without_waking_anyone(woken: Recorder) -> None:
    (task_id,) = tasks_in(S.pending_approval)

    deny(task_id)

    task = get_task(task_id)
    assert (task.status, task.denied_by) == (S.denied, "alice")
    assert task.decided_at is not None and task.finished_at is not None
    assert woken.calls == []


def test_only_pending_tasks_can_be_denied(woken: Recorder) -> None:
    ids = refuses_each(deny, NOT_PENDING)

    assert status_of(ids) == NOT_PENDING
    assert {(get_task(i).denied_by, get_task(i).finished_at) for i in ids} == {(None, None)}


def test_denying_several_with_one_not_pending_denies_none(woken: Recorder) -> None:
    ids = tasks_in(S.pending_approval, S.running, S.pending_approval)

    with pytest.raises(Conflict):
        deny(*ids)

    assert status_of(ids) == [S.pending_approval, S.running, S.pending_approval]
    assert {get_task(i).denied_by for i in ids} == {None}


# --- through the API: 409, and a request is all or nothing ------------------------------------


def test_api_approves_in_bulk_with_one_wake_up_call(client: ApiClient, woken: Recorder) -> None:
    ids = tasks_in(S.pending_approval, S.pending_approval, S.pending_approval)

    body = post(client, "/approve", json={"task_ids": ids})

    assert [t["status"] for t in body] == ["queued"] * 3
    assert status_of(ids) == [S.queued] * 3
    assert all((get_task(i).approved_by or "").endswith(":admin") for i in ids)
    # One group wake-up standing in for the three, naming the highest: its claim takes the app's
    # due tasks.
    assert len(woken.calls) == 1
    assert [w.args for call in woken.calls for w in call] == [(ids[-1], None, True)]
    assert [w.defer_s for call in woken.calls for w in call] == [
        get_settings().claim_coalesce_ms / 1000
    ]


@pytest.mark.parametrize("action", ["approve", "deny"])
def test_api_bulk_decision_with_one_task_not_pending_is_a_409_that_changes_nothing(
    client: ApiClient, woken: Recorder, action: str
) -> None:
    ids = tasks_in(S.pending_approval, S.blocked, S.pending_approval)

    problem = refused(client, f"/{action}", json={"task_ids": ids})

    assert f"Task {ids[1]} is blocked" in problem["detail"]
    assert status_of(ids) == [S.pending_approval, S.blocked, S.pending_approval]
    assert woken.calls == []


def test_api_refuses_what_the_status_does_not_allow_with_409(
    client: ApiClient, woken: Recorder
) -> None:
    (task_id,) = tasks_in(S.running)

    for action in ("approve", "deny", "retry", "cancel"):
        refused(client, f"/{task_id}/{action}")

    assert get_task(task_id).status == S.running
    assert woken.calls == []


# --- retry ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.failed, S.blocked])
def test_retrying_a_failed_or_blocked_task_queues_it_for_now(
    woken: Recorder, status: TaskStatus
) -> None:
    (task_id,) = tasks_in(
        status,
        attempts=3,
        next_attempt_at=utcnow() + timedelta(hours=1),
        finished_at=None if status == S.blocked else utcnow(),
    )

    retry(task_id)

    task = get_task(task_id)
    assert (task.status, task.reason) == (S.queued, "retried by alice")
    assert (task.next_attempt_at, task.finished_at, task.attempts) == (None, None, 3)
    assert woken.job_ids == [f"task:{task_id}:3"]


def test_open_succeeded_denied_or_cancelled_tasks_cannot_be_retried(woken: Recorder) -> None:
    # A denied or cancelled plan was refused by an admin: it comes back only as a new plan.
    statuses = [S.pending_approval, S.queued, S.running, S.succeeded, S.denied, S.cancelled]

    ids = refuses_each(retry, statuses)

    assert status_of(ids) == statuses
    assert woken.calls == []


def two_tasks_of_one_assignment(old: TaskStatus, new: TaskStatus) -> list[int]:
    with transaction() as session:
        assignment = add_assignment(session, add_app(session))
        tasks = [add_task(session, assignment, old), add_task(session, assignment, new)]
        return [t.id for t in tasks if t.id is not None]


def test_a_failed_task_superseded_by_an_open_one_cannot_be_retried(woken: Recorder) -> None:
    ids = two_tasks_of_one_assignment(S.failed, S.queued)

    with pytest.raises(Conflict, match="Another task for this assignment is open"):
        retry(ids[0])

    assert status_of(ids) == [S.failed, S.queued]


def test_a_failed_task_whose_successor_finished_can_be_retried(woken: Recorder) -> None:
    ids = two_tasks_of_one_assignment(S.failed, S.cancelled)

    retry(ids[0])

    assert status_of(ids) == [S.queued, S.cancelled]


# --- cancel -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.pending_approval, S.queued, S.blocked])
def test_a_task_that_has_not_started_can_be_cancelled(woken: Recorder, status: TaskStatus) -> None:
    (task_id,) = tasks_in(status)

    cancel(task_id)

    task = get_task(task_id)
    assert (task.status, task.reason) == (S.cancelled, "cancelled by alice")
    assert task.finished_at is not None
    assert woken.calls == []


def test_a_started_or_finished_task_cannot_be_cancelled(woken: Recorder) -> None:
    statuses = [S.running, S.succeeded, S.failed, S.denied, S.cancelled]

    ids = refuses_each(cancel, statuses)

    assert status_of(ids) == statuses
    assert {get_task(i).finished_at for i in ids} == {None}


# --- blocked for want of seats ----------------------------------------------------------------

E3, E5, VISIO = "sku-e3", "sku-e5", "sku-visio"


def seats(**available: int) -> dict[str, Any]:
    return {"licenses": [{"sku_id": sku, "available": n} for sku, n in available.items()]}


def blocked_wanting(session: Any, app: Any, *skus: str) -> Task:
    plan = {"action": "create", "licenses_add": {sku: [] for sku in skus}}
    return add_task(session, add_assignment(session, app), S.blocked, action="create", plan=plan)


def test_unblocking_releases_only_tasks_whose_skus_all_have_free_seats(woken: Recorder) -> None:
    with transaction() as session:
        app = add_app(session, entitlements=seats(**{E3: 2, E5: 0}))
        free = blocked_wanting(session, app, E3)
        none_wanted = blocked_wanting(session, app, *())
        full = blocked_wanting(session, app, E5)
        partly = blocked_wanting(session, app, E3, E5)
        unknown = blocked_wanting(session, app, VISIO)
        other_app = blocked_wanting(session, add_app(session, entitlements=seats(**{E3: 5})), E3)
        app_id = app.id
    assert app_id is not None

    with transaction() as session:
        released = service.unblock_for_seats(session, app_id)

    assert released == 2
    statuses = status_of([t.id for t in (free, none_wanted, full, partly, unknown, other_app)])
    assert statuses == [S.queued, S.queued, S.blocked, S.blocked, S.blocked, S.blocked]
    assert get_task(free.id).reason == "seats available again"
    # One group wake-up for the app's two released tasks, naming the highest: its claim takes both.
    assert [w.args for call in woken.calls for w in call] == [(none_wanted.id, None, True)]


def test_unblocking_an_app_that_does_not_exist_releases_nothing(woken: Recorder) -> None:
    with transaction() as session:
        assert service.unblock_for_seats(session, 999_999) == 0
