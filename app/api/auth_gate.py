"""Token first, body second: a request to the API with no valid token is answered 401, and one
whose token lacks the route's scope 403, before its body is read.

FastAPI reads and decodes a JSON body before it runs any dependency, so a POST with a bad token
and a malformed body was told 422 about its body, which tells a caller without access something
about the endpoint and lets them make the service parse what they send. Two layers:

- `AuthGateMiddleware`, a plain ASGI layer over `/api/v1` and `/scim/v2`: no `Bearer` token,
  or one that is unknown, revoked or expired (the lookup of `app.security.principal_for`), is
  a 401 in the API's problem shape (SCIM's error shape under `/scim/v2`). The principal it
  found is left on `request.state`, where `app.security.authenticate` takes it instead of
  looking the token up again.
- `scope_first`, used by the API's route class: a route knows the scope its `require(...)`
  dependency demands, so it answers 403 before FastAPI parses the body.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from anyio import to_thread
from fastapi.dependencies.models import Dependant
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import (
    ProblemError,
    ServiceUnavailable,
    Unauthorized,
    database_unavailable,
    problem_response,
    reason,
    unavailable,
)
from app.scim.errors import error_response
from app.security import Principal, RecentPrincipals, forbid_unless, look_up
from app.security import Scope as TokenScope

log = logging.getLogger("app.auth")

PROTECTED = ("/api/v1/", "/scim/v2/")


def _bearer(scope: Scope) -> str | None:
    value = Headers(scope=scope).get("authorization", "")
    scheme, _, credentials = value.partition(" ")
    credentials = credentials.strip()
    return credentials if scheme.lower() == "bearer" and credentials else None


# Every request to the API pays for this look-up: one read, outside a transaction. A module
# name of its own, so a test can stand in for it.
_lookup = look_up

# Routes that check the token again in the transaction that writes (`security.recheck`), so
# the gate may let their requests in on a token holding the scope they need that it found
# live in the last seconds, with no look-up and no worker thread of their own: `POST /users`,
# whose batch rechecks its token (`app.directory.router`). At 8 clients the look-up was an
# eighth of the API's CPU.
RECHECKED: dict[tuple[str, str], TokenScope] = {("POST", "/api/v1/users"): TokenScope.write}
_recent = RecentPrincipals()


def _refusal(path: str, error: ProblemError) -> Response:
    if path.startswith("/scim/v2"):
        return error_response(error.status, error.detail, None, error.headers)
    return problem_response(error.to_problem(path), error.headers)


class AuthGateMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (not path.startswith(PROTECTED) and path not in ("/api/v1", "/scim/v2")) or scope.get(
            "method"
        ) == "OPTIONS":
            await self.app(scope, receive, send)
            return
        raw = _bearer(scope)
        try:
            if raw is None:
                raise Unauthorized("Send `Authorization: Bearer <token>`.")
            rechecked = RECHECKED.get((str(scope.get("method")), path))
            principal = _recent.get(raw) if rechecked else None
            if principal is None:
                began = time.monotonic()
                principal = await to_thread.run_sync(_lookup, raw)
                # Only a token the route would let in: a read-only one is looked up each
                # time, so once revoked it is told 401 at once, not 403 for a while.
                if rechecked and principal.has(rechecked):
                    _recent.put(raw, principal, began)
        except ProblemError as error:
            await _refusal(path, error)(scope, receive, send)
            return
        except SATimeoutError:
            # Every connection is busy: shed the request as the routes do, never a 500.
            busy = ServiceUnavailable(
                "The service is busy; retry shortly.", headers={"Retry-After": "1"}
            )
            await _refusal(path, busy)(scope, receive, send)
            return
        except DBAPIError as exc:
            # The database went away or refused (a restart): the routes answer 503 for the
            # same (`errors.unavailable`). Any other driver error is ours: a 500, as there.
            if not database_unavailable(exc):
                raise
            log.warning("database unavailable at the token look-up: %s", reason(exc))
            await _refusal(path, unavailable())(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def required_scope(dependant: Dependant) -> TokenScope | None:
    """The scope a route's `require(...)` dependency demands, found anywhere in its tree."""
    todo = [dependant]
    while todo:
        current = todo.pop()
        scope = getattr(current.call, "required_scope", None)
        if isinstance(scope, TokenScope):
            return scope
        todo.extend(current.dependencies)
    return None


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def scope_first(dependant: Dependant, handler: Handler) -> Handler:
    """`handler` preceded by the scope check of the route's own dependency, with the principal
    the gate found: a token without the scope is refused before the body is parsed. (Without
    a principal, the route's dependencies decide, as before.)"""
    needed = required_scope(dependant)
    if needed is None:
        return handler

    async def gated(request: Request) -> Response:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is not None:
            forbid_unless(principal, needed)
        return await handler(request)

    return gated
