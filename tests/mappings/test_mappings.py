"""Mappings over the API: CRUD, catalog, sort, dry run, reapply job, immediate evaluation."""

from __future__ import annotations

from tests.support import ApiClient, user_body


def _o365(client: ApiClient) -> tuple[dict, dict]:
    role = client.ok("POST", "/roles", json={"name": "Office 365"})
    mapping = client.ok(
        "POST",
        "/mappings",
        json={
            "name": "Office 365 members",
            "match": "all",
            "conditions": [{"source": "member_of", "operator": "contains", "value": "office 365"}],
            "actions": [{"action": "set_role", "value": [str(role["id"])]}],
        },
    )
    return role, mapping


def test_user_changes_are_evaluated_at_once(client: ApiClient) -> None:
    role, mapping = _o365(client)
    user = client.ok("POST", "/users", json=user_body(1, member_of=["Office 365"]))
    assert user["roles"] == [
        {"id": role["id"], "name": "Office 365", "source": "mapping", "mapping_id": mapping["id"]}
    ]
    user = client.ok("PATCH", f"/users/{user['id']}", json={"member_of": []})
    assert user["roles"] == []


def test_mapping_never_strips_manual_roles(client: ApiClient) -> None:
    role, _ = _o365(client)
    other = client.ok("POST", "/roles", json={"name": "Other"})
    uid = client.ok("POST", "/users", json=user_body(1, role_ids=[role["id"], other["id"]]))["id"]
    client.ok("PATCH", f"/users/{uid}", json={"member_of": ["Office 365"]})
    client.ok("PATCH", f"/users/{uid}", json={"member_of": []})
    roles = client.ok("GET", f"/users/{uid}")["roles"]
    assert {(r["id"], r["source"]) for r in roles} == {
        (role["id"], "manual"),
        (other["id"], "manual"),
    }


def test_dry_run_reports_without_changing(client: ApiClient) -> None:
    client.ok("POST", "/users", json=user_body(1, member_of=["Office 365"]))
    client.ok("POST", "/users", json=user_body(2))
    _, mapping = _o365(client)
    result = client.ok("POST", f"/mappings/{mapping['id']}/dry-run", json={"user_ids": [1, 2]})
    by_user = {u["user_id"]: u for u in result["users"]}
    assert by_user[1]["result"] == "will be mapped"
    assert by_user[1]["changes"][0]["kind"] == "role_added"
    assert by_user[2]["result"] == "will not be mapped" and by_user[2]["changes"] == []
    # Saving the mapping did not touch existing users; the dry run did not either.
    assert client.ok("GET", "/users/1")["roles"] == []
    client.problem("POST", f"/mappings/{mapping['id']}/dry-run", 422, json={"user_ids": [99]})


def test_reapply_job_reports_progress_and_second_run_changes_nothing(client: ApiClient) -> None:
    for n in range(1, 31):
        client.ok("POST", "/users", json=user_body(n, member_of=["Office 365"] if n % 3 else []))
    role, _ = _o365(client)
    job = client.ok("POST", "/mappings/reapply", expect=202)
    done = client.wait_job(job["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"] == {"processed": 30, "total": 30, "percent": 100.0}
    assert done["result"]["changed"] == 20
    holders = client.ok("GET", "/users", params={"role_id": role["id"], "limit": 100})["items"]
    assert len(holders) == 20
    again = client.wait_job(client.ok("POST", "/mappings/reapply", expect=202)["id"])
    assert again["result"]["changed"] == 0


def test_validation_errors_name_the_field(client: ApiClient) -> None:
    role = client.ok("POST", "/roles", json={"name": "R"})
    base = {
        "name": "m",
        "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
        "actions": [{"action": "add_role", "value": [str(role["id"])]}],
    }
    bad_source = {
        **base,
        "conditions": [{"source": "shoe_size", "operator": "equals", "value": "9"}],
    }
    assert (
        "source" in client.problem("POST", "/mappings", 422, json=bad_source)["errors"][0]["field"]
    )
    bad_regex = {**base, "conditions": [{"source": "email", "operator": "matches", "value": "("}]}
    client.problem("POST", "/mappings", 422, json=bad_regex)
    bad_op = {**base, "conditions": [{"source": "has_role", "operator": "contains", "value": "1"}]}
    client.problem("POST", "/mappings", 422, json=bad_op)
    unknown_role = {**base, "actions": [{"action": "set_role", "value": ["999"]}]}
    client.problem("POST", "/mappings", 422, json=unknown_role)
    client.problem("POST", "/mappings", 422, json={**base, "conditions": []})
    assert client.ok("GET", "/mappings") == []
    created = client.ok("POST", "/mappings", json=base)
    client.problem("DELETE", f"/roles/{role['id']}", 409)
    client.problem("PATCH", f"/mappings/{created['id']}", 422, json={"match": "some"})


def test_sort_and_catalog(client: ApiClient) -> None:
    role = client.ok("POST", "/roles", json={"name": "R"})
    ids = []
    for n in range(3):
        ids.append(
            client.ok(
                "POST",
                "/mappings",
                json={
                    "name": f"m{n}",
                    "conditions": [{"source": "username", "operator": "exists"}],
                    "actions": [{"action": "add_role", "value": [str(role["id"])]}],
                },
            )["id"]
        )
    order = [ids[2], ids[0], ids[1]]
    assert [m["id"] for m in client.ok("PUT", "/mappings/sort", json=order)] == order
    assert [m["id"] for m in client.ok("GET", "/mappings")] == order
    client.problem("PUT", "/mappings/sort", 422, json=[ids[0]])
    client.ok("POST", "/users", json=user_body(1, custom_attributes={"cost_center": "9"}))
    sources = {c["value"] for c in client.ok("GET", "/mappings/conditions")}
    assert {"member_of", "has_role", "group", "custom_attributes.cost_center", "email"} <= sources
    ops = {o["value"] for o in client.ok("GET", "/mappings/conditions/member_of/operators")}
    assert {"equals", "contains", "matches", "in", "exists", "not_exists"} <= ops
    client.problem("GET", "/mappings/conditions/nope/operators", 404)
    assert {a["value"] for a in client.ok("GET", "/mappings/actions")} == {
        "set_role",
        "add_role",
        "set_group",
        "set_attribute",
    }
    values = client.ok("GET", "/mappings/conditions/has_role/values")
    assert values == [
        {
            "value": str(role["id"]),
            "name": "R",
            "kind": None,
            "needs_value": None,
            "value_count": None,
        }
    ]


def test_set_group_and_attribute(client: ApiClient) -> None:
    group = client.ok("POST", "/groups", json={"name": "Sales"})
    client.ok(
        "POST",
        "/mappings",
        json={
            "name": "sales",
            "match": "any",
            "conditions": [
                {"source": "department", "operator": "equals", "value": "SALES"},
                {"source": "title", "operator": "starts_with", "value": "Account"},
            ],
            "actions": [
                {"action": "set_group", "value": [str(group["id"])]},
                {"action": "set_attribute", "value": ["usage_location", "NO"]},
            ],
        },
    )
    user = client.ok("POST", "/users", json=user_body(1, department="Sales"))
    assert user["effective_group_id"] == group["id"] and user["group_id"] is None
    assert user["mapped_attributes"] == {"usage_location": "NO"}
    assert user["effective_attributes"] == {"usage_location": "NO"}
    listed = client.ok("GET", "/users", params={"group_id": group["id"]})["items"]
    assert [u["id"] for u in listed] == [user["id"]]
