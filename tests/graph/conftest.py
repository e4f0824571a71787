"""Fixtures for the Graph client tests: a real redis-server, and (later) the sandbox tenant."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from app.graph import (
    Budget,
    GraphCallRecord,
    GraphClient,
    InProcessLimiter,
    MsalTokenProvider,
    RateLimiter,
)
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.sandbox.state import Behaviour


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on a free port; fails loudly when it cannot start."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (apt-get install -y redis-server)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            binary,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(workdir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            if proc.poll() is not None:
                output = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"redis-server exited with {proc.returncode}: {output[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("redis-server did not answer PING within 10 s")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


# -- the sandbox tenant (Microsoft's side) ---------------------------------------------------


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with SandboxServer(host="127.0.0.1", port=0, cert_dir=tmp_path_factory.mktemp("certs")) as sb:
        yield sb


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    """The shared sandbox, reseeded and with default behaviour for every test."""
    state = sandbox_server.state
    state.set_behaviour(Behaviour().to_dict())
    state.reset()
    yield sandbox_server
    state.set_behaviour(Behaviour().to_dict())


class MemoryCacheStore:
    """A TokenCacheStore kept in memory (the product's encrypts into the database)."""

    def __init__(self) -> None:
        self.blob: str | None = None
        self.saves = 0

    def load(self) -> str | None:
        return self.blob

    def save(self, serialized: str) -> None:
        self.blob = serialized
        self.saves += 1


def token_provider(
    sb: SandboxServer,
    *,
    secret: str = seed.DEMO_CLIENT_SECRET,
    store: MemoryCacheStore | None = None,
) -> MsalTokenProvider:
    return MsalTokenProvider(
        seed.DEMO_CLIENT_ID,
        authority_base=sb.base_url,
        tenant=seed.DEMO_TENANT_ID,
        client_secret=secret,
        scope="https://graph.microsoft.com/.default",
        ca_file=str(sb.ca_file),
        cache_store=store,
    )


@pytest.fixture
async def make_graph(
    sandbox: SandboxServer,
) -> AsyncIterator[Callable[..., GraphClient]]:
    """Builds GraphClients on the sandbox with real MSAL over TLS; closes them afterwards."""
    made: list[tuple[GraphClient, MsalTokenProvider]] = []

    def build(
        *,
        budget: Budget | None = None,
        limiter: RateLimiter | None = None,
        records: list[GraphCallRecord] | None = None,
        **kwargs: Any,
    ) -> GraphClient:
        tokens = token_provider(sandbox)
        if records is not None:
            kwargs["on_call"] = records.append
        client = GraphClient(
            graph_base=sandbox.base_url,
            token_provider=tokens,
            limiter=limiter or InProcessLimiter(budget or Budget()),
            limiter_key=kwargs.pop("limiter_key", f"{seed.DEMO_CLIENT_ID}:{seed.DEMO_TENANT_ID}"),
            ssl_context=ssl.create_default_context(cafile=str(sandbox.ca_file)),
            **{"backoff_base": 0.02, "backoff_max": 0.2, **kwargs},
        )
        made.append((client, tokens))
        return client

    yield build
    for client, tokens in made:
        await client.aclose()
        tokens.close()
