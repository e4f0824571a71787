"""SCIM filters (parsed by scim2-models) turned into SQL conditions on our tables.

Only attributes with a column behind them are filterable; anything else is `invalidFilter`
rather than an in-memory scan, so a filter never silently turns into reading every row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scim2_models import Group as GroupResource
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterNode,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from sqlalchemy import and_, false, func, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.api.ids import parse_id
from app.inputs import email_key, normalized
from app.models import ScimGroup, User, UserStatus
from app.scim.catalog import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, ScimUser
from app.scim.repository import has_member
from app.scim.resources import EMPLOYEE_NUMBER, MANAGER

Op = CompareOperator
Clause = ColumnElement[bool]


@dataclass(frozen=True)
class Column:
    """How one SCIM attribute reads in SQL."""

    expr: Any
    # text, folded (case-insensitive text), identifier (folded, stored in NFKC: a username),
    # email (an identifier stored as email-validator normalizes it), int, bool, date, const
    kind: str = "text"
    # For kind "const": the only value the attribute ever has (our single email is "work").
    constant: Any = None


def _custom(name: str) -> Any:
    return col(User.custom_attributes)[name].as_string()


_USER_COLUMNS: dict[str, Column] = {
    "id": Column(User.id, "int"),
    "externalid": Column(User.external_id),
    "username": Column(User.username_lower, "identifier"),
    "displayname": Column(func.lower(User.display_name), "folded"),
    "title": Column(func.lower(User.title), "folded"),
    "name.givenname": Column(func.lower(User.firstname), "folded"),
    "name.familyname": Column(func.lower(User.lastname), "folded"),
    "emails": Column(User.email_lower, "email"),
    "emails.value": Column(User.email_lower, "email"),
    "emails.type": Column(None, "const", "work"),
    "emails.primary": Column(None, "const", True),
    "phonenumbers": Column(User.phone),
    "phonenumbers.value": Column(User.phone),
    "addresses.country": Column(func.lower(User.country), "folded"),
    "active": Column(User.status, "bool"),
    "meta.created": Column(User.created_at, "date"),
    "meta.lastmodified": Column(User.updated_at, "date"),
    "ent:department": Column(func.lower(User.department), "folded"),
    "ent:organization": Column(func.lower(User.company), "folded"),
    "ent:employeenumber": Column(func.lower(_custom(EMPLOYEE_NUMBER)), "folded"),
    "ent:manager": Column(_custom(MANAGER)),
    "ent:manager.value": Column(_custom(MANAGER)),
}

_GROUP_COLUMNS: dict[str, Column] = {
    "id": Column(ScimGroup.id),
    "externalid": Column(ScimGroup.external_id),
    "displayname": Column(ScimGroup.display_name_lower, "identifier"),
    "meta.created": Column(ScimGroup.created_at, "date"),
    "meta.lastmodified": Column(ScimGroup.updated_at, "date"),
}


def _key(uri: str | None, attr: str, sub: str | None, prefix: str) -> str:
    name = f"{attr}.{sub}" if sub else attr
    if prefix:
        name = f"{prefix}.{name}"
    uri = (uri or "").lower()
    if uri == ENTERPRISE_SCHEMA.lower():
        return "ent:" + name.lower()
    if uri in ("", USER_SCHEMA.lower(), GROUP_SCHEMA.lower()):
        return name.lower()
    return f"{uri}:{name.lower()}"


class _SqlVisitor(FilterVisitor[Clause]):
    def __init__(
        self,
        columns: dict[str, Column],
        special: Callable[[str, Comparison], Clause | None],
        prefix: str = "",
        prefix_uri: str | None = None,
    ) -> None:
        self.columns = columns
        self.special = special
        self.prefix = prefix
        self.prefix_uri = prefix_uri

    def _column(self, node: Comparison | Present) -> tuple[str, Column]:
        path = node.attr_path
        key = _key(path.uri or self.prefix_uri, path.attr, path.sub_attr, self.prefix)
        column = self.columns.get(key)
        if column is None:
            raise InvalidFilterException(detail=f"Filtering on '{path}' is not supported.")
        return key, column

    def visit_logical_expr(self, node: LogicalExpr) -> Clause:
        terms = [self.visit(t) for t in node.terms]
        return and_(*terms) if node.op == LogicalOperator.and_ else or_(*terms)

    def visit_not(self, node: Not) -> Clause:
        return not_(self.visit(node.expr))

    def visit_value_path(self, node: ValuePath) -> Clause:
        path = node.attr_path
        inner = _SqlVisitor(self.columns, self.special, path.attr, path.uri)
        return inner.visit(node.val_filter)

    def visit_present(self, node: Present) -> Clause:
        _, column = self._column(node)
        if column.kind in ("const", "bool"):
            return true()
        clause: Clause = column.expr.is_not(None)
        if column.kind in ("text", "folded", "identifier", "email"):
            clause = and_(clause, column.expr != "")
        return clause

    def visit_comparison(self, node: Comparison) -> Clause:
        path = node.attr_path
        key = _key(path.uri or self.prefix_uri, path.attr, path.sub_attr, self.prefix)
        special = self.special(key, node)
        if special is not None:
            return special
        _, column = self._column(node)
        return _compare(column, node.op, node.value, str(path))


def _compare(column: Column, op: Op, value: Any, name: str) -> Clause:
    # `column.expr` is an ORM attribute or a SQL function, typed Any, so mypy sees the result of
    # an operator on it as Any; each such result is a SQL boolean, hence the `Clause` locals.
    if column.kind == "const":
        if op not in (Op.eq, Op.ne):
            raise InvalidFilterException(detail=f"'{name}' supports eq and ne only.")
        matches = str(value).lower() == str(column.constant).lower()
        return true() if matches == (op == Op.eq) else false()
    if column.kind == "bool":
        if op not in (Op.eq, Op.ne) or not isinstance(value, bool):
            raise InvalidFilterException(detail=f"'{name}' compares with eq/ne true or false.")
        active: Clause = column.expr != UserStatus.suspended
        return active if value == (op == Op.eq) else not_(active)
    if column.kind == "int":
        if op not in (Op.eq, Op.ne):
            raise InvalidFilterException(detail=f"'{name}' supports eq and ne only.")
        number = parse_id(value)
        if number is None:  # no id we could hold: nothing has it
            return false() if op == Op.eq else true()
        exact: Clause = column.expr == number if op == Op.eq else column.expr != number
        return exact
    if column.kind == "date":
        return _ordered(column.expr, op, _as_datetime(value, name), name)
    if not isinstance(value, str):
        raise InvalidFilterException(detail=f"'{name}' compares with a string.")
    text = _folded(column.kind, op, value)
    expr = column.expr
    matcher: Clause
    if op == Op.co:
        matcher = expr.contains(text, autoescape=True)
    elif op == Op.sw:
        matcher = expr.startswith(text, autoescape=True)
    elif op == Op.ew:
        matcher = expr.endswith(text, autoescape=True)
    else:
        matcher = _ordered(expr, op, text, name)
    return matcher


def _folded(kind: str, op: Op, value: str) -> str:
    """The value as the column holds it: lowercased for a folded column; an identifier's in
    NFKC first, as it was stored (`josh` in fullwidth letters is `josh`); an address compared
    whole in the form its column holds (`app.inputs.email_key`: an IDNA domain in Unicode),
    as `GET /users?email=` and the uniqueness check on create compare it."""
    if kind == "email" and op not in (Op.co, Op.sw, Op.ew):
        return email_key(value)  # a whole address (ordering too), not a part of one
    if kind in ("identifier", "email"):
        return normalized(value).lower()
    return value.lower() if kind == "folded" else value


def _ordered(expr: Any, op: Op, value: Any, name: str) -> Clause:
    # `expr` is Any (see `_compare`); every branch builds a SQL boolean.
    if op == Op.eq:
        equal: Clause = expr == value
        return equal
    if op == Op.ne:
        # A missing value is "not equal" too (RFC 7644 3.4.2.2).
        return or_(expr.is_(None), expr != value)
    ordering = {Op.gt: "__gt__", Op.ge: "__ge__", Op.lt: "__lt__", Op.le: "__le__"}
    if op not in ordering:
        raise InvalidFilterException(detail=f"'{name}' does not support '{op.value}'.")
    ordered: Clause = getattr(expr, ordering[op])(value)
    return ordered


def _as_datetime(value: Any, name: str) -> datetime:
    try:
        when = (
            value
            if isinstance(value, datetime)
            else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        )
        # In UTC, as the API's timestamps are (`app.api.timestamps`): SQLite keeps no offset.
        # Year 1 at +14:00 is no date-time in UTC: an OverflowError, a 500 unless caught.
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidFilterException(
            detail=f"'{name}' compares with a dateTime (in UTC, in the years 1 to 9999)."
        ) from None


# More comparisons than any client sends: a flat chain of a thousand `or`s is an expression
# deeper than SQLite evaluates (its limit is 1000), and a cost to anyone's database.
MAX_CONDITIONS = 200
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMPARISON = re.compile(r"\s(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s|\spr\b", re.IGNORECASE)


def _parse(text: str, model: Any) -> FilterNode:
    conditions = len(_COMPARISON.findall(" " + _QUOTED.sub('""', text)))
    if conditions > MAX_CONDITIONS:
        raise InvalidFilterException(
            detail=f"The filter has {conditions} conditions; at most {MAX_CONDITIONS} are allowed."
        )
    try:
        return ScimFilter[model](text).ast
    except InvalidFilterException:
        raise
    except Exception as exc:  # the grammar reports some errors as ValueError
        raise InvalidFilterException(detail=str(exc)) from None


def user_filter(text: str) -> Clause:
    return _SqlVisitor(_USER_COLUMNS, lambda _k, _n: None).visit(_parse(text, ScimUser))


def group_filter(text: str, postgres: bool) -> Clause:
    def members(key: str, node: Comparison) -> Clause | None:
        if key not in ("members", "members.value"):
            return None
        if node.op != Op.eq:
            raise InvalidFilterException(detail="'members' supports eq only.")
        user_id = parse_id(node.value)
        if user_id is None:
            return false()
        return has_member(user_id, postgres)

    return _SqlVisitor(_GROUP_COLUMNS, members).visit(_parse(text, GroupResource))
