"""Which database the CLI uses: the server's wherever it runs from, never a new empty one made
by accident; and imports that keep nothing when they say so (SQLite and Postgres)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from arq.constants import default_queue_name
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.db import transaction
from app.models import Job, Task, User, Wakeup
from app.sandbox.server import SandboxServer
from tests.cli.conftest import ROOT, handed_over, server_down, shell
from tests.provisioning.conftest import make_app
from tests.support import ApiClient, reset_caches

PEOPLE = "username,email,department\nann,ann@example.com,Sales\nbob,bob@example.com,Sales\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def count(model: Any) -> int:
    with transaction() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]


@pytest.fixture
def on_sqlite(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The embedded default: no DATABASE_URL, SQLite under DATA_DIR, migrated."""
    data = tmp_path / "sqlite-data"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("DATA_DIR", str(data))
    reset_caches()
    assert run("migrate").exit_code == 0
    yield data / "provisioner.db"
    reset_caches()


def people(tmp_path: Path, text: str = PEOPLE) -> str:
    path = tmp_path / "people.csv"
    path.write_text(text)
    return str(path)


def test_a_dry_run_on_sqlite_writes_nothing(on_sqlite: Path, tmp_path: Path) -> None:
    result = run("import", "users", people(tmp_path), "--dry-run")

    assert result.exit_code == 0, result.output
    assert (count(User), count(Job), count(Wakeup)) == (0, 0, 0)


def test_rejected_rows_on_sqlite_keep_nothing_and_exit_1(on_sqlite: Path, tmp_path: Path) -> None:
    path = people(tmp_path, PEOPLE + "bad,not-an-email,Sales\n")

    result = run("import", "users", path)

    assert result.exit_code == 1
    assert count(User) == 0
    assert run("import", "users", path, "--skip-invalid").exit_code == 0
    assert count(User) == 2


def test_a_dry_run_plans_no_task_and_queues_nothing(
    api: ApiClient, sandbox: SandboxServer, tmp_path: Path, redis_url: str
) -> None:
    app = make_app(api, sandbox)
    api.ok("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    api.ok(
        "POST",
        "/mappings",
        json={
            "name": "sales",
            "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
            "actions": [{"action": "set_role", "value": [str(role["id"])]}],
        },
    )
    server_down()
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    jobs_before = count(Job)

    dry = run("import", "users", people(tmp_path), "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert (count(User), count(Task), count(Job)) == (0, 0, jobs_before)
    assert handed_over() == [] and client.zcard(default_queue_name) == 0
    # The same file for real plans a create per person, handed to the server's queue: one
    # wake-up, whose claim takes both tasks (`planning.task_wake`).
    assert run("import", "users", people(tmp_path)).exit_code == 0
    assert count(User) == 2 and count(Task) == 2
    assert [f for f, _ in handed_over()] == ["run_task"]
    client.close()


def test_the_default_database_does_not_depend_on_the_current_directory(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.settings import get_settings

    monkeypatch.delenv("DATA_DIR")
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.chdir(tmp_path)
    reset_caches()

    settings = get_settings()

    assert settings.data_dir == ROOT / "data"
    assert settings.effective_database_url == f"sqlite:///{ROOT / 'data' / 'provisioner.db'}"


def test_a_missing_database_is_refused_and_not_created(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "elsewhere"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("DATA_DIR", str(data))
    reset_caches()
    commands = [
        ["tasks", "list"],
        ["users", "list"],
        ["events"],
        ["token", "create", "--scope", "read"],
        ["import", "users", people(tmp_path)],
        ["reapply"],
    ]

    for args in commands:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert str(data / "provisioner.db") in result.output  # it says which one it looked at
        assert not data.exists(), args

    assert run("migrate").exit_code == 0
    assert "directory_user" in tables(data / "provisioner.db")
    assert run("tasks", "list").exit_code == 0


def test_an_unmigrated_database_is_refused_and_named(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "empty"
    data.mkdir()
    sqlite3.connect(data / "provisioner.db").close()
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("DATA_DIR", str(data))
    reset_caches()

    result = run("users", "list")

    assert result.exit_code == 2
    assert str(data / "provisioner.db") in result.output
    assert tables(data / "provisioner.db") == []


def test_the_wrapper_runs_this_checkout_from_any_directory(
    env: dict[str, str], tmp_path: Path
) -> None:
    data = tmp_path / "data-of-the-server"
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    (elsewhere / "people.csv").write_text(PEOPLE)
    settings = {"DATABASE_URL": None, "DATA_DIR": str(data)}

    migrated = shell("migrate", cwd=elsewhere, **settings)
    imported = shell("import", "users", "people.csv", cwd=elsewhere, **settings)

    assert migrated.returncode == 0, migrated.stderr
    assert imported.returncode == 0, imported.stderr
    with sqlite3.connect(data / "provisioner.db") as conn:
        names = [r[0] for r in conn.execute("SELECT username FROM directory_user ORDER BY id")]
    assert names == ["ann", "bob"]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["people.csv"]  # no ./data made here


def test_setup_keeps_one_live_admin_token_and_makes_another_after_a_reset(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`provisioner setup` (what `serve.sh` runs before serving) on the embedded default:
    migrates a new DATA_DIR and keeps an admin token in DATA_DIR/admin-token, readable by its
    owner only; a second run keeps the same token; a reset database gets a new one."""
    from app.models import ApiToken
    from app.tokens.service import authenticate

    data = tmp_path / "fresh"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("DATA_DIR", str(data))
    reset_caches()
    token_file = data / "admin-token"

    first = run("setup")
    assert first.exit_code == 0, first.output
    raw = token_file.read_text().strip()
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert raw not in first.output and str(token_file) in first.output
    with transaction() as session:
        assert authenticate(session, raw).scopes == ["admin"]
    assert count(ApiToken) == 1

    assert run("setup").exit_code == 0
    assert token_file.read_text().strip() == raw and count(ApiToken) == 1

    (data / "provisioner.db").unlink()  # the database reset; the token file left behind
    reset_caches()
    again = run("setup")
    assert again.exit_code == 0, again.output
    assert "no live token" in again.output
    fresh = token_file.read_text().strip()
    assert fresh != raw
    with transaction() as session:
        assert authenticate(session, fresh).name == "first-admin"
    assert [p.name for p in data.glob(".admin-token*")] == [".admin-token.lock"]  # no temp left

    # Garbage in the file is no token: replaced. A directory in its place: refused, no token.
    token_file.write_bytes(b"\xff\xfe not a token")
    assert run("setup").exit_code == 0
    replaced = token_file.read_text().strip()
    assert replaced.startswith("pvn_") and count(ApiToken) == 2
    token_file.unlink()
    token_file.mkdir()
    refused = run("setup")
    assert refused.exit_code == 2 and "is not a file" in refused.output
    assert count(ApiToken) == 2


def test_setup_run_twice_at_once_makes_one_token(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve.sh started twice side by side: the second `setup` waits for the first's lock and
    finds its token, rather than both making one (and one file naming an orphan)."""
    import subprocess
    import sys

    from app.models import ApiToken

    data = tmp_path / "twice"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("DATA_DIR", str(data))
    reset_caches()
    assert run("migrate").exit_code == 0
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "app.cli", "setup"],
            cwd=ROOT,
            env={**os.environ, "DATA_DIR": str(data)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in runs]
    assert [p.returncode for p in runs] == [0, 0], outputs
    assert sum("made an admin token" in o for o in outputs) == 1, outputs
    assert count(ApiToken) == 1
