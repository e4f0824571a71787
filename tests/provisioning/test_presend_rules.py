"""Graph's rules checked in the executor before any request (issue 10 §1): a computed value
that breaks a rule is never sent; the step is held as `blocked` with a reason naming the
person, the attribute, the value and the rule, the other steps still run, and the task is
released when the user or the app's parameters change."""

from __future__ import annotations

from typing import Any

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app, tenant_user, wait_tasks
from tests.support import ApiClient, user_body

LONG_DEPARTMENT = "Department of " + "x" * 60  # 74 characters: Graph allows 64


def _setup(api: ApiClient, sb: SandboxServer) -> tuple[dict[str, Any], dict[str, Any]]:
    app = make_app(api, sb)
    api.ok("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    return app, role


def _license_everyone(api: ApiClient, app_id: int, sku: str) -> None:
    api.ok(
        "POST",
        f"/apps/{app_id}/rules",
        json={
            "name": "everyone",
            "conditions": [{"source": "username", "operator": "exists"}],
            "actions": [{"action": "set_licenses", "value": [sku]}],
        },
    )
    for job in api.ok("GET", "/jobs", params={"limit": 500})["items"]:
        assert api.wait_job(job["id"])["status"] == "succeeded"


def _writes(sb: SandboxServer) -> list[tuple[str, str]]:
    return [(c.method, c.path) for c in sb.state.calls if c.method != "GET"]


def _set_parameter(api: ApiClient, app_id: int, name: str, value: str) -> None:
    parameters = [
        p if p["name"] != name else {**p, "source": "template", "value": value}
        for p in api.ok("GET", f"/apps/{app_id}")["parameters"]
    ]
    api.ok("PATCH", f"/apps/{app_id}", json={"parameters": parameters})


def test_a_create_whose_value_breaks_a_rule_is_blocked_without_a_request_and_released_by_a_fix(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _setup(api, sandbox)
    # A template that can produce valid UPNs (so saving it is fine), fed a value it cannot.
    _set_parameter(api, app["id"], "userPrincipalName", "{custom_attributes.alias}@{domain}")
    before = _writes(sandbox)
    body = user_body(1, custom_attributes={"alias": "josh ames"}, role_ids=[role["id"]])
    uid = api.ok("POST", "/users", json=body)["id"]

    [task] = wait_tasks(api, app["id"])

    assert task["status"] == "blocked", task
    assert _writes(sandbox) == before  # nothing left the engine
    assert "user1" in task["reason"] and "userPrincipalName" in task["reason"]
    assert "'josh ames@contoso.com'" in task["reason"] and "upn.characters" in task["reason"]
    assert task["error"]["code"] == "GraphRuleViolation" and task["error"]["request_id"] is None
    [create] = [s for s in api.ok("GET", f"/provisioning/tasks/{task['id']}")["steps"]]
    assert (create["kind"], create["status"]) == ("create", "blocked")
    [assignment] = api.ok("GET", f"/users/{uid}/apps")
    assert assignment["state"] != "provisioned"

    # An unrelated change of the user re-plans the task but the value still breaks the rule:
    # it runs again, and still nothing is sent.
    api.ok("PATCH", f"/users/{uid}", json={"title": "Engineer"})
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "blocked" and _writes(sandbox) == before

    # The fix: the task is released and the user created.
    api.ok("PATCH", f"/users/{uid}", json={"custom_attributes": {"alias": "josh.ames"}})
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "succeeded", task
    assert tenant_user(sandbox, "josh.ames@contoso.com").props["jobTitle"] == "Engineer"


def test_a_parameter_change_releases_a_task_held_for_its_value(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _setup(api, sandbox)
    body = user_body(1, custom_attributes={"employee_id": "E" * 20}, role_ids=[role["id"]])
    api.ok("POST", "/users", json=body)
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "blocked" and "employeeId.length" in task["reason"]
    assert not sandbox.state.calls_to("POST", "/users")

    # The admin stops sending employeeId: the held task goes and the user is created.
    parameters = [
        {**p, "include": False} if p["name"] == "employeeId" else p
        for p in api.ok("GET", f"/apps/{app['id']}")["parameters"]
    ]
    api.ok("PATCH", f"/apps/{app['id']}", json={"parameters": parameters})
    for job in api.ok("GET", "/jobs", params={"limit": 500})["items"]:
        assert api.wait_job(job["id"])["status"] == "succeeded"
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "succeeded", task
    assert len(sandbox.state.calls_to("POST", "/users")) == 1


def test_an_unknown_country_blocks_the_create_naming_the_rule(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _setup(api, sandbox)
    api.ok("POST", "/users", json=user_body(1, country="Atlantis", role_ids=[role["id"]]))
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "blocked"
    assert "usageLocation 'Atlantis'" in task["reason"] and "usageLocation." in task["reason"]
    assert not sandbox.state.calls_to("POST", "/users")


def test_a_broken_attribute_is_held_while_the_rest_of_the_patch_and_the_licenses_go(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _setup(api, sandbox)
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    [first] = wait_tasks(api, app["id"])
    assert first["status"] == "succeeded"
    user = tenant_user(sandbox, "user1@contoso.com")

    api.ok("PATCH", f"/users/{uid}", json={"department": LONG_DEPARTMENT, "title": "Lead"})
    _license_everyone(api, app["id"], seed.SKU_E3)
    task = wait_tasks(api, app["id"])[-1]

    # jobTitle and the license applied; the department was never sent.
    assert user.props["jobTitle"] == "Lead" and user.props["department"] == "Sales"
    assert seed.SKU_E3 in [lic.sku_id for lic in user.licenses]
    sent = [c.body or {} for c in sandbox.state.calls_to("PATCH", f"/users/{user.id}")]
    assert sent and all("department" not in b for b in sent)
    assert task["status"] == "blocked" and "department.length" in task["reason"]
    [assignment] = api.ok("GET", f"/users/{uid}/apps")
    assert assignment["state"] == "partial"
    [error] = assignment["step_errors"]
    assert (error["step"], error["target"], error["outcome"]) == (
        "attributes",
        "department",
        "blocked",
    )
    assert error["code"] == "GraphRuleViolation" and error["request_id"] is None

    # A fix of the user releases it; the department goes and the state is whole again.
    api.ok("PATCH", f"/users/{uid}", json={"department": "Support"})
    task = wait_tasks(api, app["id"])[-1]
    assert task["status"] == "succeeded", task
    assert user.props["department"] == "Support"
    [assignment] = api.ok("GET", f"/users/{uid}/apps")
    assert assignment["state"] == "provisioned" and not assignment["step_errors"]


def test_a_license_is_not_sent_for_a_user_without_a_usage_location(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    sandbox.state.tenant(seed.DEMO_TENANT_ID).default_usage_location = None
    app, role = _setup(api, sandbox)
    _license_everyone(api, app["id"], seed.SKU_E3)
    uid = api.ok("POST", "/users", json=user_body(1, country=None, role_ids=[role["id"]]))["id"]

    [task] = wait_tasks(api, app["id"])

    user = tenant_user(sandbox, "user1@contoso.com")  # created all the same
    assert user.licenses == [] and not sandbox.state.calls_to(
        "POST", f"/users/{user.id}/assignLicense"
    )
    assert task["status"] == "blocked" and "no usageLocation" in task["reason"]
    [assignment] = api.ok("GET", f"/users/{uid}/apps")
    assert assignment["state"] == "partial"

    # A country arrives: the task is released, the usageLocation and then the license go.
    api.ok("PATCH", f"/users/{uid}", json={"country": "Germany"})
    task = wait_tasks(api, app["id"])[-1]
    assert task["status"] == "succeeded", task
    assert user.props["usageLocation"] == "DE"
    assert [lic.sku_id for lic in user.licenses] == [seed.SKU_E3]


def test_a_change_that_arrives_while_the_held_task_runs_is_not_left_waiting(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """A rule grants a license while the task that will hold the department is running:
    planning leaves the running task to the runner, and the runner re-plans when the run ends
    blocked, so the license goes without waiting for some later change."""
    import time

    app, role = _setup(api, sandbox)
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    wait_tasks(api, app["id"])
    user = tenant_user(sandbox, "user1@contoso.com")

    sandbox.state.set_behaviour({"latency_ms": 1500})
    try:
        api.ok("PATCH", f"/users/{uid}", json={"department": LONG_DEPARTMENT, "title": "Lead"})
        deadline = time.monotonic() + 30
        while not any(
            t["status"] == "running"
            for t in api.ok("GET", "/provisioning/tasks", params={"app_id": app["id"]})["items"]
        ):
            assert time.monotonic() < deadline, "the update task never started"
            time.sleep(0.02)
        _license_everyone(api, app["id"], seed.SKU_E3)
    finally:
        sandbox.state.set_behaviour({"latency_ms": 0})
    task = wait_tasks(api, app["id"])[-1]

    assert seed.SKU_E3 in [lic.sku_id for lic in user.licenses]
    assert user.props["jobTitle"] == "Lead" and user.props["department"] == "Sales"
    assert task["status"] == "blocked" and "department.length" in task["reason"]
