"""task.correlation_id: as long as the request ids the API accepts

The API keeps a caller's `X-Request-ID` of up to 128 characters (`observability.context`), and
a task carries the id of the request that caused it. The column held 64: a `POST /users` with
a longer id, for a role granting a provisioning app, was refused with a 400 (the value too
long for the column) although the request itself was valid. The audit trail's `request_id`
already holds 128. SQLite does not enforce a VARCHAR's length; only Postgres changes.

Revision ID: 0023_task_correlation_length
Revises: 0022_user_role_index
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_task_correlation_length"
down_revision: str | None = "0022_user_role_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("task", "correlation_id", existing_type=sa.String(64), type_=sa.String(128))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Ids longer than the old column are cut, not lost with their task.
        op.execute(
            "UPDATE task SET correlation_id = left(correlation_id, 64) "
            "WHERE length(correlation_id) > 64"
        )
        op.alter_column("task", "correlation_id", existing_type=sa.String(128), type_=sa.String(64))
