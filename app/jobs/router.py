"""Read jobs and their progress."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from app.api.deps import Reader, SessionDep
from app.api.ids import Id
from app.api.routing import ProblemRoute
from app.api.timestamps import Timestamp
from app.jobs import repository
from app.jobs.schemas import JobRead, job_read
from app.jobs.service import get_job
from app.models import Job, JobStatus
from app.pagination import Page, PageParams, paginate

router = APIRouter(route_class=ProblemRoute, tags=["jobs"])


@router.get("/jobs", response_model=Page[JobRead], operation_id="jobs-list")
def list_jobs(
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    kind: str | None = None,
    status: JobStatus | None = None,
    since: Timestamp | None = Query(None, description="Created at or after"),
) -> Page[JobRead]:
    stmt = repository.query(kind, status, since)
    rows, cursor, url = paginate(session, stmt, Job.id, page)
    return Page(items=[job_read(j) for j in rows], next_cursor=cursor, next=url)


@router.get("/jobs/{job_id:int}", response_model=JobRead, operation_id="jobs-get")
def read_job(job_id: Id, session: SessionDep, _: Reader) -> JobRead:
    return job_read(get_job(session, job_id))
