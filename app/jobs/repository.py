"""Every query of the jobs domain. Functions take the caller's session and never commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from app.models import Job, JobStatus, utcnow


def get(session: Session, job_id: int) -> Job | None:
    return session.get(Job, job_id)


def query(
    kind: str | None = None, status: JobStatus | None = None, since: datetime | None = None
) -> Select[Job]:
    stmt = sa_select(Job)
    if kind:
        stmt = stmt.where(col(Job.kind) == kind)
    if status:
        stmt = stmt.where(col(Job.status) == status)
    if since:
        stmt = stmt.where(col(Job.created_at) >= since)
    return stmt


def claim(session: Session, job_id: int, lease_s: int) -> tuple[str, dict[str, Any], int] | None:
    """Take a queued job (or one whose runner's lease ran out) with one atomic UPDATE;
    returns its kind, params and attempt (this claim's, for `renew_lease`), or None when
    another runner has it."""
    now = utcnow()
    stmt = (
        update(Job)
        .where(
            col(Job.id) == job_id,
            or_(
                col(Job.status) == JobStatus.queued,
                (col(Job.status) == JobStatus.running) & (col(Job.lease_until) < now),
            ),
        )
        .values(
            status=JobStatus.running,
            lease_until=now + timedelta(seconds=lease_s),
            attempts=Job.attempts + 1,
            started_at=now,
        )
        .returning(col(Job.kind), col(Job.params), col(Job.attempts))
    )
    row = session.execute(stmt).first()
    return None if row is None else (str(row[0]), dict(row[1] or {}), int(row[2]))


def progress(
    session: Session,
    job_id: int,
    processed: int,
    total: int | None,
    lease_s: int,
    *,
    attempt: int | None = None,
) -> None:
    """Record progress and move the lease. With `attempt`, only while the job is still that
    claim's: a runner that lost it (stalled past its lease, the job taken again) must not move
    the new runner's lease or overwrite its progress."""
    values: dict[str, Any] = {
        "processed": processed,
        "lease_until": utcnow() + timedelta(seconds=lease_s),
    }
    if total is not None:
        values["total"] = total
    session.execute(update(Job).where(_claimed(job_id, attempt)).values(**values))


def renew_lease(session: Session, job_id: int, attempt: int, lease_s: int) -> bool:
    """Move the lease of a job still running under the claim that took it as `attempt` to
    `lease_s` from now (its runner is alive: `app.leases`); False when it is not. A runner
    that lost its claim (stalled past its lease, the job taken again) must not move the new
    runner's lease. On Postgres a row another transaction holds is skipped, not waited for;
    on SQLite (no row locks) one statement checks and writes."""
    ours = _ours(job_id, attempt)
    target: ColumnElement[bool] = ours
    if session.get_bind().dialect.name == "postgresql":
        free = select(col(Job.id)).where(ours).with_for_update(skip_locked=True)
        if session.execute(free).first() is None:
            return False
        target = col(Job.id) == job_id
    result = session.execute(
        update(Job).where(target).values(lease_until=utcnow() + timedelta(seconds=lease_s))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _ours(job_id: int, attempt: int) -> ColumnElement[bool]:
    """The job, still running under the claim that took it as `attempt`."""
    return and_(
        col(Job.id) == job_id, col(Job.status) == JobStatus.running, col(Job.attempts) == attempt
    )


def _claimed(job_id: int, attempt: int | None) -> ColumnElement[bool]:
    """The job; with `attempt`, only while still that claim's (`_ours`)."""
    return col(Job.id) == job_id if attempt is None else _ours(job_id, attempt)


def finish(
    session: Session,
    job_id: int,
    *,
    result: dict[str, Any] | None,
    error: str | None,
    attempt: int | None = None,
) -> bool:
    """Record the job's end; False when, with `attempt`, the job is no longer that claim's
    (another runner took it again and will record its own end)."""
    done = session.execute(
        update(Job)
        .where(_claimed(job_id, attempt))
        .values(
            status=JobStatus.failed if error else JobStatus.succeeded,
            result=result,
            error=error,
            finished_at=utcnow(),
            lease_until=None,
        )
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def stale_job_ids(session: Session, older_than_s: int) -> list[int]:
    """Queued jobs nobody picked up, and running jobs whose lease ran out."""
    now = utcnow()
    cutoff = now - timedelta(seconds=older_than_s)
    stmt = select(col(Job.id)).where(
        or_(
            (col(Job.status) == JobStatus.queued) & (col(Job.created_at) < cutoff),
            (col(Job.status) == JobStatus.running) & (col(Job.lease_until) < now),
        )
    )
    return [int(i) for i in session.execute(stmt).scalars() if i is not None]
