"""Each event type comes from the place where it happens, in an engine run against the
sandbox tenant, and reaches the endpoints that want it (signed, verified here with the
`standardwebhooks` library, as a receiver would)."""

from __future__ import annotations

from typing import Any

from app.sandbox import seed
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from tests.apps.helpers import app_body
from tests.provisioning.conftest import make_app, wait_tasks
from tests.support import ApiClient, user_body
from tests.webhooks.conftest import Receiver, add_endpoint, settled, wait_deliveries


def _events(api: ApiClient, hook: dict[str, Any], receiver: Receiver, kind: str) -> list[Any]:
    """The payloads of `kind` the receiver got, once every delivery to it has settled."""
    wait_deliveries(api, hook["id"], settled)
    return [p["data"] for p in receiver.of_type(kind, hook["secret"])]


def test_tasks_held_for_approval_make_one_approvals_waiting_event(
    api: ApiClient, sandbox: SandboxServer, receiver: Receiver
) -> None:
    app = make_app(api, sandbox)
    other = api.ok("POST", "/apps", json=app_body(2))
    hook = add_endpoint(api, receiver.url, app_id=app["id"])
    elsewhere = add_endpoint(api, receiver.url + "/other", app_id=other["id"])
    failures_only = add_endpoint(api, receiver.url + "/failures", event_types=["task.failed"])
    api.ok(
        "PATCH",
        f"/apps/{app['id']}",
        json={"provisioning_enabled": True, "approval_required": {"create": True}},
    )
    role = api.ok("POST", "/roles", json={"name": "M365"})
    users = [api.ok("POST", "/users", json=user_body(n, role_ids=[role["id"]])) for n in (1, 2)]
    # One change puts both creates in pending_approval: one event says so, with both.
    api.ok("PATCH", f"/roles/{role['id']}", json={"app_ids": [app["id"]]})
    pending = wait_tasks(api, app["id"])
    assert [t["status"] for t in pending] == ["pending_approval"] * 2

    [event] = _events(api, hook, receiver, "approvals.waiting")
    assert event["app_id"] == app["id"] and event["count"] == 2
    assert sorted(t["user_id"] for t in event["tasks"]) == sorted(u["id"] for u in users)
    assert {t["action"] for t in event["tasks"]} == {"create"}
    assert all(r.path == "/hooks" for r in receiver.received)
    assert api.ok("GET", f"/webhooks/{elsewhere['id']}/deliveries")["items"] == []
    assert api.ok("GET", f"/webhooks/{failures_only['id']}/deliveries")["items"] == []

    # Approving sends nothing more: nothing new waits.
    api.ok("POST", "/provisioning/tasks/approve", json={"task_ids": [t["id"] for t in pending]})
    assert {t["status"] for t in wait_tasks(api, app["id"])} == {"succeeded"}
    assert len(api.ok("GET", f"/webhooks/{hook['id']}/deliveries")["items"]) == 1


def test_a_failed_task_makes_a_task_failed_event(
    api: ApiClient, sandbox: SandboxServer, receiver: Receiver
) -> None:
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    add_user(tenant, "user1@contoso.com", "Someone Else", onPremisesImmutableId="c29tZW9uZQ==")
    hook = add_endpoint(api, receiver.url, event_types=["task.failed"])
    app = make_app(api, sandbox)
    api.ok("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    user = api.ok(
        "POST",
        "/users",
        json=user_body(1, role_ids=[role["id"]], custom_attributes={"immutable_id": "b3Vycw=="}),
    )
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "failed"

    [event] = _events(api, hook, receiver, "task.failed")
    assert (event["task_id"], event["user_id"], event["app_id"]) == (
        task["id"],
        user["id"],
        app["id"],
    )
    assert event["action"] == "create"
    # Our own refusal before any request (the UPN belongs to someone else): no request id.
    assert event["error"] == {
        "code": "UpnTakenByAnotherPerson",
        "message": task["error"]["message"],
        "request_id": None,
    }


def test_an_app_that_cannot_reach_its_tenant_is_reported_quarantined_once(
    api: ApiClient, sandbox: SandboxServer, receiver: Receiver
) -> None:
    hook = add_endpoint(api, receiver.url)
    # Credentials but no admin consent: every task is held until someone authenticates.
    app = api.ok("POST", "/apps", json=app_body(provisioning_enabled=True))
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    for n in (1, 2):  # two runs, one after the other
        api.ok("POST", "/users", json=user_body(n, role_ids=[role["id"]]))
        tasks = wait_tasks(api, app["id"])
        assert [t["status"] for t in tasks] == ["blocked"] * n

    [event] = _events(api, hook, receiver, "app.quarantined")
    assert event["app_id"] == app["id"] and event["cause"] == "NotAuthenticated"
    assert "not authenticated" in event["message"]


def test_clearing_consent_makes_a_consent_lost_event(
    api: ApiClient, sandbox: SandboxServer, receiver: Receiver
) -> None:
    app = make_app(api, sandbox)
    hook = add_endpoint(api, receiver.url, app_id=app["id"])
    api.ok("DELETE", f"/apps/{app['id']}/token")
    api.ok("DELETE", f"/apps/{app['id']}/token")  # nothing left to lose: no second event

    [event] = _events(api, hook, receiver, "app.consent_lost")
    assert event["app_id"] == app["id"] and event["tenant_id"] == seed.DEMO_TENANT_ID


def test_a_run_over_the_deletion_threshold_makes_an_event(
    api: ApiClient, sandbox: SandboxServer, receiver: Receiver
) -> None:
    app = make_app(api, sandbox, deletion_threshold=1)
    api.ok("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    for n in (1, 2, 3):
        api.ok("POST", "/users", json=user_body(n, role_ids=[role["id"]]))
    assert {t["status"] for t in wait_tasks(api, app["id"])} == {"succeeded"}
    hook = add_endpoint(api, receiver.url, event_types=["deletion_threshold.reached"])

    # The role loses the app: one change that would suspend all three.
    api.ok("PATCH", f"/roles/{role['id']}", json={"app_ids": []})
    held = [t for t in wait_tasks(api, app["id"]) if t["action"] == "suspend"]
    assert len(held) == 3 and {t["status"] for t in held} == {"pending_approval"}

    [event] = _events(api, hook, receiver, "deletion_threshold.reached")
    assert (event["app_id"], event["threshold"], event["count"]) == (app["id"], 1, 3)
