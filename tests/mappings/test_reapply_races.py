"""A reapply reads a chunk's facts in one transaction and writes their outcomes in another:
a user edited in between must keep the outcome of the edit, not get one computed from the
facts before it (an attacker's finding: 14 of 12,000 users edited during a reapply kept the
old department's role, and their app assignment with it).

The edit is made to land exactly in that gap: the test wraps the reapply's write so the edit
commits first, as a concurrent PATCH would."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import transaction
from app.directory import service as directory
from app.directory.schemas import UserUpdate
from app.mappings import repository as mappings_repo
from app.mappings.service import reapply_all
from app.models import User
from tests.support import ApiClient, user_body


def _roles(user_id: int) -> dict[str, Any]:
    with transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        return dict(user.mapped_roles or {})


def test_an_edit_between_the_read_and_the_write_is_not_undone(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = api.ok("POST", "/roles", json={"name": "Staff"})["id"]
    mapping = api.ok(
        "POST",
        "/mappings",
        json={
            "name": "staff",
            "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
            "actions": [{"action": "add_role", "value": [str(role)]}],
        },
    )
    moving = api.ok("POST", "/users", json=user_body(1, department="Sales"))["id"]
    staying = api.ok("POST", "/users", json=user_body(2, department="Sales"))["id"]
    engineer = api.ok("POST", "/users", json=user_body(3, department="Engineering"))["id"]
    assert _roles(moving) and _roles(staying) and not _roles(engineer)
    # The mapping now picks Engineering: a reapply takes the role from Sales and gives it to
    # Engineering...
    api.ok(
        "PATCH",
        f"/mappings/{mapping['id']}",
        json={
            "conditions": [{"source": "department", "operator": "equals", "value": "Engineering"}]
        },
    )
    # ...while `moving` is moved to Engineering after the reapply read it as Sales.
    original = mappings_repo.write_outcomes
    edits: list[int] = []

    def edit_first(session: Any, changed: Any, seen: Any = None) -> set[int]:
        if not edits:
            with transaction() as other:
                directory.update_user(other, moving, UserUpdate(department="Engineering"))
            edits.append(moving)
        return original(session, changed, seen)

    monkeypatch.setattr(mappings_repo, "write_outcomes", edit_first)
    result = reapply_all(transaction, writers=1)
    assert edits == [moving]
    assert result["changed"] == 3  # all three, `moving` from its facts as read (Sales)
    # The edit's outcome stands: an engineer now, so the role stays.
    assert set(_roles(moving)) == {str(role)}
    assert _roles(staying) == {}
    assert set(_roles(engineer)) == {str(role)}
    shown = api.ok("GET", f"/users/{moving}")["roles"]
    assert [(r["id"], r["source"]) for r in shown] == [(role, "mapping")]


def test_deleting_a_group_or_role_moves_its_members_rows(api: ApiClient) -> None:
    """The guard above sees a change of facts by `updated_at`. Deleting a group or a role
    changes its members' facts through the database (ON DELETE), not through their rows:
    their `updated_at` must move as well, or a reapply running then would write an outcome
    from the facts before."""
    group = api.ok("POST", "/groups", json={"name": "Oslo"})["id"]
    role = api.ok("POST", "/roles", json={"name": "Staff"})["id"]
    member = api.ok("POST", "/users", json=user_body(1, group_id=group, role_ids=[role]))
    other = api.ok("POST", "/users", json=user_body(2))
    api.ok("DELETE", f"/groups/{group}", expect=204)
    after_group = api.ok("GET", f"/users/{member['id']}")
    assert after_group["group_id"] is None
    assert after_group["updated_at"] > member["updated_at"]
    api.ok("DELETE", f"/roles/{role}", expect=204)
    after_role = api.ok("GET", f"/users/{member['id']}")
    assert after_role["manual_role_ids"] == []
    assert after_role["updated_at"] > after_group["updated_at"]
    assert api.ok("GET", f"/users/{other['id']}")["updated_at"] == other["updated_at"]
