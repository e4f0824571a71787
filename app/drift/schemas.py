"""API schemas of the drift domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.models import DriftKind


class DriftItemRead(BaseModel):
    id: int
    user_id: int
    user_name: str | None = Field(description="The directory user's username")
    object_id: str = Field(description="The tenant user's object id")
    kind: DriftKind
    target: str = Field(
        description="The attribute's Graph name, the skuId or the group id; empty for the "
        "account's enabled or deleted state"
    )
    tenant_value: Any = Field(description="What the tenant holds (as the last delta round saw)")
    applied_value: Any = Field(description="What we last applied and believed the tenant held")
    task_id: int | None = Field(description="The task planned to put the tenant back (enforce)")
    first_seen_at: datetime
    last_seen_at: datetime


class DriftReport(BaseModel):
    """The app's open drift: how much of each kind, and the items (a cursor page)."""

    counts: dict[DriftKind, int] = Field(description="Open drift items per kind")
    total: int
    items: list[DriftItemRead]
    next_cursor: str | None = None
    next: str | None = None
