"""What differs between a tenant account (as the snapshot holds it) and an assignment's applied
state, and the applied state that an `enforce` puts in its place.

Drift is measured against `applied` (what we last sent and believe the tenant holds), never
against `desired`: a difference between desired and applied is ordinary pending work, a task.
Only what the engine manages is compared: the attributes it applied (less those it never
PATCHes, and for a user synced from on premises the ones that directory masters), the SKUs its
rules grant, membership of the groups the snapshot tracks, the account's enabled state (not on
a synced user) and whether the account exists at all.

Pure functions over plain data: no database, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from app.evaluation.desired import DesiredState
from app.graph.synced import MASTERED_ON_PREMISES
from app.models import AssignmentState, DriftKind
from app.provisioning.executor.exchange import normalized

# Attributes the executor sets only at creation (or never PATCHes): a difference there could
# never be put back by a task, so it is not drift of ours.
NOT_COMPARED = frozenset({"onPremisesImmutableId", "passwordProfile"})

# The words the tenant and applied values take for kinds without a value of their own.
ASSIGNED, NOT_ASSIGNED = "assigned", "not assigned"
MEMBER, NOT_MEMBER = "member", "not member"
PRESENT, SUSPENDED, DELETED, GONE = "present", "suspended", "deleted", "gone"


@dataclass(frozen=True)
class Account:
    """One tenant account as the snapshot holds it (`TenantAccount` plus its memberships)."""

    object_id: str
    deleted: bool = False
    account_enabled: bool | None = None
    synced: bool = False
    user_principal_name: str | None = None
    mail_lower: str | None = None
    licenses: frozenset[str] = frozenset()  # skuIds, lower case
    attributes: Mapping[str, Any] = field(default_factory=dict)
    groups: frozenset[str] = frozenset()  # tracked groups it is a member of, lower case

    def attribute(self, name: str) -> tuple[bool, Any]:
        """(whether the snapshot holds the property, its value)."""
        if name == "userPrincipalName":
            return self.user_principal_name is not None, self.user_principal_name
        if name == "mail":
            return True, self.mail_lower
        if name in self.attributes:
            return True, self.attributes[name]
        return False, None


@dataclass(frozen=True)
class Found:
    """One difference: its kind, what it is about (attribute name, skuId, group id, or "" for
    the account itself), and the value on each side."""

    kind: DriftKind
    target: str
    tenant_value: Any
    applied_value: Any

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.kind), self.target)


def _differs(name: str, tenant: Any, applied: Any) -> bool:
    if name == "mail":  # the snapshot keeps mail lower-cased
        applied = applied.lower() if isinstance(applied, str) else applied
    return bool(normalized(tenant) != normalized(applied))


def compare(
    applied: DesiredState | None,
    state: str,
    account: Account | None,
    tracked_groups: frozenset[str],
    managed_skus: frozenset[str],
) -> list[Found]:
    """The drift of one assignment. `account` None: the account is gone from the snapshot
    (purged). `tracked_groups` are the groups the snapshot holds members of; `managed_skus`
    the SKUs the app's rules grant (lower case)."""
    if state == AssignmentState.deleted:
        if account is not None and not account.deleted:
            return [Found(DriftKind.deleted, "", PRESENT, DELETED)]
        return []
    if applied is None:
        return []  # nothing of ours was applied (pending, failed, or let go on premises)
    ours = PRESENT if applied.enabled else SUSPENDED
    if account is None or account.deleted:
        return [Found(DriftKind.deleted, "", GONE if account is None else DELETED, ours)]
    found: list[Found] = []
    enabled = account.account_enabled
    if not account.synced and enabled is not None and enabled != applied.enabled:
        found.append(Found(DriftKind.account_enabled, "", enabled, applied.enabled))
    for name in sorted(applied.attributes):
        if name in NOT_COMPARED or (account.synced and name in MASTERED_ON_PREMISES):
            continue
        held, value = account.attribute(name)
        want = applied.attributes[name]
        if held and _differs(name, value, want):
            found.append(Found(DriftKind.attributes, name, value, want))
    applied_skus = {sku.lower(): sku for sku in applied.licenses}
    for low, sku in sorted(applied_skus.items()):
        if low not in account.licenses:
            found.append(Found(DriftKind.licenses, sku, NOT_ASSIGNED, ASSIGNED))
    for sku in sorted((account.licenses & managed_skus) - applied_skus.keys()):
        found.append(Found(DriftKind.licenses, sku, ASSIGNED, NOT_ASSIGNED))
    applied_groups = {g.lower(): g for g in applied.groups}
    for low, gid in sorted(applied_groups.items()):
        if low in tracked_groups and low not in account.groups:
            found.append(Found(DriftKind.groups, gid, NOT_MEMBER, MEMBER))
    for gid in sorted((account.groups & tracked_groups) - applied_groups.keys()):
        found.append(Found(DriftKind.groups, gid, MEMBER, NOT_MEMBER))
    return found


def outstanding(
    desired: DesiredState | None, applied: DesiredState | None, kind: str, target: str
) -> bool:
    """Whether what we want for one drift item's target differs from what we applied, i.e.
    whether a task has yet to send it. `desired` None: the account should not exist; `applied`
    None: nothing of ours exists in the tenant.

    An enforced item is judged with this once it is no longer seen: enforcing rewrote applied to
    the tenant's value, so "not seen" alone says nothing until a task put ours back."""
    if kind == DriftKind.deleted or desired is None or applied is None:
        return (desired is None) != (applied is None)
    if kind == DriftKind.account_enabled:
        return desired.enabled != applied.enabled
    if kind == DriftKind.attributes:
        return bool(
            normalized(desired.attributes.get(target)) != normalized(applied.attributes.get(target))
        )
    low = target.lower()
    if kind == DriftKind.licenses:
        return _holds(desired.licenses, low) != _holds(applied.licenses, low)
    return _holds(desired.groups, low) != _holds(applied.groups, low)


def _holds(ids: Iterable[str], low: str) -> bool:
    return any(i.lower() == low for i in ids)


def as_tenant_holds(
    applied: DesiredState | None, state: str, account: Account | None, found: Iterable[Found]
) -> tuple[DesiredState | None, str]:
    """The applied state (and assignment state) corrected to what the tenant really holds for
    the differences in `found`, so that the ordinary desired-vs-applied diff plans the task
    that puts the tenant back (`enforce`)."""
    found = list(found)
    if any(f.kind == DriftKind.deleted for f in found):
        if state == AssignmentState.deleted and account is not None:
            # Back in the tenant: applied becomes what the account holds of ours.
            enabled = account.account_enabled is not False
            restored = DesiredState(
                {},
                {sku: frozenset() for sku in account.licenses},
                account.groups,
                enabled,
            )
            return restored, AssignmentState.provisioned if enabled else AssignmentState.suspended
        return None, AssignmentState.deleted  # gone: planning creates (restores) it again
    assert applied is not None
    attributes = dict(applied.attributes)
    licenses = dict(applied.licenses)
    groups = set(applied.groups)
    enabled = applied.enabled
    for f in found:
        if f.kind == DriftKind.attributes:
            attributes[f.target] = f.tenant_value
        elif f.kind == DriftKind.account_enabled:
            enabled = bool(f.tenant_value)
        elif f.kind == DriftKind.licenses and f.tenant_value == NOT_ASSIGNED:
            licenses.pop(f.target, None)
        elif f.kind == DriftKind.licenses:
            licenses[f.target] = frozenset()
        elif f.kind == DriftKind.groups and f.tenant_value == NOT_MEMBER:
            groups.discard(f.target)
        elif f.kind == DriftKind.groups:
            groups.add(f.target)
    return replace(
        applied, attributes=attributes, licenses=licenses, groups=frozenset(groups), enabled=enabled
    ), state
