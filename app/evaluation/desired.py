"""Desired state of one assignment, its fingerprint, and the plan that gets a tenant there.

``DesiredState`` is what we want the Entra ID user to look like; the same type stores the state
last applied (JSON column). ``fingerprint()`` is a sha256 of canonical JSON, so "the desired
state did not change, so no task" is one string comparison. ``diff`` turns (desired, applied)
into a ``Plan``:

* nothing applied yet: ``create`` with everything, or ``none`` if the user should be disabled
  (a suspended person is not created just to be suspended);
* enabled -> disabled: ``suspend``; disabled -> enabled: ``reactivate``; otherwise ``update``
  when anything differs, else ``none``. Suspend and reactivate carry the other changes too.
* An attribute that is no longer desired is listed with value ``None`` (clear it in Graph).
* A SKU whose disabled plans changed appears in ``licenses_add`` (assignLicense updates it).

``compute`` is where a desired state comes from: for one app and one user, the user's effective
state (own data merged with the mapping outcome) goes through the app's parameters and rules,
and the app's policies decide what a deleted, suspended or unassigned user becomes in the
tenant. Pure functions over plain data, so a whole tenant can be computed in chunks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from app.evaluation.facts import UserFacts
from app.evaluation.parameters import Parameter, compute_attributes, default_parameters
from app.evaluation.rules import EMPTY_RULE_OUTCOME, CompiledRules, RuleOutcome, evaluate_rules

PlanAction = Literal["create", "update", "suspend", "reactivate", "delete", "none"]


@dataclass(frozen=True, slots=True)
class DesiredState:
    attributes: dict[str, Any]
    licenses: dict[str, frozenset[str]]
    """sku id -> disabled service plan ids."""
    groups: frozenset[str]
    enabled: bool

    @classmethod
    def build(cls, attributes: dict[str, Any], rules: RuleOutcome, enabled: bool) -> DesiredState:
        """Compose computed attributes and a rule outcome (licenses, groups)."""
        return cls(
            attributes=dict(attributes),
            licenses={sku: grant.disabled_plans for sku, grant in rules.licenses.items()},
            groups=frozenset(rules.groups),
            enabled=enabled,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with sorted collections, so equal states serialise equally."""
        return {
            "attributes": {k: self.attributes[k] for k in sorted(self.attributes)},
            "licenses": {sku: sorted(self.licenses[sku]) for sku in sorted(self.licenses)},
            "groups": sorted(self.groups),
            "enabled": self.enabled,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DesiredState:
        return cls(
            attributes=dict(data.get("attributes") or {}),
            licenses={sku: frozenset(plans) for sku, plans in (data.get("licenses") or {}).items()},
            groups=frozenset(data.get("groups") or ()),
            enabled=bool(data.get("enabled", True)),
        )

    def fingerprint(self) -> str:
        canonical = json.dumps(
            self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Plan:
    action: PlanAction
    attributes_changed: dict[str, Any] = field(default_factory=dict)
    """Attribute -> new value; ``None`` clears it."""
    licenses_add: dict[str, frozenset[str]] = field(default_factory=dict)
    licenses_remove: list[str] = field(default_factory=list)
    groups_add: list[str] = field(default_factory=list)
    groups_remove: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return self.action != "none"

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "attributes_changed": {
                k: self.attributes_changed[k] for k in sorted(self.attributes_changed)
            },
            "licenses_add": {
                sku: sorted(self.licenses_add[sku]) for sku in sorted(self.licenses_add)
            },
            "licenses_remove": list(self.licenses_remove),
            "groups_add": list(self.groups_add),
            "groups_remove": list(self.groups_remove),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(
            action=data["action"],
            attributes_changed=dict(data.get("attributes_changed") or {}),
            licenses_add={
                sku: frozenset(plans) for sku, plans in (data.get("licenses_add") or {}).items()
            },
            licenses_remove=list(data.get("licenses_remove") or ()),
            groups_add=list(data.get("groups_add") or ()),
            groups_remove=list(data.get("groups_remove") or ()),
        )


def diff(desired: DesiredState, applied: DesiredState | None) -> Plan:
    """The plan that takes the tenant from ``applied`` (None: never provisioned) to ``desired``."""
    if applied is None:
        if not desired.enabled:
            return Plan("none")
        return Plan(
            "create",
            attributes_changed={k: desired.attributes[k] for k in sorted(desired.attributes)},
            licenses_add={sku: desired.licenses[sku] for sku in sorted(desired.licenses)},
            groups_add=sorted(desired.groups),
        )
    attributes = {
        k: desired.attributes.get(k)
        for k in sorted(desired.attributes.keys() | applied.attributes.keys())
        if desired.attributes.get(k) != applied.attributes.get(k)
    }
    licenses_add = {
        sku: plans
        for sku, plans in sorted(desired.licenses.items())
        if applied.licenses.get(sku) != plans
    }
    licenses_remove = sorted(applied.licenses.keys() - desired.licenses.keys())
    groups_add = sorted(desired.groups - applied.groups)
    groups_remove = sorted(applied.groups - desired.groups)
    action: PlanAction
    if applied.enabled and not desired.enabled:
        action = "suspend"
    elif desired.enabled and not applied.enabled:
        action = "reactivate"
    elif attributes or licenses_add or licenses_remove or groups_add or groups_remove:
        action = "update"
    else:
        return Plan("none")
    return Plan(action, attributes, licenses_add, licenses_remove, groups_add, groups_remove)


# --- computing the desired state of an assignment ------------------------------------------

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
    default_usage_location: str | None = None
    """The tenant's defaultUsageLocation: the usageLocation of users who have none."""


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
        app.parameters,
        user.facts,
        app.domain,
        outcome.parameter_values(),
        default_usage_location=app.default_usage_location,
    )
    state = DesiredState.build(attributes, outcome, enabled=target == "present")
    return Desired(target, state, why, assigned)
