"""Work made from a shell runs on the server's queue with the server's settings, never inside
the command; and a command's exit code says whether what was asked happened."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import pytest
import redis
from arq.constants import default_queue_name
from click.testing import Result
from sqlalchemy import update
from typer.testing import CliRunner

from app.background import install_dispatcher
from app.cli import app as cli
from app.db import transaction
from app.models import Task, TaskStatus
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.settings import get_settings
from tests.cli.conftest import handed_over, server_down, shell
from tests.provisioning.conftest import tenant_user, wait_tasks
from tests.support import ApiClient, reset_caches

ME = f"cli:{getpass.getuser()}"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def task(api: ApiClient, task_id: int) -> dict[str, Any]:
    return api.ok("GET", f"/provisioning/tasks/{task_id}")


def test_an_approval_from_a_shell_without_the_servers_settings_runs_on_the_server(
    api: ApiClient,
    sandbox: SandboxServer,
    pending: dict[str, Any],
    server_runner: Any,
    tmp_path: Path,
) -> None:
    first = pending["tasks"][0]

    # Another process, from another directory, with no sandbox settings: were it to run the
    # task itself, the task would end blocked or failed, and the tenant would not change.
    done = shell("tasks", "approve", str(first), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    after = task(api, first)
    assert (after["status"], after["approved_by"]) == ("succeeded", ME)
    user = tenant_user(sandbox, "user1@contoso.com")
    assert [lic.sku_id for lic in user.licenses] == [seed.SKU_E3]
    assert handed_over() == []  # the server's runner claimed the wake-up


def test_an_approval_nobody_runs_stays_queued_for_the_server_and_exits_1(
    api: ApiClient, sandbox: SandboxServer, pending: dict[str, Any]
) -> None:
    first, second, _ = pending["tasks"]
    server_down()

    result = run("tasks", "approve", str(first), str(second), "--timeout", "0")

    assert result.exit_code == 1, result.output
    assert [task(api, t)["status"] for t in (first, second)] == ["queued", "queued"]
    # One group wake-up for the app's two tasks, naming the highest: the claim it wakes takes both.
    assert handed_over() == [("run_task", [second, None, True])]

    from app import queue

    queue.get_dispatcher()  # the server starts again, its runner with it
    tasks = {t["id"]: t["status"] for t in wait_tasks(api, pending["app"]["id"])}
    assert (tasks[first], tasks[second]) == ("succeeded", "succeeded")
    assert tenant_user(sandbox, "user2@contoso.com") is not None
    assert handed_over() == []


def test_with_redis_an_approval_is_an_arq_job_for_the_workers(
    api: ApiClient,
    pending: dict[str, Any],
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = pending["tasks"][0]
    server_down()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    monkeypatch.setenv("QUEUE_MODE", "arq")
    reset_caches()

    result = run("tasks", "approve", str(first), "--no-wait")

    assert result.exit_code == 0, result.output
    try:
        assert client.zrange(default_queue_name, 0, -1) == [f"task:{first}:0"]
    finally:
        client.close()
    assert task(api, first)["status"] == "queued"  # no worker here: nothing ran it
    assert handed_over() == []


def _fail(task_id: int) -> None:
    """As if the task had run and failed."""
    with transaction() as session:
        session.execute(
            update(Task).where(Task.id == task_id).values(status=TaskStatus.failed)  # type: ignore[arg-type]
        )


def test_retry_queues_failed_tasks_on_the_server_and_refuses_a_denied_plan(
    api: ApiClient,
    sandbox: SandboxServer,
    pending: dict[str, Any],
    server_runner: Any,
) -> None:
    first, second, third = pending["tasks"]
    api.ok("POST", f"/provisioning/tasks/{second}/deny")
    _fail(third)

    # All or nothing: the denied plan cannot come back, so the failed one is not retried.
    refused = run("tasks", "retry", str(third), str(second))

    assert refused.exit_code == 1
    assert (task(api, third)["status"], task(api, second)["status"]) == ("failed", "denied")
    assert handed_over() == []
    assert run("tasks", "retry", "98765").exit_code == 1

    retried = run("tasks", "retry", str(third))

    assert retried.exit_code == 0, retried.output
    assert task(api, third)["status"] == "succeeded"
    assert tenant_user(sandbox, "user3@contoso.com") is not None
    assert run("tasks", "retry", str(third)).exit_code == 1  # it succeeded: nothing to retry
    assert task(api, first)["status"] == "pending_approval"


def test_approving_a_task_that_is_not_pending_exits_1_and_changes_nothing(
    api: ApiClient, pending: dict[str, Any]
) -> None:
    first, second, _ = pending["tasks"]
    api.ok("POST", f"/provisioning/tasks/{second}/deny")

    assert run("tasks", "approve", str(first), str(second), "--no-wait").exit_code == 1
    assert run("tasks", "approve", "98765", "--no-wait").exit_code == 1

    assert task(api, first)["status"] == "pending_approval"
    assert handed_over() == []


def test_reapply_without_waiting_leaves_the_job_to_the_server(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_down()
    # A server whose sweeper does not come round during the test: only its look at what
    # was handed over can find the job.
    monkeypatch.setenv("SWEEPER_INTERVAL_S", "3600")
    reset_caches()
    install_dispatcher(get_settings())

    result = run("reapply", "--no-wait")

    assert result.exit_code == 0, result.output
    (job,) = client.ok("GET", "/jobs?kind=mappings.reapply")["items"]
    assert job["status"] == "queued"
    assert handed_over() == [("run_job", [job["id"]])]

    from app import queue

    queue.get_dispatcher()  # the server's runner picks it up
    assert client.wait_job(job["id"])["status"] == "succeeded"
    assert handed_over() == []
