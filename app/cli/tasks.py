"""`provisioner tasks list|approve|deny|retry`: review provisioning tasks from a shell.

Decisions go through the same service as `POST /provisioning/tasks/approve|deny` and
`/provisioning/tasks/{id}/retry`, recorded as `cli:<os user>`; the list uses the API's task
filter. The tasks they queue run on the server's queue, never in this process.

Exit codes: 0 done; 1 a task does not exist or is not in a state the action applies to
(nothing was changed), or a task followed with `--wait` did not succeed or did not finish in
time; 2 bad input (unknown option value, an ambiguous selection, no or unmigrated database).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

import typer
from rich.progress import Progress, TaskID
from rich.table import Table
from sqlmodel import Session

from app.api.ids import MAX_ID
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
    tasks_word,
    when,
)
from app.db import transaction
from app.errors import Conflict, NotFound
from app.models import Task, TaskAction, TaskStatus
from app.provisioning import repository, service

tasks_app = typer.Typer(
    help="Provisioning tasks: review, approve, deny, retry", no_args_is_help=True
)

_UNFINISHED = (TaskStatus.queued, TaskStatus.running)


@tasks_app.command("list")
def tasks_list(
    app_id: Annotated[
        int | None, typer.Option("--app", help="Only this app's tasks", min=1, max=MAX_ID)
    ] = None,
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
    task_ids: Annotated[
        list[int] | None, typer.Argument(help="Task ids", min=1, max=MAX_ID)
    ] = None,
    all_pending: Annotated[
        bool, typer.Option("--all-pending", help="Every pending_approval task of --app")
    ] = False,
    app_id: Annotated[
        int | None, typer.Option("--app", help="With --all-pending", min=1, max=MAX_ID)
    ] = None,
    wait: Annotated[
        bool, typer.Option(help="Follow the approved tasks until they have run")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for them")] = 600.0,
) -> None:
    """Approve pending tasks (recorded as `cli:<os user>`); all or none.

    The approved tasks go to the server's queue (its workers, or its in-process runner) and
    run there, never in this process. Exits 1 if one is not pending approval (nothing is
    approved), or, when waiting, if an approved task did not succeed or did not finish in time.
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
    approved = _change(lambda session: service.approve(session, ids, operator()))
    console.print(f"[green]approved {tasks_word(len(approved))} as {operator()}[/green]")
    _follow(approved, "approved", wait, timeout)


@tasks_app.command("deny")
def tasks_deny(
    task_ids: Annotated[list[int], typer.Argument(help="Task ids", min=1, max=MAX_ID)],
) -> None:
    """Deny pending tasks (recorded as `cli:<os user>`); all or none. Nothing is done in the
    tenant; the assignment keeps its desired state until something changes it again."""
    require_schema()
    denied = _change(lambda session: service.deny(session, task_ids, operator()))
    with transaction() as session:
        out = _task_table(session, f"{tasks_word(len(denied))} denied", denied)
    stdout().print(out)


@tasks_app.command("retry")
def tasks_retry(
    task_ids: Annotated[list[int], typer.Argument(help="Task ids", min=1, max=MAX_ID)],
    wait: Annotated[bool, typer.Option(help="Follow the tasks until they have run")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for them")] = 600.0,
) -> None:
    """Run failed or blocked tasks again (`POST /provisioning/tasks/{id}/retry`); all or none.

    The API's rule: a denied or cancelled plan never comes back this way (only as a new plan,
    which waits for approval again). Exits 1 if one cannot be retried (nothing is changed),
    or, when waiting, if a task did not succeed or did not finish in time.
    """
    require_schema()
    retried = _change(
        lambda session: [
            service.retry(session, task_id, operator()) for task_id in dict.fromkeys(task_ids)
        ]
    )
    console.print(f"[green]queued {tasks_word(len(retried))} again as {operator()}[/green]")
    _follow(retried, "retried", wait, timeout)


def _follow(tasks: Sequence[Task], verb: str, wait: bool, timeout: float) -> None:
    """Print the tasks, after following them to their end when asked; exit 1 if one did not
    succeed in time. Following only reads the rows: the server's runner does the work."""
    ids = [t.id for t in tasks if t.id is not None]
    rows = _wait_tasks(ids, timeout) if wait else list(tasks)
    with transaction() as session:
        out = _task_table(session, f"{len(rows)} {verb} tasks", rows)
    stdout().print(out)
    if not wait:
        console.print("handed to the server's queue; `provisioner tasks list` follows them")
        return
    unfinished = [t.id for t in rows if t.status in _UNFINISHED]
    if unfinished:
        raise fail(
            f"tasks {unfinished} are still queued or running after {timeout:.0f}s. The server "
            "(`serve`, or its workers) runs them: is it running? They stay queued until it does."
        )
    unsuccessful = [f"{t.id} {t.status}" for t in rows if t.status != TaskStatus.succeeded]
    if unsuccessful:
        raise fail(f"{verb} tasks did not succeed: {', '.join(unsuccessful)} (see reason)")


def _task_table(session: Session, title: str, tasks: Sequence[Task]) -> Table:
    names = repository.usernames(session, {t.user_id for t in tasks if t.user_id is not None})
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
            names.get(t.user_id, f"#{t.user_id}") if t.user_id is not None else "(tenant account)",
            t.action,
            t.status,
            t.reason or t.error_message or "",
            str(t.attempts),
            when(t.created_at),
            t.approved_by or t.denied_by or "",
        )
    return out


def _change(change: Callable[[Session], list[Task]]) -> list[Task]:
    """Apply a decision in one transaction: to all the tasks, or none if one cannot take it.
    The work it makes is woken after the commit, through the server's queue."""
    try:
        with transaction() as session:
            return change(session)
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
