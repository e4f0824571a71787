"""Users holding privileged administrator roles: an app-only caller (the engine) may not
disable, delete or restore them, nor change their other sensitive properties, as Graph refuses
(app/sandbox/graph_privileged.py cites the documentation). Everything else stays writable."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from app.sandbox import seed
from app.sandbox.errors import MSG_FORBIDDEN
from app.sandbox.persistence import dump_state, load_state
from app.sandbox.seed import DEMO_TENANT_ID, SKU_E3, USER_ADMIN, USER_MEGAN
from app.sandbox.state import SandboxState
from tests.sandbox.helpers import error_of


@pytest.mark.parametrize(
    "body",
    [
        {"accountEnabled": False},
        {"mobilePhone": "+1 555 0100"},
        {"otherMails": ["x@example.com"]},
        {"businessPhones": ["+1 555 0101"]},
        {"userPrincipalName": "renamed@contoso.com"},
        {"onPremisesImmutableId": "dGFrZW4tb3Zlcg=="},
        {
            "passwordProfile": {
                "password": "Str0ng!Passw0rd#2026",
                "forceChangePasswordNextSignIn": True,
            }
        },
        {"department": "IT", "accountEnabled": False},  # one sensitive property refuses all
    ],
)
def test_a_sensitive_update_of_an_admin_is_refused(
    graph: httpx.Client, state: SandboxState, body: dict[str, object]
) -> None:
    before = dict(state.tenants[DEMO_TENANT_ID].users[USER_ADMIN].props)
    response = graph.patch(f"/users/{USER_ADMIN}", json=body)
    assert response.status_code == 403
    assert error_of(response)["code"] == "Authorization_RequestDenied"
    assert error_of(response)["message"] == MSG_FORBIDDEN
    assert state.tenants[DEMO_TENANT_ID].users[USER_ADMIN].props == before
    # The same change of an ordinary user goes through.
    assert graph.patch(f"/users/{USER_MEGAN}", json=body).status_code == 204


def test_other_changes_of_an_admin_and_its_licenses_stay_writable(
    graph: httpx.Client, state: SandboxState
) -> None:
    assert graph.patch(f"/users/{USER_ADMIN}", json={"department": "IT"}).status_code == 204
    assign = graph.post(
        f"/users/{USER_ADMIN}/assignLicense",
        json={"addLicenses": [{"skuId": SKU_E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert assign.status_code == 200
    admin = state.tenants[DEMO_TENANT_ID].users[USER_ADMIN]
    assert admin.props["department"] == "IT"
    assert SKU_E3 in {lic.sku_id for lic in admin.licenses}


def test_an_admin_is_neither_deleted_nor_restored(graph: httpx.Client, state: SandboxState) -> None:
    response = graph.delete(f"/users/{USER_ADMIN}")
    assert response.status_code == 403
    assert error_of(response)["code"] == "Authorization_RequestDenied"
    admin = state.tenants[DEMO_TENANT_ID].users[USER_ADMIN]
    assert not admin.is_deleted
    # Deleted by someone with the role (in the portal): the app cannot restore it either.
    admin.deleted_at = datetime.now(UTC)
    restore = graph.post(f"/directory/deletedItems/{USER_ADMIN}/restore")
    assert restore.status_code == 403
    assert admin.is_deleted


def test_the_role_survives_a_restart() -> None:
    fresh = seed.new_demo_state()
    copy = SandboxState()
    load_state(copy, json.loads(json.dumps(dump_state(fresh))))
    assert copy.tenants[DEMO_TENANT_ID].users[USER_ADMIN].admin_roles == ["Global Administrator"]
    assert copy.tenants[DEMO_TENANT_ID].users[USER_MEGAN].admin_roles == []
