from __future__ import annotations

import pytest

from app.evaluation.conditions import (
    compile_condition,
    compile_conditions,
    condition_sources,
    operators_for,
    parse_list,
    validate_condition,
    validate_conditions,
)
from app.evaluation.errors import ConditionError
from app.evaluation.facts import Subject, UserFacts
from tests.evaluation.builders import cond, user


def check(c, u: UserFacts) -> bool:
    return compile_condition(c)(Subject.from_facts(u))


# --- text fields ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("equals", "SALES", True),
        ("equals", "Sales Ops", False),
        ("not_equals", "sales", False),
        ("not_equals", "marketing", True),
        ("contains", "ALE", True),
        ("contains", "xyz", False),
        ("not_contains", "ale", False),
        ("not_contains", "xyz", True),
        ("starts_with", "sa", True),
        ("starts_with", "les", False),
        ("ends_with", "LES", True),
        ("ends_with", "sa", False),
        ("matches", r"^s.l", True),
        ("matches", r"^l", False),
        ("in", "Marketing, sales ,HR", True),
        ("in", "Marketing, HR", False),
        ("exists", None, True),
        ("not_exists", None, False),
    ],
)
def test_text_operators_are_case_insensitive(operator: str, value: str | None, expected: bool):
    assert check(cond("department", operator, value), user(department="Sales")) is expected


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("equals", "sales", False),
        ("equals", "Sales", True),
        ("not_equals", "sales", True),
        ("contains", "ALE", False),
        ("starts_with", "Sa", True),
        ("ends_with", "ES", False),
        ("matches", "^sales$", False),
        ("matches", "^Sales$", True),
        ("in", "sales, HR", False),
        ("in", "Sales, HR", True),
    ],
)
def test_case_sensitive_flag(operator: str, value: str, expected: bool):
    c = cond("department", operator, value, case_sensitive=True)
    assert check(c, user(department="Sales")) is expected


def test_casefold_handles_more_than_lower():
    assert check(cond("lastname", "equals", "STRASSE"), user(lastname="Straße"))


@pytest.mark.parametrize("missing", [None, ""])
@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("exists", None, False),
        ("not_exists", None, True),
        ("equals", "x", False),
        ("not_equals", "x", True),
        ("contains", "x", False),
        ("not_contains", "x", True),
        ("starts_with", "x", False),
        ("ends_with", "x", False),
        ("matches", ".*", False),
        ("in", "x,y", False),
    ],
)
def test_missing_or_empty_value(missing, operator, value, expected):
    assert check(cond("title", operator, value), user(title=missing)) is expected


def test_field_absent_from_mapping_counts_as_missing():
    u = user()  # no "company" key at all
    assert check(cond("company", "not_exists"), u)
    assert not check(cond("company", "equals", "x"), u)


def test_condition_value_is_trimmed():
    assert check(cond("department", "equals", "  sales "), user(department="Sales"))


def test_regex_uses_search_not_fullmatch():
    u = user(distinguished_name="CN=Jane,OU=Finance,DC=contoso,DC=com")
    assert check(cond("distinguished_name", "matches", r"ou=(finance|legal),"), u)


def test_custom_attribute_source():
    u = user(custom={"cost_center": "CC900"})
    assert check(cond("custom_attributes.cost_center", "starts_with", "cc9"), u)
    assert check(cond("custom_attributes.other", "not_exists"), u)


# --- member_of -----------------------------------------------------------------------------

GROUPS = ("Office 365", "VPN Users", "Sales EMEA")


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("equals", "office 365", True),
        ("equals", "office", False),
        ("not_equals", "vpn users", False),
        ("not_equals", "Admins", True),
        ("contains", "emea", True),
        ("contains", "amer", False),
        ("not_contains", "vpn", False),
        ("not_contains", "admin", True),
        ("starts_with", "sales", True),
        ("ends_with", "users", True),
        ("ends_with", "office", False),
        ("matches", r"^sales (emea|amer)$", True),
        ("in", "Admins, vpn users", True),
        ("in", '["Admins", "Legal"]', False),
        ("exists", None, True),
        ("not_exists", None, False),
    ],
)
def test_member_of_any_element(operator, value, expected):
    assert check(cond("member_of", operator, value), user(member_of=GROUPS)) is expected


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("equals", "x", False),
        ("not_equals", "x", True),
        ("contains", "x", False),
        ("not_contains", "x", True),
        ("in", "x", False),
        ("exists", None, False),
        ("not_exists", None, True),
    ],
)
def test_member_of_empty(operator, value, expected):
    assert check(cond("member_of", operator, value), user(member_of=())) is expected


def test_member_of_case_sensitive_equals_and_in():
    u = user(member_of=GROUPS)
    assert not check(cond("member_of", "equals", "office 365", case_sensitive=True), u)
    assert check(cond("member_of", "equals", "Office 365", case_sensitive=True), u)
    assert check(cond("member_of", "in", "x, VPN Users", case_sensitive=True), u)
    assert not check(cond("member_of", "in", "vpn users", case_sensitive=True), u)


# --- has_role and group --------------------------------------------------------------------


def test_has_role():
    u = user(roles={3, 7})
    assert check(cond("has_role", "equals", "7"), u)
    assert not check(cond("has_role", "equals", "8"), u)
    assert check(cond("has_role", "not_equals", "8"), u)
    assert check(cond("has_role", "in", "1, 3"), u)
    assert not check(cond("has_role", "in", "[1, 2]"), u)


def test_group():
    u = user(group_id=4)
    assert check(cond("group", "equals", "4"), u)
    assert check(cond("group", "not_equals", "5"), u)
    assert check(cond("group", "in", "[3, 4]"), u)
    assert check(cond("group", "exists"), u)
    assert not check(cond("group", "not_exists"), u)
    none = user(group_id=None)
    assert not check(cond("group", "equals", "4"), none)
    assert check(cond("group", "not_equals", "4"), none)
    assert check(cond("group", "not_exists"), none)


# --- in lists ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("a, b ,c", ("a", "b", "c")),
        ('["a", " b "]', ("a", "b")),
        ("['a', 'b']", ("a", "b")),
        ("[a, b]", ("a", "b")),
        ("a,,b,", ("a", "b")),
        ("[1, 2]", ("1", "2")),
    ],
)
def test_parse_list(text, items):
    assert parse_list(text) == items


# --- combining -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3])
def test_match_all_and_any(n: int):
    u = user(department="Sales", title="Manager", country="US")
    hits = [cond("department", "equals", "sales"), cond("title", "equals", "manager")][: n - 1]
    conds = [*hits, cond("country", "equals", "GB")]
    s = Subject.from_facts(u)
    assert compile_conditions(conds, "all")(s) is False
    assert compile_conditions(conds, "any")(s) is True
    assert compile_conditions(hits, "all")(s) is True


def test_match_any_all_false():
    s = Subject.from_facts(user(department="HR"))
    conds = [cond("department", "equals", "sales")] * 3
    assert compile_conditions(conds, "any")(s) is False


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "field", "fragment"),
    [
        (cond("shoe_size", "equals", "9"), "source", "unknown source"),
        (cond("custom_attributes.", "equals", "9"), "source", "needs a name"),
        (cond("department", "bigger_than", "9"), "operator", "not allowed"),
        (cond("has_role", "contains", "9"), "operator", "not allowed"),
        (cond("group", "matches", "9"), "operator", "not allowed"),
        (cond("has_role", "exists"), "operator", "not allowed"),
        (cond("title", "matches", "(unclosed"), "value", "invalid regular expression"),
        (cond("title", "equals", None), "value", "needs a value"),
        (cond("title", "equals", "   "), "value", "needs a value"),
        (cond("title", "exists", "yes"), "value", "takes no value"),
        (cond("title", "in", " , ,"), "value", "at least one item"),
        (cond("has_role", "equals", "admin"), "value", "integer id"),
        (cond("group", "in", "1, two"), "value", "integer id"),
        (cond("title", "in", "[true]"), "value", "list items"),
    ],
)
def test_validate_condition_errors(condition, field, fragment):
    with pytest.raises(ConditionError) as info:
        validate_condition(condition)
    assert info.value.field == field
    assert fragment in info.value.message
    with pytest.raises(ConditionError):
        compile_condition(condition)


def test_exists_accepts_empty_string_value():
    c = cond("title", "exists", "")
    validate_condition(c)  # an editor may send "" for the unused value: not an error
    # ...and the empty value is ignored: it is still a plain "exists".
    assert check(c, user(title="Engineer")) is True
    assert check(c, user(title="")) is False


def test_validate_conditions_nests_field_and_rejects_empty():
    with pytest.raises(ConditionError) as info:
        validate_conditions([cond("title", "exists"), cond("title", "equals")])
    assert info.value.field == "conditions[1].value"
    with pytest.raises(ConditionError) as empty:
        validate_conditions([])
    assert empty.value.field == "conditions"
    with pytest.raises(ConditionError) as bad_match:
        compile_conditions([cond("title", "exists")], "most")
    assert bad_match.value.field == "match"


# --- catalog -------------------------------------------------------------------------------


def test_condition_sources_catalog():
    sources = condition_sources(["cost_center", "badge", "cost_center"])
    names = [s.name for s in sources]
    assert names[:2] == ["username", "email"]
    assert "custom_attributes.badge" in names
    assert names.count("custom_attributes.cost_center") == 1
    kinds = {s.name: s.kind for s in sources}
    assert kinds["member_of"] == "list"
    assert kinds["has_role"] == "role"
    assert kinds["group"] == "group"


def test_operators_for():
    assert [o.name for o in operators_for("has_role")] == ["equals", "not_equals", "in"]
    group_ops = {o.name: o.needs_value for o in operators_for("group")}
    assert group_ops == {
        "equals": True,
        "not_equals": True,
        "in": True,
        "exists": False,
        "not_exists": False,
    }
    assert len(operators_for("custom_attributes.x")) == 10
    with pytest.raises(ConditionError):
        operators_for("nope")
