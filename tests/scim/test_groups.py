"""SCIM Groups: membership lives in users' member_of, and mappings act on it."""

from __future__ import annotations

from typing import Any

from tests.scim.conftest import GROUP, ScimClient, scim_group, scim_user
from tests.support import ApiClient


def _member_of(admin: ApiClient, user_id: str) -> list[str]:
    return admin.ok("GET", f"/users/{user_id}")["member_of"]  # type: ignore[no-any-return]


def _roles(admin: ApiClient, user_id: str) -> set[str]:
    return {r["name"] for r in admin.ok("GET", f"/users/{user_id}")["roles"]}


def _office_mapping(api: ApiClient) -> None:
    role = api.ok("POST", "/roles", json={"name": "Office 365"})
    api.ok(
        "POST",
        "/mappings",
        json={
            "name": "Office 365 members",
            "conditions": [{"source": "member_of", "operator": "contains", "value": "Office 365"}],
            "actions": [{"action": "set_role", "value": [str(role["id"])]}],
        },
    )


def _users(scim: ScimClient, n: int) -> list[str]:
    return [scim.json("POST", "/Users", 201, json=scim_user(i))["id"] for i in range(1, n + 1)]


def test_membership_patch_flows_into_member_of_and_mapped_roles(
    scim: ScimClient, admin: ApiClient
) -> None:
    _office_mapping(admin)
    a, b, c = _users(scim, 3)
    group = scim.json("POST", "/Groups", 201, json=scim_group("Office 365", a, externalId="x1"))
    assert len(group["id"]) == 36 and group["externalId"] == "x1"
    assert _member_of(admin, a) == ["Office 365"] and _roles(admin, a) == {"Office 365"}
    url = f"/Groups/{group['id']}"

    scim.patch_ops(url, {"op": "add", "path": "members", "value": [{"value": b}, {"value": c}]})
    assert _roles(admin, b) == {"Office 365"} and _roles(admin, c) == {"Office 365"}

    scim.patch_ops(url, {"op": "remove", "path": f'members[value eq "{a}"]'})
    assert _member_of(admin, a) == [] and _roles(admin, a) == set()

    # Entra ID removes members by listing them in the value.
    scim.patch_ops(url, {"op": "Remove", "path": "members", "value": [{"value": b}]})
    assert _roles(admin, b) == set()

    out = scim.patch_ops(url, {"op": "replace", "path": "members", "value": [{"value": a}]})
    assert [m["value"] for m in out["members"]] == [a]
    assert (_roles(admin, a), _roles(admin, c)) == ({"Office 365"}, set())


def test_user_shows_its_groups(scim: ScimClient) -> None:
    (a,) = _users(scim, 1)
    g = scim.json("POST", "/Groups", 201, json=scim_group("Sales", a))
    groups = scim.json("GET", f"/Users/{a}")["groups"]
    assert [(x["value"], x["display"]) for x in groups] == [(g["id"], "Sales")]


def test_rename_follows_into_member_of_and_keeps_other_groups(
    scim: ScimClient, admin: ApiClient
) -> None:
    a, b = _users(scim, 2)
    admin.ok("PATCH", f"/users/{a}", json={"member_of": ["Legacy"]})
    g = scim.json("POST", "/Groups", 201, json=scim_group("Staff", a, b))
    scim.patch_ops(f"/Groups/{g['id']}", {"op": "replace", "path": "displayName", "value": "Team"})
    assert _member_of(admin, a) == ["Legacy", "Team"] and _member_of(admin, b) == ["Team"]
    got = scim.json("GET", f"/Groups/{g['id']}")
    assert got["id"] == g["id"] and got["displayName"] == "Team"


def test_put_replaces_members_and_delete_clears_them(scim: ScimClient, admin: ApiClient) -> None:
    a, b = _users(scim, 2)
    g = scim.json("POST", "/Groups", 201, json=scim_group("Staff", a))
    scim.json("PUT", f"/Groups/{g['id']}", json=scim_group("Staff", b))
    assert (_member_of(admin, a), _member_of(admin, b)) == ([], ["Staff"])
    scim.scim("DELETE", f"/Groups/{g['id']}", 204)
    assert _member_of(admin, b) == []
    scim.error("GET", f"/Groups/{g['id']}", 404)


def test_existing_member_of_names_count_as_members(scim: ScimClient, admin: ApiClient) -> None:
    (a,) = _users(scim, 1)
    admin.ok("PATCH", f"/users/{a}", json={"member_of": ["Imported"]})
    g = scim.json("POST", "/Groups", 201, json=scim_group("Imported"))
    assert [m["value"] for m in g["members"]] == [a]


def test_group_errors(scim: ScimClient, admin: ApiClient) -> None:
    (a,) = _users(scim, 1)
    scim.json("POST", "/Groups", 201, json=scim_group("Staff"))
    scim.error("POST", "/Groups", 409, "uniqueness", json=scim_group("staff"))
    scim.error("POST", "/Groups", 400, "invalidValue", json=scim_group("Other", 999))
    scim.error("POST", "/Groups", 400, "invalidValue", json=scim_group("Other", "abc"))
    scim.error(
        "POST",
        "/Groups",
        400,
        "invalidValue",
        json={"schemas": [GROUP], "displayName": "N", "members": [{"value": a, "type": "Group"}]},
    )
    g = scim.json("POST", "/Groups", 201, json=scim_group("Second"))
    scim.error(
        "PATCH",
        f"/Groups/{g['id']}",
        400,
        "noTarget",
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": 'members[value co "x"].value', "value": "1"}],
        },
    )
    scim.error("GET", "/Groups/00000000-0000-0000-0000-000000000000", 404)
    assert _member_of(admin, a) == []


def test_group_filters_and_etag(scim: ScimClient) -> None:
    a, b = _users(scim, 2)
    g1 = scim.json("POST", "/Groups", 201, json=scim_group("Office 365", a, externalId="e1"))
    scim.json("POST", "/Groups", 201, json=scim_group("Sales", b))

    def names(flt: str) -> list[str]:
        return [
            g["displayName"]
            for g in scim.json("GET", "/Groups", params={"filter": flt})["Resources"]
        ]

    assert names('displayName eq "office 365"') == ["Office 365"]
    assert names('externalId eq "e1"') == ["Office 365"]
    assert names(f'members[value eq "{b}"]') == ["Sales"]
    assert names(f'id eq "{g1["id"]}" and members.value eq "{a}"') == ["Office 365"]
    assert names('displayName sw "s" or displayName co "365"') == ["Office 365", "Sales"]
    slim = scim.json("GET", f"/Groups/{g1['id']}", params={"excludedAttributes": "members"})
    assert "members" not in slim
    resp = scim.scim("GET", f"/Groups/{g1['id']}", 200)
    scim.patch_ops(f"/Groups/{g1['id']}", {"op": "add", "path": "members", "value": [{"value": b}]})
    scim.error("DELETE", f"/Groups/{g1['id']}", 412, headers={"If-Match": resp.headers["ETag"]})


def _group_audit(admin: ApiClient, group_id: str) -> list[dict[str, Any]]:
    params = {"object_type": "scim_group", "object": group_id}
    return admin.ok("GET", "/audit", params=params)["items"]  # type: ignore[no-any-return]


def _names(members: list[dict[str, Any]] | None) -> list[str]:
    return [m["username"] for m in members or []]


def test_membership_changes_are_audited_on_the_group_with_the_scim_tokens_name(
    scim: ScimClient, admin: ApiClient
) -> None:
    a, b, c = _users(scim, 3)
    group = scim.json("POST", "/Groups", 201, json=scim_group("Staff", a))
    url = f"/Groups/{group['id']}"
    scim.patch_ops(url, {"op": "add", "path": "members", "value": [{"value": b}]})
    scim.json("PUT", url, json=scim_group("Staff", c))
    # A PATCH that changes nothing records nothing.
    scim.patch_ops(url, {"op": "add", "path": "members", "value": [{"value": c}]})
    scim.scim("DELETE", url, 204)

    entries = _group_audit(admin, group["id"])
    assert [e["action"] for e in entries] == [
        "scim_group.created",
        "scim_group.updated",
        "scim_group.updated",
        "scim_group.deleted",
    ]
    assert {(e["actor"]["type"], e["actor"]["name"]) for e in entries} == {("scim", "idp")}
    created, added, replaced, deleted = entries
    assert _names(created["after"]["members"]) == ["bjensen1@example.com"]
    assert (_names(added["before"]["members"]), _names(added["after"]["members"])) == (
        ["bjensen1@example.com"],
        ["bjensen1@example.com", "bjensen2@example.com"],
    )
    assert (_names(replaced["before"]["members"]), _names(replaced["after"]["members"])) == (
        ["bjensen1@example.com", "bjensen2@example.com"],
        ["bjensen3@example.com"],
    )
    assert replaced["after"]["members"] == [{"id": int(c), "username": "bjensen3@example.com"}]
    assert (
        _names(deleted["before"]["members"]) == ["bjensen3@example.com"]
        and deleted["after"] is None
    )
