"""`provisioner sources sync NAME_OR_ID [--full]` and `provisioner sources release NAME_OR_ID`:
a sync of a directory source (or the release of a held one), handed to the server's queue
(its workers, or its in-process runner) like every command that makes work, and followed
from here.

Exit codes: 0 the sync ran and applied what it read (or was started, with `--no-wait`); 1
the source does not exist, nothing is held (release), the sync failed, did not end in time,
did not run (another sync of the source is running), or was held for an admin (too many
deletions, or the source answered nobody); 2 the schema is not migrated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer
from sqlmodel import Session

from app.cli.common import console, fail, require_schema
from app.cli.mappings import _follow
from app.db import transaction
from app.errors import Conflict
from app.jobs.kinds import JobKind
from app.jobs.service import start_job
from app.models import JobStatus, Source
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
    job_id, source_id = _start(
        source,
        lambda _session, row: service.check_can_sync(row),
        {"full": full, "reason": "cli"},
        created_by="cli:sources-sync",
    )
    _report(job_id, source_id, source, wait, timeout)


def release(
    source: Annotated[str, typer.Argument(help="The source's name or id")],
    wait: Annotated[bool, typer.Option(help="Follow the job until it ends")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the job")] = 3600.0,
) -> None:
    """Run a held sync once, allowing the deletions and disables it listed (see `GET
    /api/v1/sources/{id}/sync` for the list); people lost since then count against the
    deletion threshold as in any sync."""
    require_schema()
    job_id, source_id = _start(
        source,
        _release_checked,
        {"full": True, "release": True, "reason": "cli"},
        created_by="cli:sources-release",
    )
    _report(job_id, source_id, source, wait, timeout)


def _release_checked(session: Session, source: Source) -> None:
    service.check_can_release(source)
    service.record_release(session, source)


def _start(
    source: str,
    check: Callable[[Session, Source], None],
    params: dict[str, Any],
    created_by: str,
) -> tuple[int, int]:
    """The source by name or id, checked (`check` raises Conflict), and its sync job: (job
    id, source id)."""
    with transaction() as session:
        row = repo.find(session, source)
        if row is None:
            raise fail(f"No source has the id or name {source!r}.")
        try:
            check(session, row)
        except Conflict as exc:
            raise fail(exc.detail or exc.title) from None
        job_id = start_job(
            session, JobKind.source_sync, {"source_id": row.id, **params}, created_by=created_by
        ).id
        source_id = row.id
    assert job_id is not None and source_id is not None
    return job_id, source_id


def _report(job_id: int, source_id: int, source: str, wait: bool, timeout: float) -> None:
    console.print(f"job {job_id}: {JobKind.source_sync} of source {source}")
    if not wait:
        console.print(f"handed to the server's queue; `GET /api/v1/jobs/{job_id}` follows it")
        return
    status, error, result = _follow(job_id, f"syncing {source}", timeout)
    if status != JobStatus.succeeded:
        raise fail(f"job {job_id} {status}: {error or ''}")
    outcome = result or {}
    if not outcome.get("ran"):
        raise fail(f"job {job_id}: the sync did not run ({outcome.get('detail')})")
    if outcome.get("detail") == "held":
        planned = outcome.get("planned") or {}
        raise fail(
            f"job {job_id}: the sync is held for an admin and changed nothing "
            f"({planned.get('deletes', 0)} deletions, {planned.get('disables', 0)} disables "
            f"planned); review `GET /api/v1/sources/{source_id}/sync`, then "
            f"`provisioner sources release {source}`"
        )
    console.print(f"[green]job {job_id} succeeded[/green] {json.dumps(outcome)}")
