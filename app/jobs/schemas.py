"""API shapes of jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.models import Job, JobStatus


class JobProgress(BaseModel):
    processed: int
    total: int | None
    percent: float | None


class JobRead(BaseModel):
    id: int
    kind: str
    status: JobStatus
    progress: JobProgress
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    created_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def job_read(job: Job) -> JobRead:
    assert job.id is not None
    percent = None
    if job.total:
        percent = round(100.0 * job.processed / job.total, 1)
    elif job.status == "succeeded":
        percent = 100.0
    return JobRead(
        id=job.id,
        kind=job.kind,
        status=job.status,
        progress=JobProgress(processed=job.processed, total=job.total, percent=percent),
        params=job.params or {},
        result=job.result,
        error=job.error,
        attempts=job.attempts,
        created_by=job.created_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )
