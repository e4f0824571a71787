"""The SCIM application mounted at /scim/v2: discovery, Users and Groups.

It is a separate ASGI app (not a router of the main one) so its error handlers answer in SCIM's
shape without touching the main API's problem+json, and so it stays out of our OpenAPI document:
SCIM clients discover it through /ServiceProviderConfig, /ResourceTypes and /Schemas instead.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from scim2_models import Context, Meta, NotFoundException, NotImplementedException
from scim2_models import Group as GroupResource

from app.api.deps import SessionDep
from app.scim import groups, users
from app.scim.catalog import ScimUser, build_catalog
from app.scim.config import ScimSettings
from app.scim.errors import install_handlers
from app.scim.protocol import (
    ScimResponse,
    base_url,
    catalog,
    check_if_match,
    json_body,
    list_query,
    list_response,
    not_modified,
    query_source,
    resource_response,
    response_parameters,
)
from app.security import Principal, Scope, require

ScimClient = Annotated[Principal, Depends(require(Scope.scim))]
Body = Annotated[dict[str, Any], Depends(json_body)]

router = APIRouter()


# --- discovery ------------------------------------------------------------------------------


def _discovery(resource: Any, request: Request, kind: str, endpoint: str) -> dict[str, Any]:
    located = resource.model_copy(
        update={"meta": Meta(resource_type=kind, location=f"{base_url(request)}/{endpoint}")}
    )
    dumped: dict[str, Any] = located.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return dumped


def _listing(items: list[dict[str, Any]]) -> ScimResponse:
    return ScimResponse(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(items),
            "startIndex": 1,
            "itemsPerPage": len(items),
            "Resources": items,
        }
    )


@router.get("/ServiceProviderConfig")
def service_provider_config(request: Request, _: ScimClient) -> ScimResponse:
    config = catalog(request).config
    return ScimResponse(
        _discovery(config, request, "ServiceProviderConfig", "ServiceProviderConfig")
    )


@router.get("/ResourceTypes")
def resource_types(request: Request, _: ScimClient) -> ScimResponse:
    return _listing(
        [
            _discovery(rt, request, "ResourceType", f"ResourceTypes/{rt.id}")
            for rt in catalog(request).resource_types
        ]
    )


@router.get("/ResourceTypes/{name}")
def resource_type(name: str, request: Request, _: ScimClient) -> ScimResponse:
    found = catalog(request).resource_type(name)
    if found is None:
        raise NotFoundException(detail=f"No resource type {name!r}.")
    return ScimResponse(_discovery(found, request, "ResourceType", f"ResourceTypes/{found.id}"))


@router.get("/Schemas")
def schemas(request: Request, _: ScimClient) -> ScimResponse:
    return _listing(
        [_discovery(s, request, "Schema", f"Schemas/{s.id}") for s in catalog(request).schemas]
    )


@router.get("/Schemas/{schema_id}")
def schema(schema_id: str, request: Request, _: ScimClient) -> ScimResponse:
    found = catalog(request).schema(schema_id)
    if found is None:
        raise NotFoundException(detail=f"No schema {schema_id!r}.")
    return ScimResponse(_discovery(found, request, "Schema", f"Schemas/{found.id}"))


@router.post("/.search")
def search_everything(_: ScimClient) -> ScimResponse:
    # Searching Users and Groups in one result set would need one order and one paging across
    # two tables; identity providers search per resource type, so we say so plainly.
    raise NotImplementedException(
        detail="Search /Users/.search or /Groups/.search: cross-type search is not supported."
    )


# --- users ----------------------------------------------------------------------------------


def _list_users(request: Request, session: SessionDep, source: dict[str, Any]) -> ScimResponse:
    query = list_query(source, ScimUser, catalog(request))
    total, rows = users.search(session, query)
    resources = users.render(session, catalog(request), rows, base_url(request))
    return list_response(ScimUser, total, query, resources)


@router.get("/Users")
def list_users(request: Request, session: SessionDep, _: ScimClient) -> ScimResponse:
    return _list_users(request, session, query_source(request))


@router.post("/Users/.search")
def search_users(request: Request, session: SessionDep, _: ScimClient, body: Body) -> ScimResponse:
    return _list_users(request, session, body)


@router.post("/Users")
def create_user(request: Request, session: SessionDep, _: ScimClient, body: Body) -> ScimResponse:
    resource = users.parse(body, Context.RESOURCE_CREATION_REQUEST, base_url(request))
    row = users.create(session, catalog(request), resource)
    created = users.render_one(session, catalog(request), row, base_url(request))
    return resource_response(
        created,
        response_parameters(request, ScimUser),
        status=201,
        context=Context.RESOURCE_CREATION_RESPONSE,
    )


@router.get("/Users/{user_id}", response_model=None)
def get_user(user_id: str, request: Request, session: SessionDep, _: ScimClient) -> Response:
    row = users.get_row(session, user_id)
    resource = users.render_one(session, catalog(request), row, base_url(request))
    unchanged = not_modified(request, resource.meta.version)  # type: ignore[union-attr,arg-type]
    return unchanged or resource_response(resource, response_parameters(request, ScimUser))


@router.put("/Users/{user_id}")
def replace_user(
    user_id: str, request: Request, session: SessionDep, _: ScimClient, body: Body
) -> ScimResponse:
    row = users.get_row(session, user_id, lock=True)
    current = users.render_one(session, catalog(request), row, base_url(request))
    check_if_match(request, current.meta.version)  # type: ignore[union-attr,arg-type]
    resource = users.parse(body, Context.RESOURCE_REPLACEMENT_REQUEST, base_url(request))
    resource.replace(current)
    row = users.replace(session, catalog(request), row, resource)
    return _user_response(request, session, row, Context.RESOURCE_REPLACEMENT_RESPONSE)


@router.patch("/Users/{user_id}")
def patch_user(
    user_id: str, request: Request, session: SessionDep, _: ScimClient, body: Body
) -> ScimResponse:
    row = users.get_row(session, user_id, lock=True)
    current = users.render_one(session, catalog(request), row, base_url(request))
    check_if_match(request, current.meta.version)  # type: ignore[union-attr,arg-type]
    row = users.patch(session, catalog(request), row, current, body, base_url(request))
    return _user_response(request, session, row, Context.RESOURCE_PATCH_RESPONSE)


@router.delete("/Users/{user_id}", status_code=204)
def delete_user(user_id: str, request: Request, session: SessionDep, _: ScimClient) -> Response:
    row = users.get_row(session, user_id, lock=True)
    current = users.render_one(session, catalog(request), row, base_url(request))
    check_if_match(request, current.meta.version)  # type: ignore[union-attr,arg-type]
    users.delete(session, row)
    return Response(status_code=204)


def _user_response(request: Request, session: SessionDep, row: Any, ctx: Context) -> ScimResponse:
    resource = users.render_one(session, catalog(request), row, base_url(request))
    return resource_response(resource, response_parameters(request, ScimUser), context=ctx)


# --- groups ---------------------------------------------------------------------------------


def _list_groups(request: Request, session: SessionDep, source: dict[str, Any]) -> ScimResponse:
    query = list_query(source, GroupResource, catalog(request))
    total, rows = groups.search(session, query)
    resources = groups.render(session, rows, base_url(request))
    return list_response(GroupResource, total, query, resources)


@router.get("/Groups")
def list_groups(request: Request, session: SessionDep, _: ScimClient) -> ScimResponse:
    return _list_groups(request, session, query_source(request))


@router.post("/Groups/.search")
def search_groups(request: Request, session: SessionDep, _: ScimClient, body: Body) -> ScimResponse:
    return _list_groups(request, session, body)


@router.post("/Groups")
def create_group(request: Request, session: SessionDep, _: ScimClient, body: Body) -> ScimResponse:
    row = groups.create(session, groups.parse(body, Context.RESOURCE_CREATION_REQUEST))
    created = groups.render_one(session, row, base_url(request))
    return resource_response(
        created,
        response_parameters(request, GroupResource),
        status=201,
        context=Context.RESOURCE_CREATION_RESPONSE,
    )


@router.get("/Groups/{group_id}", response_model=None)
def get_group(group_id: str, request: Request, session: SessionDep, _: ScimClient) -> Response:
    resource = groups.render_one(session, groups.get_row(session, group_id), base_url(request))
    unchanged = not_modified(request, resource.meta.version)  # type: ignore[union-attr,arg-type]
    return unchanged or resource_response(resource, response_parameters(request, GroupResource))


@router.put("/Groups/{group_id}")
def replace_group(
    group_id: str, request: Request, session: SessionDep, _: ScimClient, body: Body
) -> ScimResponse:
    row = groups.get_row(session, group_id, lock=True)
    current = groups.render_one(session, row, base_url(request))
    check_if_match(request, current.meta.version)  # type: ignore[union-attr,arg-type]
    resource = groups.parse(body, Context.RESOURCE_REPLACEMENT_REQUEST)
    resource.replace(current)
    row = groups.replace(session, row, resource)
    return _group_response(request, session, row, Context.RESOURCE_REPLACEMENT_RESPONSE)


@router.patch("/Groups/{group_id}")
def patch_group(
    group_id: str, request: Request, session: SessionDep, _: ScimClient, body: Body
) -> ScimResponse:
    row = groups.get_row(session, group_id, lock=True)
    current = groups.render_one(session, row, base_url(request))
    check_if_match(request, current.meta.version)  # type: ignore[union-attr,arg-type]
    row = groups.patch(session, row, current, body)
    return _group_response(request, session, row, Context.RESOURCE_PATCH_RESPONSE)


@router.delete("/Groups/{group_id}", status_code=204)
def delete_group(group_id: str, request: Request, session: SessionDep, _: ScimClient) -> Response:
    row = groups.get_row(session, group_id, lock=True)
    current = groups.render_one(session, row, base_url(request))
    check_if_match(request, current.meta.version)  # type: ignore[union-attr,arg-type]
    groups.delete(session, row)
    return Response(status_code=204)


def _group_response(request: Request, session: SessionDep, row: Any, ctx: Context) -> ScimResponse:
    resource = groups.render_one(session, row, base_url(request))
    return resource_response(resource, response_parameters(request, GroupResource), context=ctx)


# --- the application ------------------------------------------------------------------------


def create_scim_app(settings: ScimSettings | None = None) -> FastAPI:
    app = FastAPI(title="SCIM 2.0", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.scim_catalog = build_catalog(settings or ScimSettings())
    install_handlers(app)
    app.include_router(router)
    return app
