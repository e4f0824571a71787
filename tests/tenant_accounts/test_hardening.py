"""What an attacker found in the tenant-account actions, each as a test: a listed conflict,
a link under a pending deprovision, deprovision with a `write` token, the threshold on one
account at a time, and bulk actions racing a writer on SQLite-like locking."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import transaction
from app.models import AuditEntry, TenantAccount, User
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app
from tests.provisioning.task_rows import add_app
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
    # `write` still ignores.
    writer.ok(
        "POST", f"/apps/{app_id}/tenant-accounts/{ids[MEGAN]}/actions", json={"action": "ignore"}
    )
    assert account(ids[MEGAN]).disposition == "ignored"


def _users() -> int:
    with transaction() as session:
        return len(session.exec(select(User)).all())


def test_taking_over_an_account_of_nobody_needs_the_admin_scope(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    # With `write`, import (or link) then DELETE /users/{id} suspended an account `write` may
    # not deprovision: taking an account over is refused like deprovisioning it.
    app_id, ids = _app(api, sandbox)
    writer = api.with_scopes("write")
    user = api.ok("POST", "/users", json=user_body(7))
    users = _users()
    one = f"/apps/{app_id}/tenant-accounts/{ids[MEGAN]}/actions"
    bulk = f"/apps/{app_id}/tenant-accounts/actions"
    for body in ({"action": "import"}, {"action": "link", "user_id": user["id"]}):
        problem = writer.problem("POST", one, 403, json=body)
        assert "admin" in problem["detail"]
        writer.problem("POST", bulk, 403, json={**body, "account_ids": [ids[MEGAN], ids[NESTOR]]})
    for account_id in (ids[MEGAN], ids[NESTOR]):
        row = account(account_id)
        assert (row.user_id, row.disposition, row.match_method) == (None, None, None)
    assert _users() == users
    # `admin` does both, one account and in bulk.
    imported = api.ok("POST", one, json={"action": "import"})
    assert account(ids[MEGAN]).user_id == imported["user_id"] is not None
    linked = api.ok(
        "POST", bulk, json={"action": "link", "user_id": user["id"], "account_ids": [ids[NESTOR]]}
    )
    assert linked["succeeded"] == 1 and account(ids[NESTOR]).user_id == user["id"]


def test_the_openapi_document_says_which_actions_need_admin(api: ApiClient) -> None:
    spec = api.get("/openapi.json").json()
    for path in (
        "/api/v1/apps/{app_id}/tenant-accounts/{account_id}/actions",
        "/api/v1/apps/{app_id}/tenant-accounts/actions",
    ):
        forbidden = spec["paths"][path]["post"]["responses"]["403"]
        assert "`admin`" in forbidden["description"], path
        assert "application/problem+json" in forbidden["content"]


def test_an_account_being_deprovisioned_cannot_be_ignored(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id, ids = _app(api, sandbox, approval_required={"suspend": True, "delete": True})
    url = f"/apps/{app_id}/tenant-accounts/{ids[NESTOR]}/actions"
    task = api.ok("POST", url, json={"action": "deprovision"})
    problem = api.problem("POST", url, 409, json={"action": "ignore"})
    assert str(task["task_id"]) in problem["detail"]
    result = api.ok(
        "POST",
        f"/apps/{app_id}/tenant-accounts/actions",
        json={"action": "ignore", "account_ids": [ids[NESTOR]]},
    )
    assert result["results"][0]["status"] == 409
    assert account(ids[NESTOR]).disposition == "deprovisioning"
    # Once the task is denied, ignoring is allowed again.
    api.ok("POST", f"/provisioning/tasks/{task['task_id']}/deny")
    api.ok("POST", url, json={"action": "ignore"})
    assert account(ids[NESTOR]).disposition == "ignored"


def test_a_denied_or_cancelled_deprovision_puts_the_account_back(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id, ids = _app(api, sandbox, approval_required={"suspend": True, "delete": True})
    unmatched = f"/apps/{app_id}/tenant-accounts/{ids[NESTOR]}/actions"
    ignored = f"/apps/{app_id}/tenant-accounts/{ids[MEGAN]}/actions"
    api.ok("POST", ignored, json={"action": "ignore"})
    denied = api.ok("POST", unmatched, json={"action": "deprovision"})["task_id"]
    cancelled = api.ok("POST", ignored, json={"action": "deprovision"})["task_id"]
    assert account(ids[NESTOR]).disposition == account(ids[MEGAN]).disposition == "deprovisioning"

    api.ok("POST", f"/provisioning/tasks/{denied}/deny")
    api.ok("POST", f"/provisioning/tasks/{cancelled}/cancel")
    # Each as it was: unmatched (listed among the accounts of nobody again), and ignored.
    assert api.ok("GET", unmatched.removesuffix("/actions"))["disposition"] is None
    assert account(ids[MEGAN]).disposition == "ignored"
    listed = api.ok("GET", f"/apps/{app_id}/tenant-accounts", params={"matched": "false"})
    assert ids[NESTOR] in {i["id"] for i in listed["items"]}
    with transaction() as session:
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.action == "tenant_account.deprovision_withdrawn")
        ).all()
        assert {(e.object_id, e.after["disposition"]) for e in entries if e.after} == {
            (str(ids[NESTOR]), None),
            (str(ids[MEGAN]), "ignored"),
        }
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    nestor = tenant.user_by_upn(NESTOR)
    assert nestor is not None and nestor.props["accountEnabled"] is True


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


def test_an_item_refused_in_a_batch_announces_nothing(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each item runs in `db.savepoint`: a refused item's after-commit callbacks (webhooks,
    log lines) and wake-ups go with its rollback. A bare nested transaction kept them, so a
    refused item could announce a change that was never written."""
    from app.db import after_commit
    from app.errors import Conflict
    from app.tenant_accounts import repository as accounts_repo
    from app.tenant_accounts import service as accounts

    with transaction() as session:
        app = add_app(session)
    announced: list[int] = []

    def act(session: Any, app: Any, action: Any, account_id: int, *rest: Any) -> Any:
        after_commit(session, lambda: announced.append(account_id))
        if account_id == 2:
            raise Conflict("refused after announcing")
        return accounts.Done(account=None)  # type: ignore[arg-type]

    monkeypatch.setattr(accounts, "act", act)
    monkeypatch.setattr(accounts_repo, "lock_accounts", lambda *args: None)
    with transaction() as session:
        results = accounts.act_on_many(
            session, app, accounts.AccountAction.ignore, [1, 2, 3], None, read=lambda a: None
        )
    assert [(r.account_id, r.ok) for r in results] == [(1, True), (2, False), (3, True)]
    assert announced == [1, 3]
