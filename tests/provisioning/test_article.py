"""The product article's workflow end to end, through the API, against the sandbox tenant."""

from __future__ import annotations

from typing import Any

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import e3_disabled_plans, members, tenant_user, wait_tasks
from tests.support import ApiClient, user_body


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
    assert assigned["why"]["licenses"][seed.SKU_E3] and assigned["why"]["roles"][0][
        "source"
    ].startswith("mapping:")
    plan = api.ok("GET", f"/apps/{app_id}/plan")
    assert plan["totals"] == {"create": 1} and plan["pending_approval"] == 1

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
