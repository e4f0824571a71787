"""Graph /users endpoints: create, read, list with $filter/$search/paging, update, delete.

Validation order and messages follow graph-contract.md §1-§3; helpers that render users and
page collections are shared with the license, group, directory and delta modules.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from app.sandbox import user_checks
from app.sandbox.errors import (
    MSG_COUNT_UNSUPPORTED,
    MSG_INVALID_PROPERTY,
    MSG_INVALID_VALUES,
    MSG_REQUIRED,
    MSG_SEARCH_ADVANCED,
    MSG_UNVERIFIED_DOMAIN,
    MSG_WEAK_PASSWORD,
    GraphError,
    bad_request,
    conflict,
)
from app.sandbox.graph_conflicts import check_unique
from app.sandbox.graph_core import (
    GraphContext,
    GraphRequest,
    GraphResponse,
    json_response,
    no_content,
    require_body,
    route,
)
from app.sandbox.graph_privileged import refuse_privileged, refuse_sensitive_update
from app.sandbox.graph_synced import refuse_delete, refuse_mastered_changes
from app.sandbox.odata import (
    BoolOp,
    Compare,
    FilterCapabilities,
    InList,
    Node,
    evaluate,
    parse_filter,
    parse_select,
    parse_top,
)
from app.sandbox.state import UNIQUE_PROPS, Tenant, User

READ_USERS = {"User.Read.All", "User.ReadWrite.All", "Directory.Read.All"}
WRITE_USERS = {"User.ReadWrite.All", "Directory.ReadWrite.All"}

# Stored user properties and their value when unset. Computed ones are added by user_view().
USER_PROPERTIES: dict[str, Any] = {
    "accountEnabled": True,
    "ageGroup": None,
    "businessPhones": [],
    "city": None,
    "companyName": None,
    "country": None,
    "department": None,
    "displayName": None,
    "employeeId": None,
    "employeeType": None,
    "faxNumber": None,
    "givenName": None,
    "jobTitle": None,
    "mail": None,
    "mailNickname": None,
    "mobilePhone": None,
    "officeLocation": None,
    "onPremisesImmutableId": None,
    "otherMails": [],
    "passwordPolicies": None,
    "postalCode": None,
    "preferredLanguage": None,
    "state": None,
    "streetAddress": None,
    "surname": None,
    "usageLocation": None,
    "userPrincipalName": None,
    "userType": "Member",
}
COMPUTED_PROPERTIES = (
    "id",
    "assignedLicenses",
    "createdDateTime",
    "deletedDateTime",
    "onPremisesSyncEnabled",
    "passwordProfile",
    "proxyAddresses",
)
SELECTABLE = tuple(USER_PROPERTIES) + COMPUTED_PROPERTIES
# What GET /users returns without $select (contract §2).
DEFAULT_SELECT = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
REQUIRED_ON_CREATE = (
    "accountEnabled",
    "displayName",
    "mailNickname",
    "passwordProfile",
    "userPrincipalName",
)
_READ_ONLY = {
    "id",
    "createdDateTime",
    "deletedDateTime",
    "assignedLicenses",
    "proxyAddresses",
    "onPremisesSyncEnabled",
}

_EQ = frozenset({"eq", "in"})
_EQ_RANGE = frozenset({"eq", "in", "ge", "le", "startswith"})
_ADV = frozenset({"ne", "not", "endswith", "eq", "in", "startswith", "ge", "le"})
USER_FILTERS = FilterCapabilities(
    resource="User",
    type_name="microsoft.graph.user",
    basic={
        "id": _EQ,
        "userPrincipalName": _EQ_RANGE,
        "mail": _EQ_RANGE,
        "onPremisesImmutableId": _EQ_RANGE,
        "accountEnabled": _EQ,
        "displayName": _EQ_RANGE,
        "givenName": _EQ_RANGE,
        "surname": _EQ_RANGE,
        "mailNickname": _EQ_RANGE,
        "jobTitle": _EQ_RANGE,
        "employeeId": _EQ_RANGE,
        "usageLocation": _EQ_RANGE,
        "userType": _EQ,
        "otherMails": frozenset({"any.eq", "any.in"}),
        "proxyAddresses": frozenset({"any.eq", "any.in"}),
        "assignedLicenses/skuId": frozenset({"any.eq", "any.in"}),
    },
    advanced={
        "id": _ADV,
        "userPrincipalName": _ADV,
        "mail": _ADV,
        "onPremisesImmutableId": _ADV,
        "accountEnabled": _ADV,
        "displayName": _ADV,
        "givenName": _ADV,
        "surname": _ADV,
        "mailNickname": _ADV,
        "jobTitle": _ADV,
        "employeeId": _ADV,
        "usageLocation": _ADV,
        "userType": _ADV,
        # Filtering on it is taken as an advanced query here (the stricter reading).
        "onPremisesSyncEnabled": frozenset({"eq", "ne", "not", "in"}),
        "department": _ADV,
        "companyName": _ADV,
        "city": _ADV,
        "country": _ADV,
        "state": _ADV,
        "officeLocation": _ADV,
        "createdDateTime": _ADV,
        "otherMails": frozenset({"any.eq", "any.in", "not"}),
        "proxyAddresses": frozenset({"any.eq", "any.in", "not"}),
        "assignedLicenses/skuId": frozenset({"any.eq", "any.in", "not"}),
    },
)

# --- rendering ---------------------------------------------------------------------------


def iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def user_value(user: User, name: str, *, deleted_view: bool = False) -> Any:
    if name == "id":
        return user.id
    if name == "assignedLicenses":
        return [lic.to_graph() for lic in user.licenses]
    if name == "createdDateTime":
        return iso(user.created_at)
    if name == "deletedDateTime":
        return iso(user.deleted_at)
    if name == "onPremisesSyncEnabled":
        return user.on_premises_sync
    if name == "passwordProfile":
        return None
    if name == "proxyAddresses":
        mail = user.props.get("mail")
        return [f"SMTP:{mail}"] if mail else []
    if name == "userPrincipalName" and deleted_view:
        return user.deleted_upn()
    return user.props.get(name, USER_PROPERTIES.get(name))


def user_view(
    user: User, select: Sequence[str] | None, *, deleted_view: bool = False
) -> dict[str, Any]:
    names = list(select) if select else list(DEFAULT_SELECT)
    if deleted_view and not select:
        names.append("deletedDateTime")
    if "id" not in names:
        # Graph always returns the key property.
        names.append("id")
    return {name: user_value(user, name, deleted_view=deleted_view) for name in names}


def select_fragment(select: Sequence[str] | None) -> str:
    return f"({','.join(select)})" if select else ""


def user_select(ctx: GraphContext) -> list[str] | None:
    return parse_select(ctx.q("$select"), list(SELECTABLE), "microsoft.graph.user")


def paged_list(
    ctx: GraphContext,
    path: str,
    items: Sequence[Any],
    render: Callable[[Any], dict[str, Any]],
    context: str,
    *,
    key: Callable[[Any], str],
    default_page: int = 100,
    count: int | None = None,
) -> GraphResponse:
    """One page of a collection with a keyset `$skiptoken`, the way Graph pages directories.

    The token remembers the last key served (items are sorted by `key`), so a page is stable
    even if objects are added or removed between calls; the caller must not parse it.
    """
    top = parse_top(ctx.q("$top")) or default_page
    skiptoken = ctx.q("$skiptoken")
    start = 0
    if skiptoken is not None:
        cursor = ctx.codec.decode(skiptoken)
        if cursor is None or "after" not in cursor:
            raise bad_request(
                "The specified page token value has expired and can no longer be "
                "included in your request.",
                code="Request_BadRequest",
            )
        after = str(cursor["after"])
        start = next((i for i, item in enumerate(items) if key(item) > after), len(items))
    page = items[start : start + top]
    body: dict[str, Any] = {"@odata.context": ctx.context_url(context)}
    if count is not None:
        body["@odata.count"] = count
    if start + top < len(items):
        token = ctx.codec.encode({"after": key(page[-1])})
        body["@odata.nextLink"] = ctx.next_link(path, "$skiptoken", token)
    body["value"] = [render(item) for item in page]
    return json_response(200, body)


# --- validation --------------------------------------------------------------------------


def check_password(password: Any) -> None:
    if not user_checks.password_ok(password):
        raise bad_request(MSG_WEAK_PASSWORD)


def check_nickname(value: Any) -> None:
    if not user_checks.nickname_ok(value):
        raise bad_request(MSG_INVALID_PROPERTY.format(prop="mailNickname"))


def check_upn(tenant: Tenant, upn: Any) -> str:
    """Syntax first (generic message), then the domain must be verified in this tenant."""
    if not user_checks.upn_syntax_ok(upn):
        raise bad_request(MSG_INVALID_VALUES)
    domain = tenant.domain(upn.split("@")[1])
    if domain is None or not domain.is_verified:
        raise bad_request(MSG_UNVERIFIED_DOMAIN)
    return domain.authentication_type


def check_immutable_id(tenant: Tenant, value: Any, exclude: User | None) -> None:
    if value is None:
        return
    if not user_checks.immutable_id_ok(value):
        raise bad_request(MSG_INVALID_PROPERTY.format(prop="onPremisesImmutableId"))
    # Soft-deleted users keep their source anchor, so they still block reuse of the value.
    # The anchor is base64: its case is part of the value, so only an exact match conflicts.
    holders = tenant.holders("onPremisesImmutableId", value)
    if any(o is not exclude and o.props.get("onPremisesImmutableId") == value for o in holders):
        raise conflict("onPremisesImmutableId")


def check_usage_location(value: Any) -> str | None:
    if value is None:
        return None
    code = user_checks.usage_location(value)
    if code is None:
        raise bad_request(MSG_INVALID_PROPERTY.format(prop="usageLocation"))
    return code


def check_values(body: dict[str, Any]) -> None:
    """Lengths, mail and businessPhones: the rules of properties with no check of their own.

    Graph's messages for these were not captured (graph-contract.md names none); the
    property-level message is the one Graph gives its other invalid values.
    """
    for name, value in body.items():
        if not user_checks.length_ok(name, value):
            raise bad_request(MSG_INVALID_PROPERTY.format(prop=name))
    if "mail" in body and not user_checks.mail_ok(body["mail"]):
        raise bad_request(MSG_INVALID_PROPERTY.format(prop="mail"))
    if "businessPhones" in body and not user_checks.business_phones_ok(body["businessPhones"]):
        raise bad_request(MSG_INVALID_VALUES)


def check_known_properties(body: dict[str, Any]) -> None:
    for name in body:
        if name.startswith("@odata") or "@odata." in name:
            continue
        if name not in USER_PROPERTIES and name not in ("passwordProfile", "id"):
            raise bad_request(
                f"Property '{name}' does not exist as a declared property or extension property."
            )


# --- handlers ----------------------------------------------------------------------------


@route("POST", "/users", permissions=WRITE_USERS)
def create_user(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    body = require_body(ctx.request)
    for name in REQUIRED_ON_CREATE:
        value = body.get(name)
        blank = isinstance(value, str) and not value.strip()
        if value is None or blank or (name == "passwordProfile" and not value):
            raise bad_request(MSG_REQUIRED.format(prop=name))
    check_known_properties(body)
    if not isinstance(body["accountEnabled"], bool):
        raise bad_request(MSG_INVALID_VALUES)
    profile = body["passwordProfile"]
    if not isinstance(profile, dict) or not profile.get("password"):
        raise bad_request(MSG_REQUIRED.format(prop="passwordProfile.password"))
    tenant = ctx.tenant
    auth_type = check_upn(tenant, body["userPrincipalName"])
    check_nickname(body["mailNickname"])
    immutable_id = body.get("onPremisesImmutableId")
    if auth_type == "Federated" and not immutable_id:
        # Graph answers a federated UPN without a source anchor with the generic message.
        raise bad_request(MSG_INVALID_VALUES)
    usage_location = check_usage_location(body.get("usageLocation"))
    check_password(profile["password"])
    check_values(body)
    if tenant.user_by_upn(body["userPrincipalName"]) is not None:
        raise conflict("userPrincipalName")
    check_immutable_id(tenant, immutable_id, None)
    check_unique(tenant, body)

    props = dict(USER_PROPERTIES)
    props.update({k: v for k, v in body.items() if k in USER_PROPERTIES})
    props["usageLocation"] = usage_location
    user = User(id=str(uuid.uuid4()), props=props, password=profile["password"])
    tenant.insert_user(user)
    tenant.touch(user)
    view = user_view(user, None)
    body_out = {"@odata.context": ctx.context_url("users/$entity"), **view}
    return json_response(201, body_out, {"Location": f"{ctx.graph_base}/users/{user.id}"})


@route("GET", "/users/$count", permissions=READ_USERS)
def count_users(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    if not ctx.eventual:
        raise bad_request(MSG_COUNT_UNSUPPORTED)
    users = filtered_users(ctx)
    return GraphResponse(status=200, body=str(len(users)), headers={"Content-Type": "text/plain"})


def _search_terms(raw: str) -> list[tuple[str, str]]:
    """`"displayName:al" AND "mail:contoso"` -> [(displayName, al), (mail, contoso)]."""
    terms = re.findall(r'"([^":]+):([^"]*)"', raw)
    if not terms:
        raise bad_request("Invalid search clause.", code="Request_UnsupportedQuery")
    return [(p, v) for p, v in terms]


def _matches_search(user: User, terms: list[tuple[str, str]], any_term: bool) -> bool:
    def hit(prop: str, needle: str) -> bool:
        value = user_value(user, prop)
        return isinstance(value, str) and needle.lower() in value.lower()

    results = [hit(p, v) for p, v in terms]
    return any(results) if any_term else all(results)


def filtered_users(ctx: GraphContext) -> list[User]:
    users = list(ctx.tenant.live_users())
    raw_filter = ctx.q("$filter")
    if raw_filter:
        node = parse_filter(raw_filter)
        USER_FILTERS.check(node, ctx.advanced)
        among = _candidates(ctx.tenant, node)
        if among is not None:
            # Only these can match; the filter itself still decides (and the order stays).
            users = [u for u in users if u.id in among]
        users = [u for u in users if _user_matches(u, node)]
    raw_search = ctx.q("$search")
    if raw_search:
        if not ctx.eventual:
            raise bad_request(MSG_SEARCH_ADVANCED, code="Request_UnsupportedQuery")
        terms = _search_terms(raw_search)
        users = [u for u in users if _matches_search(u, terms, " OR " in raw_search)]
    return users


def _candidates(tenant: Tenant, node: Node) -> set[str] | None:
    """The ids that can match `node`, from the tenant's value index, or None when the filter
    is not one the index answers (then every user is evaluated). A look-up by UPN or source
    anchor (`in` of 15 values) otherwise evaluated the filter on every user: a 20-item
    `$batch` of them took the sandbox half a second at 1,500 users."""
    match node:
        case Compare(prop, "eq", value) if prop in UNIQUE_PROPS or prop == "id":
            return _holding(tenant, prop, [value])
        case InList(prop, values) if prop in UNIQUE_PROPS or prop == "id":
            return _holding(tenant, prop, list(values))
        case BoolOp("or", left, right):
            a, b = _candidates(tenant, left), _candidates(tenant, right)
            return None if a is None or b is None else a | b
        case BoolOp("and", left, right):
            a, b = _candidates(tenant, left), _candidates(tenant, right)
            if a is None or b is None:
                return a if b is None else b
            return a & b
    return None


def _holding(tenant: Tenant, prop: str, values: list[Any]) -> set[str] | None:
    if not all(isinstance(v, str) and v for v in values):
        return None  # `eq null` or `eq ''` matches users without a value: not in the index
    if prop == "id":
        wanted = {v.lower() for v in values}
        return {i for i in tenant.users if i.lower() in wanted}
    return {u.id for v in values for u in tenant.holders(prop, v)}


def _user_matches(user: User, node: Node) -> bool:
    return evaluate(node, lambda prop: user_value(user, prop))


def _order(ctx: GraphContext, users: list[User]) -> tuple[list[User], Callable[[User], str]]:
    raw = ctx.q("$orderby")
    if not raw:
        users.sort(key=lambda u: u.id)
        return users, lambda u: u.id
    prop, _, direction = raw.strip().partition(" ")
    if prop not in ("displayName", "userPrincipalName") or (ctx.q("$filter") and not ctx.advanced):
        raise bad_request("Sorting not supported for current query.", "Request_UnsupportedQuery")
    descending = direction.strip().lower() == "desc"

    # The key doubles as the paging cursor, so it must be a total order: value then id.
    def sort_key(u: User) -> str:
        return f"{str(user_value(u, prop) or '').lower()}\x00{u.id}"

    users.sort(key=sort_key, reverse=descending)
    if descending:
        # Cursor comparison is ascending; invert by using positions instead.
        ranks = {u.id: f"{i:08d}" for i, u in enumerate(users)}
        return users, lambda u: ranks[u.id]
    return users, sort_key


@route("GET", "/users", permissions=READ_USERS, ru=2)
def list_users(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    if ctx.q("$skip") is not None:
        raise bad_request("'$skip' is not supported by the service.")
    select = user_select(ctx)
    users, key = _order(ctx, filtered_users(ctx))
    count = len(users) if ctx.advanced else None
    return paged_list(
        ctx,
        "/users",
        users,
        lambda u: user_view(u, select),
        f"users{select_fragment(select)}",
        key=key,
        count=count,
    )


@route("GET", "/users/{user}", permissions=READ_USERS)
def get_user(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    user = ctx.find_user(params["user"])
    select = user_select(ctx)
    body = {
        "@odata.context": ctx.context_url(f"users{select_fragment(select)}/$entity"),
        **user_view(user, select),
    }
    return json_response(200, body)


def _patch_permissions(request: GraphRequest) -> frozenset[str]:
    # Enabling/disabling alone is allowed with the narrower User.EnableDisableAccount.All.
    body = request.body if isinstance(request.body, dict) else {}
    if body and set(body) <= {"accountEnabled"}:
        return frozenset(WRITE_USERS | {"User.EnableDisableAccount.All"})
    return frozenset(WRITE_USERS)


@route("PATCH", "/users/{user}", permissions=WRITE_USERS, permission_fn=_patch_permissions)
def update_user(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    body = require_body(ctx.request)
    user = ctx.find_user(params["user"])
    check_known_properties(body)
    check_values(body)
    refuse_mastered_changes(user, body)
    refuse_sensitive_update(user, body)
    tenant = ctx.tenant
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name in _READ_ONLY or name.startswith("@odata"):
            continue
        if name == "passwordProfile":
            if not isinstance(value, dict):
                raise bad_request(MSG_INVALID_VALUES)
            if "password" in value:
                check_password(value["password"])
                user.password = value["password"]
            continue
        if name == "userPrincipalName":
            auth_type = check_upn(tenant, value)
            other = tenant.user_by_upn(value)
            if other is not None and other is not user:
                raise conflict("userPrincipalName")
            immutable = body.get("onPremisesImmutableId", user.props.get("onPremisesImmutableId"))
            if auth_type == "Federated" and not immutable:
                raise bad_request(MSG_INVALID_VALUES)
        elif name == "mailNickname":
            check_nickname(value)
        elif name == "usageLocation":
            if value is None:
                raise bad_request(MSG_INVALID_PROPERTY.format(prop="usageLocation"))
            value = check_usage_location(value)
        elif name == "onPremisesImmutableId":
            check_immutable_id(tenant, value, user)
        elif name == "accountEnabled" and not isinstance(value, bool):
            raise bad_request(MSG_INVALID_VALUES)
        elif name == "displayName" and not (isinstance(value, str) and value.strip()):
            # "it can't be cleared during updates" (user resource)
            raise bad_request(MSG_REQUIRED.format(prop="displayName"))
        changes[name] = value
    # After the per-property checks, as at create: a taken UPN is named before a taken
    # mailNickname or proxy address.
    check_unique(tenant, body, exclude=user)
    if changes or "passwordProfile" in body:
        user.props.update(changes)
        tenant.reindex(user)
        tenant.touch(user)
    return no_content()


@route("DELETE", "/users/{user}", permissions=WRITE_USERS)
def delete_user(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    user = ctx.find_user(params["user"])
    refuse_delete(user)
    refuse_privileged(user)
    user.deleted_at = datetime.now(UTC)
    ctx.tenant.touch(user)
    return no_content()


__all__ = [
    "DEFAULT_SELECT",
    "READ_USERS",
    "SELECTABLE",
    "USER_PROPERTIES",
    "WRITE_USERS",
    "GraphError",
    "paged_list",
    "select_fragment",
    "user_select",
    "user_value",
    "user_view",
]
