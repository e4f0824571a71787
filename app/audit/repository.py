"""Queries of the audit trail."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, select

from app.models import AuditEntry


def add(session: Session, entry: AuditEntry) -> None:
    session.add(entry)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    actor_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    actions: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None


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
