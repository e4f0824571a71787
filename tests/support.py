"""Small builders and helpers shared by the tests."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient


def reset_caches() -> None:
    """Forget cached settings, engine and key so the next use reads the environment again."""
    from app import crypto, db, settings
    from app.api import auth_gate

    with contextlib.suppress(Exception):
        db.get_engine().dispose()
    auth_gate._recent.clear()
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
    crypto._fernet.cache_clear()


def use_sqlite(tmp_path: Path, monkeypatch: Any) -> Path:
    """Point the app at a fresh, migrated SQLite database of its own under `tmp_path` (the
    embedded default: no DATABASE_URL); returns the database file. Call `reset_caches()`
    when done (the fixtures that use this do)."""
    from typer.testing import CliRunner

    from app.cli import app as cli
    from app.db import get_engine

    data = tmp_path / "sqlite-data"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("DATA_DIR", str(data))
    reset_caches()
    assert CliRunner().invoke(cli, ["migrate"], catch_exceptions=False).exit_code == 0
    assert get_engine().dialect.name == "sqlite"
    return data / "provisioner.db"


def truncate_all() -> None:
    from sqlalchemy import text
    from sqlmodel import SQLModel

    from app.db import get_engine

    engine = get_engine()
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for t in reversed(SQLModel.metadata.sorted_tables):
                conn.execute(t.delete())


def make_token(*scopes: str, name: str = "test") -> str:
    from app.db import transaction
    from app.models import Scope
    from app.tokens.service import create_token

    with transaction() as session:
        _, raw = create_token(session, name, [Scope(s) for s in scopes])
    return raw


class ApiClient(TestClient):
    """A TestClient that sends a bearer token and knows the API prefix."""

    def __init__(self, token: str | None, **kwargs: Any) -> None:
        from app.main import create_app

        super().__init__(create_app(), raise_server_exceptions=False, **kwargs)
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def admin(cls) -> ApiClient:
        return cls(make_token("admin", name="admin"))

    def with_scopes(self, *scopes: str) -> ApiClient:
        return ApiClient(make_token(*scopes))

    def ok(self, method: str, url: str, expect: int | None = None, **kwargs: Any) -> Any:
        """Call and assert success (or `expect`); returns the JSON body (None for 204)."""
        resp = self.request(method, "/api/v1" + url, **kwargs)
        wanted = expect or (201 if method == "POST" and resp.status_code == 201 else 200)
        if expect is None and resp.status_code in (200, 201, 202, 204):
            wanted = resp.status_code
        assert resp.status_code == wanted, f"{method} {url}: {resp.status_code} {resp.text}"
        return None if resp.status_code == 204 else resp.json()

    def problem(self, method: str, url: str, status: int, **kwargs: Any) -> dict[str, Any]:
        resp = self.request(method, "/api/v1" + url, **kwargs)
        assert resp.status_code == status, f"{method} {url}: {resp.status_code} {resp.text}"
        assert resp.headers["content-type"].startswith("application/problem+json")
        body = resp.json()
        assert body["status"] == status and body["type"] and body["title"]
        return body

    def wait_job(self, job_id: int, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.ok("GET", f"/jobs/{job_id}")
            if job["status"] in ("succeeded", "failed"):
                return job
            assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
            time.sleep(0.05)


def sales_mapping(
    api: ApiClient, role_id: int, group_id: int, *attributes: tuple[str, str]
) -> dict[str, Any]:
    """A mapping for people of the Sales department: it grants `role_id`, sets `group_id`
    and sets each (name, value) attribute (`region` = `EU` when none is given)."""
    actions: list[dict[str, Any]] = [
        {"action": "add_role", "value": [str(role_id)]},
        {"action": "set_group", "value": [str(group_id)]},
    ]
    actions += [
        {"action": "set_attribute", "value": [name, value]}
        for name, value in attributes or (("region", "EU"),)
    ]
    condition = {"source": "department", "operator": "equals", "value": "Sales"}
    body = {"name": "sales", "conditions": [condition], "actions": actions}
    result: dict[str, Any] = api.ok("POST", "/mappings", json=body)
    return result


def user_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "username": f"user{n}",
        "email": f"user{n}@example.com",
        "firstname": "Josh",
        "lastname": f"Ames{n}",
        "department": "Sales",
        "country": "US",
    }
    body.update(overrides)
    return body


@contextlib.contextmanager
def committed_just_before(prefix: str, sql: str, params: tuple[Any, ...]) -> Iterator[list[str]]:
    """While the block runs, the first statement of this engine starting with `prefix` finds
    `sql` (with `params`) committed by another connection just before it executes: a write
    landing between a transaction's reads and that statement. Yields the statements it fired
    before (one at most), so a test can check that it did."""
    from sqlalchemy import event

    from app.db import get_engine

    engine = get_engine()
    fired: list[str] = []

    def meanwhile(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not fired and statement.lstrip().startswith(prefix):
            fired.append(statement)
            other = engine.raw_connection()
            try:
                other.cursor().execute(sql, params)
                other.commit()
            finally:
                other.close()

    event.listen(engine, "before_cursor_execute", meanwhile)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", meanwhile)
