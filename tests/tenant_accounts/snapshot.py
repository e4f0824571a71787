"""Fill an app's tenant snapshot (`tenant_account`) from the sandbox tenant, as a Graph delta
round would: one row per tenant user with Graph's values (the delta cycles that do this for
real are built elsewhere; these tests only need their rows)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from app.db import transaction
from app.models import TenantAccount
from app.sandbox import seed
from app.sandbox.server import SandboxServer

# Kept in their own columns, not among `attributes`.
_COLUMNS = {"userPrincipalName", "onPremisesImmutableId", "accountEnabled"}


def copy_tenant(sb: SandboxServer, app_id: int) -> dict[str, int]:
    """Write (or refresh) a row for every tenant user; returns account id by lower-case UPN."""
    tenant = sb.state.tenant(seed.DEMO_TENANT_ID)
    out: dict[str, int] = {}
    with transaction() as session:
        existing = {
            a.object_id: a
            for a in session.exec(
                select(TenantAccount).where(col(TenantAccount.app_id) == app_id)
            ).all()
        }
        for user in tenant.users.values():
            props: dict[str, Any] = dict(user.props)
            mail = props.get("mail")
            row = existing.get(user.id) or TenantAccount(app_id=app_id, object_id=user.id)
            row.user_principal_name = user.upn
            row.user_principal_name_lower = user.upn.lower()
            row.mail_lower = str(mail).lower() if mail else None
            row.on_premises_immutable_id = props.get("onPremisesImmutableId")
            row.account_enabled = bool(props.get("accountEnabled", True))
            row.on_premises_sync_enabled = user.on_premises_sync
            row.assigned_licenses = sorted(lic.sku_id for lic in user.licenses)
            row.attributes = {k: v for k, v in props.items() if k not in _COLUMNS}
            row.deleted = user.is_deleted
            session.add(row)
            session.flush()
            assert row.id is not None
            out[user.upn.lower()] = row.id
    return out


def account(account_id: int) -> TenantAccount:
    with transaction() as session:
        row = session.get(TenantAccount, account_id)
        assert row is not None
        session.expunge(row)
        return row


def add_tenant_user(sb: SandboxServer, upn: str, display: str, **props: Any) -> Any:
    """A user made in the tenant by someone else (the admin center, a script)."""
    tenant = sb.state.tenant(seed.DEMO_TENANT_ID)
    with sb.state.lock:
        return seed.add_user(tenant, upn, display, **props)


def wait_jobs(api: Any, timeout: float = 60) -> None:
    """Wait until every job has finished (an app change starts a recompute job, which plans
    tasks: a test that runs a task itself waits for it first)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        jobs = api.ok("GET", "/jobs", params={"limit": 500})["items"]
        if all(j["status"] in ("succeeded", "failed") for j in jobs):
            return
        assert time.monotonic() < deadline, [(j["id"], j["kind"], j["status"]) for j in jobs]
        time.sleep(0.05)
