"""Fixtures shared by every test that needs the sandbox tenant: real Postgres, the sandbox
over TLS, real MSAL (registered for the whole suite in tests/conftest.py).

One sandbox server serves the whole session (starting one costs a TLS handshake setup and a
thread); each test gets it reseeded. The API is pointed at it through SANDBOX_URL and
SANDBOX_CA_FILE, the same settings a deployment uses.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.sandbox.server import SandboxServer
from app.sandbox.state import Behaviour
from tests.support import ApiClient, reset_caches


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with SandboxServer(host="127.0.0.1", port=0, cert_dir=tmp_path_factory.mktemp("certs")) as sb:
        yield sb


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    state = sandbox_server.state
    state.set_behaviour(Behaviour().to_dict())
    state.reset()
    yield sandbox_server
    state.set_behaviour(Behaviour().to_dict())


@pytest.fixture
def api(
    env: dict[str, str], sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ApiClient]:
    monkeypatch.setenv("SANDBOX_URL", sandbox.base_url)
    monkeypatch.setenv("SANDBOX_CA_FILE", str(sandbox.ca_file))
    reset_caches()
    with ApiClient.admin() as client:
        yield client
