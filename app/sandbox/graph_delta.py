"""GET /users/delta: change tracking over users with skip and delta tokens (contract §7).

Every change to a user stamps it with the tenant's next sequence number, and purges are
remembered by sequence too. A delta token is just "changes after sequence S" plus the
caller's $select and id filter, signed so it cannot be forged; a round's pages are keyset
paged by object id inside a snapshot taken when the round started.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.errors import GraphError
from app.sandbox.graph_core import GraphContext, GraphResponse, json_response, route
from app.sandbox.graph_users import READ_USERS, select_fragment, user_select, user_view
from app.sandbox.odata import (
    BoolOp,
    Compare,
    Node,
    max_page_size_preference,
    parse_filter,
)

DELTA_PATH = "/users/delta"
DEFAULT_DELTA_PAGE = 100
MAX_FILTER_IDS = 50


def _sync_state_error() -> GraphError:
    # The exact error for a bad directory delta token is unverified (contract §7).
    return GraphError(
        400,
        "syncStateNotFound",
        "The sync state is not found or has expired. Please restart the sync without a token.",
    )


def _filter_ids(raw: str | None) -> list[str] | None:
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
    return ids


def _link(ctx: GraphContext, name: str, token: str) -> str:
    return f"{ctx.graph_base}{DELTA_PATH}?{name}={token}"


@route("GET", "/users/delta()", permissions=READ_USERS)
def users_delta_call(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    return users_delta(ctx, params)


@route("GET", "/users/delta", permissions=READ_USERS)
def users_delta(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    tenant = ctx.tenant
    codec = ctx.codec
    skiptoken = ctx.q("$skiptoken")
    deltatoken = ctx.q("$deltatoken")
    cursor: dict[str, Any]
    if skiptoken is not None or deltatoken is not None:
        # Query options are only read on the first call; afterwards the token carries them.
        decoded = codec.decode(skiptoken if skiptoken is not None else str(deltatoken))
        if decoded is None or decoded.get("kind") != ("skip" if skiptoken else "delta"):
            raise _sync_state_error()
        if deltatoken is not None:
            cursor = {
                "since": decoded["since"],
                "snap": tenant.seq,
                "after": "",
                "sel": decoded["sel"],
                "ids": decoded["ids"],
            }
        else:
            cursor = decoded
    else:
        select = user_select(ctx)
        cursor = {
            "since": None,
            "snap": tenant.seq,
            "after": "",
            "sel": select,
            "ids": _filter_ids(ctx.q("$filter")),
        }
    since: int | None = cursor["since"]
    select_list: list[str] | None = cursor["sel"]
    wanted_ids: set[str] | None = set(cursor["ids"]) if cursor["ids"] is not None else None
    page_size = max_page_size_preference(ctx.request.headers.get("prefer")) or DEFAULT_DELTA_PAGE

    entries: list[tuple[str, dict[str, Any]]] = []
    for user in tenant.users.values():
        if wanted_ids is not None and user.id not in wanted_ids:
            continue
        if since is None:
            if not user.is_deleted:
                entries.append((user.id, user_view(user, select_list)))
        elif user.change_seq > since:
            if user.is_deleted:
                entries.append((user.id, {"id": user.id, "@removed": {"reason": "changed"}}))
            else:
                entries.append((user.id, user_view(user, select_list)))
    if since is not None:
        for object_id, seq in tenant.purged.items():
            if seq > since and (wanted_ids is None or object_id in wanted_ids):
                entries.append((object_id, {"id": object_id, "@removed": {"reason": "deleted"}}))
    entries.sort(key=lambda e: e[0])
    after = cursor["after"]
    remaining = [e for e in entries if e[0] > after]
    page = remaining[:page_size]

    body: dict[str, Any] = {
        "@odata.context": ctx.context_url(f"users{select_fragment(select_list)}"),
    }
    if len(remaining) > page_size:
        token = codec.encode({**cursor, "kind": "skip", "after": page[-1][0]})
        body["@odata.nextLink"] = _link(ctx, "$skiptoken", token)
    else:
        token = codec.encode(
            {"kind": "delta", "since": cursor["snap"], "sel": select_list, "ids": cursor["ids"]}
        )
        body["@odata.deltaLink"] = _link(ctx, "$deltatoken", token)
    body["value"] = [view for _, view in page]
    return json_response(200, body)
