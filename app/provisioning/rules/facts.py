"""Users as rules see them: their own state merged with their stored mapping outcome."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from app.directory.facts import load_facts
from app.evaluation.facts import UserFacts
from app.evaluation.mappings import MappingOutcome, effective_facts
from app.models import User

CHUNK = 5000
"""Ids per round trip: keeps each IN list (and its bind parameters) a sensible size."""


def stored_outcome(
    mapped_roles: Any, mapped_group_id: int | None, mapped_attributes: Any
) -> MappingOutcome:
    """The mapping outcome as stored on the user row (provenance of the group is not kept)."""
    granted = {int(role_id): mapping_id for role_id, mapping_id in (mapped_roles or {}).items()}
    return MappingOutcome(granted, mapped_group_id, None, dict(mapped_attributes or {}), ())


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
            User.id, User.mapped_roles, User.mapped_group_id, User.mapped_attributes
        ).where(col(User.id).in_(chunk))
        mapped = {row[0]: row[1:] for row in session.exec(stmt).all()}
        for facts, _ in own:
            row = mapped.get(facts.id)
            # A user deleted between the two reads has no outcome: their own state stands.
            out.append(facts if row is None else effective_facts(facts, stored_outcome(*row)))
    return out
