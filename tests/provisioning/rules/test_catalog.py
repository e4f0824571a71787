"""The rule editor's catalog: condition sources, operators and values, actions, and each
action's values from the app's entitlements and parameters."""

from __future__ import annotations

from app.sandbox import seed
from tests.provisioning.rules.builders import make_app
from tests.support import ApiClient


def test_conditions_operators_and_values(client: ApiClient) -> None:
    app_id = make_app()
    role = client.ok("POST", "/roles", json={"name": "Office 365"})
    group = client.ok("POST", "/groups", json={"name": "Sales"})
    client.ok(
        "POST",
        "/users",
        json={"username": "u", "email": "u@example.com", "custom_attributes": {"cost_center": "9"}},
    )
    base = f"/apps/{app_id}/rules"
    sources = {c["value"] for c in client.ok("GET", f"{base}/conditions")}
    assert {
        "distinguished_name",
        "member_of",
        "has_role",
        "group",
        "custom_attributes.cost_center",
    } <= sources
    ops = {o["value"] for o in client.ok("GET", f"{base}/conditions/has_role/operators")}
    assert ops == {"equals", "not_equals", "in"}
    client.problem("GET", f"{base}/conditions/shoe_size/operators", 404)
    roles = client.ok("GET", f"{base}/conditions/has_role/values")
    assert [(v["value"], v["name"]) for v in roles] == [(str(role["id"]), "Office 365")]
    groups = client.ok("GET", f"{base}/conditions/group/values")
    assert [(v["value"], v["name"]) for v in groups] == [(str(group["id"]), "Sales")]
    assert client.ok("GET", f"{base}/conditions/department/values") == []
    client.problem("GET", "/apps/999/rules/conditions", 404)


def test_actions_and_their_values(client: ApiClient) -> None:
    app_id = make_app()
    base = f"/apps/{app_id}/rules/actions"
    assert [a["value"] for a in client.ok("GET", base)] == [
        "set_licenses",
        "set_groups",
        "set_parameter",
    ]

    licenses = client.ok("GET", f"{base}/set_licenses/values")
    # The company-wide PSTN credits cannot go to a user, so the editor does not offer them.
    assert [(v["value"], v["name"], v["free_seats"]) for v in licenses] == [
        (seed.SKU_E3, "Office 365 E3 (ENTERPRISEPACK, 24 of 25 free)", 24),
        (seed.SKU_E1, "Office 365 E1 (STANDARDPACK, 9 of 10 free)", 9),
    ]
    plans = {p["value"]: p["name"] for p in licenses[0]["service_plans"]}
    assert plans[seed.PLAN_YAMMER] == "YAMMER_ENTERPRISE" and len(plans) == 11

    groups = client.ok("GET", f"{base}/set_groups/values")
    # Security, distribution and dynamic groups are left out: saving would refuse them.
    assert [(v["value"], v["name"]) for v in groups] == [
        (seed.GROUP_ALL_COMPANY, "All Company"),
        (seed.GROUP_SALES, "Sales and Marketing"),
    ]
    parameters = [v["value"] for v in client.ok("GET", f"{base}/set_parameter/values")]
    assert "userPrincipalName" in parameters and "usageLocation" in parameters
    client.problem("GET", f"{base}/set_role/values", 404)


def test_action_values_before_entitlements_are_refreshed(client: ApiClient) -> None:
    app_id = make_app(
        refreshed=False,
        parameters=[{"name": "department", "source": "field", "value": "department"}],
    )
    base = f"/apps/{app_id}/rules/actions"
    problem = client.problem("GET", f"{base}/set_licenses/values", 409)
    assert "refresh entitlements first" in problem["detail"].lower()
    client.problem("GET", f"{base}/set_groups/values", 409)
    assert [v["value"] for v in client.ok("GET", f"{base}/set_parameter/values")] == ["department"]
