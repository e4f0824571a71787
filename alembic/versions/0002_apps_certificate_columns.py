"""apps: certificate thumbprint and expiry

Revision ID: 0002_apps
Revises: 0002_engine
Create Date: 2026-11-28 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_apps"
down_revision: str | None = "0002_engine"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "certificate_thumbprint",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("certificate_expires_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("app", schema=None) as batch_op:
        batch_op.drop_column("certificate_expires_at")
        batch_op.drop_column("certificate_thumbprint")
