"""Writing users: create (20 to a `$batch`), PATCH only what differs, delete.

A create that conflicts on the UPN looks the person up again instead of failing; a PATCH
carries only the properties whose tenant value differs from what we want (contract §3), so an
unchanged user costs no write; deleting a user who is already gone is success.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from app.evaluation.parameters import derive_immutable_id
from app.graph import requests
from app.graph.errors import GraphBadRequestError, GraphConflictError, GraphNotFoundError
from app.provisioning.executor.exchange import Exchange, Planned, normalized
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.lookup import relookup_after_conflict
from app.provisioning.executor.types import ItemState

# Sent only at create: changing a user's source anchor later fails on federated domains
# (contract §1), and once the tenant holds a value, the tenant's value wins (design invariant 4).
CREATE_ONLY = frozenset({"onPremisesImmutableId"})
REQUIRED_ON_CREATE = ("userPrincipalName", "displayName", "mailNickname")


async def delete(ex: Exchange, states: list[ItemState]) -> None:
    pairs: list[tuple[ItemState, Planned]] = []
    for s in states:
        if s.work.tenant_object_id:
            call = requests.delete_user(s.work.tenant_object_id)
            pairs.append((s, Planned(s, BatchKey(Step.DELETE, s.work.task_id), call)))
    results = await ex.batch([p for _, p in pairs])
    for s, p in pairs:
        error = results[p.key].error
        if error is None or isinstance(error, GraphNotFoundError):
            continue  # already deleted is success
        s.stop(error)


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
            created["accountEnabled"] = sent["accountEnabled"]
            created["assignedLicenses"] = []
            s.tenant = created
            s.created = True
            s.attrs_ok = True
            s.outcome.tenant_object_id = created["id"]
            s.outcome.events.append(("provisioning.created", {"tenant_object_id": created["id"]}))
        elif isinstance(res.error, GraphConflictError):
            # Most often our own earlier attempt that timed out after Graph committed it.
            await relookup_after_conflict(ex, s)
        else:
            s.stop(res.error)


async def patch(ex: Exchange, states: list[ItemState]) -> None:
    pairs: list[tuple[ItemState, Planned]] = []
    for s in states:
        changes = s.unrefused_attributes(_differences(s))
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
