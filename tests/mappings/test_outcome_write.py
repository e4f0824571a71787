"""A reapply writes every changed outcome of a chunk in one statement (on Postgres, the chunk
travels as one JSON document). Whatever a mapping's values hold must arrive byte for byte:
quotes, backslashes, braces and commas (what array and JSON encodings escape), non-ASCII,
and values that look like numbers, booleans or null."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import transaction
from app.mappings.service import reapply_all
from app.models import User
from tests.support import ApiClient, user_body

ODD_VALUES = [
    'say "hi"',
    "back\\slash\\",
    "{braces},[brackets]",
    "a,b;c",
    "Ærøskøbing 🙂 東京",
    "NULL",
    "null",
    "0012",
    "true",
    " padded ",
    "non\u00a0breaking",
    "x" * 2000,
]


def _stored(user_id: int) -> tuple[dict[str, Any], dict[str, Any], int | None]:
    with transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        return (
            dict(user.mapped_attributes or {}),
            dict(user.mapped_roles or {}),
            user.mapped_group_id,
        )


@pytest.mark.parametrize("writers", [1, 2])
def test_odd_values_reach_the_row_exactly(api: ApiClient, writers: int) -> None:
    role = api.ok("POST", "/roles", json={"name": "Staff"})["id"]
    group = api.ok("POST", "/groups", json={"name": "Office"})["id"]
    users = [api.ok("POST", "/users", json=user_body(n, department="Ops"))["id"] for n in range(5)]
    # Created after the users, so only a reapply gives them the outcome.
    for i, value in enumerate(ODD_VALUES):
        api.ok(
            "POST",
            "/mappings",
            json={
                "name": f"odd-{i}",
                "conditions": [{"source": "department", "operator": "equals", "value": "Ops"}],
                "actions": [{"action": "set_attribute", "value": [f"k{i}", value]}],
            },
        )
    api.ok(
        "POST",
        "/mappings",
        json={
            "name": "staff",
            "conditions": [{"source": "department", "operator": "equals", "value": "Ops"}],
            "actions": [
                {"action": "add_role", "value": [str(role)]},
                {"action": "set_group", "value": [str(group)]},
            ],
        },
    )
    with transaction() as session:  # as a mapping created before the users would have left them
        for uid in users:
            row = session.get(User, uid)
            assert row is not None
            row.mapped_attributes, row.mapped_roles, row.mapped_group_id = {}, {}, None
            row.mapping_fingerprint = None
    result = reapply_all(transaction, writers=writers)
    assert result["changed"] == len(users)
    expected = {f"k{i}": v for i, v in enumerate(ODD_VALUES)}
    for uid in users:
        attributes, roles, group_id = _stored(uid)
        assert attributes == expected
        assert set(roles) == {str(role)}
        assert group_id == group
    # Written exactly: a second pass finds nothing to change.
    assert reapply_all(transaction, writers=writers)["changed"] == 0
