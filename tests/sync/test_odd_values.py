"""Odd tenant values never stop a cycle nor fail a later read: a lone UTF-16 surrogate (valid
JSON, refused by Postgres, unencodable when SQLite hands it back), values of the wrong JSON
type, and a failure whose text is a whole SQL statement. Through real cycles against the
sandbox, on Postgres and on the embedded SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import StatementError

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.sync import repository as sync_repo
from tests.apps.helpers import app_body, authenticate
from tests.provisioning.conftest import make_app, wait_tasks
from tests.support import ApiClient, reset_caches, use_sqlite, user_body
from tests.sync.conftest import T, cycle, sync_row

ODD = {
    # upn: (properties as the tenant holds them, what the snapshot lists)
    "sur@contoso.com": (
        {"displayName": "x\ud800y", "department": "R\udc00D"},
        {"attributes": {"displayName": "x\ufffdy", "department": "R\ufffdD"}},
    ),
    "flag@contoso.com": ({"accountEnabled": "yes"}, {"account_enabled": None}),
    "num@contoso.com": (
        {"mail": 12345, "jobTitle": 7, "businessPhones": "555"},
        {"mail": "12345", "attributes": {"jobTitle": "7", "businessPhones": None}},
    ),
    "obj@contoso.com": ({"department": {"a": 1}, "city": True}, {"attributes": {"city": None}}),
}


def _add_odd_users(sandbox: SandboxServer) -> None:
    tenant = sandbox.state.tenant(T)
    with sandbox.state.lock:
        for upn, (props, _) in ODD.items():
            seed.add_user(tenant, upn, "Odd", **props)


def _check_listed(api: ApiClient, app_id: int) -> None:
    listed = api.ok("GET", f"/apps/{app_id}/tenant-accounts", params={"q": "@contoso.com"})
    by_upn = {a["user_principal_name"]: a for a in listed["items"]}
    for upn, (_, expected) in ODD.items():
        account = by_upn[upn]
        for key, value in expected.items():
            if key == "attributes":
                assert {k: account["attributes"][k] for k in value} == value, account
            else:
                assert account[key] == value, account
    api.ok("GET", f"/apps/{app_id}/drift")


def _odd_cycles(api: ApiClient, sandbox: SandboxServer, app_id: int) -> None:
    """A full cycle reads the odd users; an incremental one reads them changed again."""
    _add_odd_users(sandbox)
    full = cycle(app_id, full=True)
    assert full.cycle is not None and full.cycle["ok"], full
    _check_listed(api, app_id)
    tenant = sandbox.state.tenant(T)
    with sandbox.state.lock:
        user = tenant.user_by_upn("sur@contoso.com")
        assert user is not None
        user.props["givenName"] = "\udfffAnn"
        tenant.touch(user)
    again = cycle(app_id)
    assert again.cycle is not None and again.cycle["ok"], again
    assert again.cycle["kind"] == "incremental" and again.cycle["accounts_changed"] == 1
    _check_listed(api, app_id)
    listed = api.ok("GET", f"/apps/{app_id}/tenant-accounts", params={"q": "sur@"})["items"]
    assert listed[0]["attributes"]["givenName"] == "\ufffdAnn"


def test_odd_values_neither_stop_a_cycle_nor_fail_a_read_on_postgres(
    api: ApiClient, sandbox: SandboxServer, app: dict[str, Any]
) -> None:
    _odd_cycles(api, sandbox, app["id"])


@pytest.fixture
def on_sqlite(api: ApiClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The embedded default database, with the sandbox settings `api` set."""
    yield use_sqlite(tmp_path, monkeypatch)
    reset_caches()


def test_odd_values_neither_stop_a_cycle_nor_fail_a_read_on_sqlite(
    sandbox: SandboxServer, on_sqlite: Path
) -> None:
    with ApiClient.admin() as api:
        app_id = api.ok("POST", "/apps", json=app_body())["id"]
        authenticate(api, sandbox, app_id)
        _odd_cycles(api, sandbox, app_id)


def test_drift_on_an_odd_value_is_listed(api: ApiClient, sandbox: SandboxServer) -> None:
    """Someone sets a managed attribute to a lone surrogate: the drift item holds the
    replacement character, and the drift list answers."""
    app_id = make_app(api, sandbox)["id"]
    api.ok("PATCH", f"/apps/{app_id}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app_id]})
    api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))
    assert {t["status"] for t in wait_tasks(api, app_id)} == {"succeeded"}
    assert cycle(app_id, full=True).cycle["ok"]  # type: ignore[index]
    tenant = sandbox.state.tenant(T)
    with sandbox.state.lock:
        [user] = [u for u in tenant.live_users() if u.upn.startswith("user1@")]
        user.props["department"] = "Sa\ud800les"
        tenant.touch(user)

    result = cycle(app_id)

    assert result.cycle is not None and result.cycle["drift"]["found"] == {"attributes": 1}
    [item] = api.ok("GET", f"/apps/{app_id}/drift")["items"]
    assert (item["target"], item["tenant_value"]) == ("department", "Sa\ufffdles")


def test_a_failed_cycle_keeps_a_short_reason_not_the_sql(
    app: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    statement = "INSERT INTO tenant_account (app_id, object_id) VALUES " + "(?, ?), " * 500

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise StatementError("Not a boolean value: 'yes'", statement, {"p": "x"}, TypeError())

    monkeypatch.setattr(sync_repo, "upsert_accounts", refuse)
    for _ in range(3):
        with pytest.raises(StatementError):
            cycle(app["id"], force=True)

    row = sync_row(app["id"])
    assert row.state == "quarantined"
    for reason in (row.quarantine_reason, row.last_cycle["error"]):
        assert reason is not None and "INSERT" not in reason and len(reason) <= 500, reason
        assert reason.startswith("StatementError: "), reason
