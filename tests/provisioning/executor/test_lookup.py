"""Finding people in the tenant before writing: by ImmutableID, by UPN, and when not to link."""

from __future__ import annotations

import pytest

from app.graph import GraphClient
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from tests.provisioning.executor.conftest import Wire, person, run, tenant, work

pytestmark = pytest.mark.anyio


async def test_a_person_is_linked_by_immutable_id_even_under_another_upn(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    existing = add_user(
        tenant(sandbox), "old.name@contoso.com", "Old", onPremisesImmutableId="aW1tdXRhYmxl"
    )
    users_before = len(list(tenant(sandbox).live_users()))

    [outcome] = await run(
        graph, sandbox, work(1, person("new.name@contoso.com"), immutable_id="aW1tdXRhYmxl")
    )

    assert outcome.status == "succeeded" and outcome.tenant_object_id == existing.id
    assert (
        "provisioning.linked",
        {"tenant_object_id": existing.id, "matched_on": "immutable_id"},
    ) in (outcome.events)
    assert existing.upn == "new.name@contoso.com"  # then converged like any linked user
    assert len(list(tenant(sandbox).live_users())) == users_before
    assert wire.items("POST", "/users") == []


async def test_a_person_is_linked_by_upn_and_the_tenant_immutable_id_reported(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    existing = add_user(
        tenant(sandbox), "user1@contoso.com", "User", onPremisesImmutableId="dGVuYW50LXdpbnM="
    )

    [outcome] = await run(graph, sandbox, work(1, person("user1@contoso.com")))

    assert outcome.status == "succeeded" and outcome.tenant_object_id == existing.id
    assert outcome.tenant_immutable_id == "dGVuYW50LXdpbnM="
    assert outcome.applied is not None
    assert outcome.applied.attributes["onPremisesImmutableId"] == "dGVuYW50LXdpbnM="
    assert (
        "provisioning.linked",
        {"tenant_object_id": existing.id, "matched_on": "userPrincipalName"},
    ) in (outcome.events)
    assert wire.items("POST", "/users") == []


async def test_a_upn_held_by_a_person_with_another_immutable_id_is_refused(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    someone = add_user(
        tenant(sandbox), "user1@contoso.com", "Someone Else", onPremisesImmutableId="c29tZW9uZQ=="
    )

    [outcome] = await run(
        graph, sandbox, work(1, person("user1@contoso.com"), immutable_id="b3Vycw==")
    )

    assert outcome.status == "failed" and outcome.error is not None
    assert outcome.error.code == "UpnTakenByAnotherPerson"
    assert outcome.applied is None and outcome.tenant_object_id is None
    assert someone.props["displayName"] == "Someone Else"
    assert wire.writes() == [] and sandbox.state.counters.writes == 0


async def test_immutable_id_with_plus_slash_equals_and_upn_with_apostrophe_are_found(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    # Base64 ImmutableIDs carry `+`, `/` and `=`; a query that leaves `+` unencoded reads it
    # as a space and finds nobody. The UPN differs so only the ImmutableID can match.
    anchored = add_user(
        tenant(sandbox), "anchored@contoso.com", "Anchored", onPremisesImmutableId="ab+/cd=="
    )
    obrien = add_user(tenant(sandbox), "o'brien@contoso.com", "Pat O'Brien")

    first, second = await run(
        graph,
        sandbox,
        work(1, person("renamed@contoso.com"), immutable_id="ab+/cd=="),
        work(2, person("O'Brien@contoso.com", displayName="Pat O'Brien", mailNickname="obrien")),
    )

    assert (first.status, first.tenant_object_id) == ("succeeded", anchored.id)
    assert (
        "provisioning.linked",
        {"tenant_object_id": anchored.id, "matched_on": "immutable_id"},
    ) in (first.events)
    assert (second.status, second.tenant_object_id) == ("succeeded", obrien.id)
    assert wire.items("POST", "/users") == []
