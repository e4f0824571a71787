"""`provisioner migrate|serve|worker` and `provisioner openapi export`: the commands a
deployment runs (the image's entry points) and the one that keeps the committed spec current.
"""

from __future__ import annotations

import fcntl
import importlib
import json
import logging
import os
import shlex
import sys
import tempfile
import threading
from pathlib import Path
from typing import Annotated

import typer
from arq.worker import check_health, run_worker

from app import queue
from app.background import install_dispatcher
from app.background.worker import WorkerSettings
from app.cli.common import console, database_label, fail
from app.db import check_schema, current_revision, get_engine, transaction
from app.db import migrate as migrate_schema
from app.errors import Unauthorized
from app.logging import configure_logging
from app.models import Scope
from app.openapi import render_openapi
from app.process import settle_heap
from app.settings import Settings, get_settings
from app.tokens.service import authenticate, create_token

log = logging.getLogger("app.serve")

# How long start-up waits for the server to listen before a refused probe counts.
CALLBACK_GRACE_S = 20.0

openapi_app = typer.Typer(help="The OpenAPI document", no_args_is_help=True)

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def migrate(revision: str = "head") -> None:
    """Create or upgrade the database schema."""
    configure_logging(get_settings())
    engine = get_engine()
    before = current_revision(engine)
    migrate_schema(engine, revision)
    after = current_revision(engine)
    console.print(f"schema: {before or 'empty'} -> {after} ({database_label(get_settings())})")


ADMIN_TOKEN_NAME = "first-admin"


def setup(
    admin_token_file: Annotated[
        Path | None,
        typer.Option(help="Where the admin token is kept (default: DATA_DIR/admin-token)"),
    ] = None,
) -> None:
    """Migrate, then make sure the admin token file holds a live admin token: made the first
    time, made again when the database no longer knows the one kept (it was reset). Says
    where the token is, never what it is. `scripts/serve.sh` runs this before `serve`: one
    command, where it used to run four, each paying the CLI's start-up."""
    migrate()
    path = admin_token_file or get_settings().data_dir / "admin-token"
    if path.exists() and not path.is_file():
        raise fail(f"{path} is not a file: the admin token is kept in a file there.", 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Two starts at once must not both make a token: the second waits, then finds the first's.
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            # Bytes that are no UTF-8 are no token either: replaced below like a stale one.
            kept = path.read_text("utf-8", errors="replace").strip() if path.exists() else ""
        except OSError as exc:
            message = f"{path} cannot be read ({exc.strerror}): fix or remove it."
            raise fail(message, 2) from None
        if kept and not _live(kept):
            console.print(
                f"{path} holds no live token (was the database reset?): making a new one",
                soft_wrap=True,  # a path is never broken across lines
            )
            kept = ""
        if not kept:
            # Written before the token's transaction commits: a token that could not be kept
            # in the file is never made.
            with transaction() as session:
                _, raw = create_token(session, ADMIN_TOKEN_NAME, [Scope.admin])
                _write_private(path, raw + "\n")
            console.print("made an admin token")
    quoted = shlex.quote(str(path))
    console.print(
        f"admin token in {path} (paste it into Authorize at /docs, or: export T=$(cat {quoted}))",
        soft_wrap=True,
    )


def _live(raw: str) -> bool:
    try:
        with transaction() as session:
            authenticate(session, raw)
    except Unauthorized:
        return False
    return True


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by its owner only from the first byte (a temporary
    file made 0600 by `mkstemp`, then renamed over it), so no reader sees half of it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default: HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: PORT)")] = None,
    reload: bool = False,
) -> None:
    """Run the HTTP API (and, in the embedded default, the in-process runner)."""
    # Imported here, not at the top: the HTTP server and the sandbox tenant (a whole Graph
    # emulator) are ~90 modules that only this command uses, and every command pays for what
    # the CLI imports at start-up (a container health check runs `worker --check` often).
    import uvicorn

    # The options are settings like HOST and PORT: written back to the environment so what
    # derives from them (PUBLIC_URL, hence the consent callback) follows, in this process and
    # in a reloader's children, which read their settings afresh.
    if host is not None:
        os.environ["HOST"] = host
    if port is not None:
        os.environ["PORT"] = str(port)
    get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings)
    from app.apps.sandbox_default import start_embedded_sandbox
    from app.apps.service import CALLBACK_PATH

    # Before uvicorn imports the app, so the `sandbox` cloud already points at it.
    sandbox = start_embedded_sandbox(settings)
    if sandbox is not None:
        console.print(f"sandbox tenant on {sandbox.base_url} (GET /api/v1/apps/sandbox-demo)")
    settings = get_settings()  # read again: starting the sandbox pointed them at it
    if not settings.uses_arq and not reload:
        # The in-process runner starts with the server, not at the server's first wake-up: its
        # sweeper, and its look at work the CLI handed over, must run from the start.
        install_dispatcher(settings)
        queue.get_dispatcher()
    console.print(
        f"serving on {settings.host}:{settings.port}; Swagger UI at {settings.effective_public_url}"
        f"/docs; admin-consent callback {settings.effective_public_url}{CALLBACK_PATH} "
        "(PUBLIC_URL)",
        soft_wrap=True,
    )
    threading.Thread(
        target=_report_callback, args=(settings, CALLBACK_PATH), name="callback-check", daemon=True
    ).start()
    if not reload:
        # The app is built here (uvicorn then finds the module imported) so that what it
        # loaded can be frozen out of the garbage collector's way (`app.process`).
        importlib.import_module("app.asgi")
        settle_heap()
    code = 0
    try:
        uvicorn.run(
            "app.asgi:app",
            host=settings.host,
            port=settings.port,
            reload=reload,
            log_config=None,
            # One line per request comes from the app (`app.observability.middleware`), with
            # the route template, the request id and the token's name; uvicorn's would double it.
            access_log=False,
            proxy_headers=True,
            # Ctrl-C must not wait on a slow request (or a browser's open connection) for long.
            timeout_graceful_shutdown=2,
        )
    except KeyboardInterrupt:  # uvicorn shut down cleanly, then re-raised the Ctrl-C
        code = 130
    if sandbox is not None:
        # os._exit below skips every thread: the tenant's last changes are written first.
        sandbox.close_store()
    # Skip the interpreter's teardown: it garbage-collects the whole heap, seconds on a busy
    # machine, after the app's lifespan has already closed everything that needs closing.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _report_callback(settings: Settings, callback_path: str) -> None:
    """Say at start-up whether the admin-consent callback reaches this server: a wrong
    PUBLIC_URL otherwise shows only as a consent failing in the admin's browser."""
    from app.apps import callback_check

    check = callback_check.wait_and_probe(settings, callback_path, grace_s=CALLBACK_GRACE_S)
    if check.reachable:
        log.info("consent.callback_ok", extra={"callback": check.callback})
    else:
        log.warning(
            "consent.callback_unreachable",
            extra={"callback": check.callback, "problem": check.problem},
        )


def worker(
    burst: bool = typer.Option(False, help="Exit when the queue is empty"),
    check: bool = typer.Option(
        False, "--check", help="Exit 0 if this host's worker reported healthy recently, else 1"
    ),
) -> None:
    """Run an arq worker (needs REDIS_URL and DATABASE_URL)."""
    settings = get_settings()
    configure_logging(settings)
    if not settings.redis_url:
        raise fail("REDIS_URL is not set: workers need Redis.", 2)
    if check:  # a container health check: Redis only, no database round trip
        raise typer.Exit(check_health(WorkerSettings))  # type: ignore[arg-type]
    check_schema(get_engine())
    lower_priority(settings.worker_nice)
    run_worker(WorkerSettings, burst=burst)  # type: ignore[arg-type]


def lower_priority(niceness: int) -> None:
    """Raise this process's niceness to at least `niceness` (never lower it: that needs
    privileges, and a worker started under `nice` already was meant to yield)."""
    if not hasattr(os, "getpriority"):  # not POSIX
        return
    if os.getpriority(os.PRIO_PROCESS, 0) < niceness:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)


@openapi_app.command("export")
def openapi_export(
    output: Annotated[Path, typer.Option("--output", "-o")] = OPENAPI_PATH,
    check: bool = typer.Option(False, help="Fail if the file differs instead of writing it"),
) -> None:
    """Write the app's OpenAPI document (or check the committed one is current)."""
    text = render_openapi()
    if check:
        current = output.read_text() if output.exists() else ""
        if current != text:
            raise fail(f"{output} is out of date: run `provisioner openapi export`")
        console.print(f"{output} is current")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    console.print(f"wrote {output} ({len(json.loads(text)['paths'])} paths)")
