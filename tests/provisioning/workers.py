"""Real arq worker processes for fault tests: started, killed and restarted by the tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from app.sandbox.server import SandboxServer
from tests.support import reset_caches

ROOT = Path(__file__).resolve().parents[2]


def arq_environment(
    env: dict[str, str], sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, **extra: str
) -> dict[str, str]:
    """The test's environment switched to the arq queue on the test Redis (emptied), pointing
    at the sandbox, with `extra` settings; set in this process too, for the API client."""
    values = {
        **env,
        "QUEUE_MODE": "arq",
        "SANDBOX_URL": sandbox.base_url,
        "SANDBOX_CA_FILE": str(sandbox.ca_file),
        "LOG_FORMAT": "json",
        **extra,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    redis.Redis.from_url(values["REDIS_URL"]).flushdb()
    reset_caches()
    return values


class WorkerPool:
    """`provisioner worker` processes sharing the test's environment (database, Redis,
    sandbox, secret key)."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, n: int = 1) -> None:
        first = len(self.procs)
        for _ in range(n):
            # The worker gets its own copy of the descriptor; ours is closed once it started.
            with open(self.log_dir / f"worker-{len(self.procs)}.log", "wb") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "app.cli", "worker"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            self.procs.append(proc)
        time.sleep(1.5)  # import + arq start-up
        dead = [p for p in self.procs[first:] if p.poll() is not None]
        assert not dead, self.logs()

    def kill(self, index: int = 0) -> None:
        """SIGKILL: no shutdown hooks, leases left behind, exactly like a crash."""
        proc = self.procs[index]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs = [p for p in self.procs if p.poll() is None]

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("worker-*.log"))
        )
