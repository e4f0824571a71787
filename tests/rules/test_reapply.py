"""Reapply provisioning mappings for one app: a job with the app id."""

from __future__ import annotations

from app.db import transaction
from app.models import Job
from tests.rules.builders import make_app
from tests.support import ApiClient


def test_reapply_starts_a_job_for_the_app(client: ApiClient) -> None:
    app_id = make_app()
    job = client.ok("POST", f"/apps/{app_id}/rules/reapply", expect=202)
    assert (job["kind"], job["params"]) == ("rules.reapply", {"app_id": app_id})
    with transaction() as session:
        row = session.get(Job, job["id"])
        assert row is not None and (row.kind, row.params) == ("rules.reapply", {"app_id": app_id})
    client.problem("POST", "/apps/999/rules/reapply", 404)
