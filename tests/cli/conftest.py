"""What the CLI tests share: the server's runner (work the CLI makes runs there, never in the
command), a view of the hand-over table, and a `provisioner` process with its own settings."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app
from tests.support import ApiClient, user_body

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "scripts" / "provisioner"


@pytest.fixture
def server_runner(env: dict[str, str]) -> Iterator[Any]:
    """The server's in-process runner (the embedded default), started in this process."""
    from app import queue

    yield queue.get_dispatcher()


@pytest.fixture
def pending(api: ApiClient, sandbox: SandboxServer) -> dict[str, Any]:
    """An authenticated app whose creates need approval, and three people waiting for it."""
    app = make_app(api, sandbox)
    api.ok(
        "PATCH",
        f"/apps/{app['id']}",
        json={"provisioning_enabled": True, "approval_required": {"create": True}},
    )
    api.ok(
        "POST",
        f"/apps/{app['id']}/rules",
        json={
            "name": "everyone E3",
            "conditions": [{"source": "username", "operator": "exists"}],
            "actions": [{"action": "set_licenses", "value": [seed.SKU_E3]}],
        },
    )
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    users = [api.ok("POST", "/users", json=user_body(n, role_ids=[role["id"]])) for n in (1, 2, 3)]
    tasks = api.ok("GET", "/provisioning/tasks", params={"app_id": app["id"]})["items"]
    assert [(t["action"], t["status"]) for t in tasks] == [("create", "pending_approval")] * 3
    return {"app": app, "users": users, "tasks": [t["id"] for t in tasks]}


def server_down() -> None:
    """No server is running: nothing claims or runs what the CLI hands over."""
    from app import queue

    queue.close_dispatcher()


def handed_over() -> list[tuple[str, list[Any]]]:
    """The wake-ups waiting in the database for the server's runner: (function, args)."""
    from app.db import transaction
    from app.models import Wakeup

    with transaction() as session:
        rows = session.execute(select(Wakeup).order_by(Wakeup.id)).scalars()  # type: ignore[arg-type]
        return [(w.function, list(w.args)) for w in rows]


def shell(*args: str, cwd: Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    """`scripts/provisioner ARGS` as an admin runs it: another process, started from `cwd`,
    with this test's settings except the server-only ones (no sandbox), and `env` on top
    (None removes a variable)."""
    values = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    values["SANDBOX_ENABLED"] = "false"
    for key, value in env.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return subprocess.run(
        [str(WRAPPER), *args], cwd=cwd, env=values, capture_output=True, text=True, timeout=300
    )
