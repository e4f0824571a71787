"""What each assignment should look like in the tenant, computed from the directory.

For one app and one user: the user's effective state (own data merged with the mapping
outcome) goes through the app's parameters and rules; the app's policies decide what a
deleted, suspended or unassigned user becomes in the tenant. Pure functions over plain data
plus one loader, so it can be run for a whole tenant in chunks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.evaluation.desired import DesiredState
from app.evaluation.facts import UserFacts
from app.evaluation.parameters import Parameter, compute_attributes, default_parameters
from app.evaluation.rules import EMPTY_RULE_OUTCOME, CompiledRules, RuleOutcome, evaluate_rules

Target = Literal["present", "suspended", "deleted", "unmanaged"]
POLICY_TARGET: dict[str, Target] = {
    "delete": "deleted",
    "suspend": "suspended",
    "nothing": "unmanaged",
}


@dataclass(frozen=True)
class AppPolicy:
    """The parts of an app that desired-state computation reads, loaded once per batch."""

    id: int
    domain: str
    parameters: tuple[Parameter, ...]
    rules: CompiledRules | None
    on_user_deleted: str
    on_user_suspended: str
    on_app_removed: str
    role_ids: frozenset[int]
    """Roles that grant this app."""


def app_parameters(
    stored: Sequence[Mapping[str, Any]], immutable_id_attribute: str
) -> tuple[Parameter, ...]:
    if stored:
        return tuple(
            Parameter(
                p["name"], p.get("source", "field"), p.get("value", ""), p.get("include", True)
            )
            for p in stored
        )
    return tuple(default_parameters(immutable_id_attribute))


@dataclass(frozen=True)
class UserState:
    """A user as desired-state computation needs them."""

    facts: UserFacts  # effective: own state merged with the mapping outcome
    deleted: bool
    role_sources: Mapping[int, str]
    """role id -> "manual" or "mapping:<id>", for the why."""


@dataclass(frozen=True)
class Desired:
    target: Target
    state: DesiredState | None  # None for "deleted" / "unmanaged"
    why: dict[str, Any]
    assigned: bool


def compute(app: AppPolicy, user: UserState) -> Desired:
    """Desired state of (app, user). `assigned` says whether the user holds a granting role."""
    holding = sorted(app.role_ids & user.facts.role_ids)
    assigned = bool(holding) and not user.deleted
    if user.deleted:
        target = POLICY_TARGET[app.on_user_deleted]
    elif not holding:
        target = POLICY_TARGET[app.on_app_removed]
    elif not user.facts.active:
        target = (
            "suspended"
            if app.on_user_suspended == "suspend"
            else ("deleted" if app.on_user_suspended == "delete" else "present")
        )
    else:
        target = "present"
    outcome: RuleOutcome = (
        evaluate_rules(app.rules, user.facts) if app.rules is not None else EMPTY_RULE_OUTCOME
    )
    why: dict[str, Any] = {
        "roles": [{"role_id": r, "source": user.role_sources.get(r, "manual")} for r in holding],
        "licenses": {sku: list(g.rule_ids) for sku, g in outcome.licenses.items()},
        "groups": {gid: list(rule_ids) for gid, rule_ids in outcome.groups.items()},
        "parameters": {name: rule_id for name, (_, rule_id) in outcome.parameters.items()},
        "target": target,
    }
    if target in ("deleted", "unmanaged"):
        return Desired(target, None, why, assigned)
    attributes = compute_attributes(
        app.parameters, user.facts, app.domain, outcome.parameter_values()
    )
    state = DesiredState.build(attributes, outcome, enabled=target == "present")
    return Desired(target, state, why, assigned)
