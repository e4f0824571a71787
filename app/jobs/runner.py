"""Executes one job by id: claim, run its handler, record the outcome. Used by both the arq
worker and the in-process runner, so the embedded default exercises the production path."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app import leases
from app.db import transaction
from app.jobs import repository as repo
from app.jobs.service import JobContext, JobHandler
from app.observability.context import bound_request_id
from app.observability.metrics import record_job

log = logging.getLogger("app.jobs")


async def execute_job(
    job_id: int, runtime: dict[str, Any], lease_s: int, handlers: Mapping[str, JobHandler]
) -> str:
    """`handlers` maps each job kind to what runs it (the catalogue in `app.background`)."""

    def _claim() -> tuple[str, dict[str, Any], int] | None:
        with transaction() as session:
            return repo.claim(session, job_id, lease_s)

    claimed = await asyncio.to_thread(_claim)
    if claimed is None:
        return "not-claimed"
    kind, params, attempt = claimed
    handler = handlers.get(kind)
    result: dict[str, Any] | None = None
    error: str | None = None
    started = time.perf_counter()
    # The request that started the job lends it its id, so logs (and Graph's client-request-id)
    # of the work match the request's; to_thread copies the context into worker threads.
    with bound_request_id(params.get("correlation_id"), job_id=job_id, job_kind=kind):
        if handler is None:
            error = f"No handler for job kind {kind!r}."
        else:
            try:
                # Renewed while the handler runs, not only when it reports progress: a step
                # that outlasts the lease (a Graph call waiting its turn at the limiter, a long
                # chunk) would otherwise let the sweeper start the job again beside itself.
                async with leases.kept(
                    lambda: _renew(job_id, attempt, lease_s), lease_s, f"job {job_id}"
                ):
                    result = await handler(JobContext(job_id, params, runtime, lease_s, attempt))
            except Exception as exc:
                log.exception("job %s (%s) failed", job_id, kind)
                error = _error_text(exc, job_id)

        def _finish() -> None:
            with transaction() as session:
                if not repo.finish(session, job_id, result=result, error=error, attempt=attempt):
                    # This runner lost the job (it stalled past its lease and another runner
                    # took it again): that runner records the end, not this one.
                    log.warning("job %s was taken again meanwhile; its end is not ours", job_id)

        await asyncio.to_thread(_finish)
        outcome = "failed" if error else "succeeded"
        elapsed = time.perf_counter() - started
        record_job(kind, outcome, elapsed)
        # One line per run, inside the bound context so it carries the request id that
        # started the job (its id and kind are bound there too).
        log.log(
            logging.WARNING if error else logging.INFO,
            "job.finished",
            extra={"result": outcome, "duration_ms": round(elapsed * 1000, 1), "error": error},
        )
    return outcome


def _renew(job_id: int, attempt: int, lease_s: int) -> None:
    with transaction() as session:
        repo.renew_lease(session, job_id, attempt, lease_s)


def _error_text(exc: Exception, job_id: int) -> str:
    """What a failed job shows (to any `read` token). A database error's text holds the SQL
    and its parameters, people's values among them: it goes to the server's log only."""
    if isinstance(exc, SQLAlchemyError):
        return f"{type(exc).__name__}: a database error; the server's log has it (job {job_id})"
    return f"{type(exc).__name__}: {exc}"
