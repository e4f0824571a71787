"""API shapes for an app's delta cycles: the last cycle, the schedule, the quarantine."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.inputs import Input
from app.models import SyncState

CycleKind = Literal["incremental", "full"]


class DriftFigures(BaseModel):
    found: dict[str, int] = Field(
        default_factory=dict, description="Kind -> open drift items after the cycle"
    )
    new: int = 0
    fixed: int = 0
    tasks_planned: int = 0


class CycleRead(BaseModel):
    """One cycle: what it read, what it matched, what drift it found, what went wrong."""

    kind: CycleKind = Field(description="`full` reads every tenant user; `incremental` changes")
    reason: str = Field(description="What started it: schedule, api, import, ...")
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    ok: bool
    pages: int = Field(description="Graph pages read (users and groups)")
    round_trips: dict[str, int] = Field(
        default_factory=dict, description="Graph requests per resource (users, groups)"
    )
    accounts_seen: int = 0
    accounts_changed: int = Field(0, description="Tenant accounts new or different")
    accounts_removed: int = Field(0, description="Soft-deleted, purged or no longer there")
    members_changed: int = Field(0, description="Group memberships added or removed")
    matched: int = Field(0, description="Tenant accounts linked to a directory user")
    matched_by: dict[str, int] = Field(
        default_factory=dict,
        description="Accounts linked per method: assignment, immutable_id, "
        "user_principal_name, mail",
    )
    assignments_linked: int = Field(
        0, description="Assignments given the tenant object id of the account matched"
    )
    conflicts: int = Field(0, description="Tenant accounts matching ambiguously (nothing linked)")
    conflict_examples: list[dict[str, str]] = Field(
        default_factory=list, description="A few conflicts: object_id and reason"
    )
    drift: DriftFigures = Field(default_factory=DriftFigures)
    tasks_planned: int = 0
    phases_ms: dict[str, int] = Field(
        default_factory=dict,
        description="Where the time went: connect (token), users, groups, match, drift",
    )
    full_restart: str | None = Field(
        None, description="Why a stored deltaLink was dropped and the round restarted in full"
    )
    error: str | None = None


class QuarantineRead(BaseModel):
    reason: str
    since: datetime | None
    until: datetime | None = Field(description="No scheduled cycle starts before this")


class AppSyncRead(BaseModel):
    """Where an app's cycles stand."""

    state: SyncState
    last_cycle: CycleRead | None
    next_cycle_at: datetime | None
    next_full_at: datetime | None
    quarantine: QuarantineRead | None


class SyncRequest(Input):
    full: bool = Field(
        False, description="Read every tenant user (a full reconciliation), not just changes"
    )
