"""API shapes for webhooks. The signing secret is write-only: it appears in `WebhookCreated`
(once, when the service generated it or the admin sent it) and in no read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, SecretStr, StringConstraints

from app.api.ids import Id
from app.inputs import Input, Patch
from app.models import DeliveryStatus, WebhookEventType

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Description = Annotated[str, StringConstraints(max_length=1000)]
SecretIn = Annotated[SecretStr, Field(min_length=1, max_length=200)]

SECRET_HELP = (
    "Write-only signing secret, `whsec_` and the base64 of 24 to 64 random bytes (Standard "
    "Webhooks). Leave it out and the service generates one, returned once in the answer."
)
TYPES_HELP = "Event types to send; empty (the default) sends every type."


class WebhookCreate(Input):
    url: Url = Field(description="http(s) URL that receives the events")
    app_id: Id | None = Field(None, description="Only this app's events; leave out for all apps")
    event_types: list[WebhookEventType] = Field(default_factory=list, description=TYPES_HELP)
    description: Description | None = None
    enabled: bool = True
    secret: SecretIn | None = Field(None, description=SECRET_HELP)


class WebhookUpdate(Patch):
    nullable = frozenset({"description"})

    url: Url | None = None
    event_types: list[WebhookEventType] | None = Field(None, description=TYPES_HELP)
    description: Description | None = None
    enabled: bool | None = None
    secret: SecretIn | None = Field(None, description=SECRET_HELP + " Replaces the current one.")


class WebhookRead(BaseModel):
    id: int
    app_id: int | None
    url: str
    description: str | None
    event_types: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The signing secret; shown only in this answer")


class AttemptRead(BaseModel):
    attempt: int
    at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status; null: no answer")
    duration_ms: int
    response_body: str | None = Field(description="The first 1,000 characters of the answer")
    error: str | None = Field(description="Why the attempt failed, when it did")


class DeliveryRead(BaseModel):
    id: int
    endpoint_id: int
    msg_id: str = Field(description="The `webhook-id` header: the same over retries")
    event_type: str
    app_id: int | None
    status: DeliveryStatus
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    finished_at: datetime | None
    payload: dict[str, Any] = Field(description="The body sent: `type`, `timestamp`, `data`")
    attempt_log: list[AttemptRead]
