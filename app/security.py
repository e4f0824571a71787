"""Bearer-token authentication and scopes for the API.

Tokens themselves (issuing, storing, looking one up) are `app.tokens`. Scopes: `read`,
`write`, `approve`, `admin`, `scim`. `admin` satisfies any scope; `write` and `approve`
include `read`; `scim` stands alone so an identity provider's token can do nothing but SCIM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.audit.service import Actor, act_as
from app.db import get_session
from app.errors import Forbidden, Unauthorized
from app.models import Scope
from app.tokens import service as tokens

__all__ = ["IMPLIED", "Principal", "Scope", "authenticate", "require"]

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
    row = tokens.authenticate(session, credentials.credentials)
    assert row.id is not None
    principal = Principal(row.id, row.name, frozenset(Scope(s) for s in row.scopes))
    request.state.principal = principal
    # Whatever this request changes is recorded in the audit trail under this token's name.
    act_as(
        session, Actor("scim" if principal.scopes == {Scope.scim} else "token", row.name, row.id)
    )
    return principal


def require(scope: Scope) -> Callable[[Principal], Principal]:
    """Dependency factory: the caller's token must carry `scope` (or one that implies it)."""

    def _check(principal: Principal = Depends(authenticate)) -> Principal:
        if not principal.has(scope):
            raise Forbidden(f"This operation needs the `{scope.value}` scope.")
        return principal

    _check.__name__ = f"require_{scope.value}"
    return _check
