"""Every query of per-app rules. Functions take the caller's session and never commit (the
edge owns the transaction). Apps are loaded through `app.apps`, not here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.models import RuleRow


def get_rule(session: Session, rule_id: int, *, lock: bool = False) -> RuleRow | None:
    """The row; `lock` loads it with `SELECT ... FOR UPDATE` (held until the transaction
    ends) so concurrent partial updates merge into the latest row one after the other."""
    return session.get(RuleRow, rule_id, with_for_update=lock or None, populate_existing=lock)


def list_rules(session: Session, app_id: int) -> list[RuleRow]:
    """The app's rules in evaluation order (position, then id)."""
    stmt = (
        select(RuleRow)
        .where(col(RuleRow.app_id) == app_id)
        .order_by(col(RuleRow.position), col(RuleRow.id))
    )
    return list(session.execute(stmt).scalars())


def all_rules(session: Session) -> list[RuleRow]:
    """Every rule of every app, in id order."""
    return list(session.execute(select(RuleRow).order_by(col(RuleRow.id))).scalars())


def next_position(session: Session, app_id: int) -> int:
    """The position after the app's last rule."""
    stmt = select(func.max(RuleRow.position)).where(col(RuleRow.app_id) == app_id)
    top = session.execute(stmt).scalar_one()
    return 0 if top is None else int(top) + 1


def rule_versions_of_apps(
    session: Session, app_ids: Sequence[int]
) -> dict[int, tuple[tuple[int, datetime], ...]]:
    """(id, updated_at) of each rule of each of these apps, in one statement: a cheap
    fingerprint of each app's rule set (an app without rules has the empty one)."""
    if not app_ids:
        return {}
    out: dict[int, list[tuple[int, datetime]]] = {app_id: [] for app_id in app_ids}
    stmt = (
        select(col(RuleRow.app_id), col(RuleRow.id), col(RuleRow.updated_at))
        .where(col(RuleRow.app_id).in_(list(app_ids)))
        .order_by(col(RuleRow.app_id), col(RuleRow.id))
    )
    for app_id, rid, ts in session.execute(stmt).all():
        if rid is not None:
            out[app_id].append((rid, ts))
    return {app_id: tuple(versions) for app_id, versions in out.items()}
