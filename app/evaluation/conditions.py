"""Conditions: the ``{source, operator, value}`` tests shared by mappings and per-app rules.

Shape follows OneLogin's API v2. Semantics:

* Sources: each user field (``department``, ``email``, ...), ``member_of`` (the external
  directory group names, multi-valued), ``custom_attributes.<name>`` (any name),
  ``has_role`` (value: a role id) and ``group`` (value: a group id).
* Comparisons are case-insensitive (casefold) unless the condition sets
  ``case_sensitive=True``; ``matches`` uses ``re.search`` with ``re.IGNORECASE`` likewise.
  Condition values are trimmed, except regular expressions where whitespace is meaningful.
* A missing, None or empty value is *absent*: ``exists`` is false, ``not_exists`` true,
  ``equals``/``contains``/``starts_with``/``ends_with``/``matches``/``in`` false,
  ``not_equals``/``not_contains`` true.
* ``member_of``: positive operators are true when ANY group name satisfies them;
  ``not_equals``/``not_contains`` are true when NO group name satisfies the positive form;
  ``exists`` means at least one group.
* ``in`` takes a comma-separated list (``Sales, Marketing``) or a JSON list
  (``["Sales", "Marketing"]``); items are trimmed, empty items dropped.
* ``has_role`` allows ``equals``/``not_equals``/``in``; ``group`` also ``exists``/``not_exists``.
  Both see the *effective* state at that point of evaluation (see ``mappings``).
* An empty condition list is rejected (as OneLogin does): a mapping that should apply to
  everyone says so explicitly, e.g. ``status not_equals suspended`` or ``username exists``.

Compiled predicates are closures over pre-processed values (casefolded, regex compiled, ``in``
lists turned into sets), evaluated against a ``Subject`` prepared once per user.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from app.evaluation.errors import ConditionError
from app.evaluation.facts import CUSTOM_PREFIX, FOLDED, RAW, USER_FIELD_SET, USER_FIELDS, Subject

Predicate = Callable[[Subject], bool]
MatchMode = Literal["all", "any"]
SourceKind = Literal["text", "list", "role", "group"]

MATCH_MODES = ("all", "any")
TEXT_OPERATORS = (
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "matches",
    "in",
    "exists",
    "not_exists",
)
OPERATORS_BY_KIND: dict[SourceKind, tuple[str, ...]] = {
    "text": TEXT_OPERATORS,
    "list": TEXT_OPERATORS,
    "role": ("equals", "not_equals", "in"),
    "group": ("equals", "not_equals", "in", "exists", "not_exists"),
}
VALUELESS_OPERATORS = frozenset({"exists", "not_exists"})
OPERATOR_LABELS = {
    "equals": "equals",
    "not_equals": "does not equal",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "matches": "matches (regular expression)",
    "in": "is one of",
    "exists": "has a value",
    "not_exists": "has no value",
}
FIELD_LABELS = {
    "username": "Username",
    "email": "Email",
    "firstname": "First name",
    "lastname": "Last name",
    "display_name": "Display name",
    "distinguished_name": "Distinguished name",
    "department": "Department",
    "title": "Title",
    "company": "Company",
    "phone": "Phone",
    "country": "Country",
    "status": "Status",
}


@dataclass(frozen=True, slots=True)
class Condition:
    source: str
    operator: str
    value: str | None = None
    case_sensitive: bool = False


@dataclass(frozen=True, slots=True)
class SourceInfo:
    name: str
    label: str
    kind: SourceKind


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    name: str
    label: str
    needs_value: bool


# --- catalog -------------------------------------------------------------------------------


def source_kind(source: str) -> SourceKind:
    """The kind of a source; raises ``ConditionError`` for an unknown one."""
    if source in USER_FIELD_SET:
        return "text"
    if source.startswith(CUSTOM_PREFIX):
        if not source[len(CUSTOM_PREFIX) :].strip():
            raise ConditionError("source", "custom attribute source needs a name after the dot")
        return "text"
    if source == "member_of":
        return "list"
    if source == "has_role":
        return "role"
    if source == "group":
        return "group"
    raise ConditionError(
        "source",
        f"unknown source {source!r}; use a user field ({', '.join(USER_FIELDS)}), member_of, "
        "custom_attributes.<name>, has_role or group",
    )


def condition_sources(custom_attribute_names: Iterable[str] = ()) -> list[SourceInfo]:
    """Every source an editor can offer, fields first, then lists, attributes, role, group."""
    sources = [SourceInfo(name, FIELD_LABELS[name], "text") for name in USER_FIELDS]
    sources.append(SourceInfo("member_of", "Member of (directory group)", "list"))
    sources.extend(
        SourceInfo(CUSTOM_PREFIX + name, f"Custom attribute: {name}", "text")
        for name in sorted(set(custom_attribute_names))
    )
    sources.append(SourceInfo("has_role", "Has role", "role"))
    sources.append(SourceInfo("group", "Group", "group"))
    return sources


def operators_for(source: str) -> list[OperatorInfo]:
    return [
        OperatorInfo(op, OPERATOR_LABELS[op], op not in VALUELESS_OPERATORS)
        for op in OPERATORS_BY_KIND[source_kind(source)]
    ]


# --- validation ----------------------------------------------------------------------------


def parse_list(value: str) -> tuple[str, ...]:
    """Items of an ``in`` value: ``a, b`` or ``["a", "b"]``; trimmed, empties dropped."""
    text = value.strip()
    items: Sequence[object]
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
        except ValueError:
            # JSON-ish, e.g. ['a', 'b'] or [a, b]: strip brackets and quotes by hand.
            parsed = [part.strip().strip("'\"") for part in text[1:-1].split(",")]
        if not isinstance(parsed, list):  # pragma: no cover - a bracketed JSON value is a list
            raise ConditionError("value", "expected a list")
        items = parsed
    else:
        items = text.split(",")
    out: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise ConditionError("value", f"list items must be strings, got {item!r}")
        cleaned = str(item).strip()
        if cleaned:
            out.append(cleaned)
    return tuple(out)


def _parse_id(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ConditionError("value", f"{what} must be an integer id, got {text!r}") from None


def _regex(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    try:
        return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ConditionError("value", f"invalid regular expression: {exc}") from None


def validate_condition(condition: Condition) -> None:
    """Raise ``ConditionError`` naming the field at fault; return quietly when valid."""
    _checked(condition)


def _checked(c: Condition) -> tuple[SourceKind, str]:
    """Validate ``c`` and return its kind and normalised value ('' for valueless operators)."""
    kind = source_kind(c.source)
    allowed = OPERATORS_BY_KIND[kind]
    if c.operator not in allowed:
        raise ConditionError(
            "operator",
            f"operator {c.operator!r} is not allowed for source {c.source!r}; "
            f"allowed: {', '.join(allowed)}",
        )
    raw = c.value if c.value is not None else ""
    if c.operator in VALUELESS_OPERATORS:
        if raw.strip():
            raise ConditionError("value", f"operator {c.operator!r} takes no value")
        return kind, ""
    if not raw.strip():
        raise ConditionError("value", f"operator {c.operator!r} needs a value")
    if c.operator == "matches":
        _regex(raw, c.case_sensitive)
        return kind, raw
    if c.operator == "in":
        items = parse_list(raw)
        if not items:
            raise ConditionError("value", "operator 'in' needs at least one item")
        if kind in ("role", "group"):
            for item in items:
                _parse_id(item, "role" if kind == "role" else "group")
        return kind, raw
    if kind in ("role", "group"):
        _parse_id(raw, "role" if kind == "role" else "group")
    return kind, raw.strip()


def validate_conditions(conditions: Sequence[Condition], match: str = "all") -> None:
    """Validate a whole list; errors are nested as ``conditions[i].field``."""
    if match not in MATCH_MODES:
        raise ConditionError("match", f"match must be 'all' or 'any', got {match!r}")
    if not conditions:
        raise ConditionError("conditions", "at least one condition is required")
    for index, condition in enumerate(conditions):
        try:
            _checked(condition)
        except ConditionError as exc:
            raise exc.within(f"conditions[{index}]") from None


# --- compilation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreparedText:
    """A validated text or list condition with its constants pre-processed.

    Shared by the closure compiler here and the generated evaluator (``codegen``), so both
    test exactly the same casefolded value, compiled regex and ``in`` set.
    """

    op: str
    i: int
    """``RAW`` or ``FOLDED``: which prepared form of the user's value the operator reads."""
    v: str
    rx: re.Pattern[str] | None
    items: frozenset[str]


def prepare_text(condition: Condition, value: str) -> PreparedText:
    """Constants for a text/list condition whose normalised ``value`` came from ``_checked``."""
    op = condition.operator
    i = RAW if condition.case_sensitive else FOLDED
    rx = _regex(value, condition.case_sensitive) if op == "matches" else None
    v = value if condition.case_sensitive else value.casefold()
    items = (
        frozenset(x if condition.case_sensitive else x.casefold() for x in parse_list(v))
        if (op == "in")
        else frozenset()
    )
    return PreparedText(op, i, v, rx, items)


def checked(condition: Condition) -> tuple[SourceKind, str]:
    """Validate ``condition``; its kind and normalised value ('' for valueless operators)."""
    return _checked(condition)


def parse_ids(kind: SourceKind, value: str) -> frozenset[int]:
    """The ids of a validated ``in`` value of a role or group condition."""
    return frozenset(_parse_id(x, kind) for x in parse_list(value))


def parse_id(kind: SourceKind, value: str) -> int:
    """The id of a validated ``equals``/``not_equals`` value of a role or group condition."""
    return _parse_id(value, kind)


def compile_condition(condition: Condition) -> Predicate:
    """A closure testing one condition; validates first (raises ``ConditionError``)."""
    kind, value = _checked(condition)
    op = condition.operator
    if kind == "role":
        return _role_predicate(op, value)
    if kind == "group":
        return _group_predicate(op, value)
    p = prepare_text(condition, value)
    if kind == "list":
        return _list_predicate(op, p.i, p.v, p.rx, p.items)
    return _text_predicate(condition.source, op, p.i, p.v, p.rx, p.items)


def _text_predicate(
    key: str, op: str, i: int, v: str, rx: re.Pattern[str] | None, items: frozenset[str]
) -> Predicate:
    # One closure per operator, each doing a single dict lookup: this is the hot path.
    if op == "equals":
        return lambda s: s.text[i].get(key) == v
    if op == "not_equals":
        return lambda s: s.text[i].get(key) != v
    if op == "contains":

        def contains(s: Subject) -> bool:
            x = s.text[i].get(key)
            return x is not None and v in x

        return contains
    if op == "not_contains":

        def not_contains(s: Subject) -> bool:
            x = s.text[i].get(key)
            return x is None or v not in x

        return not_contains
    if op == "starts_with":

        def starts_with(s: Subject) -> bool:
            x = s.text[i].get(key)
            return x is not None and x.startswith(v)

        return starts_with
    if op == "ends_with":

        def ends_with(s: Subject) -> bool:
            x = s.text[i].get(key)
            return x is not None and x.endswith(v)

        return ends_with
    if op == "matches":
        search = rx.search  # type: ignore[union-attr]

        def matches(s: Subject) -> bool:
            # The raw value: IGNORECASE handles case, and casefolding could change lengths.
            x = s.text[RAW].get(key)
            return x is not None and search(x) is not None

        return matches
    if op == "in":
        return lambda s: s.text[i].get(key) in items
    if op == "exists":
        return lambda s: key in s.text[RAW]
    return lambda s: key not in s.text[RAW]


def _list_predicate(
    op: str, i: int, v: str, rx: re.Pattern[str] | None, items: frozenset[str]
) -> Predicate:
    # member_set is casefolded only: case-sensitive equals/in scan the (short) raw tuple.
    if op == "equals":
        if i == RAW:
            return lambda s: v in s.member_of[RAW]
        return lambda s: v in s.member_set
    if op == "not_equals":
        if i == RAW:
            return lambda s: v not in s.member_of[RAW]
        return lambda s: v not in s.member_set
    if op == "contains":
        return lambda s: any(v in m for m in s.member_of[i])
    if op == "not_contains":
        return lambda s: not any(v in m for m in s.member_of[i])
    if op == "starts_with":
        return lambda s: any(m.startswith(v) for m in s.member_of[i])
    if op == "ends_with":
        return lambda s: any(m.endswith(v) for m in s.member_of[i])
    if op == "matches":
        search = rx.search  # type: ignore[union-attr]
        return lambda s: any(search(m) is not None for m in s.member_of[RAW])
    if op == "in":
        if i == RAW:
            return lambda s: not items.isdisjoint(s.member_of[RAW])
        return lambda s: not items.isdisjoint(s.member_set)
    if op == "exists":
        return lambda s: bool(s.member_of[RAW])
    return lambda s: not s.member_of[RAW]


def _role_predicate(op: str, value: str) -> Predicate:
    if op == "in":
        ids = frozenset(_parse_id(x, "role") for x in parse_list(value))
        return lambda s: not ids.isdisjoint(s.role_ids)
    role_id = _parse_id(value, "role")
    if op == "equals":
        return lambda s: role_id in s.role_ids
    return lambda s: role_id not in s.role_ids


def _group_predicate(op: str, value: str) -> Predicate:
    if op == "exists":
        return lambda s: s.group_id is not None
    if op == "not_exists":
        return lambda s: s.group_id is None
    if op == "in":
        ids = frozenset(_parse_id(x, "group") for x in parse_list(value))
        return lambda s: s.group_id in ids
    group_id = _parse_id(value, "group")
    if op == "equals":
        return lambda s: s.group_id == group_id
    return lambda s: s.group_id != group_id


def compile_conditions(conditions: Sequence[Condition], match: str = "all") -> Predicate:
    """One predicate for a condition list; raises ``ConditionError`` like ``validate_conditions``.

    Short-circuits in list order, so put cheap or selective conditions first.
    """
    validate_conditions(conditions, match)
    preds = tuple(compile_condition(c) for c in conditions)
    # Fixed-arity combinators avoid a Python-level loop for the common short lists.
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        if match == "all":
            return lambda s: a(s) and b(s)
        return lambda s: a(s) or b(s)
    if match == "all":

        def all_of(s: Subject) -> bool:
            # An explicit loop: measurably faster than all() over a generator here.
            for p in preds:  # noqa: SIM110
                if not p(s):
                    return False
            return True

        return all_of

    def any_of(s: Subject) -> bool:
        for p in preds:  # noqa: SIM110
            if p(s):
                return True
        return False

    return any_of


def referenced_sources(conditions: Iterable[Condition]) -> set[str]:
    """Sources a condition list reads; lets evaluation prepare only those values."""
    return {c.source for c in conditions}
