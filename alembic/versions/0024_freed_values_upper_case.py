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
        # Only the suffix naming the row's own id, at the very end, is the mark; the same
        # letters earlier in a value are the person's own.
        op.execute(
            f"UPDATE directory_user SET {column} = "
            f"substr({column}, 1, length({column}) - length('{old}' || CAST(id AS TEXT))) "
            f"|| '{new}' || CAST(id AS TEXT) "
            f"WHERE deleted_at IS NOT NULL "
            f"AND substr({column}, length({column}) - length('{old}' || CAST(id AS TEXT)) + 1) "
            f"= ('{old}' || CAST(id AS TEXT))"
        )


def upgrade() -> None:
    _rewrite("#deleted-", "#DELETED-")


def downgrade() -> None:
    _rewrite("#DELETED-", "#deleted-")
