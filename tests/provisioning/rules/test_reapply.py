"""Reapply provisioning mappings for one app: a job that recomputes every assigned user."""

from __future__ import annotations

from app.db import transaction
from app.models import Job
from tests.provisioning.rules.builders import make_app
from tests.support import ApiClient, user_body


def test_reapply_recomputes_the_users_assigned_to_the_app(client: ApiClient) -> None:
    app_id = make_app()
    role = client.ok("POST", "/roles", json={"name": "Office 365", "app_ids": [app_id]})
    for n in (1, 2):
        client.ok("POST", "/users", json=user_body(n, role_ids=[role["id"]]))
    client.ok("POST", "/users", json=user_body(3))

    job = client.ok("POST", f"/apps/{app_id}/rules/reapply", expect=202)
    # One job kind recomputes an app, whether rules changed or an admin reapplied them.
    assert job["kind"] == "assignments.recompute" and job["params"]["app_id"] == app_id
    with transaction() as session:
        row = session.get(Job, job["id"])
        assert row is not None and row.kind == "assignments.recompute"
    done = client.wait_job(job["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"]["total"] == 2


def test_reapply_of_an_unknown_app_is_not_found(client: ApiClient) -> None:
    client.problem("POST", "/apps/999/rules/reapply", 404)
