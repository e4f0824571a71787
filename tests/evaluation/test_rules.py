from __future__ import annotations

import pytest

from app.evaluation.errors import ActionError
from app.evaluation.mappings import compile_mappings, effective_facts, evaluate
from app.evaluation.rules import (
    LicenseGrant,
    LicenseSpec,
    check_rule,
    compile_rules,
    evaluate_rules,
    format_license_value,
    parse_license_value,
    validate_rule,
    validate_rule_action,
)
from tests.evaluation.builders import EVERYONE, act, cond, mapping, rule, user

SKU_E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"
SKU_E5 = "c7df2760-2c81-4ef7-b578-5b5392b571df"


def run(rules, u=None):
    return evaluate_rules(compile_rules(rules), u or user())


def test_all_matching_rules_apply_and_union_licenses_and_groups():
    out = run(
        [
            rule(1, EVERYONE, (act("set_licenses", SKU_E3), act("set_groups", "g1", "g2"))),
            rule(2, cond("department", "equals", "x"), act("set_licenses", SKU_E5)),
            rule(3, EVERYONE, (act("set_licenses", SKU_E5), act("set_groups", "g2"))),
        ]
    )
    assert out.matched == (1, 3)
    assert set(out.licenses) == {SKU_E3, SKU_E5}
    assert out.groups == {"g1": (1,), "g2": (1, 3)}


def test_disabled_plans_intersect_across_rules():
    out = run(
        [
            rule(1, EVERYONE, act("set_licenses", f"{SKU_E3}:yammer,teams")),
            rule(2, EVERYONE, act("set_licenses", f"{SKU_E3}:teams,sway")),
        ]
    )
    assert out.licenses[SKU_E3] == LicenseGrant(frozenset({"teams"}), (1, 2))


def test_a_rule_granting_the_full_sku_enables_every_plan():
    out = run(
        [
            rule(1, EVERYONE, act("set_licenses", f"{SKU_E3}:yammer")),
            rule(2, EVERYONE, act("set_licenses", SKU_E3)),
        ]
    )
    assert out.licenses[SKU_E3].disabled_plans == frozenset()


def test_set_parameter_last_writer_wins():
    out = run(
        [
            rule(1, EVERYONE, act("set_parameter", "usageLocation", "US"), position=1),
            rule(2, EVERYONE, act("set_parameter", "usageLocation", "GB"), position=2),
        ]
    )
    assert out.parameters == {"usageLocation": ("GB", 2)}
    assert out.parameter_values() == {"usageLocation": "GB"}


def test_rules_see_effective_state_from_mappings():
    mappings = compile_mappings(
        [mapping(1, cond("member_of", "equals", "office 365"), act("add_role", "10"))]
    )
    rules = compile_rules([rule(1, cond("has_role", "equals", "10"), act("set_licenses", SKU_E3))])
    member = user(member_of=("Office 365",))
    outcome = evaluate(mappings, member)
    assert SKU_E3 in evaluate_rules(rules, effective_facts(member, outcome)).licenses
    assert evaluate_rules(rules, member).licenses == {}


def test_rules_are_sorted_and_disabled_ones_skipped():
    out = run(
        [
            rule(1, EVERYONE, act("set_parameter", "p", "one"), position=5),
            rule(2, EVERYONE, act("set_parameter", "p", "two"), position=1),
            rule(3, EVERYONE, act("set_parameter", "p", "three"), position=9, enabled=False),
        ]
    )
    assert out.matched == (2, 1)
    assert out.parameters["p"] == ("one", 1)


def test_guid_ids_are_lowercased_so_unions_do_not_duplicate():
    out = run(
        [
            rule(1, EVERYONE, act("set_licenses", SKU_E3.upper())),
            rule(2, EVERYONE, act("set_licenses", SKU_E3)),
        ]
    )
    assert list(out.licenses) == [SKU_E3]


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("sku1", LicenseSpec("sku1")),
        ("sku1:p1, p2", LicenseSpec("sku1", frozenset({"p1", "p2"}))),
        (f" {SKU_E3.upper()} ", LicenseSpec(SKU_E3)),
    ],
)
def test_license_value_round_trip(text, spec):
    assert parse_license_value(text) == spec
    assert parse_license_value(format_license_value(spec)) == spec


@pytest.mark.parametrize(
    ("action", "field", "fragment"),
    [
        (act("set_role", "1"), "action", "unknown action"),
        (act("set_licenses"), "value", "at least 1"),
        (act("set_licenses", ":p1"), "value[0]", "no sku id"),
        (act("set_licenses", "sku", "sku2:"), "value[1]", "no plans"),
        (act("set_groups", "g1", " "), "value[1]", "non-empty"),
        (act("set_parameter", "usageLocation"), "value", "exactly 2"),
    ],
)
def test_validate_rule_action_errors(action, field, fragment):
    with pytest.raises(ActionError) as info:
        validate_rule_action(action)
    assert info.value.field == field
    assert fragment in info.value.message


def test_validate_rule_nests_fields():
    with pytest.raises(ActionError) as info:
        validate_rule(rule(1, EVERYONE, (act("set_groups", "g"), act("set_licenses"))))
    assert info.value.field == "actions[1].value"


def test_check_rule_reports_will_be_mapped_and_grants():
    draft = rule(
        1,
        cond("distinguished_name", "equals", "josh ames"),
        (act("set_licenses", f"{SKU_E3}:yammer"), act("set_groups", "g1")),
        enabled=False,
    )
    josh = user(distinguished_name="Josh Ames")
    result = check_rule(draft, josh)
    assert result.will_be_mapped
    assert result.licenses == {SKU_E3: frozenset({"yammer"})}
    assert result.groups == ("g1",)
    other = check_rule(draft, user(distinguished_name="Jane Doe"))
    assert not other.will_be_mapped
    assert other.licenses == {}
