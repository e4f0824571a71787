"""`provisioner`: run the API, a worker or the sandbox tenant; migrate; manage tokens; export
the OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.cli_admin import register_admin_commands

app = typer.Typer(
    help="Keeps a Microsoft 365 tenant in step with a directory of people.", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens", no_args_is_help=True)
openapi_app = typer.Typer(help="The OpenAPI document", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(openapi_app, name="openapi")
register_admin_commands(app)  # import users, reapply

console = Console(stderr=True)
OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


@app.command()
def migrate(revision: str = "head") -> None:
    """Create or upgrade the database schema."""
    from app.db import current_revision, get_engine
    from app.db import migrate as run

    engine = get_engine()
    before = current_revision(engine)
    run(engine, revision)
    after = current_revision(engine)
    console.print(f"schema: {before or 'empty'} -> {after}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    reload: bool = False,
) -> None:
    """Run the HTTP API (and, in the embedded default, the in-process runner)."""
    import uvicorn

    from app.logging import configure_logging
    from app.settings import get_settings

    settings = get_settings()
    configure_logging(settings)
    from app.apps.sandbox_default import start_embedded_sandbox

    # Before uvicorn imports the app, so the `sandbox` cloud already points at it.
    sandbox = start_embedded_sandbox(settings)
    if sandbox is not None:
        console.print(f"sandbox tenant on {sandbox.base_url} (GET /api/v1/apps/sandbox-demo)")
    uvicorn.run(
        "app.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        log_config=None,
        proxy_headers=True,
    )


@app.command()
def worker(
    burst: bool = typer.Option(False, help="Exit when the queue is empty"),
    check: bool = typer.Option(
        False, "--check", help="Exit 0 if this host's worker reported healthy recently, else 1"
    ),
) -> None:
    """Run an arq worker (needs REDIS_URL and DATABASE_URL)."""
    from arq.worker import check_health, run_worker

    from app.background.worker import WorkerSettings
    from app.logging import configure_logging
    from app.settings import get_settings

    settings = get_settings()
    configure_logging(settings)
    if not settings.redis_url:
        console.print("[red]REDIS_URL is not set: workers need Redis.[/red]")
        raise typer.Exit(2)
    if check:  # a container health check: Redis only, no database round trip
        raise typer.Exit(check_health(WorkerSettings))  # type: ignore[arg-type]
    from app.db import check_schema, get_engine

    check_schema(get_engine())
    run_worker(WorkerSettings, burst=burst)  # type: ignore[arg-type]


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Port")] = 8443,
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    cert_dir: Annotated[Path | None, typer.Option(help="Where its TLS files live")] = None,
    public_host: Annotated[
        str | None, typer.Option(help="Host name clients use to reach it")
    ] = None,
) -> None:
    """Run the sandbox Microsoft 365 tenant alone, in the foreground (https)."""
    from app.sandbox.server import SandboxServer
    from app.settings import get_settings

    certs = cert_dir or get_settings().data_dir / "sandbox-certs"
    SandboxServer(host=host, port=port, cert_dir=certs, public_host=public_host).serve_forever()


@token_app.command("create")
def token_create(
    scope: Annotated[
        list[str], typer.Option("--scope", "-s", help="read, write, approve, admin, scim")
    ],
    name: Annotated[str, typer.Option(help="What the token is for")] = "cli",
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    from app.db import check_schema, get_engine, transaction
    from app.security import Scope, create_token

    try:
        scopes = [Scope(s) for s in scope]
    except ValueError as exc:
        console.print(f"[red]{exc}; scopes are {', '.join(s.value for s in Scope)}[/red]")
        raise typer.Exit(2) from None
    check_schema(get_engine())
    with transaction() as session:
        row, raw = create_token(session, name, scopes)
        token_id = row.id
    console.print(f"token {token_id} ({name}) with scopes {', '.join(sorted(scope))}:")
    print(raw)


@openapi_app.command("export")
def openapi_export(
    output: Annotated[Path, typer.Option("--output", "-o")] = OPENAPI_PATH,
    check: bool = typer.Option(False, help="Fail if the file differs instead of writing it"),
) -> None:
    """Write the app's OpenAPI document (or check the committed one is current)."""
    from app.openapi import render_openapi

    text = render_openapi()
    if check:
        current = output.read_text() if output.exists() else ""
        if current != text:
            console.print(f"[red]{output} is out of date: run `provisioner openapi export`[/red]")
            raise typer.Exit(1)
        console.print(f"{output} is current")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    console.print(f"wrote {output} ({len(json.loads(text)['paths'])} paths)")


def main() -> None:
    from app.background import install_dispatcher
    from app.settings import get_settings

    install_dispatcher(get_settings())
    app(prog_name="provisioner")


if __name__ == "__main__":
    main()
