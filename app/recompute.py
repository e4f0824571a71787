"""The one place that decides what to re-evaluate when something in the directory changes.

Directory services call these hooks inside their transaction; the hooks re-run mappings for
the affected users and, from there, recompute their app assignments.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from app.models import User


def users_changed(session: Session, user_ids: Sequence[int]) -> None:
    """A user's own data changed: re-run mappings for them, then their assignments."""
    from app.mappings.service import apply_to_users

    if not user_ids:
        return
    apply_to_users(session, user_ids)
    mapping_outcomes_changed(session, user_ids)


def mapping_outcomes_changed(session: Session, user_ids: Sequence[int]) -> None:
    """Roles, group or attributes of these users may differ: their assignments follow."""


def role_apps_changed(session: Session, role_id: int) -> None:
    """A role now grants other apps: every holder's assignments follow."""


def check_app_ids(session: Session, app_ids: Sequence[int]) -> None:
    """Roles may only name apps that exist."""


def user_deleting(session: Session, user: User) -> None:
    session.delete(user)
    session.flush()
