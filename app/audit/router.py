"""HTTP route of the audit trail: list with filters and cursor pages, or export as CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import Reader, SessionDep
from app.api.routing import ProblemRoute
from app.api.timestamps import Timestamp
from app.audit import repository
from app.audit.schemas import ActorRead, AuditEntryRead, ObjectRead, ObjectType
from app.audit.service import CSV_COLUMNS
from app.models import AuditEntry
from app.pagination import Page, PageParams, paginate

router = APIRouter(route_class=ProblemRoute, tags=["audit"])

_CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}


def entry_read(e: AuditEntry) -> AuditEntryRead:
    assert e.id is not None
    return AuditEntryRead(
        id=e.id,
        created_at=e.created_at,
        actor=ActorRead(type=e.actor_type, id=e.actor_id, name=e.actor_name),
        object=ObjectRead(type=e.object_type, id=e.object_id, name=e.object_name),
        action=e.action,
        before=e.before,
        after=e.after,
        request_id=e.request_id,
    )


def _csv(rows: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in rows:
        values = {c: getattr(e, c) for c in CSV_COLUMNS}
        for key in ("before", "after"):
            values[key] = "" if values[key] is None else json.dumps(values[key], sort_keys=True)
        values["created_at"] = e.created_at.isoformat()
        writer.writerow(["" if values[c] is None else values[c] for c in CSV_COLUMNS])
    return out.getvalue()


@router.get(
    "/audit",
    response_model=Page[AuditEntryRead],
    operation_id="audit-list",
    responses=_CSV,  # type: ignore[arg-type]
)
def list_audit(
    request: Request,
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    actor: str | None = Query(None, max_length=200, description="The actor's name"),
    actor_id: int | None = Query(None, ge=1, description="The actor's token id"),
    object_type: ObjectType | None = Query(None),
    object_id: str | None = Query(None, max_length=64),
    action: list[str] | None = Query(None, description="e.g. `app.policy_changed`"),
    since: Timestamp | None = Query(None, description="At or after"),
    until: Timestamp | None = Query(None, description="Before"),
    format: Literal["json", "csv"] | None = Query(
        None, description="`csv` exports every matching entry (as does `Accept: text/csv`)"
    ),
) -> Page[AuditEntryRead] | Response:
    """Every change to apps (credentials and policy included), approvals, mappings, rules,
    roles, users, groups and tokens: who, when, what, and the changed fields before and
    after. Oldest first, in cursor pages; as CSV, every matching entry in one file."""
    f = repository.AuditFilter(
        actor, actor_id, object_type, object_id, tuple(action or ()), since, until
    )
    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    if wants_csv:
        body = _csv(repository.all_matching(session, f))
        return Response(
            body,
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    rows, cursor, url = paginate(session, repository.query(f), AuditEntry.id, page)
    return Page(items=[entry_read(e) for e in rows], next_cursor=cursor, next=url)
