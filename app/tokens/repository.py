"""Every query of API tokens. Functions take the caller's session and never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, select
from sqlmodel import Session, col

from app.models import ApiToken


def get(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def by_hash(session: Session, token_hash: str) -> Row[Any] | None:
    """What authenticating needs of the token whose secret hashes to this, revoked and
    expired ones included: id, name, scopes, revoked_at, expires_at. Plain columns, not an
    `ApiToken`: every API request reads it, and building the mapped object cost more than
    the query."""
    stmt = select(
        col(ApiToken.id),
        col(ApiToken.name),
        col(ApiToken.scopes),
        col(ApiToken.revoked_at),
        col(ApiToken.expires_at),
    ).where(col(ApiToken.token_hash) == token_hash)
    return session.execute(stmt).first()


def query() -> Select[ApiToken]:
    """Every token, for the paginated list."""
    return select(ApiToken)
