"""The functions background workers run. Each takes ids, opens its own transactions and is
safe to run twice: the row it names is claimed atomically before any work happens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from app.db import transaction
from app.jobs import service as jobs
from app.jobs.runner import execute_job
from app.settings import Settings, get_settings

log = logging.getLogger("workers")


def _settings(ctx: dict[str, Any]) -> Settings:
    settings = ctx.get("settings")
    return settings if isinstance(settings, Settings) else get_settings()


async def startup(ctx: dict[str, Any]) -> None:
    import app.handlers  # noqa: F401  (registers job handlers)

    ctx.setdefault("settings", get_settings())


async def shutdown(ctx: dict[str, Any]) -> None:
    for closer in ctx.pop("closers", []):
        await closer()


async def run_job(ctx: dict[str, Any], job_id: int) -> str:
    return await execute_job(job_id, ctx, _settings(ctx).task_lease_s)


async def sweep(ctx: dict[str, Any]) -> dict[str, int]:
    """Re-wake rows that lost their wake-up (Redis flushed, worker killed)."""
    from app.queue import get_dispatcher

    settings = _settings(ctx)

    def _find() -> list[int]:
        with transaction() as session:
            return jobs.stale_job_ids(session, older_than_s=settings.sweeper_interval_s)

    job_ids = await asyncio.to_thread(_find)
    dispatcher = get_dispatcher()
    for job_id in job_ids:
        await asyncio.to_thread(dispatcher.enqueue, jobs.JOB_FUNCTION, job_id)
    return {"jobs": len(job_ids)}


FUNCTIONS: dict[str, Callable[..., Awaitable[Any]]] = {
    "run_job": run_job,
    "sweep": sweep,
}
