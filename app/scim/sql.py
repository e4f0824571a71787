"""`member_of` containment in SQL, the one dialect-specific piece of SCIM group membership.

A SCIM group's members are the users whose `member_of` holds the group's name. Postgres answers
that with JSONB containment; SQLite (the embedded default) with `json_each`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, cast, exists, func, literal, select
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
