"""HTTP-level SCIM: the media type, request bodies, list parameters, ETags and preconditions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from scim2_models import (
    Context,
    InvalidSyntaxException,
    ListResponse,
    PreconditionFailedException,
    ResponseParameters,
    SearchRequest,
    TooManyException,
)

from app.scim.catalog import Catalog
from app.scim.errors import SCIM_JSON


class ScimResponse(JSONResponse):
    media_type = SCIM_JSON


def base_url(request: Request) -> str:
    """Absolute URL of the SCIM root as this client reached it (for `meta.location`)."""
    root = request.scope.get("root_path", "")
    return str(request.base_url.replace(path=root)).rstrip("/")


def catalog(request: Request) -> Catalog:
    found: Catalog = request.app.state.scim_catalog
    return found


async def json_body(request: Request) -> Any:
    """The request's JSON object; SCIM clients send application/scim+json or application/json."""
    raw = await request.body()
    try:
        body = json.loads(raw or b"null")
    except (ValueError, RecursionError):
        raise InvalidSyntaxException(detail="The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidSyntaxException(detail="The request body must be a JSON object.")
    if _depth(body) > MAX_DEPTH:
        raise InvalidSyntaxException(
            detail=f"The request body nests deeper than {MAX_DEPTH} levels; no SCIM resource does."
        )
    return body


MAX_DEPTH = 32
"""The deepest a SCIM body can sensibly nest (a PATCH value holding a complex attribute is 5
or 6 levels); deeper input only costs recursion further down."""


def _depth(value: Any) -> int:
    """How deeply containers nest in a parsed JSON value, without recursing."""
    deepest = 0
    todo: list[tuple[Any, int]] = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            todo.extend((child, depth + 1) for child in children)
    return deepest


def response_parameters(request: Request, model: Any) -> ResponseParameters[Any]:
    params = {
        "attributes": request.query_params.get("attributes"),
        "excludedAttributes": request.query_params.get("excludedAttributes"),
    }
    return ResponseParameters[model].model_validate({k: v for k, v in params.items() if v})


@dataclass(frozen=True)
class ListQuery:
    filter: str | None
    start_index: int
    count: int
    response: ResponseParameters[Any]


def list_query(source: dict[str, Any], model: Any, catalog: Catalog) -> ListQuery:
    """Validate query parameters (GET) or a SearchRequest body (POST .search)."""
    settings = catalog.settings
    search = SearchRequest[model].model_validate(
        {k: v for k, v in source.items() if v is not None and k != "schemas"},
        scim_ctx=Context.SEARCH_REQUEST,
    )
    # RFC 7644 3.4.2.4: startIndex below 1 means 1, a negative count means 0, and the service
    # may cap count at what it announces as filter.maxResults.
    start = max(1, search.start_index or 1)
    count = search.count if search.count is not None else settings.default_count
    count = min(max(0, count), settings.max_results)
    if start > settings.max_start_index:
        raise TooManyException(
            detail=f"startIndex is capped at {settings.max_start_index}: narrow the filter."
        )
    response = ResponseParameters[model](
        attributes=search.attributes, excluded_attributes=search.excluded_attributes
    )
    return ListQuery(str(search.filter) if search.filter else None, start, count, response)


def query_source(request: Request) -> dict[str, Any]:
    q = request.query_params
    return {
        "filter": q.get("filter"),
        "startIndex": q.get("startIndex"),
        "count": q.get("count"),
        "attributes": q.get("attributes"),
        "excludedAttributes": q.get("excludedAttributes"),
    }


def list_response(model: Any, total: int, query: ListQuery, resources: list[Any]) -> ScimResponse:
    message = ListResponse[model](
        total_results=total,
        start_index=query.start_index,
        items_per_page=len(resources),
        resources=resources,
    )
    body = message.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=query.response)
    # An empty page still says so explicitly; some clients index Resources unconditionally.
    body.setdefault("Resources", [])
    return ScimResponse(body)


def resource_response(
    resource: Any,
    params: ResponseParameters[Any] | None,
    *,
    status: int = 200,
    context: Context = Context.RESOURCE_QUERY_RESPONSE,
) -> ScimResponse:
    body = resource.model_dump(scim_ctx=context, response_parameters=params)
    headers = {"ETag": resource.meta.version}
    if status == 201:
        headers["Location"] = str(resource.meta.location)
    return ScimResponse(body, status_code=status, headers=headers)


def _opaque(tag: str) -> str:
    # If-Match uses the weak comparison here: our ETags are weak by nature (a hash of the
    # representation), and clients echo them back with or without the W/ prefix.
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def check_if_match(request: Request, current: str) -> None:
    header = request.headers.get("if-match")
    if not header:
        return
    tags = {_opaque(t) for t in header.split(",")}
    if "*" not in tags and _opaque(current) not in tags:
        raise PreconditionFailedException(
            detail="The resource changed since you read it (If-Match does not match its ETag)."
        )


def not_modified(request: Request, current: str) -> Response | None:
    header = request.headers.get("if-none-match")
    if header and (_opaque(current) in {_opaque(t) for t in header.split(",")} or header == "*"):
        return Response(status_code=304, headers={"ETag": current})
    return None
