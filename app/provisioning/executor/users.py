"""Writing users: create (20 to a `$batch`), PATCH only what differs, delete.

A create that Graph refuses as a conflict is settled by the property it names (`lookup.
resolve_conflict`): link, restore or refuse, never a loop. A PATCH carries only the properties
whose tenant value differs from what we want (contract §3), so an unchanged user costs no
write; deleting a user who is already gone is success.

A user mastered by an on-premises directory (`onPremisesSyncEnabled`, contract §11) is sent
only what Graph allows: the attributes the directory masters are left out of the PATCH and
recorded as such (event `provisioning.mastered_on_premises`, the task's reason); licenses,
usageLocation and groups are still applied. Such an account cannot be disabled or deleted
through Graph, so deprovisioning it removes what this engine granted (licenses, groups) and
records that the account itself is the directory's (`provisioning.account_managed_on_premises`).
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from app.evaluation.desired import DesiredState
from app.evaluation.parameters import derive_immutable_id
from app.graph import requests
from app.graph.errors import GraphBadRequestError, GraphConflictError, GraphNotFoundError
from app.graph.synced import MASTERED_ON_PREMISES, is_synced
from app.models import StepKind
from app.provisioning.executor import checks, groups, licenses
from app.provisioning.executor.exchange import Exchange, Planned, normalized
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.lookup import resolve_conflict
from app.provisioning.executor.types import ItemState

# Sent only at create: changing a user's source anchor later fails on federated domains
# (contract §1), and once the tenant holds a value, the tenant's value wins (design invariant 4).
CREATE_ONLY = frozenset({"onPremisesImmutableId"})
REQUIRED_ON_CREATE = ("userPrincipalName", "displayName", "mailNickname")


async def delete(ex: Exchange, states: list[ItemState]) -> None:
    """Read each user first: one already gone costs no write, and one mastered on premises
    may not be deleted through Graph (it is released instead)."""
    reads = [
        Planned(s, BatchKey(Step.READ_USER, s.work.task_id), requests.get_user(oid))
        for s in states
        if (oid := s.work.tenant_object_id)
    ]
    found = await ex.batch(reads)
    present: list[ItemState] = []
    for p in reads:
        assert p.state is not None
        error = found[p.key].error
        if error is None:
            p.state.tenant = found[p.key].body
            present.append(p.state)
        elif not isinstance(error, GraphNotFoundError):
            p.state.stop(error)  # a 404 is success: already deleted
    pairs: list[tuple[ItemState, Planned]] = []
    for s in present:
        if not is_synced(s.tenant):
            call = requests.delete_user(s.tenant_id)
            pairs.append((s, Planned(s, BatchKey(Step.DELETE, s.work.task_id), call)))
    results = await ex.batch([p for _, p in pairs])
    for s, p in pairs:
        error = results[p.key].error
        if error is None or isinstance(error, GraphNotFoundError):
            continue  # already deleted is success
        s.stop(error)
    await release(ex, [s for s in present if is_synced(s.tenant)], "delete")


async def release(ex: Exchange, states: list[ItemState], action: str) -> None:
    """Deprovision accounts mastered on premises: remove the licenses and groups this engine
    granted (the last applied state), and leave the account to its directory."""
    if not states:
        return
    for s in states:
        _strip_grants(s, action)
    pending = [s for s in states if not s.done]
    await ex.together(licenses.apply(ex, pending), groups.apply(ex, pending))


async def create(ex: Exchange, states: list[ItemState]) -> None:
    pairs: list[tuple[ItemState, Planned]] = []
    for s in states:
        desired = s.work.desired
        assert desired is not None
        body = {k: v for k, v in desired.attributes.items() if v is not None}
        missing = [k for k in REQUIRED_ON_CREATE if not body.get(k)]
        if missing:
            s.stop(
                GraphBadRequestError(
                    400,
                    "MissingAttributes",
                    f"Parameters produced no value for {', '.join(missing)}; "
                    "fix the app's parameters or the user.",
                )
            )
            continue
        upn_domain = str(body["userPrincipalName"]).rsplit("@", 1)[-1].lower()
        if upn_domain in ex.app.federated_domains and not body.get("onPremisesImmutableId"):
            # Federated UPNs need a source anchor; neither side has one, so derive it from
            # the user's stable id (design invariant 4).
            body["onPremisesImmutableId"] = s.work.immutable_id or derive_immutable_id(
                s.work.user_key
            )
        body["accountEnabled"] = desired.enabled
        body["passwordProfile"] = {"password": _password(), "forceChangePasswordNextSignIn": True}
        broken = checks.violations(ex.app, body, creating=True)
        if broken:
            s.stop(checks.refusal(s, broken, "the new user was"))
            continue
        key = BatchKey(Step.CREATE, s.work.task_id)
        pairs.append((s, Planned(s, key, requests.create_user(body))))
    results = await ex.batch([p for _, p in pairs])
    for s, p in pairs:
        sent = p.call.body
        assert sent is not None
        res = results[p.key]
        if res.error is None:
            created = dict(res.body or {})
            created.setdefault("onPremisesImmutableId", sent.get("onPremisesImmutableId"))
            # Graph's answer to a create has only the default properties (no usageLocation);
            # what we sent is what the user now holds.
            created.setdefault("usageLocation", sent.get("usageLocation"))
            created["accountEnabled"] = sent["accountEnabled"]
            created["assignedLicenses"] = []
            s.tenant = created
            s.created = True
            s.attrs_ok = True
            s.outcome.tenant_object_id = created["id"]
            s.outcome.events.append(("provisioning.created", {"tenant_object_id": created["id"]}))
        elif isinstance(res.error, GraphConflictError):
            # Settled by the property Graph names: most often our own earlier create whose
            # answer was lost, sometimes a deleted user of the same person, or someone else.
            await resolve_conflict(ex, s, res.error, sent)
        else:
            s.stop(res.error)


async def patch(ex: Exchange, states: list[ItemState]) -> None:
    pairs: list[tuple[ItemState, Planned]] = []
    releasing: list[ItemState] = []
    for s in states:
        changes = s.unrefused_attributes(_differences(s))
        if is_synced(s.tenant):
            changes = _leave_mastered(s, changes)
            desired = s.work.desired
            if desired is not None and not desired.enabled:
                releasing.append(s)
        changes = _hold_broken(ex, s, changes)
        if not changes:
            s.attrs_ok = True
            continue
        call = requests.update_user(s.tenant_id, changes)
        pairs.append((s, Planned(s, BatchKey(Step.PATCH, s.work.task_id), call)))
    results = await ex.batch([p for _, p in pairs])
    for s, p in pairs:
        sent = p.call.body
        assert s.tenant is not None and sent is not None
        res = results[p.key]
        s.patched(sent, res.error)  # a refused PATCH stops no license or group step
        if res.error is None:
            s.tenant.update(sent)
    # Suspending a synced account: the licenses and groups steps that follow remove what we
    # granted (the account itself cannot be disabled through Graph).
    for s in releasing:
        if not s.done:
            _strip_grants(s, "suspend")


def _hold_broken(ex: Exchange, s: ItemState, changes: dict[str, Any]) -> dict[str, Any]:
    """The PATCH body without the values that break a Graph rule: those are recorded as a
    blocked attribute step of their own and not sent; the rest of the PATCH still goes."""
    broken = checks.violations(ex.app, changes, creating=False)
    if not broken:
        return changes
    names = sorted({v.attribute for v in broken})
    held = {name: changes[name] for name in names if name in changes}
    s.record(StepKind.attributes, ", ".join(held), held, checks.refusal(s, broken, "the value"))
    return {k: v for k, v in changes.items() if k not in held}


def _leave_mastered(s: ItemState, changes: dict[str, Any]) -> dict[str, Any]:
    """Drop what the on-premises directory masters from a synced user's PATCH; record it."""
    mastered = sorted(name for name in changes if name in MASTERED_ON_PREMISES)
    desired = s.work.desired
    suspending = desired is not None and not desired.enabled
    shown = [m for m in mastered if not (suspending and m == "accountEnabled")]
    if shown:
        s.outcome.events.append(
            (
                "provisioning.mastered_on_premises",
                {"tenant_object_id": s.tenant_id, "attributes": shown},
            )
        )
        s.outcome.notes.append(
            "mastered on-premises, left to the on-premises directory: " + ", ".join(shown)
        )
    return {k: v for k, v in changes.items() if k not in MASTERED_ON_PREMISES}


def _strip_grants(s: ItemState, action: str) -> None:
    """Want nothing of ours on a synced account any more: the licenses and groups steps then
    remove what this engine granted (and only that: see their `applied` rules)."""
    desired = s.work.desired
    attributes = dict(desired.attributes) if desired is not None else {}
    s.work.desired = DesiredState(attributes, {}, frozenset(), False)
    s.outcome.released = True
    applied = s.work.applied
    s.outcome.events.append(
        (
            "provisioning.account_managed_on_premises",
            {
                "tenant_object_id": s.tenant_id,
                "action": action,
                "licenses_removed": sorted(applied.licenses) if applied else [],
                "groups_removed": sorted(applied.groups) if applied else [],
            },
        )
    )
    verb = "deleted" if action == "delete" else "disabled"
    s.outcome.notes.append(
        f"the account is managed by the on-premises directory: not {verb} through Graph; "
        "removed the licenses and groups this engine granted"
    )


def _differences(s: ItemState) -> dict[str, Any]:
    """The properties whose tenant value differs from the desired one (cleared ones included)."""
    desired = s.work.desired
    assert desired is not None and s.tenant is not None
    body: dict[str, Any] = {}
    previous = s.work.applied.attributes if s.work.applied else {}
    for name in sorted(set(desired.attributes) | set(previous)):
        if name in CREATE_ONLY:
            continue
        want = desired.attributes.get(name)
        if normalized(s.tenant.get(name)) != normalized(want):
            body[name] = want
    if bool(s.tenant.get("accountEnabled", True)) != desired.enabled:
        body["accountEnabled"] = desired.enabled
    return body


def _password() -> str:
    # Graph wants 3 of 4 character classes; the value is never stored or logged.
    alphabet = string.ascii_letters + string.digits + "!#%&*+-=?"
    core = "".join(secrets.choice(alphabet) for _ in range(20))
    return core + "aA1!"
