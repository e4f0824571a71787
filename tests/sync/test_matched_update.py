"""An account found by import and match is planned as what differs, never as a create.

Matched in bulk (`POST /apps/{id}/import`), the assignment takes the tenant's state of what we
want as its applied state, as a manual link does: a waiting create becomes an update of only
what differs (under update approval), and an account that already holds what we want gets no
task at all. A create would PATCH every attribute, the UPN included, with no diff shown."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.db import transaction
from app.models import Assignment
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app, wait_tasks
from tests.support import ApiClient, user_body
from tests.sync.conftest import T

# What the executor sends only at creation: a tenant user made by hand does not hold it.
CREATE_ONLY = {"passwordProfile", "onPremisesImmutableId"}


def _desired(app_id: int, user_id: int) -> dict[str, Any]:
    with transaction() as session:
        row = session.exec(
            select(Assignment).where(Assignment.app_id == app_id, Assignment.user_id == user_id)
        ).one()
        assert row.desired is not None and row.tenant_object_id is None
        return dict(row.desired)


def _tenant_user_as_desired(sandbox: SandboxServer, desired: dict[str, Any], **changed: Any) -> Any:
    """A person already in the tenant, holding what we want (but for `changed`)."""
    props = {k: v for k, v in desired["attributes"].items() if k not in CREATE_ONLY}
    props.update(changed)
    upn, name = props.pop("userPrincipalName"), props.pop("displayName")
    tenant = sandbox.state.tenant(T)
    with sandbox.state.lock:
        return seed.add_user(tenant, upn, name, **props)


def test_import_plans_a_matched_account_as_an_update_of_what_differs(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id = make_app(api, sandbox)["id"]
    api.ok(
        "PATCH",
        f"/apps/{app_id}",
        json={"provisioning_enabled": True, "approval_required": {"create": True}},
    )
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app_id]})
    differs = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    same = api.ok("POST", "/users", json=user_body(2, role_ids=[role["id"]]))["id"]
    tasks = wait_tasks(api, app_id)
    assert sorted((t["action"], t["status"]) for t in tasks) == [
        ("create", "pending_approval"),
        ("create", "pending_approval"),
    ]
    desired = _desired(app_id, differs)
    assert desired["attributes"]["department"] == "Sales"
    legal = _tenant_user_as_desired(sandbox, desired, department="Legal")
    twin = _tenant_user_as_desired(sandbox, _desired(app_id, same))
    sandbox.state.clear_log()

    job = api.ok("POST", f"/apps/{app_id}/import", expect=202)
    assert api.wait_job(job["id"])["status"] == "succeeded"
    tasks = {t["user_id"]: t for t in wait_tasks(api, app_id)}

    # The account that differs: an update of the department alone, sent without approval
    # (only creates need it), and the tenant user keeps its UPN.
    task = api.ok("GET", f"/provisioning/tasks/{tasks[differs]['id']}")
    assert (task["action"], task["status"]) == ("update", "succeeded"), task
    assert task["plan"]["attributes_changed"] == {"department": "Sales"}, task["plan"]
    [patch] = sandbox.state.calls_to("PATCH", f"/users/{legal.id}")
    assert patch.body == {"department": "Sales"}
    assert sandbox.state.calls_to("POST", "/users") == []
    user = sandbox.state.tenant(T).users[legal.id]
    assert (
        user.props["department"] == "Sales"
        and user.upn == desired["attributes"]["userPrincipalName"]
    )
    # The account that holds what we want: nothing to send, the waiting create is gone.
    assert (tasks[same]["action"], tasks[same]["status"]) == ("create", "cancelled")
    assert sandbox.state.calls_to("PATCH", f"/users/{twin.id}") == []
    assert api.ok("GET", f"/apps/{app_id}/plan")["totals"] == {}
    states = {a["user_id"]: a["state"] for a in api.ok("GET", f"/users/{same}/apps")}
    assert states == {same: "provisioned"}
