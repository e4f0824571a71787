"""HTTP routes of drift: what the tenant holds that differs from what we applied."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from app.api.deps import Reader, SessionDep
from app.api.ids import Id
from app.api.routing import ProblemRoute
from app.apps.service import require_app
from app.drift import repository as repo
from app.drift.schemas import DriftItemRead, DriftReport
from app.models import DriftItem, DriftKind
from app.pagination import PageParams, paginate

router = APIRouter(route_class=ProblemRoute, tags=["drift"])


@router.get("/apps/{app_id:int}/drift", response_model=DriftReport, operation_id="apps-drift")
def app_drift(
    app_id: Id,
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    kind: DriftKind | None = Query(None),
    user_id: Id | None = Query(None, description="Only this directory user's drift"),
) -> DriftReport:
    """The app's current drift, as the last delta cycles found it: open items per kind, and
    the items themselves (oldest first, in cursor pages), with the tenant's value beside the
    one we applied."""
    require_app(session, app_id)
    counts = repo.open_counts(session, app_id)
    f = repo.DriftFilter(kind=kind, user_id=user_id)
    rows, cursor, url = paginate(session, repo.open_query(app_id, f), DriftItem.id, page)
    names = repo.user_names(session, {r.user_id for r in rows})
    return DriftReport(
        counts={k: counts.get(k, 0) for k in DriftKind},
        total=sum(counts.values()),
        items=[_read(r, names.get(r.user_id)) for r in rows],
        next_cursor=cursor,
        next=url,
    )


def _read(item: DriftItem, user_name: str | None) -> DriftItemRead:
    assert item.id is not None
    return DriftItemRead(
        id=item.id,
        user_id=item.user_id,
        user_name=user_name,
        object_id=item.object_id,
        kind=DriftKind(item.kind),
        target=item.target,
        tenant_value=item.tenant_value,
        applied_value=item.applied_value,
        task_id=item.task_id,
        first_seen_at=item.first_seen_at,
        last_seen_at=item.last_seen_at,
    )
