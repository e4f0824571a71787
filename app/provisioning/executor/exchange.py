"""How the executor's phases talk to Graph: one `Exchange` per run, holding the client and the
app, sending `$batch` items under typed keys and noting Graph's request ids on each item."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
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


class Exchange:
    def __init__(self, client: GraphClient, app: AppInfo) -> None:
        self.client = client
        self.app = app

    async def batch(self, items: Sequence[Planned]) -> dict[BatchKey, BatchResult]:
        """Send `items` through `$batch` (20 per envelope); every key gets its result."""
        if not items:
            return {}
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
