"""Queries of the directory: users, groups and roles, and users loaded as `UserFacts` in bulk
(the plain data the evaluation package works on).

Reads only the columns evaluation needs, with Core selects rather than ORM objects, because
reapplying mappings walks every user and ORM identity-map overhead would dominate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal, select
from sqlmodel import Session, col

from app.evaluation.facts import USER_FIELDS, UserFacts
from app.evaluation.mappings import effective_facts, stored_outcome
from app.models import App, User, UserRole


def has_mapped_role(role_id: int) -> Any:
    """SQL condition: a mapping granted this role to the user."""
    return col(User.mapped_roles)[str(role_id)].as_integer().is_not(None)


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
        select(col(UserRole.user_id), col(UserRole.role_id)).where(
            col(UserRole.user_id).in_(ids),
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
        select(*_COLUMNS).where(col(User.id).in_(list(user_ids))).order_by(col(User.id))
    ).all()
    roles = _manual_roles(session, [r[0] for r in rows])
    return [(_to_facts(r, roles), r[-1]) for r in rows]


@dataclass(frozen=True)
class Needs:
    """Which parts of a user an evaluation reads; a bulk pass loads only those."""

    fields: frozenset[str]
    custom_keys: frozenset[str]
    member_of: bool


def needs_for(text_keys: Iterable[tuple[str, str | None]], member_of: bool) -> Needs:
    fields = {source for source, custom in text_keys if custom is None}
    custom = {custom for _, custom in text_keys if custom is not None}
    return Needs(frozenset(fields), frozenset(custom), member_of)


def iter_fact_chunks(
    session: Session, chunk: int = 5000, needs: Needs | None = None
) -> Iterator[list[tuple[UserFacts, str | None]]]:
    """Every user, in id order, a chunk at a time (keyset paging keeps each query cheap).

    With `needs`, only the referenced columns are read and, on Postgres, only the referenced
    custom attributes are extracted server-side: decoding every user's JSON documents costs
    more than evaluating all mappings.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    if needs is None or not postgres:
        field_names: tuple[str, ...] = USER_FIELDS
        columns: list[Any] = [User.id, *_FIELD_COLUMNS, User.member_of, User.custom_attributes]
        custom_keys: tuple[str, ...] = ()
        with_members = True
    else:
        field_names = tuple(f for f in USER_FIELDS if f in needs.fields)
        custom_keys = tuple(sorted(needs.custom_keys))
        with_members = needs.member_of
        columns = [User.id, *(getattr(User, f) for f in field_names)]
        columns.append(User.member_of if with_members else literal(None))
        columns.extend(User.custom_attributes.op("->>")(k) for k in custom_keys)  # type: ignore[attr-defined]
    columns += [User.group_id, User.mapping_fingerprint]
    n = len(field_names)
    after = 0
    while True:
        rows = _fetch(
            session,
            select(*columns).where(col(User.id) > after).order_by(col(User.id)).limit(chunk),
        )
        if not rows:
            return
        lo, hi = rows[0][0], rows[-1][0]
        roles: dict[int, set[int]] = {}
        for user_id, role_id in _fetch(
            session,
            select(col(UserRole.user_id), col(UserRole.role_id)).where(
                col(UserRole.user_id) >= lo,
                col(UserRole.user_id) <= hi,
            ),
        ):
            roles.setdefault(user_id, set()).add(role_id)
        out = []
        empty: frozenset[int] = frozenset()
        for r in rows:
            if custom_keys:
                values = r[2 + n : 2 + n + len(custom_keys)]
                custom = {k: v for k, v in zip(custom_keys, values, strict=True) if v is not None}
            elif needs is None or not postgres:
                custom = r[2 + n] or {}
            else:
                custom = {}
            role_set = roles.get(r[0])
            facts = UserFacts(
                id=r[0],
                fields=dict(zip(field_names, r[1 : 1 + n], strict=True)),
                member_of=tuple(r[1 + n] or ()),
                custom_attributes=custom,
                role_ids=frozenset(role_set) if role_set else empty,
                group_id=r[-2],
            )
            out.append((facts, r[-1]))
        yield out
        after = hi


def _fetch(session: Session, stmt: Any) -> list[Any]:
    """All rows of `stmt` as plain tuples. On Postgres this goes straight to the driver's
    cursor: for a pass over every user, SQLAlchemy's per-row Result machinery costs more
    than the query itself."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return list(session.execute(stmt).all())
    compiled = stmt.compile(dialect=conn.dialect)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), compiled.params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def count_users(session: Session) -> int:
    from sqlalchemy import func

    return int(session.execute(select(func.count()).select_from(User)).scalar_one())


CHUNK = 5000
"""Ids per round trip: keeps each IN list (and its bind parameters) a sensible size."""


def effective_user_facts(session: Session, user_ids: Sequence[int]) -> list[UserFacts]:
    """Effective facts of these users, in id order; unknown ids are left out.

    The stored mapping outcome (`mapped_roles`, `mapped_group_id`, `mapped_attributes`) is what
    the last mapping evaluation produced, so reading it is the same as re-running mappings and
    much cheaper. The merge is `app.evaluation.mappings.effective_facts`, the one definition
    of "effective" (roles = manual + granted, mapped group first, mapped attributes overlaid).
    Three queries per chunk of `CHUNK` users, whatever the number of users.
    """
    ids = sorted(set(user_ids))
    out: list[UserFacts] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        own = load_facts(session, chunk)
        stmt = select(
            col(User.id),
            col(User.mapped_roles),
            col(User.mapped_group_id),
            col(User.mapped_attributes),
        ).where(col(User.id).in_(chunk))
        mapped = {row[0]: row[1:] for row in session.execute(stmt).all()}
        for facts, _ in own:
            row = mapped.get(facts.id)
            # A user deleted between the two reads has no outcome: their own state stands.
            out.append(facts if row is None else effective_facts(facts, stored_outcome(*row)))
    return out


def role_holders(session: Session, role_id: int) -> list[int]:
    """Users holding this role, by hand or through a mapping, in id order."""
    holders = set(
        session.execute(
            select(col(UserRole.user_id)).where(col(UserRole.role_id) == role_id)
        ).scalars()
    )
    holders.update(session.execute(select(col(User.id)).where(has_mapped_role(role_id))).scalars())
    return sorted(holders)


def existing_app_ids(session: Session, app_ids: Sequence[int]) -> set[int]:
    return set(session.execute(select(col(App.id)).where(col(App.id).in_(list(app_ids)))).scalars())
