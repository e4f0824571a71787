"""Every query of API tokens. Functions take the caller's session and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, Select, select
from sqlmodel import Session, col

from app.models import ApiToken


def get(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


class Presented(NamedTuple):
    """What authenticating needs of a token (`by_hashes`)."""

    token_hash: str
    id: int
    name: str
    scopes: list[str]
    revoked_at: datetime | None
    expires_at: datetime | None


def by_hashes(reader: Session | Connection, hashes: Sequence[str]) -> dict[str, Presented]:
    """What authenticating needs of the tokens whose secrets hash to these, by hash, revoked
    and expired ones included (one query for the requests the auth gate looks up together).
    Plain columns, not `ApiToken`s: every API request reads one, and building the mapped
    object cost more than the query."""
    stmt = select(
        col(ApiToken.token_hash),
        col(ApiToken.id),
        col(ApiToken.name),
        col(ApiToken.scopes),
        col(ApiToken.revoked_at),
        col(ApiToken.expires_at),
    ).where(col(ApiToken.token_hash).in_(sorted(set(hashes))))
    return {row[0]: Presented(*row) for row in reader.execute(stmt)}


def query() -> Select[ApiToken]:
    """Every token, for the paginated list."""
    return select(ApiToken)
