"""Jobs: long operations with progress (reapply mappings, refresh entitlements, imports...).

A job is a row first; the dispatcher is told about it only after the row is committed. A runner
claims it with one atomic UPDATE (status, lease, attempt), so two runners never run the same
job, and a job whose runner died is picked up again once its lease runs out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlmodel import Session, col, select

from app.db import after_commit
from app.errors import NotFound
from app.models import Job, utcnow

JOB_FUNCTION = "run_job"


@dataclass
class JobContext:
    job_id: int
    params: dict[str, Any]
    runtime: dict[str, Any]
    lease_s: int

    def progress(self, processed: int, total: int | None = None) -> None:
        """Record progress and extend the lease (one short transaction)."""
        from app.db import transaction

        values: dict[str, Any] = {
            "processed": processed,
            "lease_until": utcnow() + timedelta(seconds=self.lease_s),
        }
        if total is not None:
            values["total"] = total
        with transaction() as session:
            session.execute(update(Job).where(Job.id == self.job_id).values(**values))  # type: ignore[arg-type]


JobHandler = Callable[[JobContext], Awaitable[dict[str, Any]]]
HANDLERS: dict[str, JobHandler] = {}


def handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    def register(fn: JobHandler) -> JobHandler:
        HANDLERS[kind] = fn
        return fn

    return register


def start_job(
    session: Session,
    kind: str,
    params: dict[str, Any] | None = None,
    created_by: str | None = None,
    correlation_id: str | None = None,
) -> Job:
    """Create the job row; its wake-up is sent after commit.

    `correlation_id` (default: the current request id) is kept in `params["correlation_id"]`
    so the runner can bind it again in the worker and the job's logs match the request's.
    """
    from app.observability.context import current_request_id

    params = dict(params or {})
    correlation_id = correlation_id or current_request_id()
    if correlation_id:
        params.setdefault("correlation_id", correlation_id)
    job = Job(kind=kind, params=params, created_by=created_by)
    session.add(job)
    session.flush()
    job_id = job.id

    def _wake() -> None:
        from app.queue import get_dispatcher

        get_dispatcher().enqueue(JOB_FUNCTION, job_id, job_id=f"job:{job_id}")

    after_commit(session, _wake)
    return job


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"Job {job_id} does not exist.")
    return job


def claim(session: Session, job_id: int, lease_s: int) -> bool:
    now = utcnow()
    stmt = (
        update(Job)
        .where(Job.id == job_id)  # type: ignore[arg-type]
        .where(
            or_(
                Job.status == "queued",  # type: ignore[arg-type]
                (Job.status == "running") & (Job.lease_until < now),  # type: ignore[arg-type,operator]
            )
        )
        .values(
            status="running",
            lease_until=now + timedelta(seconds=lease_s),
            attempts=Job.attempts + 1,
            started_at=now,
        )
    )
    # Executing an UPDATE gives a CursorResult (which has `rowcount`); Session.execute is typed
    # as returning the general Result.
    result = cast("CursorResult[Any]", session.execute(stmt))
    return result.rowcount == 1


def finish(
    session: Session, job_id: int, *, result: dict[str, Any] | None, error: str | None
) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)  # type: ignore[arg-type]
        .values(
            status="failed" if error else "succeeded",
            result=result,
            error=error,
            finished_at=utcnow(),
            lease_until=None,
        )
    )


def stale_job_ids(session: Session, older_than_s: int) -> list[int]:
    """Queued jobs nobody picked up, and running jobs whose lease ran out."""
    now = utcnow()
    cutoff = now - timedelta(seconds=older_than_s)
    stmt = select(Job.id).where(
        or_(
            (col(Job.status) == "queued") & (col(Job.created_at) < cutoff),
            (col(Job.status) == "running") & (col(Job.lease_until) < now),
        )
    )
    return [i for i in session.exec(stmt).all() if i is not None]
