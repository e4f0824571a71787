"""user_role: one index for the role filter, on every database

`user_role`'s primary key is (user_id, role_id); the role filter of `GET /users` and a role's
member count look rows up by role. Two indexes served that on Postgres: `ix_user_role_role_id`
(role_id, from 0001) and `ix_user_role_role_user` (role_id, user_id, from 0018). The second
answers every query the first does and also gives the list's `id` order, so the first only
cost a write per granted role, and let the planner pick it on a near-empty table, where both
cost the same. It goes; SQLite, where 0018 does nothing, gets the (role_id, user_id) index too.

Revision ID: 0022_user_role_index
Revises: 0021_user_search
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_user_role_index"
down_revision: str | None = "0021_user_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_user_role_role_user ON user_role (role_id, user_id)")
    op.execute("DROP INDEX IF EXISTS ix_user_role_role_id")


def downgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_user_role_role_id ON user_role (role_id)")
    if op.get_bind().dialect.name != "postgresql":
        # On Postgres 0018 owns the (role_id, user_id) index; on SQLite this revision does.
        op.execute("DROP INDEX IF EXISTS ix_user_role_role_user")
