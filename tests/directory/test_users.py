"""Users over the API against real Postgres: CRUD, filters, pagination, errors."""

from __future__ import annotations

from tests.support import ApiClient, user_body


def test_create_read_update_delete(client: ApiClient) -> None:
    group = client.ok("POST", "/groups", json={"name": "Staff"})
    role = client.ok("POST", "/roles", json={"name": "Office 365"})
    created = client.ok(
        "POST",
        "/users",
        json=user_body(
            1,
            member_of=["Office 365", "Office 365"],
            custom_attributes={"employee_no": "42"},
            group_id=group["id"],
            role_ids=[role["id"]],
        ),
    )
    assert created["member_of"] == ["Office 365"]
    assert created["effective_group_id"] == group["id"]
    assert created["roles"] == [
        {"id": role["id"], "name": "Office 365", "source": "manual", "mapping_id": None}
    ]
    uid = created["id"]
    patched = client.ok(
        "PATCH",
        f"/users/{uid}",
        json={"title": "Engineer", "custom_attributes": {"employee_no": None, "site": "Oslo"}},
    )
    assert patched["title"] == "Engineer"
    assert patched["custom_attributes"] == {"site": "Oslo"}
    assert patched["lastname"] == "Ames1"
    assert client.ok("GET", f"/users/{uid}")["title"] == "Engineer"
    client.ok("DELETE", f"/users/{uid}", expect=204)
    client.problem("GET", f"/users/{uid}", 404)


def test_duplicates_conflict_and_change_nothing(client: ApiClient) -> None:
    client.ok("POST", "/users", json=user_body(1))
    body = client.problem("POST", "/users", 409, json=user_body(2, username="USER1"))
    assert "username" in body["detail"]
    client.problem("POST", "/users", 409, json=user_body(3, email="User1@Example.com"))
    other = client.ok("POST", "/users", json=user_body(4))
    client.problem("PATCH", f"/users/{other['id']}", 409, json={"email": "user1@example.com"})
    assert client.ok("GET", f"/users/{other['id']}")["email"] == "user4@example.com"
    assert len(client.ok("GET", "/users")["items"]) == 2


def test_malformed_bodies_are_422_with_field_errors(client: ApiClient) -> None:
    body = client.problem("POST", "/users", 422, json={"username": "x", "email": "not-an-email"})
    assert any(e["field"] == "email" for e in body["errors"])
    body = client.problem("POST", "/users", 422, json={**user_body(1), "bogus": 1})
    assert any(e["field"] == "bogus" for e in body["errors"])
    client.problem("POST", "/users", 422, json={**user_body(1), "group_id": 999})
    client.problem("POST", "/users", 422, json={**user_body(1), "role_ids": [999]})
    client.problem(
        "POST", "/users", 422, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert client.ok("GET", "/users")["items"] == []


def test_list_filters_and_cursor_pagination(client: ApiClient) -> None:
    role = client.ok("POST", "/roles", json={"name": "R"})
    for n in range(1, 8):
        client.ok(
            "POST",
            "/users",
            json=user_body(
                n,
                status="suspended" if n % 2 == 0 else "active",
                role_ids=[role["id"]] if n <= 2 else [],
                firstname="Zed" if n == 5 else "Josh",
            ),
        )
    page = client.ok("GET", "/users", params={"limit": 3})
    seen = [u["username"] for u in page["items"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [u["username"] for u in page["items"]]
    assert seen == [f"user{n}" for n in range(1, 8)]
    assert [
        u["username"] for u in client.ok("GET", "/users", params={"status": "suspended"})["items"]
    ] == ["user2", "user4", "user6"]
    assert [
        u["username"] for u in client.ok("GET", "/users", params={"role_id": role["id"]})["items"]
    ] == ["user1", "user2"]
    assert [u["username"] for u in client.ok("GET", "/users", params={"q": "zed"})["items"]] == [
        "user5"
    ]
    assert [
        u["id"] for u in client.ok("GET", "/users", params={"email": "USER3@example.com"})["items"]
    ]
    client.problem("GET", "/users", 400, params={"cursor": "garbage"})
    client.problem("GET", "/users", 422, params={"limit": 0})


def test_manual_roles(client: ApiClient) -> None:
    a = client.ok("POST", "/roles", json={"name": "A"})
    b = client.ok("POST", "/roles", json={"name": "B"})
    uid = client.ok("POST", "/users", json=user_body(1))["id"]
    assert client.ok("PUT", f"/users/{uid}/roles", json={"role_ids": [a["id"], b["id"]]})[
        "manual_role_ids"
    ] == [a["id"], b["id"]]
    client.ok("DELETE", f"/users/{uid}/roles/{a['id']}", expect=204)
    assert client.ok("GET", f"/users/{uid}")["manual_role_ids"] == [b["id"]]
    client.problem("DELETE", f"/users/{uid}/roles/{a['id']}", 404)
    client.problem("PUT", f"/users/{uid}/roles", 422, json={"role_ids": [12345]})


def test_a_username_or_email_too_long_once_lowercased_is_a_422(client: ApiClient) -> None:
    """Usernames are unique through a lowercased copy in a column of 256 characters; "İ"
    (U+0130) lowercases to two characters, so 200 of them fit the username's limit but not
    the column. (An email cannot overflow its column: its local part is at most 64.)
    Refused up front as a 422 naming the field, on every path, instead of failing at the
    database (a 400 for the whole request, a bulk included)."""
    long_name = "İ" * 200
    body = client.problem("POST", "/users", 422, json=user_body(1, username=long_name))
    assert [e["field"] for e in body["errors"]] == ["username"]
    assert client.ok("GET", "/users")["items"] == []
    # In a per-item bulk only that item is refused; the other is created.
    result = client.ok(
        "POST",
        "/users/bulk",
        json={"mode": "per_item", "users": [user_body(2, username=long_name), user_body(3)]},
    )
    assert [i["status"] for i in result["items"]] == [422, 201]
    # A rename to such a value, too.
    uid = result["items"][1]["id"]
    client.problem("PATCH", f"/users/{uid}", 422, json={"username": long_name})
    assert client.ok("GET", f"/users/{uid}")["username"] == user_body(3)["username"]
    # At the limit once lowercased it is accepted.
    client.ok("POST", "/users", json=user_body(4, username="İ" * 128), expect=201)
