"""`provisioner tasks list|approve|deny`: review provisioning tasks from a shell.

Decisions go through the same service as `POST /provisioning/tasks/approve|deny`, recorded
as `cli:<os user>`; the list uses the API's task filter.

Exit codes: 0 done; 1 a task does not exist or is not pending approval (nothing was changed),
or an approved task failed or did not finish in time; 2 bad input (unknown option value, an
ambiguous selection, schema not migrated).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Annotated

import typer
from rich.progress import Progress, TaskID
from rich.table import Table
from sqlmodel import Session

from app.apps.service import get_app
from app.cli.common import (
    choices,
    console,
    fail,
    operator,
    poll,
    require_schema,
    stdout,
    table,
    when,
)
from app.db import transaction
from app.errors import Conflict, NotFound
from app.models import Task, TaskAction, TaskStatus
from app.provisioning import repository, service
from app.queue import Wake, close_dispatcher, set_dispatcher
from app.settings import get_settings

tasks_app = typer.Typer(help="Provisioning tasks: review, approve, deny", no_args_is_help=True)

_UNFINISHED = (TaskStatus.queued, TaskStatus.running)


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
    found = repository.TaskFilter(
        app_id=app_id,
        statuses=choices(status or [], TaskStatus, "--status"),
        actions=choices(action or [], TaskAction, "--action"),
    )
    require_schema()
    with transaction() as session:
        total = repository.count_tasks(session, found)
        tasks = repository.list_tasks(session, found, newest_first=True, limit=limit)
        out = _task_table(session, f"{len(tasks)} of {total} tasks", tasks)
    stdout().print(out)


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
    if all_pending:
        # Per app on purpose: one typo must not approve deletes across every tenant.
        if app_id is None or task_ids:
            raise fail("--all-pending takes --app ID and no task ids.", 2)
    elif not task_ids:
        raise fail("Name the tasks to approve, or use --all-pending --app ID.", 2)
    elif app_id is not None:
        raise fail("--app goes with --all-pending.", 2)
    require_schema()
    ids = _pending_of(app_id) if all_pending and app_id is not None else list(task_ids or [])
    if not ids:
        console.print(f"app {app_id} has no task waiting for approval")
        return
    # Without Redis a wake-up lands in this process's own runner, which must then see the
    # tasks through; with --no-wait nothing is woken here and the server's sweeper runs them.
    run_here = not get_settings().uses_arq
    try:
        approved = _decide(ids, approve=True, wake=wait or not run_here)
        console.print(f"[green]approved {len(approved)} tasks as {operator()}[/green]")
        rows = _wait_tasks(ids, timeout) if wait else approved
    finally:
        close_dispatcher()
    with transaction() as session:
        out = _task_table(session, f"{len(rows)} approved tasks", rows)
    stdout().print(out)
    if wait and any(t.status in _UNFINISHED for t in rows):
        raise fail(f"some tasks are still queued or running after {timeout:.0f}s")
    if wait and any(t.status == TaskStatus.failed for t in rows):
        raise fail("some approved tasks failed (see reason)")


@tasks_app.command("deny")
def tasks_deny(
    task_ids: Annotated[list[int], typer.Argument(help="Task ids")],
) -> None:
    """Deny pending tasks (recorded as `cli:<os user>`); all or none. Nothing is done in the
    tenant; the assignment keeps its desired state until something changes it again."""
    require_schema()
    denied = _decide(task_ids, approve=False)
    with transaction() as session:
        out = _task_table(session, f"{len(denied)} denied tasks", denied)
    stdout().print(out)


def _task_table(session: Session, title: str, tasks: Sequence[Task]) -> Table:
    names = repository.usernames(session, {t.user_id for t in tasks})
    out = table(
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
        out.add_row(
            str(t.id),
            str(t.app_id),
            names.get(t.user_id, f"#{t.user_id}"),
            t.action,
            t.status,
            t.reason or t.error_message or "",
            str(t.attempts),
            when(t.created_at),
            t.approved_by or t.denied_by or "",
        )
    return out


class _Quiet:
    """A dispatcher that sends nothing."""

    def enqueue_many(self, wakes: Sequence[Wake]) -> None:
        pass

    def close(self) -> None:
        pass


@contextmanager
def _no_wake() -> Iterator[None]:
    """Approve without running anything here: the tasks stay queued and the server's sweeper
    (or a worker's) picks them up. Without Redis the only other runner would be this process,
    which is about to exit and would abandon a half-applied task."""
    previous = set_dispatcher(_Quiet())
    try:
        yield
    finally:
        set_dispatcher(previous)


def _decide(task_ids: Sequence[int], approve: bool, wake: bool = True) -> list[Task]:
    """Approve or deny in one transaction: all the tasks, or none if one cannot be."""
    decide = service.approve if approve else service.deny
    quiet: AbstractContextManager[None] = nullcontext() if wake else _no_wake()
    try:
        with quiet, transaction() as session:
            return decide(session, task_ids, operator())
    except (NotFound, Conflict) as exc:
        raise fail(f"{exc} Nothing was changed.") from None


def _pending_of(app_id: int) -> list[int]:
    with transaction() as session:
        try:
            get_app(session, app_id)
        except NotFound as exc:
            raise fail(str(exc)) from None
        pending = repository.TaskFilter(app_id=app_id, statuses=(TaskStatus.pending_approval,))
        return [t.id for t in repository.list_tasks(session, pending) if t.id is not None]


def _wait_tasks(task_ids: Sequence[int], timeout: float) -> list[Task]:
    """Poll the rows until none is queued or running (or the timeout), with a progress bar."""
    rows: list[Task] = []

    def settled(bar: Progress, task: TaskID) -> bool:
        nonlocal rows
        with transaction() as session:
            found = repository.tasks_by_id(session, task_ids)
        rows = [found[i] for i in sorted(found)]
        busy = sum(t.status in _UNFINISHED for t in rows)
        bar.update(task, completed=len(rows) - busy)
        return not busy

    poll("provisioning", len(task_ids), timeout, settled)
    return rows
