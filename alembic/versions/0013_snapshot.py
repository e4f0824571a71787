"""snapshot: the tenant as Graph delta queries report it, per app

`tenant_account` (one tenant user and the directory user it is), `tenant_group_member`
(members of the Microsoft 365 groups the rules use) and `app_sync` (deltaLinks, the cycle
schedule and lease, quarantine, the last cycle); on `app`, the cycle intervals, the drift
policy and the match order.

Revision ID: 0013_snapshot
Revises: 0012_cli
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0013_snapshot"
down_revision: str | None = "0012_cli"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _ts(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("app") as batch:
        batch.add_column(
            sa.Column("sync_interval_s", sa.Integer(), nullable=False, server_default="300")
        )
        batch.add_column(
            sa.Column("full_sync_interval_s", sa.Integer(), nullable=False, server_default="86400")
        )
        batch.add_column(sa.Column("drift_policy", _json(), nullable=True))
        batch.add_column(sa.Column("match_order", _json(), nullable=True))
    op.create_table(
        "app_sync",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("users_delta_link", sa.String(), nullable=True),
        sa.Column("groups_delta_link", sa.String(), nullable=True),
        sa.Column("groups_delta_ids", _json(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        _ts("lease_until"),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("quarantine_reason", sa.String(), nullable=True),
        _ts("quarantined_at"),
        _ts("quarantined_until"),
        _ts("next_cycle_at"),
        _ts("next_full_at"),
        sa.Column("last_cycle", _json(), nullable=True),
        _ts("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["app.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id"),
    )
    op.create_index("ix_app_sync_next_cycle_at", "app_sync", ["next_cycle_at"])

    op.create_table(
        "tenant_group_member",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["app.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "group_id", "member_id"),
    )
    op.create_index("ix_tenant_group_member_member_id", "tenant_group_member", ["member_id"])

    op.create_table(
        "tenant_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("user_principal_name", sa.String(length=1024), nullable=True),
        sa.Column("user_principal_name_lower", sa.String(length=1024), nullable=True),
        sa.Column("mail_lower", sa.String(length=320), nullable=True),
        sa.Column("on_premises_immutable_id", sa.String(length=200), nullable=True),
        sa.Column("account_enabled", sa.Boolean(), nullable=True),
        sa.Column("on_premises_sync_enabled", sa.Boolean(), nullable=True),
        sa.Column("assigned_licenses", _json(), nullable=False),
        sa.Column("attributes", _json(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("match_method", sa.String(length=32), nullable=True),
        sa.Column("disposition", sa.String(length=32), nullable=True),
        _ts("first_seen_at", nullable=False),
        _ts("changed_at", nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["app.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["directory_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("app_id", "object_id", name="uq_tenant_account_app_object"),
    )
    op.create_index(
        "ix_tenant_account_app_upn", "tenant_account", ["app_id", "user_principal_name_lower"]
    )
    op.create_index("ix_tenant_account_app_user", "tenant_account", ["app_id", "user_id"])
    op.create_index("ix_tenant_account_app_mail", "tenant_account", ["app_id", "mail_lower"])
    op.create_index(
        "ix_tenant_account_app_immutable_id",
        "tenant_account",
        ["app_id", "on_premises_immutable_id"],
    )


def downgrade() -> None:
    op.drop_table("tenant_account")
    op.drop_table("tenant_group_member")
    op.drop_table("app_sync")
    with op.batch_alter_table("app") as batch:
        for column in ("match_order", "drift_policy", "full_sync_interval_s", "sync_interval_s"):
            batch.drop_column(column)
