"""One cycle at a time across real worker processes: two `provisioner worker` processes on the
test Postgres and Redis, each running one job at a time, are handed two "sync now" jobs of the
same app at the same moment. The sandbox answers slowly, so the two cycles would overlap;
the app's lease lets exactly one of them read the tenant, and the other says why it did not."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.sandbox.server import SandboxServer
from tests.apps.helpers import app_body, authenticate
from tests.provisioning.workers import WorkerPool, arq_environment
from tests.support import ApiClient
from tests.sync.conftest import delta_calls, sync_row


@pytest.fixture
def arq_env(
    env: dict[str, str], sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    # One job at a time per worker: with one job running, the other job can only be taken
    # by the other process.
    return arq_environment(env, sandbox, monkeypatch, WORKER_CONCURRENCY="1")


@pytest.fixture
def pool(arq_env: dict[str, str], tmp_path: Path) -> Iterator[WorkerPool]:
    workers = WorkerPool(arq_env, tmp_path)
    yield workers
    workers.stop()


@pytest.fixture
def arq_api(arq_env: dict[str, str]) -> Iterator[ApiClient]:
    with ApiClient.admin() as client:
        yield client


def _wait_until_polling(pool: WorkerPool, n: int, timeout: float = 20) -> None:
    """Until `n` workers have started polling Redis (arq logs "Starting worker" then), so
    both are there to take the jobs the moment they are enqueued."""
    deadline = time.monotonic() + timeout
    while True:
        logs = [p.read_text(errors="replace") for p in pool.log_dir.glob("worker-*.log")]
        if sum("Starting worker" in text for text in logs) >= n:
            return
        assert time.monotonic() < deadline, pool.logs()
        time.sleep(0.1)


def test_two_worker_processes_asked_for_the_same_cycle_run_it_once(
    arq_api: ApiClient, sandbox: SandboxServer, pool: WorkerPool
) -> None:
    app = arq_api.ok("POST", "/apps", json=app_body())
    authenticate(arq_api, sandbox, app["id"])
    pool.start(2)
    _wait_until_polling(pool, 2)
    # Every Graph call takes 300 ms: a cycle lasts well over a second, so both workers are
    # inside their cycle at once unless the lease stops one.
    sandbox.state.set_behaviour({"latency_ms": 300.0})
    rounds_before = delta_calls(sandbox)

    began = time.monotonic()
    jobs = [arq_api.ok("POST", f"/apps/{app['id']}/sync", json={}, expect=202) for _ in range(2)]
    done = [arq_api.wait_job(j["id"], timeout=30) for j in jobs]
    elapsed = time.monotonic() - began

    assert [j["status"] for j in done] == ["succeeded", "succeeded"], (done, pool.logs())
    results: list[dict[str, Any]] = sorted((j["result"] for j in done), key=lambda r: r["ran"])
    skipped, ran = results
    assert ran["ran"] is True and ran["cycle"]["ok"] and ran["cycle"]["kind"] == "full"
    assert skipped == {"app_id": app["id"], "ran": False, "detail": "already running"}
    # Both jobs were running at once, on different processes.
    first, second = sorted(done, key=lambda j: j["started_at"])
    assert second["started_at"] < first["finished_at"], done
    logs = [p.read_text() for p in sorted(pool.log_dir.glob("worker-*.log"))]
    assert all("run_job" in text for text in logs), pool.logs()
    # The tenant was read once: one users round, one cycle recorded.
    assert delta_calls(sandbox) - rounds_before == 1
    row = sync_row(app["id"])
    assert row.state == "idle" and row.lease_until is None
    assert row.last_cycle is not None and row.last_cycle["reason"] == "api"
    assert elapsed < 30
