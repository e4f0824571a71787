"""Every operation documents every problem it can answer with.

`ProblemRoute` is the route class of the API's routers (it also checks the route's scope
before the body is parsed, `app.api.auth_gate.scope_first`): from a route's path and methods
it adds the problem+json responses that route can give, so the OpenAPI document (and the client
generated from it) knows each status instead of each decorator listing its own. A route's
own `responses=` still wins for a status it describes itself.

What can answer what:

- every operation: 400 (a value the database cannot store, a cursor we did not issue),
  401 (no or bad token), 403 (scope), 422 (validation), 503 (every connection busy, or
  the database unavailable or busy: `errors.unavailable`);
- a path with an id or a parent id, or a body (which may name ids: `role_ids`, `task_ids`,
  an app, a mapping's references): 404;
- a write (POST, PUT, PATCH, DELETE): 409 (a duplicate, a state transition that no longer
  applies, a reference in use, a concurrent write);
- a request with a body (POST, PUT, PATCH): 413 (the body limit of `app.api.limits`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute

from app.api.auth_gate import scope_first
from app.api.links import add_links
from app.errors import PROBLEM_JSON, Problem

DESCRIPTIONS: dict[int, str] = {
    400: "A value the service cannot use (an unknown cursor, a value it cannot store)",
    401: "Missing or invalid token",
    403: "Token lacks the required scope",
    404: "Not found (the resource or its parent)",
    409: "Conflicts with the current state (a duplicate, a state transition, a reference)",
    413: "Request body too large",
    422: "Malformed or invalid input",
    503: "The service or its database is busy or unavailable; retry shortly (Retry-After)",
}

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def problem(status: int, description: str | None = None) -> dict[str, Any]:
    """One problem+json response declaration."""
    return {
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
        "description": description or DESCRIPTIONS[status],
    }


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: problem(status) for status in statuses}


def statuses_for(path: str, methods: set[str] | frozenset[str]) -> list[int]:
    """The problem statuses an API route with this path and these methods can answer."""
    out = [400, 401, 403, 422, 503]
    if "{" in path or methods & WITH_BODY:
        out.append(404)
    if methods & WRITES:
        out.append(409)
    if methods & WITH_BODY:
        out.append(413)
    return sorted(out)


class ProblemRoute(APIRoute):
    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ("GET",)}
        declared: dict[int | str, dict[str, Any]] = dict(kwargs.get("responses") or {})
        for status in statuses_for(path, methods):
            declared.setdefault(status, problem(status))
        kwargs["responses"] = declared
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        # The scope is checked before the body is parsed (`app.api.auth_gate`).
        return scope_first(self.dependant, super().get_route_handler())


def install_problem_openapi(app: FastAPI) -> None:
    """FastAPI files a response's `model` under the route's media type (application/json,
    text/html); problems are sent as application/problem+json, so the schema moves there.
    The document also gets its links (`app.api.links`)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            for operations in spec.get("paths", {}).values():
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        if status[:1] in "45" and PROBLEM_JSON in content:
                            others = [m for m in content if m != PROBLEM_JSON]
                            schemas = [content.pop(m).get("schema") for m in others]
                            schema = next((x for x in schemas if x is not None), None)
                            if schema is not None:
                                content[PROBLEM_JSON] = {"schema": schema}
            add_links(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
