"""Linking a tenant account to a directory user's assignment: the assignment holds the
account's object id, and the tenant's state of what we want becomes the applied state, so the
plan is the difference (an update), never a create.

Used when an admin links or imports an account (`service`) and when an assignment is made for
a user an account is already linked to (`provisioning.assignments`), so a link made before
the user was granted the app is not lost. Depends on nothing above the models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.evaluation.desired import DesiredState
from app.models import Assignment, AssignmentState, TenantAccount, utcnow
from app.tenant_accounts import repository as repo


def tenant_view(account: TenantAccount) -> dict[str, Any]:
    """The tenant user as Graph reported it, by Graph's property names."""
    view = dict(account.attributes or {})
    view["id"] = account.object_id
    view["userPrincipalName"] = account.user_principal_name
    view["onPremisesImmutableId"] = account.on_premises_immutable_id
    if account.account_enabled is not None:
        view["accountEnabled"] = account.account_enabled
    return view


def adopt(
    session: Session,
    assignment: Assignment,
    account: TenantAccount,
    members: set[str] | None = None,
) -> None:
    """The assignment now holds the account: its applied state is what the tenant holds of
    what we want (so the plan is the difference, never a create). Licenses and groups count
    as applied only where the tenant has them and we want them: only what this engine
    applied is ever removed, so a license assigned by hand in the tenant stays. `members`:
    the account's groups when the caller read them in bulk (else read here)."""
    assignment.tenant_object_id = account.object_id
    if account.on_premises_immutable_id:
        assignment.immutable_id = account.on_premises_immutable_id
    if assignment.applied is None or assignment.state in (
        AssignmentState.pending,
        AssignmentState.error,
        AssignmentState.deleted,
    ):
        desired = DesiredState.from_json(assignment.desired or {})
        tenant = tenant_view(account)
        if members is None:
            members = repo.groups_of(session, assignment.app_id, account.object_id)
        # The snapshot keeps ids lower case; a rule may name a SKU or group in any case.
        member_of = {g.lower() for g in members}
        held = {s.lower() for s in account.assigned_licenses or []}
        enabled = account.account_enabled is not False
        applied = DesiredState(
            attributes={
                name: tenant.get(name)
                for name in desired.attributes
                if tenant.get(name) not in (None, "", [])
            },
            licenses={sku: frozenset() for sku in desired.licenses if sku.lower() in held},
            groups=frozenset(g for g in desired.groups if g.lower() in member_of),
            enabled=enabled,
        )
        assignment.applied = applied.to_json()
        assignment.applied_fingerprint = applied.fingerprint()
        assignment.state = AssignmentState.provisioned if enabled else AssignmentState.suspended
    assignment.updated_at = utcnow()
    session.add(assignment)


def take_links(session: Session, assignments: Sequence[Assignment]) -> None:
    """New assignments of users an account of the app is linked to: each holds its account.

    The assignments are not yet rows: their caller inserts them afterwards, and runs this
    with autoflush off (`adopt` may add them to the session)."""
    by_app: dict[int, list[Assignment]] = {}
    for a in assignments:
        if a.tenant_object_id is None:
            by_app.setdefault(a.app_id, []).append(a)
    for app_id, rows in by_app.items():
        accounts = repo.live_accounts_of_users(session, app_id, [a.user_id for a in rows])
        for a in rows:
            if (account := accounts.get(a.user_id)) is not None:
                adopt(session, a, account)
