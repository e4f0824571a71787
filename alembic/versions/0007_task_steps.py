"""provisioning: per-step outcomes on tasks, step errors and remembered refusals on assignments

A task records the outcome of each of its steps (create or link, attributes, each license and
group change, write-back); an assignment keeps the errors of its last run's steps and the step
values Graph refused for good, so an unrelated change does not send them again.

Revision ID: 0007_task_steps
Revises: 0006_fillfactor
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_task_steps"
down_revision: str | None = "0006_fillfactor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("steps", _json(), nullable=True))
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step_errors", _json(), nullable=True))
        batch_op.add_column(sa.Column("refused", _json(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("refused")
        batch_op.drop_column("step_errors")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("steps")
