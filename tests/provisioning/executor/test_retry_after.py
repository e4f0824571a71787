"""Retry-After binds the whole tenant (issue 10 §5 a): with 2% of calls answered 429 and 2%
answered 503, each with a Retry-After, no request leaves while a window Graph announced is
running, whichever request or batch item the announcement came on.

The sandbox records when each request arrived and the window each answer announced; the
client's transport records when each request left and when its answer was fully read. A
request that arrives inside a window only counts against the client if it left after the
client had read the answer announcing that window: one already on its way cannot be helped.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from app.graph import GraphClient
from app.graph.errors import error_from_response
from app.provisioning.executor import Executor
from app.provisioning.outcome import Retry, decide
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.executor.conftest import app_info, person, sandbox_graph, tenant, work

pytestmark = pytest.mark.anyio

USERS = 120
RUNS = 4  # task batches of the same tenant running at once, sharing its client and limiter


@dataclass(frozen=True)
class Call:
    sent: float  # time.monotonic(), the clock the sandbox (same process) uses too
    heard: float  # the answer read to the end
    request_id: str
    status: int


class TimedTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls: list[Call] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sent = time.monotonic()
        response = await self.inner.handle_async_request(request)
        await response.aread()
        rid = response.headers.get("request-id", "")
        self.calls.append(Call(sent, time.monotonic(), rid, response.status_code))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def timed(sandbox: SandboxServer) -> TimedTransport:
    tls = ssl.create_default_context(cafile=str(sandbox.ca_file))
    return TimedTransport(httpx.AsyncHTTPTransport(verify=tls))


@pytest.fixture
async def concurrent_graph(
    sandbox: SandboxServer, timed: TimedTransport
) -> AsyncIterator[GraphClient]:
    # Several envelopes in flight at once.
    async with sandbox_graph(sandbox, timed, max_attempts=10, batch_concurrency=4) as client:
        yield client


async def test_no_request_leaves_inside_a_retry_after_window_429_or_503(
    concurrent_graph: GraphClient, sandbox: SandboxServer, timed: TimedTransport
) -> None:
    sandbox.state.set_behaviour(
        {
            "fault_rate_429": 0.02,
            "fault_rate_503": 0.02,
            "fault_retry_after_s": 0.25,
            "fractional_retry_after": True,
            "fault_seed": 11,
        }
    )
    tenant(sandbox).skus[seed.SKU_E3].enabled = 500  # seats for everyone
    works = [
        work(
            n,
            person(f"storm{n}@contoso.com", licenses={seed.SKU_E3: []}, groups=[seed.GROUP_SALES]),
        )
        for n in range(1, USERS + 1)
    ]

    executor = Executor(concurrent_graph, app_info(sandbox))
    share = USERS // RUNS
    runs = await asyncio.gather(
        *(executor.run(works[i * share : (i + 1) * share]) for i in range(RUNS))
    )
    outcomes = [o for run in runs for o in run]

    assert [o.status for o in outcomes] == ["succeeded"] * USERS, [
        (o.task_id, o.status, o.error) for o in outcomes if o.status != "succeeded"
    ]
    created = [u for u in tenant(sandbox).live_users() if u.upn.startswith("storm")]
    assert len(created) == USERS
    assert all([lic.sku_id for lic in u.licenses] == [seed.SKU_E3] for u in created)

    log = list(sandbox.state.request_log)
    heard = {c.request_id: c.heard for c in timed.calls}
    sent = {c.request_id: c.sent for c in timed.calls}
    assert len(log) == len(timed.calls)
    # Windows the sandbox announced: from its answer, for its Retry-After; and when we knew.
    windows = [
        (heard[e.request_id], e.answered_at + e.retry_after_s)
        for e in log
        if e.retry_after_s is not None
    ]
    statuses = [s for e in log for s in (e.status, *(e.item_statuses or []))]
    assert statuses.count(429) >= 2 and statuses.count(503) >= 2, statuses  # both kinds met
    # No request left once we had read an answer announcing a window that was still running.
    late = [
        (c.request_id, round(c.sent - known, 3))
        for c in timed.calls
        for known, until in windows
        if known <= c.sent < until
    ]
    assert late == []
    # What the sandbox itself counts inside its windows were requests already on their way.
    for entry in sandbox.state.inside_retry_windows():
        containing = [
            heard[e.request_id]
            for e in log
            if e.retry_after_s is not None
            and e.answered_at <= entry.received_at < e.answered_at + e.retry_after_s
        ]
        assert all(sent[entry.request_id] < known for known in containing)


def test_a_task_stopped_by_a_503_retries_after_its_retry_after() -> None:
    """What the task does with it: the same instruction as a 429's (contract §11)."""
    error = error_from_response(503, {"Retry-After": "7"}, {"error": {"code": "x"}})
    decision = decide(error, attempts=1, max_attempts=5)
    assert isinstance(decision, Retry) and decision.when == 7.0
