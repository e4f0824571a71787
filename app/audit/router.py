"""HTTP routes of the audit trail (filters, cursor pages, or a CSV export) and of the
provisioning log (all tasks, or one user's, or one app's)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import Reader, SessionDep
from app.api.ids import Id
from app.api.routing import ProblemRoute
from app.api.timestamps import Timestamp
from app.apps.service import require_app
from app.audit import activity, provisioning_log, repository
from app.audit.schemas import (
    ActorRead,
    AppActivity,
    AppGraphCall,
    AuditEntryRead,
    ObjectRead,
    ObjectType,
    ProvisioningLogEntry,
)
from app.audit.service import CSV_COLUMNS
from app.models import AuditEntry, Event, Task, TaskStatus
from app.pagination import Page, PageParams, paginate
from app.provisioning import repository as tasks_repo

# The audit trail (what people changed) and the provisioning log (what the engine did).
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


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# injection"); names and values here come from API callers, so such a cell is quoted with `'`.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(rows: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in rows:
        values = {c: getattr(e, c) for c in CSV_COLUMNS}
        for key in ("before", "after"):
            values[key] = (
                ""
                if values[key] is None
                else json.dumps(values[key], sort_keys=True, ensure_ascii=False)
            )
        values["created_at"] = e.created_at.isoformat()
        writer.writerow([_cell("" if values[c] is None else values[c]) for c in CSV_COLUMNS])
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
    actor_id: Id | None = Query(None, description="The actor's token id"),
    object_type: ObjectType | None = Query(None),
    object_ref: str | None = Query(
        None,
        alias="object",
        max_length=64,
        description="The object's id (a number, or a SCIM group's id); use with `object_type`",
    ),
    action: list[str] | None = Query(None, description="e.g. `app.policy_changed`"),
    since: Timestamp | None = Query(None, description="At or after"),
    until: Timestamp | None = Query(None, description="Before"),
    request_id: str | None = Query(
        None,
        alias="request",
        max_length=128,
        description="The request that made the changes: an `X-Request-ID`, or the id a CLI "
        "command or a job ran under (the `correlation_id` of the tasks it planned)",
    ),
    format: Literal["json", "csv"] | None = Query(
        None, description="`csv` exports every matching entry (as does `Accept: text/csv`)"
    ),
) -> Page[AuditEntryRead] | Response:
    """Every change to apps (credentials and policy included), approvals, mappings, rules,
    roles, users, groups, tokens and webhooks: who, when, what, and the changed fields before
    and after. Oldest first, in cursor pages; as CSV, every matching entry in one file."""
    f = repository.AuditFilter(
        actor, actor_id, object_type, object_ref, tuple(action or ()), since, until, request_id
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


# --- the provisioning log -------------------------------------------------------------------


def _log(
    session: SessionDep,
    page: PageParams,
    f: tasks_repo.TaskFilter,
) -> Page[ProvisioningLogEntry]:
    rows, cursor, url = paginate(session, tasks_repo.task_query(f), Task.id, page)
    return Page(items=provisioning_log.entries(session, rows), next_cursor=cursor, next=url)


@router.get(
    "/provisioning/log",
    response_model=Page[ProvisioningLogEntry],
    operation_id="provisioning-log",
)
def provisioning_log_list(
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    app_id: Id | None = None,
    user_id: Id | None = None,
    status: list[TaskStatus] | None = Query(None),
    since: Timestamp | None = Query(None, description="Created at or after"),
    until: Timestamp | None = Query(None, description="Created before"),
    correlation_id: str | None = Query(
        None,
        alias="correlation",
        max_length=64,
        description="Only the tasks planned by one request, job or CLI command (the audit "
        "trail's `request_id` of the changes that caused them)",
    ),
) -> Page[ProvisioningLogEntry]:
    """Each task and each of its steps in words, with names: the Graph request that carried
    each step, Graph's answer and request id, the engine's events, and why the assignment
    wants it ("rule 'Josh' granted Office 365 E3"). Oldest first, in cursor pages."""
    f = tasks_repo.TaskFilter(
        app_id=app_id,
        user_id=user_id,
        statuses=tuple(status or ()),
        since=since,
        until=until,
        correlation_id=correlation_id,
    )
    return _log(session, page, f)


@router.get(
    "/users/{user_id:int}/provisioning/log",
    response_model=Page[ProvisioningLogEntry],
    operation_id="users-provisioning-log",
)
def user_provisioning_log(
    user_id: Id, session: SessionDep, _: Reader, page: PageParams = Depends()
) -> Page[ProvisioningLogEntry]:
    """The provisioning log of one user (kept after the user is deleted)."""
    return _log(session, page, tasks_repo.TaskFilter(user_id=user_id))


@router.get(
    "/apps/{app_id:int}/provisioning/log",
    response_model=Page[ProvisioningLogEntry],
    operation_id="apps-provisioning-log",
)
def app_provisioning_log(
    app_id: Id, session: SessionDep, _: Reader, page: PageParams = Depends()
) -> Page[ProvisioningLogEntry]:
    """The provisioning log of one app."""
    require_app(session, app_id)
    return _log(session, page, tasks_repo.TaskFilter(app_id=app_id))


# --- an app's own Graph activity ------------------------------------------------------------


def _activity_read(e: Event) -> AppActivity:
    assert e.id is not None
    data = e.data or {}
    return AppActivity(
        id=e.id,
        operation=str(data.get("operation")),
        outcome="failed" if data.get("outcome") == "failed" else "succeeded",
        error=data.get("error"),
        request_id=data.get("request_id"),
        created_at=e.created_at,
        calls=[AppGraphCall.model_validate(c) for c in data.get("calls") or []],
    )


@router.get(
    "/apps/{app_id:int}/activity",
    response_model=Page[AppActivity],
    operation_id="apps-activity",
)
def app_activity(
    app_id: Id, session: SessionDep, _: Reader, page: PageParams = Depends()
) -> Page[AppActivity]:
    """What the app asked Graph for itself, outside any task: each domain verification,
    entitlements refresh and preflight, whether it succeeded, and every Graph call it made
    (method, path, status, code, request id, duration). Oldest first, in cursor pages."""
    require_app(session, app_id)
    stmt = repository.app_activity_query(app_id, activity.KIND)
    rows, cursor, url = paginate(session, stmt, Event.id, page)
    return Page(items=[_activity_read(e) for e in rows], next_cursor=cursor, next=url)
