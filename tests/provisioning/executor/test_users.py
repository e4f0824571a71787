"""Creating, updating and deleting users through the executor, against the sandbox tenant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.graph import GraphClient
from app.sandbox import seed
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from tests.provisioning.executor.conftest import Wire, person, run, tenant, work

pytestmark = pytest.mark.anyio


async def test_25_new_people_are_created_in_two_batches(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    works = [work(n, person(f"new{n}@contoso.com")) for n in range(1, 26)]

    outcomes = await run(graph, sandbox, *works)

    assert [o.status for o in outcomes] == ["succeeded"] * 25
    by_upn = {u.upn: u for u in tenant(sandbox).live_users()}
    for n, outcome in enumerate(outcomes, start=1):
        assert by_upn[f"new{n}@contoso.com"].id == outcome.tenant_object_id
        assert ("provisioning.created", {"tenant_object_id": outcome.tenant_object_id}) in (
            outcome.events
        )
    creates = [b for b in wire.batches if all(i["method"] == "POST" for i in b)]
    assert sorted(len(b) for b in creates) == [5, 20]
    # One round trip looks everybody up (two `in` filters of at most 15), two create.
    assert len(wire.batches) == 3 and not wire.direct


async def test_update_patches_only_the_attributes_that_differ(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    existing = add_user(
        tenant(sandbox),
        "jo@contoso.com",
        "Jo",
        mailNickname="jo",
        jobTitle="Rep",
        department="Sales",
    )
    before = person("jo@contoso.com", displayName="Jo", jobTitle="Rep", department="Sales")
    after = person("jo@contoso.com", displayName="Jo", jobTitle="Rep", department="Engineering")

    [outcome] = await run(
        graph,
        sandbox,
        work(1, after, action="update", applied=before, tenant_object_id=existing.id),
    )

    assert outcome.status == "succeeded"
    assert outcome.applied is not None and outcome.applied.attributes == after.attributes
    assert existing.props["department"] == "Engineering"
    assert [p["body"] for p in wire.items("PATCH")] == [{"department": "Engineering"}]


async def test_update_with_nothing_to_change_sends_no_patch(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    existing = add_user(tenant(sandbox), "jo@contoso.com", "Jo", mailNickname="jo", jobTitle="Rep")
    same = person("jo@contoso.com", displayName="Jo", jobTitle="Rep")

    [outcome] = await run(
        graph, sandbox, work(1, same, action="update", applied=same, tenant_object_id=existing.id)
    )

    assert outcome.status == "succeeded" and outcome.applied == same
    assert wire.writes() == [] and sandbox.state.counters.writes == 0


@pytest.mark.parametrize("already_deleted", [False, True])
async def test_delete_succeeds_whether_or_not_the_user_is_still_there(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire, already_deleted: bool
) -> None:
    victim = tenant(sandbox).users[seed.USER_NESTOR]
    if already_deleted:
        victim.deleted_at = datetime.now(UTC)

    [outcome] = await run(
        graph, sandbox, work(1, None, action="delete", tenant_object_id=victim.id)
    )

    assert outcome.status == "succeeded" and outcome.deleted and outcome.error is None
    assert victim.is_deleted
    # Read first: a user already gone costs no DELETE.
    deletes = [] if already_deleted else [f"/users/{victim.id}"]
    assert [d["url"] for d in wire.items("DELETE")] == deletes
