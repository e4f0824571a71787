"""API shapes for mappings, in the style of OneLogin's API v2 (`conditions`, `actions`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.api.ids import MAX_ID, Id
from app.evaluation.actions import Action
from app.evaluation.conditions import Condition
from app.inputs import Input, Patch

Match = Literal["all", "any"]


class ConditionIn(Input):
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    operator: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    value: Annotated[str, StringConstraints(max_length=2000)] | None = None
    case_sensitive: bool = False

    def to_domain(self) -> Condition:
        return Condition(self.source, self.operator, self.value, self.case_sensitive)


class ActionIn(Input):
    action: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    value: list[Annotated[str, StringConstraints(max_length=2000)]] = Field(default_factory=list)

    def to_domain(self) -> Action:
        return Action(self.action, tuple(self.value))


class MappingCreate(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    enabled: bool = True
    match: Match = "all"
    position: int | None = Field(
        None, ge=0, le=MAX_ID, description="Defaults to after the last mapping"
    )
    conditions: list[ConditionIn] = Field(min_length=1)
    actions: list[ActionIn] = Field(min_length=1)


class MappingUpdate(Patch):
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    enabled: bool | None = None
    match: Match | None = None
    position: int | None = Field(None, ge=0, le=MAX_ID)
    conditions: list[ConditionIn] | None = Field(None, min_length=1)
    actions: list[ActionIn] | None = Field(None, min_length=1)


class MappingRead(BaseModel):
    id: int
    name: str
    enabled: bool
    match: Match
    position: int
    conditions: list[ConditionIn]
    actions: list[ActionIn]
    created_at: datetime
    updated_at: datetime


class CatalogItem(BaseModel):
    value: str = Field(description="What to send in the request")
    name: str = Field(description="A label for people")
    kind: str | None = None
    needs_value: bool | None = None
    value_count: str | None = Field(None, description="How many values the action takes")


class UserIds(Input):
    user_ids: list[Id] = Field(min_length=1, max_length=1000)


class ChangeRead(BaseModel):
    kind: str
    key: str
    before: str | None
    after: str | None
    mapping_id: int | None
    message: str


class DryRunUser(BaseModel):
    user_id: int
    will_be_mapped: bool
    result: Literal["will be mapped", "will not be mapped"]
    changes: list[ChangeRead]


class DryRunRead(BaseModel):
    mapping_id: int
    users: list[DryRunUser]
