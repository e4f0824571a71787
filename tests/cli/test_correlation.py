"""One id follows work a CLI command starts: the tasks `provisioner import users` plans carry
the command's id as their correlation id, as do its job row and audit entries, so the
approval waiting on those tasks, the audit trail and the provisioning log tie back to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import col, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.db import transaction
from app.models import AuditEntry, Job, Task
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app
from tests.support import ApiClient, user_body

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(cli, list(args), catch_exceptions=False)


def _rows(model: Any, *where: Any) -> list[Any]:
    with transaction() as session:
        rows = list(session.execute(select(model).where(*where).order_by(model.id)).scalars())
        session.expunge_all()
        return rows


def test_tasks_of_a_cli_import_carry_its_id_into_the_audit_trail_and_the_log(
    api: ApiClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(api, sandbox)
    api.ok(
        "PATCH",
        f"/apps/{app['id']}",
        json={"provisioning_enabled": True, "approval_required": {"create": True}},
    )
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    api.ok(
        "POST",
        "/mappings",
        json={
            "name": "sales",
            "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
            "actions": [{"action": "set_role", "value": [str(role["id"])]}],
        },
    )
    for job in api.ok("GET", "/jobs")["items"]:
        api.wait_job(job["id"])
    # A task planned by an API request, to tell apart from the import's.
    api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))
    csv = tmp_path / "people.csv"
    csv.write_text(
        "username,email,department\nann,ann@example.com,Sales\nbob,bob@example.com,Sales\n"
    )

    assert run("import", "users", str(csv)).exit_code == 0

    [job] = _rows(Job, col(Job.kind) == "users.import")
    cid = job.params["correlation_id"]
    tasks = _rows(Task, col(Task.app_id) == app["id"])
    imported = [t for t in tasks if t.correlation_id == cid]
    assert len(tasks) == 3 and len(imported) == 2
    assert {t.status for t in imported} == {"pending_approval"}
    created = _rows(AuditEntry, col(AuditEntry.action) == "user.created")
    assert sorted(e.object_name for e in created if e.request_id == cid) == ["ann", "bob"]

    # The approval, from another command, is recorded on each task under its own id.
    ids = [str(t.id) for t in imported]
    assert run("tasks", "approve", "--no-wait", *ids).exit_code == 0
    approvals = _rows(AuditEntry, col(AuditEntry.action) == "task.approved")
    assert sorted(e.object_id for e in approvals) == sorted(ids)
    [approval_id] = {e.request_id for e in approvals}
    assert approval_id and approval_id != cid

    # The log and the audit trail filter by the import's id.
    log = api.ok("GET", "/provisioning/log", params={"correlation": cid})["items"]
    assert sorted(e["task_id"] for e in log) == sorted(t.id for t in imported)
    assert {e["correlation_id"] for e in log} == {cid}
    audit = api.ok("GET", "/audit", params={"request": cid})["items"]
    assert {e["object"]["name"] for e in audit if e["action"] == "user.created"} == {"ann", "bob"}
