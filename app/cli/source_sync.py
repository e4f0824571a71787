"""`provisioner sources sync NAME_OR_ID [--full]`: a sync of a directory source, handed to the
server's queue (its workers, or its in-process runner) like every command that makes work,
and followed from here.

Exit codes: 0 the sync ran (or was started, with `--no-wait`); 1 the source does not exist,
or the sync failed or did not end in time; 2 the schema is not migrated.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from app.cli.common import console, fail, require_schema
from app.cli.mappings import _follow
from app.db import transaction
from app.jobs.kinds import JobKind
from app.jobs.service import start_job
from app.models import JobStatus
from app.source_sync import repository as repo
from app.source_sync import service


def sync(
    source: Annotated[str, typer.Argument(help="The source's name or id")],
    full: Annotated[bool, typer.Option(help="Read everything, not only what changed")] = False,
    wait: Annotated[bool, typer.Option(help="Follow the job until it ends")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the job")] = 3600.0,
) -> None:
    """Sync a directory source now (a job on the server's queue)."""
    require_schema()
    with transaction() as session:
        row = repo.find(session, source)
        if row is None:
            raise fail(f"No source has the id or name {source!r}.")
        service.check_can_sync(row)
        job_id = start_job(
            session,
            JobKind.source_sync,
            {"source_id": row.id, "full": full, "reason": "cli"},
            created_by="cli:sources-sync",
        ).id
    assert job_id is not None
    console.print(f"job {job_id}: {JobKind.source_sync} of source {source}")
    if not wait:
        console.print(f"handed to the server's queue; `GET /api/v1/jobs/{job_id}` follows it")
        return
    status, error, result = _follow(job_id, f"syncing {source}", timeout)
    if status != JobStatus.succeeded:
        raise fail(f"job {job_id} {status}: {error or ''}")
    console.print(f"[green]job {job_id} succeeded[/green] {json.dumps(result or {})}")
