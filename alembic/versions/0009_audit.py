"""audit: the audit trail of changes, and the Graph calls of each task for the provisioning log

Revision ID: 0009_audit
Revises: 0008_federated_domains
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_audit"
down_revision: str | None = "0008_federated_domains"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("object_name", sa.String(length=400), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("before", _json(), nullable=True),
        sa.Column("after", _json(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
    )
    op.create_index("ix_audit_entry_object", "audit_entry", ["object_type", "object_id"])
    op.create_index("ix_audit_entry_created_at", "audit_entry", ["created_at"])
    op.create_index("ix_audit_entry_actor_id", "audit_entry", ["actor_id"])
    op.create_index("ix_audit_entry_actor_name", "audit_entry", ["actor_name"])
    op.create_index("ix_audit_entry_action", "audit_entry", ["action"])
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("graph_calls", _json(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("graph_calls")
    op.drop_table("audit_entry")
