"""`provisioner token create`: an API token made next to the database, e.g. the first admin
token of a new installation (the API's own token routes need one already)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import console, fail, require_schema
from app.db import check_schema, get_engine, transaction
from app.errors import Unauthorized
from app.models import Scope
from app.tokens.service import authenticate, create_token

token_app = typer.Typer(help="API tokens", no_args_is_help=True)


@token_app.command("create")
def token_create(
    scope: Annotated[
        list[str], typer.Option("--scope", "-s", help="read, write, approve, admin, scim")
    ],
    name: Annotated[str, typer.Option(help="What the token is for")] = "cli",
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    try:
        scopes = [Scope(s) for s in scope]
    except ValueError as exc:
        raise fail(f"{exc}; scopes are {', '.join(s.value for s in Scope)}", 2) from None
    require_schema()
    with transaction() as session:
        row, raw = create_token(session, name, scopes)
        token_id = row.id
    console.print(f"token {token_id} ({name}) with scopes {', '.join(sorted(scope))}:")
    print(raw)


@token_app.command("check")
def token_check() -> None:
    """Exit 0 if the token on stdin is live (known, not revoked, not expired), else 1.

    `serve.sh` asks before it points you at a saved token: a reset database leaves the file
    holding a token nobody knows any more."""
    raw = typer.get_text_stream("stdin").read().strip()
    check_schema(get_engine())
    try:
        with transaction() as session:
            row = authenticate(session, raw)
            name, scopes = row.name, sorted(row.scopes)
    except Unauthorized as exc:
        raise fail(exc.detail or "The token is not valid.") from None
    console.print(f"token {name!r} is live, scopes {', '.join(scopes)}")
