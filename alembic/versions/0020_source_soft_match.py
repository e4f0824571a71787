"""source soft match: whether a source may take over a person the API already manages

`directory_source.soft_match` (default true, as Azure AD Connect's soft match): a person new
to the source whose username or email an API-managed person holds becomes the source's; off,
that person is skipped with the reason, and the API-managed person is left alone.

Revision ID: 0020_source_soft_match
Revises: 0019_sources
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0020_source_soft_match"
down_revision: str | None = "0019_sources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("directory_source") as batch:
        batch.add_column(
            sa.Column("soft_match", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("directory_source") as batch:
        batch.drop_column("soft_match")
