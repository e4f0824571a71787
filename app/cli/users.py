"""`provisioner users list|show`: the directory's people from a shell, with the same filters
as `GET /users` and, for one person, what `GET /users/{id}/apps` says about each app: the
assignment's state, the errors of its last run's steps and why it wants what it wants.

Read only. `--json` prints the API's own shapes (`UserRead`, `AssignmentRead`) for scripts.

Exit codes: 0 done; 1 no such user; 2 bad input (unknown status, no or unmigrated database).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from app.api.ids import MAX_ID
from app.cli.common import choices, console, fail, require_schema, stdout, table, when
from app.db import transaction
from app.directory import repository as directory_repo
from app.directory import service as directory
from app.directory.schemas import UserRead
from app.errors import NotFound
from app.models import UserStatus
from app.provisioning import repository as provisioning_repo
from app.provisioning import service as provisioning
from app.provisioning.schemas import AssignmentRead

users_app = typer.Typer(help="People in the directory: list, show", no_args_is_help=True)


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def dumped(models: list[UserRead] | list[AssignmentRead]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in models]


@users_app.command("list")
def users_list(
    q: Annotated[
        str | None, typer.Option("--q", "-q", help="Search names, username, email")
    ] = None,
    username: Annotated[str | None, typer.Option(help="Exact username")] = None,
    email: Annotated[str | None, typer.Option(help="Exact email")] = None,
    role_id: Annotated[
        int | None, typer.Option("--role", help="Holds this role id", min=1, max=MAX_ID)
    ] = None,
    group_id: Annotated[
        int | None, typer.Option("--group", help="In this group id", min=1, max=MAX_ID)
    ] = None,
    status: Annotated[str | None, typer.Option(help="active or suspended")] = None,
    updated_since: Annotated[
        datetime | None, typer.Option(help="Changed at or after this time (UTC)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="The API's UserRead objects")] = False,
) -> None:
    """Users, by id (the `GET /users` filters)."""
    statuses = choices([status] if status else [], UserStatus, "--status")
    found = directory_repo.UserFilter(
        email=email,
        username=username,
        role_id=role_id,
        group_id=group_id,
        status=statuses[0] if statuses else None,
        updated_since=updated_since,
        q=q,
    )
    require_schema()
    with transaction() as session:
        total = directory_repo.count_matching_users(session, found)
        users = directory.read_users(
            session, directory_repo.list_users(session, found, limit=limit)
        )
    if as_json:
        print_json(dumped(users))
        return
    out = table(f"{len(users)} of {total} users", "id", "username", "email", "name", "status")
    out.add_column("roles", overflow="fold")
    out.add_column("member of", overflow="fold")
    for u in users:
        out.add_row(
            str(u.id),
            u.username,
            u.email,
            u.display_name or " ".join(p for p in (u.firstname, u.lastname) if p),
            u.status,
            ", ".join(f"{r.name} ({r.source})" for r in u.roles),
            ", ".join(u.member_of),
        )
    stdout().print(out)


@users_app.command("show")
def users_show(
    user: Annotated[str, typer.Argument(help="User id or username")],
    as_json: Annotated[
        bool, typer.Option("--json", help='{"user": UserRead, "apps": [AssignmentRead]}')
    ] = False,
) -> None:
    """One user, and each app's assignment: state, open task, step errors, open drift (what
    the tenant changed since) and why."""
    require_schema()
    with transaction() as session:
        try:
            row = directory.find_user(session, user)
        except NotFound as exc:
            raise fail(str(exc)) from None
        read = directory.read_users(session, [row])[0]
        assignments = provisioning.assignment_reads(
            session,
            provisioning.assignment_views(
                session, provisioning_repo.user_assignments(session, read.id)
            ),
        )
    if as_json:
        print_json({"user": read.model_dump(mode="json"), "apps": dumped(assignments)})
        return
    out = stdout()
    out.print(_user_table(read))
    for a in assignments:
        out.print(_assignment_table(a))
    if not assignments:
        console.print("no app assignments")


def _user_table(u: UserRead) -> Any:
    out = table(f"user {u.id}", "field", "value")
    fields: dict[str, Any] = {
        "username": u.username,
        "email": u.email,
        "name": u.display_name or " ".join(p for p in (u.firstname, u.lastname) if p),
        "status": u.status,
        "member of": ", ".join(u.member_of),
        "group": u.effective_group_id,
        "roles": ", ".join(f"{r.name} ({r.source})" for r in u.roles),
        "attributes": json.dumps(u.effective_attributes, ensure_ascii=False)
        if u.effective_attributes
        else "",
        "updated": when(u.updated_at),
    }
    for name, value in fields.items():
        out.add_row(name, "" if value is None else str(value))
    return out


def _assignment_table(a: AssignmentRead) -> Any:
    out = table(f"app {a.app_id}: {a.state}", "field", "value")
    rows: dict[str, Any] = {
        "assignment": a.id,
        "active": "yes" if a.active else "no",
        "target": a.target,
        "state": a.state,
        "tenant object": a.tenant_object_id,
        "open task": f"{a.open_task.id} {a.open_task.action} {a.open_task.status}"
        if a.open_task
        else None,
        "why": _compact(a.why),
        "desired": _compact(a.desired),
        "applied": _compact(a.applied),
    }
    for i, e in enumerate(a.step_errors, start=1):
        rows[f"step error {i}"] = _compact(e)
    for i, d in enumerate(a.drift, start=1):
        rows[f"drift {i}"] = _compact(d)
    for name, value in rows.items():
        out.add_row(name, "" if value is None else str(value))
    return out


def _compact(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_none=True)
    return json.dumps(value, default=str, ensure_ascii=False)
