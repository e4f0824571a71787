"""GraphClient rules that the sandbox cannot provoke on demand, against a scripted Graph.

httpx.MockTransport stands in for Microsoft's side only; everything of ours is real.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from app.graph import (
    BatchRequest,
    BatchResult,
    Budget,
    GraphBadRequestError,
    GraphCallRecord,
    GraphClient,
    GraphNotFoundError,
    GraphOutcomeUnknownError,
    GraphThrottledError,
    GraphTransientError,
    InProcessLimiter,
)
from tests.graph.helpers import StaticTokens, graph_error, ok

pytestmark = pytest.mark.anyio

BASE = "https://graph.example.test"
KEY = "app:tenant"


class ScriptedGraph:
    """Answers each request with the next scripted response and remembers what it saw."""

    def __init__(self, *responses: httpx.Response | Callable[[httpx.Request], httpx.Response]):
        self.script: Iterator[httpx.Response | Callable[[httpx.Request], httpx.Response]] = iter(
            responses
        )
        self.seen: list[httpx.Request] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        self.times.append(time.monotonic())
        step = next(self.script)
        return step(request) if callable(step) else step


def make_client(
    graph: ScriptedGraph,
    *,
    tokens: StaticTokens | None = None,
    limiter: InProcessLimiter | None = None,
    records: list[GraphCallRecord] | None = None,
    **kwargs: object,
) -> GraphClient:
    return GraphClient(
        graph_base=BASE,
        token_provider=tokens or StaticTokens(),
        limiter=limiter or InProcessLimiter(Budget()),
        limiter_key=KEY,
        transport=httpx.MockTransport(graph),
        on_call=records.append if records is not None else None,
        backoff_base=0.01,
        backoff_max=0.05,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_headers_url_and_query_encoding() -> None:
    graph = ScriptedGraph(ok({"value": []}))
    async with make_client(graph) as client:
        response = await client.get(
            "/users",
            params={"$filter": "startsWith(displayName,'O''Brien')", "$select": ["id", "mail"]},
            consistency_eventual=True,
            client_request_id="task-42",
        )
    sent = graph.seen[0]
    assert response.status == 200 and response.request_id == "req-ok"
    assert str(sent.url).startswith(f"{BASE}/v1.0/users?")
    assert "$filter=startsWith(displayName,'O''Brien')" in str(sent.url)
    assert "$select=id,mail" in str(sent.url) and "$count=true" in str(sent.url)
    assert sent.headers["ConsistencyLevel"] == "eventual"
    assert sent.headers["client-request-id"] == "task-42"
    assert sent.headers["Authorization"] == "Bearer tok-1"


async def test_503_then_success_honours_retry_after() -> None:
    graph = ScriptedGraph(
        graph_error(503, "serviceNotAvailable", "later", **{"Retry-After": "0.2"}),
        ok({"id": "1"}),
    )
    records: list[GraphCallRecord] = []
    async with make_client(graph, records=records) as client:
        response = await client.get("/users/1")
    assert response.json == {"id": "1"}
    assert graph.times[1] - graph.times[0] >= 0.2
    assert [(r.status, r.attempt) for r in records] == [(503, 1), (200, 2)]
    assert graph.seen[0].headers["client-request-id"] == graph.seen[1].headers["client-request-id"]


async def test_429_pauses_the_whole_tenant() -> None:
    graph = ScriptedGraph(
        graph_error(429, "TooManyRequests", "Please retry again later.", **{"Retry-After": "0.3"}),
        ok({"id": "other"}),
        ok({"id": "1"}),
    )
    limiter = InProcessLimiter(Budget())
    records: list[GraphCallRecord] = []
    async with make_client(graph, limiter=limiter, records=records) as client:
        first = asyncio.create_task(client.patch("/users/1", json={"accountEnabled": False}))
        while not records:  # wait for the 429 to come back
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.01)
        # A different request for the same tenant, started during the pause, waits it out.
        await client.get("/users/2")
        await first
    assert records[0].throttled and records[0].retry_after == 0.3
    assert len(graph.times) == 3  # the 429, then both requests after the pause
    assert all(t - graph.times[0] >= 0.3 for t in graph.times[1:])


async def test_exhausted_retries_raise_the_last_throttled_error() -> None:
    graph = ScriptedGraph(
        *[graph_error(429, "TooManyRequests", "x", **{"Retry-After": "0.01"}) for _ in range(3)]
    )
    async with make_client(graph, max_attempts=3) as client:
        with pytest.raises(GraphThrottledError) as caught:
            await client.get("/users")
    assert caught.value.retry_after == 0.01 and len(graph.seen) == 3


async def test_timeouts_are_retried_then_reported_as_transient() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    graph = ScriptedGraph(hang, hang)
    async with make_client(graph, max_attempts=2) as client:
        with pytest.raises(GraphTransientError) as caught:
            await client.get("/users")
    assert caught.value.code == "timeout" and len(graph.seen) == 2


async def test_401_refreshes_the_token_once() -> None:
    tokens = StaticTokens()
    graph = ScriptedGraph(
        graph_error(401, "InvalidAuthenticationToken", "expired"), ok({"id": "1"})
    )
    async with make_client(graph, tokens=tokens) as client:
        await client.get("/users/1")
    assert [r.headers["Authorization"] for r in graph.seen] == ["Bearer tok-1", "Bearer tok-2"]
    assert tokens.cleared == 1


async def test_client_errors_are_not_retried() -> None:
    graph = ScriptedGraph(graph_error(400, "Request_UnsupportedQuery", "Operator 'endsWith'"))
    async with make_client(graph) as client:
        with pytest.raises(GraphBadRequestError) as caught:
            await client.get("/users", params={"$filter": "endsWith(mail,'x')"})
    assert caught.value.code == "Request_UnsupportedQuery" and len(graph.seen) == 1


async def test_404_retried_only_when_asked() -> None:
    graph = ScriptedGraph(
        graph_error(404, "Request_ResourceNotFound", "Resource 'u1' does not exist"),
        graph_error(404, "Request_ResourceNotFound", "Resource 'u1' does not exist"),
        ok({"id": "u1"}),
    )
    async with make_client(graph) as client:
        with pytest.raises(GraphNotFoundError):
            await client.get("/users/u1")
        assert (await client.get("/users/u1", retry_not_found=True)).json == {"id": "u1"}


async def test_paging_follows_next_links_through_empty_pages() -> None:
    next1 = f"{BASE}/v1.0/users?$skiptoken=A"
    next2 = f"{BASE}/v1.0/users?$skiptoken=B"
    graph = ScriptedGraph(
        ok({"value": [{"id": "1"}], "@odata.nextLink": next1}),
        ok({"value": [], "@odata.nextLink": next2}),
        ok({"value": [{"id": "2"}]}),
    )
    async with make_client(graph) as client:
        ids = [u["id"] async for u in client.paged("/users", params={"$top": 1})]
    assert ids == ["1", "2"]
    assert [str(r.url) for r in graph.seen[1:]] == [next1, next2]


async def test_tokens_are_never_sent_to_a_foreign_next_link() -> None:
    graph = ScriptedGraph(ok({"value": [], "@odata.nextLink": "https://evil.test/v1.0/users"}))
    async with make_client(graph) as client:
        with pytest.raises(ValueError, match="configured Graph"):
            _ = [u async for u in client.paged("/users")]
    assert len(graph.seen) == 1


async def test_batch_tolerates_an_outer_424_and_resends_only_throttled_items() -> None:
    def first_round(request: httpx.Request) -> httpx.Response:
        ids = [r["id"] for r in json.loads(request.content)["requests"]]
        assert ids == ["1", "2", "3"]
        return ok(
            {
                "responses": [
                    {"id": "3", "status": 400, "body": {"error": {"code": "Request_BadRequest",
                                                                   "message": "bad"}}},
                    {"id": "1", "status": 204},
                    {"id": "2", "status": 429, "headers": {"Retry-After": "0.2"}},
                ]
            },
            status=424,
        )  # fmt: skip

    def second_round(request: httpx.Request) -> httpx.Response:
        ids = [r["id"] for r in json.loads(request.content)["requests"]]
        assert ids == ["2"]
        return ok({"responses": [{"id": "2", "status": 204}]})

    graph = ScriptedGraph(first_round, second_round)
    limiter = InProcessLimiter(Budget())
    async with make_client(graph, limiter=limiter) as client:
        results = await client.batch(
            [BatchRequest(str(i), "PATCH", f"/users/u{i}", body={"x": i}) for i in (1, 2, 3)]
        )
    assert {k: v.status for k, v in results.items()} == {"1": 204, "2": 204, "3": 400}
    assert isinstance(results["3"].error, GraphBadRequestError)
    assert graph.times[1] - graph.times[0] >= 0.2


async def test_batch_hands_over_each_answer_once_and_the_first_round_together() -> None:
    """25 items, two envelopes; item 3 is throttled. The 24 answered in the first round reach
    `on_final` in one call, once both envelopes have answered, and before item 3's resend;
    item 3 reaches it after its Retry-After. `batch` still returns all 25."""

    def answer(request: httpx.Request) -> httpx.Response:
        ids = [r["id"] for r in json.loads(request.content)["requests"]]
        throttled = {"3"} if ids != ["3"] else set()
        return ok(
            {
                "responses": [
                    {"id": i, "status": 429, "headers": {"Retry-After": "0.2"}}
                    if i in throttled
                    else {"id": i, "status": 204}
                    for i in ids
                ]
            }
        )

    graph = ScriptedGraph(*[answer] * 3)
    handed: list[tuple[float, set[str]]] = []
    requests = [BatchRequest(str(i), "PATCH", f"/users/u{i}", body={"x": i}) for i in range(25)]
    async with make_client(graph) as client:
        results = await client.batch(
            requests, on_final=lambda got: handed.append((time.monotonic(), set(got)))
        )
    assert {k: v.status for k, v in results.items()} == {str(i): 204 for i in range(25)}
    assert [ids for _, ids in handed] == [{str(i) for i in range(25)} - {"3"}, {"3"}]
    # The throttled envelope went first (the other waited out the pause it announced).
    assert [len(json.loads(r.content)["requests"]) for r in graph.seen] == [20, 5, 1]
    throttled_at, other_at, resent_at = graph.times
    assert other_at <= handed[0][0] < resent_at  # both answered, before the resend
    assert handed[1][0] >= resent_at >= throttled_at + 0.2


async def test_batch_hands_over_a_failed_envelope_once() -> None:
    graph = ScriptedGraph(graph_error(400, "BadRequest", "no"))
    handed: list[dict[str, BatchResult]] = []
    async with make_client(graph) as client:
        results = await client.batch(
            [BatchRequest("1", "PATCH", "/users/u1", body={})], on_final=handed.append
        )
    assert handed == [results] and results["1"].status == 400


async def test_an_envelope_waiting_out_a_retry_after_leaves_its_slot_to_others() -> None:
    """With one slot, the second envelope must not queue behind the first one's resend: it
    waits at the tenant's pause and goes the moment the pause ends (before the resend, which
    now waits for the slot), so a pause is not followed by a trickle of one-item resends."""
    sizes: list[int] = []
    times: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["requests"]
        sizes.append(len(items))
        times.append(time.monotonic())
        first = len(sizes) == 1
        return ok(
            {
                "responses": [
                    {"id": r["id"], "status": 429, "headers": {"Retry-After": "0.3"}}
                    if first and r["id"] == "0"
                    else {"id": r["id"], "status": 204}
                    for r in items
                ]
            }
        )

    graph = ScriptedGraph(*([answer] * 3))
    async with make_client(graph, batch_concurrency=1) as client:
        started = time.monotonic()
        results = await client.batch(
            [BatchRequest(str(i), "PATCH", f"/users/u{i}", body={"x": i}) for i in range(40)]
        )
    assert all(r.status == 204 for r in results.values())
    assert sizes == [20, 20, 1]
    # The second envelope honoured the pause, then went before the resend.
    assert times[1] - started >= 0.3


async def test_debug_logs_and_records_never_hold_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tokens = StaticTokens(prefix="eyJ-secret-token")
    graph = ScriptedGraph(
        graph_error(401, "InvalidAuthenticationToken", "expired"),
        graph_error(503, "serviceNotAvailable", "later", **{"Retry-After": "0"}),
        ok({"id": "1"}),
    )
    records: list[GraphCallRecord] = []
    with caplog.at_level(logging.DEBUG):
        async with make_client(graph, tokens=tokens, records=records) as client:
            await client.get("/users/1")
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "graph.call" in logged  # the debug records are there to be checked
    assert "eyJ-secret-token" not in logged and "Bearer" not in logged
    assert len(records) == 3  # 401, 503, 200: one record per attempt, none with the token
    assert all("eyJ-secret-token" not in repr(r) for r in records)


# --- Retry-After binds the tenant; a lost answer is not resent blindly ------------------------


class GatedTokens(StaticTokens):
    """The first `token()` call waits for `gate`: a request admitted by the limiter that has
    not left yet."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.calls = 0

    async def token(self) -> str:
        self.calls += 1
        if self.calls == 1:
            await self.gate.wait()
        return await super().token()


class PauseLog(InProcessLimiter):
    """Notes every pause it is asked for: (seconds, requests throttled, in flight, spread)."""

    def __init__(self) -> None:
        super().__init__(Budget())
        self.pauses: list[tuple[float, int, float, float]] = []

    async def pause(
        self,
        key: str,
        seconds: float,
        *,
        throttled: int = 1,
        in_flight_s: float = 0.0,
        spread_s: float = 0.0,
    ) -> None:
        self.pauses.append((seconds, throttled, in_flight_s, spread_s))
        await super().pause(
            key, seconds, throttled=throttled, in_flight_s=in_flight_s, spread_s=spread_s
        )


async def test_a_pause_says_how_long_requests_take_to_reach_graph() -> None:
    """The limiter banks no refill of the time requests already sent may still arrive in,
    and leaves Graph the refill of how much that time varies: the client tells it the round
    trip of the answer that announced the pause and how much slower than the fastest answer
    it was, for a request and for a `$batch` item alike."""

    def slow(response: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
        def answer(request: httpx.Request) -> httpx.Response:
            time.sleep(0.15)
            return response

        return answer

    throttled_item = ok(
        {"responses": [{"id": "1", "status": 429, "headers": {"Retry-After": "0.1"}}]}
    )
    graph = ScriptedGraph(
        slow(graph_error(503, "serviceNotAvailable", "later", **{"Retry-After": "0.1"})),
        ok({"id": "1"}),
        slow(throttled_item),
        ok({"responses": [{"id": "1", "status": 204}]}),
    )
    limiter = PauseLog()
    async with make_client(graph, limiter=limiter) as client:
        await client.get("/users/1")
        await client.batch([BatchRequest("1", "PATCH", "/users/u1", body={"x": 1})])
    assert [(seconds, throttled) for seconds, throttled, _, _ in limiter.pauses] == [
        (0.1, 0),
        (0.1, 1),
    ]
    assert all(0.15 <= in_flight < 2.0 for _, _, in_flight, _ in limiter.pauses)
    # The spread: each slow answer less the fastest earlier one. The first pause had no
    # earlier answer (all of its round trip counts); the second had the quick 200.
    (_, _, first_trip, first), (_, _, in_flight, second) = limiter.pauses
    assert first == first_trip and 0.1 < second < in_flight


async def test_503_with_retry_after_pauses_the_whole_tenant_like_a_429_without_slowing_it() -> None:
    graph = ScriptedGraph(
        graph_error(503, "serviceNotAvailable", "later", **{"Retry-After": "0.3"}),
        ok({"id": "2"}),
        ok({"id": "1"}),
    )
    limiter = InProcessLimiter(Budget())
    records: list[GraphCallRecord] = []
    async with make_client(graph, limiter=limiter, records=records) as client:
        first = asyncio.create_task(client.get("/users/1"))
        while not records:
            await asyncio.sleep(0.005)
        await client.get("/users/2")  # another request of the tenant, during the pause
        await first
    assert records[0].status == 503 and records[0].retry_after == 0.3
    assert all(t - graph.times[0] >= 0.3 for t in graph.times[1:])
    # The service was unavailable; the budget was not overrun: the pace stays where it was.
    assert (await limiter.usage(KEY))["pace"] == 1


async def test_a_request_admitted_before_the_pause_waits_before_it_leaves() -> None:
    tokens = GatedTokens()
    graph = ScriptedGraph(
        graph_error(429, "TooManyRequests", "Please retry again later.", **{"Retry-After": "0.3"}),
        ok({"id": "early"}),
        ok({"id": "throttled"}),
    )
    records: list[GraphCallRecord] = []
    async with make_client(graph, tokens=tokens, records=records) as client:
        # Admitted by the limiter, then held up fetching its token.
        early = asyncio.create_task(client.get("/users/early"))
        while tokens.calls < 1:
            await asyncio.sleep(0.005)
        throttled = asyncio.create_task(client.get("/users/throttled"))
        while not records:  # the 429 came back and paused the tenant
            await asyncio.sleep(0.005)
        tokens.gate.set()
        await asyncio.gather(early, throttled)
    assert [str(r.url).rsplit("/", 1)[-1] for r in graph.seen[:1]] == ["throttled"]
    # Nothing left inside the Retry-After window, the early request included.
    assert all(t - graph.times[0] >= 0.3 for t in graph.times[1:])
    assert len(graph.seen) == 3


@pytest.mark.parametrize("lost", ["timeout", "dropped", "504"])
async def test_a_write_whose_answer_is_lost_is_not_sent_again(lost: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if lost == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        if lost == "dropped":
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return graph_error(504, "UnknownError", "")

    graph = ScriptedGraph(answer, ok(status=204))
    async with make_client(graph) as client:
        with pytest.raises(GraphOutcomeUnknownError) as caught:
            await client.patch("/users/1", json={"department": "Sales"})
    assert len(graph.seen) == 1
    assert "not sent again" in caught.value.message
    assert caught.value.status == (504 if lost == "504" else 0)


async def test_a_write_that_never_left_is_sent_again() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    graph = ScriptedGraph(refused, ok({"id": "1"}, status=201))
    async with make_client(graph) as client:
        created = await client.post("/users", json={"displayName": "x"})
    assert created.status == 201 and len(graph.seen) == 2


async def test_a_batch_of_writes_whose_answer_is_lost_is_not_resent() -> None:
    def lost(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    graph = ScriptedGraph(lost, ok({"responses": []}))
    async with make_client(graph) as client:
        results = await client.batch(
            [BatchRequest(str(i), "POST", f"/users/u{i}/assignLicense", body={}) for i in (1, 2)]
        )
    assert len(graph.seen) == 1
    assert all(isinstance(r.error, GraphOutcomeUnknownError) for r in results.values())


async def test_a_batch_of_reads_whose_answer_is_lost_is_resent() -> None:
    def lost(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    graph = ScriptedGraph(lost, ok({"responses": [{"id": "1", "status": 200, "body": {}}]}))
    async with make_client(graph) as client:
        results = await client.batch([BatchRequest("1", "GET", "/users/u1")])
    assert results["1"].status == 200 and len(graph.seen) == 2


async def test_batch_items_answered_504_are_resent_only_when_they_are_reads() -> None:
    def first_round(request: httpx.Request) -> httpx.Response:
        return ok(
            {
                "responses": [
                    {"id": "w", "status": 504},
                    {"id": "r", "status": 504},
                    {"id": "t", "status": 503, "headers": {"Retry-After": "0.2"}},
                ]
            }
        )

    def second_round(request: httpx.Request) -> httpx.Response:
        ids = sorted(r["id"] for r in json.loads(request.content)["requests"])
        assert ids == ["r", "t"]
        return ok(
            {"responses": [{"id": "r", "status": 200, "body": {}}, {"id": "t", "status": 204}]}
        )

    graph = ScriptedGraph(first_round, second_round)
    limiter = InProcessLimiter(Budget())
    async with make_client(graph, limiter=limiter) as client:
        results = await client.batch(
            [
                BatchRequest("w", "PATCH", "/users/u1", body={"department": "Sales"}),
                BatchRequest("r", "GET", "/users/u2"),
                BatchRequest("t", "PATCH", "/users/u3", body={"department": "Sales"}),
            ]
        )
    assert {k: v.status for k, v in results.items()} == {"w": 504, "r": 200, "t": 204}
    assert isinstance(results["w"].error, GraphTransientError)
    # The 503's Retry-After paused the tenant, not only this batch's resend.
    assert graph.times[1] - graph.times[0] >= 0.2
    # ... without slowing it: a 503 says the service was unavailable, not that we overran.
    assert (await limiter.usage(KEY))["pace"] == 1


class PausedAfterAdmission(InProcessLimiter):
    """Admits every request at once; the first admission is followed by a pause another
    request's 429 set while this one was still on its way out (getting its token)."""

    def __init__(self) -> None:
        super().__init__(Budget())
        self.admitted = 0

    async def acquire(
        self, key: str, *, writes: int, units: int, requests: int = 1, urgent: bool = False
    ) -> None:
        await super().acquire(key, writes=writes, units=units, requests=requests, urgent=urgent)
        self.admitted += 1
        if self.admitted == 1:
            await self.pause(key, 0.2, throttled=1)


async def test_a_request_paused_after_its_admission_takes_a_new_slot() -> None:
    """A pause found between admission and sending began after the request's slot: the
    pause's bank counted that slot as spent before it, so the request waits the pause out
    and is admitted again, rather than going on top of the bank when the pause ends."""
    graph = ScriptedGraph(ok({"id": "1"}))
    limiter = PausedAfterAdmission()
    async with make_client(graph, limiter=limiter) as client:
        started = time.monotonic()
        await client.get("/users/1")
    assert limiter.admitted == 2
    assert len(graph.seen) == 1 and graph.times[0] - started >= 0.2
