"""Finding each person in the tenant before anything is written (design invariant 3).

A person we know by tenant object id is read by id; the others are looked up by ImmutableID,
then by userPrincipalName, with `in (...)` filters sharing one `$batch`. A match is linked; a
UPN held by a tenant user whose ImmutableID differs from ours is refused rather than taken
over. Someone who is not in the tenant but in its deleted items - found by the ImmutableID we
know, or by UPN when they once had a tenant user - is restored rather than created again; those
look-ups ride in the same `$batch`.

When Graph refuses a create as a conflict it names the property in `error.details[].target`
(userPrincipalName, onPremisesImmutableId, mailNickname, proxyAddresses). `resolve_conflict`
looks up who holds that value, live and in deleted items, and links the same person (most
often our own earlier create whose answer was lost), restores them, or refuses with the
property and the holder named. Nothing found, even after one re-read, is a permanent failure
with Graph's own message: never a loop of retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.graph import requests
from app.graph.errors import GraphConflictError, GraphNotFoundError
from app.provisioning.executor.exchange import Exchange, Planned, chunks
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.restore import restore_ids
from app.provisioning.executor.types import ItemState

IN_LIMIT = 15  # values per `in (...)` filter
_FINDS = frozenset({Step.FIND_BY_IMMUTABLE_ID, Step.FIND_BY_UPN})
_DELETED_FINDS = frozenset({Step.FIND_DELETED_BY_IMMUTABLE_ID, Step.FIND_DELETED_BY_UPN})
# Deleted users are told apart by when they went: the most recent one is the person's.
DELETED_SELECT = requests.USER_SELECT + ",deletedDateTime"
# The code of the permanent failure when another person holds the value a create needs.
TAKEN_BY_ANOTHER_PERSON = {
    "userPrincipalName": "UpnTakenByAnotherPerson",
    "onPremisesImmutableId": "ImmutableIdTakenByAnotherPerson",
    "mailNickname": "MailNicknameTakenByAnotherPerson",
    "proxyAddresses": "ProxyAddressTakenByAnotherPerson",
}


async def resolve(ex: Exchange, states: list[ItemState]) -> list[ItemState]:
    """Set `state.tenant` for everyone found (restoring those found in deleted items); return
    the known ids the tenant no longer has.

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
        served = tuple(immutable[i] for i in chunk)
        items.append(Planned(None, BatchKey(Step.FIND_BY_IMMUTABLE_ID, index=n), call, served))
    for n, chunk in enumerate(chunks(sorted(upns), IN_LIMIT)):
        call = requests.find_users_by_upns(chunk)
        items.append(
            Planned(None, BatchKey(Step.FIND_BY_UPN, index=n), call, tuple(upns[u] for u in chunk))
        )
    items += _deleted_lookups(unknown, immutable)
    results = await ex.batch(items)
    by_immutable: dict[str, dict[str, Any]] = {}
    by_upn: dict[str, dict[str, Any]] = {}
    deleted: list[dict[str, Any]] = []
    for key, res in results.items():
        if key.step in _DELETED_FINDS:
            # Best effort: a person missed here is still found after a create conflict.
            if res.error is None:
                deleted.extend((res.body or {}).get("value", []))
            continue
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
    missing = [s for s in unknown if s.tenant is None and not s.done]
    await restore_ids(ex, [pair for s in missing if (pair := _deleted_match(s, deleted))])
    return gone


def _deleted_lookups(unknown: list[ItemState], immutable: dict[str, ItemState]) -> list[Planned]:
    """Deleted items by the ImmutableIDs we know, and by UPN for people who once had a tenant
    user (a deleted user's UPN carries its id in front, so each is its own query)."""
    items = []
    for n, chunk in enumerate(chunks(sorted(immutable), IN_LIMIT)):
        call = requests.find_deleted_users_by_immutable_ids(chunk, DELETED_SELECT)
        key = BatchKey(Step.FIND_DELETED_BY_IMMUTABLE_ID, index=n)
        items.append(Planned(None, key, call, tuple(immutable[i] for i in chunk)))
    for s in unknown:
        upn = _desired_upn(s)
        if s.look_in_deleted and upn:
            call = requests.find_deleted_users_holding("userPrincipalName", upn, DELETED_SELECT)
            items.append(Planned(s, BatchKey(Step.FIND_DELETED_BY_UPN, s.work.task_id), call))
    return items


def _deleted_match(
    s: ItemState, deleted: list[dict[str, Any]]
) -> tuple[ItemState, str, str] | None:
    """The deleted user that is this person, and what it was found by (None: nobody)."""
    ours = s.work.immutable_id
    upn = _desired_upn(s)
    newest_first = sorted(deleted, key=lambda u: str(u.get("deletedDateTime") or ""), reverse=True)
    for user in newest_first:
        if ours and user.get("onPremisesImmutableId") == ours:
            return s, str(user["id"]), "immutable_id"
    if s.look_in_deleted:
        for user in newest_first:
            if _holds_upn(user, upn, deleted=True) and _same_person(user, ours, upn, True):
                return s, str(user["id"]), "userPrincipalName"
    return None


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


async def resolve_conflict(
    ex: Exchange, s: ItemState, error: GraphConflictError, sent: Mapping[str, Any]
) -> None:
    """Graph refused creating `sent` because a value is taken: settle who holds it.

    The same person (same ImmutableID; or, with none to compare, the same UPN) is linked when
    live and restored when deleted; anyone else is a permanent failure naming the property
    and the holder. Nothing found after one re-read (replication) fails with Graph's error.
    """
    prop = error.target or "userPrincipalName"
    value = _conflict_value(prop, sent)
    if prop not in requests.CONFLICT_PROPERTIES or not value:
        s.stop(error)
        return
    upn = str(sent.get("userPrincipalName") or "")
    live: list[dict[str, Any]] = []
    deleted: list[dict[str, Any]] = []
    for attempt in range(2):
        live_key = BatchKey(Step.FIND_HOLDER, s.work.task_id)
        deleted_key = BatchKey(Step.FIND_DELETED_HOLDER, s.work.task_id)
        results = await ex.batch(
            [
                Planned(s, live_key, requests.find_users_holding(prop, value)),
                Planned(
                    s,
                    deleted_key,
                    requests.find_deleted_users_holding(prop, value, DELETED_SELECT),
                ),
            ]
        )
        if (failed := results[live_key].error) is not None:
            s.stop(failed)
            return
        live = list((results[live_key].body or {}).get("value", []))
        found = results[deleted_key]
        deleted = list((found.body or {}).get("value", [])) if found.error is None else []
        if prop == "userPrincipalName":
            # `endswith` also matches longer UPNs; keep the ones that are this UPN.
            deleted = [u for u in deleted if _holds_upn(u, value, deleted=True)]
        if live or deleted:
            break
        if attempt == 0:
            await ex.pause(1)  # a value taken moments ago may not be readable yet
    if not live and not deleted:
        s.stop(error)  # permanent, with Graph's own code, message and request id
        return
    ours = s.work.immutable_id or sent.get("onPremisesImmutableId")
    for holder in live:
        if _same_person(holder, ours, upn, False):
            link(s, holder, prop)
            return
    newest_first = sorted(deleted, key=lambda u: str(u.get("deletedDateTime") or ""), reverse=True)
    for holder in newest_first:
        if _same_person(holder, ours, upn, True):
            await restore_ids(ex, [(s, str(holder["id"]), prop)])
            if s.tenant is None:
                s.stop(error)
            return
    s.stop(_taken(error, prop, value, live[0] if live else newest_first[0], not live))


def _taken(
    error: GraphConflictError, prop: str, value: str, holder: dict[str, Any], deleted: bool
) -> GraphConflictError:
    holder_upn = str(holder.get("userPrincipalName") or "")
    if deleted:
        holder_upn = holder_upn.removeprefix(str(holder.get("id", "")).replace("-", ""))
    anchor = holder.get("onPremisesImmutableId")
    where = "a deleted user" if deleted else "another tenant user"
    return GraphConflictError(
        409,
        TAKEN_BY_ANOTHER_PERSON.get(prop, "TakenByAnotherPerson"),
        f"{prop} {value!r} is held by {where}, {holder_upn} (id {holder.get('id')}"
        + (f", ImmutableID {anchor}" if anchor else "")
        + "), who is not this person; not linking or taking it over. "
        f"Graph said: {error.message}",
        request_id=error.request_id,
        client_request_id=error.client_request_id,
        details=error.details,
    )


def _same_person(holder: Mapping[str, Any], ours: Any, upn: str, deleted: bool) -> bool:
    """Same ImmutableID; or, when either side has none, the same UPN."""
    theirs = holder.get("onPremisesImmutableId")
    if ours and theirs:
        return bool(ours == theirs)
    return bool(upn) and _holds_upn(holder, upn, deleted)


def _holds_upn(user: Mapping[str, Any], upn: str, deleted: bool) -> bool:
    shown = str(user.get("userPrincipalName") or "").lower()
    wanted = requests.deleted_upn(str(user.get("id", "")), upn) if deleted else upn
    return bool(upn) and shown == wanted.lower()


def _conflict_value(prop: str, sent: Mapping[str, Any]) -> str:
    if prop == "proxyAddresses":
        # Our create's proxy address is its mail (else the UPN, which Exchange uses).
        return str(sent.get("mail") or sent.get("userPrincipalName") or "")
    return str(sent.get(prop) or "")


def _desired_upn(s: ItemState) -> str:
    attributes = s.work.desired.attributes if s.work.desired else {}
    return str(attributes.get("userPrincipalName") or "")
