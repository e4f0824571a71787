"""`provisioner token create`: an API token made next to the database, e.g. the first admin
token of a new installation (the API's own token routes need one already)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import console, fail, require_schema
from app.db import transaction
from app.models import Scope
from app.tokens.service import create_token

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
