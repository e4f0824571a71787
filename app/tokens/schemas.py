"""API shapes for tokens. The secret appears once, in `TokenCreated`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator

from app.api.timestamps import Timestamp
from app.inputs import Input
from app.models import Scope


class TokenCreate(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    scopes: list[Scope] = Field(min_length=1)
    expires_at: Timestamp | None = None

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, value: datetime | None) -> datetime | None:
        # A token born expired is a mistake in the request, not a token anyone can use.
        if value is not None and value <= datetime.now(UTC):
            raise ValueError("expires_at is in the past; a new token must expire later")
        return value


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
