"""Conditions as Python source: the building blocks of generated evaluators.

The closure compiler in ``conditions`` costs a Python call per condition plus a dict lookup in
a prepared ``Subject``. For a fixed condition list evaluated for many users, generating one
function whose conditions are inline expressions over local variables is markedly faster.

Safety: no value from a condition, action or user ever becomes source text. Every constant
(casefolded strings, compiled regexes, ``in`` sets, ids, attribute names) is bound in the
function's namespace under a generated name (``_c12``); the source only holds those names,
generated local names and fixed operator syntax.

Contract with the code that assembles the function (``mappings``): the function's parameter is
``user`` (a ``UserFacts``); ``prologue()`` loads the per-user values the conditions read; role
conditions read the locals ``manual`` (the user's own role ids) and ``granted`` (a dict keyed by
the role ids granted so far), group conditions read ``group`` (the effective group id).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from itertools import repeat

from app.evaluation.conditions import Condition, checked, parse_id, parse_ids, prepare_text
from app.evaluation.facts import CUSTOM_PREFIX, RAW

# Unbound methods mapped over member names: any(map(...)) runs in C, where a generator
# expression would resume a Python frame per group name.
HELPERS: dict[str, object] = {
    "_fold": str.casefold,
    "_has": operator.contains,
    "_starts": str.startswith,
    "_ends": str.endswith,
}


class ConditionCode:
    """Collects constants and the per-user values referenced by the conditions it renders."""

    def __init__(self) -> None:
        self.namespace: dict[str, object] = dict(HELPERS)
        self._texts: dict[str, int] = {}
        """Text source -> index of its locals ``r<i>`` (as given) and ``f<i>`` (casefolded)."""
        self._folded: set[int] = set()
        self._member_raw = False
        self._member_folded = False
        self._member_set = False

    def const(self, value: object) -> str:
        """Bind ``value`` in the namespace and return the name the source refers to it by."""
        name = f"_c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    # --- per-user values -----------------------------------------------------------------

    def _text(self, source: str, folded: bool) -> str:
        index = self._texts.setdefault(source, len(self._texts))
        if folded:
            self._folded.add(index)
            return f"f{index}"
        return f"r{index}"

    def prologue(self) -> list[str]:
        """Statements (unindented) loading what the rendered conditions read.

        Mirrors ``Subject.from_facts``: a missing, None or empty value is ``None`` in both
        locals, so "absent" has one representation; casefolding happens once per user, and
        only for sources some condition compares case-insensitively.
        """
        lines: list[str] = []
        if any(not s.startswith(CUSTOM_PREFIX) for s in self._texts):
            lines.append("fields = user.fields")
        if any(s.startswith(CUSTOM_PREFIX) for s in self._texts):
            lines.append("custom = user.custom_attributes")
        for source, index in self._texts.items():
            if source.startswith(CUSTOM_PREFIX):
                key = self.const(source[len(CUSTOM_PREFIX) :])
                lines.append(f"r{index} = custom.get({key}) or None")
            else:
                lines.append(f"r{index} = fields.get({self.const(source)}) or None")
            if index in self._folded:
                lines.append(f"f{index} = None if r{index} is None else r{index}.casefold()")
        if self._member_raw:
            lines.append("mr = tuple(filter(None, user.member_of))")
            if self._member_folded or self._member_set:
                lines.append("mf = tuple(map(_fold, mr))")
        elif self._member_folded or self._member_set:
            # No condition reads the names as given: fold straight from the filtered input.
            lines.append("mf = tuple(map(_fold, filter(None, user.member_of)))")
        if self._member_set:
            lines.append("ms = frozenset(mf)")
        return lines

    def assign_text(self, source: str, value: str) -> list[str]:
        """Statements overwriting one text value (``set_attribute``); empty means absent.

        Nothing when no condition reads ``source``: the value could never be observed.
        """
        index = self._texts.get(source)
        if index is None:
            return []
        lines = [f"r{index} = {self.const(value or None)}"]
        if index in self._folded:
            lines.append(f"f{index} = {self.const(value.casefold() if value else None)}")
        return lines

    # --- conditions ----------------------------------------------------------------------

    def conditions(self, conditions: Sequence[Condition], match: str) -> str:
        """One expression for a validated condition list, short-circuiting in list order."""
        joiner = " and " if match == "all" else " or "
        return joiner.join(self.condition(c) for c in conditions)

    def condition(self, c: Condition) -> str:
        """A parenthesised expression, true exactly when ``compile_condition(c)`` is."""
        kind, value = checked(c)
        op = c.operator
        if kind == "role":
            if op == "in":
                ids = self.const(parse_ids(kind, value))
                return f"(not ({ids}.isdisjoint(manual) and {ids}.isdisjoint(granted)))"
            # Effective roles are always manual | granted (set_role keeps manual roles), so
            # testing both avoids maintaining a merged set per user.
            rid = self.const(parse_id(kind, value))
            if op == "equals":
                return f"({rid} in manual or {rid} in granted)"
            return f"({rid} not in manual and {rid} not in granted)"
        if kind == "group":
            if op == "exists":
                return "(group is not None)"
            if op == "not_exists":
                return "(group is None)"
            if op == "in":
                return f"(group in {self.const(parse_ids(kind, value))})"
            gid = self.const(parse_id(kind, value))
            return f"(group == {gid})" if op == "equals" else f"(group != {gid})"
        p = prepare_text(c, value)
        if kind == "list":
            return self._list(p.op, p.i == RAW, p.v, p.rx, p.items)
        return self._text_condition(c.source, p.op, p.i == RAW, p.v, p.rx, p.items)

    def _text_condition(
        self, source: str, op: str, raw: bool, v: str, rx: object, items: frozenset[str]
    ) -> str:
        if op in ("exists", "not_exists", "matches"):
            r = self._text(source, folded=False)
            if op == "exists":
                return f"({r} is not None)"
            if op == "not_exists":
                return f"({r} is None)"
            # The raw value: IGNORECASE handles case, and casefolding could change lengths.
            search = self.const(rx.search)  # type: ignore[attr-defined]
            return f"({r} is not None and {search}({r}) is not None)"
        x = self._text(source, folded=not raw)
        if op == "in":
            return f"({x} in {self.const(items)})"
        cv = self.const(v)
        if op == "equals":
            return f"({x} == {cv})"
        if op == "not_equals":
            return f"({x} != {cv})"
        if op == "contains":
            return f"({x} is not None and {cv} in {x})"
        if op == "not_contains":
            return f"({x} is None or {cv} not in {x})"
        if op == "starts_with":
            return f"({x} is not None and {x}.startswith({cv}))"
        assert op == "ends_with", op
        return f"({x} is not None and {x}.endswith({cv}))"

    def _list(self, op: str, raw: bool, v: str, rx: object, items: frozenset[str]) -> str:
        if op in ("exists", "not_exists", "matches"):
            self._member_raw = True
            if op == "exists":
                return "(mr != ())"
            if op == "not_exists":
                return "(mr == ())"
            search = self.const(rx.search)  # type: ignore[attr-defined]
            # A match object is always truthy, so any() over search results is "any match".
            return f"any(map({search}, mr))"
        if raw:
            self._member_raw = True
            names = "mr"
        elif op in ("equals", "not_equals", "in"):
            # member_set is casefolded only, as in Subject: case-sensitive tests scan mr.
            self._member_set = True
            names = "ms"
        else:
            self._member_folded = True
            names = "mf"
        if op == "in":
            return f"(not {self.const(items)}.isdisjoint({names}))"
        cv = self.const(v)
        if op == "equals":
            return f"({cv} in {names})"
        if op == "not_equals":
            return f"({cv} not in {names})"
        # repeat(v) is an endless, stateless iterator, so one instance serves every call.
        rep = self.const(repeat(v))
        if op == "contains":
            return f"any(map(_has, {names}, {rep}))"
        if op == "not_contains":
            return f"(not any(map(_has, {names}, {rep})))"
        if op == "starts_with":
            return f"any(map(_starts, {names}, {rep}))"
        assert op == "ends_with", op
        return f"any(map(_ends, {names}, {rep}))"
