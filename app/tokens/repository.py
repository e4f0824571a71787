"""Every query of API tokens. Functions take the caller's session and never commit."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, Connection, Select, select
from sqlmodel import Session, col

from app.models import ApiToken


def get(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


class Presented(NamedTuple):
    """What authenticating needs of a token (`by_hash`)."""

    id: int
    name: str
    scopes: list[str]
    revoked_at: datetime | None
    expires_at: datetime | None


def by_id(reader: Session | Connection, token_id: int) -> Presented | None:
    """`by_hash`, by the token's id: a route checking again, in its own transaction, the
    token its request was let in with."""
    return _presented(reader, col(ApiToken.id) == token_id)


def by_hash(reader: Session | Connection, token_hash: str) -> Presented | None:
    """What authenticating needs of the token whose secret hashes to this, revoked and
    expired ones included. Plain columns, not an `ApiToken`: every API request reads it, and
    building the mapped object cost more than the query."""
    return _presented(reader, col(ApiToken.token_hash) == token_hash)


def _presented(reader: Session | Connection, where: ColumnElement[bool]) -> Presented | None:
    stmt = select(
        col(ApiToken.id),
        col(ApiToken.name),
        col(ApiToken.scopes),
        col(ApiToken.revoked_at),
        col(ApiToken.expires_at),
    ).where(where)
    row = reader.execute(stmt).first()
    return None if row is None else Presented(*row)


def query() -> Select[ApiToken]:
    """Every token, for the paginated list."""
    return select(ApiToken)
