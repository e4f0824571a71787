"""The one place that decides what to re-evaluate when something in the directory changes.

Services that change users, roles or apps call these hooks inside their transaction; the hooks
re-run mappings for the affected users and, from there, recompute their app assignments and
plan tasks. This module sits above the domains it drives (mappings, provisioning) and below
the services that call it, so the dependency runs one way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from app.directory import repository as directory_repo
from app.directory.schemas import EMAIL_MAX, USERNAME_MAX
from app.evaluation.facts import UserFacts
from app.evaluation.mappings import MappingOutcome, stored_form
from app.mappings.service import apply_to_users, evaluate_new_users
from app.models import User, utcnow
from app.provisioning import service as provisioning
from app.provisioning.assignments import recompute_users, user_state
from app.provisioning.planning import Run


def users_changed(session: Session, user_ids: Sequence[int]) -> None:
    """A user's own data changed: re-run mappings for them, then their assignments."""
    if not user_ids:
        return
    apply_to_users(session, user_ids)
    mapping_outcomes_changed(session, user_ids)


def users_creating(
    session: Session, facts: Sequence[UserFacts]
) -> list[tuple[MappingOutcome, dict[str, Any]]]:
    """Users are about to be inserted with these facts: their mapping outcomes, and the
    mapped columns to insert each row with (`mappings.service.evaluate_new_users`)."""
    return evaluate_new_users(session, facts)


def users_created(
    session: Session,
    facts: Sequence[UserFacts],
    outcomes: Sequence[MappingOutcome],
    causes: Mapping[int, str | None] | None = None,
) -> None:
    """Users were just inserted with these facts and their mapping outcomes in place
    (`users_creating`, one per user, in order): their assignments and tasks, without reading
    them back. `causes` (user id -> request id) names each user's own request where several
    were written together; their tasks carry it."""
    if not facts:
        return
    # Their states as the rows now store them (`load_user_states` would read the same).
    states = [
        user_state(f, stored_form(o), deleted=False) for f, o in zip(facts, outcomes, strict=True)
    ]
    recompute_users(session, [f.id for f in facts], created=states, causes=causes)


def mapping_outcomes_changed(
    session: Session, user_ids: Sequence[int], run: Run | None = None
) -> None:
    """Roles, group or attributes of these users may differ: their assignments follow."""
    if user_ids:
        recompute_users(session, user_ids, run=run)


def role_apps_changed(session: Session, role_id: int) -> None:
    """A role grants other apps now: every holder's assignments follow."""
    mapping_outcomes_changed(session, directory_repo.role_holders(session, role_id))


def entitlements_refreshed(session: Session, app_id: int) -> None:
    """Blocked tasks waiting for seats are retried here."""
    provisioning.unblock_for_seats(session, app_id)


FREED_MARK = "#DELETED-"
"""Upper case, which a lowercased column never holds (`str.lower` leaves no upper-case letter):
`#deleted-` could be part of a live username, and a user named `bob#deleted-7` made user 7,
`bob`, impossible to delete (the freed value collided with the live one). Migration 0024
rewrote the values freed before."""


def _freed(value: str, user_id: int, limit: int) -> str:
    """The value a deleted user keeps in a lowercased unique column (`username_lower`,
    `email_lower`) while its row waits for deprovisioning: unique (it ends with the id) and
    never what a live user can hold (`FREED_MARK`), so the name is free for reuse. Cut to fit
    the column, or a user at the maximum length could be created but never deleted."""
    suffix = f"{FREED_MARK}{user_id}"
    return value[: limit - len(suffix)] + suffix


def user_deleting(session: Session, user: User) -> None:
    """Deleting a user applies each app's deprovisioning policy. The row stays (hidden, its
    username and email freed) until those tasks have finished, then goes."""
    assert user.id is not None
    user.deleted_at = utcnow()
    user.username_lower = _freed(user.username_lower, user.id, USERNAME_MAX)
    user.email_lower = _freed(user.email_lower, user.id, EMAIL_MAX)
    session.add(user)
    session.flush()
    mapping_outcomes_changed(session, [user.id])
    provisioning.purge_deleted_users(session, [user.id])
