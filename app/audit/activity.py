"""An app's own Graph activity: the calls made for the app rather than for a task (verifying
its domain, refreshing its entitlements, a preflight), one `app.graph_calls` event per
operation with every exchange it made.

Why events and not a table of their own: each operation is one thing that happened to the
app, read beside the engine's other events of the app (`provisioner events --app N`,
`GET /apps/{id}/activity`), and its calls are a handful of small records, bounded by the
operation. Tasks keep their own calls on the task (`Task.graph_calls`), read through the
provisioning log; an operation here made none of those.

Each call shows what Graph needs to find it again (method, path template, status, Graph's
error code, its request id and our client-request-id) and how long it took; never a body,
an id in the path, or a token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from app.db import transaction
from app.graph import GraphCallRecord
from app.graph.trail import collecting
from app.models import Event
from app.observability.context import current_request_id

KIND = "app.graph_calls"
_ERROR_CHARS = 1000


def call_json(r: GraphCallRecord) -> dict[str, Any]:
    return {
        "method": r.method.upper(),
        "path": r.path,
        "status": r.status,
        "code": r.error_code,
        "request_id": r.request_id,
        "client_request_id": r.client_request_id,
        "duration_ms": round(r.duration * 1000, 1),
        "attempt": r.attempt,
        "throttled": r.throttled,
    }


def _error_text(exc: BaseException) -> str:
    detail = getattr(exc, "detail", None)  # a problem's own sentence, when it has one
    return str(detail or exc or type(exc).__name__)[:_ERROR_CHARS]


def _store(app_id: int, operation: str, calls: list[GraphCallRecord], error: str | None) -> None:
    with transaction() as session:
        session.add(
            Event(
                kind=KIND,
                app_id=app_id,
                data={
                    "operation": operation,
                    "outcome": "failed" if error else "succeeded",
                    "error": error,
                    "request_id": current_request_id(),
                    "calls": [call_json(c) for c in calls],
                },
            )
        )


@dataclass
class Operation:
    """What the block reports of itself: `error`, for an operation that failed without
    raising (a preflight reports an unreachable tenant as a finding)."""

    error: str | None = None


@asynccontextmanager
async def recorded(app_id: int, operation: str) -> AsyncIterator[Operation]:
    """Record the Graph calls made in the block as one event of the app, whether the block
    succeeds or raises (a failed check is when an admin most needs its calls)."""
    op = Operation()
    with collecting() as calls:
        try:
            yield op
        except Exception as exc:
            op.error = _error_text(exc)
            raise
        finally:
            await asyncio.to_thread(_store, app_id, operation, list(calls), op.error)
