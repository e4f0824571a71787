"""Engine scenarios against the sandbox tenant: manual roles, idempotence, updates, conflicts,
seats, federated domains, ImmutableID write-back, deprovisioning policy and thresholds."""

from __future__ import annotations

from typing import Any

from app.evaluation.parameters import derive_immutable_id
from app.sandbox import seed
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import live_users, make_app, members, tenant_user, wait_tasks
from tests.support import ApiClient, user_body


def _manual_setup(api: ApiClient, sb: SandboxServer, **app: Any) -> tuple[dict, dict]:
    created = make_app(api, sb, **app)
    api.ok("PATCH", f"/apps/{created['id']}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [created["id"]]})
    return created, role


def _rule(api: ApiClient, app_id: int, name: str, conditions: list, actions: list) -> dict:
    return api.ok(
        "POST",
        f"/apps/{app_id}/rules",
        json={"name": name, "conditions": conditions, "actions": actions},
    )


def test_manual_role_provisions_and_reapply_twice_creates_nothing(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _manual_setup(api, sandbox)
    _rule(
        api,
        app["id"],
        "everyone E1",
        [{"source": "username", "operator": "exists"}],
        [
            {"action": "set_licenses", "value": [seed.SKU_E1]},
            {"action": "set_groups", "value": [seed.GROUP_SALES, seed.GROUP_ENGINEERING]},
        ],
    )
    wait_tasks(api, app["id"])
    for n in range(1, 4):
        api.ok("POST", "/users", json=user_body(n, role_ids=[role["id"]]))
    tasks = wait_tasks(api, app["id"])
    assert sorted((t["action"], t["status"]) for t in tasks) == [("create", "succeeded")] * 3
    for n in range(1, 4):
        user = tenant_user(sandbox, f"user{n}@contoso.com")
        assert [lic.sku_id for lic in user.licenses] == [seed.SKU_E1]
        assert user.id in members(sandbox, seed.GROUP_SALES) and user.id in members(
            sandbox, seed.GROUP_ENGINEERING
        )

    # The sandbox counts every Graph request it answers (http_requests) and every call in it
    # (graph_calls: a $batch counts once per item); reapplying must not send a single one.
    def graph_traffic() -> tuple[int, int]:
        return (sandbox.state.counters.http_requests, sandbox.state.counters.graph_calls)

    before = graph_traffic()
    log_before = len(sandbox.state.request_log)
    for _ in range(2):
        assert api.wait_job(api.ok("POST", "/mappings/reapply")["id"])["result"]["tasks"] == 0
        assert (
            api.wait_job(api.ok("POST", f"/apps/{app['id']}/rules/reapply")["id"])["status"]
            == "succeeded"
        )
    assert len(wait_tasks(api, app["id"])) == 3
    assert graph_traffic() == before, list(sandbox.state.request_log)[log_before:]


def test_update_patches_only_what_changed_and_follows_rules(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _manual_setup(api, sandbox)
    rule = _rule(
        api,
        app["id"],
        "sales E1",
        [{"source": "department", "operator": "equals", "value": "sales"}],
        [{"action": "set_licenses", "value": [seed.SKU_E1]}],
    )
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    wait_tasks(api, app["id"])
    # The rule matched a Sales user on create...
    assert [lic.sku_id for lic in tenant_user(sandbox, "user1@contoso.com").licenses] == [
        seed.SKU_E1
    ]
    api.ok("PATCH", f"/users/{uid}", json={"department": "Engineering", "title": "Engineer"})
    tasks = wait_tasks(api, app["id"])
    update = tasks[-1]
    assert update["action"] == "update" and update["status"] == "succeeded"
    assert update["plan"]["attributes_changed"] == {
        "department": "Engineering",
        "jobTitle": "Engineer",
    }
    assert update["plan"]["licenses_remove"] == [seed.SKU_E1]
    user = tenant_user(sandbox, "user1@contoso.com")
    assert user.props["department"] == "Engineering" and user.licenses == []
    # ...and no longer does, which is why the update took the licence away.
    checked = api.ok(
        "POST", f"/apps/{app['id']}/rules/{rule['id']}/check", json={"user_ids": [uid]}
    )
    assert [(u["user_id"], u["result"]) for u in checked["users"]] == [(uid, "will not be mapped")]


def test_upn_taken_by_another_person_fails_with_a_clear_error(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    add_user(tenant, "user1@contoso.com", "Someone Else", onPremisesImmutableId="c29tZW9uZQ==")
    app, role = _manual_setup(api, sandbox)
    api.ok(
        "POST",
        "/users",
        json=user_body(1, role_ids=[role["id"]], custom_attributes={"immutable_id": "b3Vycw=="}),
    )
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "failed" and task["error"]["code"] == "UpnTakenByAnotherPerson"
    assert sum(1 for u in live_users(sandbox) if u.upn == "user1@contoso.com") == 1


def test_existing_tenant_user_is_linked_and_its_immutable_id_written_back(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    existing = add_user(
        tenant, "user1@contoso.com", "Josh", onPremisesImmutableId="dGVuYW50LXdpbnM="
    )
    app, role = _manual_setup(api, sandbox)
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    tasks = wait_tasks(api, app["id"])
    assert [t["status"] for t in tasks] == ["succeeded"]
    assert [u.id for u in live_users(sandbox) if u.upn == "user1@contoso.com"] == [existing.id]
    user = api.ok("GET", f"/users/{uid}")
    assert user["custom_attributes"]["immutable_id"] == "dGVuYW50LXdpbnM="
    [assigned] = api.ok("GET", f"/users/{uid}/apps")
    assert (
        assigned["tenant_object_id"] == existing.id
        and assigned["immutable_id"] == "dGVuYW50LXdpbnM="
    )
    # The write-back changed our user; the desired state now matches and nothing more runs.
    assert len(wait_tasks(api, app["id"])) == 1


def test_no_free_seats_blocks_then_refresh_unblocks(api: ApiClient, sandbox: SandboxServer) -> None:
    app, role = _manual_setup(api, sandbox)
    _rule(
        api,
        app["id"],
        "E5",
        [{"source": "username", "operator": "exists"}],
        [{"action": "set_licenses", "value": [seed.SKU_M365_E5]}],
    )
    api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "blocked" and "seats" in task["reason"]
    sandbox.state.tenant(seed.DEMO_TENANT_ID).skus[seed.SKU_M365_E5].enabled += 3
    job = api.ok("POST", f"/apps/{app['id']}/entitlements/refresh", expect=202)
    assert api.wait_job(job["id"])["status"] == "succeeded"
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "succeeded"
    assert [lic.sku_id for lic in tenant_user(sandbox, "user1@contoso.com").licenses] == [
        seed.SKU_M365_E5
    ]


def test_federated_domain_gets_a_derived_immutable_id(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _manual_setup(api, sandbox, domain=seed.DOMAIN_FEDERATED)
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "succeeded", task
    # Neither side had an ImmutableID: the engine derives it from the user's stable id and
    # writes the same value back to our user.
    tenant_id = tenant_user(sandbox, "user1@fabrikam.com").props["onPremisesImmutableId"]
    assert tenant_id == derive_immutable_id(uid)
    assert api.ok("GET", f"/users/{uid}")["custom_attributes"]["immutable_id"] == tenant_id


def test_user_deleted_in_the_tenant_is_restored_not_duplicated(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _manual_setup(api, sandbox, on_user_suspended="delete")
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    wait_tasks(api, app["id"])
    first = tenant_user(sandbox, "user1@contoso.com").id
    api.ok("PATCH", f"/users/{uid}", json={"status": "suspended"})
    tasks = wait_tasks(api, app["id"])
    assert tasks[-1]["action"] == "delete" and tasks[-1]["status"] == "succeeded"
    assert not [u for u in live_users(sandbox) if u.upn == "user1@contoso.com"]
    api.ok("PATCH", f"/users/{uid}", json={"status": "active"})
    tasks = wait_tasks(api, app["id"])
    assert tasks[-1]["action"] == "create" and tasks[-1]["status"] == "succeeded", tasks[-1]
    assert [u.id for u in live_users(sandbox) if u.upn == "user1@contoso.com"] == [first]


def test_deletion_threshold_holds_a_mass_suspend(api: ApiClient, sandbox: SandboxServer) -> None:
    app, _ = _manual_setup(api, sandbox, deletion_threshold=1)
    mapping_role = api.ok("POST", "/roles", json={"name": "Mapped", "app_ids": [app["id"]]})
    api.ok(
        "POST",
        "/mappings",
        json={
            "name": "sales",
            "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
            "actions": [{"action": "set_role", "value": [str(mapping_role["id"])]}],
        },
    )
    for n in range(1, 4):
        api.ok("POST", "/users", json=user_body(n))
    assert len(wait_tasks(api, app["id"])) == 3
    # One reapply after the mapping changes would take the app away from all three.
    mapping = api.ok("GET", "/mappings")[0]
    api.ok(
        "PATCH",
        f"/mappings/{mapping['id']}",
        json={"conditions": [{"source": "department", "operator": "equals", "value": "Nobody"}]},
    )
    assert api.wait_job(api.ok("POST", "/mappings/reapply")["id"])["status"] == "succeeded"
    held = [t for t in wait_tasks(api, app["id"]) if t["action"] == "suspend"]
    assert len(held) == 3 and all(t["status"] == "pending_approval" for t in held)
    assert "threshold" in held[0]["reason"]

    def enabled() -> list[bool]:
        return [u.props["accountEnabled"] for u in live_users(sandbox) if u.upn.startswith("user")]

    assert enabled() == [True] * 3
    api.ok("POST", "/provisioning/tasks/approve", json={"task_ids": [t["id"] for t in held]})
    wait_tasks(api, app["id"])
    assert enabled() == [False] * 3
