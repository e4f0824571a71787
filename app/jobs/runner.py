"""Executes one job by id: claim, run its handler, record the outcome. Used by both the arq
worker and the in-process runner, so the embedded default exercises the production path."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from app.db import transaction
from app.jobs import service
from app.jobs.service import HANDLERS, JobContext
from app.models import Job

log = logging.getLogger("app.jobs")


async def execute_job(job_id: int, runtime: dict[str, Any], lease_s: int) -> str:
    def _claim() -> tuple[str, dict[str, Any]] | None:
        with transaction() as session:
            if not service.claim(session, job_id, lease_s):
                return None
            job = session.get(Job, job_id)
            assert job is not None
            return job.kind, dict(job.params or {})

    claimed = await asyncio.to_thread(_claim)
    if claimed is None:
        return "not-claimed"
    kind, params = claimed
    handler = HANDLERS.get(kind)
    result: dict[str, Any] | None = None
    error: str | None = None
    if handler is None:
        error = f"No handler for job kind {kind!r}."
    else:
        try:
            result = await handler(JobContext(job_id, params, runtime, lease_s))
        except Exception as exc:
            log.exception("job %s (%s) failed", job_id, kind)
            error = f"{type(exc).__name__}: {exc}"

    def _finish() -> None:
        with transaction() as session:
            service.finish(session, job_id, result=result, error=error)

    await asyncio.to_thread(_finish)
    return "failed" if error else "succeeded"
