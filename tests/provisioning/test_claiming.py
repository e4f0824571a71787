"""How workers take tasks (`claim_batch`) and how the sweeper finds tasks that lost their
wake-up or their worker (`stale_tasks`)."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, col, select

from app.db import get_engine, transaction
from app.models import App, Assignment, Task, TaskStatus, utcnow
from app.provisioning import runner
from app.provisioning.executor import Outcome
from app.provisioning.planning import reconcile
from app.provisioning.repository import claim_batch, renew_leases, stale_tasks
from tests.provisioning.task_rows import (
    add_app,
    add_assignment,
    add_task,
    get_task,
    install_recorder,
    tasks_of,
)
from tests.support import committed_just_before

LEASE_S = 120


def queued_tasks(session: Session, app: App, n: int, **fields: Any) -> list[int]:
    ids = []
    for _ in range(n):
        task = add_task(session, add_assignment(session, app), TaskStatus.queued, **fields)
        assert task.id is not None
        ids.append(task.id)
    return ids


def new_queue(n: int) -> list[int]:
    """One app with `n` due queued tasks, committed; returns their ids."""
    with transaction() as session:
        return queued_tasks(session, add_app(session), n)


def claim(task_id: int, limit: int = 10) -> list[int]:
    with transaction() as session:
        return claim_batch(session, task_id, LEASE_S, limit)


# --- claim_batch ------------------------------------------------------------------------------


def test_claim_takes_the_named_task_and_the_due_queued_tasks_of_its_app(
    env: dict[str, str],
) -> None:
    with transaction() as session:
        app, other_app = add_app(session), add_app(session)
        named, *due = queued_tasks(session, app, 3)
        due += queued_tasks(session, app, 1, next_attempt_at=utcnow() - timedelta(seconds=1))
        queued_tasks(session, other_app, 2)
        queued_tasks(session, app, 1, next_attempt_at=utcnow() + timedelta(minutes=5))
        for status in (TaskStatus.pending_approval, TaskStatus.blocked, TaskStatus.failed):
            add_task(session, add_assignment(session, app), status)

    assert claim(named) == sorted([named, *due])


def test_claim_takes_the_named_task_first_and_at_most_limit(env: dict[str, str]) -> None:
    ids = new_queue(5)

    claimed = claim(ids[-1], limit=2)

    assert claimed == [ids[0], ids[-1]]
    assert [get_task(i).status for i in ids] == [
        TaskStatus.running,
        TaskStatus.queued,
        TaskStatus.queued,
        TaskStatus.queued,
        TaskStatus.running,
    ]


def test_a_claim_takes_what_takes_access_away_before_older_work(env: dict[str, str]) -> None:
    """A suspension or a deletion planned behind a backlog is taken by the next claim, not
    after every older task: until it lands the leaver keeps their access."""
    with transaction() as session:
        app = add_app(session)
        backlog = queued_tasks(session, app, 6, action="create")
        suspend, delete = (
            queued_tasks(session, app, 1, action=action)[0] for action in ("suspend", "delete")
        )
        queued_tasks(session, app, 2, action="update")

    claimed = claim(backlog[3], limit=4)

    # The named task, then both revoking ones, then the oldest of the rest.
    assert claimed == sorted([backlog[3], suspend, delete, backlog[0]])
    assert claim(backlog[4], limit=4) == sorted([backlog[4], *backlog[1:3], backlog[5]])


def test_leavers_planned_by_the_hundred_are_all_claimed_whatever_order_their_wake_ups_run(
    env: dict[str, str],
) -> None:
    """Revoking tasks are woken without the coalescing window, so the group wake-ups of a
    commit that suspends many people fire together, in any order. A group claim may take
    another group's tasks, and the group left short relies on the drains, which leave tasks
    younger than the window to their own wake-up: revoking ones are taken whatever their
    age, or they waited for the sweeper."""
    with transaction() as session:
        ids = queued_tasks(session, add_app(session), 10, action="suspend")
    limit, window_s = 4, 0.35
    # One group wake-up per `limit` ids, each naming the highest (`queue.take_pending`), run
    # from the last; a full claim sends a drain at once (`runner.run_task`).
    for named in (ids[9], ids[7], ids[3]):
        with transaction() as session:
            taken = claim_batch(session, named, LEASE_S, limit, group=True)
        while len(taken) >= limit:
            with transaction() as session:
                planned_before = utcnow() - timedelta(seconds=window_s)
                taken = claim_batch(session, max(taken), LEASE_S, limit, False, planned_before)

    assert [i for i in ids if get_task(i).status == TaskStatus.queued] == []


def test_claim_marks_tasks_running_with_a_lease_and_one_more_attempt(env: dict[str, str]) -> None:
    with transaction() as session:
        (task_id,) = queued_tasks(session, add_app(session), 1, attempts=2)
    before = utcnow()

    claim(task_id)

    task = get_task(task_id)
    assert (task.status, task.attempts) == (TaskStatus.running, 3)
    assert task.lease_until is not None and task.started_at is not None
    lease = task.lease_until - before
    assert timedelta(seconds=LEASE_S - 5) < lease < timedelta(seconds=LEASE_S + 5)


def test_a_claimed_task_is_not_claimed_again(env: dict[str, str]) -> None:
    (task_id,) = new_queue(1)
    claim(task_id)

    assert claim(task_id) == []
    assert get_task(task_id).attempts == 1


def test_a_wake_up_of_a_task_already_taken_reads_its_row_and_takes_nothing(
    env: dict[str, str],
) -> None:
    """Under a coalescing window (`named_only`) every planned task has a wake-up of its own and
    one batch takes many of them: the wake-ups of the tasks it took must end at their own row
    (one indexed read), not sort every queued task of the app to find the others due."""
    ids = new_queue(6)
    assert claim(ids[0], limit=2) == ids[:2]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        with transaction() as session:
            assert claim_batch(session, ids[1], LEASE_S, 10, named_only=True) == []
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [s.split()[0] for s in statements if not s.startswith(("BEGIN", "COMMIT"))] == ["SELECT"]
    assert [get_task(i).status for i in ids[2:]] == [TaskStatus.queued] * 4

    # Not due yet: the same. Queued and due: it leads a batch of the others.
    with transaction() as session:
        later = get_task(ids[2])
        later.next_attempt_at = utcnow() + timedelta(minutes=5)
        session.add(later)
    with transaction() as session:
        assert claim_batch(session, ids[2], LEASE_S, 10, named_only=True) == []
        assert claim_batch(session, ids[3], LEASE_S, 10, named_only=True) == ids[3:]


def test_claiming_a_task_that_does_not_exist_takes_nothing(env: dict[str, str]) -> None:
    new_queue(2)

    assert claim(999_999) == []


def test_concurrent_claimers_take_disjoint_batches_and_together_everything(
    env: dict[str, str],
) -> None:
    ids = new_queue(30)
    start = threading.Barrier(2, timeout=10)
    taken: list[list[int]] = [[], []]

    def worker(n: int) -> None:
        start.wait()
        while batch := claim(ids[0], limit=3):
            taken[n].extend(batch)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert not set(taken[0]) & set(taken[1])
    assert sorted(taken[0] + taken[1]) == ids
    assert {get_task(i).attempts for i in ids} == {1}


def test_a_claimer_skips_rows_another_claimer_holds_instead_of_waiting(
    env: dict[str, str],
) -> None:
    """A holds its batch's rows locked (transaction open) while B claims: B must take the
    other rows at once (SKIP LOCKED), not wait for A to commit."""
    ids = new_queue(6)
    a_claimed, b_done = threading.Event(), threading.Event()
    result: dict[str, object] = {}

    def claimer_a() -> None:
        with transaction() as session:
            result["a"] = claim_batch(session, ids[0], LEASE_S, 3)
            a_claimed.set()
            result["b_done_while_a_open"] = b_done.wait(timeout=5)

    def claimer_b() -> None:
        assert a_claimed.wait(timeout=10)
        result["b"] = claim(ids[0], limit=10)
        b_done.set()

    threads = [threading.Thread(target=claimer_a), threading.Thread(target=claimer_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert result["a"] == ids[:3]
    assert result["b"] == ids[3:]
    assert result["b_done_while_a_open"] is True


# --- stale_tasks ------------------------------------------------------------------------------

SWEEP_S = 30


def sweep_rows() -> list[tuple[int, int]]:
    with transaction() as session:
        return sorted(stale_tasks(session, older_than_s=SWEEP_S))


def one_task(status: TaskStatus, **fields: Any) -> int:
    with transaction() as session:
        task = add_task(session, add_assignment(session, add_app(session)), status, **fields)
        assert task.id is not None
        return task.id


def test_a_running_task_whose_lease_ran_out_goes_back_to_queued(env: dict[str, str]) -> None:
    task_id = one_task(
        TaskStatus.running, attempts=2, lease_until=utcnow() - timedelta(seconds=1), age_s=200
    )

    stale = sweep_rows()

    task = get_task(task_id)
    assert (task.status, task.lease_until, task.attempts) == (TaskStatus.queued, None, 2)
    assert stale == [(task_id, 2)]


def test_the_sweep_skips_a_task_whose_row_a_late_recording_holds(env: dict[str, str]) -> None:
    """A runner that stalled past its lease records at last, holding its tasks in id order:
    a sweep updating expired rows in the index's order could wait on one while holding
    another the recording wants, a deadlock the database ends by aborting one of them. The
    sweep takes only the rows nobody holds, at once; the recording finishes the other."""
    ids = new_queue(3)
    assert claim(ids[0]) == ids
    with transaction() as session:
        for task in session.execute(select(Task).where(col(Task.id).in_(ids))).scalars():
            task.lease_until = utcnow() - timedelta(seconds=1)
            session.add(task)
    recording = get_engine().connect()
    try:
        recording.begin()
        recording.execute(text("SELECT id FROM task WHERE id = :id FOR UPDATE"), {"id": ids[1]})
        swept: list[list[tuple[int, int]]] = []
        sweep = threading.Thread(target=lambda: swept.append(sweep_rows()))
        sweep.start()
        sweep.join(timeout=10)
        assert not sweep.is_alive(), "the sweep waited for the held row"
    finally:
        recording.rollback()
        recording.close()
    assert swept == [[(ids[0], 1), (ids[2], 1)]]
    assert [get_task(i).status for i in ids] == [
        TaskStatus.queued,
        TaskStatus.running,
        TaskStatus.queued,
    ]


def test_a_worker_that_died_just_after_claiming_is_swept_at_once(env: dict[str, str]) -> None:
    """The lease is what says the worker is gone; how recently the row changed does not."""
    task_id = one_task(
        TaskStatus.running, attempts=1, lease_until=utcnow() - timedelta(seconds=1), age_s=5
    )

    assert sweep_rows() == [(task_id, 1)]


def test_a_running_task_within_its_lease_is_left_alone(env: dict[str, str]) -> None:
    task_id = one_task(
        TaskStatus.running, attempts=1, lease_until=utcnow() + timedelta(seconds=60), age_s=200
    )

    assert sweep_rows() == []
    assert get_task(task_id).status == TaskStatus.running


def test_a_due_queued_task_older_than_the_cutoff_is_stale(env: dict[str, str]) -> None:
    task_id = one_task(TaskStatus.queued, attempts=3, age_s=SWEEP_S + 10)

    assert sweep_rows() == [(task_id, 3)]


@pytest.mark.parametrize(
    ("status", "fields"),
    [
        (TaskStatus.queued, {"age_s": SWEEP_S - 10}),
        (TaskStatus.queued, {"age_s": 600, "next_attempt_at": utcnow() + timedelta(hours=1)}),
        (TaskStatus.pending_approval, {"age_s": 600}),
        (TaskStatus.blocked, {"age_s": 600}),
        (TaskStatus.failed, {"age_s": 600}),
    ],
    ids=["fresh", "not yet due", "pending approval", "blocked", "failed"],
)
def test_tasks_that_are_not_stale(
    env: dict[str, str], status: TaskStatus, fields: dict[str, Any]
) -> None:
    task_id = one_task(status, **fields)

    assert sweep_rows() == []
    assert get_task(task_id).status == status


# --- leases kept while a batch runs -----------------------------------------------------------


def test_a_batch_that_outlasts_its_lease_keeps_its_tasks_from_the_sweeper(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch waiting its turn at the limiter longer than its lease is still carried out by
    its worker: the sweeper must not hand its tasks to another claim, which would send every
    write again (`runner.leases_kept`)."""
    ids = new_queue(3)
    lease_s = 2
    seen: dict[str, Any] = {}

    async def execute(claimed: Any, runtime: Any, max_attempts: int) -> str:
        await asyncio.sleep(2.25 * lease_s)  # more than two leases, renewed every third of one
        seen["swept"] = await asyncio.to_thread(sweep_rows)
        seen["tasks"] = [get_task(i) for i in ids]
        return "ran"

    monkeypatch.setattr(runner, "execute", execute)
    assert asyncio.run(runner.run_task(ids[0], None, lease_s, 5)) == "ran"

    assert seen["swept"] == []
    for task in seen["tasks"]:
        assert task.status == TaskStatus.running
        assert task.lease_until is not None and task.lease_until > utcnow()


def test_renewing_leaves_alone_a_task_that_is_no_longer_the_claims(env: dict[str, str]) -> None:
    """Only tasks still running under the attempt the claim took are renewed: one recorded
    meanwhile, or freed by the sweeper and claimed again, is someone else's (or nobody's)."""
    ours, recorded, reclaimed = new_queue(3)
    assert claim(ours) == [ours, recorded, reclaimed]
    with transaction() as session:
        for task_id, fields in (
            (recorded, {"status": TaskStatus.succeeded, "lease_until": None}),
            (reclaimed, {"attempts": 2, "lease_until": utcnow() + timedelta(seconds=5)}),
        ):
            task = session.get(Task, task_id)
            assert task is not None
            for name, value in fields.items():
                setattr(task, name, value)
            session.add(task)
    before = {i: get_task(i).lease_until for i in (ours, reclaimed)}

    with transaction() as session:
        renewed = renew_leases(session, [(ours, 1), (recorded, 1), (reclaimed, 1)], 600)

    assert renewed == 1
    ours_until = get_task(ours).lease_until
    assert ours_until is not None and ours_until > utcnow() + timedelta(seconds=500)
    assert before[ours] is not None and ours_until > before[ours]
    assert get_task(recorded).lease_until is None
    assert get_task(reclaimed).lease_until == before[reclaimed]


def _lost_claim(retaken: bool) -> int:
    """A task claimed (attempt 1) whose lease ran out while its runner stalled: swept back to
    the queue, and (`retaken`) claimed again since (attempt 2)."""
    (task_id,) = new_queue(1)
    assert claim(task_id) == [task_id]
    with transaction() as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.lease_until = utcnow() - timedelta(seconds=1)
        session.add(task)
    assert sweep_rows() == [(task_id, 1)]
    if retaken:
        assert claim(task_id) == [task_id]
    return task_id


def _record_first_claim(task_id: int) -> None:
    app_id = get_task(task_id).app_id
    runner.record(app_id, [Outcome(task_id, tenant_object_id="obj-late")], 5, {task_id: 1})


def test_a_runner_that_lost_its_claim_records_nothing_over_the_new_run(
    env: dict[str, str],
) -> None:
    task_id = _lost_claim(retaken=True)

    _record_first_claim(task_id)

    task = get_task(task_id)
    assert (task.status, task.attempts, task.finished_at, task.steps) == (
        TaskStatus.running,
        2,
        None,
        None,
    )
    assert task.lease_until is not None
    with transaction() as session:
        assignment = session.get(Assignment, task.assignment_id)
        assert assignment is not None and assignment.tenant_object_id is None


@pytest.mark.parametrize("since", [None, TaskStatus.cancelled, TaskStatus.pending_approval])
def test_a_runner_whose_task_was_swept_but_not_taken_again_records_it(
    env: dict[str, str], since: TaskStatus | None
) -> None:
    """Nobody else ran it: the runner's outcome is what the tenant holds, even if the task was
    cancelled or sent for approval after the sweep (planning and admins take a queued task
    for one not started). Dropped, the account it created would be orphaned."""
    task_id = _lost_claim(retaken=False)
    if since is not None:
        with transaction() as session:
            task = session.get(Task, task_id)
            assert task is not None
            task.status = since
            session.add(task)

    _record_first_claim(task_id)

    task = get_task(task_id)
    assert (task.status, task.attempts) == (TaskStatus.succeeded, 1)
    with transaction() as session:
        assignment = session.get(Assignment, task.assignment_id)
        assert assignment is not None and assignment.tenant_object_id == "obj-late"


def test_recording_a_write_back_locks_the_user_before_its_assignments(env: dict[str, str]) -> None:
    """A change to a user (`PATCH /users/{id}`, a source sync) locks the user, then its
    assignments and tasks. Recording an ImmutableID to write back onto the user locked the
    assignments first and the user last: each waited for the other (Postgres aborts one; the
    recording's batch lost its outcomes). Now it waits for the user before taking anything."""
    (task_id,) = new_queue(1)
    assert claim(task_id) == [task_id]
    task = get_task(task_id)
    outcome = Outcome(task_id, tenant_object_id="obj-1", tenant_immutable_id="aW1tdXRhYmxl")
    changing_user = get_engine().connect()
    try:
        changing_user.begin()
        changing_user.execute(
            text("SELECT id FROM directory_user WHERE id = :id FOR UPDATE"), {"id": task.user_id}
        )
        recording = threading.Thread(
            target=lambda: runner.record(task.app_id, [outcome], 5, {task_id: 1})
        )
        recording.start()
        time.sleep(1)
        assert recording.is_alive()  # waiting for the user
        with get_engine().connect() as other:
            other.execute(text("SET lock_timeout = '1s'"))
            # The assignment is free: the change to the user can go on and take it.
            other.execute(
                text("SELECT id FROM assignment WHERE id = :id FOR UPDATE"),
                {"id": task.assignment_id},
            )
            other.rollback()
    finally:
        changing_user.rollback()
        changing_user.close()
    recording.join(timeout=10)
    assert not recording.is_alive()
    assert get_task(task_id).status == TaskStatus.succeeded


def test_a_finished_batch_stops_renewing(env: dict[str, str]) -> None:
    """Once its batch is over (recorded, or its worker gone), nothing moves a lease again: a
    lost batch's tasks still go back to the queue when the lease runs out."""
    ids = new_queue(1)
    assert claim(ids[0]) == ids
    with transaction() as session:
        taken = runner.claimed(session, ids)

    async def run() -> None:
        async with runner.leases_kept(taken, 1):
            await asyncio.sleep(0.05)
        with transaction() as session:
            task = session.get(Task, ids[0])
            assert task is not None
            task.lease_until = utcnow() - timedelta(seconds=1)
            session.add(task)
        await asyncio.sleep(1.0)  # three renewal periods

    asyncio.run(run())

    assert sweep_rows() == [(ids[0], 1)]


def test_renewing_skips_a_task_whose_row_another_transaction_holds(env: dict[str, str]) -> None:
    """The claim's own worker recording its outcome holds the rows it has written: a renewal
    waiting for them, holding rows that recording wants next, deadlocked the two, and the
    database could abort the recording (the batch's outcomes lost, its writes sent again).
    The renewal takes only the rows nobody holds, at once."""
    ids = new_queue(3)
    assert claim(ids[0]) == ids
    recording = get_engine().connect()
    try:
        recording.begin()
        recording.execute(text("SELECT id FROM task WHERE id = :id FOR UPDATE"), {"id": ids[1]})
        done: list[int] = []
        renewal = threading.Thread(
            target=lambda: done.append(_renew_in_transaction([(i, 1) for i in ids]))
        )
        renewal.start()
        renewal.join(timeout=10)
        assert not renewal.is_alive(), "the renewal waited for the held row"
    finally:
        recording.rollback()
        recording.close()
    assert done == [2]
    untouched = get_task(ids[1]).lease_until
    for task_id in (ids[0], ids[2]):
        renewed = get_task(task_id).lease_until
        assert renewed is not None and untouched is not None and renewed > untouched


@pytest.mark.parametrize(
    ("change", "sql"),
    [
        ("recorded", "UPDATE task SET status = 'succeeded', lease_until = NULL WHERE id = ?"),
        ("claimed again", "UPDATE task SET attempts = 2, lease_until = NULL WHERE id = ?"),
    ],
)
def test_on_sqlite_a_task_that_stops_being_the_claims_just_before_the_renewal_writes_is_left_alone(
    on_sqlite: Path, change: str, sql: str
) -> None:
    """SQLite has no row locks: the renewal must check and write in one statement. Read, then
    written by id, a task recorded (or claimed again) in between got a lease all the same."""
    ids = new_queue(1)
    assert claim(ids[0]) == ids

    with committed_just_before("UPDATE task SET lease_until", sql, (ids[0],)) as fired:
        renewed = _renew_in_transaction([(ids[0], 1)])

    assert len(fired) == 1, change
    assert renewed == 0
    assert get_task(ids[0]).lease_until is None


def _renew_in_transaction(held: list[tuple[int, int]]) -> int:
    with transaction() as session:
        return renew_leases(session, held, 600)


# --- drains: a full claim wakes the next -------------------------------------------------------


@pytest.fixture
def ran(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The task ids of each batch `run_task` claimed; the batches are not carried out."""
    batches: list[list[int]] = []

    async def execute(claimed: Any, runtime: Any, max_attempts: int) -> str:
        batches.append(sorted(w.task_id for w in claimed.works))
        return "ran"

    monkeypatch.setattr(runner, "execute", execute)
    return batches


def run_task(task_id: int, drain: float | None = None, group: bool = False) -> str:
    """A worker's `run_task` under a claim window, as a wake-up naming `task_id` runs it."""
    return asyncio.run(
        runner.run_task(task_id, None, LEASE_S, 5, coalescing=True, drain=drain, group=group)
    )


def test_a_full_claim_sends_a_drain_that_claims_the_rest_until_one_comes_back_short(
    ran: list[list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit sends one wake-up per CLAIM_BATCH tasks of an app (`planning.task_wake`),
    and a wake-up's claim may take tasks another wake-up was sent for: so a claim that takes
    a whole batch sends a drain wake-up, which claims the due tasks left whatever their own
    wake-up, until a claim comes back short. Here no task but the first has a wake-up."""
    monkeypatch.setattr(runner, "BATCH_SIZE", 3)
    recorder = install_recorder()
    ids = new_queue(7)

    assert run_task(ids[0]) == "ran"
    while recorder.calls:
        (wake,) = recorder.calls.pop(0)
        assert wake.job_id is not None and wake.job_id.startswith("task-drain:")
        assert run_task(*wake.args) == "ran"
    assert ran == [ids[0:3], ids[3:6], ids[6:7]]
    # A drain finds nothing left: nothing claimed, nothing sent on.
    assert run_task(ids[0], 0) == "not-claimed" and recorder.calls == []
    # A wake-up of a task a drain took (its own, sent before the drain ran) takes nothing.
    assert run_task(ids[4]) == "not-claimed"


def test_a_group_wake_up_claims_its_commits_tasks_whatever_became_of_the_one_it_names(
    ran: list[list[int]],
) -> None:
    """A commit plans five tasks of an app and sends one group wake-up, naming the highest.
    That one is cancelled before the wake-up runs (an admin, a correction planned at once):
    the wake-up still claims the other four, with no sweep."""
    recorder = install_recorder()
    with transaction() as session:
        app = add_app(session)
        assignments = [add_assignment(session, app) for _ in range(5)]
    with transaction() as session:
        for a in assignments:
            row = session.get(Assignment, a.id)
            assert row is not None
            found = session.get(App, row.app_id)
            assert found is not None
            reconcile(session, found, row)
    ids = [t.id for a in assignments for t in tasks_of(a.id)]
    (call,) = recorder.calls
    (wake,) = call
    assert wake.args == (ids[-1], None, True) and wake.defer_s > 0
    with transaction() as session:
        last = session.get(Task, ids[-1])
        assert last is not None
        last.status = TaskStatus.cancelled
    time.sleep(wake.defer_s)  # as the wake-up's own timer would

    assert run_task(*wake.args) == "ran" and ran == [ids[:-1]]


def test_a_drain_leaves_tasks_planned_within_its_window_to_their_own_wake_up(
    ran: list[list[int]],
) -> None:
    """People arriving one by one: a task planned a moment ago has its own commit's wake-up
    coming after the window, which gathers the tasks planned meanwhile. A drain (which names
    a task its own claim took) or a group whose first task another claim took must not take
    it early, or those after it would go alone."""
    install_recorder()
    taken, old, young = new_queue(3)
    with transaction() as session:
        for task_id, status, age in ((taken, TaskStatus.running, 2), (old, TaskStatus.queued, 1)):
            task = session.get(Task, task_id)
            assert task is not None
            task.status, task.updated_at = status, utcnow() - timedelta(seconds=age)

    assert run_task(taken, 0.45) == "ran" and ran == [[old]]
    assert get_task(young).status == TaskStatus.queued
    assert run_task(taken, 0.45) == "not-claimed"
    assert run_task(young) == "ran" and ran == [[old], [young]]


def _commit_of(n: int, app_id: int) -> tuple[list[int], Any]:
    """One commit planning `n` tasks of the app: their ids and the group wake-up it sent."""
    recorder = install_recorder()
    with transaction() as session:
        app = session.get(App, app_id)
        assert app is not None
        assignments = [add_assignment(session, app) for _ in range(n)]
    with transaction() as session:
        found = session.get(App, app_id)
        assert found is not None
        for a in assignments:
            row = session.get(Assignment, a.id)
            assert row is not None
            reconcile(session, found, row)
    ((wake,),) = recorder.calls
    return [t.id for a in assignments for t in tasks_of(a.id)], wake


def _two_commits(n: int, m: int) -> tuple[list[int], Any, list[int], Any]:
    """Two commits one after the other for a new app: each one's task ids and group wake-up."""
    with transaction() as session:
        app_id = add_app(session).id
    assert app_id is not None
    first, wake = _commit_of(n, app_id)
    second, later = _commit_of(m, app_id)
    return first, wake, second, later


def test_commits_within_one_window_are_claimed_once_by_the_first_group_wake_up(
    ran: list[list[int]],
) -> None:
    """Concurrent `POST /users` commit a few people each, a group wake-up per commit. The
    first commit's wake-up, its task still queued, takes every due task like a named wake-up
    would, the later commits' included; their wake-ups then find their task taken, and the
    tasks up to it with it, and claim nothing. (Before, each claimed its own commit: 5.4
    tasks a claim under 8 clients.)"""
    first, wake, second, later = _two_commits(3, 4)
    assert wake.args == (first[-1], None, True) and later.args == (second[-1], None, True)

    assert run_task(*wake.args) == "ran" and ran == [first + second]
    assert run_task(*later.args) == "not-claimed" and ran == [first + second]
    assert {get_task(t).status for t in first + second} == {TaskStatus.running}


def test_a_group_whose_task_is_gone_takes_the_tasks_up_to_it_and_none_planned_after(
    ran: list[list[int]],
) -> None:
    """Another claim took the task a group wake-up names, but not the group's others (a claim
    full before it reached them): the group takes those, and leaves the next commit's tasks
    to that commit's wake-up, whose window is still running."""
    first, wake, second, later = _two_commits(3, 2)
    with transaction() as session:
        taken = session.get(Task, first[-1])
        assert taken is not None
        taken.status = TaskStatus.running

    assert run_task(*wake.args) == "ran" and ran == [first[:-1]]
    assert {get_task(t).status for t in second} == {TaskStatus.queued}
    assert run_task(*later.args) == "ran" and ran == [first[:-1], second]


def test_a_group_whose_task_another_claimer_holds_locks_none_planned_after_it(
    ran: list[list[int]],
) -> None:
    """The task a group wake-up names is locked by a claimer at work: the group's claim
    takes the tasks up to it that it can (SKIP LOCKED), and none of a later commit."""
    first, wake, second, _ = _two_commits(3, 2)
    with transaction() as holder:
        holder.execute(select(Task).where(col(Task.id) == first[-1]).with_for_update())
        assert run_task(*wake.args) == "ran"
    assert ran == [first[:-1]]
    assert {get_task(t).status for t in [first[-1], *second]} == {TaskStatus.queued}


def test_a_group_names_the_highest_task_whatever_order_they_were_noted_in(
    ran: list[list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An approval notes its tasks in the order asked: [H, N] with H > N. The group names H,
    so when another claim (full, before the window ends) takes N and its drain leaves H as
    too young, the group still takes H, with no sweep. Naming the last noted (N), it took
    only ids up to N and left H queued and due with no wake-up."""
    from app.provisioning import service

    monkeypatch.setattr(runner, "BATCH_SIZE", 2)
    install_recorder()
    with transaction() as session:
        app = add_app(session)
        x = add_task(session, add_assignment(session, app), TaskStatus.queued, age_s=5)
        n = add_task(session, add_assignment(session, app), TaskStatus.pending_approval)
        h = add_task(session, add_assignment(session, app), TaskStatus.pending_approval)
        x_id, n_id, h_id = x.id, n.id, h.id
    assert x_id is not None and n_id is not None and h_id is not None
    recorder = install_recorder()
    with transaction() as session:
        service.approve(session, [h_id, n_id], "admin")
    ((group,),) = recorder.calls
    recorder.calls.clear()
    assert group.args == (h_id, None, True)
    # x's own wake-up fires within the approval's window: a full claim of x and n ...
    assert run_task(x_id) == "ran" and ran == [[x_id, n_id]]
    ((drain,),) = recorder.calls
    # ... whose drain (under a window of 0.45 s) finds h too young
    assert run_task(drain.args[0], 0.45) == "not-claimed"
    assert run_task(*group.args) == "ran" and ran == [[x_id, n_id], [h_id]]


def test_a_group_takes_a_new_task_beside_a_replanned_one_still_waiting_to_retry(
    ran: list[list[int]],
) -> None:
    """One commit plans a new task for one assignment and re-plans another's queued task
    that waits out a retry's delay (planning notes by assignment: the re-planned task, the
    older and lower id, is noted last). The group names the new task and takes it; named
    after the waiting one, it took nothing and the new task waited for the sweeper."""
    with transaction() as session:
        app = add_app(session)
        fresh, waiting = add_assignment(session, app), add_assignment(session, app)
        retry = add_task(
            session,
            waiting,
            TaskStatus.queued,
            attempts=1,
            next_attempt_at=utcnow() + timedelta(seconds=60),
        )
        ids = (fresh.id, waiting.id, retry.id)
    recorder = install_recorder()
    with transaction() as session:
        for assignment_id in ids[:2]:
            row = session.get(Assignment, assignment_id)
            assert row is not None
            found = session.get(App, row.app_id)
            assert found is not None
            reconcile(session, found, row)
    (new,) = tasks_of(ids[0])
    assert new.id is not None and new.id > ids[2]
    ((wake,),) = recorder.calls
    assert wake.args == (new.id, None, True)
    assert run_task(*wake.args) == "ran" and ran == [[new.id]]
    assert get_task(ids[2]).status == TaskStatus.queued  # still waiting out its delay


def test_a_named_claim_that_cannot_have_its_task_locks_no_other(env: dict[str, str]) -> None:
    """Another claimer holds the named task: the claim gives up having locked nothing, so
    that claimer's scan (SKIP LOCKED) finds the others free and takes them."""
    ids = new_queue(4)
    with transaction() as holder:
        holder.execute(select(Task).where(col(Task.id) == ids[0]).with_for_update())
        with transaction() as claimer:
            assert claim_batch(claimer, ids[0], LEASE_S, 10, named_only=True) == []
            with get_engine().connect() as third:
                free = third.execute(
                    select(col(Task.id))
                    .where(col(Task.id).in_(ids[1:]))
                    .with_for_update(skip_locked=True)
                ).scalars()
                assert sorted(free) == ids[1:]
