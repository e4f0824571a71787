"""Every task says what planned it: an API request's X-Request-ID, a job's id (its starting
request's, or one of its own when no request started it), an identity provider's SCIM call."""

from __future__ import annotations

from typing import Any

import structlog
from sqlmodel import col, select

from app.db import transaction
from app.jobs.kinds import JobKind
from app.jobs.service import start_job
from app.models import App, Task
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app
from tests.scim.conftest import ScimClient, scim_user
from tests.support import ApiClient, make_token, user_body


def _correlations(app_id: int) -> list[str | None]:
    with transaction() as session:
        stmt = select(Task).where(col(Task.app_id) == app_id).order_by(col(Task.id))
        return [t.correlation_id for t in session.execute(stmt).scalars()]


def _app_with_role(api: ApiClient, sandbox: SandboxServer) -> tuple[dict[str, Any], int]:
    app = make_app(api, sandbox)
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    return app, role["id"]


def test_an_api_request_id_is_the_correlation_id_of_the_tasks_it_plans(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _app_with_role(api, sandbox)
    api.ok(
        "PATCH",
        f"/apps/{app['id']}",
        json={"provisioning_enabled": True, "approval_required": {"create": True}},
    )
    api.ok(
        "POST",
        "/users",
        json=user_body(1, role_ids=[role]),
        headers={"X-Request-ID": "import-batch-7"},
    )
    assert _correlations(app["id"]) == ["import-batch-7"]
    log = api.ok("GET", "/provisioning/log", params={"correlation": "import-batch-7"})
    assert [e["correlation_id"] for e in log["items"]] == ["import-batch-7"]
    assert api.ok("GET", "/provisioning/log", params={"correlation": "other"})["items"] == []


def test_a_job_started_with_no_request_gives_its_tasks_its_own_id(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _app_with_role(api, sandbox)
    api.ok("POST", "/users", json=user_body(1, role_ids=[role]))
    api.ok("POST", "/users", json=user_body(2, role_ids=[role]))
    assert _correlations(app["id"]) == []  # provisioning is off: assignments, no tasks
    with transaction() as session:
        row = session.get(App, app["id"])
        assert row is not None
        row.provisioning_enabled = True
        row.approval_required = {"create": True}
        session.add(row)
    # As a schedule starts it: no request, nothing bound.
    structlog.contextvars.clear_contextvars()
    with transaction() as session:
        job = start_job(session, JobKind.assignments_recompute, {"app_id": app["id"]})
        job_id, cid = job.id, job.params["correlation_id"]
    assert api.wait_job(job_id)["status"] == "succeeded"
    assert cid and _correlations(app["id"]) == [cid, cid]


def test_a_scim_call_is_the_correlation_id_of_the_tasks_it_plans(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _app_with_role(api, sandbox)
    api.ok(
        "PATCH",
        f"/apps/{app['id']}",
        json={"provisioning_enabled": True, "approval_required": {"create": True}},
    )
    api.ok(
        "POST",
        "/mappings",
        json={
            "name": "sales",
            "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
            "actions": [{"action": "set_role", "value": [str(role)]}],
        },
    )
    for job in api.ok("GET", "/jobs")["items"]:
        api.wait_job(job["id"])
    with ScimClient(make_token("scim", name="idp")) as scim:
        scim.json("POST", "/Users", 201, json=scim_user(1), headers={"X-Request-ID": "entra-42"})
    assert _correlations(app["id"]) == ["entra-42"]
