"""Queries of the audit trail."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, select

from app.db import insert_rows
from app.models import App, Assignment, AuditEntry, Event, MappingRow, Role, RuleRow, User


def add(session: Session, entry: AuditEntry) -> None:
    session.add(entry)


def add_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert these entries as plain values (no ORM objects)."""
    insert_rows(session, AuditEntry, rows)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    actor_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    actions: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None
    request_id: str | None = None


def query(f: AuditFilter) -> Select[Any]:
    stmt: Select[Any] = select(AuditEntry)
    if f.actor is not None:
        stmt = stmt.where(col(AuditEntry.actor_name) == f.actor)
    if f.actor_id is not None:
        stmt = stmt.where(col(AuditEntry.actor_id) == f.actor_id)
    if f.object_type is not None:
        stmt = stmt.where(col(AuditEntry.object_type) == f.object_type)
    if f.object_id is not None:
        stmt = stmt.where(col(AuditEntry.object_id) == f.object_id)
    if f.actions:
        stmt = stmt.where(col(AuditEntry.action).in_(list(f.actions)))
    if f.since is not None:
        stmt = stmt.where(col(AuditEntry.created_at) >= f.since)
    if f.until is not None:
        stmt = stmt.where(col(AuditEntry.created_at) < f.until)
    if f.request_id is not None:
        stmt = stmt.where(col(AuditEntry.request_id) == f.request_id)
    return stmt


def all_matching(session: Session, f: AuditFilter, chunk: int = 1000) -> Iterator[AuditEntry]:
    """Every matching entry in id order, read `chunk` at a time (keyset), for an export."""
    after = 0
    while True:
        stmt = query(f).where(col(AuditEntry.id) > after).order_by(col(AuditEntry.id)).limit(chunk)
        rows = list(session.execute(stmt).scalars())
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1].id or after


# --- names, for explanations and the provisioning log ---------------------------------------


def _names(session: Session, model: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(col(model.id), col(model.name)).where(col(model.id).in_(sorted(ids)))
    return {int(i): str(n) for i, n in session.execute(stmt)}


def role_names(session: Session, ids: set[int]) -> dict[int, str]:
    return _names(session, Role, ids)


def mapping_names(session: Session, ids: set[int]) -> dict[int, str]:
    return _names(session, MappingRow, ids)


def rule_names(session: Session, ids: set[int]) -> dict[int, str]:
    return _names(session, RuleRow, ids)


def apps_by_id(session: Session, ids: set[int]) -> dict[int, App]:
    if not ids:
        return {}
    rows = session.execute(select(App).where(col(App.id).in_(sorted(ids)))).scalars()
    return {a.id: a for a in rows if a.id is not None}


def usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(col(User.id), col(User.username)).where(col(User.id).in_(sorted(ids)))
    return {int(i): str(n) for i, n in session.execute(stmt)}


def assignments_by_id(session: Session, ids: set[int]) -> dict[int, Assignment]:
    if not ids:
        return {}
    stmt = select(Assignment).where(col(Assignment.id).in_(sorted(ids)))
    return {a.id: a for a in session.execute(stmt).scalars() if a.id is not None}


def events_of_tasks(session: Session, task_ids: Sequence[int]) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = {}
    if not task_ids:
        return out
    stmt = select(Event).where(col(Event.task_id).in_(list(task_ids))).order_by(col(Event.id))
    for e in session.execute(stmt).scalars():
        if e.task_id is not None:
            out.setdefault(e.task_id, []).append(e)
    return out


def app_activity_query(app_id: int, kind: str) -> Select[Any]:
    """The app's events of `kind` (its own Graph activity), for a cursor page."""
    return select(Event).where(col(Event.app_id) == app_id, col(Event.kind) == kind)
