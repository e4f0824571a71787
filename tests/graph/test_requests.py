"""Request builders: encoding rules, and values that must survive the trip into the tenant."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.graph import GraphClient, requests
from app.sandbox import seed
from app.sandbox.graph_batch import item_request
from app.sandbox.odata import InList, parse_filter
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer

MakeGraph = Callable[..., GraphClient]
AWKWARD_IMMUTABLE_ID = "q+/Z9w==AB+"


def test_path_segments_are_percent_encoded() -> None:
    assert requests.segment("a/b c?d#e") == "a%2Fb%20c%3Fd%23e"
    assert requests.delete_user("x/../groups").path == "/users/x%2F..%2Fgroups"
    assert requests.remove_member("g 1", "u/2").path == "/groups/g%201/members/u%2F2/$ref"


def test_odata_string_literals_double_inner_quotes() -> None:
    assert requests.odata_string("O'Brien") == "'O''Brien'"
    assert requests.in_filter("userPrincipalName", ["a'b@x.com", "c@x.com"]) == (
        "userPrincipalName in ('a''b@x.com','c@x.com')"
    )


def test_filter_values_are_encoded_in_the_url() -> None:
    url = requests.find_users_by_immutable_ids([AWKWARD_IMMUTABLE_ID]).url

    assert "+" not in url and " " not in url
    assert "q%2B%2FZ9w%3D%3DAB%2B" in url


@pytest.mark.parametrize(
    ("call", "prop", "value"),
    [
        (
            requests.find_users_by_immutable_ids([AWKWARD_IMMUTABLE_ID]),
            "onPremisesImmutableId",
            AWKWARD_IMMUTABLE_ID,
        ),
        (
            requests.find_users_by_upns(["o'brien&co@contoso.com"]),
            "userPrincipalName",
            "o'brien&co@contoso.com",
        ),
    ],
)
def test_a_batch_item_url_reaches_the_filter_parser_intact(
    call: requests.GraphCall, prop: str, value: str
) -> None:
    parsed = item_request({"id": "1", "method": "GET", "url": call.url}, {})

    assert parsed.path == "/users" and parsed.query["$select"] == requests.USER_SELECT
    assert parse_filter(parsed.query["$filter"]) == InList(prop, (value,))


def test_only_calls_with_a_body_carry_a_content_type() -> None:
    create = requests.create_user({"displayName": "x"}).batch_item("c")
    restore = requests.restore_deleted_item("id").batch_item("r")

    assert create.headers == {"Content-Type": "application/json"} and create.body == {
        "displayName": "x"
    }
    assert restore.headers is None and restore.body is None and restore.method == "POST"


def test_member_references_are_absolute_directory_object_urls() -> None:
    bind = requests.bind_members("https://graph.example/", "g1", ["u1", "u2"])
    add = requests.add_member("https://graph.example", "g1", "u1")

    assert bind.body == {
        "members@odata.bind": [
            "https://graph.example/v1.0/directoryObjects/u1",
            "https://graph.example/v1.0/directoryObjects/u2",
        ]
    }
    assert add.path == "/groups/g1/members/$ref"
    assert add.body == {"@odata.id": "https://graph.example/v1.0/directoryObjects/u1"}


def test_assign_license_always_sends_both_lists() -> None:
    call = requests.assign_license("u1", {"sku-a": ["p2", "p1"]}, [])

    assert call.body == {
        "addLicenses": [{"skuId": "sku-a", "disabledPlans": ["p1", "p2"]}],
        "removeLicenses": [],
    }


@pytest.mark.anyio
async def test_awkward_values_find_their_users_in_the_tenant_batched_and_direct(
    sandbox: SandboxServer, make_graph: MakeGraph
) -> None:
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    anchored = add_user(
        tenant, "anchored@contoso.com", "A", onPremisesImmutableId=AWKWARD_IMMUTABLE_ID
    )
    obrien = add_user(tenant, "o'brien@contoso.com", "O")
    calls = {
        anchored.id: requests.find_users_by_immutable_ids([AWKWARD_IMMUTABLE_ID]),
        obrien.id: requests.find_users_by_upns(["o'brien@contoso.com"]),
    }
    client = make_graph()

    batched = await client.batch([call.batch_item(uid) for uid, call in calls.items()])
    direct = {uid: await client.request(c.method, c.url) for uid, c in calls.items()}
    single = await client.request("GET", requests.find_user_by_upn("o'brien@contoso.com").url)

    for uid in calls:
        assert [u["id"] for u in batched[uid].body["value"]] == [uid]
        assert [u["id"] for u in (direct[uid].json or {})["value"]] == [uid]
    assert [u["id"] for u in (single.json or {})["value"]] == [obrien.id]


def test_holder_look_ups_for_each_conflict_property() -> None:
    assert requests.holder_filter("mailNickname", "o'neil") == "mailNickname eq 'o''neil'"
    assert requests.holder_filter("proxyAddresses", "a@x.com") == (
        "proxyAddresses/any(p:p eq 'smtp:a@x.com')"
    )
    deleted_upn = requests.find_deleted_users_holding("userPrincipalName", "o'neil@x.com")
    item = deleted_upn.batch_item("d")
    # A deleted user's UPN carries its id in front: an advanced `endswith` query, whose
    # ConsistencyLevel travels in the batch item's headers (contract §2, §8).
    assert item.url.startswith(requests.DELETED_USERS + "?")
    assert item.headers == {"ConsistencyLevel": "eventual"}
    parsed = item_request({"id": "d", "method": "GET", "url": item.url}, {})
    assert parsed.query["$filter"] == "endswith(userPrincipalName,'o''neil@x.com')"
    assert parsed.query["$count"] == "true"
    anchor = requests.find_deleted_users_holding("onPremisesImmutableId", AWKWARD_IMMUTABLE_ID)
    assert anchor.headers == () and "q%2B%2FZ9w%3D%3DAB%2B" in anchor.url
    assert requests.deleted_upn("1a-2b", "x@y.com") == "1a2bx@y.com"


def test_tenant_calls_encode_their_segments() -> None:
    assert requests.get_domain("a/b.example").path == "/domains/a%2Fb.example"
    groups = requests.list_groups("groupTypes/any(c:c eq 'Unified')", "id", 999)
    assert groups.url == (
        "/groups?$filter=groupTypes%2Fany(c:c%20eq%20'Unified')&$select=id&$top=999"
    )
    assert "onPremisesSyncEnabled" in requests.USER_SELECT
