"""Background work of source syncs: the job behind `POST /sources/{id}/sync` (and its
release, and the CLI's `sources sync`), the scheduled sync of one source, and the check that
finds the sources due (the worker's cron and the in-process runner's timer, every
SYNC_CHECK_INTERVAL_S, as for app cycles). The check only sends wake-ups; each sync takes its
source's lease, so a source due on several workers at once syncs on one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from app import queue
from app.jobs.service import JobContext
from app.models import utcnow
from app.source_sync import service

SYNC_FUNCTION = "source_sync"
DUE_FUNCTION = "source_sync_due"


class SourceSyncFailed(RuntimeError):
    """Carries why into the job's `error` (never a secret)."""


async def sync_now(ctx: JobContext) -> dict[str, Any]:
    source_id = int(ctx.params["source_id"])
    release = bool(ctx.params.get("release"))

    def progress(done: int) -> None:
        ctx.progress(done, None)

    outcome = await asyncio.to_thread(
        service.run_sync,
        source_id,
        full=bool(ctx.params.get("full")) or release,
        release=release,
        reason=str(ctx.params.get("reason") or ("release" if release else "api")),
        progress=progress,
    )
    if outcome.ran and outcome.detail == "error":
        errors = outcome.figures.get("errors") or [{}]
        raise SourceSyncFailed(f"The sync of source {source_id} failed: {errors[0].get('message')}")
    return {"source_id": source_id, "ran": outcome.ran, "detail": outcome.detail, **outcome.figures}


def sync_wake(source_id: int, due: str) -> queue.Wake:
    # The id collapses two checks that saw the same due sync before either one started it.
    return queue.Wake(SYNC_FUNCTION, (source_id,), f"source-sync:{source_id}:{due}")


async def source_sync(ctx: dict[str, Any], source_id: int) -> str:
    """A scheduled sync of one source (a no-op when it runs elsewhere or waits for an admin)."""
    outcome = await asyncio.to_thread(
        service.run_sync, source_id, reason="schedule", scheduled=True
    )
    return outcome.detail


async def source_sync_due(ctx: dict[str, Any]) -> int:
    """Wake a sync for every source whose next sync is due."""
    now = utcnow()
    due = await asyncio.to_thread(service.due_sources)
    if due:
        stamp = now.strftime("%Y%m%dT%H%M%S")
        await asyncio.to_thread(queue.send, [sync_wake(s, stamp) for s in due])
    return len(due)
