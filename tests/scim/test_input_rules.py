"""Issue 11 §4 (SCIM): no silent 200 for a change the service cannot make, and Entra ID's own
shapes of member and manager removal do what they say."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scim.conftest import ENTERPRISE, USER, ScimClient, scim_group, scim_user
from tests.support import ApiClient


def _user(scim: ScimClient, n: int = 1, **overrides: Any) -> str:
    return str(scim.json("POST", "/Users", 201, json=scim_user(n, **overrides))["id"])


@pytest.mark.parametrize("path", ["active", "ACTIVE", f"{USER}:active"])
def test_removing_active_is_a_mutability_error(
    scim: ScimClient, admin: ApiClient, path: str
) -> None:
    uid = _user(scim)
    scim.patch_ops(f"/Users/{uid}", {"op": "replace", "path": "active", "value": False})
    body = scim.patch_ops(f"/Users/{uid}", {"op": "remove", "path": path}, expect=400)
    assert body["scimType"] == "mutability" and "active" in body["detail"]
    assert admin.ok("GET", f"/users/{uid}")["status"] == "suspended"


def test_entra_member_removal_with_a_null_ref_removes_the_member(
    scim: ScimClient, admin: ApiClient
) -> None:
    a, b = _user(scim, 1), _user(scim, 2)
    group = scim.json("POST", "/Groups", 201, json=scim_group("Office 365", a, b))
    op = {"op": "Remove", "path": "members", "value": [{"value": a, "$ref": None}]}
    out = scim.patch_ops(f"/Groups/{group['id']}", op)
    assert [m["value"] for m in out["members"]] == [b]
    assert admin.ok("GET", f"/users/{a}")["member_of"] == []
    assert admin.ok("GET", f"/users/{b}")["member_of"] == ["Office 365"]


def test_removing_every_listed_member_with_refs_and_types(
    scim: ScimClient, admin: ApiClient
) -> None:
    a, b, c = _user(scim, 1), _user(scim, 2), _user(scim, 3)
    group = scim.json("POST", "/Groups", 201, json=scim_group("Sales", a, b, c))
    base = "http://testserver/scim/v2"
    value = [
        {"value": a, "$ref": f"{base}/Users/{a}", "type": "User"},
        {"value": b, "display": "whoever"},
    ]
    out = scim.patch_ops(
        f"/Groups/{group['id']}", {"op": "remove", "path": "members", "value": value}
    )
    assert [m["value"] for m in out["members"]] == [c]


@pytest.mark.parametrize(
    "op",
    [
        {"op": "Remove", "path": f"{ENTERPRISE}:manager"},
        {"op": "remove", "path": f"{ENTERPRISE}:manager", "value": [{"value": "42"}]},
        {"op": "remove", "path": f'{ENTERPRISE}:manager[value eq "42"]'},
        {"op": "remove", "path": 'manager[value eq "42"]'},
        {"op": "remove", "path": f"{ENTERPRISE}:manager.value"},
    ],
    ids=["path", "path-with-value", "filtered", "short-filtered", "sub-attribute"],
)
def test_removing_the_manager_removes_it(
    scim: ScimClient, admin: ApiClient, op: dict[str, Any]
) -> None:
    uid = _user(scim)
    assert admin.ok("GET", f"/users/{uid}")["custom_attributes"]["manager"] == "42"
    out = scim.patch_ops(f"/Users/{uid}", op)
    assert "manager" not in out.get(ENTERPRISE, {})
    assert "manager" not in admin.ok("GET", f"/users/{uid}")["custom_attributes"]


def test_removing_another_manager_by_filter_keeps_this_one(
    scim: ScimClient, admin: ApiClient
) -> None:
    uid = _user(scim)
    scim.patch_ops(f"/Users/{uid}", {"op": "remove", "path": f'{ENTERPRISE}:manager[value eq "7"]'})
    assert admin.ok("GET", f"/users/{uid}")["custom_attributes"]["manager"] == "42"


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"preferredLanguage": "de-DE"}, "preferredLanguage"),
        ({"locale": "de-DE"}, "locale"),
        ({"name": {"givenName": "B", "formatted": "B J"}}, "name.formatted"),
        (
            {"emails": [{"value": "b@example.com", "type": "home"}]},
            'emails[type eq "home"]',
        ),
        (
            {
                "emails": [
                    {"value": "b@example.com", "type": "work", "primary": True},
                    {"value": "c@example.com", "type": "work"},
                ]
            },
            "emails (more than one value",
        ),
        ({"phoneNumbers": [{"value": "+1 555", "type": "mobile"}]}, "phoneNumbers[type eq"),
        ({"addresses": [{"type": "work", "locality": "Oslo"}]}, "addresses.locality"),
        ({ENTERPRISE: {"costCenter": "CC-1"}}, f"{ENTERPRISE}:costCenter"),
    ],
)
def test_attributes_the_service_does_not_store_are_refused_not_dropped(
    scim: ScimClient, admin: ApiClient, extra: dict[str, Any], named: str
) -> None:
    body = scim.error("POST", "/Users", 400, "invalidValue", json=scim_user(1, **extra))
    assert named in body["detail"]
    assert admin.ok("GET", "/users")["items"] == []
    schema = scim.json("GET", f"/Schemas/{USER}")
    published = {a["name"] for a in schema["attributes"]}
    assert not ({"preferredLanguage", "locale"} & published)

    uid = _user(scim, 2)
    for path, value in [(None, extra), *[(k, v) for k, v in extra.items()]]:
        op: dict[str, Any] = {"op": "add", "value": value}
        if path is not None:
            op["path"] = path
        scim.patch_ops(f"/Users/{uid}", op, expect=400)


def test_entra_primary_work_email_is_accepted(scim: ScimClient) -> None:
    body = scim_user(1, emails=[{"value": "x@example.com", "type": "work", "primary": True}])
    created = scim.json("POST", "/Users", 201, json=body)
    assert created["emails"][0]["value"] == "x@example.com"


@pytest.mark.parametrize("name", ["bjensen\u200b@example.com", "b\u0000@example.com"])
def test_hidden_characters_in_user_name_are_refused(
    scim: ScimClient, admin: ApiClient, name: str
) -> None:
    body = scim_user(1, userName=name, emails=[{"value": "b@example.com", "type": "work"}])
    scim.error("POST", "/Users", 400, "invalidValue", json=body)
    assert admin.ok("GET", "/users")["items"] == []


def test_a_fullwidth_user_name_is_the_same_user(scim: ScimClient) -> None:
    scim.json("POST", "/Users", 201, json=scim_user(1, userName="josh"))
    body = scim_user(2, userName="\uff4a\uff4f\uff53\uff48")
    scim.error("POST", "/Users", 409, "uniqueness", json=body)


@pytest.mark.parametrize("char", ["\u0000", "\u200b", "\u202e", "\n"])
def test_hidden_characters_in_a_group_name_are_refused(
    scim: ScimClient, admin: ApiClient, char: str
) -> None:
    a = _user(scim, 1)
    scim.error("POST", "/Groups", 400, "invalidValue", json=scim_group(f"Sa{char}les", a))
    assert admin.ok("GET", f"/users/{a}")["member_of"] == []


def test_a_fullwidth_group_name_is_the_same_group(scim: ScimClient) -> None:
    created = scim.json("POST", "/Groups", 201, json=scim_group("\uff33ales"))
    assert created["displayName"] == "Sales"
    scim.error("POST", "/Groups", 409, "uniqueness", json=scim_group("sales"))
