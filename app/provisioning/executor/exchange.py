"""How the executor's phases talk to Graph: one `Exchange` per run, holding the client and the
app, sending `$batch` items under typed keys and noting Graph's request ids on each item."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from app.graph import BatchResult, GraphClient, GraphError, GraphResponse
from app.graph.requests import GraphCall
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.types import AppInfo, ItemState

# A just-created user can 404 for a while (replication delay, contract §0): steps that touch
# it right after creating retry this many rounds, pausing a little longer each time.
REPLICATION_RETRIES = 6

T = TypeVar("T")


@dataclass(frozen=True)
class Planned:
    """One batch item: the call, its key, and the item whose outcome collects its request id
    and the call's record. A call that serves several items at once (a look-up of 15 UPNs, a
    `members@odata.bind` of 20 members) has `state` None and names them in `shared`: each of
    those tasks' logs lists the call, marked with the other tasks it served."""

    state: ItemState | None
    key: BatchKey
    call: GraphCall
    shared: tuple[ItemState, ...] = ()

    @property
    def served(self) -> tuple[ItemState, ...]:
        return (self.state,) if self.state is not None else self.shared


_Waiting = tuple[list[Planned], asyncio.Future[dict[BatchKey, BatchResult]]]
"""A `batch` call waiting in `together`: its items, and where its answer goes."""


class _Shared:
    """Phases running `together`: how many are running (not waiting on `batch` or a pause),
    and the `batch` calls waiting to go out with the others'."""

    def __init__(self, phases: int) -> None:
        self.running = phases
        self.waiting: list[_Waiting] = []
        # The run was cancelled (worker shutdown, job timeout): nothing more may be sent.
        self.cancelled = False


class Exchange:
    def __init__(self, client: GraphClient, app: AppInfo) -> None:
        self.client = client
        self.app = app
        self._shared: _Shared | None = None

    async def together(self, *phases: Coroutine[Any, Any, None]) -> None:
        """Run phases that do not depend on each other at once, their `$batch` calls sent
        together: a call waits until every other phase is waiting too (or has finished), and
        then all of them go in one `client.batch` (20 items per envelope). Licenses and
        group memberships of a claim's new users are one round trip this way, not two.

        Every phase runs to its end even if another fails; then the first failure is raised,
        as it would have been had they run one after the other, with the others' as notes.
        Cancelled, nothing more is sent: the calls still waiting are dropped."""
        if self._shared is not None:
            raise RuntimeError("Exchange.together does not nest")
        shared = self._shared = _Shared(len(phases))

        async def run(phase: Coroutine[Any, Any, None]) -> None:
            try:
                await phase
            except asyncio.CancelledError:
                shared.cancelled = True
                raise
            finally:
                shared.running -= 1
                await self._flush(shared)

        try:
            ended = await asyncio.gather(*(run(p) for p in phases), return_exceptions=True)
        finally:
            self._shared = None
        failures = [r for r in ended if isinstance(r, BaseException)]
        if failures:
            first = failures[0]
            for other in failures[1:]:
                first.add_note(f"another phase failed too: {other!r}")
            raise first

    async def pause(self, attempt: int) -> None:
        """Wait out a replication delay (contract §0) before trying again; in `together`,
        the other phases' calls go meanwhile instead of waiting for this one."""
        shared = self._shared
        if shared is None:
            await replication_pause(attempt)
            return
        shared.running -= 1
        try:
            # Whatever this sends goes out during the pause, not before it.
            await asyncio.gather(self._flush(shared), replication_pause(attempt))
        finally:
            shared.running += 1

    async def batch(self, items: Sequence[Planned]) -> dict[BatchKey, BatchResult]:
        """Send `items` through `$batch` (20 per envelope); every key gets its result."""
        if not items:
            return {}
        shared = self._shared
        if shared is None:
            return await self._send_batch(items)
        answer: asyncio.Future[dict[BatchKey, BatchResult]] = (
            asyncio.get_running_loop().create_future()
        )
        shared.waiting.append((list(items), answer))
        shared.running -= 1
        await self._flush(shared)
        return await answer

    async def _flush(self, shared: _Shared) -> None:
        """Once no phase is running, send every waiting call and hand each its own keys'
        results (or the failure of the exchange that carried it).

        Calls that only read go in envelopes of their own, sent alongside: the client resends
        an envelope whose answer was lost only when it holds nothing but reads, so a read
        sharing an envelope with writes would be lost with it (and a retried task's
        membership read is what spares its group writes)."""
        if shared.cancelled:
            dropped, shared.waiting = shared.waiting, []
            for _, answer in dropped:
                answer.cancel()
            return
        if shared.running or not shared.waiting:
            return
        waiting, shared.waiting = shared.waiting, []
        shared.running += len(waiting)  # each resumes with its answer
        reads: list[_Waiting] = []
        writes: list[_Waiting] = []
        for call in waiting:
            (reads if all(p.call.method == "GET" for p in call[0]) else writes).append(call)
        parts = [part for part in (reads, writes) if part]
        try:
            sent = await asyncio.gather(
                *(self._send_batch([p for items, _ in part for p in items]) for part in parts),
                return_exceptions=True,
            )
        except asyncio.CancelledError:
            shared.cancelled = True
            for _, answer in waiting:
                answer.cancel()
            raise
        for part, outcome in zip(parts, sent, strict=True):
            for items, answer in part:
                if answer.done():
                    continue
                if isinstance(outcome, asyncio.CancelledError):
                    answer.cancel()
                elif isinstance(outcome, BaseException):
                    answer.set_exception(outcome)
                else:
                    answer.set_result({p.key: outcome[p.key] for p in items if p.key in outcome})

    async def _send_batch(self, items: Sequence[Planned]) -> dict[BatchKey, BatchResult]:
        results = await self.client.batch([p.call.batch_item(p.key.encode()) for p in items])
        by_key = {BatchKey.decode(raw): result for raw, result in results.items()}
        for p in items:
            found = by_key.get(p.key)
            rid = request_id(found) if found is not None else None
            served = _distinct(p.served)
            for s in served:
                if rid:
                    s.outcome.request_ids.append(rid)
                if found is not None:
                    others = [o.work.task_id for o in served if o is not s]
                    s.outcome.calls.append(call_json(p, found, rid, others))
        return by_key

    async def send(
        self, call: GraphCall, step: Step, s: ItemState, *, retry_not_found: bool = False
    ) -> GraphResponse:
        """One direct request made for `s`, recorded on its outcome like a batched one;
        raises a `GraphError` subclass as the client does."""
        try:
            resp = await self.client.request(
                call.method, call.url, json=call.body, retry_not_found=retry_not_found
            )
        except GraphError as exc:
            s.outcome.calls.append(
                _record(step, call, exc.status, exc.code, exc.message, exc.request_id)
            )
            raise
        if resp.request_id:
            s.outcome.request_ids.append(resp.request_id)
        s.outcome.calls.append(_record(step, call, resp.status, None, None, resp.request_id))
        return resp


def _distinct(states: Sequence[ItemState]) -> list[ItemState]:
    # A look-up may list one item twice (found by ImmutableID and by UPN in the same chunk).
    return list({id(s): s for s in states}.values())


def _record(
    step: Step, call: GraphCall, status: int, code: str | None, message: str | None, rid: str | None
) -> dict[str, Any]:
    return {
        "request": step.name.lower(),
        "method": call.method,
        "path": call.path,
        "status": status,
        "code": code,
        "message": message,
        "request_id": rid,
        "batch_request_id": None,
    }


def call_json(
    p: Planned, result: BatchResult, rid: str | None, shared_with: Sequence[int] = ()
) -> dict[str, Any]:
    """One request and Graph's answer as the provisioning log shows it (no body: it may
    carry personal data the log does not need). `shared_with` names the other tasks the same
    request served (a shared look-up or group add), so each task's log lists every call made
    on its behalf and says which ones it shared."""
    out = {
        "request": p.key.step.name.lower(),
        "method": p.call.method,
        "path": p.call.path,
        "status": result.status,
        "code": result.error.code if result.error else None,
        "message": result.error.message if result.error else None,
        "request_id": rid or result.batch_request_id,
        "batch_request_id": result.batch_request_id,
    }
    if shared_with:
        out["shared_with"] = sorted(shared_with)
    return out


def request_id(result: BatchResult) -> str | None:
    """The request id to quote for this item: its own, else its error's, else the `$batch`
    envelope's (Graph puts none on a successful item; the envelope's finds it in their logs)."""
    for key in ("request-id", "Request-Id", "client-request-id"):
        if key in result.headers:
            return result.headers[key]
    if result.error is not None and result.error.request_id:
        return result.error.request_id
    return result.batch_request_id


async def replication_pause(attempt: int) -> None:
    await asyncio.sleep(min(0.25 * 2**attempt, 4))


def chunks(items: Sequence[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def normalized(value: Any) -> Any:
    """Graph reports an unset property as null, "" or []; all three mean "no value"."""
    if value in ("", [], None):
        return None
    return value
