"""The slice of OData the Graph directory endpoints accept: $filter, $select, $top, paging tokens.

The filter parser builds a small AST so a handler can both evaluate it and inspect which
(property, operator) pairs it uses: Graph decides from those whether a query needs the
advanced parameters (`ConsistencyLevel: eventual` + `$count=true`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.sandbox.errors import (
    MSG_ENDSWITH_ADVANCED,
    MSG_PAGE_SIZE,
    MSG_UNSUPPORTED_CLAUSE,
    GraphError,
    bad_request,
)

MAX_PAGE_SIZE = 999


# --- AST ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    prop: str
    op: str  # eq, ne, ge, le, gt, lt
    value: Any


@dataclass(frozen=True)
class InList:
    prop: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Func:
    name: str  # startswith, endswith
    prop: str
    value: str


@dataclass(frozen=True)
class AnyOf:
    """`coll/any(x: x eq v)` or `coll/any(x: x/sub eq v)`; `sub` is None for scalar items."""

    prop: str
    sub: str | None
    op: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # and, or
    left: Node
    right: Node


Node = Compare | InList | Func | AnyOf | Not | BoolOp


# --- tokenizer and parser ----------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),:])|(?P<word>[A-Za-z0-9_.@#$/+\-]+))"
)
_COMPARE_OPS = {"eq", "ne", "ge", "le", "gt", "lt"}
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _syntax_error(text: str) -> GraphError:
    return GraphError(400, "BadRequest", f"Invalid filter clause: {text}")


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _syntax_error(f"Syntax error at position {pos} in '{text}'.")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _syntax_error(f"Unexpected end of expression in '{self.text}'.")
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        _, got = self.take()
        if got.lower() != value:
            raise _syntax_error(f"Expected '{value}' but found '{got}' in '{self.text}'.")

    def at_keyword(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1].lower() == word

    def parse(self) -> Node:
        node = self.parse_or()
        rest = self.peek()
        if rest is not None:
            raise _syntax_error(f"Unexpected '{rest[1]}' in '{self.text}'.")
        return node

    def _chain(self, keyword: str, operand: Callable[[], Node]) -> Node:
        """`operand (keyword operand)*`, left-associative."""
        node = operand()
        while self.at_keyword(keyword):
            self.take()
            node = BoolOp(keyword, node, operand())
        return node

    def parse_or(self) -> Node:
        return self._chain("or", self.parse_and)

    def parse_and(self) -> Node:
        return self._chain("and", self.parse_unary)

    def parse_unary(self) -> Node:
        if self.at_keyword("not"):
            self.take()
            return Not(self.parse_unary())
        return self.parse_primary()

    def parse_primary(self) -> Node:
        kind, word = self.take()
        if word == "(":
            node = self.parse_or()
            self.expect(")")
            return node
        if kind != "word":
            raise _syntax_error(f"Unexpected '{word}' in '{self.text}'.")
        lowered = word.lower()
        if lowered in ("startswith", "endswith") and self.peek() == ("punct", "("):
            self.take()
            prop = self.take_word()
            self.expect(",")
            value = self.literal()
            self.expect(")")
            if not isinstance(value, str):
                raise _syntax_error(f"{word} needs a string literal in '{self.text}'.")
            return Func(lowered, prop, value)
        if lowered.endswith("/any") and self.peek() == ("punct", "("):
            return self.parse_any(word[: -len("/any")])
        prop = word
        op = self.take_word().lower()
        if op == "in":
            self.expect("(")
            values = [self.literal()]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(self.literal())
            self.expect(")")
            return InList(prop, tuple(values))
        if op not in _COMPARE_OPS:
            raise _syntax_error(f"Unknown operator '{op}' in '{self.text}'.")
        return Compare(prop, op, self.literal())

    def parse_any(self, prop: str) -> Node:
        self.expect("(")
        var = self.take_word()
        self.expect(":")
        target = self.take_word()
        if target == var:
            sub = None
        elif target.startswith(var + "/"):
            sub = target[len(var) + 1 :]
        else:
            raise _syntax_error(f"Unknown range variable '{target}' in '{self.text}'.")
        op = self.take_word().lower()
        if op == "in":
            self.expect("(")
            values = [self.literal()]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(self.literal())
            self.expect(")")
        elif op in _COMPARE_OPS:
            values = [self.literal()]
        else:
            raise _syntax_error(f"Unknown operator '{op}' in '{self.text}'.")
        self.expect(")")
        return AnyOf(prop, sub, op, tuple(values))

    def take_word(self) -> str:
        kind, word = self.take()
        if kind != "word":
            raise _syntax_error(f"Unexpected '{word}' in '{self.text}'.")
        return word

    def literal(self) -> Any:
        kind, word = self.take()
        if kind == "str":
            return word[1:-1].replace("''", "'")
        if kind != "word":
            raise _syntax_error(f"Unexpected '{word}' in '{self.text}'.")
        lowered = word.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        if re.fullmatch(r"-?\d+", word):
            return int(word)
        # Unquoted GUIDs are legal for Edm.Guid properties such as skuId.
        if re.fullmatch(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", word
        ):
            return word.lower()
        raise _syntax_error(f"Unexpected '{word}' in '{self.text}'.")


def parse_filter(text: str) -> Node:
    return _Parser(text).parse()


# --- analysis and evaluation -------------------------------------------------------------


def usages(node: Node) -> list[tuple[str, str]]:
    """Every (property, operator) pair the filter uses; `not` is reported as its own operator."""
    match node:
        case Compare(prop, op, _):
            return [(prop, op)]
        case InList(prop, _):
            return [(prop, "in")]
        case Func(name, prop, _):
            return [(prop, name)]
        case AnyOf(prop, sub, op, _):
            return [(prop if sub is None else f"{prop}/{sub}", f"any.{op}")]
        case Not(inner):
            return [(p, "not") for p, _ in usages(inner)] + usages(inner)
        case BoolOp(_, left, right):
            return usages(left) + usages(right)
    return []


@dataclass(frozen=True)
class FilterCapabilities:
    """Which operators a resource's properties accept, with and without advanced parameters."""

    resource: str  # "User", "Group"
    type_name: str  # "microsoft.graph.user"
    basic: Mapping[str, frozenset[str]]
    advanced: Mapping[str, frozenset[str]]

    def check(self, node: Node, advanced: bool) -> None:
        for prop, op in usages(node):
            base = prop.split("/")[0]
            if base not in self.basic and base not in self.advanced:
                raise GraphError(
                    400,
                    "BadRequest",
                    f"Could not find a property named '{base}' on type '{self.type_name}'.",
                )
            if op in self.basic.get(prop, frozenset()):
                continue
            if op in self.advanced.get(prop, frozenset()):
                if advanced:
                    continue
                if op == "endswith":
                    raise bad_request(MSG_ENDSWITH_ADVANCED, "Request_UnsupportedQuery")
            raise bad_request(
                MSG_UNSUPPORTED_CLAUSE.format(prop=base, res=self.resource),
                "Request_UnsupportedQuery",
            )


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _compare(left: Any, op: str, right: Any) -> bool:
    left, right = _norm(left), _norm(right)
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        return bool(
            {"ge": left >= right, "le": left <= right, "gt": left > right, "lt": left < right}[op]
        )
    except TypeError:
        return False


def evaluate(node: Node, get: Callable[[str], Any]) -> bool:
    """Evaluate the filter against one object; string matching is case-insensitive, as in AAD."""
    match node:
        case Compare(prop, op, value):
            return _compare(get(prop), op, value)
        case InList(prop, values):
            current = _norm(get(prop))
            return any(current == _norm(v) for v in values)
        case Func(name, prop, value):
            current = get(prop)
            if not isinstance(current, str):
                return False
            if name == "startswith":
                return current.lower().startswith(value.lower())
            return current.lower().endswith(value.lower())
        case AnyOf(prop, sub, op, values):
            items = get(prop) or []
            for item in items:
                current = item.get(sub) if (sub and isinstance(item, dict)) else item
                if op == "in":
                    if any(_norm(current) == _norm(v) for v in values):
                        return True
                elif _compare(current, op, values[0]):
                    return True
            return False
        case Not(inner):
            return not evaluate(inner, get)
        case BoolOp(op, left, right):
            if op == "and":
                return evaluate(left, get) and evaluate(right, get)
            return evaluate(left, get) or evaluate(right, get)
    return False


# --- $select and $top --------------------------------------------------------------------


def parse_select(raw: str | None, known: Iterable[str], type_name: str) -> list[str] | None:
    if raw is None or raw.strip() == "":
        return None
    wanted: list[str] = []
    by_lower = {k.lower(): k for k in known}
    for part in raw.split(","):
        name = part.strip()
        if not name:
            continue
        canonical = by_lower.get(name.lower())
        if canonical is None:
            raise GraphError(
                400,
                "BadRequest",
                f"Could not find a property named '{name}' on type '{type_name}'.",
            )
        if canonical not in wanted:
            wanted.append(canonical)
    return wanted


def parse_top(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(MSG_PAGE_SIZE.format(value=raw)) from None
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise bad_request(MSG_PAGE_SIZE.format(value=raw))
    return value


def max_page_size_preference(prefer: str | None) -> int | None:
    """`Prefer: odata.maxpagesize=N`, which delta queries honour instead of $top."""
    if not prefer:
        return None
    match = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", prefer, re.IGNORECASE)
    if match is None:
        return None
    return max(1, min(MAX_PAGE_SIZE, int(match.group(1))))


# --- opaque tokens -----------------------------------------------------------------------


class TokenCodec:
    """Signs small JSON cursors into opaque URL-safe tokens ($skiptoken, $deltatoken).

    The signature makes a tampered or foreign token fail cleanly instead of paging garbage,
    and a state reset (new secret) invalidates every outstanding token, as a real tenant
    invalidates delta tokens after a resync.
    """

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def encode(self, payload: dict[str, Any]) -> str:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        mac = hmac.new(self.secret, body, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(mac + body).decode().rstrip("=")

    def decode(self, token: str) -> dict[str, Any] | None:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            return None
        mac, body = raw[:12], raw[12:]
        expected = hmac.new(self.secret, body, hashlib.sha256).digest()[:12]
        if not hmac.compare_digest(mac, expected):
            return None
        try:
            payload = json.loads(body)
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None
