"""ASGI middleware: a request id on every request; HTTP metrics and one log line per request,
by route template.

Plain ASGI rather than `BaseHTTPMiddleware`, so streaming responses and background tasks keep
working and the request's context variables reach the endpoint.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.context import (
    LOG_KEY,
    REQUEST_ID_HEADER,
    accept_request_id,
    bound_request_id,
)
from app.observability.metrics import record_http

UNMATCHED = "<unmatched>"

log = structlog.stdlib.get_logger("app.http")
# Orchestrators and Prometheus call these every few seconds; their successes would bury the
# requests people made, so they are logged at DEBUG (failures stay at INFO).
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})


class _HttpMiddleware:
    """Plain ASGI middleware that acts on HTTP requests only (lifespan and the rest pass)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class RequestIdMiddleware(_HttpMiddleware):
    """Binds the caller's `X-Request-ID` (or a new id) for the request and echoes it back."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = accept_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            with bound_request_id(request_id):
                await self.app(scope, receive, send_with_id)
        except Exception:
            # Starlette's ServerErrorMiddleware sits outside every user middleware and logs the
            # unhandled error after this block has unbound the id; bind it again for that line.
            # Each request runs in its own task (own context copy), so nothing leaks.
            structlog.contextvars.bind_contextvars(**{LOG_KEY: request_id})
            raise


def route_template(scope: Scope, entry_root_path: str = "") -> str:
    """The matched route's path template (`/api/v1/users/{user_id}`), never the raw path.

    Read after the app has run: the router writes what it matched into the scope, which is this
    very dict. FastAPI's included routers keep prefix-relative paths on the route object, so the
    full template comes from FastAPI's effective route context when there is one; mounts
    (static docs assets, SCIM) add their prefix to `root_path`. Unmatched requests share one
    label: raw paths would let any client create unbounded series.
    """
    prefix = str(scope.get("root_path") or "")[len(entry_root_path) :]
    fastapi_scope = scope.get("fastapi")
    context = (
        fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    )
    route: Any = scope.get("route")
    path = getattr(context, "path_format", None) or getattr(route, "path", None)
    if isinstance(path, str):
        return prefix + path
    if prefix:  # inside a mount whose app has no routes of its own (static files)
        return prefix + "/{path}"
    return UNMATCHED


def _token_name(scope: Scope) -> str | None:
    """The name of the token that authenticated the request (`app.security.authenticate`
    leaves the principal on the request's state), never the token itself."""
    state = scope.get("state")
    principal = state.get("principal") if isinstance(state, dict) else None
    name = getattr(principal, "name", None)
    return name if isinstance(name, str) else None


class MetricsMiddleware(_HttpMiddleware):
    """HTTP requests and their duration, by method, route template and status: a metric and
    one `http.request` log line each (the request id comes from the context it runs in)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        status = 500
        entry_root_path = str(scope.get("root_path") or "")
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope, entry_root_path)
            record_http(scope["method"], route, status, elapsed)
            level = logging.DEBUG if route in PROBES and status < 400 else logging.INFO
            # A request answered before routing (401 at the gate, 404) has no template: the log
            # gets its path (the metric must not: raw paths are unbounded label values).
            where = {"path": scope.get("path")} if route == UNMATCHED else {}
            log.log(
                level,
                "http.request",
                method=scope["method"],
                route=route,
                **where,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
                token_name=_token_name(scope),
            )
