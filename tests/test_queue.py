"""Wake-ups: noted on the session, sent once per commit in one `enqueue_many` call, written
to Redis by `ArqDispatcher` as arq jobs in one pipelined round trip, duplicates collapsed by
job id (which is what keeps the sweeper from doubling work)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any, cast

import pytest
import redis
import redis.asyncio.client
import redis.asyncio.connection
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import default_queue_name
from arq.jobs import Job, JobDef, JobStatus
from sqlalchemy import func, select

from app import queue
from app.background.functions import sweep
from app.background.handoff import HandoffDispatcher
from app.db import get_engine, savepoint, transaction
from app.models import App, Assignment, Task, TaskStatus, utcnow
from app.provisioning import planning
from app.provisioning.planning import Run, reconcile, task_wake
from app.settings import get_settings
from tests.provisioning.task_rows import (
    Recorder,
    add_app,
    add_assignment,
    add_task,
    get_task,
    install_recorder,
    tasks_of,
)

# --- one enqueue_many call per commit ---------------------------------------------------------


class CommitWitness(Recorder):
    """Records each call and how many tasks another connection could see at that moment."""

    def __init__(self) -> None:
        super().__init__()
        self.visible: list[int] = []

    @property
    def woken(self) -> list[int]:
        """The task each wake-up names (a group's stand-in names its first)."""
        return [w.args[0] for call in self.calls for w in call]

    def enqueue_many(self, wakes: Sequence[queue.Wake]) -> None:
        super().enqueue_many(wakes)
        with get_engine().connect() as conn:
            self.visible.append(conn.execute(select(func.count()).select_from(Task)).scalar_one())


@pytest.fixture
def witness(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> CommitWitness:
    """Every task its own wake-up (a claim of one task at a time), so each one noted can be
    followed (`woken`); `test_one_wake_up_per_claim_batch_of_an_app` has the batches."""
    monkeypatch.setattr(planning, "CLAIM_BATCH", 1)
    recorder = CommitWitness()
    queue.set_dispatcher(recorder)
    return recorder


def assignments(n: int) -> list[int]:
    """One app with `n` assignments that each need a create; their ids."""
    with transaction() as session:
        app = add_app(session)
        rows = [add_assignment(session, app) for _ in range(n)]
        return [a.id for a in rows if a.id is not None]


def plan_in(session: Any, assignment_id: int) -> None:
    assignment = session.get(Assignment, assignment_id)
    reconcile(session, session.get(App, assignment.app_id), assignment)


def test_a_commit_that_plans_n_tasks_sends_one_call_with_n_wake_ups_after_commit(
    witness: CommitWitness,
) -> None:
    ids = assignments(7)

    with transaction() as session:
        run = Run()
        app = session.execute(select(App)).scalar_one()
        for assignment in session.execute(select(Assignment)).scalars():
            run.note(app, assignment)
        run.finish(session)

    task_ids = [tasks_of(i)[0].id for i in ids]
    assert len(witness.calls) == 1
    assert sorted(witness.woken) == sorted(task_ids)
    assert {w.function for w in witness.calls[0]} == {"run_task"}
    assert witness.visible == [7]  # sent once the rows were committed, not before


def test_one_wake_up_per_claim_batch_of_an_app(
    witness: CommitWitness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim takes up to CLAIM_BATCH due tasks of an app: of the wake-ups a commit notes
    for one app, a group wake-up stands in for the highest id of every CLAIM_BATCH, in id
    order, whatever order they were noted in. It claims the app's due tasks whatever became
    of the task it names (`group`, the third argument) and has no job id of a single task's,
    which a pending wake-up of that task would swallow. A commit that plans one task of an
    app sends that task's own wake-up."""
    monkeypatch.setattr(planning, "CLAIM_BATCH", 3)
    ids = assignments(7)
    other = assignments(2)
    lone = assignments(1)

    with transaction() as session:
        for i in [*ids[:4], *other, *ids[4:], *lone]:
            plan_in(session, i)

    tasks = [tasks_of(i)[0].id for i in ids]
    others = [tasks_of(i)[0].id for i in other]
    alone = tasks_of(lone[0])[0].id
    assert len(witness.calls) == 1
    (call,) = witness.calls
    window = get_settings().claim_coalesce_ms / 1000
    assert [w.args for w in call] == [
        (others[1], None, True),
        (tasks[2], None, True),
        (tasks[5], None, True),
        (tasks[6], None, True),
        (alone,),
    ]
    assert [w.job_id for w in call] == [None, None, None, None, f"task:{alone}:0"]
    assert {w.defer_s for w in call} == {window}


def test_a_rolled_back_transaction_sends_nothing(witness: CommitWitness) -> None:
    ids = assignments(3)

    with pytest.raises(RuntimeError), transaction() as session:
        for i in ids:
            plan_in(session, i)
        session.flush()
        raise RuntimeError("boom")

    assert witness.calls == []
    assert [tasks_of(i) for i in ids] == [[], [], []]


def test_a_rolled_back_savepoint_drops_only_its_own_wake_ups(witness: CommitWitness) -> None:
    before, inside, after = assignments(3)

    with transaction() as session:
        plan_in(session, before)
        with pytest.raises(RuntimeError), savepoint(session):
            plan_in(session, inside)
            session.flush()
            raise RuntimeError("boom")
        plan_in(session, after)

    kept = [tasks_of(before)[0].id, tasks_of(after)[0].id]
    assert tasks_of(inside) == []
    assert witness.woken == kept


def test_a_committed_savepoint_keeps_its_wake_ups_in_the_one_call(
    witness: CommitWitness,
) -> None:
    before, inside = assignments(2)

    with transaction() as session:
        plan_in(session, before)
        with savepoint(session):
            plan_in(session, inside)

    assert len(witness.calls) == 1
    assert len(witness.calls[0]) == 2


def test_a_commit_without_wake_ups_makes_no_call(witness: CommitWitness) -> None:
    with transaction() as session:
        add_app(session)

    assert witness.calls == []


# --- ArqDispatcher on the real Redis ----------------------------------------------------------


def run_on_arq(redis_url: str, work: Any) -> Any:
    """Run `work(arq_redis)` against the test Redis, as an arq worker or client would."""

    async def go() -> Any:
        pool: ArqRedis = await create_pool(RedisSettings.from_dsn(redis_url))
        try:
            return await work(pool)
        finally:
            await pool.aclose()

    return asyncio.run(go())


def job_info(redis_url: str, job_id: str) -> JobDef | None:
    return run_on_arq(redis_url, lambda pool: Job(job_id, pool).info())


def job_status(redis_url: str, job_id: str) -> JobStatus:
    return run_on_arq(redis_url, lambda pool: Job(job_id, pool).status())


def queued(redis_url: str) -> dict[str, float]:
    """arq's queue: job id -> score (when it is due, ms)."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        rows = cast(
            list[tuple[str, float]], client.zrange(default_queue_name, 0, -1, withscores=True)
        )
        return dict(rows)
    finally:
        client.close()


@pytest.fixture
def clean_redis(redis_url: str) -> str:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url


@pytest.fixture
def dispatcher(clean_redis: str) -> Iterator[queue.ArqDispatcher]:
    d = queue.ArqDispatcher(clean_redis)
    yield d
    d.close()


def wakes(n: int, start: int = 1) -> list[queue.Wake]:
    return [queue.Wake("run_task", (i,), f"task:{i}:0") for i in range(start, start + n)]


def test_fifty_wake_ups_are_fifty_jobs_arq_can_read(
    dispatcher: queue.ArqDispatcher, clean_redis: str
) -> None:
    dispatcher.enqueue_many(wakes(50))

    assert sorted(queued(clean_redis)) == sorted(f"task:{i}:0" for i in range(1, 51))
    jobs = run_on_arq(clean_redis, lambda pool: pool.queued_jobs())
    assert sorted((j.function, j.args, j.job_id) for j in jobs) == sorted(
        ("run_task", (i,), f"task:{i}:0") for i in range(1, 51)
    )
    info = job_info(clean_redis, "task:17:0")
    assert info is not None and (info.function, info.args, info.kwargs) == ("run_task", (17,), {})
    assert job_status(clean_redis, "task:17:0") == JobStatus.queued


def test_a_wake_up_without_job_id_still_makes_a_job(
    dispatcher: queue.ArqDispatcher, clean_redis: str
) -> None:
    dispatcher.enqueue_many([queue.Wake("sweep", ()), queue.Wake("sweep", ())])

    jobs = run_on_arq(clean_redis, lambda pool: pool.queued_jobs())
    assert [(j.function, j.args) for j in jobs] == [("sweep", ()), ("sweep", ())]


def test_the_same_job_id_twice_in_one_call_is_one_job(
    dispatcher: queue.ArqDispatcher, clean_redis: str
) -> None:
    dispatcher.enqueue_many([*wakes(1), *wakes(1), *wakes(1, start=2)])

    assert sorted(queued(clean_redis)) == ["task:1:0", "task:2:0"]


def test_the_same_job_id_in_a_later_call_is_dropped(
    dispatcher: queue.ArqDispatcher, clean_redis: str
) -> None:
    dispatcher.enqueue_many(wakes(1))
    first = queued(clean_redis)

    dispatcher.enqueue_many([queue.Wake("run_task", (1,), "task:1:0", defer_s=60)])

    assert queued(clean_redis) == first  # neither doubled nor moved


def test_a_job_id_arq_keeps_a_result_for_is_not_enqueued_again(
    dispatcher: queue.ArqDispatcher, clean_redis: str
) -> None:
    client = redis.Redis.from_url(clean_redis)
    client.set("arq:result:task:1:0", b"done")
    client.close()

    dispatcher.enqueue_many(wakes(1))

    assert queued(clean_redis) == {}


def test_a_deferred_wake_up_is_due_later(dispatcher: queue.ArqDispatcher, clean_redis: str) -> None:
    dispatcher.enqueue_many(
        [
            queue.Wake("run_task", (1,), "now"),
            queue.Wake("run_task", (2,), "later", defer_s=90),
        ]
    )

    scores = queued(clean_redis)
    assert scores["later"] - scores["now"] == 90_000
    assert job_status(clean_redis, "now") == JobStatus.queued
    assert job_status(clean_redis, "later") == JobStatus.deferred


class Wire:
    """Counts what the dispatcher's Redis client writes to the socket, and pipeline runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.writes = 0
        self.pipelines = 0
        conn = redis.asyncio.connection.AbstractConnection
        pipe = redis.asyncio.client.Pipeline
        send, execute = conn.send_packed_command, pipe.execute

        async def counted_send(c: Any, *args: Any, **kwargs: Any) -> None:
            self.writes += 1
            await send(c, *args, **kwargs)

        async def counted_execute(p: Any, *args: Any, **kwargs: Any) -> Any:
            self.pipelines += 1
            return await execute(p, *args, **kwargs)

        monkeypatch.setattr(conn, "send_packed_command", counted_send)
        monkeypatch.setattr(pipe, "execute", counted_execute)

    def during(self, action: Any) -> tuple[int, int]:
        """(socket writes, pipeline runs) that `action()` caused."""
        writes, pipelines = self.writes, self.pipelines
        action()
        return self.writes - writes, self.pipelines - pipelines


def test_a_commits_wake_ups_take_one_round_trip_whatever_their_number(
    dispatcher: queue.ArqDispatcher, clean_redis: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire = Wire(monkeypatch)
    dispatcher.enqueue_many(wakes(1, start=1000))  # connect and load the script first

    one = wire.during(lambda: dispatcher.enqueue_many(wakes(1)))
    fifty = wire.during(lambda: dispatcher.enqueue_many(wakes(50, start=2)))

    assert len(queued(clean_redis)) == 52
    assert fifty == one  # 50 jobs cost what 1 does: one pipeline, not a request per job
    assert fifty[1] == 1
    assert fifty[0] <= 2  # the pipeline, and the script check redis-py makes before it


# --- the sweeper: job ids collapse its re-wakes -----------------------------------------------


@pytest.fixture
def arq_installed(env: dict[str, str], clean_redis: str) -> Iterator[str]:
    queue.set_dispatcher(queue.ArqDispatcher(clean_redis))
    yield clean_redis
    queue.close_dispatcher()


def sweep_once() -> dict[str, int]:
    return asyncio.run(sweep({"settings": get_settings()}))


def stale_task(status: TaskStatus, **fields: Any) -> int:
    with transaction() as session:
        task = add_task(session, add_assignment(session, add_app(session)), status, **fields)
        assert task.id is not None
        return task.id


def test_sweeping_a_stale_task_twice_makes_one_job(arq_installed: str) -> None:
    task_id = stale_task(TaskStatus.queued, age_s=3600)

    expected = {"jobs": 0, "tasks": 1, "webhooks": 0, "handed_over": 0}
    assert sweep_once() == expected
    assert sweep_once() == expected

    assert list(queued(arq_installed)) == [f"task:{task_id}:0"]
    info = job_info(arq_installed, f"task:{task_id}:0")
    assert info is not None and (info.function, info.args) == ("run_task", (task_id,))


def test_sweeping_a_task_whose_worker_died_wakes_its_next_attempt(arq_installed: str) -> None:
    task_id = stale_task(
        TaskStatus.running, attempts=1, lease_until=utcnow() - timedelta(seconds=5)
    )

    assert sweep_once()["tasks"] == 1

    assert list(queued(arq_installed)) == [f"task:{task_id}:1"]
    assert get_task(task_id).status == TaskStatus.queued


def test_the_sweeper_sends_wake_ups_the_cli_handed_over_through_the_database(
    arq_installed: str,
) -> None:
    # A CLI run without REDIS_URL next to an arq deployment: its wake-ups reach the workers.
    # Not due yet, so the sweeper's own look for stale rows leaves it alone.
    task_id = stale_task(TaskStatus.queued, next_attempt_at=utcnow() + timedelta(hours=1))
    HandoffDispatcher().enqueue_many([task_wake(task_id, 0)])

    assert sweep_once() == {"jobs": 0, "tasks": 0, "webhooks": 0, "handed_over": 1}
    assert sweep_once()["handed_over"] == 0  # claimed once

    assert list(queued(arq_installed)) == [f"task:{task_id}:0"]


def test_the_same_wake_up_noted_twice_in_a_transaction_is_sent_once(
    env: dict[str, str],
) -> None:
    recorder = install_recorder()
    with transaction() as session:
        queue.wake(session, queue.Wake("run_task", (1,), "task:1:0"))
        queue.wake(session, queue.Wake("run_task", (1,), "task:1:0"))

    assert recorder.calls == [[queue.Wake("run_task", (1,), "task:1:0")]]
