"""directory_user: a deleted user's freed username and email end in `#DELETED-<id>`

A deleted user keeps its row until its deprovisioning has run, with `username_lower` and
`email_lower` freed for reuse by a suffix naming its id. The suffix was `#deleted-<id>`, which
a live username can hold: creating `bob#deleted-7` made user 7, `bob`, impossible to delete
(freeing its name collided with the live one, a 409 on every try). The suffix is upper case
now, which a lowercased column never holds from a live user (`recompute.FREED_MARK`); this
rewrites the values freed before, so no live name collides with one of them either. The two
suffixes have the same length, so every value still fits its column.

Revision ID: 0024_freed_values_upper_case
Revises: 0023_task_correlation_length
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024_freed_values_upper_case"
down_revision: str | None = "0023_task_correlation_length"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("username_lower", "email_lower")


def _rewrite(old: str, new: str) -> None:
    for column in COLUMNS:
        mark = f"('{old}' || CAST(directory_user.id AS TEXT))"
        # The value with its mark replaced: the same length, so it fits the column.
        freed = (
            f"substr(directory_user.{column}, 1, length(directory_user.{column}) - length({mark})) "
            f"|| '{new}' || CAST(directory_user.id AS TEXT)"
        )
        # Only the mark naming the row's own id, at the very end, is rewritten; the same
        # letters earlier in a value are the person's own. A value another row already holds
        # is left as it is: going back, a live `bob#deleted-7` (possible since the mark is
        # upper case) keeps deleted user 7's `bob#DELETED-7`, which the older code never
        # reads; rewritten, it would collide.
        op.execute(
            f"UPDATE directory_user SET {column} = {freed} "
            "WHERE directory_user.deleted_at IS NOT NULL "
            f"AND substr(directory_user.{column}, "
            f"length(directory_user.{column}) - length({mark}) + 1) = {mark} "
            "AND NOT EXISTS (SELECT 1 FROM directory_user AS other "
            f"WHERE other.{column} = {freed})"
        )


def upgrade() -> None:
    _rewrite("#deleted-", "#DELETED-")


def downgrade() -> None:
    _rewrite("#DELETED-", "#deleted-")
