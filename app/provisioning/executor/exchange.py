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


class _Shared:
    """Phases running `together`: how many are running (not waiting on `batch` or a pause),
    and the `batch` calls waiting to go out with the others'."""

    def __init__(self, phases: int) -> None:
        self.running = phases
        self.waiting: list[tuple[list[Planned], asyncio.Future[dict[BatchKey, BatchResult]]]] = []


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
        as it would have been had they run one after the other."""
        if self._shared is not None:
            raise RuntimeError("Exchange.together does not nest")
        shared = self._shared = _Shared(len(phases))

        async def run(phase: Coroutine[Any, Any, None]) -> None:
            try:
                await phase
            finally:
                shared.running -= 1
                await self._flush(shared)

        try:
            ended = await asyncio.gather(*(run(p) for p in phases), return_exceptions=True)
        finally:
            self._shared = None
        for result in ended:
            if isinstance(result, BaseException):
                raise result

    async def pause(self, attempt: int) -> None:
        """Wait out a replication delay (contract §0) before trying again; in `together`,
        the other phases' calls go meanwhile instead of waiting for this one."""
        shared = self._shared
        if shared is None:
            await replication_pause(attempt)
            return
        shared.running -= 1
        try:
            await self._flush(shared)
            await replication_pause(attempt)
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
        """Once no phase is running, send every waiting call in one `client.batch` and hand
        each its own keys' results (or the failure of the whole exchange)."""
        if shared.running or not shared.waiting:
            return
        waiting, shared.waiting = shared.waiting, []
        shared.running += len(waiting)  # each resumes with its answer
        try:
            results = await self._send_batch([p for items, _ in waiting for p in items])
        except asyncio.CancelledError:
            for _, answer in waiting:
                answer.cancel()
            raise
        except Exception as exc:
            for _, answer in waiting:
                answer.set_exception(exc)
            return
        for items, answer in waiting:
            answer.set_result({p.key: results[p.key] for p in items if p.key in results})

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
