"""Admin commands for `provisioner`: bulk import of users, reapplying mappings, looking at apps
and reviewing (approving, denying) provisioning tasks.

They call the service layer directly, with the same settings as the server (`DATABASE_URL`,
`REDIS_URL`, ...), rather than the HTTP API: an admin who can run `provisioner` next to the
database needs no token, and an import runs in one database transaction, which an HTTP loop
could not give. Each shows up as a job in `GET /api/v1/jobs` with its progress.

Tables go to stdout (pipe them), messages and progress to stderr.

Exit codes: 0 done; 1 rows were rejected (nothing imported), the job failed, or the app/task
does not exist or is not in a state the command applies to; 2 bad input (unreadable file,
unknown columns, unknown option value, schema not migrated).
"""

from __future__ import annotations

import getpass
import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_args

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from app.apps.schemas import AppRead
    from app.models import Task

console = Console(stderr=True)
import_app = typer.Typer(help="Bulk imports into the directory", no_args_is_help=True)
apps_app = typer.Typer(help="Connected Microsoft 365 tenants (read only)", no_args_is_help=True)
tasks_app = typer.Typer(help="Provisioning tasks: review, approve, deny", no_args_is_help=True)

# A job run by this CLI process holds a lease like any runner; progress writes extend it.
LOCAL_LEASE_S = 300
# How many rejections to keep on the job row (the full list goes to --report).
JOB_REJECTIONS_KEPT = 50
PROGRESS_EVERY_S = 0.5


def register_admin_commands(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.add_typer(apps_app, name="apps")
    app.add_typer(tasks_app, name="tasks")
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
    from app.jobs import repository

    with transaction() as session:
        repository.finish(session, job_id, result=result, error=error)


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


# --- shared by apps and tasks ---------------------------------------------------------------


def _stdout() -> Console:
    # Built per command, not at import, so COLUMNS and the terminal are read when it runs. Cells
    # fold rather than end in an ellipsis: a piped listing must not lose ids or reasons.
    return Console()


def _table(title: str | None, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def _yes(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def _choices(values: Sequence[str], allowed: tuple[str, ...], option: str) -> list[str]:
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise _fail(f"{option}: unknown {', '.join(wrong)}; choose from {', '.join(allowed)}", 2)
    return list(values)


def _operator() -> str:
    """Who approves from a shell: the OS account, as `cli:<user>` (API approvals are
    `token:<id>:<name>`), so the audit trail tells the two apart."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # a container uid with no passwd entry and no $USER
        return f"cli:uid{os.getuid()}"


# --- provisioner apps -----------------------------------------------------------------------


@apps_app.command("list")
def apps_list() -> None:
    """Every app: tenant, consent, domain, provisioning and what waits for approval."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from app.apps import service
    from app.db import transaction
    from app.models import App, Assignment, Task

    _require_schema()
    with transaction() as session:
        # Read through AppRead, which by construction carries no secret.
        rows = session.execute(select(App).order_by(col(App.id))).scalars()
        apps = [service.to_read(a) for a in rows]
        assigned: dict[int, int] = {
            app_id: n
            for app_id, n in session.execute(
                select(col(Assignment.app_id), func.count())
                .where(col(Assignment.active))
                .group_by(col(Assignment.app_id))
            ).all()
        }
        pending: dict[int, int] = {
            app_id: n
            for app_id, n in session.execute(
                select(col(Task.app_id), func.count())
                .where(Task.status == "pending_approval")
                .group_by(col(Task.app_id))
            ).all()
        }
    table = _table(
        f"{len(apps)} apps",
        "id",
        "name",
        "tenant",
        "domain",
        "cloud",
        "authenticated",
        "domain verified",
        "provisioning",
        "approval for",
        "users",
        "pending approval",
    )
    for a in apps:
        table.add_row(
            str(a.id),
            a.name,
            a.tenant,
            a.domain,
            a.cloud,
            _yes(a.consent.authenticated),
            _yes(a.domain_check.verified),
            "on" if a.provisioning_enabled else "off",
            _approval(a),
            str(assigned.get(a.id, 0)),
            str(pending.get(a.id, 0)),
        )
    _stdout().print(table)


def _approval(app: AppRead) -> str:
    actions = [k for k, v in app.approval_required.model_dump().items() if v]
    return ", ".join(actions) or "-"


@apps_app.command("show")
def apps_show(app_id: Annotated[int, typer.Argument(help="The app's id")]) -> None:
    """One app: configuration, policy, consent and domain status, entitlements. Never secrets:
    only whether a client secret is set and which certificate (thumbprint, expiry) is used."""
    from sqlalchemy import func
    from sqlmodel import select

    from app.apps import service
    from app.db import transaction
    from app.errors import NotFound
    from app.models import Task

    _require_schema()
    try:
        with transaction() as session:
            app = service.to_read(service.get_app(session, app_id))
            tasks = dict(
                session.execute(
                    select(Task.status, func.count())
                    .where(Task.app_id == app_id)
                    .group_by(Task.status)
                ).all()
            )
    except NotFound as exc:
        raise _fail(str(exc)) from None

    out = _stdout()
    if app.certificate is not None:
        credential = (
            f"certificate {app.certificate.thumbprint} "
            f"(expires {_when(app.certificate.expires_at)})"
        )
    else:
        credential = "client secret (set)" if app.has_client_secret else "none"
    details = _table(f"App {app.id}: {app.name}", "setting", "value")
    for key, value in (
        ("tenant", app.tenant),
        ("domain", app.domain),
        ("cloud", app.cloud),
        ("client id", app.client_id),
        ("credential", credential),
        ("authenticated", _yes(app.consent.authenticated)),
        ("consented tenant", app.consent.tenant_id or "-"),
        ("consented at", _when(app.consent.consented_at)),
        ("domain verified", _yes(app.domain_check.verified)),
        ("domain type", app.domain_check.type or "-"),
        ("domain checked at", _when(app.domain_check.checked_at)),
        ("provisioning", "on" if app.provisioning_enabled else "off"),
        ("approval required for", _approval(app)),
        ("on user deleted", app.on_user_deleted),
        ("on user suspended", app.on_user_suspended),
        ("on app removed", app.on_app_removed),
        (
            "deletion threshold",
            "-" if app.deletion_threshold is None else str(app.deletion_threshold),
        ),
        ("ImmutableID attribute", app.immutable_id_attribute),
        ("parameters", ", ".join(p.name for p in app.parameters if p.include) or "-"),
        ("tasks", ", ".join(f"{n} {s}" for s, n in sorted(tasks.items())) or "none"),
    ):
        details.add_row(key, value)
    out.print(details)

    ent = app.entitlements
    licenses = _table(
        f"{len(ent.licenses)} licenses (refreshed {_when(ent.refreshed_at)})",
        "sku",
        "sku id",
        "enabled",
        "consumed",
        "available",
    )
    for lic in ent.licenses:
        licenses.add_row(
            lic.sku_part_number, lic.sku_id, str(lic.enabled), str(lic.consumed), str(lic.available)
        )
    out.print(licenses)
    groups = ", ".join(sorted(g.display_name or g.id for g in ent.groups))
    out.print(f"{len(ent.groups)} Microsoft 365 groups: {groups or '-'}")


# --- provisioner tasks ----------------------------------------------------------------------


def _task_table(title: str, tasks: Sequence[Task], names: dict[int, str]) -> Table:
    table = _table(
        title,
        "id",
        "app",
        "user",
        "action",
        "status",
        "reason",
        "attempts",
        "created",
        "decided by",
    )
    for t in tasks:
        reason = t.reason or t.error_message or ""
        table.add_row(
            str(t.id),
            str(t.app_id),
            names.get(t.user_id, f"#{t.user_id}"),
            t.action,
            t.status,
            reason,
            str(t.attempts),
            _when(t.created_at),
            t.approved_by or t.denied_by or "",
        )
    return table


def _usernames(session: Any, tasks: Sequence[Task]) -> dict[int, str]:
    from sqlmodel import col, select

    from app.models import User

    ids = {t.user_id for t in tasks}
    rows = session.execute(select(User.id, User.username).where(col(User.id).in_(ids))).all()
    return {uid: name for uid, name in rows}


@tasks_app.command("list")
def tasks_list(
    app_id: Annotated[int | None, typer.Option("--app", help="Only this app's tasks")] = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", "-s", help="Repeat for several")
    ] = None,
    action: Annotated[
        list[str] | None, typer.Option("--action", "-a", help="Repeat for several")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many")] = 50,
) -> None:
    """Tasks, newest first (the `GET /provisioning/tasks` filters)."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from app.db import transaction
    from app.models import Task
    from app.provisioning.schemas import TaskAction, TaskStatus

    statuses = _choices(status or [], get_args(TaskStatus), "--status")
    actions = _choices(action or [], get_args(TaskAction), "--action")
    _require_schema()
    stmt = select(Task)
    if app_id is not None:
        stmt = stmt.where(Task.app_id == app_id)
    if statuses:
        stmt = stmt.where(col(Task.status).in_(statuses))
    if actions:
        stmt = stmt.where(col(Task.action).in_(actions))
    with transaction() as session:
        total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        tasks = list(session.execute(stmt.order_by(col(Task.id).desc()).limit(limit)).scalars())
        names = _usernames(session, tasks)
    _stdout().print(_task_table(f"{len(tasks)} of {total} tasks", tasks, names))


@contextmanager
def _no_wake() -> Iterator[None]:
    """Approve without running anything here: the tasks stay queued and the server's sweeper
    (or a worker's) picks them up. Without Redis the only other runner would be this process,
    which is about to exit and would abandon a half-applied task."""
    from app.queue import set_dispatcher

    class _Quiet:
        def enqueue_many(self, wakes: Sequence[Any]) -> None:
            pass

        def close(self) -> None:
            pass

    previous = set_dispatcher(_Quiet())
    try:
        yield
    finally:
        set_dispatcher(previous)


def _decide(task_ids: Sequence[int], approve: bool, wake: bool = True) -> list[Task]:
    """Approve or deny in one transaction: all the tasks, or none if one cannot be."""
    from app.db import transaction
    from app.errors import Conflict, NotFound
    from app.provisioning import service

    decide = service.approve if approve else service.deny
    quiet: AbstractContextManager[None] = nullcontext() if wake else _no_wake()
    try:
        with quiet, transaction() as session:
            return decide(session, task_ids, _operator())
    except (NotFound, Conflict) as exc:
        raise _fail(f"{exc} Nothing was changed.") from None


def _pending_of(app_id: int) -> list[int]:
    from sqlmodel import col, select

    from app.apps.service import get_app
    from app.db import transaction
    from app.errors import NotFound
    from app.models import Task

    with transaction() as session:
        try:
            get_app(session, app_id)
        except NotFound as exc:
            raise _fail(str(exc)) from None
        stmt = select(Task.id).where(Task.app_id == app_id, Task.status == "pending_approval")
        return list(session.execute(stmt.order_by(col(Task.id))).scalars())


def _wait_tasks(task_ids: Sequence[int], timeout: float) -> list[Task]:
    """Poll the rows until none is queued or running (or the timeout), with a progress bar."""
    from sqlmodel import col, select

    from app.db import transaction
    from app.models import Task

    deadline = time.monotonic() + timeout
    with _progress() as bar:
        progress = bar.add_task("provisioning", total=len(task_ids))
        while True:
            with transaction() as session:
                rows = list(
                    session.execute(
                        select(Task).where(col(Task.id).in_(task_ids)).order_by(col(Task.id))
                    ).scalars()
                )
            busy = sum(t.status in ("queued", "running") for t in rows)
            bar.update(progress, completed=len(rows) - busy)
            if not busy or time.monotonic() > deadline:
                return rows
            time.sleep(0.2)


@tasks_app.command("approve")
def tasks_approve(
    task_ids: Annotated[list[int] | None, typer.Argument(help="Task ids")] = None,
    all_pending: Annotated[
        bool, typer.Option("--all-pending", help="Every pending_approval task of --app")
    ] = False,
    app_id: Annotated[int | None, typer.Option("--app", help="With --all-pending")] = None,
    wait: Annotated[
        bool, typer.Option(help="Follow the approved tasks until they have run")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for them")] = 600.0,
) -> None:
    """Approve pending tasks (recorded as `cli:<os user>`); all or none.

    With REDIS_URL set the workers run them; otherwise this process does, so it waits for them
    (`--no-wait` leaves them queued for the server's runner instead). Exits 1 if one is not
    pending approval (nothing is approved), or if an approved task failed or did not finish.
    """
    from app.db import transaction
    from app.queue import close_dispatcher
    from app.settings import get_settings

    if all_pending:
        # Per app on purpose: one typo must not approve deletes across every tenant.
        if app_id is None or task_ids:
            raise _fail("--all-pending takes --app ID and no task ids.", 2)
    elif not task_ids:
        raise _fail("Name the tasks to approve, or use --all-pending --app ID.", 2)
    elif app_id is not None:
        raise _fail("--app goes with --all-pending.", 2)
    _require_schema()
    ids = _pending_of(app_id) if all_pending and app_id is not None else list(task_ids or [])
    if not ids:
        console.print(f"app {app_id} has no task waiting for approval")
        return
    # Without Redis a wake-up lands in this process's own runner, which must then see the
    # tasks through; with --no-wait nothing is woken here and the server's sweeper runs them.
    run_here = not get_settings().uses_arq
    try:
        approved = _decide(ids, approve=True, wake=wait or not run_here)
        console.print(f"[green]approved {len(approved)} tasks as {_operator()}[/green]")
        rows = _wait_tasks(ids, timeout) if wait else approved
    finally:
        close_dispatcher()
    with transaction() as session:
        names = _usernames(session, rows)
    _stdout().print(_task_table(f"{len(rows)} approved tasks", rows, names))
    if wait and any(t.status in ("queued", "running") for t in rows):
        raise _fail(f"some tasks are still queued or running after {timeout:.0f}s")
    if wait and any(t.status == "failed" for t in rows):
        raise _fail("some approved tasks failed (see reason)")


@tasks_app.command("deny")
def tasks_deny(
    task_ids: Annotated[list[int], typer.Argument(help="Task ids")],
) -> None:
    """Deny pending tasks (recorded as `cli:<os user>`); all or none. Nothing is done in the
    tenant; the assignment keeps its desired state until something changes it again."""
    from app.db import transaction

    _require_schema()
    denied = _decide(task_ids, approve=False)
    with transaction() as session:
        names = _usernames(session, denied)
    _stdout().print(_task_table(f"{len(denied)} denied tasks", denied, names))
