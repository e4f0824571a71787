"""What an attacker found in the tenant-account actions, each as a test: a listed conflict,
a link under a pending deprovision, deprovision with a `write` token, the threshold on one
account at a time, and bulk actions racing a writer on SQLite-like locking."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from app.db import transaction
from app.models import TenantAccount
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app
from tests.support import ApiClient, user_body
from tests.tenant_accounts.snapshot import account, copy_tenant

MEGAN = "meganb@contoso.com"
NESTOR = "nestorw@contoso.com"


def _app(api: ApiClient, sb: SandboxServer, **settings: Any) -> tuple[int, dict[str, int]]:
    app = make_app(api, sb)
    api.ok("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True, **settings})
    return app["id"], copy_tenant(sb, app["id"])


def test_an_account_in_conflict_is_listed_and_shown(api: ApiClient, sandbox: SandboxServer) -> None:
    app_id, ids = _app(api, sandbox)
    with transaction() as session:
        session.execute(
            update(TenantAccount)
            .where(TenantAccount.id == ids[MEGAN])
            .values(disposition="conflict", conflict_reason="two directory users")
        )
    items = api.ok("GET", f"/apps/{app_id}/tenant-accounts", params={"matched": "false"})["items"]
    assert {i["disposition"] for i in items if i["id"] == ids[MEGAN]} == {"conflict"}
    assert api.ok("GET", f"/apps/{app_id}/tenant-accounts/{ids[MEGAN]}")["disposition"] == (
        "conflict"
    )


def test_an_account_being_deprovisioned_cannot_be_linked_or_imported(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id, ids = _app(api, sandbox, approval_required={"suspend": True, "delete": True})
    url = f"/apps/{app_id}/tenant-accounts/{ids[NESTOR]}/actions"
    task = api.ok("POST", url, json={"action": "deprovision"})
    assert task["task_status"] == "pending_approval"
    user = api.ok("POST", "/users", json=user_body(7))
    api.problem("POST", url, 409, json={"action": "link", "user_id": user["id"]})
    api.problem("POST", url, 409, json={"action": "import"})
    assert account(ids[NESTOR]).user_id is None


def test_deprovisioning_an_account_of_nobody_needs_the_admin_scope(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id, ids = _app(api, sandbox)
    writer = api.with_scopes("write")
    body = {"action": "deprovision"}
    writer.problem("POST", f"/apps/{app_id}/tenant-accounts/{ids[MEGAN]}/actions", 403, json=body)
    writer.problem(
        "POST",
        f"/apps/{app_id}/tenant-accounts/actions",
        403,
        json={**body, "account_ids": [ids[MEGAN]]},
    )
    assert account(ids[MEGAN]).disposition is None
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    megan = tenant.user_by_upn(MEGAN)
    assert megan is not None and megan.props["accountEnabled"] is True
    # `write` still links, imports and ignores.
    writer.ok(
        "POST", f"/apps/{app_id}/tenant-accounts/{ids[MEGAN]}/actions", json={"action": "ignore"}
    )


def test_the_deletion_threshold_holds_a_single_account_too(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id, ids = _app(api, sandbox, deletion_threshold=0)
    done = api.ok(
        "POST",
        f"/apps/{app_id}/tenant-accounts/{ids[MEGAN]}/actions",
        json={"action": "deprovision"},
    )
    assert done["task_status"] == "pending_approval"
    task = api.ok("GET", f"/provisioning/tasks/{done['task_id']}")
    assert "deletion threshold" in task["reason"]
