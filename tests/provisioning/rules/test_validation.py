"""Rule validation: shapes via the evaluation package, directory references, and actions
against the app's refreshed entitlements and parameters. Every failure is a 422 naming the
field, and stores nothing."""

from __future__ import annotations

from typing import Any

from app.sandbox import seed
from tests.provisioning.rules.builders import create_rule, make_app, rule_body, set_entitlements
from tests.support import ApiClient


def _rejected(client: ApiClient, app_id: int, **overrides: Any) -> dict[str, Any]:
    before = client.ok("GET", f"/apps/{app_id}/rules")
    problem = client.problem("POST", f"/apps/{app_id}/rules", 422, json=rule_body(**overrides))
    assert client.ok("GET", f"/apps/{app_id}/rules") == before
    return problem


def _licenses(*values: str) -> list[dict[str, Any]]:
    return [{"action": "set_licenses", "value": list(values)}]


def test_unknown_sku_is_named(client: ApiClient) -> None:
    app_id = make_app()
    unknown = "c7df2760-2c81-4ef7-b578-5b5392b571df"  # ENTERPRISEPREMIUM: not in this tenant
    problem = _rejected(client, app_id, actions=_licenses(seed.SKU_E3, unknown.upper()))
    assert unknown in problem["detail"]
    assert problem["errors"] == [
        {"field": "actions[0].value[1]", "message": problem["detail"], "code": "unknown_sku"}
    ]


def test_unknown_service_plan_of_the_sku_is_named(client: ApiClient) -> None:
    app_id = make_app()
    # AAD_PREMIUM exists in the tenant, but under EMS, not ENTERPRISEPACK.
    value = f"{seed.SKU_E3}:{seed.PLAN_YAMMER},{seed.PLAN_AAD_P1}"
    problem = _rejected(client, app_id, actions=_licenses(value))
    error = problem["errors"][0]
    assert (error["field"], error["code"]) == ("actions[0].value[0]", "unknown_service_plan")
    assert seed.PLAN_AAD_P1 in error["message"] and "ENTERPRISEPACK" in error["message"]
    assert len(problem["errors"]) == 1


def test_company_sku_cannot_be_given_to_users(client: ApiClient) -> None:
    problem = _rejected(client, make_app(), actions=_licenses(seed.SKU_PSTN_CREDITS))
    assert problem["errors"][0]["code"] == "sku_not_assignable"


def test_unknown_and_unsupported_groups_are_named(client: ApiClient) -> None:
    app_id = make_app()
    unknown = "11111111-2222-4333-8444-555555555555"
    groups = [seed.GROUP_SALES, unknown, seed.GROUP_DISTRIBUTION, seed.GROUP_DYNAMIC]
    problem = _rejected(client, app_id, actions=[{"action": "set_groups", "value": groups}])
    assert unknown in problem["detail"]
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("actions[0].value[1]", "unknown_group"),
        ("actions[0].value[2]", "unsupported_group"),
        ("actions[0].value[3]", "unsupported_group"),
    ]
    assert "All Staff" in problem["errors"][1]["message"]


def test_without_refreshed_entitlements_licenses_and_groups_are_refused(client: ApiClient) -> None:
    app_id = make_app(refreshed=False)
    for actions in (
        _licenses(seed.SKU_E3),
        [{"action": "set_groups", "value": [seed.GROUP_SALES]}],
    ):
        problem = _rejected(client, app_id, actions=actions)
        assert "refresh entitlements first" in problem["detail"].lower()
        assert problem["errors"][0]["field"] == "actions[0]"
    # A parameter needs no entitlements.
    create_rule(
        client, app_id, actions=[{"action": "set_parameter", "value": ["usageLocation", "NO"]}]
    )


def test_set_parameter_must_name_a_parameter_of_the_app(client: ApiClient) -> None:
    defaults = make_app("defaults")
    create_rule(
        client, defaults, actions=[{"action": "set_parameter", "value": ["usageLocation", "NO"]}]
    )
    problem = _rejected(
        client, make_app("other"), actions=[{"action": "set_parameter", "value": ["shoeSize", "9"]}]
    )
    assert problem["errors"][0]["field"] == "actions[0].value[0]"
    assert "shoeSize" in problem["detail"] and "usageLocation" in problem["detail"]
    hint = _rejected(
        client,
        make_app("third"),
        actions=[{"action": "set_parameter", "value": ["usagelocation", "NO"]}],
    )
    assert "Did you mean 'usageLocation'" in hint["detail"]

    own = make_app(
        "own parameters",
        parameters=[
            {"name": "department", "source": "field", "value": "department", "include": True}
        ],
    )
    create_rule(
        client, own, actions=[{"action": "set_parameter", "value": ["department", "Sales"]}]
    )
    _rejected(client, own, actions=[{"action": "set_parameter", "value": ["usageLocation", "NO"]}])


def test_set_parameter_value_that_breaks_a_graph_rule_is_named(client: ApiClient) -> None:
    app_id = make_app()
    problem = _rejected(
        client, app_id, actions=[{"action": "set_parameter", "value": ["usageLocation", "Germany"]}]
    )
    assert problem["errors"] == [
        {
            "field": "actions[0].value[1]",
            "message": problem["detail"],
            "code": "usageLocation.iso3166",
        }
    ]
    assert "'Germany'" in problem["detail"] and "'DE'" in problem["detail"]
    nickname = _rejected(
        client, app_id, actions=[{"action": "set_parameter", "value": ["mailNickname", "a b"]}]
    )
    assert nickname["errors"][0]["code"] == "mailNickname.characters"
    create_rule(
        client, app_id, actions=[{"action": "set_parameter", "value": ["usageLocation", "DE"]}]
    )


def test_condition_shapes_and_references(client: ApiClient) -> None:
    app_id = make_app()
    cases = [
        ({"source": "shoe_size", "operator": "equals", "value": "9"}, "conditions[0].source"),
        ({"source": "has_role", "operator": "contains", "value": "1"}, "conditions[0].operator"),
        ({"source": "email", "operator": "matches", "value": "("}, "conditions[0].value"),
        ({"source": "has_role", "operator": "equals", "value": "999"}, "conditions[0].value"),
        ({"source": "group", "operator": "in", "value": "998, 999"}, "conditions[0].value"),
    ]
    for condition, field in cases:
        problem = _rejected(client, app_id, conditions=[condition])
        assert problem["errors"][0]["field"] == field, problem
    assert "[998, 999]" in problem["detail"]
    _rejected(client, app_id, conditions=[])
    _rejected(client, app_id, actions=[{"action": "set_role", "value": ["1"]}])
    _rejected(client, app_id, actions=_licenses(f"{seed.SKU_E3}:"))


def test_a_rule_whose_sku_left_the_tenant_can_still_be_disabled(client: ApiClient) -> None:
    app_id = make_app()
    rule = create_rule(client, app_id)
    set_entitlements(app_id, {"licenses": [], "groups": []})
    url = f"/apps/{app_id}/rules/{rule['id']}"
    assert client.ok("PATCH", url, json={"enabled": False})["enabled"] is False
    # Sending the actions again checks them against today's entitlements.
    problem = client.problem("PATCH", url, 422, json={"actions": rule["actions"]})
    assert problem["errors"][0]["code"] == "unknown_sku"
