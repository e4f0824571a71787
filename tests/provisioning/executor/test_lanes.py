"""A run goes through its phases in lanes of 20 (`executor.LANE`): an item throttled in one
lane holds up the next phase of its own lane only (issue 15 §3). Against the sandbox tenant:
what went on the wire, in what order, and what the tenant holds."""

from __future__ import annotations

from typing import Any

import pytest

from app.graph import GraphClient
from app.provisioning.executor import licenses
from app.provisioning.executor.exchange import Exchange
from app.provisioning.executor.executor import LANE
from app.provisioning.executor.types import ItemState
from app.sandbox import seed
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from tests.provisioning.executor.conftest import Wire, person, run, tenant, work

pytestmark = pytest.mark.anyio

GROUPS = (seed.GROUP_SALES, seed.GROUP_ENGINEERING)
OLD = "0b7c1f4e-5a1d-4c6e-9a51-3f1f1a2b3c4d"


def _envelope_index(wire: Wire, method: str, path_end: str) -> list[int]:
    """Indexes of the envelopes holding an item `method ...path_end`."""
    return [
        n
        for n, batch in enumerate(wire.batches)
        if any(i["method"] == method and i["url"].endswith(path_end) for i in batch)
    ]


async def test_a_throttled_item_holds_up_its_own_lane_only(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    held = tenant(sandbox)
    held.skus[seed.SKU_E3].enabled = 500
    before = person("old.timer@contoso.com", licenses={seed.SKU_E3: ()}, groups=GROUPS)
    add_user(held, "old.timer@contoso.com", "Old Timer", user_id=OLD, licenses=[seed.SKU_E3])
    for g in GROUPS:
        held.groups[g].members.append(OLD)
    changed = person(
        "old.timer@contoso.com", licenses={seed.SKU_E3: ()}, groups=GROUPS, jobTitle="Boss"
    )
    works = [work(1, changed, action="update", applied=before, tenant_object_id=OLD)] + [
        work(n, person(f"joiner{n}@contoso.com", licenses={seed.SKU_E3: ()}, groups=GROUPS))
        for n in range(2, 2 * LANE + 1)
    ]
    # The old timer's PATCH is answered 429 (Retry-After 0.5 s) once; its resend goes through.
    sandbox.state.set_behaviour(
        {
            "fault_rate_429": 1.0,
            "fault_methods": ["PATCH"],
            "fault_path_prefix": f"/users/{OLD}",
            "fault_retry_after_s": 0.5,
            "fractional_retry_after": True,
        }
    )
    patches = 0

    def once(relative: str, body: Any) -> None:
        nonlocal patches
        if relative == "/$batch" and any(
            i["method"] == "PATCH" and i["url"] == f"/users/{OLD}" for i in body["requests"]
        ):
            patches += 1
            if patches == 2:
                sandbox.state.set_behaviour({"fault_rate_429": 0.0})

    wire.before_send.append(once)

    outcomes = await run(graph, sandbox, *works)

    assert [o.status for o in outcomes] == ["succeeded"] * len(works)
    assert held.users[OLD].props["jobTitle"] == "Boss"
    ids = {o.task_id: o.tenant_object_id for o in outcomes}
    for uid in ids.values():
        assert uid is not None
        assert [lic.sku_id for lic in held.users[uid].licenses] == [seed.SKU_E3]
        assert all(uid in held.groups[g].members for g in GROUPS)
    # Sent once each, but for the PATCH: 39 creates and 39 assignLicense; one bind per group
    # and lane.
    assert len(wire.items("POST", "/users")) == len(works) - 1
    assert len(wire.items("POST")) == 2 * (len(works) - 1)
    assert [len(_envelope_index(wire, "PATCH", f"/users/{OLD}"))] == [2]
    assert sum(i["url"].startswith("/groups/") for i in wire.items("PATCH")) == 2 * 2
    # The second lane's licenses went while the first lane waited for the PATCH's resend;
    # the first lane's went after it.
    resent = _envelope_index(wire, "PATCH", f"/users/{OLD}")[1]
    lane_of = {uid: (task - 1) // LANE for task, uid in ids.items()}
    for uid, lane in lane_of.items():
        if uid == OLD:
            continue
        (sent,) = _envelope_index(wire, "POST", f"/users/{uid}/assignLicense")
        assert (sent < resent) == (lane == 1), (uid, lane, sent, resent)


async def test_a_fault_of_ours_in_one_lane_keeps_the_other_lanes_outcomes(
    graph: GraphClient, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant(sandbox).skus[seed.SKU_E3].enabled = 500
    works = [
        work(n, person(f"joiner{n}@contoso.com", licenses={seed.SKU_E3: ()}, groups=GROUPS))
        for n in range(1, 2 * LANE + 1)
    ]
    real = licenses.apply

    async def broken_in_lane_0(ex: Exchange, states: list[ItemState]) -> None:
        if any(s.work.task_id <= LANE for s in states):
            raise RuntimeError("a bug in one lane")
        await real(ex, states)

    monkeypatch.setattr(licenses, "apply", broken_in_lane_0)

    outcomes = await run(graph, sandbox, *works)

    by_task = {o.task_id: o for o in outcomes}
    held = tenant(sandbox)
    # Lane 1 went through to the end, and what Graph accepted is in its outcomes.
    for n in range(LANE + 1, 2 * LANE + 1):
        uid = by_task[n].tenant_object_id
        assert by_task[n].status == "succeeded" and uid is not None
        assert [lic.sku_id for lic in held.users[uid].licenses] == [seed.SKU_E3]
    # Lane 0 stopped on the error, each of its items carrying it.
    for n in range(1, LANE + 1):
        assert isinstance(by_task[n].cause, RuntimeError)
