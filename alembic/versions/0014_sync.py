"""sync: why matching left a tenant account unlinked

`tenant_account.conflict_reason`: the ambiguity (one account matching several directory
users, or several accounts one user) that made matching link nothing.

Revision ID: 0014_sync
Revises: 0013_snapshot
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014_sync"
down_revision: str | None = "0013_snapshot"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenant_account") as batch:
        batch.add_column(sa.Column("conflict_reason", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenant_account") as batch:
        batch.drop_column("conflict_reason")
