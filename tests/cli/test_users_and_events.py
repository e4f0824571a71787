"""`provisioner users list|show` and `provisioner events`: what the API says, from a shell.
Their `--json` output is compared with the API's answers and the event rows."""

from __future__ import annotations

import json
from typing import Any

from click.testing import Result
from typer.testing import CliRunner

from app.cli import app as cli
from app.db import transaction
from app.provisioning.repository import add_event
from tests.provisioning.conftest import wait_tasks
from tests.support import ApiClient, user_body


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def as_json(*args: str) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_users_list_filters_like_the_api(client: ApiClient) -> None:
    role = client.ok("POST", "/roles", json={"name": "Sales staff"})
    ann = client.ok("POST", "/users", json=user_body(1, username="ann", role_ids=[role["id"]]))
    client.ok("POST", "/users", json=user_body(2, username="bob", department="Support"))
    cat = client.ok("POST", "/users", json=user_body(3, username="cat", status="suspended"))

    assert as_json("users", "list") == client.ok("GET", "/users")["items"]
    assert [u["id"] for u in as_json("users", "list", "--role", str(role["id"]))] == [ann["id"]]
    assert [u["username"] for u in as_json("users", "list", "-q", "BO")] == ["bob"]
    assert [u["id"] for u in as_json("users", "list", "--status", "suspended")] == [cat["id"]]
    assert [u["username"] for u in as_json("users", "list", "--limit", "2")] == ["ann", "bob"]
    assert run("users", "list", "--status", "gone").exit_code == 2


def test_users_show_gives_each_apps_state_step_errors_and_why(
    api: ApiClient, pending: dict[str, Any], server_runner: Any
) -> None:
    first = pending["tasks"][0]
    api.ok("POST", "/provisioning/tasks/approve", json={"task_ids": [first]})
    wait_tasks(api, pending["app"]["id"])
    user = pending["users"][0]

    by_name = as_json("users", "show", user["username"])
    by_id = as_json("users", "show", str(user["id"]))

    apps = api.ok("GET", f"/users/{user['id']}/apps")
    assert by_name == by_id == {"user": api.ok("GET", f"/users/{user['id']}"), "apps": apps}
    (shown,) = by_name["apps"]
    assert shown["state"] == "provisioned" and shown["why"] and shown["step_errors"] == []
    assert run("users", "show", "nobody").exit_code == 1


def test_events_filter_by_kind_app_and_user(client: ApiClient) -> None:
    ann = client.ok("POST", "/users", json=user_body(1, username="ann"))
    with transaction() as session:
        add_event(session, "link.existing", app_id=1, user_id=ann["id"], data={"n": 1})
        add_event(session, "deletion.held", app_id=2, user_id=None, data={"n": 2})
        add_event(session, "link.existing", app_id=2, user_id=None, data={"n": 3})

    def numbers(*args: str) -> list[int]:
        return [e["data"]["n"] for e in as_json("events", *args)]

    assert numbers() == [3, 2, 1]  # newest first
    assert numbers("--kind", "link.existing") == [3, 1]
    assert numbers("--app", "2") == [3, 2]
    assert numbers("--user", "ann") == [1]
    assert numbers("--kind", "deletion.held", "--kind", "link.existing", "--limit", "2") == [3, 2]
    assert run("events", "--user", "nobody").exit_code == 1


def test_ids_no_database_can_hold_are_refused_as_bad_input(env: dict[str, str]) -> None:
    """A usage error (exit 2) naming the range, never an OverflowError traceback."""
    from typer.testing import CliRunner

    from app.cli import app as cli

    huge = "99999999999999999999"
    for args in (
        ["tasks", "approve", huge],
        ["tasks", "retry", huge],
        ["apps", "show", huge],
        ["tasks", "list", "--app", huge],
        ["users", "list", "--role", huge],
        ["events", "--app", huge],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
    shown = CliRunner().invoke(cli, ["users", "show", huge])
    assert shown.exit_code == 1 and "No user has the id or username" in shown.output
