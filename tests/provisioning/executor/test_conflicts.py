"""Every kind of create conflict is resolved, not looped (issue 10 §4).

Graph names the taken property in `error.details[].target`; the executor looks up who holds
the value, live and in deleted items, and links the same person, restores them, or refuses
with the property and the holder named. A person deleted by policy and created again is
restored, not created a second time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest

from app.evaluation.parameters import derive_immutable_id
from app.graph import GraphClient
from app.sandbox import seed
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from app.sandbox.state import User
from tests.provisioning.executor.conftest import Wire, person, run, tenant, work

pytestmark = pytest.mark.anyio


def _creates(wire: Wire) -> list[dict[str, Any]]:
    return wire.items("POST", "/users")


def _holder_lookups(wire: Wire, prop: str) -> list[str]:
    """Look-ups of who holds a value of `prop`, live users only."""
    return [
        unquote(item["url"])
        for item in wire.items("GET", "/users")
        if f"$filter={prop} eq" in unquote(item["url"])
        or (prop == "proxyAddresses" and "proxyAddresses/any" in unquote(item["url"]))
    ]


def _meanwhile(sb: SandboxServer, wire: Wire, upn: str, **props: Any) -> list[User]:
    """Someone creates `upn` in the tenant after our look-up, right before our create."""
    made: list[User] = []

    def hook(url: str, body: Any) -> None:
        creating = url == "/$batch" and any(
            item["method"] == "POST" and item["url"] == "/users" for item in body["requests"]
        )
        if creating and not made:
            with sb.state.lock:
                made.append(add_user(tenant(sb), upn, "Racer", **props))

    wire.before_send.append(hook)
    return made


async def test_a_upn_taken_meanwhile_by_the_same_person_is_linked(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    racer = _meanwhile(sandbox, wire, "race@contoso.com", mailNickname="race")

    [outcome] = await run(graph, sandbox, work(1, person("race@contoso.com")))

    assert outcome.status == "succeeded", outcome.error
    assert outcome.tenant_object_id == racer[0].id
    assert (
        "provisioning.linked",
        {"tenant_object_id": racer[0].id, "matched_on": "userPrincipalName"},
    ) in outcome.events
    assert [u.id for u in tenant(sandbox).live_users() if u.upn == "race@contoso.com"] == [
        racer[0].id
    ]
    assert racer[0].props["displayName"] == "Race"  # then converged like any linked user
    assert len(_creates(wire)) == 1 and len(_holder_lookups(wire, "userPrincipalName")) == 1


async def test_a_upn_taken_meanwhile_by_another_person_is_refused_naming_the_holder(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    racer = _meanwhile(
        sandbox, wire, "race@contoso.com", mailNickname="racer", onPremisesImmutableId="b3RoZXI="
    )

    [outcome] = await run(graph, sandbox, work(1, person("race@contoso.com"), immutable_id="b3Vy"))

    assert outcome.status == "failed" and outcome.error is not None
    assert outcome.error.code == "UpnTakenByAnotherPerson"
    assert "userPrincipalName 'race@contoso.com'" in outcome.error.message
    assert racer[0].id in outcome.error.message and "b3RoZXI=" in outcome.error.message
    assert outcome.error.request_id  # Graph's request id of the refused create
    assert racer[0].props["displayName"] == "Racer" and len(_creates(wire)) == 1


async def test_a_mail_nickname_held_by_another_person_fails_once_naming_property_and_holder(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    holder = add_user(tenant(sandbox), "chris.old@contoso.com", "Chris", mailNickname="chris")

    [outcome] = await run(graph, sandbox, work(1, person("chris@contoso.com")))

    assert outcome.status == "failed" and outcome.error is not None
    assert outcome.error.code == "MailNicknameTakenByAnotherPerson"
    assert "mailNickname 'chris'" in outcome.error.message
    assert "chris.old@contoso.com" in outcome.error.message and holder.id in outcome.error.message
    assert "Another object with the same value for property mailNickname" in (outcome.error.message)
    assert len(_creates(wire)) == 1 and len(_holder_lookups(wire, "mailNickname")) == 1
    assert tenant(sandbox).user_by_upn("chris@contoso.com") is None


async def test_a_mail_that_is_another_persons_proxy_address_is_refused(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    desired = person("megan.new@contoso.com", mail="meganb@contoso.com")

    [outcome] = await run(graph, sandbox, work(1, desired))

    assert outcome.status == "failed" and outcome.error is not None
    assert outcome.error.code == "ProxyAddressTakenByAnotherPerson"
    assert "meganb@contoso.com" in outcome.error.message and seed.USER_MEGAN in (
        outcome.error.message
    )
    assert len(_creates(wire)) == 1


async def test_a_conflict_whose_holder_cannot_be_found_fails_after_one_re_read(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    """A group holds the address: no user does, so nobody can be linked or restored. The task
    fails with Graph's own error after one re-read; it is not retried in a loop."""
    group_mail = str(tenant(sandbox).groups[seed.GROUP_SALES].mail)
    desired = person("sam@contoso.com", mail=group_mail)

    [outcome] = await run(graph, sandbox, work(1, desired))

    assert outcome.status == "failed" and outcome.error is not None
    assert (outcome.error.code, outcome.error.status) == ("Request_BadRequest", 400)
    assert outcome.error.message == (
        "Another object with the same value for property proxyAddresses already exists."
    )
    assert outcome.error.request_id
    assert len(_creates(wire)) == 1 and len(_holder_lookups(wire, "proxyAddresses")) == 2


async def test_an_immutable_id_we_derived_found_on_a_live_user_links_and_renames_them(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    """A federated UPN gets an ImmutableID derived from the person's stable id: a tenant user
    holding it is this person (an earlier create), whatever their UPN now."""
    anchor = derive_immutable_id(7)
    earlier = add_user(
        tenant(sandbox), "old.name@fabrikam.com", "Old", onPremisesImmutableId=anchor
    )

    [outcome] = await run(graph, sandbox, work(7, person("new.name@fabrikam.com")))

    assert outcome.status == "succeeded", outcome.error
    assert outcome.tenant_object_id == earlier.id and earlier.upn == "new.name@fabrikam.com"
    assert (
        "provisioning.linked",
        {"tenant_object_id": earlier.id, "matched_on": "onPremisesImmutableId"},
    ) in outcome.events
    assert len(_creates(wire)) == 1
    assert [u.id for u in tenant(sandbox).live_users() if u.upn.endswith("@fabrikam.com")] == [
        seed.USER_ALEX_FABRIKAM,
        earlier.id,
    ]


async def test_an_immutable_id_held_by_a_deleted_user_of_the_same_person_restores_them(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    anchor = derive_immutable_id(8)
    gone = add_user(tenant(sandbox), "kim@fabrikam.com", "Kim", onPremisesImmutableId=anchor)
    gone.deleted_at = datetime.now(UTC)

    [outcome] = await run(graph, sandbox, work(8, person("kim.lee@fabrikam.com")))

    assert outcome.status == "succeeded", outcome.error
    assert outcome.tenant_object_id == gone.id and not gone.is_deleted
    assert gone.upn == "kim.lee@fabrikam.com"
    assert (
        "provisioning.restored",
        {"tenant_object_id": gone.id, "matched_on": "onPremisesImmutableId"},
    ) in outcome.events
    assert len(_creates(wire)) == 1
    assert wire.items("POST", f"/directory/deletedItems/{gone.id}/restore")


# --- deleted by policy, created again (§4 c) --------------------------------------------------


async def test_a_person_whose_immutable_id_we_know_is_restored_before_any_create(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    gone = add_user(tenant(sandbox), "pat@contoso.com", "Pat", onPremisesImmutableId="cGF0Kw==")
    gone.deleted_at = datetime.now(UTC)

    [outcome] = await run(
        graph, sandbox, work(1, person("pat@contoso.com"), immutable_id="cGF0Kw==")
    )

    assert outcome.status == "succeeded", outcome.error
    assert outcome.tenant_object_id == gone.id and not gone.is_deleted
    assert (
        "provisioning.restored",
        {"tenant_object_id": gone.id, "matched_on": "immutable_id"},
    ) in outcome.events
    assert _creates(wire) == [] and sandbox.state.counters.writes_unchanged == 0
    # The deleted-items look-up rode in the look-up round trip.
    assert len(wire.batches[0]) == 3


async def test_a_person_who_had_a_tenant_user_is_found_in_deleted_items_by_upn(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    """The id we knew was purged, but the person's newest deleted user is still there."""
    older = add_user(tenant(sandbox), "lee@contoso.com", "Lee")
    older.deleted_at = datetime.now(UTC) - timedelta(days=3)
    newer = add_user(tenant(sandbox), "lee@contoso.com", "Lee")
    newer.deleted_at = datetime.now(UTC)
    purged = "0d8b3c9e-1111-4222-8333-944455556666"

    [outcome] = await run(
        graph,
        sandbox,
        work(1, person("lee@contoso.com"), action="reactivate", tenant_object_id=purged),
    )

    assert outcome.status == "succeeded", outcome.error
    assert outcome.tenant_object_id == newer.id and not newer.is_deleted and older.is_deleted
    assert (
        "provisioning.restored",
        {"tenant_object_id": newer.id, "matched_on": "userPrincipalName"},
    ) in outcome.events
    assert _creates(wire) == []


async def test_a_deleted_user_of_another_person_is_not_restored(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    other = add_user(
        tenant(sandbox), "jo@contoso.com", "Jo", mailNickname="jo1", onPremisesImmutableId="b3Ro"
    )
    other.deleted_at = datetime.now(UTC)
    purged = "0d8b3c9e-1111-4222-8333-944455556667"

    [outcome] = await run(
        graph,
        sandbox,
        work(
            1,
            person("jo@contoso.com"),
            action="reactivate",
            tenant_object_id=purged,
            immutable_id="am8=",
        ),
    )

    assert outcome.status == "succeeded", outcome.error
    assert other.is_deleted and outcome.tenant_object_id != other.id
    assert len(_creates(wire)) == 1
