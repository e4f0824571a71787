"""Assembling and running the sandbox tenant: the FastAPI app and a TLS server around it.

`create_sandbox_app()` is the ASGI app (login, Graph and admin routes on one origin).
`SandboxServer` serves it with uvicorn over https, either in a background thread (tests,
benchmarks, the embedded demo) or in the foreground (`provisioner sandbox`).
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG

from app.sandbox.admin_routes import build_admin_router
from app.sandbox.graph_routes import build_graph_router
from app.sandbox.login_routes import build_login_router
from app.sandbox.persistence import TenantStore, open_demo_state
from app.sandbox.seed import new_demo_state
from app.sandbox.state import SandboxState
from app.sandbox.tls import TlsFiles, ensure_certificates

STARTUP_TIMEOUT_S = 15.0


def create_sandbox_app(state: SandboxState | None = None) -> FastAPI:
    """The sandbox as an ASGI app; without a state it serves a fresh demo tenant."""
    sandbox_state = state if state is not None else new_demo_state()
    app = FastAPI(
        title="Sandbox tenant",
        description="An emulator of Microsoft Graph v1.0 and the Microsoft identity platform.",
        docs_url="/_sandbox/docs",
        openapi_url="/_sandbox/openapi.json",
        redoc_url=None,
    )
    app.state.sandbox = sandbox_state
    # Admin first: its literal prefix must win over the login routes' `/{tenant}/...`.
    app.include_router(build_admin_router(sandbox_state))
    app.include_router(build_graph_router(sandbox_state))
    app.include_router(build_login_router(sandbox_state))
    return app


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this on Linux; without it small TLS records wait on
    # Nagle + delayed ACK and every response takes ~40 ms (contract §10).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


class SandboxServer:
    """The sandbox served over TLS by uvicorn.

    Use as a context manager to run it in a background thread, or call `serve_forever()`.
    Port 0 picks a free port; `base_url` is known once the socket is bound. With a
    `data_dir` (and no `state`) the tenant is kept in that directory across restarts
    (see persistence.py); without one it lives in memory only.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        cert_dir: Path | None = None,
        state: SandboxState | None = None,
        *,
        public_host: str | None = None,
        log_level: str | None = "warning",
        data_dir: Path | None = None,
    ) -> None:
        self.host = host
        self.store: TenantStore | None = None
        if state is not None:
            self.state = state
        elif data_dir is not None:
            self.state, self.store = open_demo_state(data_dir)
        else:
            self.state = new_demo_state()
        self.cert_dir = cert_dir or Path(tempfile.gettempdir()) / "sandbox-tenant-certs"
        self.log_level = log_level
        # The name clients use; a wildcard bind address is not something they can dial.
        self.public_host = public_host or ("127.0.0.1" if host in ("0.0.0.0", "") else host)
        extra = (self.public_host,) if self.public_host not in ("127.0.0.1", "localhost") else ()
        self.tls: TlsFiles = ensure_certificates(self.cert_dir, extra)
        self._socket = _listening_socket(host, port)
        self.port: int = self._socket.getsockname()[1]
        self.app = create_sandbox_app(self.state)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.public_host}]" if ":" in self.public_host else self.public_host
        return f"https://{host}:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.tls.ca_file

    def _config(self) -> uvicorn.Config:
        return uvicorn.Config(
            self.app,
            ssl_certfile=str(self.tls.cert_file),
            ssl_keyfile=str(self.tls.key_file),
            # uvicorn's logging set-up is process-wide (its loggers' levels and handlers): a
            # sandbox running inside the API passes None and leaves the API's logging alone.
            log_config=LOGGING_CONFIG if self.log_level is not None else None,
            log_level=self.log_level,
            lifespan="off",
            access_log=False,
            # Requests stalled by timeout injection must not hold up shutdown.
            timeout_graceful_shutdown=1,
        )

    # --- background thread -----------------------------------------------------------------

    def start(self) -> SandboxServer:
        server = uvicorn.Server(self._config())
        self._server = server

        def run() -> None:
            asyncio.run(server.serve(sockets=[self._socket]))

        self._thread = threading.Thread(target=run, name="sandbox-tenant", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("sandbox server failed to start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()
        self.close_store()

    def close_store(self) -> None:
        """Write the tenant's pending changes to its data dir (at shutdown)."""
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- foreground ------------------------------------------------------------------------

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted (Ctrl+C), for `provisioner sandbox`."""
        print(f"Sandbox tenant listening on {self.base_url}")
        print(f"Trust this CA: {self.ca_file}")
        try:
            uvicorn.Server(self._config()).run(sockets=[self._socket])
        finally:
            self._socket.close()
            self.close_store()
