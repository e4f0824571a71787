"""What every `provisioner` command shares: where output goes, how a command fails, who the
operator is, the schema check, progress bars and the tables the admin commands print.

Tables go to stdout (pipe them), messages and progress to stderr.
"""

from __future__ import annotations

import getpass
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.engine import make_url

from app.db import SchemaMismatchError, check_schema, get_engine
from app.settings import Settings, get_settings

console = Console(stderr=True)

POLL_S = 0.2
PIPED_WIDTH = 200
E = TypeVar("E", bound=StrEnum)


def stdout() -> Console:
    # Built per command, not at import, so COLUMNS and the terminal are read when it runs. Cells
    # fold rather than end in an ellipsis: a piped listing must not lose ids or reasons. Piped
    # output has no terminal width: Rich would squeeze tables to 80 columns, so give it room
    # (COLUMNS still wins when set).
    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        return Console(width=PIPED_WIDTH)
    return Console()


def tasks_word(count: int) -> str:
    """`1 task`, `2 tasks`: counts in messages read as English."""
    return f"{count} task" if count == 1 else f"{count} tasks"


def fail(message: str, code: int = 1) -> typer.Exit:
    # Not folded to the terminal's width: a path or an id in it stays whole (and findable).
    console.print(f"[red]{message}[/red]", soft_wrap=True)
    return typer.Exit(code)


def sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file the settings name (None for Postgres or an in-memory database)."""
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve()


def database_label(settings: Settings) -> str:
    """Which database a command uses, for messages (never with its password)."""
    path = sqlite_file(settings)
    if path is not None:
        return str(path)
    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


def require_schema() -> None:
    """Refuse to run on a database that is missing, unmigrated or of another version, naming
    it. A missing SQLite file is not created: run from the wrong directory (or with another
    DATA_DIR) a command would otherwise make a second, empty database and act on it."""
    settings = get_settings()
    path = sqlite_file(settings)
    if path is not None and not path.is_file():
        raise fail(
            f"No database at {path}. Run `provisioner migrate` to create one there, or set "
            "DATA_DIR (or DATABASE_URL) to the server's.",
            2,
        )
    try:
        check_schema(get_engine())
    except SchemaMismatchError as exc:
        raise fail(f"{exc} (database: {database_label(settings)})", 2) from None


def operator() -> str:
    """Who acts from a shell: the OS account, as `cli:<user>` (API approvals are
    `token:<id>:<name>`), so the audit trail tells the two apart."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # a container uid with no passwd entry and no $USER
        return f"cli:uid{os.getuid()}"


def choices(values: Sequence[str], allowed: type[E], option: str) -> list[E]:
    names = [e.value for e in allowed]
    wrong = [v for v in values if v not in names]
    if wrong:
        raise fail(f"{option}: unknown {', '.join(wrong)}; choose from {', '.join(names)}", 2)
    return [allowed(v) for v in values]


# --- progress -------------------------------------------------------------------------------


def progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def poll(
    label: str,
    total: int | None,
    timeout: float,
    check: Callable[[Progress, TaskID], bool],
) -> bool:
    """Call `check` (which reads the rows and moves the bar) until it says done, or until
    `timeout` seconds have passed; True when it was done."""
    deadline = time.monotonic() + timeout
    with progress() as bar:
        task = bar.add_task(label, total=total)
        while not check(bar, task):
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL_S)
        return True


# --- tables ---------------------------------------------------------------------------------


def table(title: str | None, *columns: str) -> Table:
    out = Table(title=title, title_justify="left")
    for column in columns:
        out.add_column(column, overflow="fold")
    return out


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def yes(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")
