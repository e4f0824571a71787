"""API tokens: issuing, revoking, and checking the one a request presents.

Tokens look like `pvn_<random>`; only their SHA-256 is stored, so a database leak gives an
attacker nothing usable. Functions take an open session and never commit; queries are in
`repository`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection
from sqlmodel import Session

from app.audit import service as audit
from app.errors import NotFound, Unauthorized
from app.models import ApiToken, Scope, utcnow
from app.tokens import repository as repo

TOKEN_PREFIX = "pvn_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_token(
    session: Session, name: str, scopes: Iterable[Scope], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token row and its secret (the only time the secret exists outside the caller)."""
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
    audit.record(session, "token.created", row)  # its hash and secret are never recorded
    return row, raw


def revoke(session: Session, token_id: int) -> None:
    """Revoke the token; revoking it again changes nothing."""
    row = repo.get(session, token_id)
    if row is None:
        raise NotFound(f"Token {token_id} does not exist.")
    if row.revoked_at is None:
        before = audit.snapshot(row)
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(session, "token.revoked", row, before)


def authenticate(reader: Session | Connection, raw: str) -> repo.Presented:
    """The live token whose secret is `raw` (its id, name and scopes, as `repository.by_hash`
    reads them); 401 for an unknown, revoked or expired one."""
    return _live(repo.by_hash(reader, hash_token(raw)))


def authenticate_again(reader: Session | Connection, token_id: int) -> repo.Presented:
    """`authenticate`, by id, for a token a request was already let in with: 401 if it has
    been revoked or has expired since (or deleted)."""
    return _live(repo.by_id(reader, token_id))


def _live(row: repo.Presented | None) -> repo.Presented:
    if row is None or row.revoked_at is not None:
        raise Unauthorized("The token is unknown or has been revoked.")
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise Unauthorized("The token has expired.")
    return row
