"""Every kind of background work and what runs it, in one list.

Both ways of running work read this module: the arq `WorkerSettings` (workers/settings.py)
and the in-process runner of the embedded default. Nothing registers itself by being
imported: a job kind missing here is a job no runner can run, and a test checks that every
`JobKind` has its handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app import queue
from app.apps.jobs import refresh_entitlements
from app.background import functions, handoff
from app.directory.jobs import orphaned_import
from app.jobs.kinds import JobKind
from app.jobs.service import JobHandler
from app.mappings.jobs import reapply
from app.provisioning.jobs import recompute_app_job
from app.settings import Settings
from app.source_sync import jobs as source_sync_jobs
from app.sync import jobs as sync_jobs
from app.webhooks import jobs as webhooks_jobs
from app.webhooks.service import DELIVER_FUNCTION

JOB_HANDLERS: Mapping[str, JobHandler] = {
    JobKind.mappings_reapply: reapply,
    JobKind.assignments_recompute: recompute_app_job,
    JobKind.refresh_entitlements: refresh_entitlements,
    JobKind.users_import: orphaned_import,
    JobKind.sync_run: sync_jobs.sync_now,
    JobKind.sync_import: sync_jobs.import_accounts,
    JobKind.source_sync: source_sync_jobs.sync_now,
}


async def run_job(ctx: dict[str, Any], job_id: int) -> str:
    """Run one job row by id with the handler of its kind."""
    return await functions.run_job(ctx, job_id, JOB_HANDLERS)


FUNCTIONS: Mapping[str, queue.JobFunction] = {
    "run_job": run_job,
    "run_task": functions.run_task,
    "sweep": functions.sweep,
    DELIVER_FUNCTION: webhooks_jobs.deliver_webhook,
    sync_jobs.CYCLE_FUNCTION: sync_jobs.sync_cycle,
    sync_jobs.DUE_FUNCTION: sync_jobs.sync_due,
    source_sync_jobs.SYNC_FUNCTION: source_sync_jobs.source_sync,
    source_sync_jobs.DUE_FUNCTION: source_sync_jobs.source_sync_due,
}
"""What a wake-up can name (`queue.Wake.function`)."""

SWEEP = "sweep"


def install_dispatcher(settings: Settings) -> None:
    """Choose, once per process, how its wake-ups reach the job functions: arq workers on
    Redis in production, the in-process runner in the embedded default."""

    def make() -> queue.Dispatcher:
        if settings.uses_arq:
            assert settings.redis_url
            return queue.ArqDispatcher(settings.redis_url)
        return queue.InlineDispatcher(
            settings,
            FUNCTIONS,
            functions.startup,
            functions.shutdown,
            SWEEP,
            handoff.take_due,
            periodic={
                sync_jobs.DUE_FUNCTION: settings.sync_check_interval_s,
                source_sync_jobs.DUE_FUNCTION: settings.sync_check_interval_s,
            },
        )

    queue.configure(make)


def handoff_dispatcher(settings: Settings) -> queue.Dispatcher:
    """How a process that makes work but must not run it (the CLI) hands it over: to arq like
    the API when Redis is configured, otherwise to the server's in-process runner through the
    database. Never to a runner of its own, whose settings would not be the server's."""
    if settings.uses_arq:
        assert settings.redis_url
        return queue.ArqDispatcher(settings.redis_url)
    return handoff.HandoffDispatcher()
