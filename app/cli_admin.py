"""Admin commands for `provisioner`: bulk import of users and reapplying mappings.

They call the service layer directly, with the same settings as the server (`DATABASE_URL`,
`REDIS_URL`, ...), rather than the HTTP API: an admin who can run `provisioner` next to the
database needs no token, and an import runs in one database transaction, which an HTTP loop
could not give. Each shows up as a job in `GET /api/v1/jobs` with its progress.

Exit codes: 0 done; 1 rows were rejected (nothing imported) or the job failed; 2 bad input
(unreadable file, unknown columns, schema not migrated).
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console(stderr=True)
import_app = typer.Typer(help="Bulk imports into the directory", no_args_is_help=True)

# A job run by this CLI process holds a lease like any runner; progress writes extend it.
LOCAL_LEASE_S = 300
# How many rejections to keep on the job row (the full list goes to --report).
JOB_REJECTIONS_KEPT = 50
PROGRESS_EVERY_S = 0.5


def register_admin_commands(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.command("reapply")(reapply)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _require_schema() -> None:
    from app.db import SchemaMismatchError, check_schema, get_engine

    try:
        check_schema(get_engine())
    except SchemaMismatchError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


# --- jobs run by this process ---------------------------------------------------------------


def _start_local_job(kind: str, params: dict[str, Any], created_by: str, lease_s: int) -> int:
    """A job row already claimed by this process: it shows in /jobs, and no runner takes it
    while the lease holds (a runner gets it only if this process dies)."""
    from app.db import transaction
    from app.models import Job, utcnow
    from app.observability.context import current_request_id, new_request_id

    now = utcnow()
    with transaction() as session:
        job = Job(
            kind=kind,
            status="running",
            params={**params, "correlation_id": current_request_id() or new_request_id()},
            created_by=created_by,
            attempts=1,
            started_at=now,
            lease_until=now + timedelta(seconds=lease_s),
        )
        session.add(job)
        session.flush()
        assert job.id is not None
        return job.id


def _finish_local_job(job_id: int, result: dict[str, Any] | None, error: str | None) -> None:
    from app.db import transaction
    from app.jobs import service

    with transaction() as session:
        service.finish(session, job_id, result=result, error=error)


class _Throttled:
    """Writes job progress at most every PROGRESS_EVERY_S (and always the last row)."""

    def __init__(self, job_id: int | None, lease_s: int, enabled: bool) -> None:
        from app.jobs.service import JobContext

        self._ctx = JobContext(job_id, {}, {}, lease_s) if job_id is not None else None
        self._enabled = enabled
        self._last = 0.0

    def __call__(self, processed: int, total: int) -> None:
        if self._ctx is None or not self._enabled:
            return
        now = time.monotonic()
        if processed == total or now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            self._ctx.progress(processed, total)


# --- provisioner import users ---------------------------------------------------------------


class _RollBack(Exception):
    """Leaves `transaction()` without committing (dry run, or rejected rows)."""


@import_app.command("users")
def import_users(
    file: Annotated[Path, typer.Argument(help="A .csv or .json file of users", exists=True)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report; write nothing")
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="Import the valid rows even if some are rejected (exit 0)"
        ),
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write every rejected row (JSON) to this file")
    ] = None,
) -> None:
    """Create users from a file, all or nothing.

    CSV columns are the API's user fields (username, email, firstname, ..., group_id);
    `member_of` and `role_ids` take `;`-separated values; `custom_attributes.<name>` columns
    set custom attributes. JSON takes a list of user objects as the API accepts them.

    Every row is checked like `POST /users` (schema, unique username and email, also within the
    file, existing groups and roles) and written through the same service, so mappings apply.
    If any row is rejected, nothing is imported and the command exits 1, unless
    `--skip-invalid` is given. `--dry-run` reports without writing (exit 1 if rows would be
    rejected).
    """
    from app.db import get_engine, transaction
    from app.directory import importer

    try:
        rows = importer.read_rows(file)
    except importer.ImportFileError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    _require_schema()
    # SQLite allows one writer: a progress write from a second connection would wait for the
    # import's own transaction. There the job row is updated only at the start and the end.
    progress_in_db = get_engine().dialect.name != "sqlite"
    lease_s = LOCAL_LEASE_S if progress_in_db else 6 * 3600
    job_id = None
    if not dry_run:
        params = {"file": file.name, "rows": len(rows), "skip_invalid": skip_invalid}
        job_id = _start_local_job(importer.IMPORT_JOB, params, "cli:import", lease_s)
    to_db = _Throttled(job_id, lease_s, progress_in_db)

    result: importer.ImportResult | None = None
    try:
        with _progress() as bar:
            task = bar.add_task("checking" if dry_run else "importing", total=len(rows))

            def on_row(done: int, total: int) -> None:
                bar.update(task, completed=done)
                to_db(done, total)

            try:
                with transaction() as session:
                    result = importer.import_users(
                        session, rows, skip_invalid=skip_invalid, dry_run=dry_run, progress=on_row
                    )
                    if not result.committed:
                        raise _RollBack
            except _RollBack:
                pass
    except Exception as exc:
        if job_id is not None:
            _finish_local_job(job_id, None, f"{type(exc).__name__}: {exc}")
        console.print(f"[red]import failed, nothing was imported: {exc}[/red]")
        raise typer.Exit(1) from None
    assert result is not None

    if report is not None:
        report.write_text(json.dumps([r.__dict__ for r in result.rejected], indent=2))
    _print_rejections(result.rejected)
    if job_id is not None:
        _finish_import_job(job_id, result)
    _print_import_summary(result, dry_run, job_id)
    if result.rejected and not skip_invalid:
        raise typer.Exit(1)


def _finish_import_job(job_id: int, result: Any) -> None:
    summary = {
        "rows": result.total,
        "created": len(result.created_ids) if result.committed else 0,
        "rejected": len(result.rejected),
        "rejections": [r.__dict__ for r in result.rejected[:JOB_REJECTIONS_KEPT]],
    }
    error = None
    if not result.committed:
        error = f"{len(result.rejected)} of {result.total} rows rejected; nothing was imported."
    from app.jobs.service import JobContext

    JobContext(job_id, {}, {}, 0).progress(result.total, result.total)
    _finish_local_job(job_id, summary, error)


def _print_rejections(rejected: list[Any]) -> None:
    if not rejected:
        return
    table = Table(title=f"{len(rejected)} rejected", title_justify="left")
    for column in ("row", "user", "field", "reason"):
        table.add_column(column)
    for r in rejected:
        table.add_row(str(r.row), r.key, r.field, r.reason)
    console.print(table)


def _print_import_summary(result: Any, dry_run: bool, job_id: int | None) -> None:
    job = f" (job {job_id})" if job_id is not None else ""
    if dry_run:
        console.print(
            f"dry run: {result.valid} of {result.total} rows would be imported, "
            f"{len(result.rejected)} rejected; nothing was written"
        )
    elif result.committed:
        skipped = f", skipped {len(result.rejected)}" if result.rejected else ""
        console.print(f"[green]imported {len(result.created_ids)} users{skipped}{job}[/green]")
    else:
        console.print(
            f"[red]{len(result.rejected)} of {result.total} rows rejected: nothing was "
            f"imported{job}. Fix them, or pass --skip-invalid to import the rest.[/red]"
        )


# --- provisioner reapply --------------------------------------------------------------------


def reapply(
    wait: Annotated[bool, typer.Option(help="Follow the job's progress until it ends")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the job")] = 3600.0,
) -> None:
    """Re-evaluate every user against the mappings (the `POST /mappings/reapply` job).

    With REDIS_URL set the job runs on the workers; otherwise this process runs it.
    """
    from app.db import transaction
    from app.jobs.service import start_job
    from app.mappings.service import REAPPLY_JOB
    from app.queue import close_dispatcher

    _require_schema()
    try:
        with transaction() as session:
            job_id = start_job(session, REAPPLY_JOB, created_by="cli:reapply").id
        assert job_id is not None
        console.print(f"job {job_id}: {REAPPLY_JOB}")
        if not wait:
            return
        status, error, result = _follow(job_id, "reapplying mappings", timeout)
    finally:
        close_dispatcher()
    if status != "succeeded":
        console.print(f"[red]job {job_id} {status}: {error or ''}[/red]")
        raise typer.Exit(1)
    console.print(f"[green]job {job_id} succeeded[/green] {json.dumps(result or {})}")


def _follow(job_id: int, label: str, timeout: float) -> tuple[str, str | None, Any]:
    """Poll the job row, driving a progress bar from its processed/total."""
    from app.db import transaction
    from app.models import Job

    deadline = time.monotonic() + timeout
    with _progress() as bar:
        task = bar.add_task(label, total=None)
        while True:
            with transaction() as session:
                job = session.get(Job, job_id)
                assert job is not None
                status, processed, total = job.status, job.processed, job.total
                error, result = job.error, job.result
            bar.update(task, completed=processed, total=total)
            if status in ("succeeded", "failed"):
                if status == "succeeded" and total:
                    bar.update(task, completed=total)
                return status, error, result
            if time.monotonic() > deadline:
                return "timed out", f"still {status} after {timeout:.0f}s", None
            time.sleep(0.2)
