"""The image's commands, run as plain processes: migrate, serve (+ its health check), worker."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

from tests.ops.conftest import PROVISIONER, ROOT, LiveServer, free_port, stop

DOCKERFILE = ROOT / "Dockerfile"


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    """A database of its own with no schema, dropped afterwards."""
    name = f"prov_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrate_creates_the_schema_on_an_empty_database(
    empty_database: str, tmp_path: Path
) -> None:
    from app.db import head_revision

    env = {**os.environ, "DATABASE_URL": empty_database, "DATA_DIR": str(tmp_path)}
    first = subprocess.run(
        [PROVISIONER, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert first.returncode == 0, first.stderr
    assert f"schema: empty -> {head_revision()}" in first.stderr
    again = subprocess.run(
        [PROVISIONER, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0 and f"{head_revision()} -> {head_revision()}" in again.stderr


def _healthcheck_command() -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    for line in joined.splitlines():
        if line.startswith("HEALTHCHECK ") and " CMD [" in line:
            return list(json.loads(line.split(" CMD ", 1)[1]))
    raise AssertionError("Dockerfile has no exec-form HEALTHCHECK")


def test_serve_answers_health_and_the_images_healthcheck_passes(live_server: LiveServer) -> None:
    assert httpx.get(live_server.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(live_server.url + "/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}

    command = _healthcheck_command()
    assert command[0] == "python"
    env = {**os.environ, "PORT": str(live_server.port)}
    probe = subprocess.run(
        [str(Path(PROVISIONER).with_name("python")), *command[1:]], env=env, timeout=30
    )
    assert probe.returncode == 0
    down = subprocess.run(
        [str(Path(PROVISIONER).with_name("python")), *command[1:]],
        env={**os.environ, "PORT": str(free_port())},
        capture_output=True,
        timeout=30,
    )
    assert down.returncode != 0  # the probe can fail


def test_serve_logs_json_lines_with_the_request_id(live_server: LiveServer) -> None:
    httpx.get(live_server.url + "/api/v1/users", headers={"X-Request-ID": "rid-serve-1"})
    deadline = time.monotonic() + 10
    while "rid-serve-1" not in live_server.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = [json.loads(ln) for ln in live_server.output().splitlines() if "rid-serve-1" in ln]
    assert lines, live_server.output()
    assert all(line["request_id"] == "rid-serve-1" for line in lines)
    [access] = [line for line in lines if line["event"] == "http.request"]  # one per request
    # Refused at the gate, before routing: no route template, so the path is logged.
    assert (access["route"], access["path"], access["status"]) == (
        "<unmatched>",
        "/api/v1/users",
        401,
    )


def _worker_check(env: dict[str, str]) -> int:
    return subprocess.run(
        [PROVISIONER, "worker", "--check"], env=env, capture_output=True, timeout=30
    ).returncode


def test_worker_check_follows_a_running_worker(env: dict[str, str], tmp_path: Path) -> None:
    from redis import Redis

    metrics_port = free_port()
    worker_env = {
        **os.environ,
        "QUEUE_MODE": "arq",
        "WORKER_HEALTH_CHECK_S": "1",
        "METRICS_PORT": str(metrics_port),
        "WORKER_NICE": "7",
    }
    redis = Redis.from_url(worker_env["REDIS_URL"])
    redis.delete(f"arq:queue:health-check:{socket.gethostname()}")
    redis.close()
    assert _worker_check(worker_env) == 1  # no worker on this host yet

    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [PROVISIONER, "worker"], env=worker_env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        # Wait for arq's health record, then ask the way a container health check does.
        redis = Redis.from_url(worker_env["REDIS_URL"])
        deadline = time.monotonic() + 60
        while not redis.exists(f"arq:queue:health-check:{socket.gethostname()}"):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        redis.close()
        assert _worker_check(worker_env) == 0
        # The worker yields the cores to the API on a shared host (WORKER_NICE).
        assert os.getpriority(os.PRIO_PROCESS, proc.pid) == max(7, os.nice(0))
        body = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        assert 'provisioner_jobs_open{status="queued"}' in body
    finally:
        stop(proc)


def test_a_worker_started_nicer_than_its_setting_stays_so() -> None:
    """`lower_priority` only ever raises the niceness: a worker an operator started under
    `nice -n 12` keeps 12 (lowering it would need privileges, and was not asked for)."""
    code = (
        "import time; from app.cli.server import lower_priority; lower_priority(3); "
        "print('ready', flush=True); time.sleep(30)"
    )
    proc = subprocess.Popen(
        ["nice", "-n", "12", sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        # `nice -n 12` adds to the niceness this test runs at.
        assert os.getpriority(os.PRIO_PROCESS, proc.pid) == min(19, os.nice(0) + 12)
    finally:
        proc.kill()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
