"""Licenses and group memberships do not depend on each other: the executor sends both phases'
`$batch` items in one round trip (`Exchange.together`). A round trip saved per claim is what
keeps people arriving one by one under 0.3 round trips each (issue 15 §2).

First against the sandbox tenant (what went on the wire, what the tenant holds), then the
exchange's own rules with a recording client: calls wait for every other phase, a phase
waiting out a replication delay holds nobody, a failure reaches every phase that shared it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from app.graph import BatchResult, GraphClient, GraphError, GraphResponse, requests
from app.graph.client import OnFinal
from app.graph.errors import GraphTransientError
from app.graph.requests import get_user
from app.provisioning.executor.exchange import Exchange, Planned
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.types import ItemState
from app.sandbox import seed
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from tests.provisioning.executor.conftest import Wire, app_info, person, run, tenant, work

pytestmark = pytest.mark.anyio

GROUPS = (seed.GROUP_SALES, seed.GROUP_ENGINEERING)


@pytest.mark.parametrize("people", [1, 12, 18])
async def test_new_people_get_licenses_and_groups_in_one_round_trip(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire, people: int
) -> None:
    works = [
        work(n, person(f"joiner{n}@contoso.com", licenses={seed.SKU_E3: ()}, groups=GROUPS))
        for n in range(1, people + 1)
    ]

    outcomes = await run(graph, sandbox, *works)

    assert [o.status for o in outcomes] == ["succeeded"] * people
    held = tenant(sandbox)
    for outcome in outcomes:
        assert outcome.tenant_object_id is not None
        user = held.users[outcome.tenant_object_id]
        assert [lic.sku_id for lic in user.licenses] == [seed.SKU_E3]
        assert all(user.id in held.groups[g].members for g in GROUPS)
    # Look-up, create, then licenses with memberships: one assignLicense per person and one
    # members@odata.bind per group, all in the third envelope.
    assert len(wire.batches) == 3 and not wire.direct
    last = wire.batches[2]
    assert sorted(i["method"] for i in last) == ["PATCH"] * 2 + ["POST"] * people
    assert len(wire.items("POST")) == 2 * people  # creates and assignLicense, nothing resent


class RecordingClient:
    """Answers every batch item 200 after `delay_s`, noting what each `batch` call held and
    when; `fail` makes the next call raise instead."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.calls: list[tuple[float, list[str]]] = []
        self.delay_s = delay_s
        self.fail: GraphError | None = None
        self.abandoned = 0  # calls cancelled on the wire

    async def batch(
        self, items: Sequence[Any], on_final: OnFinal | None = None
    ) -> Mapping[str, BatchResult]:
        self.calls.append((time.monotonic(), [i.id for i in items]))
        try:
            await asyncio.sleep(self.delay_s)
        except asyncio.CancelledError:
            self.abandoned += 1
            raise
        if self.fail is not None:
            error, self.fail = self.fail, None
            raise error
        results = {i.id: BatchResult(i.id, 200, {}, {"id": i.id}) for i in items}
        if on_final is not None:
            on_final(results)
        return results


def _item(step: Step, task: int, index: int = 0) -> Planned:
    return Planned(None, BatchKey(step, task, index), get_user(f"user-{task}"))


def _exchange(client: RecordingClient, sandbox: SandboxServer) -> Exchange:
    return Exchange(client, app_info(sandbox))  # type: ignore[arg-type]


async def test_each_call_waits_for_the_other_phases(sandbox: SandboxServer) -> None:
    client = RecordingClient()
    ex = _exchange(client, sandbox)
    got: dict[str, list[BatchKey]] = {}

    async def twice() -> None:
        first = await ex.batch([_item(Step.ASSIGN_LICENSE, 1), _item(Step.ASSIGN_LICENSE, 2)])
        second = await ex.batch([_item(Step.ASSIGN_LICENSE, 1, 1)])
        got["twice"] = [*first, *second]

    async def once() -> None:
        await ex.batch([])  # nothing to send: no wait, no call
        got["once"] = list(await ex.batch([_item(Step.BIND_MEMBERS, None, 0)]))

    await ex.together(twice(), once())

    assert [ids for _, ids in client.calls] == [
        ["lic.1.0", "lic.2.0", "bind..0"],
        ["lic.1.1"],
    ]
    # Each phase gets its own keys' answers, not the other's.
    assert got["once"] == [BatchKey(Step.BIND_MEMBERS, None, 0)]
    assert got["twice"] == [
        BatchKey(Step.ASSIGN_LICENSE, 1),
        BatchKey(Step.ASSIGN_LICENSE, 2),
        BatchKey(Step.ASSIGN_LICENSE, 1, 1),
    ]
    # Afterwards the exchange sends alone again.
    await ex.batch([_item(Step.READ_USER, 3)])
    assert len(client.calls) == 3


async def test_a_replication_pause_holds_no_other_phase(sandbox: SandboxServer) -> None:
    client = RecordingClient()
    ex = _exchange(client, sandbox)
    start = time.monotonic()

    async def pausing() -> None:
        await ex.pause(0)  # 0.25 s
        await ex.batch([_item(Step.ASSIGN_LICENSE, 1)])

    async def eager() -> None:
        await ex.batch([_item(Step.BIND_MEMBERS, None, 0)])

    await ex.together(pausing(), eager())

    (t_eager, eager_ids), (t_late, late_ids) = client.calls
    assert eager_ids == ["bind..0"] and late_ids == ["lic.1.0"]
    assert t_eager - start < 0.2 <= t_late - start


async def test_a_failed_exchange_reaches_every_phase_and_each_runs_to_its_end(
    sandbox: SandboxServer,
) -> None:
    client = RecordingClient(delay_s=0.01)
    client.fail = GraphTransientError(503, "ServiceUnavailable", "down")
    ex = _exchange(client, sandbox)
    seen: dict[str, BaseException] = {}
    finished: list[str] = []

    async def phase(name: str, step: Step) -> None:
        try:
            await ex.batch([_item(step, 1)])
        except GraphError as exc:
            seen[name] = exc
            raise
        finally:
            finished.append(name)

    with pytest.raises(GraphTransientError):
        await ex.together(phase("licenses", Step.ASSIGN_LICENSE), phase("groups", Step.READ_GROUPS))

    assert set(seen) == {"licenses", "groups"} and seen["licenses"] is seen["groups"]
    assert sorted(finished) == ["groups", "licenses"]
    assert len(client.calls) == 1


async def test_a_phase_failing_on_its_own_does_not_strand_the_others(
    sandbox: SandboxServer,
) -> None:
    client = RecordingClient()
    ex = _exchange(client, sandbox)

    async def broken() -> None:
        raise ValueError("a bug in one phase")

    async def sending() -> None:
        await ex.batch([_item(Step.ASSIGN_LICENSE, 1)])

    with pytest.raises(ValueError, match="a bug"):
        await asyncio.wait_for(ex.together(sending(), broken()), timeout=5)
    assert [ids for _, ids in client.calls] == [["lic.1.0"]]


async def test_together_nests_and_the_caller_waits_for_its_phases(
    sandbox: SandboxServer,
) -> None:
    # Two lanes; the first runs two phases of its own together (licenses and groups). The
    # lane's phases and the other lane's second call make one flush, not three.
    client = RecordingClient()
    ex = _exchange(client, sandbox)
    order: list[str] = []

    async def phase(step: Step) -> None:
        await ex.batch([_item(step, 1)])
        order.append(step.value)

    async def nesting() -> None:
        await ex.batch([_item(Step.READ_USER, 1)])
        await ex.together(phase(Step.ASSIGN_LICENSE), phase(Step.READ_GROUPS))
        order.append("nesting resumed")
        await ex.batch([_item(Step.PATCH, 1)])

    async def plain() -> None:
        await ex.batch([_item(Step.READ_USER, 2)])
        await ex.batch([_item(Step.CREATE, 2)])
        await ex.batch([_item(Step.PATCH, 2)])

    await ex.together(nesting(), plain())

    calls = [sorted(ids) for _, ids in client.calls]
    assert calls == [
        ["read.1.0", "read.2.0"],
        ["create.2.0", "lic.1.0", "rgrp.1.0"],
        ["patch.1.0", "patch.2.0"],
    ]
    assert order[-1] == "nesting resumed"
    # An empty `together` inside another neither hangs nor sends.
    nothing: list[Any] = []

    async def empty() -> None:
        await ex.together(*nothing)
        await ex.batch([_item(Step.READ_USER, 3)])

    await asyncio.wait_for(ex.together(empty()), timeout=5)
    assert len(client.calls) == 4


class StagedClient(RecordingClient):
    """Answers the ids in `slow` only after `slow_s` more, the others at once (as the real
    client does with items throttled in their envelope and resent after Retry-After)."""

    def __init__(self, slow: set[str], slow_s: float) -> None:
        super().__init__()
        self.slow = slow
        self.slow_s = slow_s

    async def batch(
        self, items: Sequence[Any], on_final: OnFinal | None = None
    ) -> Mapping[str, BatchResult]:
        self.calls.append((time.monotonic(), [i.id for i in items]))
        results = {i.id: BatchResult(i.id, 200, {}, {"id": i.id}) for i in items}
        if on_final is not None:
            on_final({k: v for k, v in results.items() if k not in self.slow})
        if any(i.id in self.slow for i in items):
            await asyncio.sleep(self.slow_s)
        if on_final is not None:
            on_final({k: v for k, v in results.items() if k in self.slow})
        return results


async def test_a_lane_goes_on_while_another_waits_for_its_resend(sandbox: SandboxServer) -> None:
    # Lanes 0 and 1 send in one envelope; lane 0's item is throttled and answered 0.5 s
    # later. Lane 1 is answered at once and its next call goes meanwhile.
    client = StagedClient({"create.1.0"}, 0.5)
    ex = _exchange(client, sandbox)
    start = time.monotonic()
    done: dict[int, float] = {}

    async def lane(n: int, *steps: Step) -> None:
        view = ex.lane(n)
        for step in steps:
            await view.batch([_item(step, n + 1)])
        done[n] = time.monotonic() - start

    await ex.together(lane(0, Step.CREATE, Step.ASSIGN_LICENSE), lane(1, Step.CREATE, Step.PATCH))

    ids = [ids for _, ids in client.calls]
    assert ids == [["create.1.0", "create.2.0.1"], ["patch.2.0.1"], ["lic.1.0"]]
    assert done[1] < 0.25 <= 0.5 <= done[0]


async def test_lanes_keep_their_shared_keys_apart(sandbox: SandboxServer) -> None:
    # Both lanes build `bind..0` for their first members@odata.bind: on the wire they differ,
    # and each lane gets the answer to its own call.
    client = RecordingClient()
    ex = _exchange(client, sandbox)
    got: dict[int, list[BatchKey]] = {}

    async def lane(n: int) -> None:
        got[n] = list(await ex.lane(n).batch([_item(Step.BIND_MEMBERS, None, 0)]))

    await ex.together(lane(0), lane(1), lane(2))

    assert [sorted(ids) for _, ids in client.calls] == [["bind..0", "bind..0.1", "bind..0.2"]]
    assert got == {n: [BatchKey(Step.BIND_MEMBERS, None, 0)] for n in range(3)}


async def test_a_cancelled_run_sends_nothing_more(sandbox: SandboxServer) -> None:
    # `early`'s call is on the wire when the run is cancelled (a worker shutting down, a job
    # timing out); `late` comes back from a pause afterwards, with a call to make.
    client = RecordingClient(delay_s=0.5)
    ex = _exchange(client, sandbox)

    async def late() -> None:
        await ex.pause(1)  # 0.5 s
        await ex.batch([_item(Step.BIND_MEMBERS, None, 0)])

    async def early() -> None:
        await ex.batch([_item(Step.ASSIGN_LICENSE, 1)])

    run = asyncio.ensure_future(ex.together(late(), early()))
    await asyncio.sleep(0.4)
    run.cancel()
    cancelled_at = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert time.monotonic() - cancelled_at < 0.1
    await asyncio.sleep(0.7)  # a call still queued would have gone by now
    assert [ids for _, ids in client.calls] == [["lic.1.0"]]
    assert client.abandoned == 1  # the call on the wire was given up, not waited for
    # The exchange is usable again, alone.
    client.delay_s = 0
    await ex.batch([_item(Step.READ_USER, 2)])
    assert len(client.calls) == 2


async def test_every_failure_is_reported_not_only_the_first(sandbox: SandboxServer) -> None:
    ex = _exchange(RecordingClient(), sandbox)

    async def fails(message: str) -> None:
        await ex.batch([_item(Step.ASSIGN_LICENSE, len(message))])
        raise ValueError(message)

    with pytest.raises(ValueError, match="licenses broke") as raised:
        await ex.together(fails("licenses broke"), fails("groups broke too"))
    assert any("groups broke too" in note for note in raised.value.__notes__)


async def test_reads_go_in_envelopes_of_their_own(sandbox: SandboxServer) -> None:
    client = RecordingClient()
    ex = _exchange(client, sandbox)
    write = Planned(
        None,
        BatchKey(Step.ASSIGN_LICENSE, 1),
        requests.assign_license("user-1", {seed.SKU_E3: frozenset()}, []),
    )

    async def reading() -> None:
        await ex.batch([_item(Step.READ_GROUPS, 1), _item(Step.READ_GROUPS, 2)])

    async def writing() -> None:
        await ex.batch([write])

    await ex.together(reading(), writing())

    sent = sorted(ids for _, ids in client.calls)
    assert sent == [["lic.1.0"], ["rgrp.1.0", "rgrp.2.0"]]
    (t1, _), (t2, _) = client.calls
    assert abs(t1 - t2) < 0.05  # side by side, not one after the other


async def test_a_lost_answer_costs_a_retried_task_no_wasted_group_writes(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    # An earlier attempt added everyone to both groups (its answer was lost); the license
    # change from E1 to E3 is still to go. This attempt reads the memberships first: were the
    # reads in the envelope of the license writes, a lost answer would lose them too (the
    # client resends only envelopes of reads), and the adds would go again for nothing.
    held = tenant(sandbox)
    works = []
    for n in range(1, 11):
        user = add_user(held, f"again{n}@contoso.com", f"Again {n}", licenses=[seed.SKU_E1])
        for group in GROUPS:
            held.groups[group].members.append(user.id)
        names = {"displayName": f"Again {n}", "mailNickname": user.props["mailNickname"]}
        before = person(user.upn, licenses={seed.SKU_E1: ()}, **names)
        after = person(user.upn, licenses={seed.SKU_E3: ()}, groups=GROUPS, **names)
        retried = work(n, after, action="update", applied=before, tenant_object_id=user.id)
        retried.attempt = 2
        works.append(retried)
    sandbox.state.set_behaviour({"lose_batch_answers": 1, "timeout_hang_s": 0.05})

    outcomes = await run(graph, sandbox, *works)

    assert not [i for i in wire.writes() if "/groups/" in i["url"]]
    assert sandbox.state.counters.writes_unchanged == 0
    for outcome in outcomes:
        for step in outcome.steps:
            if "group" in str(step.kind):
                assert step.answered and step.cause is None, (outcome.task_id, step)


async def test_a_direct_request_in_one_lane_holds_up_no_other(sandbox: SandboxServer) -> None:
    # Restore's read-back is a direct request that may retry a 404 for seconds: meanwhile
    # the other lanes' calls go.
    client = RecordingClient()
    started = time.monotonic()

    async def request(*_: Any, **__: Any) -> GraphResponse:
        await asyncio.sleep(0.5)
        return GraphResponse(200, {}, {"id": "x"}, None)

    client.request = request  # type: ignore[attr-defined]
    ex = _exchange(client, sandbox)
    state = ItemState.start(work(1, person("slow@contoso.com")))

    async def reading_back() -> None:
        await ex.lane(0).send(get_user("x"), Step.READ_USER, state)

    async def other() -> None:
        await ex.lane(1).batch([_item(Step.CREATE, 2)])

    await ex.together(reading_back(), other())
    assert client.calls[0][0] - started < 0.2
    assert len(state.outcome.calls) == 1


async def test_two_items_under_one_key_are_refused(sandbox: SandboxServer) -> None:
    client = RecordingClient()
    ex = _exchange(client, sandbox)
    with pytest.raises(ValueError, match="duplicate"):
        await ex.batch([_item(Step.DELETE, 1), _item(Step.DELETE, 1)])

    async def phase() -> None:
        await ex.batch([_item(Step.BIND_MEMBERS, None, 0)])

    # Two calls sent together under one key: both fail, nothing is sent.
    with pytest.raises(ValueError, match="duplicate"):
        await ex.together(phase(), phase())
    assert client.calls == []
