"""Graph group endpoints: list and read groups, read and change members, memberOf (§5)."""

from __future__ import annotations

import re
from typing import Any

from app.sandbox.errors import (
    MSG_ALREADY_MEMBER,
    MSG_BAD_MEMBER_REF,
    MSG_INVALID_VALUES,
    MSG_READ_ONLY_GROUP,
    bad_request,
    not_found,
)
from app.sandbox.graph_core import (
    GraphContext,
    GraphRequest,
    GraphResponse,
    json_response,
    no_content,
    require_body,
    route,
)
from app.sandbox.graph_users import READ_USERS, paged_list, select_fragment, user_select, user_view
from app.sandbox.odata import FilterCapabilities, evaluate, parse_filter, parse_select
from app.sandbox.state import Group, User

READ_GROUPS = {
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
}
# group-post-members: "GroupMember.ReadWrite.All", then "Directory.ReadWrite.All" and
# "Group.ReadWrite.All" (Permissions).
WRITE_MEMBERS = {"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}
MAX_BIND = 20

GROUP_PROPERTIES = (
    "id",
    "createdDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "securityEnabled",
    "visibility",
    "onPremisesSyncEnabled",
    "proxyAddresses",
    "resourceProvisioningOptions",
)

_EQ = frozenset({"eq", "in", "startswith", "ge", "le"})
_ADV = _EQ | {"ne", "not", "endswith"}
GROUP_FILTERS = FilterCapabilities(
    resource="Group",
    type_name="microsoft.graph.group",
    basic={
        "id": frozenset({"eq", "in"}),
        "displayName": _EQ,
        "mail": _EQ,
        "mailNickname": _EQ,
        "mailEnabled": frozenset({"eq"}),
        "securityEnabled": frozenset({"eq", "in"}),
        "groupTypes": frozenset({"any.eq"}),
    },
    advanced={
        "id": _ADV,
        "displayName": _ADV,
        "mail": _ADV,
        "mailNickname": _ADV,
        "mailEnabled": _ADV,
        "securityEnabled": _ADV,
        "groupTypes": frozenset({"any.eq", "not"}),
        "description": _ADV,
    },
)


def group_view(group: Group, select: list[str] | None = None) -> dict[str, Any]:
    full = {
        "id": group.id,
        "createdDateTime": group.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "description": group.description,
        "displayName": group.display_name,
        "groupTypes": list(group.group_types),
        "mail": group.mail,
        "mailEnabled": group.mail_enabled,
        "mailNickname": group.mail_nickname,
        "membershipRule": group.membership_rule,
        "membershipRuleProcessingState": "On" if group.is_dynamic else None,
        "securityEnabled": group.security_enabled,
        "visibility": group.visibility,
        "onPremisesSyncEnabled": None,
        "proxyAddresses": [f"SMTP:{group.mail}"] if group.mail else [],
        "resourceProvisioningOptions": ["Team"] if group.is_unified else [],
    }
    if select:
        return {k: v for k, v in full.items() if k in select or k == "id"}
    return full


def _group_select(ctx: GraphContext) -> list[str] | None:
    return parse_select(ctx.q("$select"), GROUP_PROPERTIES, "microsoft.graph.group")


def find_group(ctx: GraphContext, group_id: str) -> Group:
    group = ctx.tenant.groups.get(group_id.lower())
    if group is None:
        raise not_found(group_id)
    return group


@route("GET", "/groups", permissions=READ_GROUPS, ru=1)
def list_groups(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    select = _group_select(ctx)
    groups = sorted(ctx.tenant.groups.values(), key=lambda g: g.id)
    raw_filter = ctx.q("$filter")
    if raw_filter:
        node = parse_filter(raw_filter)
        GROUP_FILTERS.check(node, ctx.advanced)
        groups = [g for g in groups if evaluate(node, group_view(g).get)]
    return paged_list(
        ctx,
        "/groups",
        groups,
        lambda g: group_view(g, select),
        f"groups{select_fragment(select)}",
        key=lambda g: g.id,
        count=len(groups) if ctx.advanced else None,
    )


@route("GET", "/groups/{group}", permissions=READ_GROUPS)
def get_group(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    group = find_group(ctx, params["group"])
    select = _group_select(ctx)
    context = ctx.context_url(f"groups{select_fragment(select)}/$entity")
    return json_response(200, {"@odata.context": context, **group_view(group, select)})


def _member_view(user: User, select: list[str] | None) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.user", **user_view(user, select)}


@route("GET", "/groups/{group}/members", permissions=READ_GROUPS, ru=3)
def list_members(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    group = find_group(ctx, params["group"])
    select = user_select(ctx)
    members = sorted(
        (u for uid in group.members if (u := ctx.tenant.users.get(uid)) and not u.is_deleted),
        key=lambda u: u.id,
    )
    return paged_list(
        ctx,
        f"/groups/{group.id}/members",
        members,
        lambda u: _member_view(u, select),
        "directoryObjects",
        key=lambda u: u.id,
    )


_REF = re.compile(
    r"^https?://[^/]+/(?:v1\.0|beta)/(?:directoryObjects|users)/(?P<id>[0-9a-fA-F-]{36})/?$"
)


def _member_id(ref: Any) -> str:
    """The object id out of an `@odata.id` reference URL."""
    if not isinstance(ref, str):
        raise bad_request(MSG_BAD_MEMBER_REF, code="Request_UnsupportedQuery")
    found = _REF.match(ref.strip())
    if found is None:
        raise bad_request(MSG_BAD_MEMBER_REF, code="Request_UnsupportedQuery")
    return found.group("id").lower()


def _check_writable(group: Group) -> None:
    if group.is_exchange_managed:
        raise bad_request(MSG_READ_ONLY_GROUP)
    if group.is_dynamic:
        # Graph refuses manual changes to rule-based membership; exact text unverified.
        raise bad_request(
            "Members of a group with dynamic membership cannot be added or removed manually."
        )


def _find_member(ctx: GraphContext, member_id: str) -> User:
    user = ctx.tenant.users.get(member_id)
    if user is None or user.is_deleted:
        raise not_found(member_id)
    from app.sandbox.behaviour import is_replicated

    if not is_replicated(ctx.state, user):
        raise not_found(member_id)
    return user


@route("POST", "/groups/{group}/members/$ref", permissions=WRITE_MEMBERS)
def add_member(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    body = require_body(ctx.request)
    group = find_group(ctx, params["group"])
    member_id = _member_id(body.get("@odata.id"))
    user = _find_member(ctx, member_id)
    _check_writable(group)
    if user.id in group.members:
        raise bad_request(MSG_ALREADY_MEMBER)
    ctx.tenant.add_member(group, user.id)
    return no_content()


def _patch_group_permissions(request: GraphRequest) -> frozenset[str]:
    # Only binding members needs no more than GroupMember.ReadWrite.All.
    body = request.body if isinstance(request.body, dict) else {}
    if body and set(body) <= {"members@odata.bind"}:
        return frozenset(WRITE_MEMBERS)
    return frozenset({"Group.ReadWrite.All"})


@route(
    "PATCH",
    "/groups/{group}",
    permissions={"Group.ReadWrite.All"},
    permission_fn=_patch_group_permissions,
)
def update_group(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    body = require_body(ctx.request)
    group = find_group(ctx, params["group"])
    refs = body.get("members@odata.bind")
    new_members: list[User] = []
    if refs is not None:
        if not isinstance(refs, list):
            raise bad_request(MSG_INVALID_VALUES)
        if len(refs) > MAX_BIND:
            # Graph caps reference changes per request at 20; message text unverified.
            raise bad_request(
                f"The maximum number of {MAX_BIND} references in 'members@odata.bind' "
                "per request has been exceeded."
            )
        _check_writable(group)
        ids = [_member_id(ref) for ref in refs]
        for member_id in ids:
            user = _find_member(ctx, member_id)
            if user.id in group.members or user in new_members:
                raise bad_request(MSG_ALREADY_MEMBER)
            new_members.append(user)
    updates: dict[str, Any] = {}
    for name, value in body.items():
        if name == "members@odata.bind":
            continue
        if name not in ("displayName", "description", "visibility", "mailNickname"):
            raise bad_request(
                f"Property '{name}' does not exist as a declared property or extension property."
            )
        updates[name] = value
    # All-or-nothing: nothing is applied until every reference was validated.
    for user in new_members:
        ctx.tenant.add_member(group, user.id)
    if "displayName" in updates:
        group.display_name = updates["displayName"]
    if "description" in updates:
        group.description = updates["description"]
    if "visibility" in updates:
        group.visibility = updates["visibility"]
    if "mailNickname" in updates:
        group.mail_nickname = updates["mailNickname"]
    if updates:
        ctx.tenant.touch_group(group)
    return no_content()


@route("DELETE", "/groups/{group}/members/{member}/$ref", permissions=WRITE_MEMBERS)
def remove_member(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    group = find_group(ctx, params["group"])
    member_id = params["member"].lower()
    if not re.fullmatch(r"[0-9a-f-]{36}", member_id):
        raise bad_request(MSG_BAD_MEMBER_REF, code="Request_UnsupportedQuery")
    _check_writable(group)
    if member_id not in group.members:
        raise not_found(params["member"])
    ctx.tenant.remove_member(group, member_id)
    return no_content()


@route("GET", "/users/{user}/memberOf", permissions=READ_USERS | READ_GROUPS, ru=2)
@route(
    "GET",
    "/users/{user}/memberOf/microsoft.graph.group",
    permissions=READ_USERS | READ_GROUPS,
    ru=2,
)
def member_of(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    user = ctx.find_user(params["user"])
    select = _group_select(ctx)
    groups = sorted(
        (g for g in ctx.tenant.groups.values() if user.id in g.members), key=lambda g: g.id
    )
    return paged_list(
        ctx,
        f"/users/{user.id}/memberOf",
        groups,
        lambda g: {"@odata.type": "#microsoft.graph.group", **group_view(g, select)},
        "directoryObjects",
        key=lambda g: g.id,
    )
