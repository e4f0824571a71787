"""On SQLite (the embedded default) an id is never handed out twice: a user, app or rule
made after another was deleted gets a new id, so it never inherits the old one's audit
entries, tasks or events. The migration that makes the tables so keeps every row."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from alembic import command
from app.cli import app as cli
from app.db import _alembic_config, build_engine, current_revision, head_revision, migrate
from app.settings import Settings
from tests.apps.helpers import app_body
from tests.support import ApiClient, reset_caches, user_body

BEFORE = "0013_snapshot"


@pytest.fixture
def on_sqlite(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    data = tmp_path / "sqlite-data"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("DATA_DIR", str(data))
    reset_caches()
    assert CliRunner().invoke(cli, ["migrate"], catch_exceptions=False).exit_code == 0
    yield data / "provisioner.db"
    reset_caches()


def _rule(name: str) -> dict[str, object]:
    return {
        "name": name,
        "conditions": [{"source": "username", "operator": "exists"}],
        "actions": [{"action": "set_parameter", "value": ["usageLocation", "US"]}],
    }


def _audit_of(admin: ApiClient, kind: str, object_id: int) -> list[str]:
    params = {"object_type": kind, "object": str(object_id)}
    return [e["action"] for e in admin.ok("GET", "/audit", params=params)["items"]]


def test_a_new_user_app_or_rule_never_takes_a_deleted_ones_id(on_sqlite: Path) -> None:
    admin = ApiClient.admin()
    old = admin.ok("POST", "/users", json=user_body(1))
    admin.ok("PATCH", f"/users/{old['id']}", json={"department": "Support"})
    admin.ok("DELETE", f"/users/{old['id']}", expect=204)
    app = admin.ok(
        "POST",
        "/apps",
        json=app_body(1, cloud="global"),
    )
    rule = admin.ok("POST", f"/apps/{app['id']}/rules", json=_rule("r"))
    admin.ok("DELETE", f"/apps/{app['id']}/rules/{rule['id']}", expect=204)
    admin.ok("DELETE", f"/apps/{app['id']}", expect=204)

    new = admin.ok("POST", "/users", json=user_body(2))
    new_app = admin.ok(
        "POST",
        "/apps",
        json=app_body(2, cloud="global"),
    )
    new_rule = admin.ok("POST", f"/apps/{new_app['id']}/rules", json=_rule("s"))

    assert new["id"] > old["id"] and new_app["id"] > app["id"] and new_rule["id"] > rule["id"]
    # The new ones' history is their own; the old ones' stays where it was.
    assert _audit_of(admin, "user", new["id"]) == ["user.created"]
    assert _audit_of(admin, "user", old["id"]) == ["user.created", "user.updated", "user.deleted"]
    assert _audit_of(admin, "app", new_app["id"]) == ["app.created"]
    assert _audit_of(admin, "rule", new_rule["id"]) == ["rule.created"]
    assert admin.ok("GET", f"/apps/{new_app['id']}/provisioning/log")["items"] == []
    assert admin.ok("GET", f"/users/{new['id']}/provisioning/log")["items"] == []


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _rows(db: sqlite3.Connection, sql: str) -> list[tuple[object, ...]]:
    return list(db.execute(sql).fetchall())


def test_the_upgrade_rebuilds_the_tables_with_every_row_and_no_id_reused(
    tmp_path: Path,
) -> None:
    engine = build_engine(Settings(data_dir=tmp_path, database_url=None))
    migrate(engine, BEFORE)
    path = tmp_path / "provisioner.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys=ON")
    now = "2026-01-01 00:00:00"
    db.execute(
        "INSERT INTO app (id, name, tenant, domain, cloud, client_id, provisioning_enabled, "
        "approval_required, on_user_deleted, on_user_suspended, on_app_removed, "
        "immutable_id_attribute, parameters, entitlements, sync_interval_s, "
        "full_sync_interval_s, created_at, updated_at) VALUES (1, 'a', 't', 'd', 'global', "
        "'c', 0, '{}', 'suspend', 'suspend', 'suspend', 'x', '[]', '{}', 300, 86400, ?, ?)",
        (now, now),
    )
    for uid in (1, 2, 3):
        db.execute(
            "INSERT INTO directory_user (id, username, username_lower, email, email_lower, "
            "member_of, status, custom_attributes, mapped_attributes, mapped_roles, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, '[]', 'active', '{}', '{}', '{}', ?, ?)",
            (uid, f"u{uid}", f"u{uid}", f"u{uid}@x", f"u{uid}@x", now, now),
        )
    db.execute(
        "INSERT INTO assignment (id, app_id, user_id, active, target, state, created_at, "
        "updated_at) VALUES (1, 1, 2, 1, 'present', 'pending', ?, ?)",
        (now, now),
    )
    # User 3 is gone; its task is the history that names it.
    db.execute(
        "INSERT INTO task (id, assignment_id, app_id, user_id, action, plan, status, attempts, "
        "request_ids, created_at, updated_at) VALUES (4, 1, 1, 3, 'create', '{}', 'queued', 0, "
        "'[]', ?, ?)",
        (now, now),
    )
    db.execute("DELETE FROM directory_user WHERE id = 3")
    db.commit()
    db.close()

    migrate(engine)

    assert current_revision(engine) == head_revision()  # 0017_ids and what follows it
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys=ON")
    assert _rows(db, "SELECT id FROM directory_user ORDER BY id") == [(1,), (2,)]
    assert _rows(db, "SELECT id, app_id, user_id FROM assignment") == [(1, 1, 2)]
    assert _rows(db, "SELECT id, assignment_id, user_id FROM task") == [(4, 1, 3)]
    assert _rows(db, "PRAGMA foreign_key_check") == []
    assert (
        "AUTOINCREMENT"
        in db.execute("SELECT sql FROM sqlite_master WHERE name = 'directory_user'").fetchone()[0]
    )
    # The open-task index kept its condition: a second open task of the assignment is refused.
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO task (assignment_id, app_id, user_id, action, plan, status, attempts, "
            "request_ids, created_at, updated_at) VALUES (1, 1, 2, 'update', '{}', 'queued', 0, "
            "'[]', ?, ?)",
            (now, now),
        )
    # The deleted user 3 (named by task 4) is not handed out again, nor is task 4's id.
    db.execute(
        "INSERT INTO directory_user (username, username_lower, email, email_lower, member_of, "
        "status, custom_attributes, mapped_attributes, mapped_roles, created_at, updated_at) "
        "VALUES ('n', 'n', 'n@x', 'n@x', '[]', 'active', '{}', '{}', '{}', ?, ?)",
        (now, now),
    )
    assert db.execute("SELECT MAX(id) FROM directory_user").fetchone() == (4,)
    # Cascades still hold: deleting the app takes its assignment and task with it.
    db.execute("DELETE FROM app WHERE id = 1")
    assert _rows(db, "SELECT COUNT(*) FROM assignment") == [(0,)]
    assert _rows(db, "SELECT COUNT(*) FROM task") == [(0,)]
    db.rollback()
    db.close()

    _downgrade(engine, BEFORE)  # the downgrade keeps the rows too
    db = sqlite3.connect(path)
    assert _rows(db, "SELECT id FROM directory_user ORDER BY id") == [(1,), (2,)]
    assert _rows(db, "SELECT id FROM task") == [(4,)]
    db.close()
    engine.dispose()
