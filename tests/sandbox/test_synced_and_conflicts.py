"""What the sandbox refuses and records for issue 10: synced users, every kind of create
conflict with Graph's `details[].target`, deleted items found by `$filter`, answers lost after
the commit, writes that changed nothing, and the Retry-After windows it announced."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from app.sandbox.graph_synced import MSG_MASTERED_ON_PREMISES
from app.sandbox.seed import (
    ALEX_IMMUTABLE_ID,
    DEMO_TENANT_ID,
    GROUP_ENGINEERING,
    SKU_E3,
    USER_ALEX_FABRIKAM,
    USER_MEGAN,
    USER_NESTOR,
    add_user,
)
from app.sandbox.state import SandboxState
from tests.sandbox.helpers import error_of, new_user_body

EVENTUAL = {"ConsistencyLevel": "eventual"}


def _alex(state: SandboxState) -> dict[str, object]:
    return state.tenants[DEMO_TENANT_ID].users[USER_ALEX_FABRIKAM].props


# --- synced users -------------------------------------------------------------------------


def test_a_synced_user_shows_the_flag_only_when_selected(graph: httpx.Client) -> None:
    plain = graph.get(f"/users/{USER_ALEX_FABRIKAM}").json()
    assert "onPremisesSyncEnabled" not in plain
    picked = graph.get(
        f"/users/{USER_ALEX_FABRIKAM}", params={"$select": "id,onPremisesSyncEnabled"}
    ).json()
    assert picked["onPremisesSyncEnabled"] is True
    megan = graph.get(f"/users/{USER_MEGAN}", params={"$select": "onPremisesSyncEnabled"}).json()
    assert megan["onPremisesSyncEnabled"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"displayName": "Alex W."},
        {"department": "Sales"},
        {"accountEnabled": False},
        {"userPrincipalName": "alex.wilber@fabrikam.com"},
        {"onPremisesImmutableId": "bmV3"},
        # One mastered property refuses the whole request, allowed ones included.
        {"usageLocation": "GB", "jobTitle": "Lead"},
    ],
)
def test_patching_what_the_on_premises_directory_masters_is_refused(
    graph: httpx.Client, state: SandboxState, body: dict[str, object]
) -> None:
    before = dict(_alex(state))
    response = graph.patch(f"/users/{USER_ALEX_FABRIKAM}", json=body)
    assert response.status_code == 400
    assert error_of(response)["code"] == "Request_BadRequest"
    assert error_of(response)["message"] == MSG_MASTERED_ON_PREMISES
    assert _alex(state) == before
    assert state.counters.writes_unchanged == 1


def test_licenses_usage_location_and_cloud_groups_stay_writable(
    graph: httpx.Client, state: SandboxState
) -> None:
    assert graph.patch(f"/users/{USER_ALEX_FABRIKAM}", json={"usageLocation": "GB"}).status_code
    assert _alex(state)["usageLocation"] == "GB"
    assign = graph.post(
        f"/users/{USER_ALEX_FABRIKAM}/assignLicense",
        json={"addLicenses": [{"skuId": SKU_E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert assign.status_code == 200
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{USER_ALEX_FABRIKAM}"}
    assert graph.post(f"/groups/{GROUP_ENGINEERING}/members/$ref", json=ref).status_code == 204
    tenant = state.tenants[DEMO_TENANT_ID]
    assert USER_ALEX_FABRIKAM in tenant.groups[GROUP_ENGINEERING].members
    assert SKU_E3 in {lic.sku_id for lic in tenant.users[USER_ALEX_FABRIKAM].licenses}


def test_deleting_a_synced_user_is_refused(graph: httpx.Client, state: SandboxState) -> None:
    response = graph.delete(f"/users/{USER_ALEX_FABRIKAM}")
    assert response.status_code == 400
    assert error_of(response)["message"] == MSG_MASTERED_ON_PREMISES
    assert not state.tenants[DEMO_TENANT_ID].users[USER_ALEX_FABRIKAM].is_deleted


def test_synced_users_are_found_by_an_advanced_filter(graph: httpx.Client) -> None:
    flt = {"$filter": "onPremisesSyncEnabled eq true", "$select": "id"}
    assert graph.get("/users", params=flt).status_code == 400  # needs the advanced parameters
    found = graph.get("/users", params={**flt, "$count": "true"}, headers=EVENTUAL).json()
    assert [u["id"] for u in found["value"]] == [USER_ALEX_FABRIKAM]


# --- conflicts name their property --------------------------------------------------------


def _target(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.text
    return [(d["code"], d["target"]) for d in error_of(response).get("details", [])]


def test_a_taken_upn_names_userprincipalname(graph: httpx.Client) -> None:
    response = graph.post("/users", json=new_user_body("meganb"))
    assert _target(response) == [("ObjectConflict", "userPrincipalName")]


def test_a_taken_mail_nickname_names_mailnickname(graph: httpx.Client) -> None:
    response = graph.post("/users", json=new_user_body("megan.b", mailNickname="MeganB"))
    assert _target(response) == [("ObjectConflict", "mailNickname")]
    assert "mailNickname" in error_of(response)["message"]


def test_a_mail_that_is_another_objects_proxy_address_names_proxyaddresses(
    graph: httpx.Client,
) -> None:
    response = graph.post(
        "/users", json=new_user_body("mb2", mail="MEGANB@contoso.com", mailNickname="mb2")
    )
    assert _target(response) == [
        ("ObjectConflict", "proxyAddresses"),
        ("ConflictingObjects", USER_MEGAN),
    ]


def test_an_immutable_id_held_by_a_soft_deleted_user_conflicts(
    graph: httpx.Client, state: SandboxState
) -> None:
    gone = add_user(
        state.tenants[DEMO_TENANT_ID], "gone@contoso.com", "Gone", onPremisesImmutableId="Z29uZQ=="
    )
    gone.deleted_at = datetime.now(UTC)
    response = graph.post("/users", json=new_user_body("back", onPremisesImmutableId="Z29uZQ=="))
    assert _target(response) == [("ObjectConflict", "onPremisesImmutableId")]
    # The UPN of a deleted user is free again (it shows with its id in front).
    assert graph.post("/users", json=new_user_body("gone")).status_code == 201


def test_deleted_items_are_filtered_like_users(graph: httpx.Client, state: SandboxState) -> None:
    gone = add_user(
        state.tenants[DEMO_TENANT_ID], "o'neil@contoso.com", "Gone", onPremisesImmutableId="a+b/c="
    )
    gone.deleted_at = datetime.now(UTC)
    path = "/directory/deletedItems/microsoft.graph.user"
    by_anchor = graph.get(
        path, params={"$filter": "onPremisesImmutableId in ('a+b/c=')", "$select": "id"}
    ).json()
    assert [u["id"] for u in by_anchor["value"]] == [gone.id]
    upn = {"$filter": "endswith(userPrincipalName,'o''neil@contoso.com')", "$select": "id"}
    assert graph.get(path, params=upn).status_code == 400  # an advanced query
    by_upn = graph.get(path, params={**upn, "$count": "true"}, headers=EVENTUAL).json()
    assert [u["id"] for u in by_upn["value"]] == [gone.id]
    live = graph.get(path, params={"$filter": f"onPremisesImmutableId eq '{ALEX_IMMUTABLE_ID}'"})
    assert live.json()["value"] == []  # a live user is no deleted item


# --- lost answers, wasted writes, announced windows ---------------------------------------


def test_a_lost_batch_answer_comes_after_every_item_ran(
    graph: httpx.Client, state: SandboxState
) -> None:
    state.set_behaviour({"lose_batch_answers": 1, "timeout_hang_s": 0.05})
    reads = {"requests": [{"id": "1", "method": "GET", "url": f"/users/{USER_MEGAN}"}]}
    assert graph.post("/$batch", json=reads).status_code == 200  # reads only: untouched
    writes = {
        "requests": [
            {
                "id": "1",
                "method": "PATCH",
                "url": f"/users/{USER_NESTOR}",
                "body": {"department": "Lost"},
                "headers": {"Content-Type": "application/json"},
            }
        ]
    }
    response = graph.post("/$batch", json=writes)
    assert response.status_code == 504 and "responses" not in response.json()
    assert state.tenants[DEMO_TENANT_ID].users[USER_NESTOR].props["department"] == "Lost"
    assert state.behaviour.lose_batch_answers == 0
    assert graph.post("/$batch", json=writes).status_code == 200  # one answer lost, not more


def test_writes_that_change_nothing_are_counted(graph: httpx.Client, state: SandboxState) -> None:
    nestor = f"/users/{USER_NESTOR}"
    assert graph.patch(nestor, json={"department": "Operations"}).status_code == 204  # as is
    assert state.counters.writes_unchanged == 1
    assert graph.patch(nestor, json={"department": "Sales"}).status_code == 204
    assert state.counters.writes_unchanged == 1
    assert graph.post("/users", json=new_user_body("meganb")).status_code == 400
    assert state.counters.writes_unchanged == 2
    assert state.counters.writes == 3


def test_requests_inside_an_announced_retry_after_window_are_listed(
    graph: httpx.Client, state: SandboxState
) -> None:
    state.set_behaviour({"fault_rate_503": 1.0, "fault_retry_after_s": 0.3})
    refused = graph.get("/organization")
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
    state.set_behaviour({"fault_rate_503": 0.0, "fractional_retry_after": True})
    graph.get("/organization")  # too early: inside the window it announced
    inside = state.inside_retry_windows()
    assert [e.status for e in inside] == [200]
    assert state.request_log[0].retry_after_s == 1.0
    assert state.request_log[0].answered_at <= inside[0].received_at
