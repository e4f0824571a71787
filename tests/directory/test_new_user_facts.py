"""A batch create evaluates new users from the values it inserted (`new_user_facts`), not
from a read back: those facts must be exactly what `load_facts` reads from the database, for
every kind of value a user can be created with, or mappings would see a different person
on the first evaluation than on every later one."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import transaction
from app.directory import repository as repo
from app.directory import service as directory
from app.directory.schemas import UserCreate
from tests.support import ApiClient, sales_mapping


def bodies(role_id: int, group_id: int) -> list[dict[str, Any]]:
    return [
        {"username": "plain", "email": "plain@contoso.com"},
        {
            "username": "Full.Person",
            "email": "Full.Person@Contoso.com",
            "firstname": "Zoë",
            "lastname": "Ñúñez",
            "display_name": "Zoë Ñúñez (Sales)",
            "distinguished_name": "CN=Zoë Ñúñez,OU=Sales,DC=contoso,DC=com",
            "department": "Sales",
            "title": "Lead",
            "company": "Contoso",
            "phone": "+1 555 0100",
            "country": "de",
            "status": "suspended",
            "member_of": ["Office 365", "office 365", "Sales EU"],
            "custom_attributes": {"employee_id": "00042", "cost_center": ""},
            "role_ids": [role_id, role_id],
            "group_id": group_id,
        },
        {"username": "nameless", "email": "n@contoso.com", "firstname": "Ann"},
        {"username": "active", "email": "a@contoso.com", "status": "active", "member_of": []},
    ]


def test_facts_of_new_users_are_what_the_database_reads_back(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = client.ok("POST", "/roles", json={"name": "Office 365"})
    group = client.ok("POST", "/groups", json={"name": "Sales"})
    items = [UserCreate.model_validate(b) for b in bodies(role["id"], group["id"])]
    captured: list[Any] = []

    original = directory.recompute.users_created

    def capture(s: Any, facts: Any, outcomes: Any, causes: Any = None) -> None:
        captured.extend(facts)
        original(s, facts, outcomes, causes)

    monkeypatch.setattr(directory.recompute, "users_created", capture)
    with transaction() as session:
        created, refused = directory.create_users(session, items)
    assert not refused and len(captured) == len(items)

    with transaction() as session:
        stored = {f.id: f for f, _ in repo.load_facts(session, [uid for _, uid in created])}
    for facts in captured:
        assert facts == stored[facts.id]
        # Equal as values and as the types the evaluation compares and prints.
        for name, value in facts.fields.items():
            assert type(value) is type(stored[facts.id].fields[name]), name


def test_states_of_new_users_are_what_the_database_reads_back(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The assignments of new users are computed from their states in memory: the same as
    `load_user_states` reads once the mapping outcome is stored (roles by hand and by
    mapping, the mapped group, mapped attributes)."""
    from app import recompute
    from app.provisioning.assignments import load_user_states

    by_hand = client.ok("POST", "/roles", json={"name": "By hand"})
    mapped = client.ok("POST", "/roles", json={"name": "Mapped"})
    group = client.ok("POST", "/groups", json={"name": "Mapped group"})
    client.ok(
        "POST",
        "/mappings",
        json={
            "name": "sales",
            "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
            "actions": [
                {"action": "add_role", "value": [str(mapped["id"])]},
                {"action": "set_group", "value": [str(group["id"])]},
                {"action": "set_attribute", "value": ["region", "EU"]},
            ],
        },
    )
    items = [
        UserCreate.model_validate(b)
        for b in (
            {"username": "s1", "email": "s1@contoso.com", "department": "Sales"},
            {"username": "s2", "email": "s2@contoso.com", "role_ids": [by_hand["id"]]},
            {
                "username": "s3",
                "email": "s3@contoso.com",
                "department": "Sales",
                "role_ids": [by_hand["id"], mapped["id"]],
                "status": "suspended",
            },
        )
    ]
    captured: list[Any] = []
    original = recompute.recompute_users

    def capture(session: Any, user_ids: Any, **kwargs: Any) -> int:
        captured.extend(kwargs["created"])
        return original(session, user_ids, **kwargs)

    monkeypatch.setattr(recompute, "recompute_users", capture)
    with transaction() as session:
        created, _ = directory.create_users(session, items)

    with transaction() as session:
        stored = load_user_states(session, [uid for _, uid in created])
    assert len(captured) == 3
    assert captured == stored
    assert captured[0].facts.custom_attributes["region"] == "EU"
    assert captured[2].role_sources[mapped["id"]] == "manual"


def test_a_bulk_pass_reads_the_same_facts_it_was_asked_for(client: ApiClient) -> None:
    # A reapply reads only what the mappings use, and on Postgres decodes `member_of` itself
    # (from jsonb text, with orjson): what it reads must equal the full read.
    role = client.ok("POST", "/roles", json={"name": "Office 365"})
    group = client.ok("POST", "/groups", json={"name": "Sales"})
    items = [UserCreate.model_validate(b) for b in bodies(role["id"], group["id"])]
    items.append(
        UserCreate.model_validate(
            {
                "username": "odd",
                "email": "odd@contoso.com",
                "member_of": ['Quote "q"', "back\\slash", "Ærø 🙂", "null", "0012", "[]"],
            }
        )
    )
    with transaction() as session:
        created, refused = directory.create_users(session, items)
    assert not refused
    ids = [uid for _, uid in created]
    needs = repo.needs_for(
        [("department", None), ("status", None), ("custom_attributes.employee_id", "employee_id")],
        True,
    )
    with transaction() as session:
        full = {f.id: f for f, _ in repo.load_facts(session, ids)}
        # Chunks of 2: the keyset paging crosses several chunks.
        partial = {f.id: f for part in repo.iter_fact_chunks(session, 2, needs) for f, _ in part}
    assert set(partial) >= set(ids)
    for uid in ids:
        assert partial[uid].member_of == full[uid].member_of
        assert partial[uid].role_ids == full[uid].role_ids
        assert partial[uid].group_id == full[uid].group_id
        assert partial[uid].fields["department"] == full[uid].fields["department"]
        assert dict(partial[uid].custom_attributes) == {
            k: v for k, v in full[uid].custom_attributes.items() if k == "employee_id"
        }
    assert partial[ids[-1]].member_of == (
        'Quote "q"',
        "back\\slash",
        "Ærø 🙂",
        "null",
        "0012",
        "[]",
    )


def test_new_users_are_inserted_with_their_mapping_outcome(client: ApiClient) -> None:
    """A new user's row is written once, its mapping outcome in place: no UPDATE follows the
    INSERT (on Postgres it would write a second version of the row and its search row), and
    what it stores is what evaluating the user again gives, so nothing changes then."""
    from sqlalchemy import event

    from app.db import get_engine
    from app.mappings.service import apply_to_users

    role = client.ok("POST", "/roles", json={"name": "Mapped"})
    group = client.ok("POST", "/groups", json={"name": "Mapped group"})
    sales_mapping(client, role["id"], group["id"])
    updates: list[str] = []

    def spot(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE") and "directory_user" in statement:
            updates.append(statement)

    event.listen(get_engine(), "before_cursor_execute", spot)
    try:
        sales = client.ok(
            "POST",
            "/users",
            json={"username": "s1", "email": "s1@contoso.com", "department": "Sales"},
        )
        other = client.ok("POST", "/users", json={"username": "o1", "email": "o1@contoso.com"})
        bulk = client.ok(
            "POST",
            "/users/bulk",
            json={
                "mode": "all_or_nothing",
                "users": [
                    {"username": "s2", "email": "s2@contoso.com", "department": "Sales"},
                    {"username": "o2", "email": "o2@contoso.com", "department": "Ops"},
                ],
            },
        )
    finally:
        event.remove(get_engine(), "before_cursor_execute", spot)
    assert updates == []

    assert sales["mapped_group_id"] == group["id"]
    assert sales["mapped_attributes"] == {"region": "EU"}
    assert [(r["id"], r["source"]) for r in sales["roles"]] == [(role["id"], "mapping")]
    assert (
        other["mapped_group_id"] is None
        and other["roles"] == []
        and other["mapped_attributes"] == {}
    )
    assert client.ok("GET", f"/users/{sales['id']}") == sales
    s2 = client.ok("GET", f"/users/{bulk['items'][0]['id']}")
    assert s2["mapped_group_id"] == group["id"] and s2["mapped_attributes"] == {"region": "EU"}

    ids = [sales["id"], other["id"], *(item["id"] for item in bulk["items"])]
    with transaction() as session:
        assert apply_to_users(session, ids) == []
