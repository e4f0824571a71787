"""Indexes for the user list's filters at 100,000 users (Postgres).

Each matches a filter of `GET /users` (`app.directory.repository.user_query`) together with
the list's keyset order (`id`), so a page is an index range read however rare the match:

- `q=` substring search: trigram GIN (`pg_trgm`) over the five searched expressions, which
  serves `lower(x) LIKE '%text%'` (3 characters or more) as a bitmap OR of index scans
  instead of reading every row;
- `status=`: (status, id) over live users;
- `group_id=`: (effective group, id) over live users, the effective group being
  `coalesce(mapped_group_id, group_id)` exactly as the query spells it;
- `role_id=`: GIN over `mapped_roles` (the `?` key test) for roles granted by mappings, and
  (role_id, user_id) on `user_role` for roles held by hand.

SQLite has neither `pg_trgm` nor GIN: there the migration does nothing (the embedded default
serves small directories, which a scan serves well).

Revision ID: 0018_list_indexes
Revises: 0017_ids
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_list_indexes"
down_revision: str | None = "0017_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "WHERE deleted_at IS NULL"
INDEXES = {
    "ix_directory_user_search_trgm": (
        "directory_user USING gin (username_lower gin_trgm_ops, email_lower gin_trgm_ops, "
        "lower(firstname) gin_trgm_ops, lower(lastname) gin_trgm_ops, "
        "lower(display_name) gin_trgm_ops)"
    ),
    "ix_directory_user_live_status_id": f"directory_user (status, id) {LIVE}",
    "ix_directory_user_live_effective_group_id": (
        f"directory_user ((coalesce(mapped_group_id, group_id)), id) {LIVE}"
    ),
    "ix_directory_user_mapped_roles": "directory_user USING gin (mapped_roles)",
    "ix_user_role_role_user": "user_role (role_id, user_id)",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    # The extension stays: other objects may use it, and it holds no data.
