"""Privileged app changes: who approves what, deprovisioning policy and credentials need
`admin`; a `write` token gets a 403 naming the fields and changes nothing; every such change
is an audit entry saying who changed which fields, before and after (never a secret)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from app.db import transaction
from app.models import AuditEntry
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.apps.helpers import app_body, key_and_cert, row
from tests.support import ApiClient

NEW_TENANT = "0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b"
NEW_CLIENT = "1b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b"

POLICY_CHANGES: list[tuple[str, Any]] = [
    ("approval_required", {"create": True, "update": True, "suspend": False, "delete": True}),
    ("deletion_threshold", 3),
    ("on_user_deleted", "delete"),
    ("on_user_suspended", "nothing"),
    ("on_app_removed", "delete"),
]
CREDENTIAL_CHANGES: list[tuple[str, Any]] = [
    ("client_secret", "another-secret-value-0123456789"),
    ("client_id", NEW_CLIENT),
    ("tenant", NEW_TENANT),
    ("cloud", "global"),  # where the secret goes, and it clears consent like a tenant change
]


def _events(app_id: int) -> list[AuditEntry]:
    """The app's audit entries after its creation."""
    with transaction() as session:
        stmt = (
            select(AuditEntry)
            .where(AuditEntry.object_type == "app", AuditEntry.object_id == str(app_id))
            .order_by(AuditEntry.id)  # type: ignore[arg-type]
        )
        return [e for e in session.exec(stmt).all() if e.action != "app.created"]


def _snapshot(app_id: int) -> dict[str, Any]:
    app = row(app_id)
    return {
        k: getattr(app, k)
        for k in (
            "approval_required",
            "deletion_threshold",
            "on_user_deleted",
            "on_user_suspended",
            "on_app_removed",
            "client_secret_enc",
            "certificate_thumbprint",
            "client_id",
            "tenant",
            "cloud",
            "updated_at",
        )
    }


@pytest.mark.parametrize(("field", "value"), POLICY_CHANGES + CREDENTIAL_CHANGES)
def test_a_write_token_cannot_escalate(
    api: ApiClient, sandbox: SandboxServer, field: str, value: Any
) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    before = _snapshot(app_id)
    writer = api.with_scopes("write")
    problem = writer.problem("PATCH", f"/apps/{app_id}", 403, json={field: value, "name": "x"})
    assert f"`{field}`" in problem["detail"] and "admin" in problem["detail"]
    assert _snapshot(app_id) == before
    assert row(app_id).name == "Contoso 1"
    assert _events(app_id) == []


def test_a_write_token_still_changes_the_rest(api: ApiClient, sandbox: SandboxServer) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    writer = api.with_scopes("write")
    current = api.ok("GET", f"/apps/{app_id}")
    # Sending a privileged field with the value it already has changes nothing: allowed.
    body = {
        "name": "Renamed",
        "deletion_threshold": current["deletion_threshold"],
        "tenant": seed.DEMO_TENANT_ID,
    }
    assert writer.ok("PATCH", f"/apps/{app_id}", json=body)["name"] == "Renamed"
    # Only the rename is recorded: the privileged fields it sent did not change.
    assert [(e.action, e.after) for e in _events(app_id)] == [("app.updated", {"name": "Renamed"})]


@pytest.mark.parametrize(("field", "value"), POLICY_CHANGES)
def test_admin_changes_policy_and_it_is_recorded(
    api: ApiClient, sandbox: SandboxServer, field: str, value: Any
) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    before = api.ok("GET", f"/apps/{app_id}")[field]
    admin = api.with_scopes("admin")
    assert admin.ok("PATCH", f"/apps/{app_id}", json={field: value})[field] == value
    (event,) = _events(app_id)
    assert event.action == "app.policy_changed"
    assert event.actor_name == "test" and event.actor_type == "token"
    assert event.before == {field: before}
    assert event.after == {field: value}


@pytest.mark.parametrize(("field", "value"), CREDENTIAL_CHANGES)
def test_admin_changes_credentials_and_no_secret_is_recorded(
    api: ApiClient, sandbox: SandboxServer, field: str, value: Any
) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    before = _snapshot(app_id)
    api.with_scopes("admin").ok("PATCH", f"/apps/{app_id}", json={field: value})
    assert (
        _snapshot(app_id)[field if field != "client_secret" else "client_secret_enc"]
        != (before[field if field != "client_secret" else "client_secret_enc"])
    )
    (event,) = _events(app_id)
    assert event.action == "app.credentials_changed"
    assert event.after is not None and set(event.after) == {field}
    if field == "client_secret":
        assert event.before is not None
        assert event.before[field].startswith("set:") and event.after[field].startswith("set:")
        assert event.before[field] != event.after[field]
        recorded = str((event.before, event.after))
        assert value not in recorded and seed.DEMO_CLIENT_SECRET not in recorded
    else:
        assert event.before == {field: before[field]}
        assert event.after == {field: value}


def test_admin_changes_the_certificate_and_the_event_names_thumbprints(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    key_pem, cert_pem = key_and_cert()
    certificate = {"private_key_pem": key_pem, "certificate_pem": cert_pem}
    writer = api.with_scopes("write")
    writer.problem("PATCH", f"/apps/{app_id}", 403, json={"certificate": certificate})
    assert row(app_id).certificate_thumbprint is None
    api.with_scopes("admin").ok(
        "PATCH", f"/apps/{app_id}", json={"certificate": certificate, "deletion_threshold": 7}
    )
    kinds = {e.action: e for e in _events(app_id)}
    assert set(kinds) == {"app.policy_changed", "app.credentials_changed"}
    entry = kinds["app.credentials_changed"]
    assert entry.before and entry.after
    assert entry.before["certificate_thumbprint"] is None
    assert entry.after["certificate_thumbprint"] == row(app_id).certificate_thumbprint
    assert entry.before["client_secret"] and entry.after["client_secret"] is None
    assert "PRIVATE KEY" not in str((entry.before, entry.after))
