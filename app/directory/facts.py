"""Loads users as `UserFacts` in bulk: the plain data the evaluation package works on.

Reads only the columns evaluation needs, with Core selects rather than ORM objects, because
reapplying mappings walks every user and ORM identity-map overhead would dominate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.evaluation.facts import USER_FIELDS, UserFacts
from app.models import User, UserRole

_FIELD_COLUMNS = [getattr(User, name) for name in USER_FIELDS]
_COLUMNS = [
    User.id,
    *_FIELD_COLUMNS,
    User.member_of,
    User.custom_attributes,
    User.group_id,
    User.mapping_fingerprint,
]


def _manual_roles(session: Session, ids: Sequence[int]) -> dict[int, set[int]]:
    roles: dict[int, set[int]] = {}
    if not ids:
        return roles
    rows = session.execute(
        select(UserRole.user_id, UserRole.role_id).where(
            UserRole.source == "manual",  # type: ignore[arg-type]
            UserRole.user_id.in_(ids),  # type: ignore[attr-defined]
        )
    )
    for user_id, role_id in rows:
        roles.setdefault(user_id, set()).add(role_id)
    return roles


def _to_facts(row: Any, roles: dict[int, set[int]]) -> UserFacts:
    n = len(USER_FIELDS)
    return UserFacts(
        id=row[0],
        fields=dict(zip(USER_FIELDS, row[1 : 1 + n], strict=True)),
        member_of=tuple(row[1 + n] or ()),
        custom_attributes=row[2 + n] or {},
        role_ids=frozenset(roles.get(row[0], ())),
        group_id=row[3 + n],
    )


def load_facts(session: Session, user_ids: Sequence[int]) -> list[tuple[UserFacts, str | None]]:
    """Facts for the given users with their stored mapping fingerprint, in id order."""
    if not user_ids:
        return []
    rows = session.execute(
        select(*_COLUMNS).where(User.id.in_(list(user_ids))).order_by(User.id)  # type: ignore[union-attr]
    ).all()
    roles = _manual_roles(session, [r[0] for r in rows])
    return [(_to_facts(r, roles), r[-1]) for r in rows]


def iter_fact_chunks(
    session: Session, chunk: int = 5000
) -> Iterator[list[tuple[UserFacts, str | None]]]:
    """Every user, in id order, a chunk at a time (keyset paging keeps each query cheap)."""
    after = 0
    while True:
        rows = session.execute(
            select(*_COLUMNS).where(User.id > after).order_by(User.id).limit(chunk)  # type: ignore[arg-type,operator]
        ).all()
        if not rows:
            return
        ids = [r[0] for r in rows]
        lo, hi = ids[0], ids[-1]
        roles: dict[int, set[int]] = {}
        for user_id, role_id in session.execute(
            select(UserRole.user_id, UserRole.role_id).where(
                UserRole.source == "manual",  # type: ignore[arg-type]
                UserRole.user_id >= lo,  # type: ignore[arg-type,operator]
                UserRole.user_id <= hi,  # type: ignore[arg-type,operator]
            )
        ):
            roles.setdefault(user_id, set()).add(role_id)
        yield [(_to_facts(r, roles), r[-1]) for r in rows]
        after = hi


def count_users(session: Session) -> int:
    from sqlalchemy import func

    return int(session.execute(select(func.count()).select_from(User)).scalar_one())
