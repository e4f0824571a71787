"""Rules over the API: CRUD, per-app ordering and sort, 404s across apps, scopes."""

from __future__ import annotations

from app.sandbox import seed
from tests.provisioning.rules.builders import create_rule, make_app, rule_body
from tests.support import ApiClient


def test_create_get_update_delete(client: ApiClient) -> None:
    app_id = make_app()
    created = create_rule(client, app_id, match="any")
    assert created["app_id"] == app_id and created["position"] == 0 and created["enabled"]
    assert created["actions"] == [{"action": "set_licenses", "value": [seed.SKU_E3]}]
    assert client.ok("GET", f"/apps/{app_id}/rules/{created['id']}") == created

    updated = client.ok(
        "PATCH", f"/apps/{app_id}/rules/{created['id']}", json={"name": "Renamed", "enabled": False}
    )
    assert (updated["name"], updated["enabled"], updated["match"]) == ("Renamed", False, "any")
    assert updated["updated_at"] > created["updated_at"]
    client.problem("PATCH", f"/apps/{app_id}/rules/{created['id']}", 422, json={"name": None})

    client.ok("DELETE", f"/apps/{app_id}/rules/{created['id']}", expect=204)
    assert client.ok("GET", f"/apps/{app_id}/rules") == []
    client.problem("GET", f"/apps/{app_id}/rules/{created['id']}", 404)


def test_new_rules_go_last_and_positions_are_per_app(client: ApiClient) -> None:
    first, second = make_app("A"), make_app("B")
    ids = [create_rule(client, first, name=f"r{n}")["id"] for n in range(3)]
    other = create_rule(client, second)
    assert [r["position"] for r in client.ok("GET", f"/apps/{first}/rules")] == [0, 1, 2]
    assert other["position"] == 0
    assert [r["id"] for r in client.ok("GET", f"/apps/{first}/rules")] == ids
    assert [r["id"] for r in client.ok("GET", f"/apps/{second}/rules")] == [other["id"]]


def test_sort_sets_the_order(client: ApiClient) -> None:
    app_id = make_app()
    ids = [create_rule(client, app_id, name=f"r{n}")["id"] for n in range(3)]
    order = [ids[2], ids[0], ids[1]]
    sorted_rules = client.ok("PUT", f"/apps/{app_id}/rules/sort", json=order)
    assert [(r["id"], r["position"]) for r in sorted_rules] == [
        (rid, n) for n, rid in enumerate(order)
    ]
    assert [r["id"] for r in client.ok("GET", f"/apps/{app_id}/rules")] == order


def test_sort_needs_every_rule_of_the_app_exactly_once(client: ApiClient) -> None:
    app_id, other_app = make_app("A"), make_app("B")
    ids = [create_rule(client, app_id, name=f"r{n}")["id"] for n in range(2)]
    foreign = create_rule(client, other_app)["id"]
    for body in ([ids[0]], [ids[0], ids[0], ids[1]], [ids[0], ids[1], foreign], [*ids, 999]):
        problem = client.problem("PUT", f"/apps/{app_id}/rules/sort", 422, json=body)
        assert problem["errors"][0]["field"] == "body"
    assert [r["id"] for r in client.ok("GET", f"/apps/{app_id}/rules")] == ids
    client.problem("PUT", "/apps/999/rules/sort", 404, json=[])


def test_unknown_app_or_rule_of_another_app_is_not_found(client: ApiClient) -> None:
    app_id, other_app = make_app("A"), make_app("B")
    foreign = create_rule(client, other_app)["id"]
    client.problem("GET", "/apps/999/rules", 404)
    client.problem("POST", "/apps/999/rules", 404, json=rule_body())
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {"name": "x"}),
        ("DELETE", "", None),
        ("POST", "/check", {"user_ids": [1]}),
    ):
        client.problem(method, f"/apps/{app_id}/rules/{foreign}{suffix}", 404, json=body)
    # The other app's rule is untouched.
    assert client.ok("GET", f"/apps/{other_app}/rules/{foreign}")["name"] == "Sales get E3"


def test_read_scope_can_list_and_check_but_not_change(client: ApiClient) -> None:
    app_id = make_app()
    rule = create_rule(client, app_id)
    user = client.ok("POST", "/users", json={"username": "u", "email": "u@example.com"})
    reader = client.with_scopes("read")
    assert reader.ok("GET", f"/apps/{app_id}/rules")[0]["id"] == rule["id"]
    reader.ok("POST", f"/apps/{app_id}/rules/{rule['id']}/check", json={"user_ids": [user["id"]]})
    reader.problem("POST", f"/apps/{app_id}/rules", 403, json=rule_body())
    reader.problem("PATCH", f"/apps/{app_id}/rules/{rule['id']}", 403, json={"name": "x"})
    reader.problem("PUT", f"/apps/{app_id}/rules/sort", 403, json=[rule["id"]])
    reader.problem("POST", f"/apps/{app_id}/rules/reapply", 403)
