"""Every query of the sources domain. Functions take the caller's session and never commit
(the edge owns the transaction)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, select, update
from sqlmodel import Session, col

from app.api.ids import parse_id
from app.models import Source, User, utcnow


def get(session: Session, source_id: int) -> Source | None:
    return session.get(Source, source_id)


def get_for_update(session: Session, source_id: int) -> Source | None:
    """The source, its row locked until the transaction ends: concurrent PATCHes merge into
    the row the previous one committed."""
    stmt = select(Source).where(col(Source.id) == source_id).with_for_update()
    return session.execute(stmt.execution_options(populate_existing=True)).scalars().first()


def by_name_or_id(session: Session, ref: str) -> Source | None:
    """A source by id, or by name (case-insensitive): a shell names sources by name."""
    if (key := parse_id(ref)) is not None and (found := get(session, key)) is not None:
        return found
    stmt = select(Source).where(func.lower(Source.name) == ref.strip().lower())
    return session.execute(stmt).scalars().first()


def query() -> Select[tuple[Source]]:
    """Every source, for the paginated list."""
    return select(Source)


def list_all(session: Session) -> list[Source]:
    return list(session.execute(query().order_by(col(Source.id))).scalars())


def name_taken(session: Session, name: str, exclude: int | None) -> bool:
    stmt = select(col(Source.id)).where(func.lower(Source.name) == name.lower())
    if exclude is not None:
        stmt = stmt.where(col(Source.id) != exclude)
    return session.execute(stmt).first() is not None


def user_counts(session: Session, source_ids: Iterable[int]) -> dict[int, int]:
    """How many live people each source owns."""
    ids = list(source_ids)
    if not ids:
        return {}
    stmt = (
        select(col(User.source_id), func.count())
        .where(col(User.source_id).in_(ids), col(User.deleted_at).is_(None))
        .group_by(col(User.source_id))
    )
    return {int(sid): int(n) for sid, n in session.execute(stmt).all()}


def names(session: Session, source_ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(source_ids))
    if not ids:
        return {}
    stmt = select(col(Source.id), col(Source.name)).where(col(Source.id).in_(ids))
    return {int(i): str(n) for i, n in session.execute(stmt).all()}


def release_users(session: Session, source_id: int) -> int:
    """Hand the source's people over to the API: they keep every value and lose the owner.
    Returns how many (deleted people included: their rows no longer name a gone source)."""
    result = session.execute(
        update(User)
        .where(col(User.source_id) == source_id)
        .values(source_id=None, source_anchor=None, updated_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
