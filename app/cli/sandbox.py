"""`provisioner sandbox`: the sandbox Microsoft 365 tenant (a Graph emulator) on its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.settings import get_settings


def sandbox(
    port: Annotated[int | None, typer.Option(help="Port (default: SANDBOX_PORT)")] = None,
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    cert_dir: Annotated[Path | None, typer.Option(help="Where its TLS files live")] = None,
    public_host: Annotated[
        str | None, typer.Option(help="Host name clients use to reach it")
    ] = None,
) -> None:
    """Run the sandbox Microsoft 365 tenant alone, in the foreground (https)."""
    # Imported here, not at the top: the emulator and its HTTP server are ~90 modules that only
    # this command and `serve` use, and every command pays for what the CLI imports.
    from app.sandbox.server import SandboxServer

    settings = get_settings()
    certs = cert_dir or settings.sandbox_cert_dir
    port = settings.sandbox_port if port is None else port
    SandboxServer(
        host=host, port=port, cert_dir=certs, public_host=public_host, data_dir=settings.data_dir
    ).serve_forever()
