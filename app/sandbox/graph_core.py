"""The transport-free Graph pipeline: one request in, one response out.

Direct HTTP calls and every item of a `$batch` go through `execute()`, so routing, permission
checks, fault injection, throttling and replication delay behave the same either way.
Handlers are registered with `@route(...)` in the graph_* modules and run under the state lock.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.sandbox import behaviour
from app.sandbox.errors import GraphError, bad_request, forbidden, graph_error_body, not_found
from app.sandbox.odata import TokenCodec
from app.sandbox.state import CallRecord, SandboxState, Tenant, TokenGrant, User

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
# Directory.ReadWrite.All is the broad fallback for every call (contract §9).
SUPER_PERMISSION = "Directory.ReadWrite.All"


@dataclass
class GraphRequest:
    method: str
    path: str  # relative to /v1.0, starting with "/", percent-decoded, no query string
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: Any = None
    has_body: bool = False


@dataclass
class GraphResponse:
    status: int
    body: Any = None  # dict for JSON, str for text/plain, None for no content
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds the transport should stall before answering (timeout fault injection).
    hang_s: float = 0.0


@dataclass
class GraphContext:
    state: SandboxState
    tenant: Tenant
    grant: TokenGrant
    request: GraphRequest
    base_url: str
    request_id: str
    client_request_id: str

    def q(self, name: str) -> str | None:
        """A system query option; Graph v1.0 also accepts them without the `$`."""
        wanted = name.lstrip("$").lower()
        for key, value in self.request.query.items():
            if key.lstrip("$").lower() == wanted:
                return value
        return None

    @property
    def eventual(self) -> bool:
        return self.request.headers.get("consistencylevel", "").lower() == "eventual"

    @property
    def advanced(self) -> bool:
        """Advanced queries need both the header and `$count=true` (contract §2)."""
        return self.eventual and (self.q("$count") or "").lower() == "true"

    @property
    def graph_base(self) -> str:
        return f"{self.base_url}/v1.0"

    @property
    def codec(self) -> TokenCodec:
        return TokenCodec(self.state.token_secret)

    def context_url(self, fragment: str) -> str:
        return f"{self.graph_base}/$metadata#{fragment}"

    def next_link(self, path: str, token_name: str, token: str) -> str:
        """An absolute nextLink keeping the caller's query options, with a fresh token."""
        from urllib.parse import urlencode

        params = {
            k: v
            for k, v in self.request.query.items()
            if k.lstrip("$").lower() not in ("skiptoken", "deltatoken")
        }
        params[token_name] = token
        return f"{self.graph_base}{path}?{urlencode(params, safe='$(),:/@')}"

    def find_user(self, ref: str, *, replicated: bool = True) -> User:
        """A live user by id or UPN; new users stay invisible during the replication delay."""
        user = self.tenant.users.get(ref.lower())
        if user is None or user.is_deleted:
            user = self.tenant.user_by_upn(ref)
        if user is None or user.is_deleted:
            raise not_found(ref)
        if replicated and not behaviour.is_replicated(self.state, user):
            raise not_found(ref)
        return user


Handler = Callable[[GraphContext, dict[str, str]], GraphResponse]


@dataclass
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    permissions: frozenset[str]
    ru_cost: int
    # Lets a handler module narrow or widen the accepted permissions from the request body.
    permission_fn: Callable[[GraphRequest], frozenset[str]] | None = None

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


ROUTES: list[Route] = []


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}/?$", re.IGNORECASE)


def route(
    method: str,
    template: str,
    *,
    permissions: set[str],
    ru: int = 1,
    permission_fn: Callable[[GraphRequest], frozenset[str]] | None = None,
) -> Callable[[Handler], Handler]:
    """Register a handler. `ru` is the base resource-unit cost from Microsoft's table."""

    def register(handler: Handler) -> Handler:
        ROUTES.append(
            Route(
                method=method,
                template=template,
                pattern=_compile(template),
                handler=handler,
                permissions=frozenset(permissions | {SUPER_PERMISSION}),
                ru_cost=ru,
                permission_fn=permission_fn,
            )
        )
        return handler

    return register


def match_route(method: str, path: str) -> tuple[Route, dict[str, str]]:
    allowed = False
    # Literal segments win over placeholders, so /users/delta is not read as a user id.
    for candidate in sorted(ROUTES, key=lambda r: r.template.count("{")):
        found = candidate.pattern.match(path)
        if found is None:
            continue
        if candidate.method != method:
            allowed = True
            continue
        return candidate, found.groupdict()
    if allowed:
        raise GraphError(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    segment = next((s for s in path.split("/") if s), "")
    for candidate in ROUTES:
        # Report the first segment no route knows, as Graph's OData router does.
        first = candidate.template.strip("/").split("/")[0]
        if first.lower() == segment.lower():
            segments = [s for s in path.split("/") if s]
            segment = segments[-1] if segments else segment
            break
    raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> GraphResponse:
    return GraphResponse(status=status, body=body, headers=dict(headers or {}))


def no_content() -> GraphResponse:
    return GraphResponse(status=204)


def _error_response(exc: GraphError, request_id: str, client_request_id: str) -> GraphResponse:
    body = graph_error_body(
        exc.code,
        exc.message,
        request_id,
        client_request_id,
        details=exc.details,
        inner_extra=exc.inner_extra,
    )
    return GraphResponse(status=exc.status, body=body, headers=dict(exc.headers))


def execute(
    state: SandboxState,
    grant: TokenGrant,
    request: GraphRequest,
    base_url: str,
) -> GraphResponse:
    """Run one Graph call through the whole pipeline and count it."""
    request_id = str(uuid.uuid4())
    client_request_id = request.headers.get("client-request-id") or request_id
    endpoint = f"{request.method} ?"
    with state.lock:
        state.counters.graph_calls += 1
        try:
            found, params = match_route(request.method, request.path)
            endpoint = found.key
            response = _run(
                state, grant, request, base_url, found, params, request_id, client_request_id
            )
        except GraphError as exc:
            response = _error_response(exc, request_id, client_request_id)
        counters = state.counters
        counters.per_endpoint[endpoint] = counters.per_endpoint.get(endpoint, 0) + 1
        status_key = str(response.status)
        counters.per_status[status_key] = counters.per_status.get(status_key, 0) + 1
        if response.status == 429:
            counters.throttled += 1
        state.calls.append(
            CallRecord(
                request.method.upper(), request.path, response.status, request_id, request.body
            )
        )
    response.headers.setdefault("request-id", request_id)
    response.headers.setdefault("client-request-id", client_request_id)
    return response


def _run(
    state: SandboxState,
    grant: TokenGrant,
    request: GraphRequest,
    base_url: str,
    found: Route,
    params: dict[str, str],
    request_id: str,
    client_request_id: str,
) -> GraphResponse:
    tenant = state.tenants.get(grant.tenant_id)
    if tenant is None:  # the tenant was removed after the token was issued
        raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure.")
    tenant.purge_expired(behaviour.utcnow())
    accepted = found.permission_fn(request) if found.permission_fn else found.permissions
    if not (accepted | {SUPER_PERMISSION}) & grant.permissions:
        raise forbidden()

    fault = behaviour.draw_fault(state, request.method, request.path)
    if fault is not None:
        kinds = state.counters.faults_by_kind
        kinds[fault] = kinds.get(fault, 0) + 1
    if fault == "429":
        state.counters.faults_injected += 1
        raise behaviour.throttled_error(state, state.behaviour.fault_retry_after_s, "Injected")
    if fault == "503":
        state.counters.faults_injected += 1
        retry = behaviour.format_retry_after(state, state.behaviour.fault_retry_after_s)
        raise GraphError(
            503, "serviceNotAvailable", "Service unavailable", headers={"Retry-After": retry}
        )

    units = behaviour.resource_units(found.ru_cost, request)
    behaviour.charge(state, grant, units, found.is_write)

    hang = 0.0
    if fault == "timeout":
        state.counters.faults_injected += 1
        hang = state.behaviour.timeout_hang_s
        if not state.behaviour.fault_timeout_after_commit:
            return GraphResponse(status=504, hang_s=hang)

    ctx = GraphContext(
        state=state,
        tenant=tenant,
        grant=grant,
        request=request,
        base_url=base_url,
        request_id=request_id,
        client_request_id=client_request_id,
    )
    before = _footprint(tenant, params) if found.is_write else None
    seq_before = tenant.seq
    if found.is_write:
        state.counters.writes += 1
    try:
        response = found.handler(ctx, params)
    finally:
        if before is not None:
            unchanged = _footprint(tenant, params) == before
            if unchanged:
                state.counters.writes_unchanged += 1
                by = state.counters.unchanged_by_endpoint
                by[found.key] = by.get(found.key, 0) + 1
            if tenant.seq != seq_before or not unchanged:
                # Every change stamps a sequence number; the footprint catches the rest.
                state.changed()
    if hang:
        # The change (if any) is committed; the client just never hears about it.
        return GraphResponse(status=504, hang_s=hang)
    response.headers.setdefault("x-ms-resource-unit", str(units))
    return response


def _footprint(tenant: Tenant, params: dict[str, str]) -> tuple[Any, ...]:
    """What a write could change, cheaply: the objects its URL names and the user count.

    Two equal footprints around a handler mean the write changed nothing (a refused request,
    or a PATCH / assignLicense / member add of what was already there).
    """
    parts: list[Any] = [len(tenant.users)]
    for name in ("user", "item", "member"):
        ref = params.get(name)
        if ref is None:
            continue
        user = tenant.users.get(ref.lower()) or tenant.user_by_upn(ref)
        if user is not None:
            parts.append(
                (
                    user.id,
                    sorted((k, repr(v)) for k, v in user.props.items()),
                    [(lic.sku_id, tuple(lic.disabled_plans)) for lic in user.licenses],
                    user.deleted_at,
                    user.password,
                    user.on_premises_sync,
                )
            )
    group = tenant.groups.get(params.get("group", "").lower())
    if group is not None:
        parts.append(
            (
                tuple(group.members),
                group.display_name,
                group.description,
                group.visibility,
                group.mail_nickname,
            )
        )
    return tuple(parts)


def require_body(request: GraphRequest) -> dict[str, Any]:
    """The JSON object body of a write; an empty or missing one is Graph's 'Empty Payload'."""
    from app.sandbox.errors import MSG_EMPTY_PAYLOAD

    body = request.body
    if not request.has_body or body is None or body == {}:
        raise bad_request(MSG_EMPTY_PAYLOAD, code="BadRequest")
    if not isinstance(body, dict):
        raise bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and "
            "payload is of valid JSON format.",
            code="BadRequest",
        )
    return body
