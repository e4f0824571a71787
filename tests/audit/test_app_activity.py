"""An app's own Graph calls (domain verification, entitlements refresh, preflight) are in its
activity, one entry per operation with every call: method, path, status, Graph's code and
request id, and how long it took; a failed operation says why."""

from __future__ import annotations

from typing import Any

from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app
from tests.support import ApiClient


def _activity(api: ApiClient, app_id: int) -> list[dict[str, Any]]:
    return api.ok("GET", f"/apps/{app_id}/activity")["items"]  # type: ignore[no-any-return]


def test_each_app_operation_lists_the_graph_calls_it_made(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app = make_app(api, sandbox)  # verifies the domain, then refreshes entitlements
    api.ok("GET", f"/apps/{app['id']}/preflight")

    verify, refresh, preflight = _activity(api, app["id"])
    assert [verify["operation"], refresh["operation"], preflight["operation"]] == [
        "verify_domain",
        "refresh_entitlements",
        "preflight",
    ]
    assert {verify["outcome"], refresh["outcome"], preflight["outcome"]} == {"succeeded"}
    assert [
        (c["method"], c["path"].startswith("/domains"), c["status"]) for c in verify["calls"]
    ] == [
        ("GET", True, 200),
        ("GET", True, 200),
    ]
    assert ("GET", "/subscribedSkus") in {(c["method"], c["path"]) for c in refresh["calls"]}
    assert ("GET", "/organization") in {(c["method"], c["path"]) for c in preflight["calls"]}
    for call in verify["calls"] + refresh["calls"] + preflight["calls"]:
        assert call["request_id"] and call["attempt"] >= 1 and call["duration_ms"] >= 0
    # Nothing of the sort is on a task: there is none.
    assert api.ok("GET", f"/apps/{app['id']}/provisioning/log")["items"] == []


def test_a_refusal_shows_graphs_answer_and_a_failed_operation_why(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app = make_app(api, sandbox)
    api.ok("PATCH", f"/apps/{app['id']}", json={"domain": "not-ours.example.com"})
    api.ok("POST", f"/apps/{app['id']}/verify-domain", headers={"X-Request-ID": "check-1"})
    missing = _activity(api, app["id"])[-1]
    assert missing["request_id"] == "check-1" and missing["outcome"] == "succeeded"
    first = missing["calls"][0]
    assert first["path"].startswith("/domains/")
    assert (first["status"], first["code"]) == (404, "Request_ResourceNotFound")
    assert first["request_id"]

    api.ok("DELETE", f"/apps/{app['id']}/token", expect=204)
    api.problem("POST", f"/apps/{app['id']}/verify-domain", 409)
    failed = _activity(api, app["id"])[-1]
    assert failed["operation"] == "verify_domain" and failed["outcome"] == "failed"
    assert failed["error"] and failed["calls"] == []
    api.problem("GET", "/apps/999/activity", 404)
