"""API tokens: list, create (the secret is shown once) and revoke. Admin scope only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlmodel import select

from app.api.deps import Admin, SessionDep
from app.errors import NotFound
from app.models import ApiToken, utcnow
from app.pagination import Page, PageParams, paginate
from app.security import Scope, create_token

router = APIRouter(tags=["tokens"])


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    scopes: list[Scope] = Field(min_length=1)
    expires_at: datetime | None = None


class TokenRead(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="The secret; shown only in this response")


def _read(row: ApiToken) -> TokenRead:
    return TokenRead.model_validate(row, from_attributes=True)


@router.get("/tokens", response_model=Page[TokenRead], operation_id="tokens-list")
def list_tokens(session: SessionDep, _: Admin, page: PageParams = Depends()) -> Page[TokenRead]:
    rows, cursor, url = paginate(session, select(ApiToken), ApiToken.id, page)
    return Page(items=[_read(r) for r in rows], next_cursor=cursor, next=url)


@router.post("/tokens", status_code=201, response_model=TokenCreated, operation_id="tokens-create")
def create(data: TokenCreate, session: SessionDep, _: Admin) -> TokenCreated:
    row, raw = create_token(session, data.name, data.scopes, data.expires_at)
    return TokenCreated(**_read(row).model_dump(), token=raw)


@router.delete("/tokens/{token_id}", status_code=204, operation_id="tokens-revoke")
def revoke(token_id: int, session: SessionDep, _: Admin) -> Response:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"Token {token_id} does not exist.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    return Response(status_code=204)
