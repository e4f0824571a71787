"""A person synced from a directory source: the fields the source sets (its attribute map,
`member_of`, `status`, the distinguished name, the ImmutableID attribute) are refused with a
409 naming the source and the fields, through the API and SCIM alike; the others stay
editable; deleting the person is refused too (the next sync would bring them back)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scim.conftest import PATCH, ScimClient
from tests.sources.helpers import ad_body, own_user, user_row
from tests.support import ApiClient, user_body


@pytest.fixture
def sourced(client: ApiClient) -> dict[str, Any]:
    """User 1, owned by AD source corp-ad-1 (the default AD map, title unmapped)."""
    source = client.ok(
        "POST", "/sources", json=ad_body(attribute_map={"title": None, "company": None})
    )
    user = client.ok(
        "POST",
        "/users",
        json=user_body(1, title="Engineer", custom_attributes={"employee_id": "E1", "badge": "7"}),
    )
    own_user(user["id"], source["id"])
    return {"source": source, "user": user}


def test_a_mapped_field_is_refused_with_the_source_and_fields_named(
    client: ApiClient, sourced: dict[str, Any]
) -> None:
    uid, sid = sourced["user"]["id"], sourced["source"]["id"]
    body = client.problem(
        "PATCH", f"/users/{uid}", 409, json={"department": "Legal", "lastname": "Smith"}
    )
    assert body["type"].endswith("/source-owned")
    assert f"User {uid} is owned by source 'corp-ad-1' (id {sid})" in body["detail"]
    assert "department, lastname are set there" in body["detail"]
    row = user_row(uid)
    assert (row.department, row.lastname) == ("Sales", "Ames1")


@pytest.mark.parametrize(
    "change",
    [
        {"member_of": ["Office 365"]},
        {"status": "suspended"},
        {"distinguished_name": "CN=x,DC=corp,DC=example"},
        {"custom_attributes": {"employee_id": "E2"}},
        {"custom_attributes": {"immutable_id": "abc="}},
        {"email": "someone.else@example.com"},
    ],
)
def test_source_owned_fields_are_refused(
    client: ApiClient, sourced: dict[str, Any], change: dict[str, Any]
) -> None:
    uid = sourced["user"]["id"]
    before = user_row(uid)
    client.problem("PATCH", f"/users/{uid}", 409, json=change)
    after = user_row(uid)
    assert after.model_dump() == before.model_dump()


def test_fields_the_source_does_not_set_stay_editable(
    client: ApiClient, sourced: dict[str, Any]
) -> None:
    uid = sourced["user"]["id"]
    # Sending a source field with the value it already has changes nothing: allowed.
    updated = client.ok(
        "PATCH",
        f"/users/{uid}",
        json={
            "title": "Staff Engineer",
            "company": "Contoso",
            "custom_attributes": {"badge": "8", "employee_id": "E1"},
            "department": "Sales",
        },
    )
    assert updated["source"] == {"id": sourced["source"]["id"], "name": "corp-ad-1"}
    row = user_row(uid)
    assert (row.title, row.company) == ("Staff Engineer", "Contoso")
    assert row.custom_attributes == {"employee_id": "E1", "badge": "8"}
    role = client.ok("POST", "/roles", json={"name": "M365"})
    client.ok("PUT", f"/users/{uid}/roles", json={"role_ids": [role["id"]]})


def test_a_sourced_user_cannot_be_deleted_but_an_api_user_can(
    client: ApiClient, sourced: dict[str, Any]
) -> None:
    uid = sourced["user"]["id"]
    body = client.problem("DELETE", f"/users/{uid}", 409)
    assert "corp-ad-1" in body["detail"] and "bring them back" in body["detail"]
    assert user_row(uid).deleted_at is None
    other = client.ok("POST", "/users", json=user_body(2))
    client.ok("DELETE", f"/users/{other['id']}")


def test_scim_is_refused_the_same_way(client: ApiClient, sourced: dict[str, Any]) -> None:
    from tests.support import make_token

    uid = sourced["user"]["id"]
    with ScimClient(make_token("scim", name="idp")) as scim:
        # SCIM's only 409 type is `uniqueness` (RFC 7644 3.12): the detail says what it is.
        body = scim.error(
            "PATCH",
            f"/Users/{uid}",
            409,
            "uniqueness",
            json={
                "schemas": [PATCH],
                "Operations": [{"op": "replace", "path": "name.familyName", "value": "Smith"}],
            },
        )
        assert "corp-ad-1" in body["detail"] and "lastname" in body["detail"]
        scim.error("DELETE", f"/Users/{uid}", 409, "uniqueness")
        scim.patch_ops(f"/Users/{uid}", {"op": "replace", "path": "title", "value": "Lead"})
    row = user_row(uid)
    assert (row.lastname, row.title, row.deleted_at) == ("Ames1", "Lead", None)
