"""Per-app rules: ordered conditions -> licenses, Microsoft 365 groups and parameter values.

Semantics (quoted by the API docs):

* Conditions are tested against the user's EFFECTIVE state: ``effective_facts(user, outcome)``
  merges the mapping outcome in (roles = manual + granted, group = mapped group if any else
  the user's own, custom attributes = own overlaid by mapped). Rule actions never feed back
  into conditions, so every rule sees the same state.
* Every matching enabled rule applies, in ascending ``position`` (ties by ``id``).
* ``set_licenses`` and ``set_groups`` accumulate: the result is the union over matching rules.
  When several rules grant the same SKU, their disabled plans are intersected: a service plan
  stays disabled only if every rule granting that SKU disables it (granting is additive, so the
  most generous rule wins).
* ``set_parameter`` overrides one parameter's computed value; the last matching rule wins.

License values: each item of a ``set_licenses`` value is ``"<skuId>"`` or
``"<skuId>:<planId>,<planId>"`` (the plans to disable). ``parse_license_value`` and
``format_license_value`` convert to and from ``LicenseSpec`` for API layers that prefer a
structured body. GUID-shaped sku, plan and group ids are lowercased, since Graph compares them
case-insensitively and a union must not hold the same SKU twice.
"""

from __future__ import annotations

import collections.abc as abc
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from app.evaluation.actions import (
    Action,
    Definition,
    require_count,
    require_known,
    require_name,
    validate_definition,
)
from app.evaluation.conditions import Predicate, compile_conditions
from app.evaluation.errors import ActionError
from app.evaluation.facts import Subject, UserFacts

RULE_ACTIONS = ("set_licenses", "set_groups", "set_parameter")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True, slots=True)
class Rule(Definition):
    """A per-app rule: its actions set licenses, groups and parameter values."""


@dataclass(frozen=True, slots=True)
class LicenseSpec:
    sku_id: str
    disabled_plans: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class LicenseGrant:
    disabled_plans: frozenset[str]
    rule_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    licenses: abc.Mapping[str, LicenseGrant]
    groups: abc.Mapping[str, tuple[int, ...]]
    """Microsoft 365 group id -> ids of the rules that add the user to it."""
    parameters: abc.Mapping[str, tuple[str, int]]
    """Parameter name -> (value, id of the rule that set it)."""
    matched: tuple[int, ...]

    def parameter_values(self) -> dict[str, str]:
        """The overrides in the shape ``compute_attributes`` takes."""
        return {name: value for name, (value, _) in self.parameters.items()}


EMPTY_RULE_OUTCOME = RuleOutcome({}, {}, {}, ())


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """What one rule would do for one user (the "Check rule with users" dialog)."""

    will_be_mapped: bool
    licenses: abc.Mapping[str, frozenset[str]]
    groups: tuple[str, ...]
    parameters: abc.Mapping[str, str]


# --- values --------------------------------------------------------------------------------


def normalize_id(text: str) -> str:
    text = text.strip()
    return text.lower() if _GUID.match(text) else text


def parse_license_value(item: str) -> LicenseSpec:
    """``"<sku>"`` or ``"<sku>:<plan>,<plan>"`` -> ``LicenseSpec``; raises ``ActionError``."""
    sku, sep, plans = item.partition(":")
    sku = normalize_id(sku)
    if not sku:
        raise ActionError("value", f"license {item!r} has no sku id")
    disabled = frozenset(normalize_id(p) for p in plans.split(",") if p.strip())
    if sep and not disabled:
        raise ActionError("value", f"license {item!r} lists no plans after ':'")
    return LicenseSpec(sku, disabled)


def format_license_value(spec: LicenseSpec) -> str:
    if not spec.disabled_plans:
        return spec.sku_id
    return f"{spec.sku_id}:{','.join(sorted(spec.disabled_plans))}"


# --- validation ----------------------------------------------------------------------------

_LICENSES, _GROUPS, _PARAMETER = range(3)


@dataclass(frozen=True, slots=True)
class _Op:
    code: int
    licenses: tuple[LicenseSpec, ...] = ()
    groups: tuple[str, ...] = ()
    name: str = ""
    value: str = ""


def validate_rule_action(action: Action) -> None:
    """Raise ``ActionError`` for an unknown action or values of the wrong shape."""
    _compile_action(action)


def _compile_action(action: Action) -> _Op:
    require_known(action, RULE_ACTIONS)
    if action.action == "set_parameter":
        require_count(action, 2, 2)
        return _Op(_PARAMETER, name=require_name(action), value=action.value[1])
    require_count(action, 1)
    if action.action == "set_licenses":
        specs = []
        for index, item in enumerate(action.value):
            try:
                specs.append(parse_license_value(item))
            except ActionError as exc:
                raise ActionError(f"value[{index}]", exc.message) from None
        return _Op(_LICENSES, licenses=tuple(specs))
    groups = []
    for index, item in enumerate(action.value):
        group = normalize_id(item)
        if not group:
            raise ActionError(f"value[{index}]", "set_groups needs non-empty group ids")
        groups.append(group)
    return _Op(_GROUPS, groups=tuple(dict.fromkeys(groups)))


def validate_rule(rule: Rule) -> None:
    validate_definition(rule.conditions, rule.match, rule.actions, _compile_action)


# --- compilation and evaluation ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: int
    predicate: Predicate
    ops: tuple[_Op, ...]


@dataclass(frozen=True, slots=True)
class CompiledRules:
    rules: tuple[CompiledRule, ...]


def _compile_rule(rule: Rule) -> CompiledRule:
    validate_rule(rule)
    return CompiledRule(
        rule.id,
        compile_conditions(rule.conditions, rule.match),
        tuple(_compile_action(a) for a in rule.actions),
    )


def compile_rules(rules: Iterable[Rule]) -> CompiledRules:
    """Sort by (position, id), drop disabled rules, validate and compile each once."""
    ordered = sorted((r for r in rules if r.enabled), key=lambda r: (r.position, r.id))
    return CompiledRules(tuple(_compile_rule(r) for r in ordered))


def evaluate_rules(compiled: CompiledRules, effective: UserFacts) -> RuleOutcome:
    """Apply every matching rule to a user's effective facts (see ``effective_facts``)."""
    subject = Subject.from_facts(effective)
    licenses: dict[str, LicenseGrant] = {}
    groups: dict[str, tuple[int, ...]] = {}
    parameters: dict[str, tuple[str, int]] = {}
    matched: list[int] = []
    for rule in compiled.rules:
        if not rule.predicate(subject):
            continue
        rid = rule.id
        matched.append(rid)
        for op in rule.ops:
            if op.code == _LICENSES:
                for spec in op.licenses:
                    held = licenses.get(spec.sku_id)
                    if held is None:
                        licenses[spec.sku_id] = LicenseGrant(spec.disabled_plans, (rid,))
                    else:
                        ids = held.rule_ids if held.rule_ids[-1] == rid else (*held.rule_ids, rid)
                        licenses[spec.sku_id] = LicenseGrant(
                            held.disabled_plans & spec.disabled_plans, ids
                        )
            elif op.code == _GROUPS:
                for group in op.groups:
                    held_by = groups.get(group, ())
                    if rid not in held_by:
                        groups[group] = (*held_by, rid)
            else:
                parameters[op.name] = (op.value, rid)
    return RuleOutcome(licenses, groups, parameters, tuple(matched))


@lru_cache(maxsize=256)
def _compiled_single(rule: Rule) -> CompiledRules:
    # A draft rule is checked against a handful of users one request at a time; caching the
    # compiled form avoids recompiling its regexes for each user. Disabled drafts count too.
    return CompiledRules((_compile_rule(rule),))


def check_rule(rule: Rule, effective: UserFacts) -> RuleCheck:
    """Whether ``rule`` (enabled or not) matches, and what it alone would grant.

    Pass the user's effective facts (``effective_facts(user, mapping_outcome)``) so the check
    sees the same state as a real run.
    """
    outcome = evaluate_rules(_compiled_single(rule), effective)
    return RuleCheck(
        will_be_mapped=bool(outcome.matched),
        licenses={sku: grant.disabled_plans for sku, grant in outcome.licenses.items()},
        groups=tuple(outcome.groups),
        parameters=outcome.parameter_values(),
    )
