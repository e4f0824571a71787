"""`provisioner import users`: bulk creation of users from a file, all or nothing.

It calls the directory's importer directly, with the server's settings, rather than the HTTP
API: an admin who can run `provisioner` next to the database needs no token, and the import
runs in one database transaction, which an HTTP loop could not give. It shows up as a job in
`GET /api/v1/jobs` with its progress; this process runs it and holds the job's lease.

Exit codes: 0 done; 1 rows were rejected (nothing imported) or the import failed; 2 bad input
(unreadable file, unknown columns, schema not migrated).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from app.cli.common import console, fail, progress, require_schema
from app.db import get_engine, transaction
from app.directory import importer
from app.jobs import repository as jobs_repo
from app.jobs.service import JobContext, start_claimed_job

import_app = typer.Typer(help="Bulk imports into the directory", no_args_is_help=True)

# A job run by this CLI process holds a lease like any runner; progress writes extend it.
LOCAL_LEASE_S = 300
# How many rejections to keep on the job row (the full list goes to --report).
JOB_REJECTIONS_KEPT = 50
PROGRESS_EVERY_S = 0.5


class _RollBack(Exception):
    """Leaves `transaction()` without committing (dry run, or rejected rows)."""


class _Throttled:
    """Writes job progress at most every PROGRESS_EVERY_S (and always the last row)."""

    def __init__(self, job_id: int | None, lease_s: int, enabled: bool) -> None:
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
    try:
        rows = importer.read_rows(file)
    except importer.ImportFileError as exc:
        raise fail(str(exc), 2) from None
    require_schema()
    # SQLite allows one writer: a progress write from a second connection would wait for the
    # import's own transaction. There the job row is updated only at the start and the end.
    progress_in_db = get_engine().dialect.name != "sqlite"
    lease_s = LOCAL_LEASE_S if progress_in_db else 6 * 3600
    job_id = None
    if not dry_run:
        params = {"file": file.name, "rows": len(rows), "skip_invalid": skip_invalid}
        with transaction() as session:
            job_id = start_claimed_job(
                session, importer.IMPORT_JOB, params, "cli:import", lease_s
            ).id
    to_db = _Throttled(job_id, lease_s, progress_in_db)

    result: importer.ImportResult | None = None
    try:
        with progress() as bar:
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
            _finish_job(job_id, None, f"{type(exc).__name__}: {exc}")
        raise fail(f"import failed, nothing was imported: {exc}") from None
    assert result is not None

    if report is not None:
        report.write_text(json.dumps([r.__dict__ for r in result.rejected], indent=2))
    _print_rejections(result.rejected)
    if job_id is not None:
        _finish_import_job(job_id, result)
    _print_summary(result, dry_run, job_id)
    if result.rejected and not skip_invalid:
        raise typer.Exit(1)


def _finish_job(job_id: int, result: dict[str, Any] | None, error: str | None) -> None:
    with transaction() as session:
        jobs_repo.finish(session, job_id, result=result, error=error)


def _finish_import_job(job_id: int, result: importer.ImportResult) -> None:
    summary = {
        "rows": result.total,
        "created": len(result.created_ids) if result.committed else 0,
        "rejected": len(result.rejected),
        "rejections": [r.__dict__ for r in result.rejected[:JOB_REJECTIONS_KEPT]],
    }
    error = None
    if not result.committed:
        error = f"{len(result.rejected)} of {result.total} rows rejected; nothing was imported."
    JobContext(job_id, {}, {}, 0).progress(result.total, result.total)
    _finish_job(job_id, summary, error)


def _print_rejections(rejected: list[importer.Rejection]) -> None:
    if not rejected:
        return
    table = Table(title=f"{len(rejected)} rejected", title_justify="left")
    for column in ("row", "user", "field", "reason"):
        table.add_column(column)
    for r in rejected:
        table.add_row(str(r.row), r.key, r.field, r.reason)
    console.print(table)


def _print_summary(result: importer.ImportResult, dry_run: bool, job_id: int | None) -> None:
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
