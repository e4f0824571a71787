"""The helpers the engine reuses: effective facts in batches, and the cached compiled rules."""

from __future__ import annotations

import pytest

from app.db import transaction
from app.directory import repository as facts_mod
from app.directory.repository import effective_user_facts
from app.provisioning.rules.compiled import compiled_rules
from tests.provisioning.rules.builders import create_rule, make_app
from tests.support import ApiClient, user_body


def test_effective_facts_merge_the_stored_mapping_outcome(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    manual = client.ok("POST", "/roles", json={"name": "Manual"})
    granted = client.ok("POST", "/roles", json={"name": "Granted"})
    own_group = client.ok("POST", "/groups", json={"name": "Own"})
    mapped_group = client.ok("POST", "/groups", json={"name": "Mapped"})
    client.ok(
        "POST",
        "/mappings",
        json={
            "name": "sales",
            "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
            "actions": [
                {"action": "add_role", "value": [str(granted["id"])]},
                {"action": "set_group", "value": [str(mapped_group["id"])]},
                {"action": "set_attribute", "value": ["cost_center", "9"]},
                {"action": "set_attribute", "value": ["office", ""]},
            ],
        },
    )
    sales = client.ok(
        "POST",
        "/users",
        json=user_body(
            1,
            role_ids=[manual["id"]],
            group_id=own_group["id"],
            custom_attributes={"cost_center": "1", "office": "Oslo", "badge": "7"},
        ),
    )
    other = client.ok("POST", "/users", json=user_body(2, department="Ops"))
    monkeypatch.setattr(facts_mod, "CHUNK", 1)  # one user per round trip: chunks must join up

    with transaction() as session:
        result = effective_user_facts(session, [other["id"], 999, sales["id"], sales["id"]])

    assert [f.id for f in result] == [sales["id"], other["id"]]
    mine = result[0]
    assert mine.role_ids == {manual["id"], granted["id"]}
    assert mine.group_id == mapped_group["id"]
    assert dict(mine.custom_attributes) == {"cost_center": "9", "badge": "7"}
    assert result[1].role_ids == frozenset() and result[1].group_id is None


def test_compiled_rules_are_reused_until_the_rules_change(client: ApiClient) -> None:
    app_id, other_app = make_app("A"), make_app("B")
    first = create_rule(client, app_id, name="first")
    second = create_rule(client, app_id, name="second")
    create_rule(client, other_app)

    def compiled_ids() -> tuple[object, list[int]]:
        with transaction() as session:
            compiled = compiled_rules(session, app_id)
        return compiled, [r.id for r in compiled.rules]

    before, ids = compiled_ids()
    assert ids == [first["id"], second["id"]]
    assert compiled_ids()[0] is before

    client.ok("PUT", f"/apps/{app_id}/rules/sort", json=[second["id"], first["id"]])
    assert compiled_ids()[1] == [second["id"], first["id"]]
    client.ok("PATCH", f"/apps/{app_id}/rules/{second['id']}", json={"enabled": False})
    assert compiled_ids()[1] == [first["id"]]
    client.ok("DELETE", f"/apps/{app_id}/rules/{first['id']}", expect=204)
    assert compiled_ids()[1] == []


def test_the_rules_of_every_app_are_checked_in_one_read(client: ApiClient) -> None:
    """A batch of new users evaluates every app: the versions of all their rule sets are one
    statement, whatever the number of apps, and each app still gets its own rules, each
    recompiled only when its own rules change."""
    from sqlalchemy import event

    from app.db import get_engine
    from app.provisioning.rules.compiled import compiled_rules_of_apps

    apps = [make_app(name) for name in ("A", "B", "C", "D")]
    rules = {app_id: create_rule(client, app_id, name=f"r{app_id}") for app_id in apps[:3]}
    reads: list[str] = []

    def spot(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM rule" in statement:
            reads.append(statement)

    client.ok("POST", "/users", json=user_body(1))  # compiles each app's rules once
    event.listen(get_engine(), "before_cursor_execute", spot)
    try:
        client.ok("POST", "/users", json=user_body(2))
    finally:
        event.remove(get_engine(), "before_cursor_execute", spot)
    assert len(reads) == 1, reads

    def compiled() -> dict[int, object]:
        with transaction() as session:
            return dict(compiled_rules_of_apps(session, apps))

    before = compiled()
    assert (
        {a: [r.id for r in c.rules] for a, c in before.items()}
        == {  # type: ignore[attr-defined]
            **{a: [rules[a]["id"]] for a in apps[:3]},
            apps[3]: [],
        }
    )
    client.ok("PATCH", f"/apps/{apps[1]}/rules/{rules[apps[1]]['id']}", json={"enabled": False})
    after = compiled()
    assert [after[a] is before[a] for a in apps] == [True, False, True, True]
    assert after[apps[1]].rules == ()  # type: ignore[attr-defined]


def test_rules_referencing_a_role_or_group(client: ApiClient) -> None:
    from app.provisioning.rules.service import rules_referencing

    app_id = make_app()
    role = client.ok("POST", "/roles", json={"name": "R"})
    other_role = client.ok("POST", "/roles", json={"name": "Other"})
    group = client.ok("POST", "/groups", json={"name": "G"})
    by_role = create_rule(
        client,
        app_id,
        conditions=[
            {"source": "has_role", "operator": "in", "value": f"{other_role['id']}, {role['id']}"}
        ],
    )
    by_group = create_rule(
        client,
        app_id,
        conditions=[{"source": "group", "operator": "equals", "value": str(group["id"])}],
    )
    with transaction() as session:
        assert rules_referencing(session, "has_role", role["id"]) == [by_role["id"]]
        assert rules_referencing(session, "group", group["id"]) == [by_group["id"]]
        assert rules_referencing(session, "has_role", 999) == []
