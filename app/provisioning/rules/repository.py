"""Queries for rules and their app: every SELECT the rules package runs lives here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import NotFound
from app.models import App, RuleRow


def get_app(session: Session, app_id: int) -> App:
    app = session.get(App, app_id)
    if app is None:
        raise NotFound(f"App {app_id} does not exist.")
    return app


def require_app(session: Session, app_id: int) -> None:
    """404 for an unknown app, without loading its (possibly large) JSON columns."""
    if session.exec(select(App.id).where(App.id == app_id)).first() is None:
        raise NotFound(f"App {app_id} does not exist.")


def get_rule(session: Session, app_id: int, rule_id: int) -> RuleRow:
    row = session.get(RuleRow, rule_id)
    # A rule of another app is "not found" here: ids must not leak across apps.
    if row is None or row.app_id != app_id:
        raise NotFound(f"Rule {rule_id} does not exist for app {app_id}.")
    return row


def list_rules(session: Session, app_id: int) -> list[RuleRow]:
    stmt = (
        select(RuleRow)
        .where(RuleRow.app_id == app_id)
        .order_by(col(RuleRow.position), col(RuleRow.id))
    )
    return list(session.exec(stmt).all())


def all_rules(session: Session) -> list[RuleRow]:
    return list(session.exec(select(RuleRow).order_by(col(RuleRow.id))).all())


def next_position(session: Session, app_id: int) -> int:
    top = session.exec(select(func.max(RuleRow.position)).where(RuleRow.app_id == app_id)).one()
    return 0 if top is None else top + 1


def rule_versions(session: Session, app_id: int) -> tuple[tuple[int, datetime], ...]:
    """(id, updated_at) of each rule of the app: a cheap fingerprint of its rule set."""
    stmt = (
        select(RuleRow.id, RuleRow.updated_at)
        .where(RuleRow.app_id == app_id)
        .order_by(col(RuleRow.id))
    )
    return tuple((rid, ts) for rid, ts in session.exec(stmt).all() if rid is not None)
