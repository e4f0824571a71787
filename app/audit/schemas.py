"""API shapes of the audit trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ActorType(StrEnum):
    token = "token"
    scim = "scim"
    cli = "cli"
    system = "system"


class ObjectType(StrEnum):
    app = "app"
    user = "user"
    group = "group"
    role = "role"
    mapping = "mapping"
    rule = "rule"
    token = "token"
    task = "task"
    scim_group = "scim_group"


class ActorRead(BaseModel):
    type: ActorType = Field(description="token (an API token), scim, cli or system")
    id: int | None = Field(description="The token's id")
    name: str = Field(description="The token's name, or `cli` / `system`")


class ObjectRead(BaseModel):
    type: ObjectType
    id: str | None
    name: str | None = Field(description="Its name when the change was made")


class AuditEntryRead(BaseModel):
    id: int
    created_at: datetime
    actor: ActorRead
    object: ObjectRead
    action: str = Field(description="`<type>.<verb>`, e.g. `app.policy_changed`, `task.approved`")
    before: dict[str, Any] | None = Field(
        description="The changed fields before (null for a creation); secrets never appear"
    )
    after: dict[str, Any] | None = Field(description="The changed fields after (null: deleted)")
    request_id: str | None = Field(description="The `X-Request-ID` of the request that did it")
