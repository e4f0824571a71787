"""Fixtures for the operator-facing tests: a live server (pointed at a sandbox tenant) and
free ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
PROVISIONER = str(Path(sys.executable).with_name("provisioner"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer in {timeout}s:\n{log.read_text()}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="package")
def live_server(
    migrated: str,
    redis_url: str,
    sandbox_server: SandboxServer,  # tests/tenant_fixtures.py; tests reseed it with `sandbox`
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """`provisioner serve` as the image runs it, on a free port, against the test database.

    One for the tests in tests/ops: starting the app takes seconds. Tests that use it also take
    `env`, which empties the database before each test; the server keeps no state of its own.
    It stops when tests/ops is done: its in-process sweeper re-wakes stale rows of the shared
    test database every second, and would otherwise run later packages' tasks behind their
    backs (say, tasks a fault test means to leave queued). It reaches
    the session's sandbox tenant through SANDBOX_URL / SANDBOX_CA_FILE, as a deployment would
    reach one run by `provisioner sandbox`.
    """
    from tests.conftest import SECRET_KEY

    port = free_port()
    tmp = tmp_path_factory.mktemp("live")
    log = tmp / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": migrated,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp / "data"),
        "SECRET_KEY": SECRET_KEY,
        "QUEUE_MODE": "inline",
        "SANDBOX_ENABLED": "false",
        "SANDBOX_URL": sandbox_server.base_url,
        "SANDBOX_CA_FILE": str(sandbox_server.ca_file),
        "SWEEPER_INTERVAL_S": "1",
        "LOG_FORMAT": "json",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [PROVISIONER, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", port, log)
    try:
        wait_http(server.url + "/healthz", proc, log, timeout=90)
        yield server
    finally:
        stop(proc)
