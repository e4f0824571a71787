"""A running job keeps its lease while its handler works, not only when it reports progress:
the sweeper takes back only the jobs of a runner that is gone (`app.leases`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app import queue
from app.db import transaction
from app.jobs import repository as repo
from app.jobs.runner import execute_job
from app.jobs.service import JobContext, start_job
from app.models import Job, JobStatus, utcnow
from tests.support import committed_just_before


class Held:
    """Keeps the wake-ups: these tests run their jobs themselves."""

    def enqueue_many(self, wakes: object) -> None:
        pass

    def close(self) -> None:
        pass


def new_job(kind: str) -> int:
    previous = queue.set_dispatcher(Held())  # type: ignore[arg-type]
    try:
        with transaction() as session:
            job_id = start_job(session, kind).id
    finally:
        queue.set_dispatcher(previous)
    assert job_id is not None
    return job_id


def stale() -> list[int]:
    with transaction() as session:
        return repo.stale_job_ids(session, older_than_s=30)


def job(job_id: int) -> Job:
    with transaction() as session:
        row = session.get(Job, job_id)
        assert row is not None
        session.expunge(row)
        return row


def test_a_job_step_that_outlasts_the_lease_is_not_swept_as_lost(env: dict[str, str]) -> None:
    """A handler that reports no progress for more than two leases (one Graph call waiting
    its turn, one long chunk) is still its runner's: the sweeper must not start it again."""
    job_id = new_job("x.slow")
    lease_s = 2
    seen: dict[str, Any] = {}

    async def slow(ctx: JobContext) -> dict[str, object]:
        await asyncio.sleep(2.25 * lease_s)
        seen["stale"] = await asyncio.to_thread(stale)
        seen["job"] = await asyncio.to_thread(job, job_id)
        return {"done": True}

    assert asyncio.run(execute_job(job_id, {}, lease_s, {"x.slow": slow})) == "succeeded"

    assert seen["stale"] == []
    running = seen["job"]
    assert running.status == JobStatus.running
    assert running.lease_until is not None and running.lease_until > utcnow()
    finished = job(job_id)
    assert (finished.status, finished.result) == (JobStatus.succeeded, {"done": True})


def test_a_finished_job_is_not_renewed(env: dict[str, str]) -> None:
    """Renewal moves only a running job's lease: a finished job's stays as finishing left it."""
    job_id = new_job("x.quick")

    async def quick(ctx: JobContext) -> dict[str, object]:
        return {}

    assert asyncio.run(execute_job(job_id, {}, 60, {"x.quick": quick})) == "succeeded"
    before = job(job_id).lease_until
    with transaction() as session:
        assert not repo.renew_lease(session, job_id, 1, 600)

    after = job(job_id)
    assert after.status == JobStatus.succeeded
    assert after.lease_until == before
    assert before is None or before < utcnow() + timedelta(seconds=120)


def taken_again(kind: str) -> tuple[int, datetime | None]:
    """A job claimed by runner A (attempt 1), whose lease ran out, then claimed again by
    runner B (attempt 2); returns its id and B's lease."""
    job_id = new_job(kind)
    with transaction() as session:
        first = repo.claim(session, job_id, 60)
    assert first is not None and first[2] == 1
    with transaction() as session:
        row = session.get(Job, job_id)
        assert row is not None
        row.lease_until = utcnow() - timedelta(seconds=1)
        session.add(row)
    with transaction() as session:
        second = repo.claim(session, job_id, 30)
    assert second is not None and second[2] == 2
    return job_id, job(job_id).lease_until


def test_a_runner_that_lost_its_claim_leaves_the_new_claims_lease_alone(
    env: dict[str, str],
) -> None:
    """Runner A stalled past its lease and runner B took the job again (attempt 2): A's
    renewals must not move B's lease, or a B that dies is not swept for as long."""
    job_id, b_lease = taken_again("x.taken-again")

    with transaction() as session:
        assert not repo.renew_lease(session, job_id, 1, 600)
    assert job(job_id).lease_until == b_lease

    with transaction() as session:
        assert repo.renew_lease(session, job_id, 2, 600)
    moved = job(job_id).lease_until
    assert moved is not None and b_lease is not None and moved > b_lease


def test_a_runner_that_lost_its_claim_records_neither_progress_nor_the_end(
    env: dict[str, str],
) -> None:
    """Its progress would move the new runner's lease and overwrite its count; its end would
    mark the job finished while the new runner works on it."""
    job_id, b_lease = taken_again("x.lost")

    JobContext(job_id, {}, {}, 600, attempt=1).progress(5, 10)
    with transaction() as session:
        assert not repo.finish(session, job_id, result={"by": "A"}, error=None, attempt=1)

    row = job(job_id)
    assert (row.status, row.processed, row.lease_until) == (JobStatus.running, 0, b_lease)

    JobContext(job_id, {}, {}, 600, attempt=2).progress(7, 10)
    assert job(job_id).processed == 7
    with transaction() as session:
        assert repo.finish(session, job_id, result={"by": "B"}, error=None, attempt=2)
    assert (job(job_id).status, job(job_id).result) == (JobStatus.succeeded, {"by": "B"})


def test_on_sqlite_a_job_that_finishes_just_before_the_renewal_writes_keeps_no_lease(
    on_sqlite: Path,
) -> None:
    """SQLite has no row locks: the renewal checks and writes in one statement."""
    job_id = new_job("x.finishing")
    with transaction() as session:
        assert repo.claim(session, job_id, 60) is not None

    with (
        committed_just_before(
            "UPDATE job SET lease_until",
            "UPDATE job SET status = 'succeeded', lease_until = NULL WHERE id = ?",
            (job_id,),
        ) as fired,
        transaction() as session,
    ):
        renewed = repo.renew_lease(session, job_id, 1, 600)

    assert len(fired) == 1
    assert not renewed
    assert job(job_id).lease_until is None
