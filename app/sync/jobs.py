"""Background work of the sync domain: the jobs behind `POST /apps/{id}/sync` and
`/import`, the scheduled cycle of one app, and the check that finds the apps due.

The check runs every few seconds (the worker's cron, the in-process runner's timer) and only
sends wake-ups; each cycle then takes the app's lease, so however many workers see an app
due at once, its cycle runs on one of them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from app import queue
from app.apps.runtime import GraphRuntime
from app.jobs.service import JobContext
from app.models import utcnow
from app.sync import service

log = logging.getLogger("app.sync")

CYCLE_FUNCTION = "sync_cycle"
DUE_FUNCTION = "sync_due"


class SyncFailed(RuntimeError):
    """Carries what happened into the job's `error` (never a secret)."""


def _runtime(ctx: dict[str, Any]) -> GraphRuntime | None:
    runtime = ctx.get("graph")
    return runtime if isinstance(runtime, GraphRuntime) else None


async def _job(ctx: JobContext, *, full: bool, reason: str) -> dict[str, Any]:
    app_id = int(ctx.params["app_id"])

    def progress(pages: int) -> None:
        ctx.progress(pages, None)

    result = await service.run_cycle(
        app_id,
        full=full,
        reason=reason,
        runtime=_runtime(ctx.runtime),
        force=True,  # an admin's "sync now" tries even a quarantined app, and says how it went
        progress=progress,
    )
    if not result.ran:
        return {"app_id": app_id, "ran": False, "detail": result.detail}
    cycle = result.cycle or {}
    if not cycle.get("ok"):
        raise SyncFailed(f"The cycle of app {app_id} failed: {cycle.get('error')}")
    return {"app_id": app_id, "ran": True, "detail": result.detail, "cycle": cycle}


async def sync_now(ctx: JobContext) -> dict[str, Any]:
    """`POST /apps/{id}/sync`: one cycle now (full when asked)."""
    return await _job(ctx, full=bool(ctx.params.get("full")), reason="api")


async def import_accounts(ctx: JobContext) -> dict[str, Any]:
    """`POST /apps/{id}/import`: a full round of every tenant user, then matching."""
    return await _job(ctx, full=True, reason="import")


def cycle_wake(app_id: int, due: str) -> queue.Wake:
    # The id collapses two checks that saw the same due cycle before either one started it.
    return queue.Wake(CYCLE_FUNCTION, (app_id,), f"sync:{app_id}:{due}")


async def sync_cycle(ctx: dict[str, Any], app_id: int) -> str:
    """A scheduled cycle of one app (a no-op when another worker is running it)."""
    result = await service.run_cycle(app_id, reason="schedule", runtime=_runtime(ctx))
    return result.detail


async def sync_due(ctx: dict[str, Any]) -> int:
    """Wake a cycle for every app whose next cycle is due."""
    now = utcnow()
    due = await asyncio.to_thread(service.due_apps, now)
    if due:
        stamp = now.strftime("%Y%m%dT%H%M%S")
        await asyncio.to_thread(queue.send, [cycle_wake(a, stamp) for a in due])
    return len(due)
