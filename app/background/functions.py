"""The functions background workers run. Each takes ids, opens its own transactions and is
safe to run twice: the row it names is claimed atomically before any work happens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from app import queue
from app.apps.runtime import GraphRuntime
from app.background import handoff
from app.db import transaction
from app.jobs import repository as jobs_repo
from app.jobs.runner import execute_job
from app.jobs.service import JobHandler, job_wake
from app.observability.metrics import start_worker_metrics_server
from app.provisioning import repository as tasks_repo
from app.provisioning.planning import task_wake
from app.provisioning.runner import run_task as execute_task
from app.settings import Settings, get_settings
from app.webhooks import repository as webhooks_repo
from app.webhooks.service import webhook_wake

log = logging.getLogger("workers")


def _settings(ctx: dict[str, Any]) -> Settings:
    settings = ctx.get("settings")
    return settings if isinstance(settings, Settings) else get_settings()


async def startup(ctx: dict[str, Any]) -> None:
    ctx.setdefault("settings", get_settings())
    settings = _settings(ctx)
    if "graph" not in ctx:
        # One Graph client per app for the life of this worker; arq's Redis (absent in inline
        # mode) carries the per-tenant rate limit shared by every worker.
        runtime = GraphRuntime(settings, redis=ctx.get("redis"))
        ctx["graph"] = runtime
        ctx.setdefault("closers", []).append(runtime.aclose)
    # Only real workers: inline mode runs inside the API, which already serves /metrics.
    if settings.metrics_port and not ctx.get("inline"):
        start_worker_metrics_server(settings.metrics_port)


async def shutdown(ctx: dict[str, Any]) -> None:
    for closer in ctx.pop("closers", []):
        await closer()


async def run_job(ctx: dict[str, Any], job_id: int, handlers: Mapping[str, JobHandler]) -> str:
    return await execute_job(job_id, ctx, _settings(ctx).task_lease_s, handlers)


async def run_task(
    ctx: dict[str, Any], task_id: int, drain: float | None = None, group: bool = False
) -> str:
    settings = _settings(ctx)
    return await execute_task(
        task_id,
        ctx["graph"],
        settings.task_lease_s,
        settings.task_max_attempts,
        coalescing=settings.claim_coalesce_ms > 0,
        drain=drain,
        window_s=settings.claim_coalesce_ms / 1000,
        group=group,
    )


async def sweep(ctx: dict[str, Any]) -> dict[str, int]:
    """Re-wake rows that lost their wake-up (Redis flushed, worker killed). Each wake-up
    carries the job id its first one had, so a wake-up that was not lost is not doubled."""
    settings = _settings(ctx)

    def _find() -> tuple[list[int], list[tuple[int, int]], list[tuple[int, int]]]:
        with transaction() as session:
            jobs = jobs_repo.stale_job_ids(session, older_than_s=settings.sweeper_interval_s)
            tasks = tasks_repo.stale_tasks(session, older_than_s=settings.sweeper_interval_s)
            hooks = webhooks_repo.due_deliveries(session, older_than_s=settings.sweeper_interval_s)
            return jobs, tasks, hooks

    job_ids, tasks, hooks = await asyncio.to_thread(_find)
    wakes = [job_wake(j) for j in job_ids] + [task_wake(t, attempt) for t, attempt in tasks]
    wakes += [webhook_wake(d, attempt) for d, attempt in hooks]
    # Wake-ups the CLI handed over through the database reach arq workers this way too.
    handed_over = await asyncio.to_thread(handoff.take_due)
    await asyncio.to_thread(queue.send, [*wakes, *handed_over])
    return {
        "jobs": len(job_ids),
        "tasks": len(tasks),
        "webhooks": len(hooks),
        "handed_over": len(handed_over),
    }
