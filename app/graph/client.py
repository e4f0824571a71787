"""The one async Microsoft Graph client: every Graph request in the product goes through it.

It owns the cross-cutting rules of the Graph contract so no caller re-implements them: bearer
tokens, the per-tenant budget, retries (timeouts, connection errors, 5xx, 429 with Retry-After),
error classes, paging, and `$batch`. Callers decide what to do by exception class.

Two rules about retries:
- A Retry-After (on a 429, or on a 503, contract §11) is an instruction for the whole tenant:
  the limiter's pause is set, and every request checks it again right before it leaves, so a
  request admitted before the answer came back waits too.
- A write whose answer was lost (timeout, dropped connection, 500/502/504) may have taken
  effect. It is never resent blindly: the caller gets a `GraphOutcomeUnknownError` (or, inside
  a `$batch`, the item's own 5xx) and re-reads the tenant before sending what is still needed.
  Reads, and answers that say the request was refused before it ran (429, 503), are resent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import logging
import math
import random
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.graph import batching, trail
from app.graph.auth import TokenProvider, token_claims
from app.graph.costs import RequestCost, path_template, request_cost
from app.graph.errors import (
    GraphAuthError,
    GraphError,
    GraphOutcomeUnknownError,
    GraphTransientError,
    error_from_response,
    parse_retry_after,
)
from app.graph.limiter import RateLimiter
from app.graph.models import BatchRequest, BatchResult, GraphCallRecord, GraphResponse
from app.graph.requests import encode_query
from app.graph.slots import Slots
from app.graph.urgency import is_urgent

OnFinal = Callable[[dict[str, BatchResult]], None]
"""Called with batch results as they become final (`GraphClient.batch`)."""


class _FirstRound:
    """Hands a `batch` call's final results to its `OnFinal`, holding the first round's until
    every envelope of the call has answered once, and then giving them in one call."""

    def __init__(self, on_final: OnFinal, envelopes: int) -> None:
        self._on_final = on_final
        self._left = envelopes
        self._held: dict[str, BatchResult] = {}

    def report(self, results: dict[str, BatchResult]) -> None:
        if self._left:
            self._held.update(results)
        elif results:
            self._on_final(results)

    def answered_once(self) -> None:
        self._left -= 1
        if not self._left and self._held:
            held, self._held = self._held, {}
            self._on_final(held)


log = logging.getLogger("app.graph.client")

API_VERSION = "v1.0"
BATCH_CONCURRENCY = 16
"""`$batch` envelopes one client has on their way at once. A burst after a pause carries the
limiter's bank, up to Graph's whole write bucket (200 writes in bench/provision.py: ten full
envelopes), and one worker may be the only one left with work: with half-full envelopes among
them (a lane's 2 group binds beside its 20 license assignments, one-item resends) 8 slots
carried 60-100 writes a burst at the end of a run with faults (issue 15 §3)."""
# Methods whose lost answer may be followed by the same request again: nothing changes twice.
_SAFE_METHODS = frozenset({"GET", "HEAD"})
# Answers after which a write may or may not have happened (the gateway gave up waiting).
_OUTCOME_UNKNOWN_STATUSES = frozenset({500, 502, 504})
# Transport failures that prove the request never left (nothing to be unsure about).
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class _Reply:
    """A response read to the end: status, headers and parsed JSON (if any)."""

    def __init__(self, status: int, headers: httpx.Headers, body: Any) -> None:
        self.status = status
        self.headers = headers
        self.json = body
        # Set by `GraphClient._send` once the answer is read: from sending to then (how long
        # a request may take to reach Graph), and how much slower than the fastest earlier
        # answer that was (see `GraphClient._spread`).
        self.round_trip_s = 0.0
        self.spread_s = 0.0

    @property
    def request_id(self) -> str | None:
        request_id: str | None = self.headers.get("request-id")
        return request_id


class GraphClient:
    def __init__(
        self,
        *,
        graph_base: str,
        token_provider: TokenProvider,
        limiter: RateLimiter,
        limiter_key: str,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_max: float = 30,
        transport: httpx.AsyncBaseTransport | None = None,
        on_call: Callable[[GraphCallRecord], None] | None = None,
        batch_concurrency: int = BATCH_CONCURRENCY,
        request_id_provider: Callable[[], str | None] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._root = graph_base.rstrip("/")
        self._base = f"{self._root}/{API_VERSION}"
        origin = urlsplit(self._root)
        self._origin = (origin.scheme, origin.netloc.lower())
        self._tokens = token_provider
        self._limiter = limiter
        self._key = limiter_key
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        # The fastest answer seen (seconds): the floor of the time to reach Graph and back.
        self._fastest_s = math.inf
        self._on_call = on_call
        # The caller's request id (API call or task) becomes Graph's client-request-id, so one
        # id follows a change from the API through the worker into Microsoft's logs.
        self._request_id = request_id_provider or (lambda: None)
        self._batch_slots = Slots(max(1, batch_concurrency))
        self._random = random.Random()
        # trust_env=False: proxy and CA variables of the host must not silently redirect or
        # re-trust Graph traffic; TLS trust comes only from `ssl_context` (or certifi).
        self._http = httpx.AsyncClient(
            verify=ssl_context if ssl_context is not None else True,
            timeout=timeout,
            transport=transport,
            trust_env=False,
            headers={"Accept": "application/json", "User-Agent": "m365-provisioner"},
        )

    @property
    def graph_base(self) -> str:
        """The Graph origin this client talks to, without the version segment."""
        return self._root

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    @property
    def limiter_key(self) -> str:
        return self._key

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- single requests ---------------------------------------------------------------------

    async def application_permissions(self) -> frozenset[str]:
        """The application permissions the app's current token carries (its `roles` claim):
        what Graph will let it do, read without sending anything to the tenant. Empty when
        the token is not a JWT or names none."""
        roles = token_claims(await self._tokens.token()).get("roles")
        return frozenset(str(r) for r in roles) if isinstance(roles, list) else frozenset()

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        consistency_eventual: bool = False,
        client_request_id: str | None = None,
        retry_not_found: bool = False,
        idempotent: bool | None = None,
    ) -> GraphResponse:
        """Send one request, retrying what the contract says is retryable.

        `retry_not_found=True` also retries 404 with backoff, for objects this worker has just
        created that may not have replicated yet (contract §0).
        A write whose answer is lost raises `GraphOutcomeUnknownError` instead of going out
        again; `idempotent=True` allows the resend (a probe aimed at an object that does not
        exist changes nothing however often it is sent).
        Raises a `GraphError` subclass for any final status >= 400.
        """
        method = method.upper()
        params = dict(params or {})
        is_absolute = "://" in path_or_url
        # Advanced queries need both the header and $count=true (contract §2); a nextLink
        # already carries its query and is sent unchanged.
        path, _, query = path_or_url.partition("?")
        wants_count = (
            "$count" not in params and "$count=" not in query and not path.endswith("/$count")
        )
        if consistency_eventual and not is_absolute and wants_count:
            params["$count"] = "true"
        extra = dict(headers or {})
        if consistency_eventual:
            extra["ConsistencyLevel"] = "eventual"
        url = self._url(path_or_url, params)
        resend = method in _SAFE_METHODS if idempotent is None else idempotent
        reply = await self._send(
            method,
            url,
            body=json,
            headers=extra,
            cost=request_cost(method, path_or_url, params),
            client_request_id=client_request_id or self._request_id() or str(uuid.uuid4()),
            retry_not_found=retry_not_found,
            resend_unanswered=resend,
        )
        if reply.status >= 400:
            error = error_from_response(reply.status, reply.headers, reply.json)
            if not resend and reply.status in _OUTCOME_UNKNOWN_STATUSES:
                raise _outcome_unknown(error)
            raise error
        body = reply.json if isinstance(reply.json, dict) else None
        return GraphResponse(reply.status, reply.headers, body, reply.request_id)

    async def get(self, path_or_url: str, **kwargs: Any) -> GraphResponse:
        return await self.request("GET", path_or_url, **kwargs)

    async def post(self, path_or_url: str, **kwargs: Any) -> GraphResponse:
        return await self.request("POST", path_or_url, **kwargs)

    async def patch(self, path_or_url: str, **kwargs: Any) -> GraphResponse:
        return await self.request("PATCH", path_or_url, **kwargs)

    async def delete(self, path_or_url: str, **kwargs: Any) -> GraphResponse:
        return await self.request("DELETE", path_or_url, **kwargs)

    # -- collections -------------------------------------------------------------------------

    async def pages(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        consistency_eventual: bool = False,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield each page body, following `@odata.nextLink` unchanged (contract §2).

        The last page is yielded too, so delta callers can read its `@odata.deltaLink`.
        """
        url: str | None = path
        page_params: Mapping[str, Any] | None = params
        while url:
            response = await self.request(
                "GET", url, params=page_params, consistency_eventual=consistency_eventual
            )
            page = response.json or {}
            yield page
            next_link = page.get("@odata.nextLink")
            url = next_link if isinstance(next_link, str) else None
            page_params = None  # the nextLink already holds the whole query

    async def paged(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        consistency_eventual: bool = False,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield every item of a collection across pages (empty pages with a nextLink included)."""
        async for page in self.pages(
            path, params=params, consistency_eventual=consistency_eventual
        ):
            for item in page.get("value") or []:
                yield item

    # -- $batch ------------------------------------------------------------------------------

    async def batch(
        self, requests: Sequence[BatchRequest], on_final: OnFinal | None = None
    ) -> dict[str, BatchResult]:
        """Run requests through `POST /$batch`, 20 at a time; never raises for item errors.

        Every request gets a `BatchResult` under its id. Items answered 429/503/504 are resent
        (alone) after the largest Retry-After among them, up to `max_attempts` rounds; a failure
        of the envelope itself is reported on each of its items.

        `on_final`, if given, is called with results the moment they are final (answered and
        not to be resent), each result once, before `batch` returns them all. A caller can so
        go on with the items Graph answered while the throttled ones wait out their
        Retry-After (issue 15 §3: one throttled item must not hold up the other nineteen of
        its envelope). The first round's answers come in one call, once every envelope has
        answered once: callers resuming together send their next calls together.
        """
        batching.validate(requests)

        results: dict[str, BatchResult] = {}
        chunks = batching.plan_chunks(requests)
        gate = _FirstRound(on_final, len(chunks)) if on_final is not None else None
        # Every envelope runs to its end before a failure is raised: none is left running
        # (holding a slot, handing results to `on_final`) after `batch` has returned.
        ended = await asyncio.gather(
            *(self._batch_chunk(c, gate) for c in chunks), return_exceptions=True
        )
        for part in ended:
            if isinstance(part, BaseException):
                raise part
            results.update(part)
        return results

    async def _batch_chunk(
        self, chunk: list[BatchRequest], gate: _FirstRound | None
    ) -> dict[str, BatchResult]:
        results: dict[str, BatchResult] = {}
        reported: set[str] = set()
        first = True

        def report(final: Sequence[str]) -> None:
            nonlocal first
            if gate is None:
                return
            fresh = {k: results[k] for k in final if k in results and k not in reported}
            reported.update(fresh)
            gate.report(fresh)
            if first:
                first = False
                gate.answered_once()

        try:
            return await self._batch_rounds(chunk, results, report)
        finally:
            report(list(results))  # what the last round (or a failed envelope) settled

    async def _batch_rounds(
        self,
        chunk: list[BatchRequest],
        results: dict[str, BatchResult],
        report: Callable[[Sequence[str]], None],
    ) -> dict[str, BatchResult]:
        """The rounds of one envelope, filling `results`; a round's final answers go to
        `report` before the resend waits."""
        by_key = {r.id.lower(): r for r in chunk}
        pending = list(chunk)
        since = time.monotonic()  # every round's slot is asked for as of the first one's
        client_request_id = self._request_id() or str(uuid.uuid4())
        for round_no in range(1, self._max_attempts + 1):
            # An envelope holding a write is not resent when its answer is lost: some of its
            # items may have run. Its items come back failed, for the caller to re-read.
            reads_only = all(r.method.upper() in _SAFE_METHODS for r in pending)
            ids = [r.id for r in pending]
            cost = RequestCost(0, 0)
            for r in pending:
                cost = cost + request_cost(r.method, r.url)
            payload = {"requests": [batching.to_wire(r, ids) for r in pending]}
            try:
                reply = await self._send(
                    "POST",
                    f"{self._base}/$batch",
                    body=payload,
                    headers={},
                    cost=cost,
                    client_request_id=client_request_id,
                    batch_size=len(pending),
                    resend_unanswered=reads_only,
                    slots=self._batch_slots,
                    since=since,
                )
            except GraphError as exc:
                results.update(
                    {r.id: BatchResult(r.id, exc.status, {}, None, exc) for r in pending}
                )
                return results
            items = _batch_items(reply.json)
            # The throttling page says a throttled batch may fail as a whole with 424; the
            # batching page says 200. Either way the per-item responses are what count.
            if reply.status not in (200, 424) or items is None:
                outer = error_from_response(reply.status, reply.headers, reply.json)
                if not reads_only and reply.status in _OUTCOME_UNKNOWN_STATUSES:
                    outer = _outcome_unknown(outer)
                if reply.status != 424:
                    failed = {
                        r.id: BatchResult(r.id, reply.status, {}, None, outer) for r in pending
                    }
                    results.update(failed)
                    return results
                items = {}
            statuses: dict[str, int] = {}
            waits: list[float] = []
            throttled = 0
            for request in pending:
                result = _item_result(request, items.get(request.id.lower()), reply.headers)
                results[request.id] = result
                statuses[request.id.lower()] = result.status
                if result.status in batching.RETRYABLE_ITEM_STATUSES:
                    throttled += result.status == 429
                    retry_after = parse_retry_after(result.headers)
                    if retry_after is not None:
                        waits.append(retry_after)
            if throttled or waits:
                # A throttled item, or a 503 with Retry-After, speaks for the whole tenant.
                await self._limiter.pause(
                    self._key,
                    max(waits) if waits else self._backoff(round_no),
                    throttled=throttled,
                    in_flight_s=reply.round_trip_s,
                    spread_s=reply.spread_s,
                )
            resend = batching.to_resend(pending, statuses)
            if not resend or round_no == self._max_attempts:
                break
            report([r.id for r in pending if r.id.lower() not in resend])
            delay = max(waits) if waits else self._backoff(round_no)
            log.debug(
                "graph.batch_resend",
                extra={"items": len(resend), "delay_s": round(delay, 3), "round": round_no},
            )
            await asyncio.sleep(delay)
            pending = [by_key[k] for k in by_key if k in resend]
        return results

    # -- the wire ----------------------------------------------------------------------------

    def _url(self, path_or_url: str, params: Mapping[str, Any]) -> str:
        if "://" in path_or_url:
            parts = urlsplit(path_or_url)
            # Never send our bearer token to a host other than the configured Graph.
            if (parts.scheme, parts.netloc.lower()) != self._origin:
                raise ValueError("absolute URL does not belong to the configured Graph endpoint")
            url = path_or_url
        else:
            url = f"{self._base}/{path_or_url.lstrip('/')}"
        if params:
            # The same encoding as every request builder's (app.graph.requests): `+`, `/`
            # and `=` inside a literal travel encoded, so an ImmutableID still matches.
            query = encode_query((k, _query_value(v)) for k, v in params.items())
            url += ("&" if "?" in url else "?") + query
        return url

    async def _send(
        self,
        method: str,
        url: str,
        *,
        body: Any,
        headers: Mapping[str, str],
        cost: RequestCost,
        client_request_id: str,
        retry_not_found: bool = False,
        batch_size: int = 0,
        resend_unanswered: bool = True,
        slots: Slots | None = None,
        since: float = 0.0,
    ) -> _Reply:
        """Send with retries; return the final reply (any status) or raise a transient error.

        With `resend_unanswered=False` (a write) a lost answer is not followed by the same
        request: a timeout or dropped connection raises `GraphOutcomeUnknownError`, and a
        500/502/504 reply is returned as it is.
        """
        template = path_template(url)
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            reply: _Reply | None = None
            sent = False
            try:
                # `slots` (a `$batch` envelope's) is held from the limiter's admission until
                # the answer is in, never while the envelope sleeps before a resend: other
                # envelopes must be ready to go the moment a pause ends, or every pause costs
                # its length again in a trickle of one-item resends. Admission comes inside
                # the slot: admitted and then kept waiting for one, a request would go later
                # than its slot says, perhaps with the burst after a pause.
                # The oldest work gets the next free slot (`Slots`): a throttled item's
                # resend goes before envelopes queued since, not behind them.
                urgent = is_urgent()
                held = slots.hold(since, urgent=urgent) if slots is not None else None
                async with held if held is not None else contextlib.nullcontext():
                    while True:
                        await self._limiter.acquire(
                            self._key,
                            writes=cost.writes,
                            units=cost.units,
                            requests=max(1, batch_size),
                            urgent=urgent,
                        )
                        token = await self._tokens.token()
                        # Admitted is not sent: a 429 or a 503's Retry-After may have paused
                        # the tenant since (while this request waited for its token, or for
                        # the CPU). That pause began after the slot, and its bank counted the
                        # slot as spent before it: going on it when the pause ends would go
                        # on top of the bank. So wait it out (`acquire` does) for a new slot.
                        if await self._limiter.paused_for(self._key) <= 0:
                            break
                    request_headers = {
                        **headers,
                        "Authorization": f"Bearer {token}",
                        "client-request-id": client_request_id,
                    }
                    started = time.perf_counter()
                    sent = True
                    response = await self._http.request(
                        method, url, json=body, headers=request_headers
                    )
                    reply = _Reply(response.status_code, response.headers, _json_or_none(response))
                failure: GraphError | None = None
            except httpx.TimeoutException as exc:
                failure = GraphTransientError(
                    0, "timeout", type(exc).__name__, client_request_id=client_request_id
                )
                sent = sent and not isinstance(exc, _NOT_SENT)
            except httpx.TransportError as exc:
                failure = GraphTransientError(
                    0, "connectionError", type(exc).__name__, client_request_id=client_request_id
                )
                sent = sent and not isinstance(exc, _NOT_SENT)
            except GraphAuthError:
                raise
            except GraphTransientError as exc:  # the token endpoint was unreachable
                failure = exc
            duration = time.perf_counter() - started
            spread = self._spread(duration) if reply is not None else 0.0
            if reply is not None:
                reply.round_trip_s, reply.spread_s = duration, spread
                self._fastest_s = min(self._fastest_s, duration)

            status = reply.status if reply is not None else 0
            retry_after = parse_retry_after(reply.headers) if reply is not None else None
            throttled = status == 429 or (
                batch_size > 0 and reply is not None and _batch_throttled(reply.json)
            )
            if reply is not None and status >= 400:
                failure = error_from_response(status, reply.headers, reply.json)
            self._record(
                GraphCallRecord(
                    method=method,
                    path=template,
                    status=status,
                    duration=duration,
                    attempt=attempt,
                    throttled=throttled,
                    retry_after=retry_after,
                    request_id=reply.request_id if reply is not None else None,
                    batch_size=batch_size,
                    client_request_id=client_request_id,
                    error_code=failure.code if failure is not None else None,
                )
            )

            if reply is not None and status < 400:
                return reply
            if status == 401 and not refreshed:
                # The token may have been revoked or rotated early: fetch a new one once.
                refreshed = True
                attempt -= 1
                self._tokens.clear()
                continue
            retryable = reply is None or status == 429 or status >= 500 or status == 408
            if status == 404 and retry_not_found:
                retryable = True
            if not resend_unanswered and sent and reply is None:
                assert failure is not None
                raise GraphOutcomeUnknownError(
                    0,
                    failure.code,
                    f"{failure.message}: the request was sent but no answer came back; it may "
                    "have taken effect, so it is not sent again blindly",
                    client_request_id=client_request_id,
                )
            if not resend_unanswered and status in _OUTCOME_UNKNOWN_STATUSES:
                retryable = False
            if not retryable:
                assert reply is not None
                return reply
            assert failure is not None
            if attempt >= self._max_attempts:
                raise failure
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            if status == 429 or retry_after is not None:
                # Graph throttles the app+tenant pair, not this one request, and a 503's
                # Retry-After means the same (contract §11): hold everyone.
                await self._limiter.pause(
                    self._key,
                    delay,
                    throttled=int(status == 429),
                    in_flight_s=duration,
                    spread_s=spread,
                )
            log.debug(
                "graph.retry",
                extra={
                    "method": method,
                    "path": template,
                    "status": status,
                    "attempt": attempt,
                    "delay_s": round(delay, 3),
                },
            )
            await asyncio.sleep(delay)

    def _spread(self, round_trip_s: float) -> float:
        """How much longer than the fastest earlier answer this round trip took: what the
        time to reach Graph may vary by between requests (the limiter leaves Graph that
        much). With no earlier answer, all of it: the fastest may be close to nothing."""
        if math.isinf(self._fastest_s):
            return round_trip_s
        return max(0.0, round_trip_s - self._fastest_s)

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff
        # And Jitter"): spreads retries of many workers instead of synchronising them.
        cap = min(self._backoff_max, self._backoff_base * (2 ** (attempt - 1)))
        return self._random.uniform(0, cap)

    def _record(self, record: GraphCallRecord) -> None:
        trail.note(record)
        log.debug(
            "graph.call",
            extra={
                "method": record.method,
                "path": record.path,
                "status": record.status,
                "duration_ms": round(record.duration * 1000, 1),
                "attempt": record.attempt,
                "request_id": record.request_id,
                "client_request_id": record.client_request_id,
            },
        )
        if self._on_call is None:
            return
        try:
            self._on_call(record)
        except Exception:  # a broken metrics hook must not fail provisioning
            log.exception("graph.on_call_failed")


def _outcome_unknown(error: GraphError) -> GraphOutcomeUnknownError:
    return GraphOutcomeUnknownError(
        error.status,
        error.code,
        f"{error.message or 'no answer'} (the write may have taken effect; not sent again blindly)",
        request_id=error.request_id,
        client_request_id=error.client_request_id,
        details=error.details,
    )


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return jsonlib.loads(response.content)
    except ValueError:
        return response.text


def _batch_items(body: Any) -> dict[str, dict[str, Any]] | None:
    if not isinstance(body, dict) or not isinstance(body.get("responses"), list):
        return None
    return {
        str(item.get("id")).lower(): item
        for item in body["responses"]
        if isinstance(item, dict) and item.get("id") is not None
    }


def _item_result(
    request: BatchRequest, item: dict[str, Any] | None, outer_headers: Mapping[str, str]
) -> BatchResult:
    if item is None:
        # No answer for this id (an outer 424 without items, or a short reply): resend it,
        # after the envelope's own Retry-After if it sent one.
        retry_after = outer_headers.get("retry-after")
        headers = {"Retry-After": retry_after} if retry_after else {}
        missing = GraphTransientError(503, "missingBatchResponse", "no response for this request")
        return BatchResult(request.id, 503, headers, None, missing)
    status = int(item.get("status") or 0)
    headers = {str(k): str(v) for k, v in (item.get("headers") or {}).items()}
    body = item.get("body")
    error = error_from_response(status, headers, body) if status >= 400 else None
    envelope = outer_headers.get("request-id")
    return BatchResult(request.id, status, headers, body, error, batch_request_id=envelope)


def _batch_throttled(body: Any) -> bool:
    items = _batch_items(body)
    return bool(items) and any(item.get("status") == 429 for item in (items or {}).values())
