"""scim: users' external id, SCIM groups

Revision ID: 0005_scim
Revises: 0002_apps
Create Date: 2026-11-28 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_scim"
down_revision: str | None = "0002_apps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scim_group",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column(
            "display_name_lower", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False
        ),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scim_group", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scim_group_display_name_lower", ["display_name_lower"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_scim_group_external_id"), ["external_id"])

    with op.batch_alter_table("directory_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_directory_user_external_id"), ["external_id"])


def downgrade() -> None:
    with op.batch_alter_table("directory_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_user_external_id"))
        batch_op.drop_column("external_id")
    with op.batch_alter_table("scim_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scim_group_external_id"))
        batch_op.drop_index("ix_scim_group_display_name_lower")
    op.drop_table("scim_group")
