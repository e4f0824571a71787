"""`provisioner apps list|show` and `provisioner tasks list|approve|deny`, run through the CLI
against real Postgres and the sandbox tenant (the server's runner, in this process, executes
the tasks the CLI hands over)."""

from __future__ import annotations

import getpass
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from app.cli import app as cli
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.apps.helpers import app_body, row
from tests.provisioning.conftest import tenant_user
from tests.support import ApiClient

runner = CliRunner()
ME = f"cli:{getpass.getuser()}"


def run(*args: str) -> Result:
    # Wide enough that rich never folds a cell: the assertions read whole rows.
    return runner.invoke(cli, list(args), env={"COLUMNS": "250"}, catch_exceptions=False)


def table(output: str) -> list[dict[str, str]]:
    """The rows of the first rich table in the output, as {header: cell}."""
    header: list[str] = []
    rows = []
    for line in output.splitlines():
        if line.startswith("┃") and not header:
            header = [c.strip() for c in line.strip("┃").split("┃")]
        elif line.startswith("│") and header:
            rows.append(
                dict(zip(header, (c.strip() for c in line.strip("│").split("│")), strict=True))
            )
        elif line.startswith("└") and header:
            break
    return rows


def task(api: ApiClient, task_id: int) -> dict[str, Any]:
    return api.ok("GET", f"/provisioning/tasks/{task_id}")


def test_apps_list_and_show_tell_status_and_entitlements_but_no_secret(
    api: ApiClient,
    pending: dict[str, Any],
) -> None:
    app_id = pending["app"]["id"]
    other = api.ok("POST", "/apps", json=app_body(2, domain=seed.DOMAIN_FEDERATED))
    encrypted = row(app_id).client_secret_enc
    assert encrypted

    listed = run("apps", "list")

    assert listed.exit_code == 0, listed.output
    by_name = {r["name"]: r for r in table(listed.output)}
    assert set(by_name) == {"Contoso 1", "Contoso 2"}
    assert by_name["Contoso 1"] == {
        "id": str(app_id),
        "name": "Contoso 1",
        "tenant": seed.DEMO_TENANT_ID,
        "domain": seed.DOMAIN_DEFAULT,
        "cloud": "sandbox",
        "authenticated": "yes",
        "domain verified": "yes",
        "provisioning": "on",
        "approval for": "create",
        "users": "3",
        "pending approval": "3",
    }
    second = by_name["Contoso 2"]
    assert second["id"] == str(other["id"]) and second["authenticated"] == "no"
    assert second["domain verified"] == "unknown" and second["provisioning"] == "off"

    shown = run("apps", "show", str(app_id))

    assert shown.exit_code == 0, shown.output
    settings = {r["setting"]: r["value"] for r in table(shown.output)}
    assert settings["credential"] == "client secret (set)"
    assert settings["authenticated"] == "yes"
    assert settings["consented tenant"] == seed.DEMO_TENANT_ID
    assert settings["domain verified"] == "yes" and settings["domain type"] == "Managed"
    assert settings["approval required for"] == "create"
    assert settings["on user deleted"] == "suspend"
    assert settings["tasks"] == "3 pending_approval"
    assert "ENTERPRISEPACK" in shown.output and seed.SKU_E3 in shown.output
    assert "Microsoft 365 groups:" in shown.output and "Sales" in shown.output

    for output in (listed.output, shown.output):
        assert seed.DEMO_CLIENT_SECRET not in output
        assert encrypted[:16] not in output


def test_apps_show_of_a_missing_app_exits_1(api: ApiClient) -> None:
    result = run("apps", "show", "999")
    assert result.exit_code == 1
    assert "App 999 does not exist" in result.output


def test_tasks_list_filters_by_app_status_and_action_newest_first(
    api: ApiClient,
    pending: dict[str, Any],
) -> None:
    app_id = str(pending["app"]["id"])
    usernames = [u["username"] for u in pending["users"]]

    result = run("tasks", "list", "--app", app_id, "--status", "pending_approval")

    assert result.exit_code == 0, result.output
    rows = table(result.output)
    assert [r["id"] for r in rows] == [str(t) for t in reversed(pending["tasks"])]
    assert [r["user"] for r in rows] == list(reversed(usernames))
    assert {(r["app"], r["action"], r["status"]) for r in rows} == {
        (app_id, "create", "pending_approval")
    }
    assert all("approval" in r["reason"] for r in rows)
    assert "3 of 3 tasks" in result.output

    limited = run("tasks", "list", "--limit", "2")
    assert [r["id"] for r in table(limited.output)] == [str(t) for t in pending["tasks"][:0:-1]]
    assert "2 of 3 tasks" in limited.output
    none = run("tasks", "list", "--action", "delete", "--action", "suspend")
    assert none.exit_code == 0 and table(none.output) == []
    other_app = run("tasks", "list", "--app", "999")
    assert "0 of 0 tasks" in other_app.output

    wrong = run("tasks", "list", "--status", "pending")
    assert wrong.exit_code == 2
    assert "unknown pending" in wrong.output and "pending_approval" in wrong.output


def test_approve_runs_the_task_and_deny_records_who_decided(
    api: ApiClient,
    sandbox: SandboxServer,
    pending: dict[str, Any],
    server_runner: Any,
) -> None:
    first, second, third = pending["tasks"]

    approved = run("tasks", "approve", str(first))

    assert approved.exit_code == 0, approved.output
    assert [(r["id"], r["status"], r["decided by"]) for r in table(approved.output)] == [
        (str(first), "succeeded", ME)
    ]
    done = task(api, first)
    assert done["status"] == "succeeded" and done["approved_by"] == ME
    user = tenant_user(sandbox, "user1@contoso.com")
    assert [lic.sku_id for lic in user.licenses] == [seed.SKU_E3]

    denied = run("tasks", "deny", str(second))

    assert denied.exit_code == 0, denied.output
    assert task(api, second)["status"] == "denied" and task(api, second)["denied_by"] == ME
    assert sandbox.state.tenant(seed.DEMO_TENANT_ID).user_by_upn("user2@contoso.com") is None

    # All or nothing: one task that is not pending leaves the others as they were.
    refused = run("tasks", "approve", str(third), str(second))
    assert refused.exit_code == 1
    assert f"Task {second} is denied" in refused.output and "Nothing was changed" in refused.output
    assert task(api, third)["status"] == "pending_approval"
    assert run("tasks", "deny", "12345").exit_code == 1


def test_approve_all_pending_of_an_app_without_waiting(
    api: ApiClient,
    pending: dict[str, Any],
) -> None:
    app_id = str(pending["app"]["id"])

    result = run("tasks", "approve", "--all-pending", "--app", app_id, "--no-wait")

    assert result.exit_code == 0, result.output
    assert f"approved 3 tasks as {ME}" in result.output
    assert [r["status"] for r in table(result.output)] == ["queued"] * 3
    for task_id in pending["tasks"]:
        after = task(api, task_id)
        # Nothing ran in the CLI; a runner (here the test process's sweeper) may have started.
        assert after["approved_by"] == ME
        assert after["status"] in ("queued", "running", "succeeded")

    again = run("tasks", "approve", "--all-pending", "--app", app_id)
    assert again.exit_code == 0 and "no task waiting for approval" in again.output


@pytest.mark.parametrize(
    "args",
    [
        ["tasks", "approve"],
        ["tasks", "approve", "--all-pending"],
        ["tasks", "approve", "--all-pending", "--app", "1", "7"],
        ["tasks", "approve", "7", "--app", "1"],
    ],
)
def test_approve_refuses_ambiguous_selections(
    api: ApiClient,
    args: list[str],
) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
