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
    settings = _settings(ctx)
    if "graph" not in ctx:
        from app.apps.runtime import GraphRuntime

        # One Graph client per app for the life of this worker; arq's Redis (absent in inline
        # mode) carries the per-tenant rate limit shared by every worker.
        runtime = GraphRuntime(settings, redis=ctx.get("redis"))
        ctx["graph"] = runtime
        ctx.setdefault("closers", []).append(runtime.aclose)
    # Only real workers: inline mode runs inside the API, which already serves /metrics.
    if settings.metrics_port and not ctx.get("inline"):
        from app.observability.metrics import start_worker_metrics_server

        start_worker_metrics_server(settings.metrics_port)


async def shutdown(ctx: dict[str, Any]) -> None:
    for closer in ctx.pop("closers", []):
        await closer()


async def run_job(ctx: dict[str, Any], job_id: int) -> str:
    return await execute_job(job_id, ctx, _settings(ctx).task_lease_s)


async def run_task(ctx: dict[str, Any], task_id: int) -> str:
    from app.provisioning.runner import run_task as execute

    settings = _settings(ctx)
    return await execute(task_id, ctx["graph"], settings.task_lease_s, settings.task_max_attempts)


async def sweep(ctx: dict[str, Any]) -> dict[str, int]:
    """Re-wake rows that lost their wake-up (Redis flushed, worker killed)."""
    from app.queue import get_dispatcher

    settings = _settings(ctx)

    def _find() -> list[int]:
        with transaction() as session:
            return jobs.stale_job_ids(session, older_than_s=settings.sweeper_interval_s)

    def _find_tasks() -> list[int]:
        from app.provisioning.tasks import stale_task_ids

        with transaction() as session:
            return stale_task_ids(session, older_than_s=settings.sweeper_interval_s)

    job_ids = await asyncio.to_thread(_find)
    task_ids = await asyncio.to_thread(_find_tasks)
    dispatcher = get_dispatcher()
    for job_id in job_ids:
        await asyncio.to_thread(dispatcher.enqueue, jobs.JOB_FUNCTION, job_id)
    for task_id in task_ids:
        await asyncio.to_thread(dispatcher.enqueue, "run_task", task_id)
    return {"jobs": len(job_ids), "tasks": len(task_ids)}


FUNCTIONS: dict[str, Callable[..., Awaitable[Any]]] = {
    "run_job": run_job,
    "run_task": run_task,
    "sweep": sweep,
}
