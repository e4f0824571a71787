"""Groups delta, out-of-band admin changes seen through delta, and paging a large round."""

from __future__ import annotations

from typing import Any

import httpx

from app.sandbox.graph_delta import DELTA_PAGE_SIZE
from app.sandbox.seed import (
    DEMO_TENANT_ID,
    GROUP_ALL_COMPANY,
    GROUP_ENGINEERING,
    GROUP_SALES,
    SKU_E3,
    SKU_M365_E5,
    USER_ADMIN,
    USER_MEGAN,
    USER_NESTOR,
)
from app.sandbox.state import SandboxState
from tests.sandbox.helpers import error_of

T = DEMO_TENANT_ID
USER = "#microsoft.graph.user"


def delta_round(
    graph: httpx.Client, url: str, page_size: int = 2
) -> tuple[list[dict[str, Any]], str]:
    """Follow nextLinks to the deltaLink; every item of the round and the deltaLink."""
    items: list[dict[str, Any]] = []
    while True:
        response = graph.get(url, headers={"Prefer": f"odata.maxpagesize={page_size}"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["value"]) <= page_size
        items.extend(body["value"])
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return items, body["@odata.deltaLink"]
        url = body["@odata.nextLink"]


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in items}


# --- groups delta ------------------------------------------------------------------------


def test_groups_delta_first_round_then_membership_changes(
    graph: httpx.Client, admin: httpx.Client, state: SandboxState
) -> None:
    items, link = delta_round(graph, "/groups/delta?$select=displayName,members")
    groups = by_id(items)
    assert set(groups) == set(state.tenants[T].groups)
    assert len(items) == len(groups)  # each group once
    assert groups[GROUP_ALL_COMPANY] == {
        "id": GROUP_ALL_COMPANY,
        "displayName": "All Company",
        "members@delta": [
            {"@odata.type": USER, "id": m} for m in sorted([USER_MEGAN, USER_NESTOR])
        ],
    }
    # A group without members has no members@delta (Graph's "TestGroup2" example).
    assert "members@delta" not in groups[GROUP_ENGINEERING]
    assert "$deltatoken=" in link

    # Nothing changed: an empty round.
    items, link = delta_round(graph, link)
    assert items == []

    # A member added through Graph, one removed in the portal.
    added = graph.post(
        f"/groups/{GROUP_ENGINEERING}/members/$ref",
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{USER_NESTOR}"},
    )
    assert added.status_code == 204
    removed = admin.delete(f"/tenants/{T}/groups/{GROUP_ALL_COMPANY}/members/{USER_MEGAN}")
    assert removed.status_code == 200
    assert USER_MEGAN not in state.tenants[T].groups[GROUP_ALL_COMPANY].members

    items, link = delta_round(graph, link)
    assert by_id(items) == {
        GROUP_ENGINEERING: {
            "id": GROUP_ENGINEERING,
            "displayName": "Engineering",
            "members@delta": [{"@odata.type": USER, "id": USER_NESTOR}],
        },
        GROUP_ALL_COMPANY: {
            "id": GROUP_ALL_COMPANY,
            "displayName": "All Company",
            "members@delta": [
                {"@odata.type": USER, "id": USER_MEGAN, "@removed": {"reason": "deleted"}}
            ],
        },
    }

    # A group deleted in the portal appears with @removed.
    assert admin.delete(f"/tenants/{T}/groups/{GROUP_SALES}").status_code == 200
    assert GROUP_SALES not in state.tenants[T].groups
    items, _ = delta_round(graph, link)
    assert items == [{"id": GROUP_SALES, "@removed": {"reason": "deleted"}}]


def test_groups_delta_filter_select_and_bad_token(graph: httpx.Client) -> None:
    body = graph.get(
        "/groups/delta",
        params={
            "$filter": f"id eq '{GROUP_SALES}' or id eq '{GROUP_ENGINEERING}'",
            "$select": "members",
        },
    ).json()
    assert sorted(g["id"] for g in body["value"]) == sorted([GROUP_SALES, GROUP_ENGINEERING])
    assert by_id(body["value"])[GROUP_SALES] == {
        "id": GROUP_SALES,
        "members@delta": [{"@odata.type": USER, "id": USER_MEGAN}],
    }
    # The filter is kept in the token: a change to another group is not reported.
    graph.post(
        f"/groups/{GROUP_ALL_COMPANY}/members/$ref",
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/users/{USER_ADMIN}"},
    )
    later = graph.get(body["@odata.deltaLink"]).json()
    assert later["value"] == []

    too_many = " or ".join(f"id eq '{i:08d}-0000-0000-0000-000000000000'" for i in range(51))
    refused = graph.get("/groups/delta", params={"$filter": too_many})
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "Request_UnsupportedQuery"
    not_id = graph.get("/groups/delta", params={"$filter": "displayName eq 'x'"})
    assert not_id.status_code == 400

    for bad in ({"$deltatoken": "not-a-token"}, {"$skiptoken": "not-a-token"}):
        response = graph.get("/groups/delta", params=bad)
        assert response.status_code == 400
        assert error_of(response)["code"] == "syncStateNotFound"
    # A users token is no groups token.
    users_link = graph.get("/users/delta").json()["@odata.deltaLink"]
    token = users_link.split("$deltatoken=")[1]
    crossed = graph.get("/groups/delta", params={"$deltatoken": token})
    assert crossed.status_code == 400
    assert error_of(crossed)["code"] == "syncStateNotFound"


# --- out-of-band changes seen by users delta ---------------------------------------------


def test_out_of_band_user_changes_reach_users_delta(
    graph: httpx.Client, admin: httpx.Client, state: SandboxState
) -> None:
    select = "displayName,department,accountEnabled,assignedLicenses"
    _, link = delta_round(graph, f"/users/delta?$select={select}", page_size=DELTA_PAGE_SIZE)
    tenant = state.tenants[T]

    patched = admin.patch(
        f"/tenants/{T}/users/{USER_MEGAN}", json={"department": "Sales", "jobTitle": "Lead"}
    )
    assert patched.status_code == 200
    assert tenant.users[USER_MEGAN].props["department"] == "Sales"
    assert admin.post(f"/tenants/{T}/users/{USER_NESTOR}/disable").status_code == 200
    assert tenant.users[USER_NESTOR].props["accountEnabled"] is False
    assert (
        admin.delete(f"/tenants/{T}/users/{USER_MEGAN}/licenses/{SKU_M365_E5}").status_code == 200
    )
    assert tenant.users[USER_MEGAN].licenses == []

    items, link = delta_round(graph, link)
    assert by_id(items) == {
        USER_MEGAN: {
            "id": USER_MEGAN,
            "displayName": "Megan Bowen",
            "department": "Sales",
            "accountEnabled": True,
            "assignedLicenses": [],
        },
        USER_NESTOR: {
            "id": USER_NESTOR,
            "displayName": "Nestor Wilke",
            "department": "Operations",
            "accountEnabled": False,
            "assignedLicenses": [{"disabledPlans": [], "skuId": SKU_E3}],
        },
    }

    # A no-op edit is no change.
    assert admin.patch(f"/tenants/{T}/users/{USER_MEGAN}", json={"department": "Sales"}).is_success
    items, link = delta_round(graph, link)
    assert items == []

    # Soft delete, restore, delete again, purge: each round says what Graph would.
    assert admin.delete(f"/tenants/{T}/users/{USER_NESTOR}").status_code == 200
    items, link = delta_round(graph, link)
    assert items == [{"id": USER_NESTOR, "@removed": {"reason": "changed"}}]

    assert admin.post(f"/tenants/{T}/users/{USER_NESTOR}/restore").status_code == 200
    assert not tenant.users[USER_NESTOR].is_deleted
    items, link = delta_round(graph, link)
    assert [i["id"] for i in items] == [USER_NESTOR]
    assert "@removed" not in items[0]

    purge_live = admin.post(f"/tenants/{T}/users/{USER_NESTOR}/purge")
    assert purge_live.status_code == 409  # the portal deletes before it purges
    assert admin.delete(f"/tenants/{T}/users/{USER_NESTOR}").status_code == 200
    assert admin.post(f"/tenants/{T}/users/{USER_NESTOR}/purge").status_code == 200
    assert USER_NESTOR not in tenant.users
    items, link = delta_round(graph, link)
    assert items == [{"id": USER_NESTOR, "@removed": {"reason": "deleted"}}]

    # A license added back and a member added, out of band.
    added = admin.post(f"/tenants/{T}/users/{USER_MEGAN}/licenses", json={"skuId": SKU_E3})
    assert added.status_code == 200
    assert [lic.sku_id for lic in tenant.users[USER_MEGAN].licenses] == [SKU_E3]
    member = admin.post(f"/tenants/{T}/groups/{GROUP_ENGINEERING}/members", json={"id": USER_MEGAN})
    assert member.status_code == 200
    assert USER_MEGAN in tenant.groups[GROUP_ENGINEERING].members
    items, _ = delta_round(graph, link)
    assert items[0]["assignedLicenses"] == [{"disabledPlans": [], "skuId": SKU_E3}]


def test_out_of_band_refusals(admin: httpx.Client, state: SandboxState) -> None:
    tenant = state.tenants[T]
    before = tenant.seq
    unknown = admin.patch(f"/tenants/{T}/users/{USER_MEGAN}", json={"shoeSize": 9})
    assert unknown.status_code == 422
    wrong_type = admin.patch(f"/tenants/{T}/users/{USER_MEGAN}", json={"accountEnabled": "no"})
    assert wrong_type.status_code == 422
    taken = admin.patch(
        f"/tenants/{T}/users/{USER_MEGAN}", json={"userPrincipalName": "nestorw@contoso.com"}
    )
    assert taken.status_code == 409
    # Every E5 seat is used in the demo tenant.
    no_seat = admin.post(f"/tenants/{T}/users/{USER_NESTOR}/licenses", json={"skuId": SKU_M365_E5})
    assert no_seat.status_code == 409
    assert (
        admin.delete(f"/tenants/{T}/users/{USER_NESTOR}/licenses/{SKU_M365_E5}").status_code == 404
    )
    assert (
        admin.delete(f"/tenants/{T}/groups/{GROUP_ENGINEERING}/members/{USER_MEGAN}").status_code
        == 404
    )
    assert admin.post(f"/tenants/{T}/users/{USER_MEGAN}/restore").status_code == 409
    assert admin.patch(f"/tenants/{T}/users/nobody", json={"department": "x"}).status_code == 404
    assert tenant.seq == before  # nothing refused was stamped
    assert tenant.users[USER_MEGAN].props["department"] == "Marketing"


# --- bulk seeding and a large round ------------------------------------------------------


def test_bulk_users_and_a_large_round_returns_each_user_once(
    graph: httpx.Client, admin: httpx.Client, state: SandboxState
) -> None:
    response = admin.post(
        f"/tenants/{T}/users:bulk",
        json={
            "count": 1000,
            "prefix": "bench",
            "immutable_id_pattern": "imm-{n}",
            "mail_pattern": "{prefix}.{n}@{domain}",
            "licenses": [SKU_E3],
            "properties": {"department": "Dept {n}"},
        },
    )
    assert response.status_code == 201, response.text
    tenant = state.tenants[T]
    assert len(tenant.users) == 1004
    seeded = tenant.user_by_upn("bench7@contoso.com")
    assert seeded is not None
    assert seeded.props["onPremisesImmutableId"] == "imm-7"
    assert seeded.props["mail"] == "bench.7@contoso.com"
    assert seeded.props["department"] == "Dept 7"
    assert [lic.sku_id for lic in seeded.licenses] == [SKU_E3]

    again = admin.post(f"/tenants/{T}/users:bulk", json={"count": 5, "prefix": "bench"})
    assert again.status_code == 409
    assert len(tenant.users) == 1004

    url = "/users/delta?$select=userPrincipalName"
    seen: list[str] = []
    pages = 0
    while True:
        # Asking for more than Graph allows gets Graph's maximum.
        body = graph.get(url, headers={"Prefer": "odata.maxpagesize=999"}).json()
        assert len(body["value"]) <= DELTA_PAGE_SIZE
        seen.extend(u["id"] for u in body["value"])
        pages += 1
        if "@odata.deltaLink" in body:
            break
        url = body["@odata.nextLink"]
    assert pages == 6  # 1004 users in pages of 200
    assert len(seen) == len(set(seen)) == 1004
    assert set(seen) == set(tenant.users)
