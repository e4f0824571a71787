"""How the executor's phases talk to Graph: one `Exchange` per run, holding the client and the
app, sending `$batch` items under typed keys and noting Graph's request ids on each item."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from app.graph import BatchResult, GraphClient, GraphResponse
from app.graph.requests import GraphCall
from app.provisioning.executor.keys import BatchKey
from app.provisioning.executor.types import AppInfo, ItemState

# A just-created user can 404 for a while (replication delay, contract §0): steps that touch
# it right after creating retry this many rounds, pausing a little longer each time.
REPLICATION_RETRIES = 6

T = TypeVar("T")


@dataclass(frozen=True)
class Planned:
    """One batch item: the call, its key, and the item whose outcome collects its request id
    (None when the answer serves several items, like a shared look-up)."""

    state: ItemState | None
    key: BatchKey
    call: GraphCall
    # The items a shared look-up served: the call is noted on each (their provisioning log
    # and provision on demand show the find that found them, or did not).
    shared: tuple[ItemState, ...] = ()


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
            if p.state is not None and rid:
                p.state.outcome.request_ids.append(rid)
            if found is not None:
                for state in (p.state,) if p.state is not None else p.shared:
                    state.outcome.calls.append(call_json(p, found, rid))
        return by_key

    async def send(self, call: GraphCall, *, retry_not_found: bool = False) -> GraphResponse:
        """One direct request; raises a `GraphError` subclass as the client does."""
        return await self.client.request(
            call.method, call.url, json=call.body, retry_not_found=retry_not_found
        )


def call_json(p: Planned, result: BatchResult, rid: str | None) -> dict[str, Any]:
    """One request and Graph's answer as the provisioning log shows it (no body: it may
    carry personal data the log does not need)."""
    return {
        "request": p.key.step.name.lower(),
        "method": p.call.method,
        "path": p.call.path,
        "status": result.status,
        "code": result.error.code if result.error else None,
        "message": result.error.message if result.error else None,
        "request_id": rid or result.batch_request_id,
        "batch_request_id": result.batch_request_id,
    }


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
