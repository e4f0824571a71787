"""Partial states through the API against the sandbox tenant: one failed step hides no other,
the assignment says what the tenant holds, and a refused call is not sent again by changes
that have nothing to do with it."""

from __future__ import annotations

from typing import Any

import pytest

from app.sandbox import seed
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from app.sandbox.state import Tenant
from tests.provisioning.conftest import make_app, members, tenant_user, wait_tasks
from tests.support import ApiClient, user_body

CONFLICT = "Another object with the same value for property userPrincipalName already exists."
TAKEN_UPN = "meganb@contoso.com"  # held by Megan in the seed tenant


def _tenant(sb: SandboxServer) -> Tenant:
    return sb.state.tenant(seed.DEMO_TENANT_ID)


def _setup(api: ApiClient, sb: SandboxServer) -> tuple[dict[str, Any], dict[str, Any]]:
    app = make_app(api, sb)
    api.ok("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    return app, role


def _rule(
    api: ApiClient, app_id: int, name: str, when: dict[str, str] | None, **acts: Any
) -> dict[str, Any]:
    conditions = [when] if when else [{"source": "username", "operator": "exists"}]
    actions = [{"action": f"set_{kind}", "value": value} for kind, value in acts.items()]
    rule = api.ok(
        "POST",
        f"/apps/{app_id}/rules",
        json={"name": name, "conditions": conditions, "actions": actions},
    )
    _settled(api, app_id)
    return dict(rule)


def _settled(api: ApiClient, app_id: int) -> None:
    """A rule change recomputes the app's assignments in a background job: wait for it."""
    for job in api.ok("GET", "/jobs", params={"limit": 500})["items"]:
        assert api.wait_job(job["id"])["status"] == "succeeded"
    wait_tasks(api, app_id)


def _department(value: str) -> dict[str, str]:
    return {"source": "department", "operator": "equals", "value": value}


def _assignment(api: ApiClient, user_id: int) -> dict[str, Any]:
    [assignment] = api.ok("GET", f"/users/{user_id}/apps")
    return assignment


def _steps(task: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(s["kind"], s["target"]): s for s in task["steps"]}


def _upn_patches(sb: SandboxServer, tenant_id: str, upn: str) -> int:
    """How many PATCHes of this user carrying `upn` reached the tenant."""
    return sum(
        1
        for call in sb.state.calls_to("PATCH", f"/users/{tenant_id}")
        if (call.body or {}).get("userPrincipalName") == upn
    )


def test_a_refused_patch_does_not_stop_a_group_add_in_the_same_task(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _setup(api, sandbox)
    _rule(api, app["id"], "engineers", _department("Engineering"), groups=[seed.GROUP_ENGINEERING])
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    wait_tasks(api, app["id"])
    user = tenant_user(sandbox, "user1@contoso.com")

    # The new email makes the UPN one Megan holds: Graph refuses the PATCH. The department
    # change puts the user in Engineering, which needs only the tenant user's id.
    api.ok(
        "PATCH", f"/users/{uid}", json={"email": "meganb@example.com", "department": "Engineering"}
    )
    task = wait_tasks(api, app["id"])[-1]

    assert user.id in members(sandbox, seed.GROUP_ENGINEERING)
    assert user.upn == "user1@contoso.com" and user.props["department"] == "Sales"
    [refused_call] = sandbox.state.calls_to("PATCH", f"/users/{user.id}")
    assert refused_call.status == 400
    assert task["action"] == "update" and task["status"] == "failed"
    steps = _steps(api.ok("GET", f"/provisioning/tasks/{task['id']}"))
    [patch] = [s for (kind, _), s in steps.items() if kind == "attributes"]
    assert patch["status"] == "failed" and "userPrincipalName" in patch["target"]
    assert patch["error"] == {
        "code": "Request_BadRequest",
        "message": CONFLICT,
        "status": 400,
        "request_id": refused_call.request_id,
    }
    assert steps[("group_add", seed.GROUP_ENGINEERING)]["status"] == "succeeded"
    assignment = _assignment(api, uid)
    assert assignment["state"] == "partial"
    [error] = assignment["step_errors"]
    assert error["step"] == "attributes" and error["outcome"] == "failed"
    assert (error["code"], error["message"], error["request_id"], error["task_id"]) == (
        "Request_BadRequest",
        CONFLICT,
        refused_call.request_id,
        task["id"],
    )
    assert assignment["last_error"]["code"] == "Request_BadRequest"
    assert assignment["last_error"]["request_id"] == refused_call.request_id
    assert seed.GROUP_ENGINEERING in assignment["applied"]["groups"]
    assert assignment["applied"]["attributes"]["userPrincipalName"] == "user1@contoso.com"
    assert assignment["applied"]["attributes"]["department"] == "Sales"


@pytest.mark.parametrize("refusal", ["no_seats", "sku_gone"])
def test_a_refused_license_does_not_stop_groups(
    api: ApiClient, sandbox: SandboxServer, refusal: str
) -> None:
    app, role = _setup(api, sandbox)
    sku = seed.SKU_M365_E5 if refusal == "no_seats" else seed.SKU_EMS
    _rule(api, app["id"], "everyone", None, licenses=[sku], groups=[seed.GROUP_SALES])
    if refusal == "sku_gone":
        del _tenant(sandbox).skus[seed.SKU_EMS]  # the subscription ended after the refresh
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    [task] = wait_tasks(api, app["id"])

    user = tenant_user(sandbox, "user1@contoso.com")
    assert user.licenses == [] and user.id in members(sandbox, seed.GROUP_SALES)
    assert task["status"] == ("blocked" if refusal == "no_seats" else "failed")
    steps = _steps(task)
    assert steps[("create", "user1@contoso.com")]["status"] == "succeeded"
    assert steps[("license_add", sku)]["status"] == task["status"]
    assert steps[("license_add", sku)]["error"]["code"] == "Request_BadRequest"
    assert steps[("group_add", seed.GROUP_SALES)]["status"] == "succeeded"
    assignment = _assignment(api, uid)
    assert assignment["state"] == "partial"
    assert assignment["applied"]["licenses"] == {}
    assert assignment["applied"]["groups"] == [seed.GROUP_SALES]
    assert [(e["step"], e["target"]) for e in assignment["step_errors"]] == [("license_add", sku)]


def test_one_refused_group_of_two_leaves_the_other_applied_and_recorded(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _setup(api, sandbox)
    rule = _rule(
        api, app["id"], "two groups", None, groups=[seed.GROUP_SALES, seed.GROUP_ENGINEERING]
    )
    # An admin turned Engineering into a dynamic group after entitlements were refreshed.
    _tenant(sandbox).groups[seed.GROUP_ENGINEERING].group_types.append("DynamicMembership")
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    [task] = wait_tasks(api, app["id"])

    user = tenant_user(sandbox, "user1@contoso.com")
    assert user.id in members(sandbox, seed.GROUP_SALES)
    assert user.id not in members(sandbox, seed.GROUP_ENGINEERING)
    assert task["status"] == "failed"
    steps = _steps(task)
    assert steps[("group_add", seed.GROUP_SALES)]["status"] == "succeeded"
    failed = steps[("group_add", seed.GROUP_ENGINEERING)]
    assert failed["status"] == "failed" and "dynamic membership" in failed["error"]["message"]
    assignment = _assignment(api, uid)
    assert assignment["state"] == "partial"
    assert assignment["applied"]["groups"] == [seed.GROUP_SALES]
    assert [(e["step"], e["target"]) for e in assignment["step_errors"]] == [
        ("group_add", seed.GROUP_ENGINEERING)
    ]
    # Only the refused group is missing, and it waits for its value to change or a retry.
    assert api.ok("GET", f"/apps/{app['id']}/plan")["totals"] == {}

    # The rule stops asking for the refused group: the tenant now holds all we want.
    api.ok(
        "PATCH",
        f"/apps/{app['id']}/rules/{rule['id']}",
        json={"actions": [{"action": "set_groups", "value": [seed.GROUP_SALES]}]},
    )
    _settled(api, app["id"])
    assignment = _assignment(api, uid)
    assert assignment["state"] == "provisioned"
    assert assignment["step_errors"] == [] and assignment["last_error"] is None
    assert len(wait_tasks(api, app["id"])) == 1


def test_a_refused_call_is_sent_once_until_its_value_changes_or_an_admin_retries(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _setup(api, sandbox)
    _rule(api, app["id"], "support E5", _department("Support"), licenses=[seed.SKU_M365_E5])
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    wait_tasks(api, app["id"])
    tid = tenant_user(sandbox, "user1@contoso.com").id

    # One change: a UPN Graph refuses, and a license with no free seats (blocked).
    api.ok("PATCH", f"/users/{uid}", json={"email": "meganb@example.com", "department": "Support"})
    task = wait_tasks(api, app["id"])[-1]
    assert task["status"] == "blocked" and _upn_patches(sandbox, tid, TAKEN_UPN) == 1

    # An unrelated rule change re-plans the assignment: the refused PATCH is not in the plan.
    _rule(api, app["id"], "support group", _department("Support"), groups=[seed.GROUP_SALES])
    task = api.ok("GET", f"/provisioning/tasks/{task['id']}")
    assert task["status"] == "blocked" and task["plan"]["attributes_changed"] == {}
    assert task["plan"]["groups_add"] == [seed.GROUP_SALES]

    # Seats are bought and entitlements refreshed: the blocked task runs, the license and the
    # group apply, the refused PATCH is not sent again.
    _tenant(sandbox).skus[seed.SKU_M365_E5].enabled += 1
    job = api.ok("POST", f"/apps/{app['id']}/entitlements/refresh", expect=202)
    assert api.wait_job(job["id"])["status"] == "succeeded"
    task = wait_tasks(api, app["id"])[-1]
    user = tenant_user(sandbox, "user1@contoso.com")
    assert [lic.sku_id for lic in user.licenses] == [seed.SKU_M365_E5]
    assert user.id in members(sandbox, seed.GROUP_SALES)
    assert task["status"] == "failed" and task["error"]["message"] == CONFLICT
    assert _upn_patches(sandbox, tid, TAKEN_UPN) == 1
    assignment = _assignment(api, uid)
    assert assignment["state"] == "partial"
    assert [e["step"] for e in assignment["step_errors"]] == ["attributes"]
    assert seed.SKU_M365_E5 in assignment["applied"]["licenses"]

    # Reapplying mappings and rules plans nothing and sends nothing.
    tasks_before = len(wait_tasks(api, app["id"]))
    assert api.wait_job(api.ok("POST", "/mappings/reapply")["id"])["status"] == "succeeded"
    job = api.ok("POST", f"/apps/{app['id']}/rules/reapply")
    assert api.wait_job(job["id"])["status"] == "succeeded"
    assert len(wait_tasks(api, app["id"])) == tasks_before
    assert _upn_patches(sandbox, tid, TAKEN_UPN) == 1

    # An admin retries: the refused value goes out once more (and is refused once more).
    api.ok("POST", f"/provisioning/tasks/{task['id']}/retry")
    task = wait_tasks(api, app["id"])[-1]
    assert task["status"] == "failed" and _upn_patches(sandbox, tid, TAKEN_UPN) == 2
    assert _assignment(api, uid)["state"] == "partial"

    # Its own desired value changes: the new value is sent, applies, and nothing is missing.
    api.ok("PATCH", f"/users/{uid}", json={"email": "user1b@example.com"})
    task = wait_tasks(api, app["id"])[-1]
    assert task["status"] == "succeeded"
    assert _upn_patches(sandbox, tid, TAKEN_UPN) == 2
    assert _upn_patches(sandbox, tid, "user1b@contoso.com") == 1
    assert tenant_user(sandbox, "user1b@contoso.com").id == tid
    assignment = _assignment(api, uid)
    assert assignment["state"] == "provisioned"
    assert assignment["step_errors"] == [] and assignment["last_error"] is None


def test_all_steps_applied_is_provisioned_with_no_step_errors(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    existing = add_user(
        _tenant(sandbox), "user1@contoso.com", "Josh", onPremisesImmutableId="dGVuYW50LXdpbnM="
    )
    app, role = _setup(api, sandbox)
    _rule(api, app["id"], "everyone", None, licenses=[seed.SKU_E1], groups=[seed.GROUP_SALES])
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    [task] = wait_tasks(api, app["id"])

    assert [lic.sku_id for lic in existing.licenses] == [seed.SKU_E1]
    assert existing.id in members(sandbox, seed.GROUP_SALES)
    assert task["status"] == "succeeded" and task["error"] is None
    assert [(s["kind"], s["status"], s["error"]) for s in task["steps"]] == [
        ("link", "succeeded", None),
        ("attributes", "succeeded", None),
        ("license_add", "succeeded", None),
        ("group_add", "succeeded", None),
        ("write_back", "succeeded", None),
    ]
    assignment = _assignment(api, uid)
    assert assignment["state"] == "provisioned"
    assert assignment["step_errors"] == [] and assignment["last_error"] is None
    assert assignment["applied"]["licenses"] == {seed.SKU_E1: []}
    assert assignment["applied"]["groups"] == [seed.GROUP_SALES]
