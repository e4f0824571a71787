"""HTTP routes of an app's delta cycles: run one now, import and match, read where they stand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from app.api.deps import Reader, SessionDep, Writer
from app.api.ids import Id
from app.api.routing import ProblemRoute, problem
from app.apps import service as apps_service
from app.jobs.kinds import JobKind
from app.jobs.schemas import JobRead, job_read
from app.jobs.service import start_job
from app.sync import service
from app.sync.schemas import AppSyncRead, SyncRequest

router = APIRouter(route_class=ProblemRoute, tags=["sync"])

_NOT_CONNECTED: dict[int | str, dict[str, Any]] = {
    409: problem(409, "The app is not authenticated or has no credentials: nothing to read"),
}


@router.get("/apps/{app_id:int}/sync", response_model=AppSyncRead, operation_id="sync-get")
def get_sync(app_id: Id, session: SessionDep, _: Reader) -> AppSyncRead:
    """The app's cycles: state (idle, running, quarantined and why), the last cycle's figures,
    when the next incremental and the next full cycle are due."""
    apps_service.get_app(session, app_id)
    return service.sync_read(session, app_id)


@router.post(
    "/apps/{app_id:int}/sync",
    status_code=202,
    response_model=JobRead,
    operation_id="sync-run",
    responses=_NOT_CONNECTED,
)
def run_sync(
    app_id: Id,
    session: SessionDep,
    principal: Writer,
    data: Annotated[SyncRequest | None, Body()] = None,
) -> JobRead:
    """Run a cycle now, in a job with progress (pages read). It runs even when the app is
    quarantined, and its result says what happened; a cycle already running elsewhere is not
    doubled (the job says so). Without a body: an incremental cycle."""
    full = data.full if data is not None else False
    service.check_can_sync(apps_service.get_app(session, app_id))
    job = start_job(
        session, JobKind.sync_run, {"app_id": app_id, "full": full}, created_by=principal.label
    )
    return job_read(job)


@router.post(
    "/apps/{app_id:int}/import",
    status_code=202,
    response_model=JobRead,
    operation_id="sync-import",
    responses=_NOT_CONNECTED,
)
def import_accounts(app_id: Id, session: SessionDep, principal: Writer) -> JobRead:
    """Read every tenant user into the snapshot and match each to a directory user (by the
    app's match order), in a job; `GET /apps/{id}/sync` shows what was matched."""
    service.check_can_sync(apps_service.get_app(session, app_id))
    job = start_job(session, JobKind.sync_import, {"app_id": app_id}, created_by=principal.label)
    return job_read(job)
