"""user search: the `q=` trigram index moves off `directory_user` (Postgres)

Migration 0018 put a trigram GIN over five expressions on `directory_user`. A reapply rewrites
every changed user's mapping outcome (`mapped_roles`, `mapped_group_id`, both indexed for the
list's filters), so each such update is non-HOT and inserts about 60 trigram entries into that
GIN although no searched field changed: measured at 100,000 users, the trigram GIN was half of
a full reapply's write time (17.8 s with it, 8.9 s without, same machine, minutes apart).

The searched text now lives in `directory_user_search` (one row per user: username, email,
first, last and display name, each NFKC-normalized and folded by Postgres's lower(), joined
by U+001F, which `SearchText` refuses in a query, so a search can never match across two
fields). Triggers keep it in step from every write path (API, bulk, CSV, SCIM, directory
sources): one INSERT per statement on insert, and a row update only when a searched column
really changed. A reapply never touches it.

SQLite has no trigram index: there the migration does nothing and `q=` reads the user rows.

Revision ID: 0021_user_search
Revises: 0020_source_soft_match
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021_user_search"
down_revision: str | None = "0020_source_soft_match"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SEARCHED = ("username", "email", "firstname", "lastname", "display_name")
CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in SEARCHED)


def _text(row: str, nfkc: bool) -> str:
    # Postgres's own lower() on every field, username and email too (not the `*_lower`
    # columns, which Python folds): the query folds its pattern with the same lower(), so
    # both sides agree however a letter folds (a final Σ, a dotted İ). NFKC first, as the
    # query is (`normalized`): half-width katakana and full-width Latin letters are found
    # as the letters they stand for.
    # normalize() needs a UTF8 database; another encoding keeps the fields as typed.
    def fold(column: str) -> str:
        return f"lower(normalize({row}.{column}, NFKC))" if nfkc else f"lower({row}.{column})"

    return f"concat_ws(chr(31), {', '.join(fold(c) for c in SEARCHED)})"


def _upgrade(nfkc: bool) -> list[str]:
    return [
        # No user is written between the backfill and the triggers (one would have no
        # search row, or a stale one, for good): writers wait until the migration commits.
        "LOCK TABLE directory_user IN SHARE ROW EXCLUSIVE MODE",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE TABLE directory_user_search ("
        " user_id integer PRIMARY KEY REFERENCES directory_user (id) ON DELETE CASCADE,"
        " search_text text NOT NULL)",
        f"INSERT INTO directory_user_search (user_id, search_text) "
        f"SELECT u.id, {_text('u', nfkc)} FROM directory_user AS u",
        "CREATE INDEX ix_directory_user_search_text_trgm ON directory_user_search "
        "USING gin (search_text gin_trgm_ops)",
        # Inserts: one statement-level trigger over the transition table, so a bulk insert
        # of 1,000 users adds their 1,000 search rows in one INSERT ... SELECT.
        f"""CREATE FUNCTION directory_user_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO directory_user_search (user_id, search_text)
      SELECT n.id, {_text("n", nfkc)} FROM new_rows AS n;
      RETURN NULL;
    END $$""",
        "CREATE TRIGGER directory_user_search_insert AFTER INSERT ON directory_user "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION directory_user_search_insert()",
        # Updates: per row, and only when a searched column changed (Postgres allows no
        # column list with transition tables; the WHEN keeps a reapply's updates from
        # firing at all).
        f"""CREATE FUNCTION directory_user_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE directory_user_search SET search_text = {_text("NEW", nfkc)} WHERE user_id = NEW.id;
      RETURN NULL;
    END $$""",
        f"CREATE TRIGGER directory_user_search_update AFTER UPDATE OF {', '.join(SEARCHED)} "
        f"ON directory_user FOR EACH ROW WHEN ({CHANGED}) "
        "EXECUTE FUNCTION directory_user_search_update()",
        "DROP INDEX IF EXISTS ix_directory_user_search_trgm",
    ]


DOWNGRADE = [
    "CREATE INDEX IF NOT EXISTS ix_directory_user_search_trgm ON directory_user USING gin "
    "(username_lower gin_trgm_ops, email_lower gin_trgm_ops, lower(firstname) gin_trgm_ops, "
    "lower(lastname) gin_trgm_ops, lower(display_name) gin_trgm_ops)",
    "DROP TRIGGER IF EXISTS directory_user_search_update ON directory_user",
    "DROP TRIGGER IF EXISTS directory_user_search_insert ON directory_user",
    "DROP FUNCTION IF EXISTS directory_user_search_update()",
    "DROP FUNCTION IF EXISTS directory_user_search_insert()",
    "DROP TABLE IF EXISTS directory_user_search",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    utf8 = bind.exec_driver_sql("SHOW server_encoding").scalar() == "UTF8"
    for statement in _upgrade(nfkc=utf8):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DOWNGRADE:
        op.execute(statement)
