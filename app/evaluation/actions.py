"""The ``{action, value[]}`` shape shared by mappings and rules (OneLogin API v2).

Which action names exist, and what their values must look like, is decided by ``mappings`` and
``rules``; this module only holds the shape and the checks both use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from app.evaluation.conditions import Condition, validate_conditions
from app.evaluation.errors import ActionError


@dataclass(frozen=True, slots=True)
class Action:
    action: str
    value: tuple[str, ...] = ()


def validate_definition(
    conditions: Sequence[Condition],
    match: str,
    actions: Sequence[Action],
    compile_action: Callable[[Action], object],
) -> None:
    """Validate a mapping's or rule's conditions, match and actions; fields are nested
    (``actions[1].value``). `compile_action` is the kind's own action checker."""
    validate_conditions(conditions, match)
    if not actions:
        raise ActionError("actions", "at least one action is required")
    for index, action in enumerate(actions):
        try:
            compile_action(action)
        except ActionError as exc:
            raise exc.within(f"actions[{index}]") from None


def require_known(action: Action, known: tuple[str, ...]) -> None:
    if action.action not in known:
        raise ActionError(
            "action", f"unknown action {action.action!r}; allowed: {', '.join(known)}"
        )


def require_count(action: Action, minimum: int, maximum: int | None = None) -> None:
    n = len(action.value)
    if maximum == minimum and n != minimum:
        raise ActionError("value", f"{action.action} takes exactly {minimum} value(s), got {n}")
    if n < minimum:
        raise ActionError("value", f"{action.action} needs at least {minimum} value(s), got {n}")
    if maximum is not None and n > maximum:
        raise ActionError("value", f"{action.action} takes at most {maximum} value(s), got {n}")


def parse_ids(action: Action) -> tuple[int, ...]:
    """The values as integer ids (roles, groups), in order, without duplicates."""
    ids: dict[int, None] = {}
    for index, text in enumerate(action.value):
        try:
            ids[int(text.strip())] = None
        except ValueError:
            raise ActionError(
                f"value[{index}]", f"{action.action} expects integer ids, got {text!r}"
            ) from None
    return tuple(ids)


def require_name(action: Action) -> str:
    name = action.value[0].strip()
    if not name:
        raise ActionError("value[0]", f"{action.action} needs a non-empty name")
    return name


@dataclass(frozen=True, slots=True)
class Definition:
    """What a mapping and a rule share: ordered, enabled or not, conditions -> actions."""

    id: int
    name: str
    enabled: bool
    match: Literal["all", "any"]
    position: int
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
