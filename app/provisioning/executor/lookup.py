"""Finding each person in the tenant before anything is written (design invariant 3).

A person we know by tenant object id is read by id; the others are looked up by ImmutableID,
then by userPrincipalName, with `in (...)` filters sharing one `$batch`. A match is linked; a
UPN held by a tenant user whose ImmutableID differs from ours is refused rather than taken
over. After a create conflict the UPN is looked up again, since the conflict is most often our
own earlier create that timed out after Graph committed it.
"""

from __future__ import annotations

from typing import Any

from app.graph import requests
from app.graph.errors import GraphConflictError, GraphError, GraphNotFoundError, GraphTransientError
from app.provisioning.executor.exchange import Exchange, Planned, chunks
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.types import ItemState

IN_LIMIT = 15  # values per `in (...)` filter
_FINDS = frozenset({Step.FIND_BY_IMMUTABLE_ID, Step.FIND_BY_UPN})


async def resolve(ex: Exchange, states: list[ItemState]) -> list[ItemState]:
    """Set `state.tenant` for everyone found; return the known ids the tenant no longer has.

    Those may have been deleted recently and are for `restore` to bring back.
    """
    known = [s for s in states if s.work.tenant_object_id]
    unknown = [s for s in states if not s.work.tenant_object_id]
    items: list[Planned] = []
    for s in known:
        assert s.work.tenant_object_id is not None
        call = requests.get_user(s.work.tenant_object_id)
        items.append(Planned(s, BatchKey(Step.READ_USER, s.work.task_id), call))
    immutable = {s.work.immutable_id: s for s in unknown if s.work.immutable_id}
    upns = {_desired_upn(s).lower(): s for s in unknown if _desired_upn(s)}
    for n, chunk in enumerate(chunks(sorted(immutable), IN_LIMIT)):
        call = requests.find_users_by_immutable_ids(chunk)
        items.append(Planned(None, BatchKey(Step.FIND_BY_IMMUTABLE_ID, index=n), call))
    for n, chunk in enumerate(chunks(sorted(upns), IN_LIMIT)):
        call = requests.find_users_by_upns(chunk)
        items.append(Planned(None, BatchKey(Step.FIND_BY_UPN, index=n), call))
    results = await ex.batch(items)
    by_immutable: dict[str, dict[str, Any]] = {}
    by_upn: dict[str, dict[str, Any]] = {}
    for key, res in results.items():
        if key.step not in _FINDS:
            continue
        if res.error is not None:
            for s in unknown:
                s.stop(res.error)
            return []
        for user in (res.body or {}).get("value", []):
            if user.get("onPremisesImmutableId"):
                by_immutable[user["onPremisesImmutableId"]] = user
            by_upn[str(user.get("userPrincipalName", "")).lower()] = user
    gone: list[ItemState] = []
    for s in known:
        res = results[BatchKey(Step.READ_USER, s.work.task_id)]
        if res.error is None:
            s.tenant = res.body
        elif isinstance(res.error, GraphNotFoundError):
            gone.append(s)  # gone from the tenant: restore if deleted recently
        else:
            s.stop(res.error)
    for s in unknown:
        match(s, by_immutable, by_upn)
    return gone


def match(
    s: ItemState, by_immutable: dict[str, dict[str, Any]], by_upn: dict[str, dict[str, Any]]
) -> None:
    """Link `s` to the tenant user holding its ImmutableID, else to the one holding its UPN."""
    ours = s.work.immutable_id
    if ours and ours in by_immutable:
        link(s, by_immutable[ours], "immutable_id")
        return
    upn = _desired_upn(s).lower()
    found = by_upn.get(upn)
    if found is None:
        return
    theirs = found.get("onPremisesImmutableId")
    if ours and theirs and theirs != ours:
        s.stop(
            GraphConflictError(
                409,
                "UpnTakenByAnotherPerson",
                f"userPrincipalName {upn} belongs to another tenant user "
                f"(id {found.get('id')}) "
                "whose ImmutableID differs from this person's; not linking.",
            )
        )
        return
    link(s, found, "userPrincipalName")


def link(s: ItemState, tenant_user: dict[str, Any], how: str) -> None:
    s.tenant = tenant_user
    s.outcome.tenant_object_id = tenant_user["id"]
    if s.work.action == "create":
        s.outcome.events.append(
            ("provisioning.linked", {"tenant_object_id": tenant_user["id"], "matched_on": how})
        )


async def read_user(ex: Exchange, s: ItemState) -> dict[str, Any] | None:
    """Read the user `s` points at, waiting out replication delay; None if that failed."""
    assert s.outcome.tenant_object_id is not None
    try:
        resp = await ex.send(requests.get_user(s.outcome.tenant_object_id), retry_not_found=True)
    except GraphError as exc:
        s.stop(exc)
        return None
    if resp.request_id:
        s.outcome.request_ids.append(resp.request_id)
    return resp.json


async def relookup_after_conflict(ex: Exchange, s: ItemState) -> None:
    """Create said the UPN is taken: find who holds it and link, or refuse, or retry later."""
    upn = _desired_upn(s)
    try:
        resp = await ex.send(requests.find_user_by_upn(upn))
    except GraphError as exc:
        s.stop(exc)
        return
    users = (resp.json or {}).get("value", [])
    if not users:
        s.stop(GraphTransientError(409, "ObjectConflict", "UPN conflict but no user found yet"))
        return
    match(
        s,
        {u["onPremisesImmutableId"]: u for u in users if u.get("onPremisesImmutableId")},
        {upn.lower(): users[0]},
    )


def _desired_upn(s: ItemState) -> str:
    attributes = s.work.desired.attributes if s.work.desired else {}
    return str(attributes.get("userPrincipalName") or "")
