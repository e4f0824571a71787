"""What takes access away goes first (`REVOKING_ACTIONS`, `app.graph.urgency`): in a claim
that also holds joiners, a leaver's suspension runs apart from them and its envelopes take
the next free slot, ahead of the joiners' look-ups and creates. Against the sandbox tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.graph import GraphClient
from app.graph import urgency as graph_urgency
from app.provisioning.executor import Executor
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from tests.provisioning.executor.conftest import (
    Wire,
    person,
    recording,
    run,
    sandbox_graph,
    tenant,
    work,
)

pytestmark = pytest.mark.anyio

LEAVER = "5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


@pytest.fixture
async def one_at_a_time(sandbox: SandboxServer, wire: Wire) -> AsyncIterator[GraphClient]:
    """The executor's client with one envelope on its way at a time (and one kept for urgent
    work): the order of the wire is the order the envelope slots were handed out in."""
    async with sandbox_graph(sandbox, recording(sandbox, wire), batch_concurrency=1) as client:
        yield client


def _envelopes_with(wire: Wire, method: str, url: str) -> list[int]:
    return [
        n
        for n, batch in enumerate(wire.batches)
        if any(i["method"] == method and i["url"].split("?")[0] == url for i in batch)
    ]


async def test_a_leavers_suspension_goes_ahead_of_the_joiners_claimed_with_it(
    one_at_a_time: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    add_user(tenant(sandbox), "leaver@contoso.com", "Leaver", user_id=LEAVER)
    was = person("leaver@contoso.com")
    joiners = [work(n, person(f"joiner{n}@contoso.com")) for n in range(1, 61)]
    leaver = work(
        61,
        person("leaver@contoso.com", enabled=False),
        action="suspend",
        applied=was,
        tenant_object_id=LEAVER,
    )

    outcomes = await run(one_at_a_time, sandbox, *joiners, leaver)

    assert [o.task_id for o in outcomes] == list(range(1, 62))  # in the claim's order
    assert all(o.status == "succeeded" for o in outcomes), [o.cause for o in outcomes]
    held = tenant(sandbox)
    assert held.users[LEAVER].props["accountEnabled"] is False
    assert {f"joiner{n}@contoso.com" for n in range(1, 61)} <= {u.upn for u in held.live_users()}
    [suspension] = _envelopes_with(wire, "PATCH", f"/users/{LEAVER}")
    creates = _envelopes_with(wire, "POST", "/users")
    assert len(creates) == 3
    assert suspension < min(creates)
    # In an envelope of its own: nothing of the joiners' rides with it.
    assert all(i["url"].startswith(f"/users/{LEAVER}") for i in wire.batches[suspension])


async def test_urgency_holds_for_the_block_and_the_tasks_started_in_it() -> None:
    import asyncio

    seen: list[bool] = []

    async def note() -> None:
        seen.append(graph_urgency.is_urgent())

    with graph_urgency.urgent():
        await asyncio.create_task(note())
        seen.append(graph_urgency.is_urgent())
    seen.append(graph_urgency.is_urgent())
    assert seen == [True, True, False]


async def test_a_fault_in_one_part_leaves_the_others_outcomes_standing(
    one_at_a_time: GraphClient, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The joiners' creates that Graph accepted are recorded even if the leavers' part stopped
    on a fault of ours: failing them too would send their writes again."""

    async def broken(self: Executor, works: object) -> None:
        raise RuntimeError("a fault of ours")

    monkeypatch.setattr(Executor, "_run_urgent", broken)
    add_user(tenant(sandbox), "leaver@contoso.com", "Leaver", user_id=LEAVER)
    joiner = work(1, person("joiner1@contoso.com"))
    leaver = work(2, person("leaver@contoso.com", enabled=False), action="suspend",
                  applied=person("leaver@contoso.com"), tenant_object_id=LEAVER)  # fmt: skip

    created, stopped = await run(one_at_a_time, sandbox, joiner, leaver)

    assert created.status == "succeeded" and created.tenant_object_id is not None
    assert isinstance(stopped.cause, RuntimeError)
    assert tenant(sandbox).users[LEAVER].props["accountEnabled"] is True
