"""sources: directory sources (LDAP and Active Directory) that feed the directory

`directory_source` (the server, bind, what to read, the attribute map, the anchor, schedule,
deletion threshold, cursor, lease and last sync), `directory_source_group` (each source
group's direct members, for nested memberships) and, on `directory_user`, the owning source
and the source's id for the person.

Revision ID: 0019_sources
Revises: 0018_list_indexes
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0019_sources"
down_revision: str | None = "0018_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "directory_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("tls", sa.String(length=16), nullable=False),
        sa.Column("ca_certificate", sa.String(), nullable=True),
        sa.Column("bind_dn", sa.String(length=1000), nullable=False),
        sa.Column("bind_password_enc", sa.String(), nullable=True),
        sa.Column("base_dns", _json(), nullable=False),
        sa.Column("user_filter", sa.String(length=4000), nullable=False),
        sa.Column("group_filter", sa.String(length=4000), nullable=False),
        sa.Column("attribute_map", _json(), nullable=False),
        sa.Column("anchor", sa.String(length=64), nullable=False),
        sa.Column("immutable_id_attribute", sa.String(length=200), nullable=True),
        sa.Column("sync_interval_s", sa.Integer(), nullable=False),
        sa.Column("full_sync_interval_s", sa.Integer(), nullable=False),
        sa.Column("deletion_threshold", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(), nullable=True),
        sa.Column("cursor", _json(), nullable=True),
        _ts("lease_until"),
        _ts("next_sync_at"),
        _ts("next_full_at"),
        sa.Column("last_sync", _json(), nullable=True),
        sa.Column("held", _json(), nullable=True),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_directory_source_next_sync_at", "directory_source", ["next_sync_at"])
    op.create_table(
        "directory_source_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.String(length=256), nullable=False),
        sa.Column("dn_lower", sa.String(length=1000), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("members", _json(), nullable=False),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["directory_source.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "anchor", name="uq_directory_source_group_anchor"),
    )
    op.create_index(
        "ix_directory_source_group_dn", "directory_source_group", ["source_id", "dn_lower"]
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference inline; rebuilding directory_user (what
        # batch mode would do) is not needed for a nullable column.
        op.execute(
            "ALTER TABLE directory_user ADD COLUMN source_id INTEGER "
            "REFERENCES directory_source (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("directory_user", sa.Column("source_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "directory_user_source_id_fkey",
            "directory_user",
            "directory_source",
            ["source_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.add_column(
        "directory_user", sa.Column("source_anchor", sa.String(length=256), nullable=True)
    )
    op.create_index(
        "ix_directory_user_source_anchor",
        "directory_user",
        ["source_id", "source_anchor"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_directory_user_source_anchor", table_name="directory_user")
    with op.batch_alter_table("directory_user") as batch:
        batch.drop_column("source_anchor")
        batch.drop_column("source_id")
    op.drop_table("directory_source_group")
    op.drop_table("directory_source")
