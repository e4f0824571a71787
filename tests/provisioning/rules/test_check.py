""" "Check rule with users": which users a rule maps, seeing their effective state, and what
it would give them. Nothing is stored."""

from __future__ import annotations

from app.sandbox import seed
from tests.provisioning.rules.builders import (
    ARTICLE_LICENSE,
    ARTICLE_PLANS,
    E3_PLANS,
    create_rule,
    make_app,
)
from tests.support import ApiClient, user_body


def test_article_rule_for_josh_ames(client: ApiClient) -> None:
    """Condition: DistinguishedName equals Josh Ames. Actions: Set Licenses > Yammer /
    Office Web Apps / Office Professional."""
    app_id = make_app()
    josh = client.ok("POST", "/users", json=user_body(1, distinguished_name="Josh Ames"))
    other = client.ok("POST", "/users", json=user_body(2, distinguished_name="Megan Bowen"))
    rule = create_rule(
        client,
        app_id,
        name="Josh Ames gets Yammer and Office",
        conditions=[{"source": "distinguished_name", "operator": "equals", "value": "Josh Ames"}],
        actions=[{"action": "set_licenses", "value": [ARTICLE_LICENSE]}],
    )
    result = client.ok(
        "POST",
        f"/apps/{app_id}/rules/{rule['id']}/check",
        json={"user_ids": [other["id"], josh["id"]]},
    )
    assert result["rule_id"] == rule["id"]
    assert [(u["user_id"], u["result"]) for u in result["users"]] == [
        (other["id"], "will not be mapped"),
        (josh["id"], "will be mapped"),
    ]
    assert result["users"][0]["licenses"] == [] and result["users"][0]["groups"] == []
    [license_] = result["users"][1]["licenses"]
    assert (license_["sku_id"], license_["sku_part_number"]) == (seed.SKU_E3, "ENTERPRISEPACK")
    enabled = {p["service_plan_name"] for p in license_["enabled_plans"]}
    assert enabled == {"YAMMER_ENTERPRISE", "SHAREPOINTWAC", "OFFICESUBSCRIPTION"}
    disabled = {p["service_plan_id"] for p in license_["disabled_plans"]}
    assert disabled == set(E3_PLANS) - ARTICLE_PLANS


def test_conditions_see_roles_granted_by_mappings(client: ApiClient) -> None:
    app_id = make_app()
    role = client.ok("POST", "/roles", json={"name": "Office 365"})
    client.ok(
        "POST",
        "/mappings",
        json={
            "name": "Office 365 members",
            "conditions": [{"source": "member_of", "operator": "contains", "value": "Office 365"}],
            "actions": [{"action": "set_role", "value": [str(role["id"])]}],
        },
    )
    member = client.ok("POST", "/users", json=user_body(1, member_of=["Office 365"]))
    outsider = client.ok("POST", "/users", json=user_body(2))
    rule = create_rule(
        client,
        app_id,
        enabled=False,  # checking works on a draft, as in the article's editor
        conditions=[{"source": "has_role", "operator": "equals", "value": str(role["id"])}],
        actions=[
            {"action": "set_groups", "value": [seed.GROUP_SALES.upper()]},
            {"action": "set_parameter", "value": ["usageLocation", "NO"]},
        ],
    )
    result = client.ok(
        "POST",
        f"/apps/{app_id}/rules/{rule['id']}/check",
        json={"user_ids": [member["id"], outsider["id"]]},
    )
    by_user = {u["user_id"]: u for u in result["users"]}
    assert by_user[member["id"]]["will_be_mapped"] is True
    assert by_user[member["id"]]["groups"] == [
        {"id": seed.GROUP_SALES, "display_name": "Sales and Marketing"}
    ]
    assert by_user[member["id"]]["parameters"] == {"usageLocation": "NO"}
    assert by_user[outsider["id"]]["will_be_mapped"] is False


def test_check_needs_existing_users(client: ApiClient) -> None:
    app_id = make_app()
    rule = create_rule(client, app_id)
    problem = client.problem(
        "POST", f"/apps/{app_id}/rules/{rule['id']}/check", 422, json={"user_ids": [41, 42]}
    )
    assert problem["errors"][0]["field"] == "user_ids" and "[41, 42]" in problem["detail"]
    client.problem("POST", f"/apps/{app_id}/rules/{rule['id']}/check", 422, json={"user_ids": []})
