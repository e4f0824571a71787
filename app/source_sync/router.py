"""HTTP routes of source syncs: run one now, release a held one, read where they stand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from app.api.deps import Admin, Reader, SessionDep
from app.api.ids import Id
from app.api.routing import ProblemRoute, problem
from app.jobs.kinds import JobKind
from app.jobs.schemas import JobRead, job_read
from app.jobs.service import start_job
from app.source_sync import service
from app.source_sync.schemas import SourceSyncRead, SourceSyncRequest

router = APIRouter(route_class=ProblemRoute, tags=["sources"])

_DISABLED: dict[int | str, dict[str, Any]] = {
    409: problem(409, "The source is disabled, or (release) nothing is held"),
}


@router.get(
    "/sources/{source_id:int}/sync", response_model=SourceSyncRead, operation_id="sources-sync-get"
)
def get_sync(source_id: Id, session: SessionDep, _: Reader) -> SourceSyncRead:
    """Where the source's syncs stand: status (idle, running, held, error and why), the last
    sync's figures, when the next one is due, and what a held sync waits on."""
    return service.sync_read(service.get_source(session, source_id))


@router.post(
    "/sources/{source_id:int}/sync",
    status_code=202,
    response_model=JobRead,
    operation_id="sources-sync-run",
    responses=_DISABLED,
)
def run_sync(
    source_id: Id,
    session: SessionDep,
    principal: Admin,
    data: Annotated[SourceSyncRequest | None, Body()] = None,
) -> JobRead:
    """Sync the source now (admin: a sync decides who is in the directory), in a job with
    progress (entries read). A sync already running
    is not doubled (the job says so). Without a body: an incremental sync (a full one when
    the source never synced)."""
    service.check_can_sync(service.get_source(session, source_id))
    job = start_job(
        session,
        JobKind.source_sync,
        {"source_id": source_id, "full": bool(data and data.full)},
        created_by=principal.label,
    )
    return job_read(job)


@router.post(
    "/sources/{source_id:int}/sync/release",
    status_code=202,
    response_model=JobRead,
    operation_id="sources-sync-release",
    responses=_DISABLED,
)
def release_sync(source_id: Id, session: SessionDep, principal: Admin) -> JobRead:
    """Run the held sync once, a full sync in a job, allowing the deletions and disables it
    was held for. People the source lost since the hold count against the deletion
    threshold as in any sync: up to the threshold of them go too, more hold it again. The
    audit trail records the release (`source.sync_released`) with the held list."""
    source = service.get_source(session, source_id)
    service.check_can_release(source)
    service.record_release(session, source)
    job = start_job(
        session,
        JobKind.source_sync,
        {"source_id": source_id, "full": True, "release": True},
        created_by=principal.label,
    )
    return job_read(job)
