"""HTTP routes for API tokens: list, create (the secret is shown once) and revoke. Admin only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from app.api.deps import Admin, SessionDep
from app.api.ids import Id
from app.api.routing import ProblemRoute
from app.models import ApiToken
from app.pagination import Page, PageParams, paginate
from app.tokens import repository, service
from app.tokens.schemas import TokenCreate, TokenCreated, TokenRead

router = APIRouter(route_class=ProblemRoute, tags=["tokens"])


def _read(row: ApiToken) -> TokenRead:
    return TokenRead.model_validate(row, from_attributes=True)


@router.get("/tokens", response_model=Page[TokenRead], operation_id="tokens-list")
def list_tokens(session: SessionDep, _: Admin, page: PageParams = Depends()) -> Page[TokenRead]:
    rows, cursor, url = paginate(session, repository.query(), ApiToken.id, page)
    return Page(items=[_read(r) for r in rows], next_cursor=cursor, next=url)


@router.post("/tokens", status_code=201, response_model=TokenCreated, operation_id="tokens-create")
def create(data: TokenCreate, session: SessionDep, _: Admin) -> TokenCreated:
    row, raw = service.create_token(session, data.name, data.scopes, data.expires_at)
    return TokenCreated(**_read(row).model_dump(), token=raw)


@router.delete("/tokens/{token_id:int}", status_code=204, operation_id="tokens-revoke")
def revoke(token_id: Id, session: SessionDep, _: Admin) -> Response:
    service.revoke(session, token_id)
    return Response(status_code=204)
