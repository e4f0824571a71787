"""arq worker configuration (`provisioner worker`, or `arq workers.settings.WorkerSettings`).

Only configuration: the functions and the job catalogue are the ones the in-process runner of
the embedded default uses (`app.background.catalogue`).
"""

from __future__ import annotations

import socket
from typing import Any, ClassVar

from arq import cron

from app.background.catalogue import install_dispatcher, run_job
from app.background.functions import run_task, shutdown, startup, sweep
from app.process import settle_heap
from app.queue import redis_settings
from app.settings import get_settings
from app.source_sync.jobs import source_sync, source_sync_due
from app.sync.jobs import sync_cycle, sync_due
from app.webhooks.jobs import deliver_webhook


async def _startup(ctx: dict[str, Any]) -> None:
    # The sweeper re-wakes rows through the same dispatcher the API uses: arq on Redis.
    install_dispatcher(get_settings())
    await startup(ctx)
    # Everything a worker needs is loaded by now (`app.process`).
    settle_heap()


class WorkerSettings:
    functions: ClassVar[list[Any]] = [
        run_job,
        run_task,
        deliver_webhook,
        sync_cycle,
        source_sync,
    ]
    # The sweeper re-wakes rows whose wake-up was lost (Redis flushed, a worker killed).
    cron_jobs: ClassVar[list[Any]] = [
        cron(
            sweep,
            second=set(range(0, 60, max(1, min(60, get_settings().sweeper_interval_s)))),
            run_at_startup=True,
            unique=True,
        ),
        # Starts the delta cycles of apps that are due; each cycle takes its app's lease.
        *(
            [
                cron(
                    sync_due,
                    second=set(range(0, 60, max(1, min(60, get_settings().sync_check_interval_s)))),
                    unique=True,
                ),
                # The same for directory sources; each sync takes its source's lease.
                cron(
                    source_sync_due,
                    second=set(range(0, 60, max(1, min(60, get_settings().sync_check_interval_s)))),
                    unique=True,
                ),
            ]
            if get_settings().sync_check_interval_s > 0
            else []
        ),
    ]
    on_startup = _startup
    on_shutdown = shutdown
    redis_settings = redis_settings(get_settings().redis_url or "redis://localhost:6379/0")
    max_jobs = get_settings().worker_concurrency
    # How often an idle worker looks for due wake-ups. arq's default (0.5 s) would add up to
    # half a second to every change on top of the claim window (`CLAIM_COALESCE_MS`), which
    # already says how long a task waits; a look costs one Redis round trip.
    poll_delay = 0.05
    # Jobs carry only ids and claim their rows; arq's own retry would only duplicate that.
    max_tries = 1
    # No result is kept: a kept result blocks a later wake-up with the same job id for an hour
    # (a task woken, then held for approval before a worker looked, then approved).
    keep_result = 0
    job_timeout = 3600
    allow_abort_jobs = True
    # arq writes a health record to Redis this often; `provisioner worker --check` reads it.
    health_check_interval = get_settings().worker_health_check_s
    # One key per host (container), so `--check` in a container reports on that container's
    # worker rather than on whichever replica wrote the shared key last.
    health_check_key = f"arq:queue:health-check:{socket.gethostname()}"
