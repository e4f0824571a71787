"""Carries out a batch of claimed tasks of one app against Microsoft Graph.

Every step is idempotent (design invariant 3): before creating, look the person up by
ImmutableID, then by userPrincipalName, and link to what is there; a user deleted within 30
days is restored rather than duplicated; "already a member" and "already deleted" are
success; licenses and groups are applied as the difference to what the tenant reports.

Round trips and writes are spent sparingly across the whole batch: look-ups use `in (...)`
filters inside one `$batch`, creates / PATCHes / assignLicense go 20 to a `$batch`, and group
additions use `members@odata.bind` with 20 members per request.

The executor holds no database session: it takes plain `Work` items and returns plain
`Outcome`s that `results.record` writes back in one transaction.
"""

from __future__ import annotations

import asyncio
import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.evaluation.desired import DesiredState
from app.evaluation.parameters import derive_immutable_id
from app.graph import BatchRequest, BatchResult, GraphClient
from app.graph.errors import (
    GraphBadRequestError,
    GraphConflictError,
    GraphError,
    GraphNotFoundError,
    GraphTransientError,
)

SELECT = (
    "id,userPrincipalName,onPremisesImmutableId,accountEnabled,assignedLicenses,displayName,"
    "givenName,surname,mailNickname,mail,usageLocation,jobTitle,department,companyName,"
    "officeLocation,city,country,state,postalCode,streetAddress,mobilePhone,businessPhones,"
    "employeeId"
)
IN_LIMIT = 15  # values per `in (...)` filter
BIND_LIMIT = 20  # members per members@odata.bind request
CREATE_ONLY = frozenset({"onPremisesImmutableId"})
NO_SEATS_MARKER = "does not have any available licenses"
REPLICATION_RETRIES = 6


@dataclass
class Work:
    """One claimed task with everything needed to carry it out."""

    task_id: int
    action: str
    desired: DesiredState | None
    applied: DesiredState | None
    tenant_object_id: str | None
    user_key: int
    immutable_id: str | None  # what our directory holds (the app's ImmutableID attribute)


@dataclass
class AppInfo:
    id: int
    graph_base: str
    domain: str
    federated_domains: frozenset[str]


@dataclass
class Outcome:
    task_id: int
    status: str = "succeeded"  # succeeded | retry | failed | blocked
    applied: DesiredState | None = None
    tenant_object_id: str | None = None
    deleted: bool = False
    tenant_immutable_id: str | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    error: GraphError | None = None
    reason: str | None = None
    request_ids: list[str] = field(default_factory=list)
    retry_after: float | None = None


@dataclass
class _State:
    """Progress of one work item through the phases."""

    work: Work
    outcome: Outcome
    tenant: dict[str, Any] | None = None  # the tenant user as last read or created
    created: bool = False
    attrs_ok: bool = False
    licenses_ok: bool = False
    groups_added: set[str] = field(default_factory=set)
    groups_removed: set[str] = field(default_factory=set)
    groups_failed: bool = False
    done: bool = False  # failed/blocked/retry: skip later phases

    def stop(self, status: str, error: GraphError | None = None, reason: str | None = None) -> None:
        if self.done:
            return
        self.done = True
        self.outcome.status = status
        self.outcome.error = error
        self.outcome.reason = reason or (error.message if error else None)
        if isinstance(error, GraphTransientError):
            self.outcome.retry_after = getattr(error, "retry_after", None)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _password() -> str:
    # Graph wants 3 of 4 character classes; the value is never stored or logged.
    alphabet = string.ascii_letters + string.digits + "!#%&*+-=?"
    core = "".join(secrets.choice(alphabet) for _ in range(20))
    return core + "aA1!"


def _request_id(result: BatchResult) -> str | None:
    for key in ("request-id", "Request-Id", "client-request-id"):
        if key in result.headers:
            return result.headers[key]
    return result.error.request_id if result.error else None


class Executor:
    def __init__(self, client: GraphClient, app: AppInfo) -> None:
        self.client = client
        self.app = app

    async def run(self, works: Sequence[Work]) -> list[Outcome]:
        states = [_State(w, Outcome(w.task_id, tenant_object_id=w.tenant_object_id)) for w in works]
        deletes = [s for s in states if s.work.action == "delete"]
        converge = [s for s in states if s.work.action != "delete"]
        try:
            await self._delete(deletes)
            await self._resolve(converge)
            await self._create([s for s in converge if not s.done and s.tenant is None])
            await self._patch([s for s in converge if not s.done and not s.created])
            await self._licenses([s for s in converge if not s.done])
            await self._groups([s for s in converge if not s.done])
        except GraphError as exc:
            # A failure of the whole exchange (auth, exhausted retries): every item not yet
            # finished shares it.
            for s in states:
                if not s.outcome.applied:
                    s.stop("retry" if isinstance(exc, GraphTransientError) else "failed", exc)
        for s in converge:
            self._finish(s)
        for s in deletes:
            if not s.done:
                s.outcome.deleted = True
        return [s.outcome for s in states]

    # --- batching helpers -------------------------------------------------------------------

    async def _batch(
        self, items: Sequence[tuple[_State | None, BatchRequest]]
    ) -> dict[str, BatchResult]:
        if not items:
            return {}
        results = await self.client.batch([req for _, req in items])
        for state, req in items:
            res = results.get(req.id)
            rid = _request_id(res) if res is not None else None
            if state is not None and rid:
                state.outcome.request_ids.append(rid)
        return results

    # --- delete -------------------------------------------------------------------------------

    async def _delete(self, states: list[_State]) -> None:
        items = [
            (s, BatchRequest(str(i), "DELETE", f"/users/{s.work.tenant_object_id}"))
            for i, s in enumerate(states)
            if s.work.tenant_object_id
        ]
        results = await self._batch(items)
        for s, req in items:
            res = results[req.id]
            if res.ok or isinstance(res.error, GraphNotFoundError):
                continue  # already deleted is success
            s.stop(_status_for(res.error), res.error)

    # --- resolve: find the person in the tenant ---------------------------------------------

    async def _resolve(self, states: list[_State]) -> None:
        known = [s for s in states if s.work.tenant_object_id]
        unknown = [s for s in states if not s.work.tenant_object_id]
        items: list[tuple[_State | None, BatchRequest]] = []
        for s in known:
            items.append(
                (
                    s,
                    BatchRequest(
                        f"k{s.work.task_id}",
                        "GET",
                        f"/users/{s.work.tenant_object_id}?$select={SELECT}",
                    ),
                )
            )
        immutable = {s.work.immutable_id: s for s in unknown if s.work.immutable_id}
        upns = {
            str(s.work.desired.attributes.get("userPrincipalName", "")).lower(): s
            for s in unknown
            if s.work.desired and s.work.desired.attributes.get("userPrincipalName")
        }
        for n, chunk in enumerate(_chunks(sorted(immutable), IN_LIMIT)):
            flt = "onPremisesImmutableId in (" + ",".join(_quote(v) for v in chunk) + ")"
            items.append(
                (None, BatchRequest(f"i{n}", "GET", f"/users?$filter={flt}&$select={SELECT}"))
            )
        for n, chunk in enumerate(_chunks(sorted(upns), IN_LIMIT)):
            flt = "userPrincipalName in (" + ",".join(_quote(v) for v in chunk) + ")"
            items.append(
                (None, BatchRequest(f"u{n}", "GET", f"/users?$filter={flt}&$select={SELECT}"))
            )
        results = await self._batch(items)
        by_immutable: dict[str, dict[str, Any]] = {}
        by_upn: dict[str, dict[str, Any]] = {}
        for key, res in results.items():
            if key.startswith(("i", "u")):
                if not res.ok:
                    for s in unknown:
                        s.stop(_status_for(res.error), res.error)
                    return
                for user in (res.body or {}).get("value", []):
                    if user.get("onPremisesImmutableId"):
                        by_immutable[user["onPremisesImmutableId"]] = user
                    by_upn[str(user.get("userPrincipalName", "")).lower()] = user
        restore: list[_State] = []
        for s in known:
            res = results[f"k{s.work.task_id}"]
            if res.ok:
                s.tenant = res.body
            elif isinstance(res.error, GraphNotFoundError):
                restore.append(s)  # gone from the tenant: restore if deleted recently
            else:
                s.stop(_status_for(res.error), res.error)
        for s in unknown:
            self._match(s, by_immutable, by_upn)
        await self._restore(restore)
        # Restores that failed fall back to a normal look-up-then-create.
        retry_lookup = [s for s in restore if s.tenant is None and not s.done]
        for s in retry_lookup:
            s.work.tenant_object_id = None
            s.outcome.tenant_object_id = None
        if retry_lookup:
            await self._resolve(retry_lookup)

    def _match(
        self, s: _State, by_immutable: dict[str, dict[str, Any]], by_upn: dict[str, dict[str, Any]]
    ) -> None:
        ours = s.work.immutable_id
        if ours and ours in by_immutable:
            self._link(s, by_immutable[ours], "immutable_id")
            return
        upn = str(
            (s.work.desired.attributes if s.work.desired else {}).get("userPrincipalName", "")
        ).lower()
        found = by_upn.get(upn)
        if found is None:
            return
        theirs = found.get("onPremisesImmutableId")
        if ours and theirs and theirs != ours:
            s.stop(
                "failed",
                GraphConflictError(
                    409,
                    "UpnTakenByAnotherPerson",
                    f"userPrincipalName {upn} belongs to another tenant user "
                    f"(id {found.get('id')}) "
                    "whose ImmutableID differs from this person's; not linking.",
                ),
            )
            return
        self._link(s, found, "userPrincipalName")

    def _link(self, s: _State, tenant_user: dict[str, Any], how: str) -> None:
        s.tenant = tenant_user
        s.outcome.tenant_object_id = tenant_user["id"]
        if s.work.action == "create":
            s.outcome.events.append(
                ("provisioning.linked", {"tenant_object_id": tenant_user["id"], "matched_on": how})
            )

    async def _restore(self, states: list[_State]) -> None:
        items = [
            (
                s,
                BatchRequest(
                    f"r{s.work.task_id}",
                    "POST",
                    f"/directory/deletedItems/{s.work.tenant_object_id}/restore",
                ),
            )
            for s in states
        ]
        results = await self._batch(items)
        for s, req in items:
            res = results[req.id]
            if res.ok:
                s.outcome.events.append(
                    ("provisioning.restored", {"tenant_object_id": s.work.tenant_object_id})
                )
                s.outcome.tenant_object_id = s.work.tenant_object_id
                # The restore answer is a bare directoryObject; read the user with $select.
                s.tenant = await self._read(s)
            elif not isinstance(res.error, GraphNotFoundError):
                s.stop(_status_for(res.error), res.error)

    async def _read(self, s: _State) -> dict[str, Any] | None:
        try:
            resp = await self.client.get(
                f"/users/{s.outcome.tenant_object_id}",
                params={"$select": SELECT},
                retry_not_found=True,
            )
        except GraphError as exc:
            s.stop(_status_for(exc), exc)
            return None
        if resp.request_id:
            s.outcome.request_ids.append(resp.request_id)
        return resp.json

    # --- create -------------------------------------------------------------------------------

    async def _create(self, states: list[_State]) -> None:
        items: list[tuple[_State, BatchRequest]] = []
        for s in states:
            desired = s.work.desired
            assert desired is not None
            body = {k: v for k, v in desired.attributes.items() if v is not None}
            missing = [
                k for k in ("userPrincipalName", "displayName", "mailNickname") if not body.get(k)
            ]
            if missing:
                s.stop(
                    "failed",
                    GraphBadRequestError(
                        400,
                        "MissingAttributes",
                        f"Parameters produced no value for {', '.join(missing)}; "
                        "fix the app's parameters or the user.",
                    ),
                )
                continue
            upn_domain = str(body["userPrincipalName"]).rsplit("@", 1)[-1].lower()
            if upn_domain in self.app.federated_domains and not body.get("onPremisesImmutableId"):
                # Federated UPNs need a source anchor; neither side has one, so derive it from
                # the user's stable id (design invariant 4).
                body["onPremisesImmutableId"] = s.work.immutable_id or derive_immutable_id(
                    s.work.user_key
                )
            body["accountEnabled"] = desired.enabled
            body["passwordProfile"] = {
                "password": _password(),
                "forceChangePasswordNextSignIn": True,
            }
            items.append(
                (
                    s,
                    BatchRequest(
                        f"c{s.work.task_id}",
                        "POST",
                        "/users",
                        body=body,
                        headers={"Content-Type": "application/json"},
                    ),
                )
            )
        results = await self._batch(items)
        for s, req in items:
            assert s is not None
            res = results[req.id]
            if res.ok:
                created = dict(res.body or {})
                created.setdefault("onPremisesImmutableId", req.body.get("onPremisesImmutableId"))
                created["accountEnabled"] = req.body["accountEnabled"]
                created["assignedLicenses"] = []
                s.tenant = created
                s.created = True
                s.attrs_ok = True
                s.outcome.tenant_object_id = created["id"]
                s.outcome.events.append(
                    ("provisioning.created", {"tenant_object_id": created["id"]})
                )
            elif isinstance(res.error, GraphConflictError):
                # Most often our own earlier attempt that timed out after Graph committed it.
                await self._relookup(s)
            else:
                s.stop(_status_for(res.error), res.error)

    async def _relookup(self, s: _State) -> None:
        assert s.work.desired is not None
        upn = str(s.work.desired.attributes["userPrincipalName"])
        try:
            resp = await self.client.get(
                "/users",
                params={"$filter": f"userPrincipalName eq {_quote(upn)}", "$select": SELECT},
            )
        except GraphError as exc:
            s.stop(_status_for(exc), exc)
            return
        users = (resp.json or {}).get("value", [])
        if not users:
            s.stop(
                "retry",
                GraphTransientError(409, "ObjectConflict", "UPN conflict but no user found yet"),
            )
            return
        self._match(
            s,
            {u["onPremisesImmutableId"]: u for u in users if u.get("onPremisesImmutableId")},
            {upn.lower(): users[0]},
        )

    # --- converge attributes ------------------------------------------------------------------

    async def _patch(self, states: list[_State]) -> None:
        items: list[tuple[_State, BatchRequest]] = []
        for s in states:
            desired = s.work.desired
            assert desired is not None and s.tenant is not None
            body: dict[str, Any] = {}
            previous = s.work.applied.attributes if s.work.applied else {}
            for name in sorted(set(desired.attributes) | set(previous)):
                if name in CREATE_ONLY:
                    continue
                want = desired.attributes.get(name)
                if _norm(s.tenant.get(name)) != _norm(want):
                    body[name] = want
            if bool(s.tenant.get("accountEnabled", True)) != desired.enabled:
                body["accountEnabled"] = desired.enabled
            if not body:
                s.attrs_ok = True
                continue
            items.append(
                (
                    s,
                    BatchRequest(
                        f"p{s.work.task_id}",
                        "PATCH",
                        f"/users/{s.tenant['id']}",
                        body=body,
                        headers={"Content-Type": "application/json"},
                    ),
                )
            )
        results = await self._batch(items)
        for s, req in items:
            assert s is not None
            res = results[req.id]
            if res.ok:
                s.attrs_ok = True
                s.tenant.update(req.body)  # type: ignore[union-attr]
            else:
                s.stop(_status_for(res.error), res.error)

    # --- licenses -----------------------------------------------------------------------------

    async def _licenses(self, states: list[_State]) -> None:
        pending: list[tuple[_State, dict[str, Any]]] = []
        for s in states:
            desired = s.work.desired
            assert desired is not None and s.tenant is not None
            have = {
                str(lic["skuId"]).lower(): frozenset(
                    str(p).lower() for p in lic.get("disabledPlans") or []
                )
                for lic in s.tenant.get("assignedLicenses") or []
            }
            add = [
                {"skuId": sku, "disabledPlans": sorted(plans)}
                for sku, plans in sorted(desired.licenses.items())
                if have.get(sku.lower()) != frozenset(p.lower() for p in plans)
            ]
            managed_before = set(s.work.applied.licenses) if s.work.applied else set()
            remove = sorted(
                sku for sku in managed_before - set(desired.licenses) if sku.lower() in have
            )
            if not add and not remove:
                s.licenses_ok = True
                continue
            pending.append((s, {"addLicenses": add, "removeLicenses": remove}))
        for attempt in range(REPLICATION_RETRIES):
            if not pending:
                return
            items = [
                (
                    s,
                    BatchRequest(
                        f"l{s.work.task_id}",
                        "POST",
                        f"/users/{s.tenant['id']}/assignLicense",  # type: ignore[index]
                        body=body,
                        headers={"Content-Type": "application/json"},
                    ),
                )
                for s, body in pending
            ]
            results = await self._batch(items)
            again = []
            for (s, body), (_, req) in zip(pending, items, strict=True):
                res = results[req.id]
                if res.ok:
                    s.licenses_ok = True
                elif isinstance(res.error, GraphNotFoundError) and s.created:
                    again.append((s, body))  # replication delay right after create
                elif res.error is not None and NO_SEATS_MARKER in res.error.message:
                    s.stop("blocked", res.error, f"no free seats: {res.error.message}")
                else:
                    s.stop(_status_for(res.error), res.error)
            pending = again
            if pending:
                await asyncio.sleep(min(0.25 * 2**attempt, 4))
        for s, _ in pending:
            s.stop(
                "retry",
                GraphTransientError(404, "Request_ResourceNotFound", "user not replicated yet"),
            )

    # --- groups -------------------------------------------------------------------------------

    async def _groups(self, states: list[_State]) -> None:
        adds: dict[str, list[_State]] = {}
        removes: list[tuple[_State, str]] = []
        for s in states:
            desired = s.work.desired
            assert desired is not None
            previous = s.work.applied.groups if s.work.applied else frozenset()
            base = previous if not s.created else frozenset()
            for gid in sorted(desired.groups - base):
                adds.setdefault(gid, []).append(s)
            for gid in sorted(previous - desired.groups):
                removes.append((s, gid))
        await self._bind(adds)
        items: list[tuple[_State | None, BatchRequest]] = [
            (
                s,
                BatchRequest(
                    f"d{s.work.task_id}_{n}",
                    "DELETE",
                    f"/groups/{gid}/members/{s.tenant['id']}/$ref",  # type: ignore[index]
                ),
            )
            for n, (s, gid) in enumerate(removes)
        ]
        results = await self._batch(items)
        for (s, gid), (_, req) in zip(removes, items, strict=True):
            res = results[req.id]
            if res.ok or isinstance(res.error, GraphNotFoundError):
                s.groups_removed.add(gid)  # not a member any more is success
            else:
                s.groups_failed = True
                s.stop(_status_for(res.error), res.error)

    async def _bind(self, adds: dict[str, list[_State]]) -> None:
        pending = [
            (gid, chunk)
            for gid, members in sorted(adds.items())
            for chunk in _chunks(members, BIND_LIMIT)
        ]
        for attempt in range(REPLICATION_RETRIES):
            if not pending:
                return
            items: list[tuple[_State | None, BatchRequest]] = []
            for n, (gid, chunk) in enumerate(pending):
                refs = [
                    f"{self.app.graph_base}/v1.0/directoryObjects/{s.tenant['id']}" for s in chunk
                ]
                items.append(
                    (
                        None,
                        BatchRequest(
                            f"g{n}",
                            "PATCH",
                            f"/groups/{gid}",
                            body={"members@odata.bind": refs},
                            headers={"Content-Type": "application/json"},
                        ),
                    )
                )
            results = await self._batch(items)
            again = []
            for (gid, chunk), (_, req) in zip(pending, items, strict=True):
                res = results[req.id]
                rid = _request_id(res)
                for s in chunk:
                    if rid:
                        s.outcome.request_ids.append(rid)
                if res.ok:
                    for s in chunk:
                        s.groups_added.add(gid)
                elif isinstance(res.error, (GraphConflictError, GraphNotFoundError)):
                    # All-or-nothing: one member already there (or not replicated yet) fails the
                    # whole request; add this chunk one by one instead.
                    again.extend(await self._add_one_by_one(gid, chunk))
                else:
                    for s in chunk:
                        s.groups_failed = True
                        s.stop(_status_for(res.error), res.error)
            pending = [(gid, chunk) for gid, chunk in _regroup(again)]
            if pending:
                await asyncio.sleep(min(0.25 * 2**attempt, 4))
        for _, chunk in pending:
            for s in chunk:
                s.stop(
                    "retry",
                    GraphTransientError(
                        404, "Request_ResourceNotFound", "member not replicated yet"
                    ),
                )

    async def _add_one_by_one(self, gid: str, chunk: list[_State]) -> list[tuple[str, _State]]:
        items: list[tuple[_State | None, BatchRequest]] = [
            (
                s,
                BatchRequest(
                    f"m{n}",
                    "POST",
                    f"/groups/{gid}/members/$ref",
                    body={
                        "@odata.id": f"{self.app.graph_base}/v1.0/directoryObjects/{s.tenant['id']}"  # type: ignore[index]
                    },
                    headers={"Content-Type": "application/json"},
                ),
            )
            for n, s in enumerate(chunk)
        ]
        results = await self._batch(items)
        retry: list[tuple[str, _State]] = []
        for s, req in items:
            assert s is not None
            res = results[req.id]
            if res.ok or isinstance(res.error, GraphConflictError):
                s.groups_added.add(gid)  # already a member is success
            elif isinstance(res.error, GraphNotFoundError) and s.created:
                retry.append((gid, s))
            else:
                s.groups_failed = True
                s.stop(_status_for(res.error), res.error)
        return retry

    # --- outcome ------------------------------------------------------------------------------

    def _finish(self, s: _State) -> None:
        desired = s.work.desired
        assert desired is not None
        prev = s.work.applied or DesiredState({}, {}, frozenset(), True)
        if s.tenant is not None:
            s.outcome.tenant_object_id = s.tenant.get("id", s.outcome.tenant_object_id)
            s.outcome.tenant_immutable_id = s.tenant.get("onPremisesImmutableId")
        if s.tenant is None and not s.created:
            return  # nothing happened in the tenant
        base_groups = prev.groups if not s.created else frozenset()
        groups = (base_groups - s.groups_removed) | s.groups_added
        attributes = dict(desired.attributes) if s.attrs_ok else dict(prev.attributes)
        tenant_immutable = s.outcome.tenant_immutable_id
        if tenant_immutable and s.attrs_ok:
            attributes["onPremisesImmutableId"] = tenant_immutable
        s.outcome.applied = DesiredState(
            attributes=attributes,
            licenses=dict(desired.licenses) if s.licenses_ok else dict(prev.licenses),
            groups=frozenset(groups),
            enabled=desired.enabled if s.attrs_ok else prev.enabled,
        )


def _norm(value: Any) -> Any:
    if value in ("", [], None):
        return None
    return value


def _status_for(error: GraphError | None) -> str:
    if isinstance(error, GraphTransientError):
        return "retry"
    return "failed"


def _chunks(items: Sequence[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _regroup(pairs: list[tuple[str, _State]]) -> Iterable[tuple[str, list[_State]]]:
    by_group: dict[str, list[_State]] = {}
    for gid, s in pairs:
        by_group.setdefault(gid, []).append(s)
    for gid, members in sorted(by_group.items()):
        yield from ((gid, chunk) for chunk in _chunks(members, BIND_LIMIT))
