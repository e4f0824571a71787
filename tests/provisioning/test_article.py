"""The product article's workflow end to end, through the API, against the sandbox tenant."""

from __future__ import annotations

from typing import Any

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import e3_disabled_plans, members, tenant_user, wait_tasks
from tests.support import ApiClient, user_body

SALES = "Sales and Marketing"  # the display name of seed.GROUP_SALES


def test_article_workflow(api: ApiClient, sandbox: SandboxServer, o365: dict[str, Any]) -> None:
    app_id = o365["app"]["id"]
    disabled = e3_disabled_plans(sandbox)
    api.ok(
        "POST",
        f"/apps/{app_id}/rules",
        json={
            "name": "Josh gets E3 apps",
            "conditions": [
                {"source": "distinguished_name", "operator": "equals", "value": "Josh Ames"}
            ],
            "actions": [
                {"action": "set_licenses", "value": [f"{seed.SKU_E3}:{','.join(disabled)}"]},
                {"action": "set_groups", "value": [seed.GROUP_SALES]},
            ],
        },
    )
    api.ok(
        "PATCH",
        f"/apps/{app_id}",
        json={
            "provisioning_enabled": True,
            "approval_required": {"create": True},
            "on_user_deleted": "suspend",
        },
    )
    josh = api.ok(
        "POST",
        "/users",
        json=user_body(
            1,
            username="josh.ames",
            email="josh.ames@contoso.com",
            firstname="Josh",
            lastname="Ames",
            distinguished_name="Josh Ames",
            member_of=["Office 365"],
            custom_attributes={"immutable_id": "am9zaC5hbWVz"},
        ),
    )
    assert [r["source"] for r in josh["roles"]] == ["mapping"]
    [task] = api.ok("GET", "/provisioning/tasks", params={"user_id": josh["id"]})["items"]
    assert task["action"] == "create" and task["status"] == "pending_approval"
    assert task["plan"]["licenses_add"] == {seed.SKU_E3: disabled}
    assigned = api.ok("GET", f"/users/{josh['id']}/apps")[0]
    assert assigned["why"]["lines"] == [
        "mapping 'Office 365 members' granted role 'Office 365'",
        "rule 'Josh gets E3 apps' granted Office 365 E3",
        f"rule 'Josh gets E3 apps' added group '{SALES}'",
    ]
    [license_why] = assigned["why"]["licenses"]
    assert license_why["sku_id"] == seed.SKU_E3 and license_why["product_name"] == "Office 365 E3"
    assert license_why["sku_part_number"] == "ENTERPRISEPACK"
    [role_why] = assigned["why"]["roles"]
    assert role_why["source"] == "mapping" and role_why["mapping"] == "Office 365 members"
    plan = api.ok("GET", f"/apps/{app_id}/plan")
    assert plan["totals"] == {"create": 1} and plan["pending_approval"] == 1
    [example] = plan["actions"]["create"]["examples"]
    assert example["license_names"] == {seed.SKU_E3: "Office 365 E3"}

    api.ok("POST", f"/provisioning/tasks/{task['id']}/approve")
    tasks = wait_tasks(api, app_id)
    assert [t["status"] for t in tasks] == ["succeeded"], [(t["error"], t["reason"]) for t in tasks]

    user = tenant_user(sandbox, "josh.ames@contoso.com")
    assert user.props["accountEnabled"] is True
    assert user.props["onPremisesImmutableId"] == "am9zaC5hbWVz"
    assert [(lic.sku_id, sorted(lic.disabled_plans)) for lic in user.licenses] == [
        (seed.SKU_E3, disabled)
    ]
    assert user.id in members(sandbox, seed.GROUP_SALES)
    assigned = api.ok("GET", f"/users/{josh['id']}/apps")[0]
    assert assigned["state"] == "provisioned" and assigned["tenant_object_id"] == user.id

    # The provisioning log tells the same story in words, with every Graph call's answer.
    [entry] = api.ok("GET", f"/users/{josh['id']}/provisioning/log")["items"]
    assert entry["text"] == (
        f"task {task['id']}: create of user 'josh.ames' in app '{o365['app']['name']}': succeeded"
    )
    assert entry["approved_by"].endswith(":admin")
    assert "rule 'Josh gets E3 apps' granted Office 365 E3" in entry["why"]["lines"]
    steps = {s["kind"]: s for s in entry["steps"]}
    assert steps["license_add"]["text"] == "added license Office 365 E3: succeeded"
    assert steps["group_add"]["text"] == f"added to group '{SALES}': succeeded"
    assert steps["create"]["graph_call"]["method"] == "POST"
    assert steps["create"]["graph_call"]["path"] == "/users"
    lic_call = steps["license_add"]["graph_call"]
    assert lic_call["path"] == f"/users/{user.id}/assignLicense" and lic_call["status"] == 200
    assert entry["graph_calls"] and all(c["request_id"] for c in entry["graph_calls"])
    # Each call names the request id Graph gave its `$batch` (the one the sandbox logged).
    logged = {r.request_id for r in sandbox.state.request_log if r.path.endswith("$batch")}
    assert {c["batch_request_id"] for c in entry["graph_calls"]} <= logged
    assert api.ok("GET", f"/apps/{app_id}/provisioning/log")["items"] == [entry]
    assert api.ok("GET", "/provisioning/log", params={"user_id": josh["id"]})["items"] == [entry]
    licenses = api.ok("GET", f"/apps/{app_id}")["entitlements"]["licenses"]
    assert {lic["sku_part_number"]: lic["product_name"] for lic in licenses}["SPE_E5"] == (
        "Microsoft 365 E5"
    )
    assert api.ok("GET", f"/apps/{app_id}/plan")["totals"] == {}

    # Deleting Josh here suspends him in the tenant (the app's policy), then his record goes.
    api.ok("DELETE", f"/users/{josh['id']}", expect=204)
    tasks = wait_tasks(api, app_id)
    assert [(t["action"], t["status"]) for t in tasks] == [
        ("create", "succeeded"),
        ("suspend", "succeeded"),
    ]
    assert tenant_user(sandbox, "josh.ames@contoso.com").props["accountEnabled"] is False
    api.problem("GET", f"/users/{josh['id']}", 404)
