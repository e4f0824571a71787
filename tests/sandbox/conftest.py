"""Fixtures for the sandbox tenant tests: one TLS server per session, reset before each test."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests

from app.sandbox.server import SandboxServer
from app.sandbox.state import Behaviour, SandboxState
from tests.sandbox.helpers import fetch_token


@pytest.fixture(scope="session")
def cert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sandbox-certs")


@pytest.fixture(scope="session")
def server(cert_dir: Path) -> Iterator[SandboxServer]:
    with SandboxServer(host="127.0.0.1", port=0, cert_dir=cert_dir) as sb:
        yield sb


@pytest.fixture
def sb(server: SandboxServer) -> SandboxServer:
    """The shared server with a freshly reseeded demo tenant and default behaviour."""
    server.state.set_behaviour(Behaviour().to_dict())
    server.state.reset()
    return server


@pytest.fixture
def state(sb: SandboxServer) -> SandboxState:
    return sb.state


@pytest.fixture
def ssl_context(server: SandboxServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.ca_file))


@pytest.fixture
def graph(sb: SandboxServer, ssl_context: ssl.SSLContext) -> Iterator[httpx.Client]:
    """An httpx client on {base}/v1.0 authenticated as the demo app."""
    token = fetch_token(sb.base_url, ssl_context)
    with httpx.Client(
        base_url=f"{sb.base_url}/v1.0",
        verify=ssl_context,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ) as client:
        yield client


@pytest.fixture
def admin(sb: SandboxServer, ssl_context: ssl.SSLContext) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sb.base_url}/_sandbox", verify=ssl_context) as client:
        yield client


@pytest.fixture
def msal_session(server: SandboxServer) -> Iterator[requests.Session]:
    # REQUESTS_CA_BUNDLE is set here and would override `verify` (contract §10).
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_file)
    yield session
    session.close()
