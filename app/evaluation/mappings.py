"""Mappings: ordered conditions -> actions that grant roles, a group and custom attributes.

Semantics (quoted by the API docs):

* Enabled mappings run in ascending ``position`` (ties broken by ``id``); disabled ones are
  skipped. Each mapping tests its conditions against the user's own state **plus what earlier
  mappings in this run produced**: roles granted so far count for ``has_role``, a group set
  earlier counts for ``group``, attributes set earlier count for ``custom_attributes.*``.
* A matching mapping applies its actions in the order listed:
  ``set_role`` replaces the roles granted by earlier mappings (and earlier actions) in this run;
  ``add_role`` adds to them; ``set_group`` sets the group (the last matching one wins);
  ``set_attribute`` writes one custom attribute (the last writer wins; an empty value clears it
  for the rest of the run).
* Manual roles are kept apart: they count for ``has_role`` but no action can strip them, and
  ``granted_roles`` only lists what mappings granted (a role can be both manual and granted).
  The user's manual group counts for ``group`` until a mapping sets one.
* Role provenance is the first mapping that granted the role since the last ``set_role``.
* The input is only the user's own state, never a previous outcome, so ``evaluate`` is a pure
  function: reapplying mappings any number of times gives the same outcome, and the order of
  the input list does not matter (positions sort it).
"""

from __future__ import annotations

import collections.abc as abc
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from app.evaluation.actions import (
    Action,
    Definition,
    parse_ids,
    require_count,
    require_known,
    require_name,
    validate_definition,
)
from app.evaluation.codegen import ConditionCode
from app.evaluation.conditions import Predicate, compile_conditions
from app.evaluation.facts import CUSTOM_PREFIX, Subject, TextKey, UserFacts, text_key

MAPPING_ACTIONS = ("set_role", "add_role", "set_group", "set_attribute")

# Compiled action codes: ints compare faster than strings in the evaluation loop.
_SET_ROLE, _ADD_ROLE, _SET_GROUP, _SET_ATTRIBUTE = range(4)
_CODES = {"set_role": _SET_ROLE, "add_role": _ADD_ROLE, "set_group": _SET_GROUP}


@dataclass(frozen=True, slots=True)
class _Op:
    """One action, parsed once: ids as ints, the attribute's subject key precomputed."""

    code: int
    role_ids: tuple[int, ...] = ()
    group_id: int = 0
    source: str = ""
    name: str = ""
    value: str = ""


@dataclass(frozen=True, slots=True)
class Mapping(Definition):
    """A directory mapping: its actions grant roles, a group and attributes."""


@dataclass(frozen=True, slots=True)
class MappingOutcome:
    granted_roles: abc.Mapping[int, int]
    """Role id -> id of the mapping that granted it."""
    group_id: int | None
    group_mapping_id: int | None
    attributes: abc.Mapping[str, str]
    """Custom attributes set by mappings (name -> value)."""
    matched: tuple[int, ...]
    """Ids of the mappings that matched, in evaluation order."""


EMPTY_OUTCOME = MappingOutcome({}, None, None, {}, ())


def outcome_fingerprint(outcome: MappingOutcome) -> str:
    """What `directory_user.mapping_fingerprint` holds: a digest of the outcome alone, so an
    unchanged outcome is recognised without comparing the stored columns."""
    payload = (
        sorted(outcome.granted_roles.items()),
        outcome.group_id,
        outcome.group_mapping_id,
        sorted(outcome.attributes.items()),
    )
    return hashlib.blake2b(repr(payload).encode(), digest_size=16).hexdigest()


EMPTY_FINGERPRINT = outcome_fingerprint(EMPTY_OUTCOME)
"""The fingerprint of a new user's row, whose mapped columns hold the empty outcome."""


# --- validation ----------------------------------------------------------------------------


def validate_mapping_action(action: Action) -> None:
    """Raise ``ActionError`` for an unknown action or values of the wrong shape."""
    _compile_action(action)


validate_action = validate_mapping_action


def _compile_action(action: Action) -> _Op:
    require_known(action, MAPPING_ACTIONS)
    if action.action in ("set_role", "add_role"):
        require_count(action, 1)
        return _Op(_CODES[action.action], role_ids=parse_ids(action))
    if action.action == "set_group":
        require_count(action, 1, 1)
        return _Op(_SET_GROUP, group_id=parse_ids(action)[0])
    require_count(action, 2, 2)
    name = require_name(action)
    return _Op(_SET_ATTRIBUTE, source=CUSTOM_PREFIX + name, name=name, value=action.value[1])


def validate_mapping(mapping: Mapping) -> None:
    """Validate conditions, match and actions; fields are nested (``actions[1].value``)."""
    validate_definition(mapping.conditions, mapping.match, mapping.actions, _compile_action)


# --- compilation and evaluation ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompiledMapping:
    id: int
    position: int
    predicate: Predicate
    ops: tuple[_Op, ...]


Evaluator = Callable[[UserFacts], MappingOutcome]


@dataclass(frozen=True, slots=True)
class CompiledMappings:
    mappings: tuple[CompiledMapping, ...]
    text_keys: tuple[TextKey, ...]
    """Text sources any condition reads: only these are prepared per user."""
    uses_member_of: bool
    steps: tuple[tuple[Predicate, int, tuple[_Op, ...]], ...] = ()
    """(predicate, mapping id, ops) per mapping: tuple unpacking beats attribute lookups."""
    evaluator: Evaluator | None = None
    """The whole list as one generated function (see ``_generate``); None: use the reference."""


def compile_mappings(mappings: Iterable[Mapping]) -> CompiledMappings:
    """Sort by (position, id), drop disabled mappings, validate and compile each once."""
    ordered = sorted((m for m in mappings if m.enabled), key=lambda m: (m.position, m.id))
    compiled: list[CompiledMapping] = []
    sources: set[str] = set()
    for m in ordered:
        validate_mapping(m)
        ops = tuple(_compile_action(a) for a in m.actions)
        compiled.append(
            CompiledMapping(m.id, m.position, compile_conditions(m.conditions, m.match), ops)
        )
        sources.update(c.source for c in m.conditions)
    keys = tuple(
        text_key(s) for s in sorted(sources) if s not in ("member_of", "has_role", "group")
    )
    steps = tuple((m.predicate, m.id, m.ops) for m in compiled)
    evaluator = _generate([(m, c.ops) for m, c in zip(ordered, compiled, strict=True)])
    return CompiledMappings(tuple(compiled), keys, "member_of" in sources, steps, evaluator)


def _generate(mappings: Sequence[tuple[Mapping, tuple[_Op, ...]]]) -> Evaluator:
    """One Python function evaluating the whole (validated, ordered) list for one user.

    Same semantics as ``evaluate_reference``, statement for statement: each mapping is an
    ``if`` over its inlined conditions followed by its actions in order, and the state later
    conditions read (granted roles, group, attributes) lives in locals. Only generated names
    reach the source text; see ``codegen`` for why that keeps user input out of it.
    """
    code = ConditionCode()
    # Conditions first: which values the prologue loads, and which attributes an action must
    # keep up to date, depend on every condition in the list.
    tests = [code.conditions(m.conditions, m.match) for m, _ in mappings]
    body: list[str] = []
    for (m, ops), test in zip(mappings, tests, strict=True):
        mid = code.const(m.id)
        body.append(f"if {test}:")
        body.append(f"    matched.append({mid})")
        for op in ops:
            if op.code == _SET_ROLE:
                entries = ", ".join(f"{code.const(r)}: {mid}" for r in op.role_ids)
                body.append(f"    granted = {{{entries}}}")
            elif op.code == _ADD_ROLE:
                for role_id in op.role_ids:
                    rid = code.const(role_id)
                    # setdefault semantics: provenance stays with the first grant.
                    body.append(f"    if {rid} not in granted:")
                    body.append(f"        granted[{rid}] = {mid}")
            elif op.code == _SET_GROUP:
                body.append(f"    group = outcome_group = {code.const(op.group_id)}")
                body.append(f"    group_mapping = {mid}")
            else:
                body.append(f"    attributes[{code.const(op.name)}] = {code.const(op.value)}")
                body.extend(f"    {line}" for line in code.assign_text(op.source, op.value))
    lines = [
        "def evaluate(user):",
        *(f"    {line}" for line in code.prologue()),
        "    manual = user.role_ids",
        "    granted = {}",
        "    group = user.group_id",
        "    outcome_group = group_mapping = None",
        "    attributes = {}",
        "    matched = []",
        *(f"    {line}" for line in body),
        *_outcome_lines(code.namespace),
    ]
    namespace = code.namespace
    exec(compile("\n".join(lines), "<generated mapping evaluator>", "exec"), namespace)
    evaluator: Evaluator = namespace["evaluate"]  # type: ignore[assignment]
    return evaluator


_OUTCOME_VALUES = {
    "granted_roles": "granted",
    "group_id": "outcome_group",
    "group_mapping_id": "group_mapping",
    "attributes": "attributes",
    "matched": "tuple(matched)",
}


def _outcome_lines(namespace: dict[str, object]) -> list[str]:
    """Statements building and returning the ``MappingOutcome`` from the evaluator's locals.

    A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__`` by name,
    which costs about as much as evaluating a dozen mappings; setting the slots through their
    descriptors builds the same object in half the time. That skips ``__init__``, so should
    the class ever gain fields or a ``__post_init__``, this falls back to calling it.
    """
    namespace["_Outcome"] = MappingOutcome
    names = tuple(f.name for f in fields(MappingOutcome))
    if names != tuple(_OUTCOME_VALUES) or hasattr(MappingOutcome, "__post_init__"):
        return [f"    return _Outcome({', '.join(_OUTCOME_VALUES.values())})"]
    namespace["_new"] = object.__new__
    lines = ["    outcome = _new(_Outcome)"]
    for name, value in _OUTCOME_VALUES.items():
        namespace[f"_set_{name}"] = getattr(MappingOutcome, name).__set__
        lines.append(f"    _set_{name}(outcome, {value})")
    lines.append("    return outcome")
    return lines


def evaluate(compiled: CompiledMappings, user: UserFacts) -> MappingOutcome:
    evaluator = compiled.evaluator
    if evaluator is not None:
        return evaluator(user)
    return evaluate_reference(compiled, user)


def evaluate_reference(compiled: CompiledMappings, user: UserFacts) -> MappingOutcome:
    """The closure-based evaluator: the executable specification ``evaluate`` is tested against."""
    subject = Subject.from_facts(user, compiled.text_keys, compiled.uses_member_of)
    manual = user.role_ids
    granted: dict[int, int] = {}
    group_id: int | None = None
    group_mapping_id: int | None = None
    attributes: dict[str, str] = {}
    matched: list[int] = []
    for predicate, mid, ops in compiled.steps:
        if not predicate(subject):
            continue
        matched.append(mid)
        for op in ops:
            code = op.code
            if code == _SET_ROLE:
                granted = dict.fromkeys(op.role_ids, mid)
                subject.role_ids = set(manual)
                subject.role_ids.update(granted)
            elif code == _ADD_ROLE:
                for role_id in op.role_ids:
                    granted.setdefault(role_id, mid)
                subject.role_ids.update(op.role_ids)
            elif code == _SET_GROUP:
                group_id, group_mapping_id = op.group_id, mid
                subject.group_id = group_id
            else:
                attributes[op.name] = op.value
                subject.set_text(op.source, op.value)
    return MappingOutcome(granted, group_id, group_mapping_id, attributes, tuple(matched))


def effective_facts(user: UserFacts, outcome: MappingOutcome) -> UserFacts:
    """The user as rules and parameters see them: own state merged with the mapping outcome.

    roles = manual + granted; group = mapped group if any, else the user's own;
    custom attributes = own, overlaid by mapped ones (an empty mapped value removes it).
    """
    attributes = dict(user.custom_attributes)
    for name, value in outcome.attributes.items():
        if value:
            attributes[name] = value
        else:
            attributes.pop(name, None)
    return UserFacts(
        id=user.id,
        fields=user.fields,
        member_of=user.member_of,
        custom_attributes=attributes,
        role_ids=user.role_ids | frozenset(outcome.granted_roles),
        group_id=outcome.group_id if outcome.group_id is not None else user.group_id,
    )


# --- dry runs ------------------------------------------------------------------------------

ChangeKind = Literal["role_added", "role_removed", "group_changed", "attribute_changed"]


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    key: str
    """Role id, ``group``, or the attribute name."""
    before: str | None
    after: str | None
    mapping_id: int | None
    """The mapping responsible for the new value, when there is one."""
    message: str


@dataclass(frozen=True, slots=True)
class DryRunResult:
    will_be_mapped: bool
    outcome: MappingOutcome
    changes: tuple[Change, ...] = field(default_factory=tuple)


def outcome_changes(before: MappingOutcome, after: MappingOutcome) -> tuple[Change, ...]:
    """What moving from ``before`` to ``after`` changes; provenance-only moves are not changes."""
    changes: list[Change] = []
    old_roles, new_roles = before.granted_roles, after.granted_roles
    for role_id in sorted(new_roles.keys() - old_roles.keys()):
        mid = new_roles[role_id]
        changes.append(
            Change(
                "role_added",
                str(role_id),
                None,
                str(role_id),
                mid,
                f"role {role_id} granted by mapping {mid}",
            )
        )
    for role_id in sorted(old_roles.keys() - new_roles.keys()):
        changes.append(
            Change(
                "role_removed",
                str(role_id),
                str(role_id),
                None,
                None,
                f"role {role_id} no longer granted",
            )
        )
    if before.group_id != after.group_id:
        old = None if before.group_id is None else str(before.group_id)
        new = None if after.group_id is None else str(after.group_id)
        changes.append(
            Change(
                "group_changed",
                "group",
                old,
                new,
                after.group_mapping_id,
                f"group {old or '(none)'} -> {new or '(none)'}",
            )
        )
    for name in sorted(before.attributes.keys() | after.attributes.keys()):
        old_value, new_value = before.attributes.get(name), after.attributes.get(name)
        if old_value != new_value:
            changes.append(
                Change(
                    "attribute_changed",
                    name,
                    old_value,
                    new_value,
                    None,
                    f"attribute {name}: {old_value!r} -> {new_value!r}",
                )
            )
    return tuple(changes)


def dry_run(
    compiled: CompiledMappings, user: UserFacts, previous: MappingOutcome | None = None
) -> DryRunResult:
    """All mappings for one user: whether any matches, and the changes against ``previous``."""
    outcome = evaluate(compiled, user)
    return DryRunResult(
        bool(outcome.matched), outcome, outcome_changes(previous or EMPTY_OUTCOME, outcome)
    )


def dry_run_mapping(
    mappings: Sequence[Mapping], candidate: Mapping, users: Iterable[UserFacts]
) -> list[DryRunResult]:
    """Check one mapping (possibly a disabled draft) in the context of the others.

    ``candidate`` replaces the mapping with its id (or is added) and runs as if enabled, in its
    position among the enabled mappings, since earlier mappings decide what it sees. Changes are
    what this mapping contributes: the outcome without it compared to the outcome with it, so a
    grant that a later ``set_role`` discards shows up as no change.
    """
    others = [m for m in mappings if m.id != candidate.id]
    enabled = Mapping(
        candidate.id,
        candidate.name,
        True,
        candidate.match,
        candidate.position,
        candidate.conditions,
        candidate.actions,
    )
    with_it = compile_mappings([*others, enabled])
    without = compile_mappings(others)
    results = []
    for user in users:
        outcome = evaluate(with_it, user)
        results.append(
            DryRunResult(
                candidate.id in outcome.matched,
                outcome,
                outcome_changes(evaluate(without, user), outcome),
            )
        )
    return results


def stored_form(outcome: MappingOutcome) -> MappingOutcome:
    """An outcome as the user row keeps it and `stored_outcome` gives it back."""
    return stored_outcome(outcome.granted_roles, outcome.group_id, outcome.attributes)


def stored_outcome(
    mapped_roles: Any, mapped_group_id: int | None, mapped_attributes: Any
) -> MappingOutcome:
    """The mapping outcome as stored on the user row (provenance of the group is not kept)."""
    granted = {int(role_id): mapping_id for role_id, mapping_id in (mapped_roles or {}).items()}
    return MappingOutcome(granted, mapped_group_id, None, dict(mapped_attributes or {}), ())
