"""`provisioner import users` and `provisioner reapply`, run through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from app.cli import app as cli
from tests.support import ApiClient

runner = CliRunner()

HEADER = "username,email,firstname,department,member_of,custom_attributes.employee_id\n"


def run(*args: str) -> Any:
    return runner.invoke(cli, list(args), catch_exceptions=False)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def users(client: ApiClient) -> dict[str, dict[str, Any]]:
    return {u["username"]: u for u in client.ok("GET", "/users?limit=200")["items"]}


def import_jobs(client: ApiClient) -> list[dict[str, Any]]:
    return client.ok("GET", "/jobs?kind=users.import")["items"]


def test_a_clean_csv_is_imported_with_mappings_applied_and_shows_as_a_job(
    client: ApiClient, tmp_path: Path
) -> None:
    role = client.ok("POST", "/roles", json={"name": "Sales staff"})
    client.ok(
        "POST",
        "/mappings",
        json={
            "name": "sales",
            "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
            "actions": [{"action": "set_role", "value": [str(role["id"])]}],
        },
    )
    path = write(
        tmp_path,
        "people.csv",
        HEADER
        + "ann,ann@example.com,Ann,Sales,Staff;VPN users,E1\n"
        + "bob,bob@example.com,Bob,Support,,\n",
    )

    result = run("import", "users", str(path))

    assert result.exit_code == 0, result.output
    found = users(client)
    assert set(found) == {"ann", "bob"}
    assert found["ann"]["member_of"] == ["Staff", "VPN users"]
    assert found["ann"]["custom_attributes"] == {"employee_id": "E1"}
    assert found["bob"]["custom_attributes"] == {}
    assert [r["source"] for r in found["ann"]["roles"]] == ["mapping"]
    assert found["bob"]["roles"] == []
    (job,) = import_jobs(client)
    assert job["status"] == "succeeded"
    assert job["progress"] == {"processed": 2, "total": 2, "percent": 100.0}
    assert job["result"]["created"] == 2 and job["result"]["rejected"] == 0
    assert job["created_by"] == "cli:import" and job["params"]["file"] == "people.csv"


def test_one_bad_row_imports_nothing_and_reports_every_reason(
    client: ApiClient, tmp_path: Path
) -> None:
    client.ok("POST", "/users", json={"username": "taken", "email": "taken@example.com"})
    path = write(
        tmp_path,
        "people.csv",
        HEADER
        + "ann,ann@example.com,Ann,Sales,,\n"  # fine
        + "bad,not-an-email,B,,,\n"  # schema
        + "TAKEN,new@example.com,T,,,\n"  # taken in the database (case-insensitive)
        + "ann2,ANN@example.com,A,,,\n",  # duplicates row 1 of the file
    )
    report = tmp_path / "rejected.json"

    result = run("import", "users", str(path), "--report", str(report))

    assert result.exit_code == 1
    assert set(users(client)) == {"taken"}  # nothing imported
    rejected = {(r["row"], r["field"]): r["reason"] for r in json.loads(report.read_text())}
    assert set(rejected) == {(2, "email"), (3, "username"), (4, "email")}
    assert "already has the username" in rejected[(3, "username")]
    assert rejected[(4, "email")] == "duplicates row 1 of the file"
    (job,) = import_jobs(client)
    assert job["status"] == "failed" and "3 of 4 rows rejected" in job["error"]
    assert job["result"]["created"] == 0


def test_dry_run_reports_and_writes_nothing(client: ApiClient, tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", HEADER + "ann,ann@example.com,Ann,Sales,,\n")

    result = run("import", "users", str(path), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "1 of 1 rows would be imported" in result.output
    assert users(client) == {}
    assert import_jobs(client) == []


def test_skip_invalid_imports_the_valid_rows(client: ApiClient, tmp_path: Path) -> None:
    rows = [
        {"username": "ann", "email": "ann@example.com", "role_ids": []},
        {"username": "bob", "email": "bob@example.com", "group_id": 999},
        "not an object",
    ]
    path = write(tmp_path, "people.json", json.dumps({"users": rows}))

    result = run("import", "users", str(path), "--skip-invalid")

    assert result.exit_code == 0, result.output
    assert set(users(client)) == {"ann"}
    (job,) = import_jobs(client)
    assert job["status"] == "succeeded"
    assert job["result"]["created"] == 1 and job["result"]["rejected"] == 2
    reasons = {r["row"]: (r["field"], r["reason"]) for r in job["result"]["rejections"]}
    assert reasons[2] == ("group_id", "Group 999 does not exist.")
    assert reasons[3] == ("row", "not a user object")


def test_unknown_columns_stop_before_any_row(client: ApiClient, tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", "username,email,shoe_size\nann,ann@example.com,9\n")

    result = run("import", "users", str(path))

    assert result.exit_code == 2
    assert "shoe_size" in result.output
    assert import_jobs(client) == []


def test_reapply_runs_the_job_and_follows_it_to_the_end(
    client: ApiClient, server_runner: Any
) -> None:
    role = client.ok("POST", "/roles", json={"name": "Everyone"})
    client.ok("POST", "/users", json={"username": "ann", "email": "ann@example.com"})
    from app.db import transaction
    from app.models import MappingRow

    # A mapping stored without evaluating anyone, as if users predate it.
    with transaction() as session:
        session.add(
            MappingRow(
                name="all",
                enabled=True,
                match="all",
                position=0,
                conditions=[{"source": "email", "operator": "contains", "value": "@"}],
                actions=[{"action": "set_role", "value": [str(role["id"])]}],
            )
        )
    assert users(client)["ann"]["roles"] == []

    result = run("reapply")

    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output
    assert [r["id"] for r in users(client)["ann"]["roles"]] == [role["id"]]
    (job,) = client.ok("GET", "/jobs?kind=mappings.reapply")["items"]
    assert job["status"] == "succeeded" and job["created_by"] == "cli:reapply"
