"""HTTP binding of the Graph emulator: `/v1.0/...` requests into the transport-free pipeline.

This layer owns what only exists on the wire: bearer-token authentication, JSON parsing,
latency, the timeout stall, the request log and the `request-id` headers. Everything else
happens in graph_core, so `$batch` items see exactly what direct calls see.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

# Importing the handler modules registers their routes with graph_core.
from app.sandbox import (  # noqa: F401
    graph_delta,
    graph_directory,
    graph_groups,
    graph_licenses,
    graph_users,
)
from app.sandbox.errors import GraphError, graph_error_body
from app.sandbox.graph_batch import run_batch
from app.sandbox.graph_core import GraphRequest, GraphResponse, execute
from app.sandbox.state import RequestLogEntry, SandboxState, TokenGrant

GRAPH_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)
WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
    'authorize", client_id="00000003-0000-0000-c000-000000000000"'
)
_INVALID_JSON = (
    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload "
    "is of valid JSON format."
)


def base_url_of(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _authenticate(state: SandboxState, header: str | None) -> TokenGrant:
    if not header:
        raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
    scheme, _, token = header.partition(" ")
    grant = state.grant_for(token.strip()) if scheme.lower() == "bearer" else None
    if grant is None:
        raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure.")
    if grant.expires_at <= time.time():
        raise GraphError(
            401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."
        )
    return grant


class _StampedResponse(Response):
    """A response that notes when it really leaves: the server runs one request's handler
    at a time, so an answer may wait behind the next request's work after it was made, and
    a Retry-After window opens when the client can first read it."""

    on_send: Callable[[], None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.on_send is not None:
            self.on_send()
        await super().__call__(scope, receive, send)


def _to_http(response: GraphResponse) -> _StampedResponse:
    headers = dict(response.headers)
    if isinstance(response.body, dict):
        return _StampedResponse(
            content=json.dumps(response.body),
            status_code=response.status,
            headers=headers,
            media_type=GRAPH_JSON,
        )
    if isinstance(response.body, str):
        media = headers.pop("Content-Type", "text/plain")
        return _StampedResponse(
            content=response.body, status_code=response.status, headers=headers, media_type=media
        )
    return _StampedResponse(status_code=response.status, headers=headers)


def build_graph_router(state: SandboxState) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.api_route("/v1.0/{path:path}", methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
    async def graph(request: Request, path: str) -> Response:
        started = time.perf_counter()
        received_at = state.clock()
        headers = {k.lower(): v for k, v in request.headers.items()}
        request_id = str(uuid.uuid4())
        client_request_id = headers.get("client-request-id") or request_id
        latency = state.behaviour.latency_ms
        if latency > 0:
            # One latency per HTTP round trip: a $batch of 20 costs what one call costs.
            await asyncio.sleep(latency / 1000)
        items: int | None = None
        item_statuses: list[int] | None = None
        try:
            grant = _authenticate(state, headers.get("authorization"))
            raw = await request.body()
            body: Any = None
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise GraphError(400, "BadRequest", _INVALID_JSON) from None
            relative = "/" + path
            if relative.rstrip("/").lower() == "/$batch" and request.method == "POST":
                result = await run_batch(state, grant, body, base_url_of(request), headers)
                items = len(result["responses"])
                item_statuses = [r["status"] for r in result["responses"]]
                response = GraphResponse(200, result)
                if _lose_this_answer(state, body):
                    # Every item ran; the client only ever hears that the gateway gave up.
                    await asyncio.sleep(state.behaviour.timeout_hang_s)
                    item_statuses = None
                    response = GraphResponse(
                        504,
                        graph_error_body("UnknownError", "", request_id, client_request_id),
                    )
            else:
                graph_request = GraphRequest(
                    method=request.method,
                    path=relative,
                    query=dict(request.query_params),
                    headers=headers,
                    body=body,
                    has_body=bool(raw.strip()),
                )
                response = execute(state, grant, graph_request, base_url_of(request))
                if response.hang_s:
                    await asyncio.sleep(response.hang_s)
                request_id = response.headers.get("request-id", request_id)
        except GraphError as exc:
            body_out = graph_error_body(
                exc.code, exc.message, request_id, client_request_id, details=exc.details
            )
            response = GraphResponse(exc.status, body_out, dict(exc.headers))
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
        response.headers["request-id"] = request_id
        response.headers["client-request-id"] = client_request_id
        entry = RequestLogEntry(
            timestamp=datetime.now(UTC).isoformat(),
            method=request.method,
            path=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            status=response.status,
            client_request_id=client_request_id,
            request_id=request_id,
            items=items,
            item_statuses=item_statuses,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            received_at=received_at,
            answered_at=state.clock(),
            retry_after_s=_announced_retry_after(response),
        )
        with state.lock:
            state.counters.http_requests += 1
            state.log(entry)
        out = _to_http(response)

        def sent() -> None:
            entry.answered_at = state.clock()

        out.on_send = sent
        return out

    return router


def _lose_this_answer(state: SandboxState, body: Any) -> bool:
    """Whether the `lose_batch_answers` switch takes this (already carried out) batch."""
    requests = body.get("requests") if isinstance(body, dict) else None
    writes = any(
        isinstance(item, dict) and str(item.get("method", "")).upper() != "GET"
        for item in requests or []
    )
    with state.lock:
        if not writes or state.behaviour.lose_batch_answers <= 0:
            return False
        state.behaviour.lose_batch_answers -= 1
        state.counters.faults_injected += 1
        return True


def _announced_retry_after(response: GraphResponse) -> float | None:
    """The Retry-After this answer announces: its own, or the largest of its batch items'."""
    values = [_seconds(response.headers)]
    if isinstance(response.body, dict) and isinstance(response.body.get("responses"), list):
        values += [_seconds(item.get("headers") or {}) for item in response.body["responses"]]
    found = [v for v in values if v is not None]
    return max(found) if found else None


def _seconds(headers: dict[str, str]) -> float | None:
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None
