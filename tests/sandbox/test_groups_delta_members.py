"""Groups delta and members: a long member list split across entries and pages (the group
entry repeated, as Graph may send it), and soft-deleted members, which keep their memberships
in both the first round and later ones (Graph's documented behaviour, see graph_delta)."""

from __future__ import annotations

from typing import Any

import httpx

from app.sandbox.seed import DEMO_TENANT_ID, GROUP_ALL_COMPANY, GROUP_ENGINEERING, USER_MEGAN
from app.sandbox.state import SandboxState

T = DEMO_TENANT_ID
ENGINEERING = {"$filter": f"id eq '{GROUP_ENGINEERING}'", "$select": "displayName,members"}
ALL_COMPANY = {"$filter": f"id eq '{GROUP_ALL_COMPANY}'", "$select": "displayName,members"}


def pages(
    graph: httpx.Client, url: str, params: dict[str, str] | None = None
) -> tuple[list[list[dict[str, Any]]], str]:
    """Every page of one round (asking for 999 per page, as the engine does) and its
    deltaLink."""
    found: list[list[dict[str, Any]]] = []
    while True:
        response = graph.get(url, params=params, headers={"Prefer": "odata.maxpagesize=999"})
        assert response.status_code == 200, response.text
        body = response.json()
        found.append(body["value"])
        if "@odata.deltaLink" in body:
            return found, body["@odata.deltaLink"]
        url, params = body["@odata.nextLink"], None


def members_of(entries: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(added, removed) member ids over every entry, in the order they came."""
    added: list[str] = []
    removed: list[str] = []
    for entry in entries:
        for member in entry.get("members@delta", []):
            (removed if "@removed" in member else added).append(member["id"])
    return added, removed


def _seed(admin: httpx.Client, state: SandboxState, count: int, prefix: str) -> list[str]:
    assert admin.post(
        f"/tenants/{T}/users:bulk", json={"count": count, "prefix": prefix}
    ).is_success
    tenant = state.tenants[T]
    return sorted(u.id for u in tenant.users.values() if u.upn.startswith(prefix))


def test_a_long_member_list_is_split_across_entries_and_pages(
    graph: httpx.Client, admin: httpx.Client, state: SandboxState
) -> None:
    tenant = state.tenants[T]
    first = _seed(admin, state, 150, "big")
    with state.lock:
        group = tenant.groups[GROUP_ENGINEERING]
        for oid in first[:120]:
            tenant.add_member(group, oid)
    per_entry = state.behaviour.delta_members_per_entry
    per_page = state.behaviour.delta_members_per_page

    full, link = pages(graph, "/groups/delta", ENGINEERING)
    entries = [e for page in full for e in page]
    assert len(full) == -(-120 // per_page) >= 2  # spread over pages
    assert len(entries) == 120 // per_entry  # the group entry repeated
    assert {e["id"] for e in entries} == {GROUP_ENGINEERING}
    assert {e["displayName"] for e in entries} == {"Engineering"}
    for page in full:
        assert sum(len(e["members@delta"]) for e in page) <= per_page
    added, removed = members_of(entries)
    assert sorted(added) == first[:120] and removed == []  # each member exactly once

    # 30 join and 25 leave: the changes are split the same way.
    with state.lock:
        for oid in first[120:]:
            tenant.add_member(group, oid)
        for oid in first[:25]:
            tenant.remove_member(group, oid)
    changed, _ = pages(graph, link)
    entries = [e for page in changed for e in page]
    assert len(entries) == -(-55 // per_entry) >= 2
    assert all(len(e["members@delta"]) <= per_entry for e in entries)
    added, removed = members_of(entries)
    assert sorted(added) == first[120:] and sorted(removed) == first[:25]


def test_a_soft_deleted_member_keeps_its_membership_in_both_rounds(
    graph: httpx.Client, admin: httpx.Client, state: SandboxState
) -> None:
    """Graph: temporarily deleted users keep their group memberships and are not in the delta
    result until permanently deleted; a restore puts nothing in it either."""
    _, link = pages(graph, "/groups/delta", ALL_COMPANY)
    assert admin.delete(f"/tenants/{T}/users/{USER_MEGAN}").is_success

    quiet, link = pages(graph, link)
    assert quiet == [[]]
    full, _ = pages(graph, "/groups/delta", ALL_COMPANY)
    added, _ = members_of([e for page in full for e in page])
    assert USER_MEGAN in added  # the first round agrees: still a member

    assert admin.post(f"/tenants/{T}/users/{USER_MEGAN}/restore").is_success
    quiet, link = pages(graph, link)
    assert quiet == [[]]

    # Only a purge takes the user out of the group, and says so.
    assert admin.delete(f"/tenants/{T}/users/{USER_MEGAN}").is_success
    assert admin.post(f"/tenants/{T}/users/{USER_MEGAN}/purge").is_success
    gone, _ = pages(graph, link)
    assert members_of([e for page in gone for e in page]) == ([], [USER_MEGAN])
