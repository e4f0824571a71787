"""Bearer-token authentication and scopes for the API.

Tokens look like `pvn_<random>`; only their SHA-256 is stored, so a database leak gives an
attacker nothing usable. Scopes: `read`, `write`, `approve`, `admin`, `scim`. `admin` satisfies
any scope; `write` and `approve` include `read`; `scim` stands alone so an identity provider's
token can do nothing but SCIM.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, select

from app.db import get_session
from app.errors import Forbidden, Unauthorized
from app.models import ApiToken, utcnow

TOKEN_PREFIX = "pvn_"


class Scope(StrEnum):
    read = "read"
    write = "write"
    approve = "approve"
    admin = "admin"
    scim = "scim"


IMPLIED: dict[Scope, set[Scope]] = {
    Scope.admin: {Scope.read, Scope.write, Scope.approve, Scope.admin, Scope.scim},
    Scope.write: {Scope.read, Scope.write},
    Scope.approve: {Scope.read, Scope.approve},
    Scope.read: {Scope.read},
    Scope.scim: {Scope.scim},
}


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_token(
    session: Session, name: str, scopes: list[Scope], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    raw = new_token()
    row = ApiToken(
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(raw),
        scopes=sorted({s.value for s in scopes}),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row, raw


@dataclass(frozen=True)
class Principal:
    token_id: int
    name: str
    scopes: frozenset[Scope]

    @property
    def label(self) -> str:
        return f"token:{self.token_id}:{self.name}"

    def has(self, scope: Scope) -> bool:
        return any(scope in IMPLIED[s] for s in self.scopes)


_bearer = HTTPBearer(auto_error=False, description="A token from `provisioner token create`")


def authenticate(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    session: Session = Depends(get_session, scope="function"),
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send `Authorization: Bearer <token>`.")
    row = session.exec(
        select(ApiToken).where(ApiToken.token_hash == hash_token(credentials.credentials))
    ).first()
    now = utcnow()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("The token is unknown or has been revoked.")
    if row.expires_at is not None and _aware(row.expires_at) <= now:
        raise Unauthorized("The token has expired.")
    assert row.id is not None
    principal = Principal(row.id, row.name, frozenset(Scope(s) for s in row.scopes))
    request.state.principal = principal
    return principal


def _aware(ts: datetime) -> datetime:
    # SQLite returns naive datetimes; every timestamp we write is UTC.
    from datetime import UTC

    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def require(scope: Scope) -> Callable[[Principal], Principal]:
    """Dependency factory: the caller's token must carry `scope` (or one that implies it)."""

    def _check(principal: Principal = Depends(authenticate)) -> Principal:
        if not principal.has(scope):
            raise Forbidden(f"This operation needs the `{scope.value}` scope.")
        return principal

    _check.__name__ = f"require_{scope.value}"
    return _check
