"""Provision on demand (`POST /apps/{id}/users/{user_id}/provision`) against the sandbox: the
run happens in the request, through planning, the claim and the executor, and the answer has
each step with Graph's answers."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.db import transaction
from app.models import Assignment, AuditEntry, Task, TaskStatus
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app
from tests.support import ApiClient, user_body
from tests.tenant_accounts.snapshot import wait_jobs


def _setup(api: ApiClient, sb: SandboxServer) -> tuple[int, int]:
    """An app (provisioning still off) whose rule grants E3 and the Sales group, and a user
    holding the role that grants it: an assignment, no task yet."""
    app = make_app(api, sb)
    aid = app["id"]
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [aid]})
    api.ok(
        "POST",
        f"/apps/{aid}/rules",
        json={
            "name": "everyone",
            "conditions": [{"source": "username", "operator": "exists"}],
            "actions": [
                {"action": "set_licenses", "value": [seed.SKU_E3]},
                {"action": "set_groups", "value": [seed.GROUP_SALES]},
            ],
        },
    )
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    return aid, uid


def _no_task_yet(api: ApiClient, aid: int) -> int:
    """Provisioning on, the user's create planned by the recompute that enabling starts, and
    denied: no task is open and nothing plans one until the request under test. (Approval is
    dropped before the denial, so the recompute of that change finds the create still open
    and plans nothing new.) Returns the denied task's id."""
    api.ok(
        "PATCH",
        f"/apps/{aid}",
        json={"provisioning_enabled": True, "approval_required": {"create": True}},
    )
    wait_jobs(api)
    api.ok("PATCH", f"/apps/{aid}", json={"approval_required": {"create": False}})
    wait_jobs(api)
    [task] = _tasks(aid)
    assert task.status == TaskStatus.pending_approval
    api.ok("POST", f"/provisioning/tasks/{task.id}/deny")
    assert task.id is not None
    return task.id


def _tasks(aid: int) -> list[Task]:
    with transaction() as session:
        rows = session.exec(select(Task).where(Task.app_id == aid)).all()
        for r in rows:
            session.expunge(r)
        return list(rows)


def _provision(api: ApiClient, aid: int, uid: int) -> dict[str, Any]:
    return api.ok("POST", f"/apps/{aid}/users/{uid}/provision")


def test_provision_on_demand_creates_the_user_and_answers_with_each_step(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    aid, uid = _setup(api, sandbox)
    api.problem("POST", f"/apps/{aid}/users/{uid}/provision", 409)  # provisioning is off
    assert _tasks(aid) == []
    denied = _no_task_yet(api, aid)
    sandbox.state.clear_log()

    run = _provision(api, aid, uid)

    assert (run["result"], run["action"]) == ("succeeded", "create"), run
    kinds = [s["kind"] for s in run["steps"]]
    assert kinds == ["lookup", "create", "license_add", "group_add"], run["steps"]
    assert all(s["status"] == "succeeded" for s in run["steps"]), run["steps"]
    assert run["steps"][0]["reason"] == "not in the tenant: created"
    # The look-up's own requests: the UPN and deleted-items finds, answered 200 with nobody.
    looked = {c["request"]: c for c in run["steps"][0]["graph"]}
    assert looked["find_by_upn"]["method"] == "GET" and looked["find_by_upn"]["status"] == 200
    assert looked["find_by_upn"]["request_id"]
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    created = tenant.user_by_upn(f"user1@{seed.DOMAIN_DEFAULT}")
    assert created is not None and run["tenant_object_id"] == created.id
    assert [lic.sku_id for lic in created.licenses] == [seed.SKU_E3.lower()]
    assert created.id in tenant.groups[seed.GROUP_SALES].members
    # Each step carries Graph's answer; the create's request id is the tenant's own record.
    [create] = [s for s in run["steps"] if s["kind"] == "create"]
    [post] = sandbox.state.calls_to("POST", "/users")
    [call] = create["graph"]
    assert (call["method"], call["path"], call["status"]) == ("POST", "/users", 201)
    assert call["request_id"] and call["request_id"] in {post.request_id, call["batch_request_id"]}
    [lic] = [s for s in run["steps"] if s["kind"] == "license_add"]
    assert lic["target"] == seed.SKU_E3 and lic["graph"][0]["path"].endswith("/assignLicense")
    assert run["calls"] and all(c["request_id"] for c in run["calls"])
    [task] = [t for t in _tasks(aid) if t.id != denied]
    assert (task.id, task.status) == (run["task_id"], TaskStatus.succeeded)
    with transaction() as session:
        [audited] = session.exec(
            select(AuditEntry).where(AuditEntry.action == "task.run_on_demand")
        ).all()
        assert (audited.actor_name, audited.object_id) == ("admin", str(task.id))

    # Again: nothing to change by our records; the run reads the tenant user and sends nothing.
    sandbox.state.clear_log()
    again = _provision(api, aid, uid)

    assert (again["result"], again["action"]) == ("succeeded", "update"), again
    assert again["steps"][0]["kind"] == "lookup"
    assert again["steps"][0]["reason"] == f"known by tenant object id {created.id}"
    assert [c["method"] for c in again["steps"][0]["graph"]] == ["GET"]
    assert sandbox.state.calls_to("POST", "/users") == []
    assert sandbox.state.calls_to("PATCH", f"/users/{created.id}") == []


def test_provision_on_demand_respects_approval_and_a_running_task(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    aid, uid = _setup(api, sandbox)
    api.ok(
        "PATCH",
        f"/apps/{aid}",
        json={"provisioning_enabled": True, "approval_required": {"create": True}},
    )
    wait_jobs(api)
    [waiting] = _tasks(aid)

    run = _provision(api, aid, uid)

    assert (run["result"], run["action"], run["steps"]) == ("pending_approval", "create", [])
    assert "approval" in run["reason"]
    assert sandbox.state.calls_to("POST", "/users") == []
    assert (
        sandbox.state.tenant(seed.DEMO_TENANT_ID).user_by_upn(f"user1@{seed.DOMAIN_DEFAULT}")
        is None
    )
    [task] = _tasks(aid)
    assert (task.id, task.status) == (waiting.id, TaskStatus.pending_approval)
    assert run["task_id"] == waiting.id

    with transaction() as session:
        row = session.get(Task, task.id)
        assert row is not None
        row.status = TaskStatus.running
        session.add(row)
    problem = api.problem("POST", f"/apps/{aid}/users/{uid}/provision", 409)
    assert "already running" in problem["detail"]
    assert sandbox.state.calls_to("POST", "/users") == []


def test_provision_on_demand_refuses_what_it_cannot_run(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    aid, uid = _setup(api, sandbox)
    denied = _no_task_yet(api, aid)
    loner = api.ok("POST", "/users", json=user_body(2))["id"]

    problem = api.problem("POST", f"/apps/{aid}/users/{loner}/provision", 409)
    assert "not assigned" in problem["detail"] and "roles" in problem["detail"]
    api.problem("POST", f"/apps/{aid}/users/999999/provision", 404)
    api.problem("POST", f"/apps/999999/users/{uid}/provision", 404)
    api.with_scopes("read").problem("POST", f"/apps/{aid}/users/{uid}/provision", 403)
    assert [t.id for t in _tasks(aid)] == [denied]
    with transaction() as session:
        assert session.exec(select(Assignment).where(Assignment.user_id == loner)).all() == []

    spec = api.get("/openapi.json").json()
    responses = spec["paths"]["/api/v1/apps/{app_id}/users/{user_id}/provision"]["post"][
        "responses"
    ]
    for status in ("403", "404", "409", "422"):
        assert "application/problem+json" in responses[status]["content"], status
    for path in (
        "/api/v1/apps/{app_id}/tenant-accounts",
        "/api/v1/apps/{app_id}/tenant-accounts/actions",
        "/api/v1/apps/{app_id}/tenant-accounts/{account_id}/actions",
    ):
        for operation in spec["paths"][path].values():
            assert "application/problem+json" in operation["responses"]["422"]["content"]
