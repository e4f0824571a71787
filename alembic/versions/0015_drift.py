"""drift: what the tenant holds that differs from what we applied

`drift_item` (one difference between the snapshot and an assignment's applied state, open
until the tenant is back in line or its value is adopted; at most one open per assignment,
kind and target) and, on `assignment`, the attribute values adopted from the tenant.

Revision ID: 0015_drift
Revises: 0014_sync
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0015_drift"
down_revision: str | None = "0014_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("assignment") as batch:
        batch.add_column(sa.Column("adopted", _json(), nullable=True))
    op.create_table(
        "drift_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("tenant_value", _json(), nullable=True),
        sa.Column("applied_value", _json(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        _ts("first_seen_at", nullable=False),
        _ts("last_seen_at", nullable=False),
        _ts("resolved_at"),
        sa.ForeignKeyConstraint(["app_id"], ["app.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_drift_item_assignment_id", "drift_item", ["assignment_id"])
    op.create_index("ix_drift_item_user_id", "drift_item", ["user_id"])
    op.create_index("ix_drift_item_app_status_kind", "drift_item", ["app_id", "status", "kind"])
    op.create_index(
        "uq_drift_item_open",
        "drift_item",
        ["assignment_id", "kind", "target"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_drift_item_open", table_name="drift_item")
    op.drop_index("ix_drift_item_app_status_kind", table_name="drift_item")
    op.drop_index("ix_drift_item_user_id", table_name="drift_item")
    op.drop_index("ix_drift_item_assignment_id", table_name="drift_item")
    op.drop_table("drift_item")
    with op.batch_alter_table("assignment") as batch:
        batch.drop_column("adopted")
