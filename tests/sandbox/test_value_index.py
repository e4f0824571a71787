"""The sandbox files users by the values Graph keeps one owner for (UPN, mailNickname, mail,
source anchor), so a create or a look-up does not scan every user. The index must answer
exactly what a scan did, after every way a value comes, changes or goes."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from app.sandbox.seed import DEMO_TENANT_ID, add_user
from app.sandbox.state import SandboxState, User
from tests.sandbox.helpers import error_of, new_user_body


def _conflict_target(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    return str(error_of(response)["details"][0]["target"])


def _found(graph: httpx.Client, flt: str) -> list[str]:
    response = graph.get(f"/users?$filter={quote(flt)}&$select=id,userPrincipalName")
    assert response.status_code == 200, response.text
    return sorted(u["userPrincipalName"].lower() for u in response.json()["value"])


def test_a_patched_upn_frees_the_old_value_and_takes_the_new(graph: httpx.Client) -> None:
    made = graph.post("/users", json=new_user_body("idx.one", mail="idx.one@contoso.com"))
    assert made.status_code == 201, made.text
    uid = made.json()["id"]
    moved = graph.patch(
        f"/users/{uid}",
        json={
            "userPrincipalName": "idx.moved@contoso.com",
            "mailNickname": "idx.moved",
            "mail": "idx.moved@contoso.com",
        },
    )
    assert moved.status_code == 204, moved.text
    # The old values are free again, the new ones taken (whatever their case).
    again = graph.post("/users", json=new_user_body("idx.one", mail="idx.one@contoso.com"))
    assert again.status_code == 201, again.text
    taken = graph.post("/users", json=new_user_body("IDX.Moved"))
    assert _conflict_target(taken) == "userPrincipalName"
    nickname = graph.post("/users", json=new_user_body("idx.other", mailNickname="IDX.MOVED"))
    assert _conflict_target(nickname) == "mailNickname"
    mail = graph.post("/users", json=new_user_body("idx.third", mail="Idx.Moved@contoso.com"))
    assert _conflict_target(mail) == "proxyAddresses"
    # Look-ups find the user by its new UPN only, case-insensitively, alone or in a list.
    assert _found(graph, "userPrincipalName eq 'IDX.MOVED@contoso.com'") == [
        "idx.moved@contoso.com"
    ]
    assert _found(graph, "userPrincipalName in ('nobody@contoso.com','idx.moved@contoso.com')")
    assert _found(graph, "userPrincipalName eq 'idx.one@contoso.com'") == ["idx.one@contoso.com"]
    both = "userPrincipalName eq 'idx.one@contoso.com' or mail eq 'idx.moved@contoso.com'"
    assert _found(graph, both) == ["idx.moved@contoso.com", "idx.one@contoso.com"]
    neither = "userPrincipalName eq 'idx.one@contoso.com' and mail eq 'idx.moved@contoso.com'"
    assert _found(graph, neither) == []


def test_the_source_anchor_conflicts_only_exactly_and_survives_a_soft_delete(
    graph: httpx.Client,
) -> None:
    made = graph.post("/users", json=new_user_body("idx.anchor", onPremisesImmutableId="QUJD"))
    assert made.status_code == 201, made.text
    # Base64 is case-sensitive: another case is another value.
    other_case = graph.post("/users", json=new_user_body("idx.case", onPremisesImmutableId="qujd"))
    assert other_case.status_code == 201, other_case.text
    assert graph.delete(f"/users/{made.json()['id']}").status_code == 204
    reused = graph.post("/users", json=new_user_body("idx.reuse", onPremisesImmutableId="QUJD"))
    assert _conflict_target(reused) == "onPremisesImmutableId"
    # The UPN of the soft-deleted user is free, and a look-up no longer lists it.
    assert _found(graph, "userPrincipalName eq 'idx.anchor@contoso.com'") == []
    again = graph.post("/users", json=new_user_body("idx.anchor"))
    assert again.status_code == 201, again.text


def test_users_put_into_the_tenant_directly_are_indexed_too(
    graph: httpx.Client, state: SandboxState
) -> None:
    tenant = state.tenants[DEMO_TENANT_ID]
    with state.lock:
        tenant.users["fixture-1"] = User(
            id="fixture-1",
            props={"userPrincipalName": "fixture@contoso.com", "mailNickname": "fixture"},
        )
    taken = graph.post("/users", json=new_user_body("fixture"))
    assert _conflict_target(taken) == "userPrincipalName"
    assert _found(graph, "userPrincipalName eq 'fixture@contoso.com'") == ["fixture@contoso.com"]
    # Seeded and admin-made users are filed as well.
    added = add_user(tenant, "seeded.person@contoso.com", "Seeded Person")
    assert tenant.user_by_upn("SEEDED.person@contoso.com") is added


def test_a_look_up_for_no_value_is_not_answered_from_the_index(graph: httpx.Client) -> None:
    made = graph.post("/users", json=new_user_body("idx.nomail"))
    assert made.status_code == 201, made.text
    response = graph.get(
        "/users",
        params={"$filter": "mail eq null", "$select": "id", "$count": "true"},
        headers={"ConsistencyLevel": "eventual"},
    )
    assert response.status_code == 200, response.text
    assert made.json()["id"] in {u["id"] for u in response.json()["value"]}
