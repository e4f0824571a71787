"""Every query of API tokens. Functions take the caller's session and never commit."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlmodel import Session, col

from app.models import ApiToken


def get(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def by_hash(session: Session, token_hash: str) -> ApiToken | None:
    """The token whose secret hashes to this, revoked and expired ones included."""
    stmt = select(ApiToken).where(col(ApiToken.token_hash) == token_hash)
    return session.execute(stmt).scalars().first()


def query() -> Select[ApiToken]:
    """Every token, for the paginated list."""
    return select(ApiToken)
