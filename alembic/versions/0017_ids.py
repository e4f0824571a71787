"""ids: on SQLite, ids that history keeps are never handed out again

SQLite gives a new row the largest rowid + 1 unless the table is AUTOINCREMENT, so after a
delete the next user, app, rule or task could take the id of the one deleted, and with it the
old one's provisioning log, audit entries, events and tasks. These tables are rebuilt with
AUTOINCREMENT (Alembic's batch "move and copy": rows, indexes and foreign keys are copied), and
each table's sequence starts above the largest id any history row still names, so an id
deleted before this migration is not reused either.

Postgres needs nothing: a sequence never hands out the same value twice.

Revision ID: 0017_ids
Revises: 0016_accounts
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0017_ids"
down_revision: str | None = "0016_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables whose ids outlive their rows, and where else those ids are kept: (table,
# column) pairs, and the audit trail's object type.
_HISTORY: dict[str, tuple[list[tuple[str, str]], str | None]] = {
    "api_token": ([("audit_entry", "actor_id")], "token"),
    "directory_group": ([], "group"),
    "role": ([], "role"),
    "directory_user": ([("task", "user_id"), ("event", "user_id")], "user"),
    "mapping": ([], "mapping"),
    "job": ([], None),
    "app": ([("task", "app_id"), ("event", "app_id"), ("webhook_delivery", "app_id")], "app"),
    "rule": ([], "rule"),
    "assignment": ([("task", "assignment_id")], None),
    "task": ([("event", "task_id")], "task"),
    "event": ([], None),
    "audit_entry": ([], None),
    "webhook_endpoint": ([], None),
    "webhook_delivery": ([], None),
}


def _foreign_keys(on: bool) -> None:
    """SQLite ignores `PRAGMA foreign_keys` inside a transaction, so the one open is committed
    first. Off, because dropping the old copy of a table with foreign keys on would first
    delete its rows, and with them (ON DELETE CASCADE) every row that references them."""
    raw = op.get_bind().connection.dbapi_connection
    assert raw is not None
    if raw.in_transaction:  # type: ignore[attr-defined]
        raw.commit()
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")  # type: ignore[attr-defined]


def _rebuild(autoincrement: bool) -> None:
    for table in _HISTORY:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def _largest_kept_id(bind: sa.Connection, table: str) -> int:
    columns, object_type = _HISTORY[table]
    queries = [f"SELECT MAX({column}) FROM {source}" for source, column in columns]
    if object_type is not None:
        queries.append(
            "SELECT MAX(CAST(object_id AS INTEGER)) FROM audit_entry "
            f"WHERE object_type = '{object_type}'"
        )
    return max([0, *(bind.exec_driver_sql(q).scalar() or 0 for q in queries)])


def _start_sequences_above_history() -> None:
    bind = op.get_bind()
    for table in _HISTORY:
        kept = _largest_kept_id(bind, table)
        if kept <= 0:
            continue
        # The copy set each sequence to its table's largest id; history may name larger ones.
        moved = bind.exec_driver_sql(
            "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (kept, table)
        )
        if moved.rowcount == 0:
            bind.exec_driver_sql(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, kept)
            )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _foreign_keys(False)
    _rebuild(autoincrement=True)
    _start_sequences_above_history()
    _foreign_keys(True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _foreign_keys(False)
    _rebuild(autoincrement=False)
    _foreign_keys(True)
