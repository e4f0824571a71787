"""What an operator reads at INFO: one line per request, per task outcome and per job run,
with the fields to follow them, no secrets, and no migration chatter."""

from __future__ import annotations

import io
from pathlib import Path

from app.db import build_engine, migrate
from app.logging import wants_json
from app.sandbox.server import SandboxServer
from app.settings import Settings
from tests.apps.helpers import app_body
from tests.observability.logcapture import captured_logs
from tests.provisioning.conftest import make_app, tenant_user, wait_tasks
from tests.support import ApiClient, make_token, user_body


def test_a_request_is_one_line_with_route_status_request_id_and_token_name(
    client: ApiClient,
) -> None:
    raw = make_token("read", name="helpdesk")
    with captured_logs() as logs:
        resp = client.get(
            "/api/v1/users/424242",
            headers={"X-Request-ID": "abc", "Authorization": f"Bearer {raw}"},
        )
        client.get("/api/v1/users")  # the admin's token, a request id made up for it
    assert resp.status_code == 404 and resp.headers["X-Request-ID"] == "abc"

    first, second = logs.events("http.request")
    assert first["request_id"] == "abc"
    assert (first["method"], first["route"], first["status"]) == (
        "GET",
        "/api/v1/users/{user_id}",
        404,
    )
    assert first["token_name"] == "helpdesk" and first["level"] == "info"
    assert isinstance(first["duration_ms"], float)
    assert second["token_name"] == "admin" and second["status"] == 200
    assert len(second["request_id"]) == 36
    assert raw not in logs.text


def test_an_unauthenticated_request_is_logged_without_a_token_name(client: ApiClient) -> None:
    with captured_logs() as logs:
        client.get("/api/v1/users", headers={"Authorization": "Bearer pvn_not-a-real-one"})
    [line] = logs.events("http.request")
    assert line["status"] == 401 and line["token_name"] is None
    # Refused by the auth gate before routing: no template, so the line says the path.
    assert line["route"] == "<unmatched>" and line["path"] == "/api/v1/users"
    assert "not-a-real-one" not in logs.text


def test_health_probes_stay_out_of_the_info_log(client: ApiClient) -> None:
    with captured_logs() as logs:
        client.get("/healthz")
    assert logs.events("http.request") == []
    with captured_logs("DEBUG") as logs:
        client.get("/healthz")
    [line] = logs.events("http.request")
    assert line["level"] == "debug" and line["route"] == "/healthz"


def test_a_client_secret_and_a_bearer_token_never_reach_the_log(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    secret = "Zq8~never-log-this-secret-" + "x" * 12
    token = api.headers["Authorization"].removeprefix("Bearer ")
    with captured_logs("DEBUG") as logs:
        app = api.ok("POST", "/apps", json=app_body())
        api.ok("PATCH", f"/apps/{app['id']}", json={"client_secret": secret})
        # The new secret is used for a token request to the tenant (which refuses it).
        api.get(f"/api/v1/apps/{app['id']}/preflight")
    assert logs.events("http.request")  # the capture saw the requests
    assert secret not in logs.text
    assert token not in logs.text


def test_a_failed_graph_call_in_a_task_is_an_outcome_line_with_graphs_request_id(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app = make_app(api, sandbox)
    api.ok("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    with captured_logs() as logs:
        uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
        [created] = wait_tasks(api, app["id"])
        user = tenant_user(sandbox, "user1@contoso.com")
        # The new email makes the UPN one Megan holds in the seed tenant: Graph refuses it.
        api.ok(
            "PATCH",
            f"/users/{uid}",
            json={"email": "meganb@example.com"},
            headers={"X-Request-ID": "rid-refused"},
        )
        update = wait_tasks(api, app["id"])[-1]
    [refused] = sandbox.state.calls_to("PATCH", f"/users/{user.id}")
    assert refused.status == 400 and update["status"] == "failed"

    lines = {line["task_id"]: line for line in logs.events("task.outcome")}
    ok = lines[created["id"]]
    assert (ok["action"], ok["result"], ok["user_id"], ok["app_id"]) == (
        "create",
        "succeeded",
        uid,
        app["id"],
    )
    assert ok["level"] == "info" and "graph_request_id" not in ok
    failed = lines[update["id"]]
    assert (failed["action"], failed["result"], failed["level"]) == ("update", "failed", "warning")
    assert (failed["user_id"], failed["app_id"], failed["app_name"]) == (
        uid,
        app["id"],
        app["name"],
    )
    assert failed["graph_request_id"] == refused.request_id
    assert failed["graph_code"] == "Request_BadRequest" and failed["graph_status"] == 400
    # The request that caused the change follows its task into the log.
    assert failed["request_id"] == "rid-refused"


def test_a_job_run_is_one_line_with_kind_result_and_duration(client: ApiClient) -> None:
    with captured_logs() as logs:
        job = client.post("/api/v1/mappings/reapply", headers={"X-Request-ID": "rid-job"}).json()
        assert client.wait_job(job["id"])["status"] == "succeeded"
    [line] = [x for x in logs.events("job.finished") if x["job_id"] == job["id"]]
    assert (line["job_kind"], line["result"], line["request_id"]) == (
        "mappings.reapply",
        "succeeded",
        "rid-job",
    )
    assert isinstance(line["duration_ms"], float) and line["error"] is None


def test_migrations_write_nothing_at_info_and_their_chatter_at_debug(tmp_path: Path) -> None:
    with captured_logs() as logs:
        migrate(build_engine(Settings(data_dir=tmp_path / "a", database_url=None)))
    assert logs.all() == []
    with captured_logs("DEBUG") as logs:
        migrate(build_engine(Settings(data_dir=tmp_path / "b", database_url=None)))
    alembic = [line for line in logs.all() if line["logger"].startswith("alembic")]
    assert alembic and {line["level"] for line in alembic} == {"debug"}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_unless_a_terminal_or_text_is_asked_for() -> None:
    assert wants_json(Settings(log_format="auto"), io.StringIO())
    assert not wants_json(Settings(log_format="auto"), _Terminal())
    assert not wants_json(Settings(log_format="text"), io.StringIO())
    assert wants_json(Settings(log_format="json"), _Terminal())
