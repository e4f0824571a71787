"""SCIM Users: every operation ends as the right change in the directory."""

from __future__ import annotations

import pytest

from tests.scim.conftest import ENTERPRISE, PATCH, USER, ScimClient, scim_user
from tests.support import ApiClient, make_token


def _directory(admin: ApiClient, user_id: str) -> dict:
    return admin.ok("GET", f"/users/{user_id}")  # type: ignore[no-any-return]


def test_create_maps_every_default_attribute(scim: ScimClient, admin: ApiClient) -> None:
    resp = scim.scim("POST", "/Users", 201, json=scim_user(1))
    body = resp.json()
    assert resp.headers["Location"] == f"http://testserver/scim/v2/Users/{body['id']}"
    assert resp.headers["ETag"] == body["meta"]["version"]
    assert body["meta"]["resourceType"] == "User"
    user = _directory(admin, body["id"])
    assert {
        k: user[k]
        for k in (
            "username",
            "email",
            "firstname",
            "lastname",
            "display_name",
            "title",
            "phone",
            "country",
            "department",
            "company",
            "status",
        )
    } == {
        "username": "bjensen1@example.com",
        "email": "bjensen1@example.com",
        "firstname": "Barbara",
        "lastname": "Jensen1",
        "display_name": "Babs Jensen 1",
        "title": "Tour Guide",
        "phone": "+1 555 0100",
        "country": "US",
        "department": "Sales",
        "company": "Contoso",
        "status": "active",
    }
    assert user["custom_attributes"] == {"employee_number": "E0001", "manager": "42"}
    got = scim.json("GET", f"/Users/{body['id']}")
    assert got["externalId"] == "ext-1"
    assert got[ENTERPRISE]["manager"] == {
        "value": "42",
        "$ref": "http://testserver/scim/v2/Users/42",
    }


def test_entra_style_manager_and_email_fallback(scim: ScimClient, admin: ApiClient) -> None:
    body = {"schemas": [USER], "userName": "ann@example.com", ENTERPRISE: {"manager": "7"}}
    created = scim.json("POST", "/Users", 201, json=body)
    user = _directory(admin, created["id"])
    assert user["email"] == "ann@example.com"
    assert user["custom_attributes"] == {"manager": "7"}


def test_put_replaces_and_clears_what_is_left_out(scim: ScimClient, admin: ApiClient) -> None:
    uid = scim.json("POST", "/Users", 201, json=scim_user(1))["id"]
    body = scim_user(1, title=None, displayName="Barbara J")
    del body["phoneNumbers"]
    del body[ENTERPRISE]
    scim.json("PUT", f"/Users/{uid}", json=body)
    user = _directory(admin, uid)
    assert (user["display_name"], user["title"], user["phone"], user["department"]) == (
        "Barbara J",
        None,
        None,
        None,
    )
    assert user["custom_attributes"] == {}


def test_patch_value_paths_add_replace_remove(scim: ScimClient, admin: ApiClient) -> None:
    uid = scim.json("POST", "/Users", 201, json=scim_user(1))["id"]
    scim.patch_ops(
        f"/Users/{uid}",
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"},
        {"op": "Replace", "path": "name.givenName", "value": "Babs"},
        {"op": "add", "path": f"{ENTERPRISE}:department", "value": "Marketing"},
        {"op": "remove", "path": 'phoneNumbers[type eq "work"]'},
        {"op": "replace", "value": {"title": "Lead Guide"}},
    )
    user = _directory(admin, uid)
    assert (user["email"], user["firstname"], user["department"], user["phone"], user["title"]) == (
        "new@example.com",
        "Babs",
        "Marketing",
        None,
        "Lead Guide",
    )


def test_deactivate_suspends_and_reactivate(scim: ScimClient, admin: ApiClient) -> None:
    uid = scim.json("POST", "/Users", 201, json=scim_user(1))["id"]
    # Entra ID sends booleans as strings.
    out = scim.patch_ops(f"/Users/{uid}", {"op": "Replace", "path": "active", "value": "False"})
    assert out["active"] is False
    assert _directory(admin, uid)["status"] == "suspended"
    scim.patch_ops(f"/Users/{uid}", {"op": "replace", "path": "active", "value": True})
    assert _directory(admin, uid)["status"] == "active"


def test_put_without_active_keeps_the_status(scim: ScimClient, admin: ApiClient) -> None:
    uid = scim.json("POST", "/Users", 201, json=scim_user(1, active=False))["id"]
    body = scim_user(1)
    del body["active"]
    scim.json("PUT", f"/Users/{uid}", json=body)
    assert _directory(admin, uid)["status"] == "suspended"


def test_delete_removes_the_user(scim: ScimClient, admin: ApiClient) -> None:
    uid = scim.json("POST", "/Users", 201, json=scim_user(1))["id"]
    scim.scim("DELETE", f"/Users/{uid}", 204)
    scim.error("GET", f"/Users/{uid}", 404)
    assert admin.get(f"/api/v1/users/{uid}").status_code == 404


def test_etag_if_match_and_if_none_match(scim: ScimClient, admin: ApiClient) -> None:
    resp = scim.scim("POST", "/Users", 201, json=scim_user(1))
    uid, etag = resp.json()["id"], resp.headers["ETag"]
    scim.scim("GET", f"/Users/{uid}", 304, headers={"If-None-Match": etag})
    changed = scim.scim(
        "PATCH",
        f"/Users/{uid}",
        200,
        json={"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "X"}]},
        headers={"If-Match": etag},
    )
    assert changed.headers["ETag"] != etag
    stale = {"If-Match": etag}
    scim.error("PUT", f"/Users/{uid}", 412, json=scim_user(1), headers=stale)
    scim.error("DELETE", f"/Users/{uid}", 412, headers=stale)
    assert _directory(admin, uid)["title"] == "X"
    scim.scim("DELETE", f"/Users/{uid}", 204, headers={"If-Match": changed.headers["ETag"]})


def test_attributes_and_excluded_attributes(scim: ScimClient) -> None:
    uid = scim.json("POST", "/Users", 201, json=scim_user(1))["id"]
    only = scim.json("GET", f"/Users/{uid}", params={"attributes": "userName,name.givenName"})
    assert set(only) == {"schemas", "id", "userName", "name"}
    assert only["name"] == {"givenName": "Barbara"}
    less = scim.json("GET", f"/Users/{uid}", params={"excludedAttributes": f"emails,{ENTERPRISE}"})
    assert "emails" not in less and ENTERPRISE not in less and less["userName"]
    listed = scim.json("GET", "/Users", params={"attributes": "userName"})
    assert set(listed["Resources"][0]) == {"schemas", "id", "userName"}


@pytest.mark.parametrize(
    ("method", "body", "status", "scim_type"),
    [
        ("POST", scim_user(1), 409, "uniqueness"),
        (
            "POST",
            scim_user(2, emails=[{"value": "not-an-email", "type": "work"}]),
            400,
            "invalidValue",
        ),
        ("POST", {"schemas": [USER], "userName": "noemail"}, 400, "invalidValue"),
        (
            "POST",
            {"schemas": [USER], "userName": "x@example.com", "bogus": 1},
            400,
            "invalidSyntax",
        ),
    ],
)
def test_create_errors(
    scim: ScimClient, method: str, body: dict, status: int, scim_type: str
) -> None:
    scim.json("POST", "/Users", 201, json=scim_user(1))
    scim.error(method, "/Users", status, scim_type, json=body)


def test_patch_errors(scim: ScimClient, admin: ApiClient) -> None:
    uid = scim.json("POST", "/Users", 201, json=scim_user(1))["id"]
    url = f"/Users/{uid}"
    ops = {"schemas": [PATCH]}
    scim.error(
        "PATCH",
        url,
        400,
        "invalidPath",
        json={**ops, "Operations": [{"op": "replace", "path": "noSuchAttribute", "value": "x"}]},
    )
    scim.error(
        "PATCH",
        url,
        400,
        "mutability",
        json={**ops, "Operations": [{"op": "add", "path": "groups", "value": [{"value": "g"}]}]},
    )
    scim.error(
        "PATCH",
        url,
        400,
        "noTarget",
        json={
            **ops,
            "Operations": [
                {"op": "replace", "path": 'emails[value co "nobody"].value', "value": "a@b.example"}
            ],
        },
    )
    scim.error(
        "PATCH",
        url,
        400,
        "invalidValue",
        json={**ops, "Operations": [{"op": "jump", "path": "title", "value": "x"}]},
    )
    scim.error(
        "PATCH",
        url,
        400,
        "invalidSyntax",
        content=b"{not json",
        headers={"content-type": "application/scim+json"},
    )
    other = scim.json("POST", "/Users", 201, json=scim_user(2))["id"]
    scim.error(
        "PATCH",
        f"/Users/{other}",
        409,
        "uniqueness",
        json={
            **ops,
            "Operations": [{"op": "replace", "path": "userName", "value": "bjensen1@example.com"}],
        },
    )
    # Nothing was half-applied.
    assert _directory(admin, uid)["title"] == "Tour Guide"


def test_unknown_ids_and_routes_are_404_in_scim_shape(scim: ScimClient) -> None:
    scim.error("GET", "/Users/999", 404)
    scim.error("GET", "/Users/not-a-number", 404)
    scim.error(
        "PATCH",
        "/Users/999",
        404,
        json={"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "x"}]},
    )
    scim.error("GET", "/Nothing", 404)


def test_auth_errors_use_scim_shape(scim: ScimClient) -> None:
    def bearer(*scopes: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(*scopes)}"}

    body = scim.error("GET", "/Users", 401, headers={"Authorization": "Bearer pvn_nope"})
    assert "unknown or has been revoked" in body["detail"]
    scim.error("GET", "/Users", 403, headers=bearer("read"))
    scim.error("GET", "/Users", 403, headers=bearer("write"))
    scim.json("GET", "/ServiceProviderConfig", headers=bearer("admin"))
    # A scim token can do nothing outside SCIM.
    assert scim.get("/api/v1/users").status_code == 403
    scim.headers.pop("Authorization")
    assert scim.error("GET", "/Users", 401)["detail"].startswith("Send `Authorization")


def test_custom_attribute_mapping_from_settings(
    admin: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "SCIM_CUSTOM_ATTRIBUTES",
        f'{{"nickName": "nickname", "{ENTERPRISE}:costCenter": "cost_center"}}',
    )
    with ScimClient(make_token("scim")) as scim:
        body = scim_user(1, nickName="Babs")
        body[ENTERPRISE]["costCenter"] = "CC-9"
        uid = scim.json("POST", "/Users", 201, json=body)["id"]
        assert _directory(admin, uid)["custom_attributes"] == {
            "employee_number": "E0001",
            "manager": "42",
            "nickname": "Babs",
            "cost_center": "CC-9",
        }
        got = scim.json("GET", f"/Users/{uid}")
        assert got["nickName"] == "Babs" and got[ENTERPRISE]["costCenter"] == "CC-9"
        schema = scim.json("GET", f"/Schemas/{USER}")
        assert "nickName" in {a["name"] for a in schema["attributes"]}
        scim.patch_ops(f"/Users/{uid}", {"op": "remove", "path": "nickName"})
        assert "nickname" not in _directory(admin, uid)["custom_attributes"]
