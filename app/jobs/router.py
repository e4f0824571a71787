"""Read jobs and their progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlmodel import select

from app.api.deps import Reader, SessionDep
from app.jobs.service import get_job
from app.models import Job
from app.pagination import Page, PageParams, paginate

router = APIRouter(tags=["jobs"])

JobStatus = Literal["queued", "running", "succeeded", "failed"]


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


@router.get("/jobs", response_model=Page[JobRead], operation_id="jobs-list")
def list_jobs(
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    kind: str | None = None,
    status: JobStatus | None = None,
    since: datetime | None = Query(None, description="Created at or after"),
) -> Page[JobRead]:
    stmt = select(Job)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    if status:
        stmt = stmt.where(Job.status == status)
    if since:
        stmt = stmt.where(Job.created_at >= since)
    rows, cursor, url = paginate(session, stmt, Job.id, page)
    return Page(items=[job_read(j) for j in rows], next_cursor=cursor, next=url)


@router.get("/jobs/{job_id}", response_model=JobRead, operation_id="jobs-get")
def read_job(job_id: int, session: SessionDep, _: Reader) -> JobRead:
    return job_read(get_job(session, job_id))
