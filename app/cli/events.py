"""`provisioner events`: what the engine told admins (ImmutableIDs written back, links to
existing tenant users, deletions held by the threshold, consent and policy changes), newest
first, filtered by kind, app and user.

Read only; `--json` prints the rows for scripts. Exit codes: 0 done; 1 no such user; 2 no or
unmigrated database.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from app.api.ids import MAX_ID
from app.cli.common import fail, require_schema, stdout, table, when
from app.db import transaction
from app.directory import service as directory
from app.errors import NotFound
from app.provisioning import repository


def events(
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "-k", help="Repeat for several")
    ] = None,
    app_id: Annotated[
        int | None, typer.Option("--app", help="Only this app's events", min=1, max=MAX_ID)
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's (id or username)")
    ] = None,
    since: Annotated[datetime | None, typer.Option(help="At or after this time (UTC)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="The rows as JSON")] = False,
) -> None:
    """Recent events, newest first."""
    require_schema()
    with transaction() as session:
        user_id = None
        if user is not None:
            try:
                user_id = directory.find_user(session, user).id
            except NotFound as exc:
                raise fail(str(exc)) from None
        found = repository.list_events(
            session,
            repository.EventFilter(kinds=kind or (), app_id=app_id, user_id=user_id, since=since),
            limit=limit,
        )
        names = repository.usernames(session, {e.user_id for e in found if e.user_id})
    if as_json:
        rows = [e.model_dump(mode="json") for e in found]
        print(json.dumps(rows, indent=2, default=str, ensure_ascii=False))
        return
    out = table(f"{len(found)} events", "id", "when", "kind", "app", "user", "task", "data")
    for e in found:
        out.add_row(
            str(e.id),
            when(e.created_at),
            e.kind,
            "" if e.app_id is None else str(e.app_id),
            "" if e.user_id is None else names.get(e.user_id, f"#{e.user_id}"),
            "" if e.task_id is None else str(e.task_id),
            json.dumps(e.data, default=str, ensure_ascii=False),
        )
    stdout().print(out)
