"""Graph /users: creation rules, reads, filters, paging, updates, soft delete and restore."""

from __future__ import annotations

import httpx
import pytest

from app.sandbox.errors import MSG_NOT_FOUND
from app.sandbox.seed import (
    DEMO_TENANT_ID,
    DOMAIN_FEDERATED,
    DOMAIN_UNVERIFIED,
    USER_MEGAN,
    add_user,
)
from app.sandbox.state import SandboxState
from tests.sandbox.helpers import error_of, new_user_body


def test_create_user_returns_201_and_stores_it(graph: httpx.Client, state: SandboxState) -> None:
    response = graph.post(
        "/users", json=new_user_body("jdoe", usageLocation="gb", onPremisesImmutableId="abc=")
    )
    assert response.status_code == 201
    body = response.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#users/$entity")
    assert body["userPrincipalName"] == "jdoe@contoso.com"
    assert "accountEnabled" not in body  # not in the default property set
    stored = state.tenants[DEMO_TENANT_ID].users[body["id"]]
    assert stored.props["usageLocation"] == "GB"
    assert stored.props["onPremisesImmutableId"] == "abc="


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (
            {"mailNickname": None},
            "Request_BadRequest",
            "Property mailNickname value is required but is empty or missing.",
        ),
        (
            {"passwordProfile": {"password": "alllowercase"}},
            "Request_BadRequest",
            "The specified password does not comply with password complexity requirements. "
            "Please provide a different password.",
        ),
        (
            {"passwordProfile": {"password": "Ab1!"}},
            "Request_BadRequest",
            "The specified password does not comply with password complexity requirements. "
            "Please provide a different password.",
        ),
        (
            {"mailNickname": "bad alias"},
            "Request_BadRequest",
            "Invalid value specified for property 'mailNickname' of resource 'User'.",
        ),
        (
            {"userPrincipalName": "jöe@contoso.com"},
            "Request_BadRequest",
            "One or more properties contains invalid values.",
        ),
        (
            {"userPrincipalName": f"joe@{DOMAIN_UNVERIFIED}"},
            "Request_BadRequest",
            "The domain portion of the userPrincipalName property is invalid. "
            "You must use one of the verified domain names in your organization.",
        ),
        (
            {"userPrincipalName": f"joe@{DOMAIN_FEDERATED}"},
            "Request_BadRequest",
            "One or more properties contains invalid values.",
        ),
        (
            {"onPremisesImmutableId": "has_underscore"},
            "Request_BadRequest",
            "Invalid value specified for property 'onPremisesImmutableId' of resource 'User'.",
        ),
        (
            {"usageLocation": "USA"},
            "Request_BadRequest",
            "Invalid value specified for property 'usageLocation' of resource 'User'.",
        ),
        (
            {"favouriteColour": "blue"},
            "Request_BadRequest",
            "Property 'favouriteColour' does not exist as a declared property or extension "
            "property.",
        ),
    ],
)
def test_create_user_validation(
    graph: httpx.Client, state: SandboxState, change: dict[str, object], code: str, message: str
) -> None:
    before = len(state.tenants[DEMO_TENANT_ID].users)
    body = new_user_body("joe")
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    response = graph.post("/users", json=body)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["message"]) == (code, message)
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}
    assert len(state.tenants[DEMO_TENANT_ID].users) == before


INVALID_PROPERTY = "Invalid value specified for property '{}' of resource 'User'."
INVALID_VALUES = "One or more properties contains invalid values."
WEAK_PASSWORD = (
    "The specified password does not comply with password complexity requirements. "
    "Please provide a different password."
)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # usageLocation: an ISO 3166-1 code that exists, not just two letters.
        ({"usageLocation": "XX"}, INVALID_PROPERTY.format("usageLocation")),
        ({"usageLocation": "ZZ"}, INVALID_PROPERTY.format("usageLocation")),
        ({"usageLocation": "QQ"}, INVALID_PROPERTY.format("usageLocation")),
        ({"usageLocation": "Germany"}, INVALID_PROPERTY.format("usageLocation")),
        # userPrincipalName: characters, dots and lengths (username policies).
        ({"userPrincipalName": "joe.@contoso.com"}, INVALID_VALUES),
        ({"userPrincipalName": ".joe@contoso.com"}, INVALID_VALUES),
        ({"userPrincipalName": "jo..e@contoso.com"}, INVALID_VALUES),
        ({"userPrincipalName": "jo+e@contoso.com"}, INVALID_VALUES),
        ({"userPrincipalName": "joe@@contoso.com"}, INVALID_VALUES),
        ({"userPrincipalName": "j" * 65 + "@contoso.com"}, INVALID_VALUES),
        ({"userPrincipalName": "joe@" + "x" * 45 + ".com"}, INVALID_VALUES),
        ({"userPrincipalName": "joe@nowhere.example"},
         "The domain portion of the userPrincipalName property is invalid. "
         "You must use one of the verified domain names in your organization."),
        # mailNickname: Exchange alias characters and dots.
        ({"mailNickname": "joe."}, INVALID_PROPERTY.format("mailNickname")),
        ({"mailNickname": ".joe"}, INVALID_PROPERTY.format("mailNickname")),
        ({"mailNickname": "jo..e"}, INVALID_PROPERTY.format("mailNickname")),
        ({"mailNickname": "Mills,Jr"}, INVALID_PROPERTY.format("mailNickname")),
        ({"mailNickname": "n" * 65}, INVALID_PROPERTY.format("mailNickname")),
        # onPremisesImmutableId: no '$', and fewer than 60 characters.
        ({"onPremisesImmutableId": "a$b"}, INVALID_PROPERTY.format("onPremisesImmutableId")),
        ({"onPremisesImmutableId": "x" * 60}, INVALID_PROPERTY.format("onPremisesImmutableId")),
        # Passwords: printable ASCII only.
        ({"passwordProfile": {"password": "Pässwort1!"}}, WEAK_PASSWORD),
        ({"passwordProfile": {"password": "Aa1!" * 64 + "x"}}, WEAK_PASSWORD),
        # Lengths from the user resource, and what has no length rule of its own.
        ({"displayName": "x" * 257}, INVALID_PROPERTY.format("displayName")),
        ({"givenName": "x" * 65}, INVALID_PROPERTY.format("givenName")),
        ({"employeeId": "x" * 17}, INVALID_PROPERTY.format("employeeId")),
        ({"mail": "josé@contoso.com"}, INVALID_PROPERTY.format("mail")),
        ({"businessPhones": ["1", "2"]}, INVALID_VALUES),
        ({"displayName": "   "}, "Property displayName value is required but is empty or missing."),
    ],
)  # fmt: skip
def test_create_user_refuses_what_graph_refuses(
    graph: httpx.Client, state: SandboxState, change: dict[str, object], message: str
) -> None:
    before = len(state.tenants[DEMO_TENANT_ID].users)
    response = graph.post("/users", json={**new_user_body("joe"), **change})
    assert response.status_code == 400
    assert (error_of(response)["code"], error_of(response)["message"]) == (
        "Request_BadRequest",
        message,
    )
    assert len(state.tenants[DEMO_TENANT_ID].users) == before


@pytest.mark.parametrize(
    "change",
    [
        {"usageLocation": "de"},  # Graph stores it upper-case
        {
            "userPrincipalName": "o'brien!#^~_-x@CONTOSO.COM",
            "mailNickname": "a!#$%&'*+-/=?^_`{|}~.b",
        },
        {"userPrincipalName": "j" * 64 + "@contoso.com", "mailNickname": "n" * 64},
        {"displayName": "x" * 256, "employeeId": "x" * 16, "businessPhones": ["+1 555 0100"]},
        {"passwordProfile": {"password": "abc 1ABC"}},
        {"onPremisesImmutableId": "x" * 59},
    ],
)
def test_create_user_accepts_what_graph_accepts(
    graph: httpx.Client, change: dict[str, object]
) -> None:
    response = graph.post("/users", json={**new_user_body("joe"), **change})
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"usageLocation": "XX"}, INVALID_PROPERTY.format("usageLocation")),
        ({"mailNickname": "a..b"}, INVALID_PROPERTY.format("mailNickname")),
        ({"userPrincipalName": "megan.@contoso.com"}, INVALID_VALUES),
        ({"surname": "x" * 65}, INVALID_PROPERTY.format("surname")),
        ({"onPremisesImmutableId": "a_b"}, INVALID_PROPERTY.format("onPremisesImmutableId")),
        ({"passwordProfile": {"password": "short"}}, WEAK_PASSWORD),
        ({"displayName": " "}, "Property displayName value is required but is empty or missing."),
    ],
)  # fmt: skip
def test_patch_refuses_what_graph_refuses(
    graph: httpx.Client, state: SandboxState, change: dict[str, object], message: str
) -> None:
    before = dict(state.tenants[DEMO_TENANT_ID].users[USER_MEGAN].props)
    response = graph.patch(f"/users/{USER_MEGAN}", json=change)
    assert response.status_code == 400
    assert error_of(response)["message"] == message
    assert state.tenants[DEMO_TENANT_ID].users[USER_MEGAN].props == before


def test_federated_user_needs_immutable_id(graph: httpx.Client, state: SandboxState) -> None:
    body = new_user_body("fed", DOMAIN_FEDERATED)
    refused = graph.post("/users", json=body)
    assert refused.status_code == 400
    assert state.tenants[DEMO_TENANT_ID].user_by_upn(f"fed@{DOMAIN_FEDERATED}") is None
    body["onPremisesImmutableId"] = "ZmVkMTIz"
    created = graph.post("/users", json=body)
    assert created.status_code == 201
    stored = state.tenants[DEMO_TENANT_ID].users[created.json()["id"]]
    assert (stored.upn, stored.props["onPremisesImmutableId"]) == (
        f"fed@{DOMAIN_FEDERATED}",
        "ZmVkMTIz",
    )


def test_duplicate_upn_is_object_conflict(graph: httpx.Client) -> None:
    assert graph.post("/users", json=new_user_body("dup")).status_code == 201
    response = graph.post("/users", json=new_user_body("dup"))
    error = error_of(response)
    assert response.status_code == 400
    assert error["message"] == (
        "Another object with the same value for property userPrincipalName already exists."
    )
    assert error["details"][0]["code"] == "ObjectConflict"
    assert error["details"][0]["target"] == "userPrincipalName"


def test_empty_create_body(graph: httpx.Client) -> None:
    response = graph.post("/users", content=b"", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["message"] == "Empty Payload. JSON content expected."


def test_get_user_by_id_and_upn_with_select(graph: httpx.Client) -> None:
    by_id = graph.get(f"/users/{USER_MEGAN}").json()
    assert set(by_id) == {
        "@odata.context", "businessPhones", "displayName", "givenName", "id", "jobTitle", "mail",
        "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName",
    }  # fmt: skip
    by_upn = graph.get(
        "/users/MeganB@contoso.com",
        params={"$select": "id,accountEnabled,usageLocation,assignedLicenses"},
    )
    assert by_upn.status_code == 200
    body = by_upn.json()
    assert body["id"] == USER_MEGAN
    assert body["accountEnabled"] is True
    assert body["usageLocation"] == "US"
    assert body["assignedLicenses"][0]["skuId"]
    assert "displayName" not in body


def test_unknown_user_404_message(graph: httpx.Client) -> None:
    missing = "00000000-0000-0000-0000-0000000000aa"
    response = graph.get(f"/users/{missing}")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "Request_ResourceNotFound"
    assert error["message"] == MSG_NOT_FOUND.format(id=missing)


def test_unknown_select_property(graph: httpx.Client) -> None:
    response = graph.get(f"/users/{USER_MEGAN}", params={"$select": "shoeSize"})
    assert response.status_code == 400


def test_paging_follows_next_links(graph: httpx.Client, state: SandboxState) -> None:
    tenant = state.tenants[DEMO_TENANT_ID]
    for i in range(26):
        add_user(tenant, f"bulk{i:02d}@contoso.com", f"Bulk {i}")
    seen: list[str] = []
    url: str | None = "/users?$top=7&$select=id,userPrincipalName"
    pages = 0
    while url:
        body = graph.get(url).json()
        pages += 1
        assert all(set(u) == {"id", "userPrincipalName"} for u in body["value"])
        seen.extend(u["id"] for u in body["value"])
        url = body.get("@odata.nextLink")
        if url:
            assert url.startswith(str(graph.base_url).rstrip("/") + "/users?")
            assert "$skiptoken=" in url
    assert pages == 5
    assert len(seen) == len(set(seen)) == 30


def test_default_page_size_is_100(graph: httpx.Client, state: SandboxState) -> None:
    tenant = state.tenants[DEMO_TENANT_ID]
    for i in range(120):
        add_user(tenant, f"p{i:03d}@contoso.com", f"P {i}")
    first = graph.get("/users").json()
    assert len(first["value"]) == 100
    second = graph.get(first["@odata.nextLink"]).json()
    assert len(second["value"]) == 24
    assert "@odata.nextLink" not in second


def test_tampered_skiptoken_is_rejected(graph: httpx.Client) -> None:
    response = graph.get("/users", params={"$skiptoken": "garbage"})
    assert response.status_code == 400


@pytest.mark.parametrize("top", ["0", "1000", "abc"])
def test_top_bounds(graph: httpx.Client, top: str) -> None:
    response = graph.get("/users", params={"$top": top})
    assert response.status_code == 400
    assert error_of(response)["message"] == (
        f"Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive."
    )


def test_skip_is_not_supported(graph: httpx.Client) -> None:
    response = graph.get("/users", params={"$skip": "5"})
    assert response.status_code == 400
    assert error_of(response)["message"] == "'$skip' is not supported by the service."


def test_basic_filters(graph: httpx.Client) -> None:
    def ids(filter_: str) -> set[str]:
        response = graph.get("/users", params={"$filter": filter_})
        assert response.status_code == 200, response.text
        return {u["userPrincipalName"] for u in response.json()["value"]}

    assert ids("userPrincipalName eq 'MEGANB@contoso.com'") == {"meganb@contoso.com"}
    assert ids("mail eq 'nestorw@contoso.com'") == {"nestorw@contoso.com"}
    assert ids("onPremisesImmutableId eq 'QWxleFdpbGJlcjEyMzQ1Ng=='") == {"alexw@fabrikam.com"}
    assert ids("userPrincipalName in ('meganb@contoso.com', 'alexw@fabrikam.com')") == {
        "meganb@contoso.com",
        "alexw@fabrikam.com",
    }
    assert ids(f"id eq '{USER_MEGAN}'") == {"meganb@contoso.com"}
    assert ids("startswith(displayName,'nes')") == {"nestorw@contoso.com"}
    assert ids("accountEnabled eq true and startswith(userPrincipalName,'alex')") == {
        "alexw@fabrikam.com"
    }


def test_advanced_filters_need_header_and_count(graph: httpx.Client) -> None:
    response = graph.get("/users", params={"$filter": "endsWith(mail,'@contoso.com')"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "Request_UnsupportedQuery"
    assert error["message"].startswith("Operator 'endsWith' is not supported")

    response = graph.get("/users", params={"$filter": "accountEnabled ne false"})
    assert error_of(response)["code"] == "Request_UnsupportedQuery"

    response = graph.get(
        "/users",
        params={"$filter": "endsWith(mail,'@contoso.com')", "$count": "true"},
        headers={"ConsistencyLevel": "eventual"},
    )
    assert response.status_code == 200
    assert response.json()["@odata.count"] == 2


def test_count_and_search(graph: httpx.Client) -> None:
    response = graph.get("/users/$count")
    assert response.status_code == 400
    assert error_of(response)["message"] == "$count is not currently supported."
    response = graph.get("/users/$count", headers={"ConsistencyLevel": "eventual"})
    assert response.text == "4"

    # $count=true without the header is silently ignored.
    assert "@odata.count" not in graph.get("/users", params={"$count": "true"}).json()

    response = graph.get("/users", params={"$search": '"displayName:megan"'})
    assert response.status_code == 400
    assert error_of(response)["message"].startswith(
        "Request with $search query parameter only works through MSGraph"
    )
    response = graph.get(
        "/users",
        params={"$search": '"displayName:megan"'},
        headers={"ConsistencyLevel": "eventual"},
    )
    assert [u["id"] for u in response.json()["value"]] == [USER_MEGAN]


def test_filter_on_unknown_property(graph: httpx.Client) -> None:
    response = graph.get("/users", params={"$filter": "shoeSize eq 42"})
    assert response.status_code == 400


def test_patch_user(graph: httpx.Client, state: SandboxState) -> None:
    response = graph.patch(
        f"/users/{USER_MEGAN}", json={"accountEnabled": False, "jobTitle": "CMO"}
    )
    assert response.status_code == 204
    assert response.content == b""
    user = state.tenants[DEMO_TENANT_ID].users[USER_MEGAN]
    assert user.props["accountEnabled"] is False
    assert user.props["jobTitle"] == "CMO"


def test_patch_errors(graph: httpx.Client) -> None:
    response = graph.patch(f"/users/{USER_MEGAN}", json={})
    assert response.status_code == 400
    assert error_of(response)["message"] == "Empty Payload. JSON content expected."
    response = graph.patch(
        f"/users/{USER_MEGAN}", json={"userPrincipalName": "nestorw@contoso.com"}
    )
    assert error_of(response)["details"][0]["code"] == "ObjectConflict"
    response = graph.patch(f"/users/{USER_MEGAN}", json={"usageLocation": None})
    assert response.status_code == 400


def test_delete_restore_and_purge(graph: httpx.Client, state: SandboxState) -> None:
    created = graph.post("/users", json=new_user_body("temp")).json()
    user_id = created["id"]
    assert graph.delete(f"/users/{user_id}").status_code == 204
    assert graph.get(f"/users/{user_id}").status_code == 404
    assert state.tenants[DEMO_TENANT_ID].users[user_id].deleted_at is not None

    deleted = graph.get("/directory/deletedItems/microsoft.graph.user").json()["value"]
    mangled = user_id.replace("-", "") + "temp@contoso.com"
    assert [(u["id"], u["userPrincipalName"]) for u in deleted] == [(user_id, mangled)]
    assert deleted[0]["deletedDateTime"]
    filtered = graph.get(
        "/directory/deletedItems/microsoft.graph.user",
        params={"$filter": f"userPrincipalName eq '{mangled}'"},
    ).json()["value"]
    assert len(filtered) == 1

    # The UPN is free again while the old user sits in the recycle bin.
    replacement = graph.post("/users", json=new_user_body("temp")).json()
    conflict = graph.post(f"/directory/deletedItems/{user_id}/restore")
    assert conflict.status_code == 400
    assert graph.delete(f"/users/{replacement['id']}").status_code == 204
    assert graph.delete(f"/directory/deletedItems/{replacement['id']}").status_code == 204

    restored = graph.post(f"/directory/deletedItems/{user_id}/restore")
    assert restored.status_code == 200
    assert restored.json()["@odata.type"] == "#microsoft.graph.user"
    assert restored.json()["userPrincipalName"] == "temp@contoso.com"
    assert graph.get(f"/users/{user_id}").status_code == 200

    assert graph.delete(f"/users/{user_id}").status_code == 204
    assert graph.delete(f"/directory/deletedItems/{user_id}").status_code == 204
    assert user_id not in state.tenants[DEMO_TENANT_ID].users
    assert graph.post(f"/directory/deletedItems/{user_id}/restore").status_code == 404


def test_deleted_user_keeps_immutable_id_reserved(graph: httpx.Client) -> None:
    body = new_user_body("anchor", onPremisesImmutableId="YW5jaG9y")
    user_id = graph.post("/users", json=body).json()["id"]
    graph.delete(f"/users/{user_id}")
    again = graph.post("/users", json=new_user_body("anchor2", onPremisesImmutableId="YW5jaG9y"))
    assert error_of(again)["details"][0]["target"] == "onPremisesImmutableId"


def test_unknown_segment_and_method(graph: httpx.Client) -> None:
    response = graph.get("/widgets")
    assert response.status_code == 400
    assert error_of(response)["message"] == "Resource not found for the segment 'widgets'."
    assert graph.put("/users", json={"a": 1}).status_code == 405
