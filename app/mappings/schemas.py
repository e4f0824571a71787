"""API shapes for mappings, in the style of OneLogin's API v2 (`conditions`, `actions`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

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


class DefinitionRead(BaseModel):
    """What mappings and rules share when read: ordered conditions -> actions."""

    id: int
    name: str
    enabled: bool
    match: Match
    position: int
    conditions: list[ConditionIn]
    actions: list[ActionIn]
    created_at: datetime
    updated_at: datetime


class MappingRead(DefinitionRead):
    pass


def domain_fields(row: Any) -> dict[str, Any]:
    """The stored fields a mapping and a rule share, as the evaluation package takes them."""
    return {
        "name": row.name,
        "enabled": row.enabled,
        "match": row.match,
        "position": row.position,
        "conditions": tuple(ConditionIn(**c).to_domain() for c in row.conditions or []),
        "actions": tuple(ActionIn(**a).to_domain() for a in row.actions or []),
    }


def stored_fields(data: Any) -> dict[str, Any]:
    """What a create body of a mapping or a rule stores (its position is decided apart)."""
    return {
        "name": data.name,
        "enabled": data.enabled,
        "match": data.match,
        "conditions": [c.model_dump() for c in data.conditions],
        "actions": [a.model_dump() for a in data.actions],
    }


def read_fields(row: Any) -> dict[str, Any]:
    """The stored fields a mapping and a rule share, as the API shows them."""
    return {
        "name": row.name,
        "enabled": row.enabled,
        "match": row.match,
        "position": row.position,
        "conditions": [ConditionIn(**c) for c in row.conditions or []],
        "actions": [ActionIn(**a) for a in row.actions or []],
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


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
