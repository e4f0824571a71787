"""accounts: a task may belong to no directory user

Deprovisioning a tenant account that belongs to no directory user (`POST /apps/{id}/
tenant-accounts/actions`, action `deprovision`) is planned as a task like any other, so it
waits for approval and counts against the deletion threshold; such a task has no assignment
and no directory user, so `task.user_id` becomes nullable (its plan carries the tenant
account and object id instead).

Revision ID: 0016_accounts
Revises: 0015_drift
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0016_accounts"
down_revision: str | None = "0015_drift"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Tasks of tenant accounts (no directory user) cannot be kept under NOT NULL.
    op.execute("DELETE FROM task WHERE user_id IS NULL")
    with op.batch_alter_table("task") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
