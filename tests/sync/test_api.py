"""The sync routes through the API: POST /apps/{id}/sync and /import as jobs, GET
/apps/{id}/sync and the `sync` block of GET /apps/{id}, their problems; and the schedule."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.sandbox.server import SandboxServer
from tests.apps.helpers import app_body
from tests.support import ApiClient
from tests.sync.conftest import accounts, live_ids, sync_row


def test_sync_now_and_import_run_as_jobs(
    api: ApiClient, app: dict[str, Any], sandbox: SandboxServer
) -> None:
    before = api.ok("GET", f"/apps/{app['id']}")
    assert before["sync"] == {
        "state": "idle",
        "last_cycle": None,
        "next_cycle_at": None,
        "next_full_at": None,
        "quarantine": None,
    }
    job = api.ok("POST", f"/apps/{app['id']}/import", expect=202)
    done = api.wait_job(job["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["cycle"]["kind"] == "full" and done["progress"]["processed"] >= 1
    assert set(accounts(app["id"])) == live_ids(sandbox)

    job = api.ok("POST", f"/apps/{app['id']}/sync", json={"full": False}, expect=202)
    done = api.wait_job(job["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["cycle"]["kind"] == "incremental"

    read = api.ok("GET", f"/apps/{app['id']}/sync")
    assert read["state"] == "idle" and read["quarantine"] is None
    assert read["last_cycle"]["kind"] == "incremental" and read["last_cycle"]["ok"] is True
    assert read["last_cycle"]["round_trips"]["users"] == 1
    assert read["next_cycle_at"] and read["next_full_at"]
    shown = api.ok("GET", f"/apps/{app['id']}")["sync"]
    assert shown["last_cycle"] == read["last_cycle"]
    assert shown["next_cycle_at"] == read["next_cycle_at"]

    job = api.ok("POST", f"/apps/{app['id']}/sync", json={"full": True}, expect=202)
    assert api.wait_job(job["id"])["result"]["cycle"]["kind"] == "full"


def test_sync_problems(api: ApiClient, app: dict[str, Any]) -> None:
    app_id = app["id"]
    for path in (f"/apps/{app_id}/sync", f"/apps/{app_id}/import"):
        assert api.problem("POST", "/apps/999999" + path[len(f"/apps/{app_id}") :], 404)
        anonymous = ApiClient(None)
        assert anonymous.problem("POST", path, 401, json={})
        assert api.with_scopes("read").problem("POST", path, 403, json={})
    assert api.problem("GET", "/apps/999999/sync", 404)
    assert api.problem("POST", f"/apps/{app_id}/sync", 422, json={"full": "sometimes"})
    assert api.problem("POST", f"/apps/{app_id}/sync", 422, json={"fast": True})
    # An app without consent has no tenant to read: 409, and no job.
    other = api.ok("POST", "/apps", json=app_body(2))
    problem = api.problem("POST", f"/apps/{other['id']}/sync", 409, json={})
    assert "authenticated" in problem["detail"]
    assert api.problem("POST", f"/apps/{other['id']}/import", 409)
    assert api.ok("GET", "/jobs")["items"] == []


def test_sync_routes_declare_their_problems(api: ApiClient) -> None:
    spec = api.get("/openapi.json").json()
    for path, method, statuses in (
        ("/api/v1/apps/{app_id}/sync", "post", {"401", "403", "404", "409", "422"}),
        ("/api/v1/apps/{app_id}/import", "post", {"401", "403", "404", "409"}),
        ("/api/v1/apps/{app_id}/sync", "get", {"401", "403", "404"}),
    ):
        responses = spec["paths"][path][method]["responses"]
        assert statuses <= set(responses), (path, method)
        for status in statuses:
            assert "application/problem+json" in responses[status]["content"]


def test_the_schedule_cycles_consented_apps(
    api: ApiClient, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, app: dict[str, Any]
) -> None:
    """With the due-cycles check on, the in-process runner imports a consented app on its
    own; an app without consent is left alone."""
    from app.background import install_dispatcher
    from app.queue import close_dispatcher
    from app.settings import get_settings

    unconsented = api.ok("POST", "/apps", json=app_body(2))
    monkeypatch.setenv("SYNC_CHECK_INTERVAL_S", "1")
    close_dispatcher()
    get_settings.cache_clear()
    install_dispatcher(get_settings())
    from app.queue import get_dispatcher

    get_dispatcher()
    deadline = time.monotonic() + 60
    while True:
        read = api.ok("GET", f"/apps/{app['id']}/sync")
        if read["last_cycle"] is not None:
            break
        assert time.monotonic() < deadline, read
        time.sleep(0.2)
    assert read["last_cycle"]["reason"] == "schedule" and read["last_cycle"]["ok"]
    assert set(accounts(app["id"])) == live_ids(sandbox)
    assert api.ok("GET", f"/apps/{unconsented['id']}/sync")["last_cycle"] is None
    assert sync_row(app["id"]).next_cycle_at is not None
