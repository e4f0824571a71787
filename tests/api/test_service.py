"""The service as a whole: OpenAPI in step, local docs, health, errors, schema guard, SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.openapi import render_openapi
from tests.support import ApiClient, reset_caches, user_body

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_matches_the_app() -> None:
    committed = (ROOT / "openapi" / "openapi.json").read_text()
    assert committed == render_openapi(), "run `provisioner openapi export`"
    spec = json.loads(committed)
    op_ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(op_ids) == len(set(op_ids))
    assert "users-list" in op_ids and "mappings-reapply" in op_ids


def test_docs_are_served_from_local_assets(client: ApiClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn" not in html.lower() and "https://" not in html.replace(
            "https://provisioner", ""
        )
    assert "/docs-assets/swagger-ui-bundle.js" in client.get("/docs").text
    js = client.get("/docs-assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 200


def test_health_and_readiness(client: ApiClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readiness_reports_a_dead_redis(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    reset_caches()
    with ApiClient(None) as api:
        ready = api.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"].startswith("error")


def test_unknown_route_and_method_are_problems(client: ApiClient) -> None:
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404 and resp.headers["content-type"] == "application/problem+json"
    resp = client.put("/api/v1/users")
    assert resp.status_code == 405 and resp.json()["status"] == 405


def test_service_refuses_an_unmigrated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.main import create_app

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    reset_caches()
    try:
        with pytest.raises(Exception, match="provisioner migrate"), ApiClient(None):
            pass
        del create_app
    finally:
        reset_caches()


def test_embedded_sqlite_smoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded default: SQLite, in-process runner, from the CLI's migrate to a reapply."""
    from app.cli import app as cli

    for key in ("DATABASE_URL", "REDIS_URL", "QUEUE_MODE", "SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SANDBOX_ENABLED", "false")
    reset_caches()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        result = runner.invoke(cli, ["token", "create", "--scope", "admin"])
        assert result.exit_code == 0, result.output
        token = result.stdout.strip().splitlines()[-1]
        assert (tmp_path / "provisioner.db").exists()
        with ApiClient(token) as api:
            role = api.ok("POST", "/roles", json={"name": "Office 365"})
            api.ok(
                "POST",
                "/mappings",
                json={
                    "name": "o365",
                    "conditions": [
                        {"source": "member_of", "operator": "contains", "value": "Office"}
                    ],
                    "actions": [{"action": "set_role", "value": [str(role["id"])]}],
                },
            )
            uid = api.ok("POST", "/users", json=user_body(1, member_of=["Office 365"]))["id"]
            assert api.ok("GET", f"/users/{uid}")["roles"][0]["source"] == "mapping"
            api.problem("POST", "/users", 409, json=user_body(1))
            job = api.wait_job(api.ok("POST", "/mappings/reapply")["id"])
            assert job["status"] == "succeeded" and job["result"]["changed"] == 0
    finally:
        from app.queue import close_dispatcher

        close_dispatcher()
        reset_caches()
