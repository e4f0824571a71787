"""Fixtures for engine tests: the sandbox tenant, an authenticated app with entitlements."""

from __future__ import annotations

from typing import Any

import pytest

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.apps.helpers import app_body, authenticate
from tests.support import ApiClient

E3_PLANS_KEPT = (seed.PLAN_YAMMER, seed.PLAN_OFFICE_WEB, seed.PLAN_OFFICE_PRO_PLUS)


def tenant_user(sb: SandboxServer, upn: str) -> Any:
    tenant = sb.state.tenant(seed.DEMO_TENANT_ID)
    user = tenant.user_by_upn(upn)
    assert user is not None, f"{upn} is not in the tenant"
    return user


def live_users(sb: SandboxServer) -> list[Any]:
    return list(sb.state.tenant(seed.DEMO_TENANT_ID).live_users())


def members(sb: SandboxServer, group_id: str) -> list[str]:
    return list(sb.state.tenant(seed.DEMO_TENANT_ID).groups[group_id].members)


def e3_disabled_plans(sb: SandboxServer) -> list[str]:
    sku = sb.state.tenant(seed.DEMO_TENANT_ID).skus[seed.SKU_E3]
    return sorted(
        p.service_plan_id for p in sku.service_plans if p.service_plan_id not in E3_PLANS_KEPT
    )


def make_app(api: ApiClient, sb: SandboxServer, **overrides: Any) -> dict[str, Any]:
    """An app on the demo tenant: authenticated, domain verified, entitlements refreshed."""
    app = api.ok("POST", "/apps", json=app_body(**overrides))
    authenticate(api, sb, app["id"])
    api.ok("POST", f"/apps/{app['id']}/verify-domain")
    job = api.ok("POST", f"/apps/{app['id']}/entitlements/refresh", expect=202)
    assert api.wait_job(job["id"])["status"] == "succeeded"
    return app


def everyone_app(
    api: ApiClient, sandbox: SandboxServer, *actions: dict[str, Any]
) -> tuple[int, int, dict[str, Any]]:
    """An app on the demo tenant with provisioning on, a role `M365` granting it, and one rule
    `everyone` with these actions; returns (app id, role id, the rule)."""
    app_id = int(make_app(api, sandbox)["id"])
    api.ok("PATCH", f"/apps/{app_id}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app_id]})
    rule = api.ok(
        "POST",
        f"/apps/{app_id}/rules",
        json={
            "name": "everyone",
            "conditions": [{"source": "username", "operator": "exists"}],
            "actions": list(actions),
        },
    )
    return app_id, int(role["id"]), dict(rule)


def wait_tasks(api: ApiClient, app_id: int, timeout: float = 60) -> list[dict[str, Any]]:
    """Wait until no task of the app is queued or running; returns all its tasks."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        tasks = api.ok("GET", "/provisioning/tasks", params={"app_id": app_id, "limit": 500})[
            "items"
        ]
        if not any(t["status"] in ("queued", "running") for t in tasks):
            return tasks
        assert time.monotonic() < deadline, [(t["id"], t["status"], t["reason"]) for t in tasks]
        time.sleep(0.1)


@pytest.fixture
def o365(api: ApiClient, sandbox: SandboxServer) -> dict[str, Any]:
    """The article's set-up: role "Office 365" holding the app, mapping member_of -> role."""
    app = make_app(api, sandbox)
    role = api.ok("POST", "/roles", json={"name": "Office 365", "app_ids": [app["id"]]})
    api.ok("POST", "/groups", json={"name": "Office 365"})
    api.ok(
        "POST",
        "/mappings",
        json={
            "name": "Office 365 members",
            "conditions": [{"source": "member_of", "operator": "contains", "value": "Office 365"}],
            "actions": [{"action": "set_role", "value": [str(role["id"])]}],
        },
    )
    return {"app": app, "role": role}
