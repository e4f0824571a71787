"""The one place that decides what to re-evaluate when something in the directory changes.

Directory services call these hooks inside their transaction; the hooks re-run mappings for
the affected users and, from there, recompute their app assignments and plan tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import field_error
from app.models import App, Assignment, Task, User, UserRole, utcnow

if TYPE_CHECKING:
    from app.provisioning.tasks import Run


def users_changed(session: Session, user_ids: Sequence[int]) -> None:
    """A user's own data changed: re-run mappings for them, then their assignments."""
    from app.mappings.service import apply_to_users

    if not user_ids:
        return
    apply_to_users(session, user_ids)
    mapping_outcomes_changed(session, user_ids)


def mapping_outcomes_changed(
    session: Session, user_ids: Sequence[int], run: Run | None = None
) -> None:
    """Roles, group or attributes of these users may differ: their assignments follow."""
    from app.provisioning.assignments import recompute_users

    if user_ids:
        recompute_users(session, user_ids, run=run)


def role_apps_changed(session: Session, role_id: int) -> None:
    """A role grants other apps now: every holder's assignments follow."""
    from app.directory.service import has_mapped_role

    holders = set(
        session.execute(
            select(col(UserRole.user_id)).where(col(UserRole.role_id) == role_id)
        ).scalars()
    )
    holders.update(session.execute(select(col(User.id)).where(has_mapped_role(role_id))).scalars())
    mapping_outcomes_changed(session, sorted(holders))


def check_app_ids(session: Session, app_ids: Sequence[int]) -> None:
    """Roles may only name apps that exist."""
    if not app_ids:
        return
    found = set(
        session.execute(select(col(App.id)).where(col(App.id).in_(list(app_ids)))).scalars()
    )
    missing = sorted(set(app_ids) - found)
    if missing:
        raise field_error("app_ids", f"Apps do not exist: {missing}.", "not_found")


def rules_changed(session: Session, app_id: int) -> None:
    """Rules of this app changed: its assignments are recomputed in the background."""
    from app.jobs.service import start_job

    start_job(session, "assignments.recompute", {"app_id": app_id}, created_by="rules")


def app_changed(session: Session, app_id: int) -> None:
    """Parameters or policy of an app changed: recompute its assignments in the background."""
    rules_changed(session, app_id)


def entitlements_refreshed(session: Session, app_id: int) -> None:
    """Blocked tasks waiting for seats are retried here."""
    from app.provisioning.tasks import unblock_for_seats

    unblock_for_seats(session, app_id)


def user_deleting(session: Session, user: User) -> None:
    """Deleting a user applies each app's deprovisioning policy. The row stays (hidden, its
    username and email freed) until those tasks have finished, then goes."""
    assert user.id is not None
    user.deleted_at = utcnow()
    user.username_lower = f"{user.username_lower}#deleted-{user.id}"
    user.email_lower = f"{user.email_lower}#deleted-{user.id}"
    session.add(user)
    session.flush()
    mapping_outcomes_changed(session, [user.id])
    purge_deleted_users(session, [user.id])


def purge_deleted_users(session: Session, user_ids: Sequence[int]) -> None:
    """Remove deleted users whose deprovisioning has nothing left to do."""
    from app.models import OPEN_TASK_STATUSES

    for user in session.execute(
        select(User).where(col(User.id).in_(list(user_ids)), col(User.deleted_at).is_not(None))
    ).scalars():
        busy = session.execute(
            select(col(Task.id)).where(
                col(Task.user_id) == user.id, col(Task.status).in_(OPEN_TASK_STATUSES)
            )
        ).first()
        if busy is None:
            session.execute(
                Assignment.__table__.delete().where(Assignment.__table__.c.user_id == user.id)  # type: ignore[attr-defined]
            )
            session.delete(user)
    session.flush()
