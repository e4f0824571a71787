"""Fault tolerance with real arq workers, real Redis and real Postgres: every task still ends
correctly, no tenant user is created twice, nothing is lost."""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import live_users, make_app, members, wait_tasks
from tests.provisioning.workers import WorkerPool, arq_environment
from tests.support import ApiClient, user_body

USERS = 20


@pytest.fixture
def arq_env(
    env: dict[str, str], sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    return arq_environment(env, sandbox, monkeypatch, TASK_LEASE_S="5", SWEEPER_INTERVAL_S="2")


@pytest.fixture
def pool(arq_env: dict[str, str], tmp_path: Path) -> Iterator[WorkerPool]:
    workers = WorkerPool(arq_env, tmp_path)
    yield workers
    workers.stop()


@pytest.fixture
def arq_api(arq_env: dict[str, str]) -> Iterator[ApiClient]:
    with ApiClient.admin() as client:
        yield client


def _assert_converged(
    api: ApiClient, sb: SandboxServer, app_id: int, n: int = USERS, timeout: float = 90
) -> None:
    tasks = wait_tasks(api, app_id, timeout=timeout)
    by_user: dict[int, list[str]] = {}
    for t in tasks:
        by_user.setdefault(t["user_id"], []).append(t["status"])
    assert len(by_user) == n
    unfinished = {u: s for u, s in by_user.items() if s[-1] != "succeeded"}
    assert not unfinished, [t for t in tasks if t["user_id"] in unfinished]
    upns = Counter(u.upn for u in live_users(sb) if u.upn.startswith("user"))
    assert len(upns) == n and set(upns.values()) == {1}, upns  # nobody created twice
    sales = set(members(sb, seed.GROUP_SALES))
    for u in live_users(sb):
        if u.upn.startswith("user"):
            assert [lic.sku_id for lic in u.licenses] == [seed.SKU_E3]
            assert u.id in sales


def test_throttling_storms_5xx_and_replication_delay(
    arq_api: ApiClient, sandbox: SandboxServer, pool: WorkerPool
) -> None:
    pool.start(2)
    app = make_app(arq_api, sandbox)
    sandbox.state.set_behaviour(
        {
            "fault_rate_429": 0.25,
            "fault_rate_503": 0.1,
            "fault_retry_after_s": 0.2,
            "replication_delay_s": 1.0,
            "fault_seed": 7,
        }
    )
    app = _onboard_existing(arq_api, app)
    _assert_converged(arq_api, sandbox, app["id"])
    counters = sandbox.state.counters.to_dict()
    assert counters["faults_injected"] > 10, counters


def _onboard_existing(api: ApiClient, app: dict[str, Any], n: int = USERS) -> dict[str, Any]:
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    api.ok(
        "POST",
        f"/apps/{app['id']}/rules",
        json={
            "name": "E1 and Sales",
            "conditions": [{"source": "username", "operator": "exists"}],
            "actions": [
                {"action": "set_licenses", "value": [seed.SKU_E3]},
                {"action": "set_groups", "value": [seed.GROUP_SALES]},
            ],
        },
    )
    api.ok("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True})
    for i in range(1, n + 1):
        api.ok("POST", "/users", json=user_body(i, role_ids=[role["id"]]))
    return app


def test_worker_killed_mid_task(
    arq_api: ApiClient, sandbox: SandboxServer, pool: WorkerPool
) -> None:
    pool.start(1)
    app = make_app(arq_api, sandbox)
    # Slow Graph down and make some writes commit without an answer, so the kill lands while
    # tasks are running and a retry meets objects its first attempt already created.
    sandbox.state.set_behaviour(
        {
            "latency_ms": 400,
            "fault_rate_timeout": 0.1,
            "fault_timeout_after_commit": True,
            "timeout_hang_s": 1.0,
        }
    )
    _onboard_existing(arq_api, app)
    deadline = time.monotonic() + 30
    while not any(
        t["status"] == "running"
        for t in arq_api.ok("GET", "/provisioning/tasks", params={"limit": 100})["items"]
    ):
        assert time.monotonic() < deadline, pool.logs()
        time.sleep(0.05)
    time.sleep(0.5)
    pool.kill(0)
    sandbox.state.set_behaviour({"latency_ms": 0, "fault_rate_timeout": 0.0})
    pool.start(1)
    _assert_converged(arq_api, sandbox, app["id"])


def test_redis_flushed_with_queued_work(
    arq_api: ApiClient, sandbox: SandboxServer, pool: WorkerPool, arq_env: dict[str, str]
) -> None:
    pool.start(1)
    app = make_app(arq_api, sandbox)
    pool.stop()
    _onboard_existing(arq_api, app)
    queued = arq_api.ok("GET", "/provisioning/tasks", params={"limit": 100})["items"]
    assert [t["status"] for t in queued] == ["queued"] * USERS
    redis.Redis.from_url(arq_env["REDIS_URL"]).flushdb()  # every wake-up is gone
    pool.start(1)
    _assert_converged(arq_api, sandbox, app["id"])


def test_postgres_restarted_under_load(
    arq_api: ApiClient, sandbox: SandboxServer, pool: WorkerPool
) -> None:
    data, pg_bin = os.environ.get("TEST_PG_DATA"), os.environ.get("TEST_PG_BIN")
    if not data or not pg_bin:
        pytest.fail(
            "TEST_PG_DATA / TEST_PG_BIN are not set: run through scripts/test.sh", pytrace=False
        )
    pool.start(2)
    app = make_app(arq_api, sandbox)
    sandbox.state.set_behaviour({"latency_ms": 150})
    _onboard_existing(arq_api, app)
    time.sleep(1.0)
    # -l: without a log file the new postmaster keeps our pipe open and run() never returns.
    log = str(Path(data).parent / "restart.log")
    cmd = [f"{pg_bin}/pg_ctl", "-D", data, "-l", log, "-m", "fast", "-w", "restart"]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    sandbox.state.set_behaviour({"latency_ms": 0})
    _assert_converged(arq_api, sandbox, app["id"], timeout=120)
