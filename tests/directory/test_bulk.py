"""`POST /users/bulk` against real Postgres: both modes, duplicates, limits, scopes, and that
each created user is evaluated and planned like a single create."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.models import Assignment, AuditEntry, Task, User, UserRole
from tests.provisioning.task_rows import add_app, install_recorder
from tests.support import ApiClient, user_body


def count(model: Any) -> int:
    with transaction() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def usernames() -> set[str]:
    with transaction() as session:
        return set(session.execute(select(User.username)).scalars())


def app_granted_by(client: ApiClient) -> dict[str, Any]:
    """A role granting an app with provisioning enabled: a new holder gets a planned task."""
    with transaction() as session:
        app = add_app(session)
    return client.ok("POST", "/roles", json={"name": "M365", "app_ids": [app.id]})


def bulk(client: ApiClient, users: list[dict[str, Any]], mode: str, status: int = 200) -> Any:
    body = {"mode": mode, "users": users}
    if status == 200:
        return client.ok("POST", "/users/bulk", json=body)
    return client.problem("POST", "/users/bulk", status, json=body)


def test_all_or_nothing_creates_evaluates_and_plans_every_user(client: ApiClient) -> None:
    role = app_granted_by(client)
    recorder = install_recorder()
    client.ok(
        "POST",
        "/mappings",
        json={
            "name": "sales",
            "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
            "actions": [{"action": "add_role", "value": [str(role["id"])]}],
        },
    )
    users = [user_body(i, role_ids=[role["id"]] if i % 2 else []) for i in range(1, 6)]

    result = bulk(client, users, "all_or_nothing")

    assert result["created"] == 5 and result["refused"] == 0
    assert [i["status"] for i in result["items"]] == [201] * 5
    assert [i["index"] for i in result["items"]] == list(range(5))
    ids = [i["id"] for i in result["items"]]
    for n, uid in enumerate(ids, start=1):
        user = client.ok("GET", f"/users/{uid}")
        assert user["username"] == f"user{n}"
        assert user["display_name"] == f"Josh Ames{n}"
        # user_body's department is Sales: the mapping granted the role to every one of them.
        assert role["id"] in {r["id"] for r in user["roles"] if r["source"] == "mapping"}
    assert count(UserRole) == 3
    assert count(Assignment) == 5 and count(Task) == 5
    assert len(recorder.calls) == 1 and len(recorder.calls[0]) >= 1


def test_all_or_nothing_with_one_bad_item_writes_and_queues_nothing(client: ApiClient) -> None:
    role = app_granted_by(client)
    client.ok("POST", "/users", json=user_body(1))
    recorder = install_recorder()
    users = [
        user_body(2, role_ids=[role["id"]]),
        user_body(3, username="USER1"),  # taken by a stored user (case-insensitive)
        user_body(4, email="not-an-email"),  # invalid
        user_body(5, role_ids=[role["id"]]),
        user_body(6, email="USER5@example.com"),  # duplicates item 3 of this request
        user_body(7, role_ids=[999]),  # unknown role
    ]

    body = bulk(client, users, "all_or_nothing", 422)

    fields = {e["field"] for e in body["errors"]}
    assert fields == {"users.1.username", "users.2.email", "users.4.email", "users.5.role_ids"}
    assert "4 of 6" in body["detail"]
    assert usernames() == {"user1"}
    assert count(Assignment) == 0 and count(Task) == 0 and count(UserRole) == 0
    assert recorder.calls == []


def test_per_item_creates_the_good_ones_and_reports_each_bad_one(client: ApiClient) -> None:
    role = app_granted_by(client)
    client.ok("POST", "/users", json=user_body(1))
    users = [
        user_body(2, role_ids=[role["id"]]),
        user_body(3, email="user1@EXAMPLE.com"),  # taken by a stored user
        {"username": "bad"},  # no email
        user_body(
            4, username="\uff35\uff33\uff25\uff32\uff12"
        ),  # fullwidth: NFKC makes it user2, item 0's name
        user_body(5, group_id=999),  # unknown group
        user_body(6),
    ]

    result = bulk(client, users, "per_item")

    statuses = [(i["index"], i["status"]) for i in result["items"]]
    assert statuses == [(0, 201), (1, 409), (2, 422), (3, 409), (4, 422), (5, 201)]
    assert result["created"] == 2 and result["refused"] == 4
    problems = {i["index"]: i["problem"] for i in result["items"] if i["problem"]}
    assert "email" in problems[1]["detail"]
    assert any(e["field"] == "email" for e in problems[2]["errors"])
    assert "Item 0" in problems[3]["detail"]
    assert problems[4]["errors"][0]["field"] == "group_id"
    assert usernames() == {"user1", "user2", "user6"}
    created = {i["id"] for i in result["items"] if i["status"] == 201}
    with transaction() as session:
        stored = set(session.execute(select(User.id).where(User.username != "user1")).scalars())
        planned = set(session.execute(select(Task.user_id)).scalars())
    assert stored == created
    assert planned == {result["items"][0]["id"]}  # only the holder of the granting role


@pytest.mark.parametrize("mode", ["all_or_nothing", "per_item"])
def test_a_duplicate_names_the_item_holding_the_value_past_invalid_ones(
    client: ApiClient, mode: str
) -> None:
    """Items that fail validation are not checked for duplicates; a refusal naming the earlier
    item with the same username or email names it by its place in the request, not by its
    place among the valid items (which named an invalid item)."""
    users = [
        user_body(1, email="not-an-email"),
        user_body(2, email="same@example.com"),
        {"username": "no-email"},
        user_body(3, email="SAME@example.com"),
        user_body(4, username="USER2"),
    ]
    if mode == "all_or_nothing":
        errors = bulk(client, users, mode, 422)["errors"]
        by_field = {e["field"]: e for e in errors}
        assert set(by_field) == {
            "users.0.email",
            "users.2.email",
            "users.3.email",
            "users.4.username",
        }
        assert by_field["users.3.email"]["message"].startswith("Item 1 of this request")
        assert by_field["users.4.username"]["message"].startswith("Item 1 of this request")
        assert usernames() == set()
        return
    items = bulk(client, users, mode)["items"]
    assert [(i["index"], i["status"]) for i in items] == [
        (0, 422),
        (1, 201),
        (2, 422),
        (3, 409),
        (4, 409),
    ]
    for index, field in ((3, "email"), (4, "username")):
        problem = items[index]["problem"]
        assert problem["detail"].startswith("Item 1 of this request"), problem
        # A conflict names its field as a validation error does, not only in its sentence.
        assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, "conflict")]
    assert usernames() == {"user2"}


def test_per_item_under_lasting_contention_refuses_only_the_colliding_items(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other requests keep committing some of a per-item batch's usernames between its check
    and its insert (simulated: the check sees none of them). After three rounds the batch is
    written one item at a time: the items that collide are refused with a 409, the others are
    created, instead of the whole request failing."""
    from app.directory import service

    taken = client.ok("POST", "/users", json=user_body(1))
    monkeypatch.setattr(service, "check_new_users", lambda session, items, **_: {})
    users = [user_body(2), user_body(3, username=taken["username"]), user_body(4)]

    result = bulk(client, users, "per_item")

    assert [i["status"] for i in result["items"]] == [201, 409, 201]
    assert result["created"] == 2 and result["refused"] == 1
    assert usernames() == {taken["username"], users[0]["username"], users[2]["username"]}
    # all_or_nothing still refuses the whole request.
    client.problem(
        "POST",
        "/users/bulk",
        409,
        json={
            "mode": "all_or_nothing",
            "users": [user_body(5), user_body(6, username=taken["username"])],
        },
    )
    assert count(User) == 3


def test_size_limits(client: ApiClient) -> None:
    too_many = [user_body(i) for i in range(1001)]
    body = bulk(client, too_many, "per_item", 422)
    assert body["errors"][0]["field"] == "users"
    bulk(client, [], "per_item", 422)
    huge = [user_body(i, distinguished_name="x" * 1000) for i in range(1000)]
    for item in huge[:10]:  # over the 2 MB body limit in all
        item["custom_attributes"] = {f"a{k}": "y" * 2000 for k in range(100)}
    client.problem("POST", "/users/bulk", 413, json={"mode": "per_item", "users": huge})
    assert count(User) == 0


def test_a_full_batch_of_1000_is_created(client: ApiClient) -> None:
    result = bulk(client, [user_body(i) for i in range(1000)], "all_or_nothing")
    assert result["created"] == 1000
    assert count(User) == 1000


def test_bulk_needs_the_write_scope(client: ApiClient) -> None:
    body = {"users": [user_body(1)]}
    with client.with_scopes("read") as reader:
        reader.problem("POST", "/users/bulk", 403, json=body)
    with client.with_scopes("scim") as scim:
        scim.problem("POST", "/users/bulk", 403, json=body)
    with ApiClient(None) as anonymous:
        anonymous.problem("POST", "/users/bulk", 401, json=body)
    assert count(User) == 0
    with client.with_scopes("write") as writer:
        assert writer.ok("POST", "/users/bulk", json=body)["created"] == 1


# Values that a JSON-carried batch insert must keep exactly: quotes, backslashes (one that
# reads like a JSON escape), non-Latin letters, an emoji, a long value.
ODD_VALUES = {
    "firstname": 'Zoë "Z" O\'Brien',
    "lastname": "Back\\slash \\u0000 not a NUL",
    "department": "Отдел продаж 販売部 😀",
    "title": "x" * 200,
    "custom_attributes": {"note": '{"looks": "like json"}', "path": "C:\\Users\\zoe"},
    "member_of": ["Office 365", "Ünïcode group"],
}


def test_a_batch_keeps_every_character_of_every_value(client: ApiClient) -> None:
    created = bulk(client, [user_body(i, **ODD_VALUES) for i in (1, 2)], "all_or_nothing")
    for item in created["items"]:
        user = client.ok("GET", f"/users/{item['id']}")
        for key, value in ODD_VALUES.items():
            assert user[key] == value, key


def _audit_after(user_id: int) -> dict[str, Any]:
    with transaction() as session:
        entry = session.execute(
            select(AuditEntry).where(
                AuditEntry.action == "user.created",  # type: ignore[arg-type]
                AuditEntry.object_id == str(user_id),  # type: ignore[arg-type]
            )
        ).scalar_one()
        assert entry.before is None and entry.actor_name == "admin"
        assert entry.object_name == (entry.after or {}).get("username")
        return dict(entry.after or {})


def test_a_batch_records_the_same_audit_entry_as_single_creates(client: ApiClient) -> None:
    role = client.ok("POST", "/roles", json={"name": "Sales"})
    group = client.ok("POST", "/groups", json={"name": "Team"})
    extra = {**ODD_VALUES, "role_ids": [role["id"]], "group_id": group["id"]}
    single = client.ok("POST", "/users", json=user_body(1, **extra))
    batch = bulk(client, [user_body(2, **extra)], "per_item")["items"][0]
    one, many = _audit_after(single["id"]), _audit_after(batch["id"])
    assert set(one) == set(many)
    differ = {k for k in one if one[k] != many[k]}
    assert differ == {"username", "email"}, differ
    assert many["role_ids"] == [role["id"]] and many["group_id"] == group["id"]
    assert many["custom_attributes"] == ODD_VALUES["custom_attributes"]


def test_a_batch_on_sqlite_keeps_values_and_records_each_user(on_sqlite: Path) -> None:
    admin = ApiClient.admin()
    created = bulk(admin, [user_body(i, **ODD_VALUES) for i in (1, 2, 3)], "per_item")
    assert created["created"] == 3
    for item in created["items"]:
        user = admin.ok("GET", f"/users/{item['id']}")
        assert {k: user[k] for k in ODD_VALUES} == ODD_VALUES
        assert _audit_after(item["id"])["department"] == ODD_VALUES["department"]


def test_all_or_nothing_losing_a_race_names_the_items_as_if_the_winner_came_first(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request commits one of the batch's usernames between its check and its
    insert (simulated: the first check sees nothing). The request is checked again and
    refused as it would be had the other come first: a 422 naming the item, not a bare 409."""
    from app.directory import service

    taken = client.ok("POST", "/users", json=user_body(1))
    real = service.check_new_users
    calls: list[int] = []

    def late(session: Any, items: Any, **kwargs: Any) -> Any:
        calls.append(len(items))
        return {} if len(calls) == 1 else real(session, items, **kwargs)

    monkeypatch.setattr(service, "check_new_users", late)
    users = [user_body(2), user_body(3, username=taken["username"].upper())]
    body = bulk(client, users, "all_or_nothing", 422)

    assert len(calls) == 2
    assert [e["field"] for e in body["errors"]] == ["users.1.username"]
    assert "Another user already has the username" in body["errors"][0]["message"]
    assert count(User) == 1 and usernames() == {taken["username"]}


def test_a_duplicate_within_the_request_quotes_the_earlier_items_value(
    client: ApiClient,
) -> None:
    users = [user_body(1, username="bulk.a"), user_body(2, username="BULK.A")]
    result = bulk(client, users, "per_item")
    assert [i["status"] for i in result["items"]] == [201, 409]
    detail = result["items"][1]["problem"]["detail"]
    assert "Item 0 of this request already has the username 'bulk.a'" in detail
    users = [user_body(3, email="Mix@Example.com"), user_body(4, email="mix@example.com")]
    body = bulk(client, users, "all_or_nothing", 422)
    assert body["errors"][0]["field"] == "users.1.email"
    assert (
        "Item 0 of this request already has the email 'Mix@example.com'"
        in (body["errors"][0]["message"])
    )


def test_an_item_that_is_not_an_object_is_refused_on_its_own(client: ApiClient) -> None:
    """Per item, the others are still created; all or nothing, the 422 names it like any bad
    item. Such an item used to refuse the whole request, whatever the mode."""
    odd: list[Any] = ["not an object", None, 7, [user_body(9)]]
    result = bulk(client, [*odd, user_body(1)], "per_item")
    assert [(i["index"], i["status"]) for i in result["items"]] == [
        (0, 422),
        (1, 422),
        (2, 422),
        (3, 422),
        (4, 201),
    ]
    for item in result["items"][:4]:
        assert [e["field"] for e in item["problem"]["errors"]] == ["body"]
    assert usernames() == {"user1"}
    body = bulk(client, [user_body(2), *odd], "all_or_nothing", 422)
    assert {e["field"] for e in body["errors"]} == {f"users.{i}.body" for i in (1, 2, 3, 4)}
    assert usernames() == {"user1"}
