"""API schemas of the drift domain."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.models import DriftKind
from app.provisioning.schemas import AssignmentDrift


class DriftItemRead(AssignmentDrift):
    """One open drift item of an app, with whose assignment it is."""

    id: int
    user_id: int
    user_name: str | None = Field(description="The directory user's username")
    object_id: str = Field(description="The tenant user's object id")
    last_seen_at: datetime


class DriftReport(BaseModel):
    """The app's open drift: how much of each kind, and the items (a cursor page)."""

    counts: dict[DriftKind, int] = Field(description="Open drift items per kind")
    total: int
    items: list[DriftItemRead]
    next_cursor: str | None = None
    next: str | None = None
