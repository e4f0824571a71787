"""A cycle's Graph calls are listed with the app's other operations (`GET /apps/{id}/activity`):
each delta page with Graph's request id, its path without the query (the deltaLink's token),
capped at the first and last few with the count left out."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from app.db import transaction
from app.models import Event
from app.sandbox.server import SandboxServer
from app.sync import service
from tests.support import ApiClient
from tests.sync.conftest import cycle


def _cycles(api: ApiClient, app_id: int) -> list[dict[str, Any]]:
    items = api.ok("GET", f"/apps/{app_id}/activity")["items"]
    return [i for i in items if i["operation"] == "sync_cycle"]


def test_a_cycle_lists_its_delta_calls_with_request_ids(
    api: ApiClient, sandbox: SandboxServer, app: dict[str, Any]
) -> None:
    assert cycle(app["id"], full=True).cycle["ok"]  # type: ignore[index]
    assert cycle(app["id"]).cycle["ok"]  # type: ignore[index]

    full, incremental = _cycles(api, app["id"])

    for entry in (full, incremental):
        assert entry["outcome"] == "succeeded" and entry["error"] is None
        deltas = [c for c in entry["calls"] if "users/delta" in c["path"]]
        assert deltas, entry["calls"]
        for call in deltas:
            assert (call["method"], call["status"]) == ("GET", 200)
            assert call["request_id"], call
            assert "?" not in call["path"] and "token" not in call["path"].lower()
    logged = {c.request_id for c in sandbox.state.calls if c.path.startswith("/users/delta")}
    listed = {c["request_id"] for e in (full, incremental) for c in e["calls"]}
    assert logged and logged <= listed


def test_a_long_cycle_keeps_its_first_and_last_calls(
    api: ApiClient, app: dict[str, Any], portal: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three pages of users at least (Graph serves at most 200 a page).
    assert portal.post("/users:bulk", json={"count": 450}).is_success
    monkeypatch.setattr(service, "CALLS_KEPT", 1)
    assert cycle(app["id"], full=True).cycle["ok"]  # type: ignore[index]

    [entry] = _cycles(api, app["id"])
    with transaction() as session:
        event = session.exec(
            select(Event).where(Event.app_id == app["id"]).order_by(col(Event.id).desc())
        ).first()
        assert event is not None and event.data["operation"] == "sync_cycle"
        total, omitted = event.data["calls_total"], event.data["calls_omitted"]

    assert total >= 3 and omitted == total - 2
    assert len(entry["calls"]) == 2
