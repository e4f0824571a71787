"""A user read's roles (`roles`, `manual_role_ids`) come from one statement for the whole page
(`repository.role_grants`): roles held by hand, roles granted by mappings, the same role held
both ways, and users holding none must each come out as they did from separate look-ups, on
Postgres and SQLite, on one user and on a page of many. And the token look-up every request
makes reads outside a transaction (`db.reading`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from app.db import get_engine, reading
from tests.support import ApiClient, user_body


def grants(user: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["name"], r["source"]) for r in user["roles"]]


def test_each_user_of_a_page_gets_exactly_its_own_roles(api: ApiClient) -> None:
    by_hand = api.ok("POST", "/roles", json={"name": "By hand"})
    both = api.ok("POST", "/roles", json={"name": "Both ways"})
    mapped = api.ok("POST", "/roles", json={"name": "Mapped"})
    unused = api.ok("POST", "/roles", json={"name": "Nobody's"})
    api.ok(
        "POST",
        "/mappings",
        json={
            "name": "sales",
            "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
            "actions": [{"action": "add_role", "value": [str(mapped["id"]), str(both["id"])]}],
        },
    )
    ids = {}
    for n, department, roles in [
        (1, "Sales", [by_hand["id"], both["id"]]),  # by hand, and both ways
        (2, "Sales", []),  # mapped only
        (3, "Support", [by_hand["id"]]),  # by hand only
        (4, "Support", []),  # none
    ]:
        ids[n] = api.ok("POST", "/users", json=user_body(n, department=department, role_ids=roles))[
            "id"
        ]
    want = {
        ids[1]: (
            [
                ("By hand", "manual"),
                ("Both ways", "manual"),
                ("Both ways", "mapping"),
                ("Mapped", "mapping"),
            ],
            sorted([by_hand["id"], both["id"]]),
        ),
        ids[2]: ([("Both ways", "mapping"), ("Mapped", "mapping")], []),
        ids[3]: ([("By hand", "manual")], [by_hand["id"]]),
        ids[4]: ([], []),
    }

    def seen(users: list[dict[str, Any]]) -> dict[int, tuple[list[tuple[str, str]], list[int]]]:
        return {u["id"]: (grants(u), u["manual_role_ids"]) for u in users}

    # The same answer for a page of all of them, for pages of one, and for single reads.
    assert seen(api.ok("GET", "/users")["items"]) == want
    assert seen([api.ok("GET", f"/users/{i}") for i in ids.values()]) == want
    paged: list[dict[str, Any]] = []
    page = api.ok("GET", "/users", params={"limit": 1})
    paged += page["items"]
    while page["next"]:
        page = api.get(page["next"]).json()
        paged += page["items"]
    assert seen(paged) == want
    # The role filter agrees with the roles each read shows.
    for role in (by_hand, both, mapped, unused):
        holders = {
            u["id"] for u in api.ok("GET", "/users", params={"role_id": role["id"]})["items"]
        }
        assert holders == {i for i, (g, _) in want.items() if role["name"] in {n for n, _ in g}}


def test_a_deleted_role_leaves_every_read(api: ApiClient) -> None:
    keep = api.ok("POST", "/roles", json={"name": "Keep"})
    gone = api.ok("POST", "/roles", json={"name": "Gone"})
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[keep["id"], gone["id"]]))["id"]
    api.ok("DELETE", f"/roles/{gone['id']}", expect=204)
    user = api.ok("GET", f"/users/{uid}")
    assert grants(user) == [("Keep", "manual")]
    assert user["manual_role_ids"] == [keep["id"]]


def test_the_token_look_up_reads_outside_a_transaction(env: dict[str, str]) -> None:
    """On an autocommit connection every statement is a transaction of its own (Postgres
    starts one when the statement starts); inside a transaction, the second statement's
    transaction began before it did."""
    assert get_engine().dialect.name == "postgresql"
    own = text(
        "SELECT xact_start = statement_timestamp() FROM pg_stat_activity "
        "WHERE pid = pg_backend_pid()"
    )
    with reading() as session:
        session.execute(text("SELECT pg_sleep(0.01)"))
        assert session.execute(own).scalar_one() is True
    with get_engine().begin() as conn:
        conn.execute(text("SELECT pg_sleep(0.01)"))
        assert conn.execute(own).scalar_one() is False
