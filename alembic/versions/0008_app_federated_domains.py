"""apps: every verified federated domain of the tenant

A user may be given a UPN in any verified domain of the tenant, and each federated one needs an
ImmutableID at creation, not only the app's own domain. Filled by domain verification and the
entitlements refresh (`GET /domains`); NULL until one of them ran.

Revision ID: 0008_federated_domains
Revises: 0007_task_steps
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_federated_domains"
down_revision: str | None = "0007_task_steps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "federated_domains",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("app", schema=None) as batch_op:
        batch_op.drop_column("federated_domains")
