"""A request made once for several tasks (a look-up of several people, a group add of several
members) is on each of those tasks' records, marked with the other tasks it served."""

from __future__ import annotations

from typing import Any

import pytest

from app.graph import GraphClient
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.executor.conftest import Wire, person, run, work

pytestmark = pytest.mark.anyio


def _calls(outcome: Any, request: str) -> list[dict[str, Any]]:
    return [c for c in outcome.calls if c["request"] == request]


async def test_a_shared_look_up_and_group_add_are_on_every_task_they_served(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    works = [
        work(
            n, person(f"shared{n}@contoso.com", groups={seed.GROUP_SALES}), immutable_id=f"aW1t{n}"
        )
        for n in (1, 2, 3)
    ]

    outcomes = await run(graph, sandbox, *works)

    assert [o.status for o in outcomes] == ["succeeded"] * 3
    # One request each on the wire...
    assert len(wire.items("PATCH", f"/groups/{seed.GROUP_SALES}")) == 1
    for outcome in outcomes:
        others = sorted({1, 2, 3} - {outcome.task_id})
        # ...listed on every task, each naming the two other tasks it also served.
        for request in ("find_by_immutable_id", "find_by_upn", "bind_members"):
            [call] = _calls(outcome, request)
            assert call["shared_with"] == others, (request, call)
            assert call["status"] in (200, 204) and call["request_id"]
        # A call made for this task alone names no other task.
        [create] = _calls(outcome, "create")
        assert "shared_with" not in create
        bind_rid = _calls(outcome, "bind_members")[0]["request_id"]
        assert bind_rid in outcome.request_ids
