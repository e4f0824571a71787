"""Delta rounds over users and JSON batching."""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from app.sandbox.seed import DEMO_TENANT_ID, GROUP_ENGINEERING, USER_MEGAN, USER_NESTOR, add_user
from app.sandbox.state import SandboxState
from tests.sandbox.helpers import error_of, fetch_token, new_user_body


def delta_round(
    graph: httpx.Client, url: str, page_size: int = 3
) -> tuple[list[dict[str, Any]], str]:
    """Follow nextLinks to the deltaLink; return every item and the deltaLink."""
    items: list[dict[str, Any]] = []
    while True:
        body = graph.get(url, headers={"Prefer": f"odata.maxpagesize={page_size}"}).json()
        items.extend(body["value"])
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return items, body["@odata.deltaLink"]
        url = body["@odata.nextLink"]
        assert "$skiptoken=" in url


def test_delta_rounds(graph: httpx.Client, state: SandboxState) -> None:
    tenant = state.tenants[DEMO_TENANT_ID]
    for i in range(5):
        add_user(tenant, f"d{i}@contoso.com", f"D {i}")
    items, delta_link = delta_round(graph, "/users/delta?$select=displayName,accountEnabled")
    assert len(items) == 9
    assert all(set(i) == {"id", "displayName", "accountEnabled"} for i in items)
    assert "$deltatoken=" in delta_link

    # Nothing changed: an empty round that hands back a deltaLink.
    items, delta_link = delta_round(graph, delta_link)
    assert items == []

    graph.patch(f"/users/{USER_MEGAN}", json={"displayName": "Megan B."})
    created = graph.post("/users", json=new_user_body("newbie")).json()
    graph.delete(f"/users/{USER_NESTOR}")
    items, delta_link = delta_round(graph, delta_link)
    by_id = {i["id"]: i for i in items}
    assert set(by_id) == {USER_MEGAN, created["id"], USER_NESTOR}
    assert by_id[USER_MEGAN]["displayName"] == "Megan B."
    assert set(by_id[USER_MEGAN]) == {"id", "displayName", "accountEnabled"}
    assert by_id[USER_NESTOR] == {"id": USER_NESTOR, "@removed": {"reason": "changed"}}

    graph.delete(f"/directory/deletedItems/{USER_NESTOR}")
    items, _ = delta_round(graph, delta_link)
    assert items == [{"id": USER_NESTOR, "@removed": {"reason": "deleted"}}]


def test_delta_id_filter_and_bad_token(graph: httpx.Client) -> None:
    body = graph.get("/users/delta", params={"$filter": f"id eq '{USER_MEGAN}'"}).json()
    assert [u["id"] for u in body["value"]] == [USER_MEGAN]
    bad = graph.get("/users/delta", params={"$deltatoken": "not-a-token"})
    assert bad.status_code == 400
    assert error_of(bad)["code"] == "syncStateNotFound"


def test_delta_token_dies_with_reset(
    graph: httpx.Client, state: SandboxState, ssl_context: ssl.SSLContext
) -> None:
    delta_link = graph.get("/users/delta").json()["@odata.deltaLink"]
    state.reset()
    token = fetch_token(str(graph.base_url).removesuffix("/v1.0/"), ssl_context)
    response = graph.get(delta_link, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "syncStateNotFound"


def batch(graph: httpx.Client, requests: list[dict[str, Any]]) -> httpx.Response:
    return graph.post("/$batch", json={"requests": requests})


def test_batch_mixed_results_and_dependencies(graph: httpx.Client, state: SandboxState) -> None:
    response = batch(
        graph,
        [
            {"id": "1", "method": "POST", "url": "/users",
             "headers": {"Content-Type": "application/json"}, "body": new_user_body("b1")},
            {"id": "2", "method": "POST", "url": "/users",
             "headers": {"Content-Type": "application/json"}, "body": new_user_body("b1")},
            {"id": "3", "method": "GET", "url": "/users/b1@contoso.com?$select=id",
             "dependsOn": ["2"]},
            {"id": "4", "method": "GET", "url": "/users/b1@contoso.com?$select=id,displayName",
             "dependsOn": ["1"]},
            {"id": "5", "method": "GET", "url": "/groups/nope"},
        ],
    )  # fmt: skip
    assert response.status_code == 200
    results = {r["id"]: r for r in response.json()["responses"]}
    assert results["1"]["status"] == 201
    assert results["2"]["status"] == 400
    assert results["2"]["body"]["error"]["details"][0]["code"] == "ObjectConflict"
    assert results["3"]["status"] == 424
    assert results["4"]["status"] == 200
    assert results["4"]["body"]["displayName"] == "B1"
    assert results["5"]["status"] == 404
    assert state.tenants[DEMO_TENANT_ID].user_by_upn("b1@contoso.com") is not None


def test_batch_items_refuse_what_graph_refuses(graph: httpx.Client, state: SandboxState) -> None:
    items = [
        new_user_body("ok1"),
        new_user_body("bad1", usageLocation="XX"),
        new_user_body("bad2", mailNickname="bad2."),
        {**new_user_body("bad3"), "userPrincipalName": "bad..3@contoso.com"},
    ]
    response = batch(
        graph,
        [
            {"id": str(n), "method": "POST", "url": "/users",
             "headers": {"Content-Type": "application/json"}, "body": body}
            for n, body in enumerate(items)
        ]
        + [{"id": "p", "method": "PATCH", "url": f"/users/{USER_MEGAN}",
            "headers": {"Content-Type": "application/json"}, "body": {"usageLocation": "ZZ"}}],
    )  # fmt: skip
    assert response.status_code == 200
    by_id = {r["id"]: r for r in response.json()["responses"]}
    assert {k: r["status"] for k, r in by_id.items()} == {
        "0": 201, "1": 400, "2": 400, "3": 400, "p": 400,
    }  # fmt: skip
    assert by_id["1"]["body"]["error"]["message"] == (
        "Invalid value specified for property 'usageLocation' of resource 'User'."
    )
    assert (
        by_id["3"]["body"]["error"]["message"] == "One or more properties contains invalid values."
    )
    upns = {u.upn for u in state.tenants[DEMO_TENANT_ID].users.values()}
    assert "ok1@contoso.com" in upns and not {"bad1@contoso.com", "bad2@contoso.com"} & upns


def test_batch_envelope_errors(graph: httpx.Client) -> None:
    item = {"method": "GET", "url": "/organization"}
    too_many = batch(graph, [{"id": str(i), **item} for i in range(21)])
    assert too_many.status_code == 400
    assert batch(graph, [{"id": str(i), **item} for i in range(20)]).status_code == 200

    duplicate = batch(graph, [{"id": "a", **item}, {"id": "A", **item}])
    assert duplicate.status_code == 400
    assert error_of(duplicate)["message"] == "Request Id A has to be unique in a batch."

    no_headers = batch(graph, [{"id": "1", "method": "POST", "url": "/users", "body": {}}])
    assert no_headers.status_code == 400
    assert graph.post("/$batch", json={"nope": []}).status_code == 400


def test_batch_responses_come_back_shuffled(graph: httpx.Client) -> None:
    orders = set()
    for _ in range(5):
        body = batch(
            graph, [{"id": str(i), "method": "GET", "url": "/domains"} for i in range(10)]
        ).json()
        orders.add(tuple(r["id"] for r in body["responses"]))
    assert len(orders) > 1


def test_batch_item_throttling_has_own_retry_after(
    graph: httpx.Client, state: SandboxState
) -> None:
    state.set_behaviour({"write_capacity": 3, "write_window_s": 30})
    response = batch(
        graph,
        [
            {"id": str(i), "method": "PATCH", "url": f"/users/{USER_MEGAN}",
             "headers": {"Content-Type": "application/json"}, "body": {"jobTitle": f"T{i}"}}
            for i in range(5)
        ],
    )  # fmt: skip
    assert response.status_code == 200
    statuses = sorted(r["status"] for r in response.json()["responses"])
    assert statuses == [204, 204, 204, 429, 429]
    throttled = [r for r in response.json()["responses"] if r["status"] == 429]
    assert all(int(r["headers"]["Retry-After"]) >= 1 for r in throttled)
    assert throttled[0]["body"]["error"]["code"] == "TooManyRequests"


def test_batch_permission_is_checked_per_item(graph: httpx.Client, state: SandboxState) -> None:
    state.apps[next(iter(state.apps))].permissions.discard("Domain.Read.All")
    # Tokens carry the permissions granted when they were issued, as real access tokens do.
    grant = next(iter(state.tokens.values()))
    grant.permissions = frozenset(grant.permissions - {"Domain.Read.All"})
    body = batch(
        graph,
        [{"id": "1", "method": "GET", "url": "/domains"},
         {"id": "2", "method": "GET", "url": f"/groups/{GROUP_ENGINEERING}"}],
    ).json()  # fmt: skip
    results = {r["id"]: r for r in body["responses"]}
    assert results["1"]["status"] == 403
    assert results["1"]["body"]["error"]["code"] == "Authorization_RequestDenied"
    assert results["2"]["status"] == 200
