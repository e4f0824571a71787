"""Approvals cannot be bypassed: a denied or cancelled plan never runs, and of concurrent
deciders exactly one wins each task."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.db import transaction
from app.models import Assignment, Task
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import live_users, make_app, wait_tasks
from tests.support import ApiClient, user_body


def _pending_create(api: ApiClient, sb: SandboxServer) -> tuple[dict[str, Any], dict[str, Any]]:
    """An app whose creates need approval, and one person waiting for it. The demo tenant
    holds SEEDED users of its own before."""
    assert len(live_users(sb)) == SEEDED
    app = make_app(api, sb)
    api.ok(
        "PATCH",
        f"/apps/{app['id']}",
        json={"provisioning_enabled": True, "approval_required": {"create": True}},
    )
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    user = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))
    (task,) = api.ok("GET", "/provisioning/tasks", params={"user_id": user["id"]})["items"]
    assert task["status"] == "pending_approval"
    return app, task


SEEDED = 4


def _in_parallel(calls: list[tuple[ApiClient, str]]) -> list[int]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda c: c[0].post("/api/v1" + c[1]).status_code, calls))


def test_a_denied_task_cannot_be_retried_into_running(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, task = _pending_create(api, sandbox)
    approver, writer = api.with_scopes("approve"), api.with_scopes("write")
    approver.ok("POST", f"/provisioning/tasks/{task['id']}/deny")

    body = writer.problem("POST", f"/provisioning/tasks/{task['id']}/retry", 409)
    assert "denied" in body["detail"]
    wait_tasks(api, app["id"])
    after = api.ok("GET", f"/provisioning/tasks/{task['id']}")
    assert (after["status"], after["approved_by"]) == ("denied", None)
    assert len(live_users(sandbox)) == SEEDED  # nothing was created in the tenant


def test_a_cancelled_pending_task_cannot_be_retried_into_running(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, task = _pending_create(api, sandbox)
    writer = api.with_scopes("write")
    writer.ok("POST", f"/provisioning/tasks/{task['id']}/cancel")

    writer.problem("POST", f"/provisioning/tasks/{task['id']}/retry", 409)
    wait_tasks(api, app["id"])
    assert api.ok("GET", f"/provisioning/tasks/{task['id']}")["status"] == "cancelled"
    assert len(live_users(sandbox)) == SEEDED


def test_fifty_parallel_approvals_have_exactly_one_winner(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, task = _pending_create(api, sandbox)
    approver = api.with_scopes("approve")
    codes = _in_parallel([(approver, f"/provisioning/tasks/{task['id']}/approve")] * 50)

    assert Counter(codes) == {200: 1, 409: 49}
    wait_tasks(api, app["id"])
    assert api.ok("GET", f"/provisioning/tasks/{task['id']}")["status"] == "succeeded"
    assert len(live_users(sandbox)) == SEEDED + 1


def test_approvals_racing_denials_leave_one_decision(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, task = _pending_create(api, sandbox)
    approver = api.with_scopes("approve")
    calls = [
        (approver, f"/provisioning/tasks/{task['id']}/{verb}")
        for _ in range(25)
        for verb in ("approve", "deny")
    ]
    codes = _in_parallel(calls)

    assert Counter(codes) == {200: 1, 409: 49}
    wait_tasks(api, app["id"])
    with transaction() as session:
        row = session.get(Task, task["id"])
        assert row is not None
        assert (row.approved_by is None) != (row.denied_by is None)
        assert row.status == ("denied" if row.denied_by else "succeeded")
    assert len(live_users(sandbox)) == SEEDED + (0 if row.denied_by else 1)


def test_bulk_approval_with_one_decided_task_changes_nothing(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    _, task = _pending_create(api, sandbox)
    role_id = api.ok("GET", "/roles")["items"][0]["id"]
    other = api.ok("POST", "/users", json=user_body(2, role_ids=[role_id]))
    (second,) = api.ok("GET", "/provisioning/tasks", params={"user_id": other["id"]})["items"]
    approver = api.with_scopes("approve")
    approver.ok("POST", f"/provisioning/tasks/{task['id']}/deny")

    approver.problem(
        "POST", "/provisioning/tasks/approve", 409, json={"task_ids": [second["id"], task["id"]]}
    )
    assert api.ok("GET", f"/provisioning/tasks/{second['id']}")["status"] == "pending_approval"
    assert len(live_users(sandbox)) == SEEDED


def test_an_update_that_finds_its_user_gone_waits_for_approval_to_create_them_again(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """A user deleted in the tenant by someone else (purged: nothing to restore) is not created
    again by an update task while the app wants creates approved: the task becomes a create
    waiting for approval, sends nothing, and the assignment stops claiming a tenant user.
    (Found by a new user: after a sandbox restart an edit re-created a person unapproved.)"""
    app, task = _pending_create(api, sandbox)
    approver = api.with_scopes("approve")
    approver.ok("POST", f"/provisioning/tasks/{task['id']}/approve")
    wait_tasks(api, app["id"])
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    with transaction() as session:
        first = session.get(Assignment, task["assignment_id"])
        assert first is not None and first.tenant_object_id is not None
        gone = tenant.users[first.tenant_object_id]
    upn = gone.upn
    with sandbox.state.lock:
        tenant.purge_user(gone)

    api.ok("PATCH", f"/users/{task['user_id']}", json={"department": "Marketing"})
    wait_tasks(api, app["id"])

    assert tenant.user_by_upn(upn) is None  # nothing was created
    (again,) = [
        t
        for t in api.ok("GET", "/provisioning/tasks", params={"user_id": task["user_id"]})["items"]
        if t["id"] != task["id"]
    ]
    assert (again["status"], again["action"]) == ("pending_approval", "create")
    assert "needs an admin's approval" in again["reason"]
    with transaction() as session:
        assignment = session.get(Assignment, again["assignment_id"])
        assert assignment is not None
        assert (assignment.tenant_object_id, assignment.state) == (None, "pending")

    approver.ok("POST", f"/provisioning/tasks/{again['id']}/approve")
    wait_tasks(api, app["id"])
    created = tenant.user_by_upn(upn)
    assert created is not None and created.id != gone.id
    assert created.props.get("department") == "Marketing"
