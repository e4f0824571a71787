"""Small builders for evaluation tests: defaults for everything a scenario does not care about."""

from __future__ import annotations

from app.evaluation.actions import Action
from app.evaluation.conditions import Condition
from app.evaluation.facts import UserFacts
from app.evaluation.mappings import Mapping
from app.evaluation.rules import Rule


def user(
    *,
    id: int = 1,
    member_of: tuple[str, ...] = (),
    custom: dict[str, str] | None = None,
    roles: frozenset[int] | set[int] = frozenset(),
    group_id: int | None = None,
    **fields: str | None,
) -> UserFacts:
    base: dict[str, str | None] = {
        "username": "jdoe",
        "email": "jane.doe@contoso.com",
        "firstname": "Jane",
        "lastname": "Doe",
        "status": "active",
    }
    base.update(fields)
    return UserFacts(
        id=id,
        fields=base,
        member_of=member_of,
        custom_attributes=dict(custom or {}),
        role_ids=frozenset(roles),
        group_id=group_id,
    )


def cond(source: str, operator: str, value: str | None = None, **kw: bool) -> Condition:
    return Condition(source, operator, value, **kw)


def act(action: str, *value: str) -> Action:
    return Action(action, value)


def mapping(
    id: int,
    conditions: tuple[Condition, ...] | Condition,
    actions: tuple[Action, ...] | Action,
    *,
    position: int | None = None,
    match: str = "all",
    enabled: bool = True,
) -> Mapping:
    return Mapping(
        id=id,
        name=f"m{id}",
        enabled=enabled,
        match=match,  # type: ignore[arg-type]
        position=id if position is None else position,
        conditions=conditions if isinstance(conditions, tuple) else (conditions,),
        actions=actions if isinstance(actions, tuple) else (actions,),
    )


def rule(
    id: int,
    conditions: tuple[Condition, ...] | Condition,
    actions: tuple[Action, ...] | Action,
    *,
    position: int | None = None,
    match: str = "all",
    enabled: bool = True,
) -> Rule:
    return Rule(
        id=id,
        name=f"r{id}",
        enabled=enabled,
        match=match,  # type: ignore[arg-type]
        position=id if position is None else position,
        conditions=conditions if isinstance(conditions, tuple) else (conditions,),
        actions=actions if isinstance(actions, tuple) else (actions,),
    )


EVERYONE = Condition("username", "exists")
