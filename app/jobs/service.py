"""Jobs: long operations with progress (reapply mappings, refresh entitlements, imports...).

A job is a row first; the dispatcher is told about it only after the row is committed. A runner
claims it with one atomic UPDATE (status, lease, attempt), so two runners never run the same
job, and a job whose runner died is picked up again once its lease runs out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from app import queue
from app.db import transaction
from app.errors import NotFound
from app.jobs import repository as repo
from app.models import Job, JobStatus, utcnow
from app.observability.context import current_request_id, new_request_id

JOB_FUNCTION = "run_job"


@dataclass
class JobContext:
    job_id: int
    params: dict[str, Any]
    runtime: dict[str, Any]
    lease_s: int
    attempt: int | None = None
    """The claim's attempt (`repository.claim`): progress is recorded only while the job is
    still this claim's. None: a job this process holds without a claim (the CLI's import)."""

    def progress(self, processed: int, total: int | None = None) -> None:
        """Record progress and extend the lease (one short transaction)."""
        with transaction() as session:
            repo.progress(
                session, self.job_id, processed, total, self.lease_s, attempt=self.attempt
            )


JobHandler = Callable[[JobContext], Awaitable[dict[str, Any]]]
"""What runs a job of one kind; the kinds and their handlers are listed in
`app.background.catalogue`."""


def job_wake(job_id: int) -> queue.Wake:
    """The wake-up of a job; its id collapses duplicates (a sweeper re-wake, say)."""
    return queue.Wake(JOB_FUNCTION, (job_id,), f"job:{job_id}")


def start_job(
    session: Session,
    kind: str,
    params: dict[str, Any] | None = None,
    created_by: str | None = None,
    correlation_id: str | None = None,
) -> Job:
    """Create the job row; its wake-up is sent after commit.

    `correlation_id` (default: the current request id, else a new one) is kept in
    `params["correlation_id"]` so the runner can bind it again in the worker: the job's logs
    match the request's, and the tasks the job plans carry it. A job started with no request
    around (a schedule) still gets one, so its tasks can be found by it.
    """
    params = dict(params or {})
    correlation_id = correlation_id or current_request_id() or new_request_id()
    params.setdefault("correlation_id", correlation_id)
    job = Job(kind=kind, params=params, created_by=created_by)
    session.add(job)
    session.flush()
    assert job.id is not None
    queue.wake(session, job_wake(job.id))
    return job


def start_claimed_job(
    session: Session, kind: str, params: dict[str, Any], created_by: str, lease_s: int
) -> Job:
    """A job run by the process that creates it (the CLI's import): the row is born claimed,
    so it shows in /jobs while no runner takes it; one does only if the lease runs out (the
    process died). No wake-up is sent. Progress writes (`JobContext.progress`) extend the
    lease."""
    now = utcnow()
    job = Job(
        kind=kind,
        status=JobStatus.running,
        params={**params, "correlation_id": current_request_id() or new_request_id()},
        created_by=created_by,
        attempts=1,
        started_at=now,
        lease_until=now + timedelta(seconds=lease_s),
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> Job:
    job = repo.get(session, job_id)
    if job is None:
        raise NotFound(f"Job {job_id} does not exist.")
    return job
