"""Every query of SCIM: users and groups as SCIM sees them, and group membership.

A SCIM group's members are the users whose `member_of` holds the group's name. Postgres answers
that with JSONB containment; SQLite (the embedded default) with `json_each`: the one
dialect-specific piece of SCIM. Functions take the caller's session and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Text, and_, cast, exists, func, literal, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from app.models import ScimGroup, User


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def member_of_contains(name: Any, postgres: bool) -> ColumnElement[bool]:
    """Condition on `directory_user` rows: `member_of` holds `name` (exactly)."""
    if postgres:
        contains = col(User.member_of).op("@>", is_comparison=True)
        return contains(func.jsonb_build_array(cast(name, Text)))
    values = func.json_each(User.member_of).table_valued("value")
    return select(literal(1)).select_from(values).where(values.c.value == name).exists()


def live_users() -> ColumnElement[bool]:
    # A deleted user keeps its row until its deprovisioning finishes; SCIM no longer sees it.
    return col(User.deleted_at).is_(None)


def has_member(user_id: int, postgres: bool) -> ColumnElement[bool]:
    """Condition on `scim_group` rows: the user is a member."""
    return exists(
        select(col(User.id)).where(
            col(User.id) == user_id,
            live_users(),
            member_of_contains(ScimGroup.display_name, postgres),
        )
    )


def members_by_group(session: Session, group_ids: Sequence[str]) -> dict[str, list[int]]:
    """User ids of each group's members, in id order."""
    out: dict[str, list[int]] = {gid: [] for gid in group_ids}
    if not group_ids:
        return out
    rows = session.execute(
        select(col(ScimGroup.id), col(User.id))
        .join(User, member_of_contains(ScimGroup.display_name, is_postgres(session)))
        .where(col(ScimGroup.id).in_(list(group_ids)), live_users())
        .order_by(col(User.id))
    ).all()
    for gid, uid in rows:
        out[gid].append(uid)
    return out


def users_in_group(session: Session, name: str) -> list[User]:
    stmt = (
        select(User)
        .where(member_of_contains(name, is_postgres(session)), live_users())
        .order_by(col(User.id))
    )
    return list(session.scalars(stmt).all())


def get_user(session: Session, user_id: int, *, lock: bool = False) -> User | None:
    """The user row (deleted ones included); `lock` holds it until the transaction ends and
    reloads it, so a change is made to what the last transaction committed."""
    return session.get(User, user_id, with_for_update=lock or None, populate_existing=lock)


def live_users_by_id(session: Session, user_ids: Iterable[int]) -> list[User]:
    """Those of these users that exist and are not deleted."""
    wanted = list(user_ids)
    if not wanted:
        return []
    stmt = select(User).where(col(User.id).in_(wanted), live_users())
    return list(session.scalars(stmt).all())


def get_group(session: Session, group_id: str, *, lock: bool = False) -> ScimGroup | None:
    """The group row; `lock` holds it until the transaction ends."""
    return session.get(ScimGroup, group_id, with_for_update=lock)


def groups_named(session: Session, names: Iterable[str]) -> dict[str, ScimGroup]:
    """The groups with these display names (exact), by name."""
    wanted = list(set(names))
    if not wanted:
        return {}
    stmt = select(ScimGroup).where(col(ScimGroup.display_name).in_(wanted))
    return {g.display_name: g for g in session.scalars(stmt).all()}


def group_name_taken(session: Session, name: str, exclude: str | None) -> bool:
    """Whether a group other than `exclude` has this display name (case-insensitive)."""
    stmt = select(col(ScimGroup.id)).where(col(ScimGroup.display_name_lower) == name.lower())
    if exclude is not None:
        stmt = stmt.where(col(ScimGroup.id) != exclude)
    return session.execute(stmt).first() is not None


def search_users(
    session: Session, where: ColumnElement[bool] | None, offset: int, limit: int
) -> tuple[int, list[User]]:
    """How many live users match `where`, and `limit` of them from `offset`, in id order."""
    condition = live_users() if where is None else and_(live_users(), where)
    return _search(session, User, condition, [col(User.id)], offset, limit)


def search_groups(
    session: Session, where: ColumnElement[bool] | None, offset: int, limit: int
) -> tuple[int, list[ScimGroup]]:
    """How many groups match `where`, and `limit` of them from `offset`, oldest first."""
    order = [col(ScimGroup.created_at), col(ScimGroup.id)]
    return _search(session, ScimGroup, where, order, offset, limit)


def _search(
    session: Session,
    model: Any,
    where: ColumnElement[bool] | None,
    order: list[Any],
    offset: int,
    limit: int,
) -> tuple[int, list[Any]]:
    count = select(func.count()).select_from(model)
    stmt = select(model)
    if where is not None:
        count, stmt = count.where(where), stmt.where(where)
    total = session.execute(count).scalar_one()
    rows: list[Any] = []
    if limit:  # a count of 0 asks for the total only
        rows = list(session.scalars(stmt.order_by(*order).offset(offset).limit(limit)).all())
    return int(total), rows
