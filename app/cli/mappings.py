"""`provisioner reapply`: the `POST /mappings/reapply` job, started and followed from a shell.

Exit codes: 0 the job succeeded (or was started, with `--no-wait`); 1 it failed or did not
end in time; 2 the schema is not migrated.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.progress import Progress, TaskID

from app.cli.common import console, fail, poll, require_schema
from app.db import transaction
from app.jobs.service import get_job, start_job
from app.mappings.service import REAPPLY_JOB
from app.models import Job, JobStatus


def reapply(
    wait: Annotated[bool, typer.Option(help="Follow the job's progress until it ends")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the job")] = 3600.0,
) -> None:
    """Re-evaluate every user against the mappings (the `POST /mappings/reapply` job).

    The job goes to the server's queue (its workers, or its in-process runner) and runs there,
    never in this process; this command starts it and follows its progress.
    """
    require_schema()
    with transaction() as session:
        job_id = start_job(session, REAPPLY_JOB, created_by="cli:reapply").id
    assert job_id is not None
    console.print(f"job {job_id}: {REAPPLY_JOB}")
    if not wait:
        console.print(f"handed to the server's queue; `GET /api/v1/jobs/{job_id}` follows it")
        return
    status, error, result = _follow(job_id, "reapplying mappings", timeout)
    if status != JobStatus.succeeded:
        raise fail(f"job {job_id} {status}: {error or ''}")
    console.print(f"[green]job {job_id} succeeded[/green] {json.dumps(result or {})}")


def _follow(job_id: int, label: str, timeout: float) -> tuple[str, str | None, Any]:
    """Poll the job row, driving a progress bar from its processed/total."""
    job: Job | None = None

    def ended(bar: Progress, task: TaskID) -> bool:
        nonlocal job
        with transaction() as session:
            job = get_job(session, job_id)
        bar.update(task, completed=job.processed, total=job.total)
        if job.status == JobStatus.succeeded and job.total:
            bar.update(task, completed=job.total)
        return job.status in (JobStatus.succeeded, JobStatus.failed)

    in_time = poll(label, None, timeout, ended)
    assert job is not None
    if not in_time:
        return (
            "timed out",
            f"still {job.status} after {timeout:.0f}s. The server (`serve`, or its workers) "
            "runs it: is it running? The job stays queued until it does.",
            None,
        )
    return job.status, job.error, job.result
