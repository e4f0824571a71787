"""Every query of the drift domain: the assignments a cycle compares, the snapshot rows they
are compared with, and drift items. Functions take the caller's session and never commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from app.models import (
    AppSync,
    Assignment,
    AssignmentTarget,
    DriftItem,
    DriftStatus,
    RuleRow,
    TenantAccount,
    TenantGroupMember,
    User,
)


def managed_assignments(
    session: Session, app_id: int, object_ids: Collection[str] | None, after_id: int, limit: int
) -> list[tuple[Assignment, str]]:
    """The next `limit` assignments (by id, after `after_id`) that hold a tenant object id we
    manage, with their user's name; only those of `object_ids` when given."""
    stmt = (
        select(Assignment, col(User.username))
        .join(User, col(User.id) == col(Assignment.user_id))
        .where(
            col(Assignment.app_id) == app_id,
            col(Assignment.tenant_object_id).is_not(None),
            col(Assignment.target) != AssignmentTarget.unmanaged,
            col(Assignment.id) > after_id,
        )
        .order_by(col(Assignment.id))
        .limit(limit)
    )
    if object_ids is not None:
        stmt = stmt.where(col(Assignment.tenant_object_id).in_(list(object_ids)))
    return [(a, name) for a, name in session.execute(stmt).all()]


def accounts(session: Session, app_id: int, object_ids: Sequence[str]) -> dict[str, TenantAccount]:
    rows = session.execute(
        select(TenantAccount).where(
            col(TenantAccount.app_id) == app_id, col(TenantAccount.object_id).in_(list(object_ids))
        )
    ).scalars()
    return {r.object_id: r for r in rows}


def memberships(session: Session, app_id: int, object_ids: Sequence[str]) -> dict[str, set[str]]:
    """member id -> the groups (lower case) the snapshot has it in."""
    rows = session.execute(
        select(col(TenantGroupMember.member_id), col(TenantGroupMember.group_id)).where(
            col(TenantGroupMember.app_id) == app_id,
            col(TenantGroupMember.member_id).in_(list(object_ids)),
        )
    ).all()
    out: dict[str, set[str]] = {}
    for member_id, group_id in rows:
        out.setdefault(member_id, set()).add(group_id.lower())
    return out


def tracked_groups(session: Session, app_id: int) -> frozenset[str]:
    """The groups whose members the snapshot holds: those the groups round was started for,
    else (no round recorded) those it holds any member of. A group outside them is not
    compared: its members are not known, and "not a member" would be a guess."""
    sync = session.get(AppSync, app_id)
    if sync is not None and sync.groups_delta_ids is not None:
        return frozenset(g.lower() for g in sync.groups_delta_ids)
    rows = session.execute(
        select(col(TenantGroupMember.group_id))
        .where(col(TenantGroupMember.app_id) == app_id)
        .distinct()
    ).scalars()
    return frozenset(g.lower() for g in rows)


def rule_actions(session: Session, app_id: int) -> list[list[dict[str, Any]]]:
    rows = session.execute(
        select(col(RuleRow.actions)).where(col(RuleRow.app_id) == app_id, col(RuleRow.enabled))
    ).scalars()
    return [list(r or []) for r in rows]


def open_items(session: Session, assignment_ids: Sequence[int]) -> list[DriftItem]:
    return list(
        session.execute(
            select(DriftItem).where(
                col(DriftItem.assignment_id).in_(list(assignment_ids)),
                col(DriftItem.status) == DriftStatus.open,
            )
        ).scalars()
    )


def open_item_objects(session: Session, app_id: int, kinds: Sequence[str]) -> set[str]:
    """The tenant object ids of the app's open drift items of these kinds."""
    if not kinds:
        return set()
    return set(
        session.execute(
            select(col(DriftItem.object_id)).where(
                col(DriftItem.app_id) == app_id,
                col(DriftItem.status) == DriftStatus.open,
                col(DriftItem.kind).in_(list(kinds)),
            )
        ).scalars()
    )


def open_items_outside(
    session: Session, app_id: int, assignment_ids: Collection[int]
) -> list[DriftItem]:
    """Open items of the app whose assignment a full round did not compare (no longer
    managed, or without a tenant object id)."""
    stmt = select(DriftItem).where(
        col(DriftItem.app_id) == app_id, col(DriftItem.status) == DriftStatus.open
    )
    return [i for i in session.execute(stmt).scalars() if i.assignment_id not in assignment_ids]


def open_counts(session: Session, app_id: int) -> dict[str, int]:
    rows = session.execute(
        select(col(DriftItem.kind), func.count())
        .where(col(DriftItem.app_id) == app_id, col(DriftItem.status) == DriftStatus.open)
        .group_by(col(DriftItem.kind))
    ).all()
    return {kind: int(n) for kind, n in rows}


@dataclass(frozen=True)
class DriftFilter:
    kind: str | None = None
    user_id: int | None = None


def open_query(app_id: int, f: DriftFilter) -> Select[DriftItem]:
    stmt = select(DriftItem).where(
        col(DriftItem.app_id) == app_id, col(DriftItem.status) == DriftStatus.open
    )
    if f.kind is not None:
        stmt = stmt.where(col(DriftItem.kind) == f.kind)
    if f.user_id is not None:
        stmt = stmt.where(col(DriftItem.user_id) == f.user_id)
    return stmt


def user_names(session: Session, user_ids: Collection[int]) -> dict[int, str]:
    rows = session.execute(
        select(col(User.id), col(User.username)).where(col(User.id).in_(list(user_ids)))
    ).all()
    return {uid: name for uid, name in rows}
