"""Graph tenant-level endpoints: domains, organization, and deleted items (contract §3, §6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.sandbox.errors import conflict, not_found
from app.sandbox.graph_core import GraphContext, GraphResponse, json_response, no_content, route
from app.sandbox.graph_privileged import refuse_privileged
from app.sandbox.graph_users import (
    READ_USERS,
    USER_FILTERS,
    WRITE_USERS,
    paged_list,
    select_fragment,
    user_select,
    user_value,
    user_view,
)
from app.sandbox.odata import evaluate, parse_filter
from app.sandbox.state import User

READ_DOMAINS = {"Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All"}
READ_ORG = {"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All"}


@route("GET", "/domains", permissions=READ_DOMAINS)
def list_domains(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    values = [d.to_graph() for d in ctx.tenant.domains.values()]
    return json_response(200, {"@odata.context": ctx.context_url("domains"), "value": values})


@route("GET", "/domains/{domain}", permissions=READ_DOMAINS)
def get_domain(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    domain = ctx.tenant.domain(params["domain"])
    if domain is None:
        raise not_found(params["domain"])
    body = {"@odata.context": ctx.context_url("domains/$entity"), **domain.to_graph()}
    return json_response(200, body)


def organization_view(ctx: GraphContext) -> dict[str, Any]:
    tenant = ctx.tenant
    verified = [
        {
            "capabilities": "Email, OfficeCommunicationsOnline",
            "isDefault": d.is_default,
            "isInitial": d.is_initial,
            "name": d.name,
            "type": d.authentication_type,
        }
        for d in tenant.domains.values()
        if d.is_verified
    ]
    return {
        "id": tenant.id,
        "businessPhones": [],
        "city": None,
        "country": None,
        "countryLetterCode": tenant.country_letter_code,
        "createdDateTime": tenant.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "defaultUsageLocation": tenant.default_usage_location,
        "displayName": tenant.display_name,
        "onPremisesLastSyncDateTime": None,
        "onPremisesSyncEnabled": tenant.on_premises_sync_enabled,
        "preferredLanguage": "en",
        "tenantType": "AAD",
        "technicalNotificationMails": [],
        "verifiedDomains": verified,
        "assignedPlans": [],
        "provisionedPlans": [],
    }


@route("GET", "/organization", permissions=READ_ORG | READ_USERS)
def get_organization(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    body = {"@odata.context": ctx.context_url("organization"), "value": [organization_view(ctx)]}
    return json_response(200, body)


@route("GET", "/organization/{org}", permissions=READ_ORG | READ_USERS)
def get_organization_by_id(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    if params["org"].lower() != ctx.tenant.id:
        raise not_found(params["org"])
    body = {"@odata.context": ctx.context_url("organization/$entity"), **organization_view(ctx)}
    return json_response(200, body)


# --- deleted items -----------------------------------------------------------------------


def _deleted_user(ctx: GraphContext, object_id: str) -> User:
    user = ctx.tenant.users.get(object_id.lower())
    if user is None or not user.is_deleted:
        raise not_found(object_id)
    return user


def _deleted_getter(user: User) -> Callable[[str], Any]:
    return lambda prop: user_value(user, prop, deleted_view=True)


def _deleted_view(user: User, select: list[str] | None) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.user", **user_view(user, select, deleted_view=True)}


@route("GET", "/directory/deletedItems/microsoft.graph.user", permissions=READ_USERS, ru=2)
def list_deleted_users(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    select = user_select(ctx)
    users = sorted((u for u in ctx.tenant.users.values() if u.is_deleted), key=lambda u: u.id)
    raw_filter = ctx.q("$filter")
    if raw_filter:
        node = parse_filter(raw_filter)
        USER_FILTERS.check(node, ctx.advanced)
        # Filters see the deleted view, so userPrincipalName is the id-prefixed form.
        users = [u for u in users if evaluate(node, _deleted_getter(u))]
    return paged_list(
        ctx,
        "/directory/deletedItems/microsoft.graph.user",
        users,
        lambda u: user_view(u, select, deleted_view=True),
        f"users{select_fragment(select)}",
        key=lambda u: u.id,
        count=len(users) if ctx.advanced else None,
    )


@route("GET", "/directory/deletedItems/{item}", permissions=READ_USERS)
def get_deleted_item(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    user = _deleted_user(ctx, params["item"])
    select = user_select(ctx)
    body = {
        "@odata.context": ctx.context_url("directoryObjects/$entity"),
        **_deleted_view(user, select),
    }
    return json_response(200, body)


@route("POST", "/directory/deletedItems/{item}/restore", permissions=WRITE_USERS)
def restore_deleted_item(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    user = _deleted_user(ctx, params["item"])
    refuse_privileged(user)
    if ctx.tenant.user_by_upn(user.upn) is not None:
        raise conflict("userPrincipalName")
    user.deleted_at = None
    ctx.tenant.touch(user)
    body = {
        "@odata.context": ctx.context_url("directoryObjects/$entity"),
        "@odata.type": "#microsoft.graph.user",
        **user_view(user, None),
    }
    return json_response(200, body)


@route("DELETE", "/directory/deletedItems/{item}", permissions=WRITE_USERS)
def purge_deleted_item(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    user = _deleted_user(ctx, params["item"])
    ctx.tenant.purge_user(user)
    return no_content()
