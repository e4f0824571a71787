"""API shapes for the tenant accounts of an app (the tenant snapshot's users) and what an
admin does with them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.ids import Id


class Disposition(StrEnum):
    """What an admin decided for an account that belongs to no directory user."""

    ignored = "ignored"
    imported = "imported"
    deprovisioning = "deprovisioning"  # a task deletes or suspends it (maybe after approval)
    deprovisioned = "deprovisioned"
    # The matcher found more than one directory user for it (or the user holds another
    # account): nothing was linked; `conflict_reason` says why.
    conflict = "conflict"


class AccountAction(StrEnum):
    link = "link"  # to a given directory user
    import_ = "import"  # into the directory as a new user, then link
    ignore = "ignore"
    deprovision = "deprovision"  # delete or suspend it under the app's on_user_deleted


class TenantAccountRead(BaseModel):
    id: int
    app_id: int
    object_id: str = Field(description="The tenant user's object id")
    user_principal_name: str | None
    mail: str | None
    on_premises_immutable_id: str | None
    account_enabled: bool | None
    on_premises_sync_enabled: bool | None
    assigned_licenses: list[str] = Field(description="skuIds, sorted")
    attributes: dict[str, Any] = Field(description="Other properties, by Graph's names")
    deleted: bool = Field(description="Soft-deleted in the tenant (restorable)")
    user_id: int | None = Field(description="The directory user it is; null: nobody here")
    username: str | None = Field(description="That user's username")
    match_method: str | None = Field(
        description="How it was matched: immutable_id, user_principal_name, mail, assignment, "
        "manual"
    )
    disposition: Disposition | None
    first_seen_at: datetime
    changed_at: datetime


class AccountActionIn(BaseModel):
    """One action on one account."""

    model_config = ConfigDict(extra="forbid")
    action: AccountAction
    user_id: Id | None = Field(None, description="For `link`: the directory user")


class AccountActionsIn(AccountActionIn):
    account_ids: list[Id] = Field(min_length=1, max_length=500)


class AccountActionResult(BaseModel):
    """What one action did to one account; a refused item carries the problem it met."""

    account_id: int
    ok: bool
    status: int = Field(description="The HTTP status the action alone would have answered")
    detail: str | None = Field(None, description="Why it was refused")
    account: TenantAccountRead | None = None
    user_id: int | None = Field(None, description="`import`: the directory user created")
    task_id: int | None = Field(None, description="`deprovision`: the task planned")
    task_status: str | None = Field(
        None, description="`deprovision`: queued, or pending_approval (approval policy, threshold)"
    )


class AccountActionsResult(BaseModel):
    action: AccountAction
    succeeded: int
    failed: int
    results: list[AccountActionResult]
