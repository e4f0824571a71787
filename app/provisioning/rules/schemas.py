"""API shapes for per-app rules. Conditions, actions and catalog items are the mapping shapes
(OneLogin API v2), so a client that edits mappings edits rules the same way."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.api.ids import MAX_ID
from app.inputs import Input, Patch
from app.mappings.schemas import ActionIn, CatalogItem, ConditionIn, DefinitionRead, Match

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

LICENSE_VALUE_DOC = (
    'set_licenses values are "<skuId>" or "<skuId>:<planId>,<planId>" (the service plans to '
    "disable); set_groups values are Microsoft 365 group ids; set_parameter takes "
    "[parameter name, value]."
)


class RuleCreate(Input):
    name: Name
    enabled: bool = True
    match: Match = "all"
    position: int | None = Field(
        None, ge=0, le=MAX_ID, description="Defaults to after the app's last rule"
    )
    conditions: list[ConditionIn] = Field(min_length=1)
    actions: list[ActionIn] = Field(min_length=1, description=LICENSE_VALUE_DOC)


class RuleUpdate(Patch):
    name: Name | None = None
    enabled: bool | None = None
    match: Match | None = None
    position: int | None = Field(None, ge=0, le=MAX_ID)
    conditions: list[ConditionIn] | None = Field(None, min_length=1)
    actions: list[ActionIn] | None = Field(None, min_length=1, description=LICENSE_VALUE_DOC)


class RuleRead(DefinitionRead):
    app_id: int


class ActionValue(CatalogItem):
    """A value for a rule action; licenses also list their service plans (to disable some)."""

    free_seats: int | None = None
    service_plans: list[CatalogItem] | None = None


class PlanRead(BaseModel):
    service_plan_id: str
    service_plan_name: str | None


class CheckLicense(BaseModel):
    sku_id: str
    sku_part_number: str | None
    disabled_plans: list[PlanRead]
    enabled_plans: list[PlanRead]


class CheckGroup(BaseModel):
    id: str
    display_name: str | None


class CheckUser(BaseModel):
    user_id: int
    will_be_mapped: bool
    result: Literal["will be mapped", "will not be mapped"]
    licenses: list[CheckLicense]
    groups: list[CheckGroup]
    parameters: dict[str, str]


class CheckRead(BaseModel):
    rule_id: int
    users: list[CheckUser]
