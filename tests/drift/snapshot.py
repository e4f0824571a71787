"""Test builders for drift: the snapshot written as a delta round would write it, read from
the sandbox tenant's state (the real delta reader replaces this in integration tests), and one
drift cycle run as the cycle runs it."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select

from app.db import transaction
from app.drift.service import DriftSummary, detect_drift
from app.models import App, AppSync, Assignment, TenantAccount, TenantGroupMember
from app.sandbox import seed
from app.sandbox.graph_users import USER_PROPERTIES
from app.sandbox.server import SandboxServer

# Kept in columns of their own; every other selected property goes to `attributes`.
COLUMNS = (
    "id",
    "userPrincipalName",
    "mail",
    "onPremisesImmutableId",
    "accountEnabled",
    "onPremisesSyncEnabled",
    "assignedLicenses",
)


def copy_snapshot(sb: SandboxServer, app_id: int, groups: Collection[str]) -> None:
    """Replace the app's snapshot with the sandbox tenant as it is now: every user (deleted
    ones marked, purged ones absent) and the members of `groups`."""
    tenant = sb.state.tenant(seed.DEMO_TENANT_ID)
    with transaction() as session:
        links = {
            a.tenant_object_id: a.user_id
            for a in session.exec(select(Assignment).where(col(Assignment.app_id) == app_id))
        }
        session.execute(delete(TenantAccount).where(col(TenantAccount.app_id) == app_id))
        session.execute(delete(TenantGroupMember).where(col(TenantGroupMember.app_id) == app_id))
        for user in tenant.users.values():
            props: dict[str, Any] = {
                name: user.props.get(name, default) for name, default in USER_PROPERTIES.items()
            }
            mail = props.get("mail")
            upn = props.get("userPrincipalName")
            session.add(
                TenantAccount(
                    app_id=app_id,
                    object_id=user.id,
                    user_principal_name=upn,
                    user_principal_name_lower=upn.lower() if upn else None,
                    mail_lower=mail.lower() if mail else None,
                    on_premises_immutable_id=props.get("onPremisesImmutableId"),
                    account_enabled=bool(props.get("accountEnabled", True)),
                    on_premises_sync_enabled=user.on_premises_sync,
                    assigned_licenses=sorted(lic.sku_id.lower() for lic in user.licenses),
                    attributes={k: v for k, v in props.items() if k not in COLUMNS},
                    deleted=user.is_deleted,
                    user_id=links.get(user.id),
                )
            )
        for gid in groups:
            for member in tenant.groups[gid].members:
                session.add(TenantGroupMember(app_id=app_id, group_id=gid, member_id=member))
        sync = session.get(AppSync, app_id) or AppSync(app_id=app_id)
        sync.groups_delta_ids = sorted(groups)
        session.add(sync)


def run_cycle(app_id: int, object_ids: Collection[str] | None = None) -> DriftSummary:
    """One drift pass in its own transaction, as the cycle calls it after a round."""
    with transaction() as session:
        app = session.get(App, app_id)
        assert app is not None
        return detect_drift(session, app, object_ids)
