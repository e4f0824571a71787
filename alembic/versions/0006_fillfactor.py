"""Leave room on each page of the user table for HOT updates.

A reapply rewrites many user rows (their mapping outcome). With full pages every such update
is a new tuple on another page plus an entry in every index; with free space on the page
Postgres updates in place ("heap-only tuple") and touches no index, because the columns a
reapply writes are not indexed.

Revision ID: 0006_fillfactor
Revises: 0005_scim
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_fillfactor"
down_revision: str | None = "0005_scim"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE directory_user SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE directory_user RESET (fillfactor)")
