"""queue: wake-ups handed over through the database

A process that must not run work itself (the CLI in the embedded default, which has no Redis)
records its wake-ups here; the server's in-process runner and the sweeper claim them.

Revision ID: 0012_cli
Revises: 0010_webhooks
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_cli"
down_revision: str | None = "0010_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_wakeup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("function", sa.String(length=64), nullable=False),
        sa.Column(
            "args",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("job_id", sa.String(length=200), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_queue_wakeup_due_at", "queue_wakeup", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_queue_wakeup_due_at", table_name="queue_wakeup")
    op.drop_table("queue_wakeup")
