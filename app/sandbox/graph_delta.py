"""GET /users/delta and GET /groups/delta: change tracking with skip and delta tokens (§7).

Every change to a user or a group (its members included) stamps it with the tenant's next
sequence number, and permanent deletions are remembered by sequence too. A delta token is
just "changes after sequence S" plus the caller's $select and id filter, signed so it cannot
be forged; a round's pages are keyset paged by object id. Both resources share one round
engine (`run_round`): a resource says which ids a round covers and how one id is shown.

Page size: Graph's directory delta answers at most 200 objects per page whatever
`Prefer: odata.maxpagesize` asks, and 200 when nothing is asked (Microsoft Q&A, answers by
Microsoft staff: https://learn.microsoft.com/answers/questions/2276060 "200 for objects,
such as users and contacts ... Even if a higher value is specified, the API will cap the page
size to these limits", and users/delta observed at "200 or fewer records" per call,
https://learn.microsoft.com/answers/questions/5875141). The sandbox caps the same way, so a
client asking for 999 gets 200, as it would from Graph.

Large member lists: Graph may answer one group several times in a round, each time with a
different part of its `members@delta`, on the same page or on later ones, and tells clients
to merge each group's entries and assume no order ("Paging through members in a large group",
https://learn.microsoft.com/graph/delta-query-groups). Graph documents no figures, so the
sandbox picks its own: at most `Behaviour.delta_members_per_entry` members per group entry
and `Behaviour.delta_members_per_page` members per page (the group entry repeated), so every
client of the sandbox meets the split that Graph may send.

Soft-deleted members: Graph keeps a soft-deleted user's group memberships (that is how a
restore puts them back) and reports nothing in `members@delta` when a user is soft-deleted
or restored; only a permanent deletion removes the user from its groups. The docs say so
("Only users that have been permanently deleted are removed from groups. Users that have been
temporary deleted keep their group memberships and won't appear in the delta result until
they're permanently deleted", https://learn.microsoft.com/graph/delta-query-groups,
deltaLink response); a restored user goes back into its groups (microsoftgraph/
microsoft-graph-docs#5544); field reports agree that a soft delete shows nothing in the next
groups delta (microsoftgraph/microsoft-graph-docs#18628, #7115) while the first round lists
the deleted members. So both rounds here list a soft-deleted member as a member, and only a
purge is reported as `@removed`: a full round and an incremental one agree.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.sandbox.errors import GraphError
from app.sandbox.graph_core import GraphContext, GraphResponse, json_response, route
from app.sandbox.graph_groups import GROUP_PROPERTIES, READ_GROUPS, group_view
from app.sandbox.graph_users import READ_USERS, select_fragment, user_select, user_view
from app.sandbox.odata import (
    BoolOp,
    Compare,
    Node,
    max_page_size_preference,
    parse_filter,
    parse_select,
)
from app.sandbox.state import Group, Tenant

# Graph's cap (and default) for directory objects per delta page: see the module docstring.
DELTA_PAGE_SIZE = 200
MAX_FILTER_IDS = 50
USER_TYPE = "#microsoft.graph.user"
# How many rounds' candidate lists a tenant keeps (a few clients paging at once).
_ROUND_CACHE_SIZE = 8


def sync_state_error() -> GraphError:
    # The exact error for a bad directory delta token is unverified (contract §7).
    return GraphError(
        400,
        "syncStateNotFound",
        "The sync state is not found or has expired. Please restart the sync without a token.",
    )


def filter_ids(raw: str | None) -> list[str] | None:
    """Delta accepts only `id eq '...' or id eq '...'`, at most 50 ids."""
    if not raw:
        return None
    ids: list[str] = []

    def walk(node: Node) -> None:
        if isinstance(node, BoolOp) and node.op == "or":
            walk(node.left)
            walk(node.right)
        elif isinstance(node, Compare) and node.prop == "id" and node.op == "eq":
            ids.append(str(node.value).lower())
        else:
            raise GraphError(
                400,
                "Request_UnsupportedQuery",
                "Unsupported query: only filters of the form \"id eq '<id>'\" joined by 'or' "
                "are supported for delta queries.",
            )

    walk(parse_filter(raw))
    if len(ids) > MAX_FILTER_IDS:
        raise GraphError(
            400, "Request_UnsupportedQuery", f"At most {MAX_FILTER_IDS} ids can be filtered."
        )
    return sorted(set(ids))


@dataclass
class Cursor:
    """Where a round stands: changes after `since` (None: the first, full round), the
    tenant sequence when the round began (`snap`, the next deltaLink's `since`), the last id
    already answered, and the caller's $select and id filter from the first request."""

    resource: str
    since: int | None
    snap: int
    after: str
    sel: list[str] | None
    ids: list[str] | None
    # How many entries of the object `after` names were already answered: 0 when it is done;
    # more while a group's member list is split across pages.
    part: int = 0

    def encode(self, ctx: GraphContext, kind: str, **changes: Any) -> str:
        payload = {
            "kind": kind,
            "res": self.resource,
            "since": self.since,
            "snap": self.snap,
            "after": self.after,
            "sel": self.sel,
            "ids": self.ids,
            "part": self.part,
        }
        payload.update(changes)
        return ctx.codec.encode(payload)


@dataclass(frozen=True)
class DeltaResource:
    """What differs between users delta and groups delta."""

    name: str  # "users" or "groups": the path segment, the context and the token's resource
    select: Callable[[GraphContext], list[str] | None]
    # Every id a round may answer, sorted: the candidates it pages through.
    candidates: Callable[[Tenant, Cursor], list[str]]
    # One id's entries in the round: none when it has nothing to say (a deleted user on a
    # first round), several when a group's members are split (see the module docstring).
    render: Callable[[GraphContext, str, Cursor], list[dict[str, Any]]]


def _cursor(ctx: GraphContext, resource: DeltaResource) -> Cursor:
    """The round's cursor: from the token, or a fresh one from the first request's options."""
    tenant = ctx.tenant
    skiptoken = ctx.q("$skiptoken")
    deltatoken = ctx.q("$deltatoken")
    if skiptoken is None and deltatoken is None:
        return Cursor(
            resource=resource.name,
            since=None,
            snap=tenant.seq,
            after="",
            sel=resource.select(ctx),
            ids=filter_ids(ctx.q("$filter")),
        )
    # Query options are only read on the first call; afterwards the token carries them.
    decoded = ctx.codec.decode(skiptoken if skiptoken is not None else str(deltatoken))
    if (
        decoded is None
        or decoded.get("kind") != ("skip" if skiptoken is not None else "delta")
        # Tokens from before groups delta existed carry no resource: they were users'.
        or decoded.get("res", "users") != resource.name
    ):
        raise sync_state_error()
    cursor = Cursor(
        resource=resource.name,
        since=decoded["since"],
        snap=decoded.get("snap", tenant.seq),
        after=decoded.get("after", ""),
        sel=decoded["sel"],
        ids=decoded["ids"],
        part=int(decoded.get("part") or 0),
    )
    if deltatoken is not None:
        # A new round: changes since the last round began, up to now.
        cursor.snap = tenant.seq
        cursor.after = ""
        cursor.part = 0
    return cursor


def cached_candidates(
    tenant: Tenant, key: tuple[Any, ...], build: Callable[[], list[str]]
) -> list[str]:
    """A round's sorted candidate ids, built once per tenant state: the key holds the tenant
    sequence, so any change rebuilds them and an unchanged tenant pages in O(page)."""
    found = tenant.round_cache.get(key)
    if found is None:
        if len(tenant.round_cache) >= _ROUND_CACHE_SIZE:
            tenant.round_cache.pop(next(iter(tenant.round_cache)))
        found = tenant.round_cache[key] = build()
    return found


def run_round(ctx: GraphContext, resource: DeltaResource) -> GraphResponse:
    """One page of a delta round: keyset paged by id after the cursor's last id."""
    tenant = ctx.tenant
    cursor = _cursor(ctx, resource)
    page_size = min(
        max_page_size_preference(ctx.request.headers.get("prefer")) or DELTA_PAGE_SIZE,
        DELTA_PAGE_SIZE,
    )
    candidates = resource.candidates(tenant, cursor)
    # A group cut short on the last page starts this one, at the entry where it stopped.
    skip = cursor.part
    index = (bisect_left if skip else bisect_right)(candidates, cursor.after)
    members_left = ctx.state.behaviour.delta_members_per_page
    values: list[dict[str, Any]] = []
    last, part = cursor.after, cursor.part
    while index < len(candidates) and len(values) < page_size:
        object_id = candidates[index]
        entries = resource.render(ctx, object_id, cursor)[skip:]
        sent = 0
        for entry in entries:
            size = len(entry.get("members@delta") or ())
            # A page takes at least one entry, so a round always moves on.
            if len(values) >= page_size or (values and size > members_left):
                break
            values.append(entry)
            members_left -= size
            sent += 1
        if sent < len(entries):
            last, part = object_id, skip + sent
            break
        last, part, skip = object_id, 0, 0
        index += 1

    path = f"/{resource.name}/delta"
    body: dict[str, Any] = {
        "@odata.context": ctx.context_url(f"{resource.name}{select_fragment(cursor.sel)}"),
    }
    if index < len(candidates):
        token = cursor.encode(ctx, "skip", after=last, part=part)
        body["@odata.nextLink"] = f"{ctx.graph_base}{path}?$skiptoken={token}"
    else:
        token = cursor.encode(ctx, "delta", since=cursor.snap, after="", part=0)
        body["@odata.deltaLink"] = f"{ctx.graph_base}{path}?$deltatoken={token}"
    body["value"] = values
    return json_response(200, body)


def _changed_since(seqs: Sequence[tuple[str, int]], since: int, ids: list[str] | None) -> list[str]:
    wanted = set(ids) if ids is not None else None
    return sorted(
        object_id
        for object_id, seq in seqs
        if seq > since and (wanted is None or object_id in wanted)
    )


# --- users -------------------------------------------------------------------------------


def _user_candidates(tenant: Tenant, cursor: Cursor) -> list[str]:
    if cursor.since is None:
        # A full round: every user, in id order (deleted ones are skipped when shown).
        return cursor.ids if cursor.ids is not None else tenant.sorted_user_ids()
    since = cursor.since

    def build() -> list[str]:
        stamps = [(u.id, u.change_seq) for u in tenant.users.values()]
        stamps.extend(tenant.purged.items())
        return _changed_since(stamps, since, cursor.ids)

    ids_key = tuple(cursor.ids) if cursor.ids is not None else None
    return cached_candidates(tenant, ("users", since, tenant.seq, ids_key), build)


def _render_user(ctx: GraphContext, object_id: str, cursor: Cursor) -> list[dict[str, Any]]:
    user = ctx.tenant.users.get(object_id)
    if cursor.since is None:
        return [] if user is None or user.is_deleted else [user_view(user, cursor.sel)]
    if user is None:
        # Only ids purged after `since` are candidates of a later round.
        return [{"id": object_id, "@removed": {"reason": "deleted"}}]
    if user.is_deleted:
        # Soft deleted, still restorable (contract §7).
        return [{"id": object_id, "@removed": {"reason": "changed"}}]
    return [user_view(user, cursor.sel)]


USERS = DeltaResource(
    name="users", select=user_select, candidates=_user_candidates, render=_render_user
)


@route("GET", "/users/delta()", permissions=READ_USERS)
def users_delta_call(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    return users_delta(ctx, params)


@route("GET", "/users/delta", permissions=READ_USERS)
def users_delta(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    return run_round(ctx, USERS)


# --- groups ------------------------------------------------------------------------------

GROUP_DELTA_SELECTABLE = (*GROUP_PROPERTIES, "members")


def _group_select(ctx: GraphContext) -> list[str] | None:
    return parse_select(ctx.q("$select"), GROUP_DELTA_SELECTABLE, "microsoft.graph.group")


def _group_candidates(tenant: Tenant, cursor: Cursor) -> list[str]:
    since = cursor.since

    def build() -> list[str]:
        if since is None:
            wanted = set(cursor.ids) if cursor.ids is not None else None
            return sorted(g for g in tenant.groups if wanted is None or g in wanted)
        stamps = [(g.id, g.change_seq) for g in tenant.groups.values()]
        stamps.extend(tenant.purged_groups.items())
        return _changed_since(stamps, since, cursor.ids)

    ids_key = tuple(cursor.ids) if cursor.ids is not None else None
    return cached_candidates(tenant, ("groups", since, tenant.seq, ids_key), build)


def _member(member_id: str) -> dict[str, Any]:
    return {"@odata.type": USER_TYPE, "id": member_id}


def _members_now(group: Group) -> list[dict[str, Any]]:
    """Every member the group holds, soft-deleted users included: they keep their memberships
    until purged (see the module docstring), so a first round agrees with later ones."""
    return [_member(m) for m in sorted(set(group.members))]


def _member_changes(group: Group, since: int) -> list[dict[str, Any]]:
    """Each member added or removed after `since`, by its last change: added members as
    they are on a first round, removed ones with `@removed` (reason "deleted": the link is
    gone, whatever became of the user)."""
    start = bisect_left(group.member_log, since + 1, key=lambda entry: entry[0])
    last: dict[str, bool] = {}
    for _, member_id, added in group.member_log[start:]:
        last[member_id] = added
    changes = []
    for member_id in sorted(last):
        entry = _member(member_id)
        if not last[member_id]:
            entry["@removed"] = {"reason": "deleted"}
        changes.append(entry)
    return changes


def _render_group(ctx: GraphContext, object_id: str, cursor: Cursor) -> list[dict[str, Any]]:
    group = ctx.tenant.groups.get(object_id)
    if group is None:
        return [{"id": object_id, "@removed": {"reason": "deleted"}}]
    select = cursor.sel
    properties = [p for p in select if p != "members"] if select else None
    # `$select=members` alone shows only the id and the members.
    entry = group_view(group, properties if properties else (["id"] if select else None))
    if select is not None and "members" not in select:
        return [entry]
    # A first round lists every member; a later one what changed since its token.
    since = cursor.since
    changes = _members_now(group) if since is None else _member_changes(group, since)
    if not changes:
        return [entry]
    # A long list is split: the same group entry again, with the next part of its members.
    size = max(1, ctx.state.behaviour.delta_members_per_entry)
    return [
        {**entry, "members@delta": changes[start : start + size]}
        for start in range(0, len(changes), size)
    ]


GROUPS = DeltaResource(
    name="groups", select=_group_select, candidates=_group_candidates, render=_render_group
)


@route("GET", "/groups/delta()", permissions=READ_GROUPS)
def groups_delta_call(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    return groups_delta(ctx, params)


@route("GET", "/groups/delta", permissions=READ_GROUPS)
def groups_delta(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    return run_round(ctx, GROUPS)
