"""SECRET_KEY changed after an app's secret was saved: a clear 409 naming the app and the fix,
and provisioning tasks held as blocked (admin must act) instead of retried or a 500."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from app.apps.errors import CredentialsUnreadable
from app.provisioning.outcome import AdminAction, Blocked, Blocker, admin_action, decide
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app, wait_tasks
from tests.support import ApiClient, reset_caches, user_body


def _restart_with_a_new_secret_key(monkeypatch: pytest.MonkeyPatch) -> ApiClient:
    """What an operator does by mistake: a new SECRET_KEY, then a restart of every process."""
    from app.background import install_dispatcher
    from app.queue import close_dispatcher
    from app.settings import get_settings

    close_dispatcher()
    monkeypatch.setenv("SECRET_KEY", Fernet.generate_key().decode())
    reset_caches()
    install_dispatcher(get_settings())
    return ApiClient.admin()


def test_an_undecryptable_credential_is_a_problem_the_admin_must_act_on() -> None:
    decision = decide(CredentialsUnreadable("App 1's stored client secret ..."), attempts=1)
    assert isinstance(decision, Blocked) and decision.why is Blocker.ADMIN_MUST_ACT
    assert admin_action(CredentialsUnreadable()) is AdminAction.ADD_CREDENTIALS


def test_a_changed_secret_key_is_a_409_that_says_which_app_and_what_to_do(
    api: ApiClient, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(api, sandbox)
    with _restart_with_a_new_secret_key(monkeypatch) as restarted:
        body = restarted.problem("POST", f"/apps/{app['id']}/verify-domain", 409)
        assert body["type"].endswith("/app-credentials-unreadable")
        assert f"App {app['id']}" in body["detail"] and "client secret" in body["detail"]
        assert "SECRET_KEY" in body["detail"] and "apps-update" in body["detail"]
        report = restarted.ok("GET", f"/apps/{app['id']}/preflight")
        assert not report["ok"]
        assert "app-credentials-unreadable" in {f["code"] for f in report["findings"]}

        # Entering the secret again (encrypted with the new key) is the fix.
        fix = {"client_secret": seed.DEMO_CLIENT_SECRET}
        restarted.ok("PATCH", f"/apps/{app['id']}", json=fix)
        restarted.ok("POST", f"/apps/{app['id']}/verify-domain")


def test_tasks_of_an_app_whose_secret_cannot_be_decrypted_are_blocked_not_retried(
    api: ApiClient, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(api, sandbox)
    api.ok("PATCH", f"/apps/{app['id']}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    with _restart_with_a_new_secret_key(monkeypatch) as restarted:
        restarted.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))
        [task] = wait_tasks(restarted, app["id"])
        assert task["status"] == "blocked", task
        assert "SECRET_KEY" in task["reason"] and task["attempts"] <= 1, task
