"""Queries of source syncs: the source row's lease and schedule, the people a source owns,
its stored groups."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlmodel import Session, col

from app.db import any_of
from app.models import Source, SourceGroup, SourceStatus, User, utcnow

# The columns a sync compares and writes, read for every person the source owns.
OWNED_COLUMNS = (
    "id",
    "source_anchor",
    "username",
    "email",
    "firstname",
    "lastname",
    "display_name",
    "distinguished_name",
    "department",
    "title",
    "company",
    "phone",
    "country",
    "status",
    "member_of",
    "custom_attributes",
)


def get(session: Session, source_id: int) -> Source | None:
    return session.get(Source, source_id)


def find(session: Session, ref: str) -> Source | None:
    """A source by id or by name."""
    if ref.isdigit():
        found = session.get(Source, int(ref))
        if found is not None:
            return found
    return session.execute(select(Source).where(col(Source.name) == ref)).scalars().first()


def _free(now: datetime, *, scheduled: bool) -> Any:
    """A source no sync holds: not running, or running under a lease that ran out (its worker
    died). A scheduled sync also leaves a held source alone: it waits for an admin."""
    not_running = or_(
        col(Source.status) != SourceStatus.running,
        col(Source.lease_until).is_(None),
        col(Source.lease_until) < now,
    )
    if scheduled:
        return and_(not_running, col(Source.status) != SourceStatus.held)
    return not_running


def take_lease(session: Session, source_id: int, lease_s: int, *, scheduled: bool) -> bool:
    """One atomic UPDATE: whoever's UPDATE touches the row runs the sync; every other worker's
    touches nothing."""
    now = utcnow()
    result = session.execute(
        update(Source)
        .where(col(Source.id) == source_id, col(Source.enabled), _free(now, scheduled=scheduled))
        .values(status=SourceStatus.running, lease_until=now + timedelta(seconds=lease_s))
        .returning(col(Source.id))
    )
    return result.first() is not None


def extend_lease(session: Session, source_id: int, lease_s: int) -> None:
    session.execute(
        update(Source)
        .where(col(Source.id) == source_id, col(Source.status) == SourceStatus.running)
        .values(lease_until=utcnow() + timedelta(seconds=lease_s))
    )


def due_source_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    query = (
        select(col(Source.id))
        .where(col(Source.enabled), _free(now, scheduled=True))
        .where(or_(col(Source.next_sync_at).is_(None), col(Source.next_sync_at) <= now))
        .order_by(col(Source.id))
        .limit(limit)
    )
    return [int(i) for i in session.execute(query).scalars()]


def owned_users(
    session: Session, source_id: int, anchors: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """The live people the source owns (only those with these anchors, when given), as plain
    values (no ORM objects: 100,000 of them would cost more to build than to compare)."""
    cols = [getattr(User, c) for c in OWNED_COLUMNS]
    stmt = select(*cols).where(col(User.source_id) == source_id, col(User.deleted_at).is_(None))
    if anchors is None:
        return [dict(zip(OWNED_COLUMNS, row, strict=True)) for row in session.execute(stmt)]
    ordered = sorted(anchors)
    out: list[dict[str, Any]] = []
    for start in range(0, len(ordered), 5000):
        part = stmt.where(any_of(session, col(User.source_anchor), ordered[start : start + 5000]))
        out.extend(dict(zip(OWNED_COLUMNS, row, strict=True)) for row in session.execute(part))
    return out


def owned_dns(session: Session, source_id: int) -> list[tuple[str, str | None]]:
    """(anchor, distinguished name) of every live person the source owns."""
    stmt = select(col(User.source_anchor), col(User.distinguished_name)).where(
        col(User.source_id) == source_id, col(User.deleted_at).is_(None)
    )
    return [(str(a), d) for a, d in session.execute(stmt)]


def count_owned(session: Session, source_id: int) -> int:
    stmt = select(func.count()).where(
        col(User.source_id) == source_id, col(User.deleted_at).is_(None)
    )
    return int(session.execute(stmt).scalar_one())


def users_by_keys(
    session: Session, usernames: Iterable[str], emails: Iterable[str]
) -> list[tuple[int, str, str, int | None]]:
    """Live users holding any of these lowercased usernames or emails: (id, username_lower,
    email_lower, source_id). In chunks: a first sync of 100,000 people would otherwise be one
    statement with more parameters than Postgres takes (65,535)."""
    names, mails = sorted(set(usernames)), sorted(set(emails))
    out: list[tuple[int, str, str, int | None]] = []
    chunk = 10_000
    for start in range(0, max(len(names), len(mails)), chunk):
        part_names, part_mails = names[start : start + chunk], mails[start : start + chunk]
        stmt = select(
            col(User.id), col(User.username_lower), col(User.email_lower), col(User.source_id)
        ).where(
            col(User.deleted_at).is_(None),
            or_(
                any_of(session, col(User.username_lower), part_names),
                any_of(session, col(User.email_lower), part_mails),
            ),
        )
        out.extend((int(i), n, m, s) for i, n, m, s in session.execute(stmt))
    return out


def lock_users(session: Session, ids: Sequence[int]) -> dict[int, User]:
    rows = session.execute(
        select(User).where(col(User.id).in_(list(ids))).order_by(col(User.id)).with_for_update()
    ).scalars()
    return {u.id: u for u in rows if u.id is not None}


def groups(session: Session, source_id: int) -> list[SourceGroup]:
    return list(
        session.execute(select(SourceGroup).where(col(SourceGroup.source_id) == source_id))
        .scalars()
        .all()
    )


def delete_groups(session: Session, source_id: int, anchors: Iterable[str] | None) -> None:
    stmt = delete(SourceGroup).where(col(SourceGroup.source_id) == source_id)
    if anchors is not None:
        stmt = stmt.where(col(SourceGroup.anchor).in_(sorted(set(anchors))))
    session.execute(stmt)


def insert_groups(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(SourceGroup), list(rows))
