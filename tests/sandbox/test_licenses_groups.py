"""Licensing, groups, domains and organization endpoints."""

from __future__ import annotations

from typing import Any

import httpx

from app.sandbox.seed import (
    DEMO_TENANT_ID,
    DOMAIN_DEFAULT,
    DOMAIN_FEDERATED,
    GROUP_ALL_COMPANY,
    GROUP_DISTRIBUTION,
    GROUP_DYNAMIC,
    GROUP_ENGINEERING,
    GROUP_MAIL_SECURITY,
    GROUP_SECURITY,
    PLAN_YAMMER,
    SKU_E1,
    SKU_E3,
    SKU_M365_E5,
    SKU_PSTN_CREDITS,
    USER_MEGAN,
    USER_NESTOR,
    add_user,
)
from app.sandbox.state import SandboxState
from tests.sandbox.helpers import error_of, new_user_body


def sku(graph: httpx.Client, sku_id: str) -> dict[str, Any]:
    skus = graph.get("/subscribedSkus").json()["value"]
    return next(s for s in skus if s["skuId"] == sku_id)


def ref(object_id: str) -> str:
    return f"https://graph.microsoft.com/v1.0/directoryObjects/{object_id}"


def test_subscribed_skus_shape(graph: httpx.Client) -> None:
    e3 = sku(graph, SKU_E3)
    assert e3["skuPartNumber"] == "ENTERPRISEPACK"
    assert e3["prepaidUnits"] == {"enabled": 25, "suspended": 0, "warning": 0, "lockedOut": 0}
    assert e3["consumedUnits"] == 1
    names = {p["servicePlanName"] for p in e3["servicePlans"]}
    assert {"YAMMER_ENTERPRISE", "SHAREPOINTWAC", "OFFICESUBSCRIPTION"} <= names
    e5 = sku(graph, SKU_M365_E5)
    assert e5["prepaidUnits"]["enabled"] == e5["consumedUnits"] == 2
    assert sku(graph, SKU_PSTN_CREDITS)["appliesTo"] == "Company"


def test_assign_license_updates_user_and_seats(graph: httpx.Client) -> None:
    user = graph.post("/users", json=new_user_body("lic", usageLocation="US")).json()
    response = graph.post(
        f"/users/{user['id']}/assignLicense",
        json={"addLicenses": [{"skuId": SKU_E3, "disabledPlans": [PLAN_YAMMER]}],
              "removeLicenses": []},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["id"] == user["id"]
    assert sku(graph, SKU_E3)["consumedUnits"] == 2
    selected = graph.get(f"/users/{user['id']}", params={"$select": "assignedLicenses"}).json()
    assert selected["assignedLicenses"] == [{"disabledPlans": [PLAN_YAMMER], "skuId": SKU_E3}]
    details = graph.get(f"/users/{user['id']}/licenseDetails").json()["value"]
    assert details[0]["skuPartNumber"] == "ENTERPRISEPACK"
    statuses = {p["servicePlanName"]: p["provisioningStatus"] for p in details[0]["servicePlans"]}
    assert statuses["YAMMER_ENTERPRISE"] == "Disabled"
    assert statuses["EXCHANGE_S_ENTERPRISE"] == "Success"

    swap = graph.post(
        f"/users/{user['id']}/assignLicense",
        json={"addLicenses": [{"skuId": SKU_E1}], "removeLicenses": [SKU_E3]},
    )
    assert swap.status_code == 200
    assert sku(graph, SKU_E3)["consumedUnits"] == 1
    assert sku(graph, SKU_E1)["consumedUnits"] == 2


def test_assign_license_errors(graph: httpx.Client, state: SandboxState) -> None:
    no_location = graph.post("/users", json=new_user_body("noloc")).json()
    response = graph.post(
        f"/users/{no_location['id']}/assignLicense",
        json={"addLicenses": [{"skuId": SKU_E3}], "removeLicenses": []},
    )
    assert response.status_code == 400
    assert error_of(response)["message"] == (
        "License assignment cannot be done for user with invalid usage location."
    )

    located = graph.post("/users", json=new_user_body("loc", usageLocation="US")).json()

    def assign(body: dict[str, Any]) -> dict[str, Any]:
        result = graph.post(f"/users/{located['id']}/assignLicense", json=body)
        assert result.status_code == 400
        return error_of(result)

    full = assign({"addLicenses": [{"skuId": SKU_M365_E5}], "removeLicenses": []})
    assert full == {**full, "code": "Request_BadRequest"}
    assert (
        full["message"]
        == f"Subscription with SKU {SKU_M365_E5} does not have any available licenses."
    )
    unknown = "00000000-1111-2222-3333-444444444444"
    assert assign({"addLicenses": [{"skuId": unknown}], "removeLicenses": []})["message"] == (
        f"License {unknown} does not correspond to a valid company License."
    )
    assert assign({"addLicenses": [], "removeLicenses": [SKU_E1]})["message"] == (
        "User does not have a corresponding license."
    )
    user = state.tenants[DEMO_TENANT_ID].users[located["id"]]
    assert user.licenses == []


def test_seats_change_via_state(graph: httpx.Client, state: SandboxState) -> None:
    user = graph.post("/users", json=new_user_body("e5", usageLocation="US")).json()
    add = {"addLicenses": [{"skuId": SKU_M365_E5}], "removeLicenses": []}
    # Both seeded E5 seats are taken, so the assignment fails until the state adds seats.
    assert graph.post(f"/users/{user['id']}/assignLicense", json=add).status_code == 400
    state.tenants[DEMO_TENANT_ID].skus[SKU_M365_E5].enabled = 3
    response = graph.post(f"/users/{user['id']}/assignLicense", json=add)
    assert response.status_code == 200
    e5 = sku(graph, SKU_M365_E5)
    assert (e5["prepaidUnits"]["enabled"], e5["consumedUnits"]) == (3, 3)
    stored = state.tenants[DEMO_TENANT_ID].users[user["id"]]
    assert [lic.sku_id for lic in stored.licenses] == [SKU_M365_E5]


def test_list_unified_groups_and_paging(graph: httpx.Client) -> None:
    response = graph.get("/groups", params={"$filter": "groupTypes/any(c:c eq 'Unified')"})
    names = {g["displayName"] for g in response.json()["value"]}
    assert names == {"All Company", "Sales and Marketing", "Engineering", "Sales Team (dynamic)"}
    negated = graph.get("/groups", params={"$filter": "NOT groupTypes/any(c:c eq 'Unified')"})
    assert error_of(negated)["code"] == "Request_UnsupportedQuery"
    first = graph.get("/groups", params={"$top": "3", "$select": "id,displayName"}).json()
    assert len(first["value"]) == 3
    rest = graph.get(first["@odata.nextLink"]).json()
    assert (
        len(first["value"])
        + len(rest["value"])
        + len(
            graph.get(rest["@odata.nextLink"]).json()["value"] if "@odata.nextLink" in rest else []
        )
        == 7
    )
    one = graph.get(f"/groups/{GROUP_SECURITY}").json()
    assert (one["groupTypes"], one["mailEnabled"], one["securityEnabled"]) == ([], False, True)


def test_members_add_list_remove(graph: httpx.Client, state: SandboxState) -> None:
    tenant = state.tenants[DEMO_TENANT_ID]
    for i in range(5):
        add_user(tenant, f"m{i}@{DOMAIN_DEFAULT}", f"Member {i}")
        response = graph.post(
            f"/groups/{GROUP_ENGINEERING}/members/$ref",
            json={"@odata.id": ref(next(u.id for u in tenant.users.values()
                                        if u.upn == f"m{i}@{DOMAIN_DEFAULT}"))},
        )  # fmt: skip
        assert response.status_code == 204
    page = graph.get(
        f"/groups/{GROUP_ENGINEERING}/members", params={"$top": "2", "$select": "id,mail"}
    ).json()
    assert page["value"][0]["@odata.type"] == "#microsoft.graph.user"
    seen = [m["id"] for m in page["value"]]
    while "@odata.nextLink" in page:
        page = graph.get(page["@odata.nextLink"]).json()
        seen += [m["id"] for m in page["value"]]
    assert sorted(seen) == sorted(tenant.groups[GROUP_ENGINEERING].members)
    assert len(seen) == 5

    again = graph.post(
        f"/groups/{GROUP_ENGINEERING}/members/$ref", json={"@odata.id": ref(seen[0])}
    )
    assert again.status_code == 400
    assert error_of(again)["message"] == (
        "One or more added object references already exist for the following modified "
        "properties: 'members'."
    )
    missing = graph.post(
        f"/groups/{GROUP_ENGINEERING}/members/$ref",
        json={"@odata.id": ref("00000000-0000-0000-0000-00000000dead")},
    )
    assert missing.status_code == 404
    bad_ref = graph.post(
        f"/groups/{GROUP_ENGINEERING}/members/$ref", json={"@odata.id": "not a url"}
    )
    assert error_of(bad_ref)["code"] == "Request_UnsupportedQuery"

    assert graph.delete(f"/groups/{GROUP_ENGINEERING}/members/{seen[0]}/$ref").status_code == 204
    assert seen[0] not in tenant.groups[GROUP_ENGINEERING].members
    gone = graph.delete(f"/groups/{GROUP_ENGINEERING}/members/{seen[0]}/$ref")
    assert gone.status_code == 404
    assert error_of(gone)["code"] == "Request_ResourceNotFound"


def test_bulk_bind_limits_and_atomicity(graph: httpx.Client, state: SandboxState) -> None:
    tenant = state.tenants[DEMO_TENANT_ID]
    users = [add_user(tenant, f"b{i}@{DOMAIN_DEFAULT}", f"B {i}").id for i in range(21)]
    too_many = graph.patch(
        f"/groups/{GROUP_ENGINEERING}", json={"members@odata.bind": [ref(u) for u in users]}
    )
    assert too_many.status_code == 400
    assert tenant.groups[GROUP_ENGINEERING].members == []

    # One already-member reference fails the whole request and adds nobody.
    mixed = [ref(u) for u in users[:3]] + [ref(USER_MEGAN)]
    tenant.groups[GROUP_ENGINEERING].members.append(USER_MEGAN)
    failed = graph.patch(f"/groups/{GROUP_ENGINEERING}", json={"members@odata.bind": mixed})
    assert failed.status_code == 400
    assert tenant.groups[GROUP_ENGINEERING].members == [USER_MEGAN]

    ok = graph.patch(
        f"/groups/{GROUP_ENGINEERING}", json={"members@odata.bind": [ref(u) for u in users[:20]]}
    )
    assert ok.status_code == 204
    assert len(tenant.groups[GROUP_ENGINEERING].members) == 21


def test_read_only_groups_refuse_member_changes(graph: httpx.Client, state: SandboxState) -> None:
    tenant = state.tenants[DEMO_TENANT_ID]
    for group_id in (GROUP_DISTRIBUTION, GROUP_MAIL_SECURITY):
        response = graph.post(
            f"/groups/{group_id}/members/$ref", json={"@odata.id": ref(USER_MEGAN)}
        )
        assert response.status_code == 400
        assert error_of(response)["message"] == (
            "Cannot Update a mail-enabled security groups and or distribution list."
        )
    removal = graph.delete(f"/groups/{GROUP_DISTRIBUTION}/members/{USER_NESTOR}/$ref")
    assert removal.status_code == 400
    assert USER_NESTOR in tenant.groups[GROUP_DISTRIBUTION].members
    dynamic = graph.post(
        f"/groups/{GROUP_DYNAMIC}/members/$ref", json={"@odata.id": ref(USER_MEGAN)}
    )
    assert dynamic.status_code == 400
    assert tenant.groups[GROUP_DYNAMIC].members == []
    security = graph.post(
        f"/groups/{GROUP_SECURITY}/members/$ref", json={"@odata.id": ref(USER_MEGAN)}
    )
    assert security.status_code == 204


def test_member_of(graph: httpx.Client) -> None:
    body = graph.get(f"/users/{USER_MEGAN}/memberOf").json()
    assert {g["id"] for g in body["value"]} >= {GROUP_ALL_COMPANY}
    assert all(g["@odata.type"] == "#microsoft.graph.group" for g in body["value"])


def test_domains_and_organization(graph: httpx.Client) -> None:
    domains = {d["id"]: d for d in graph.get("/domains").json()["value"]}
    assert domains[DOMAIN_FEDERATED]["authenticationType"] == "Federated"
    assert domains[DOMAIN_DEFAULT]["isDefault"] is True
    assert domains["contoso.onmicrosoft.com"]["isInitial"] is True
    assert domains["unverified.example"]["isVerified"] is False
    one = graph.get(f"/domains/{DOMAIN_FEDERATED}")
    assert one.status_code == 200 and one.json()["id"] == DOMAIN_FEDERATED
    assert graph.get("/domains/nope.example").status_code == 404

    org = graph.get("/organization").json()["value"]
    assert len(org) == 1
    assert org[0]["id"] == DEMO_TENANT_ID
    assert org[0]["onPremisesSyncEnabled"] is None
    assert org[0]["defaultUsageLocation"] == "US"
    assert {d["name"] for d in org[0]["verifiedDomains"]} == {
        "contoso.onmicrosoft.com",
        DOMAIN_DEFAULT,
        DOMAIN_FEDERATED,
    }
