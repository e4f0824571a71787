"""API shapes of source syncs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class SourceSyncRequest(BaseModel):
    full: bool = Field(
        False,
        description="Read every person and group (and find deletions by comparing ids) "
        "instead of only what changed since the last sync",
    )


class SkippedEntry(BaseModel):
    dn: str
    reason: str = Field(description="The kind of problem (what `skipped_reasons` counts)")
    detail: str | None = Field(None, description="What was wrong with this entry's values")


class LastSyncRead(BaseModel):
    kind: str = Field(description="`full` or `incremental`")
    reason: str = Field(description="What started it: schedule, api, cli, release")
    started_at: datetime
    finished_at: datetime | None = None
    duration_ms: int | None = None
    read_ms: int | None = Field(None, description="Of which reading the source (LDAP searches)")
    plan_ms: int | None = Field(
        None, description="Of which comparing the reading with the directory, before any write"
    )
    users_read: int = 0
    groups_read: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    suspended: int = 0
    taken_over: int = Field(
        0, description="People already in the directory (same username or email) the source took"
    )
    skipped: int = Field(0, description="People the source holds that could not be synced")
    skipped_reasons: dict[str, int] = Field(default_factory=dict)
    skipped_examples: list[SkippedEntry] = Field(default_factory=list)
    errors: list[dict[str, str]] = Field(default_factory=list)
    groups_outside_scope: int = Field(
        0,
        description="Groups the memberOf of the people this sync read names that are not under "
        "the base DNs (or not matched by the group filter): not read, so in nobody's member_of. "
        "List their OU in base_dns for mappings on them to work",
    )
    groups_outside_scope_examples: list[str] = Field(
        default_factory=list, description="Up to 5 of those groups' DNs (lower-cased)"
    )
    planned: dict[str, int] | None = Field(
        None, description="For a held sync: the deletes and disables it would have made"
    )


class HeldRead(BaseModel):
    reason: str
    deletes: list[dict[str, Any]] = Field(description="People the sync would delete (id, anchor)")
    disables: list[dict[str, Any]] = Field(description="People the sync would disable")
    counts: dict[str, int]


class SourceSyncRead(BaseModel):
    source_id: int
    status: str = Field(description="idle, running, held (waits for an admin) or error")
    status_reason: str | None
    last_sync: LastSyncRead | None
    next_sync_at: datetime | None
    next_full_at: datetime | None
    held: HeldRead | None
