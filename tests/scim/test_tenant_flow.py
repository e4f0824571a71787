"""A change pushed by an identity provider over SCIM ends as the right change in the tenant."""

from __future__ import annotations

from typing import Any

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app, tenant_user, wait_tasks
from tests.scim.conftest import GROUP, PATCH, USER, ScimClient
from tests.support import ApiClient, make_token


def test_scim_user_and_group_flow_into_the_tenant(api: ApiClient, sandbox: SandboxServer) -> None:
    app = make_app(api, sandbox)
    role = api.ok("POST", "/roles", json={"name": "Office 365", "app_ids": [app["id"]]})
    api.ok(
        "POST",
        "/mappings",
        json={
            "name": "o365",
            "conditions": [{"source": "member_of", "operator": "contains", "value": "Office 365"}],
            "actions": [{"action": "set_role", "value": [str(role["id"])]}],
        },
    )
    api.ok(
        "PATCH",
        f"/apps/{app['id']}",
        json={
            "provisioning_enabled": True,
            "on_user_suspended": "suspend",
            "on_user_deleted": "delete",
        },
    )
    with ScimClient(make_token("scim", name="okta")) as idp:
        user: dict[str, Any] = idp.json(
            "POST",
            "/Users",
            201,
            json={
                "schemas": [USER],
                "userName": "megan@contoso.com",
                "active": True,
                "name": {"givenName": "Megan", "familyName": "Bowen"},
                "emails": [{"value": "megan@contoso.com", "type": "work", "primary": True}],
                "addresses": [{"type": "work", "country": "US"}],
            },
        )
        assert wait_tasks(api, app["id"]) == []  # not in the group yet: nothing to provision
        group = idp.json(
            "POST", "/Groups", 201, json={"schemas": [GROUP], "displayName": "Office 365"}
        )
        idp.json(
            "PATCH",
            f"/Groups/{group['id']}",
            200,
            json={
                "schemas": [PATCH],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": user["id"]}]}],
            },
        )
        [created] = wait_tasks(api, app["id"])
        assert (created["action"], created["status"]) == ("create", "succeeded"), created
        assert tenant_user(sandbox, "megan@contoso.com").props["accountEnabled"] is True

        idp.json(
            "PATCH",
            f"/Users/{user['id']}",
            200,
            json={
                "schemas": [PATCH],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
        )
        assert wait_tasks(api, app["id"])[-1]["action"] == "suspend"
        assert tenant_user(sandbox, "megan@contoso.com").props["accountEnabled"] is False

        idp.scim("DELETE", f"/Users/{user['id']}", 204)
        last = wait_tasks(api, app["id"])[-1]
        assert (last["action"], last["status"]) == ("delete", "succeeded")
        tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
        assert all(u.upn != "megan@contoso.com" for u in tenant.live_users())
