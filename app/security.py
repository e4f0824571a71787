"""Bearer-token authentication and scopes for the API.

Tokens themselves (issuing, storing, looking one up) are `app.tokens`. Scopes: `read`,
`write`, `approve`, `admin`, `scim`. `admin` satisfies any scope; `write` and `approve`
include `read`; `scim` stands alone so an identity provider's token can do nothing but SCIM.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anyio import to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection
from sqlmodel import Session

from app.audit.service import Actor, act_as
from app.db import get_session, reading
from app.errors import Forbidden, Unauthorized
from app.models import Scope, utcnow
from app.tokens import service as tokens
from app.tokens.repository import Presented

__all__ = [
    "IMPLIED",
    "Principal",
    "RecentPrincipals",
    "Scope",
    "actor_of",
    "authenticate",
    "gated_principal",
    "look_up",
    "principal_for",
    "recheck",
    "require",
    "require_sessionless",
]

IMPLIED: dict[Scope, set[Scope]] = {
    Scope.admin: {Scope.read, Scope.write, Scope.approve, Scope.admin, Scope.scim},
    Scope.write: {Scope.read, Scope.write},
    Scope.approve: {Scope.read, Scope.approve},
    Scope.read: {Scope.read},
    Scope.scim: {Scope.scim},
}


@dataclass(frozen=True)
class Principal:
    token_id: int
    name: str
    scopes: frozenset[Scope]
    expires_at: datetime | None = None

    @property
    def label(self) -> str:
        return f"token:{self.token_id}:{self.name}"

    def has(self, scope: Scope) -> bool:
        return any(scope in IMPLIED[s] for s in self.scopes)


_bearer = HTTPBearer(auto_error=False, description="A token from `provisioner token create`")


def principal_for(reader: Session | Connection, raw: str) -> Principal:
    """Who presents the token `raw`; `Unauthorized` for an unknown, revoked or expired one."""
    return _principal(tokens.authenticate(reader, raw))


def _principal(row: Presented) -> Principal:
    return Principal(row.id, row.name, frozenset(Scope(s) for s in row.scopes), row.expires_at)


def recheck(reader: Session | Connection, token_id: int | None, scope: Scope) -> Principal:
    """In the caller's transaction, the token a request was let in with: still live (401 if
    revoked or expired since) and still holding `scope` (403). For a route whose requests
    the gate may let in on a recently seen token (`RecentPrincipals`). A revocation that
    committed before this read refuses the write; one committing after it does not stop
    it, as it did not stop a request let in by the gate's own look-up."""
    if token_id is None:
        raise Unauthorized("Send `Authorization: Bearer <token>`.")
    principal = _principal(tokens.authenticate_again(reader, token_id))
    forbid_unless(principal, scope)
    return principal


class RecentPrincipals:
    """The principals of tokens the gate found live at a look-up begun in the last `ttl_s`
    seconds (monotonic), by the token's SHA-256, at most `size` of them (the oldest goes
    first).

    Only for routes that check the token again where they write (`recheck`): a token
    revoked since that look-up began may get such a request past the gate, body and all
    (a malformed body is then a 422, not a 401), for the rest of the window, but never past
    the write. A token that failed its look-up is never kept, and one whose expiry has
    passed is not given back, so an unknown or expired token, or one revoked more than
    `ttl_s` before, is still refused before its body is read."""

    def __init__(self, ttl_s: float = 10.0, size: int = 1024) -> None:
        self._ttl = ttl_s
        self._size = size
        self._seen: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, raw: str) -> Principal | None:
        key = tokens.hash_token(raw)
        with self._lock:
            hit = self._seen.get(key)
            if hit is None:
                return None
            seen_at, principal = hit
            expired = principal.expires_at is not None and principal.expires_at <= utcnow()
            if expired or time.monotonic() - seen_at > self._ttl:
                del self._seen[key]
                return None
            return principal

    def put(self, raw: str, principal: Principal, looked_up_at: float) -> None:
        """Keep `principal`, found by a look-up begun at `looked_up_at` (`time.monotonic()`):
        the window runs from then, so a revocation during the look-up is not kept longer."""
        key = tokens.hash_token(raw)
        with self._lock:
            self._seen[key] = (looked_up_at, principal)
            self._seen.move_to_end(key)
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


def actor_of(principal: Principal) -> Actor:
    """Who the audit trail names for what this principal's requests change."""
    kind = "scim" if principal.scopes == {Scope.scim} else "token"
    return Actor(kind, principal.name, principal.token_id)


async def gated_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Principal:
    """The caller, for a route that opens no request session: the auth gate's principal
    (`app.api.auth_gate`), or the token looked up in a worker thread when the gate did not
    run. No thread hop and no session when the gate did, which is every `/api/v1` request."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthorized("Send `Authorization: Bearer <token>`.")
        principal = await to_thread.run_sync(look_up, credentials.credentials)
        request.state.principal = principal
    return principal


def look_up(raw: str) -> Principal:
    """`principal_for` on a connection of its own, outside a transaction (one read): what the
    auth gate runs for every API request, in a worker thread."""
    with reading() as connection:
        return principal_for(connection, raw)


def authenticate(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    session: Session = Depends(get_session, scope="function"),
) -> Principal:
    # The auth gate (`app.api.auth_gate`) has checked the token before the body was read and
    # left its principal here: no second lookup.
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthorized("Send `Authorization: Bearer <token>`.")
        principal = principal_for(session, credentials.credentials)
        request.state.principal = principal
    # Whatever this request changes is recorded in the audit trail under this token's name.
    act_as(session, actor_of(principal))
    return principal


def forbid_unless(principal: Principal, scope: Scope) -> None:
    if not principal.has(scope):
        raise Forbidden(f"This operation needs the `{scope.value}` scope.")


def require(scope: Scope) -> Callable[[Principal], Principal]:
    """Dependency factory: the caller's token must carry `scope` (or one that implies it).

    The dependency carries `required_scope`, so a route can tell which scope it needs before
    it reads its body (`app.api.auth_gate.scope_first`)."""

    def _check(principal: Principal = Depends(authenticate)) -> Principal:
        forbid_unless(principal, scope)
        return principal

    _check.__name__ = f"require_{scope.value}"
    _check.required_scope = scope  # type: ignore[attr-defined]
    return _check


def require_sessionless(scope: Scope) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """`require`, for a route that runs its own transactions (`POST /users` hands its request
    to a combined batch): checked on the event loop, with no request session opened and no
    worker thread taken for the check. The route names the actor itself (`actor_of`)."""

    async def _check(principal: Principal = Depends(gated_principal)) -> Principal:
        forbid_unless(principal, scope)
        return principal

    _check.__name__ = f"require_{scope.value}"
    _check.required_scope = scope  # type: ignore[attr-defined]
    return _check
