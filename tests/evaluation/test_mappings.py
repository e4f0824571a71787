from __future__ import annotations

import pytest

from app.evaluation.errors import ActionError, ConditionError
from app.evaluation.mappings import (
    EMPTY_OUTCOME,
    MappingOutcome,
    compile_mappings,
    dry_run,
    dry_run_mapping,
    effective_facts,
    evaluate,
    validate_mapping,
    validate_mapping_action,
)
from tests.evaluation.builders import EVERYONE, act, cond, mapping, user


def run(mappings, u=None) -> MappingOutcome:
    return evaluate(compile_mappings(mappings), u or user())


# --- actions -------------------------------------------------------------------------------


def test_add_role_grants_with_provenance():
    out = run([mapping(1, EVERYONE, act("add_role", "10", "11"))])
    assert out.granted_roles == {10: 1, 11: 1}
    assert out.matched == (1,)


def test_add_role_keeps_first_provenance():
    out = run(
        [
            mapping(1, EVERYONE, act("add_role", "10")),
            mapping(2, EVERYONE, act("add_role", "10", "12")),
        ]
    )
    assert out.granted_roles == {10: 1, 12: 2}


def test_set_role_replaces_earlier_grants():
    out = run(
        [
            mapping(1, EVERYONE, act("add_role", "10")),
            mapping(2, EVERYONE, act("set_role", "20")),
            mapping(3, EVERYONE, act("add_role", "21")),
        ]
    )
    assert out.granted_roles == {20: 2, 21: 3}


def test_set_role_never_strips_manual_roles():
    u = user(roles={5})
    out = run(
        [
            mapping(1, EVERYONE, act("set_role", "20")),
            mapping(2, cond("has_role", "equals", "5"), act("add_role", "21")),
        ],
        u,
    )
    assert out.granted_roles == {20: 1, 21: 2}
    assert effective_facts(u, out).role_ids == frozenset({5, 20, 21})


def test_actions_within_a_mapping_apply_in_order():
    out = run([mapping(1, EVERYONE, (act("add_role", "10"), act("set_role", "20")))])
    assert out.granted_roles == {20: 1}


def test_last_matching_set_group_wins():
    out = run(
        [
            mapping(1, EVERYONE, act("set_group", "3")),
            mapping(2, cond("department", "equals", "nobody"), act("set_group", "4")),
            mapping(3, EVERYONE, act("set_group", "5")),
        ]
    )
    assert (out.group_id, out.group_mapping_id) == (5, 3)


def test_set_attribute_last_writer_wins():
    out = run(
        [
            mapping(1, EVERYONE, act("set_attribute", "region", "EMEA")),
            mapping(2, EVERYONE, act("set_attribute", "region", "AMER")),
        ]
    )
    assert out.attributes == {"region": "AMER"}


def test_no_match_gives_empty_outcome():
    out = run([mapping(1, cond("department", "equals", "x"), act("add_role", "1"))])
    assert out == EMPTY_OUTCOME


# --- ordering and chaining -----------------------------------------------------------------


def test_positions_order_evaluation_not_list_order():
    ms = [
        mapping(1, EVERYONE, act("set_group", "1"), position=20),
        mapping(2, EVERYONE, act("set_group", "2"), position=10),
    ]
    out = run(ms)
    assert out.matched == (2, 1)
    assert out.group_id == 1


def test_equal_positions_break_ties_by_id():
    ms = [
        mapping(9, EVERYONE, act("set_group", "9"), position=0),
        mapping(3, EVERYONE, act("set_group", "3"), position=0),
    ]
    assert run(ms).matched == (3, 9)


def test_disabled_mappings_are_skipped():
    out = run([mapping(1, EVERYONE, act("add_role", "10"), enabled=False)])
    assert out.matched == ()


def test_later_mapping_sees_role_granted_earlier():
    ms = [
        mapping(1, cond("member_of", "contains", "office"), act("add_role", "10")),
        mapping(2, cond("has_role", "equals", "10"), act("set_group", "7")),
    ]
    assert run(ms, user(member_of=("Office 365",))).group_id == 7
    assert run(ms, user(member_of=("Other",))).group_id is None


def test_earlier_mapping_does_not_see_later_grants():
    ms = [
        mapping(1, cond("has_role", "equals", "10"), act("set_group", "7")),
        mapping(2, EVERYONE, act("add_role", "10")),
    ]
    assert run(ms).group_id is None


def test_role_removed_by_set_role_is_not_seen_later():
    ms = [
        mapping(1, EVERYONE, act("add_role", "10")),
        mapping(2, EVERYONE, act("set_role", "20")),
        mapping(3, cond("has_role", "equals", "10"), act("set_group", "7")),
    ]
    assert run(ms).group_id is None


def test_later_mapping_sees_group_and_attribute_set_earlier():
    ms = [
        mapping(1, EVERYONE, (act("set_group", "4"), act("set_attribute", "region", "EMEA"))),
        mapping(
            2,
            (cond("group", "equals", "4"), cond("custom_attributes.region", "equals", "emea")),
            act("add_role", "30"),
        ),
    ]
    assert run(ms).granted_roles == {30: 2}


def test_manual_group_counts_until_a_mapping_sets_one():
    ms = [
        mapping(1, cond("group", "equals", "2"), act("add_role", "10")),
        mapping(2, EVERYONE, act("set_group", "3")),
        mapping(3, cond("group", "equals", "2"), act("add_role", "11")),
    ]
    out = run(ms, user(group_id=2))
    assert out.granted_roles == {10: 1}


def test_empty_attribute_value_clears_for_later_mappings():
    ms = [
        mapping(1, EVERYONE, act("set_attribute", "badge", "")),
        mapping(2, cond("custom_attributes.badge", "exists"), act("add_role", "10")),
    ]
    u = user(custom={"badge": "B1"})
    out = run(ms, u)
    assert out.granted_roles == {}
    assert "badge" not in effective_facts(u, out).custom_attributes


# --- effective facts -----------------------------------------------------------------------


def test_effective_facts_merges_outcome():
    u = user(roles={1}, group_id=2, custom={"a": "own", "b": "own"})
    out = MappingOutcome({5: 9}, 7, 9, {"b": "mapped", "c": "new"}, (9,))
    eff = effective_facts(u, out)
    assert eff.role_ids == frozenset({1, 5})
    assert eff.group_id == 7
    assert eff.custom_attributes == {"a": "own", "b": "mapped", "c": "new"}
    assert effective_facts(u, EMPTY_OUTCOME).group_id == 2


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "field", "fragment"),
    [
        (act("grant_app", "1"), "action", "unknown action"),
        (act("set_role"), "value", "at least 1"),
        (act("add_role", "admin"), "value[0]", "integer ids"),
        (act("set_group", "1", "2"), "value", "exactly 1"),
        (act("set_group"), "value", "exactly 1"),
        (act("set_attribute", "only-name"), "value", "exactly 2"),
        (act("set_attribute", " ", "v"), "value[0]", "non-empty name"),
    ],
)
def test_validate_mapping_action_errors(action, field, fragment):
    with pytest.raises(ActionError) as info:
        validate_mapping_action(action)
    assert info.value.field == field
    assert fragment in info.value.message


def test_validate_mapping_nests_fields():
    with pytest.raises(ActionError) as info:
        validate_mapping(mapping(1, EVERYONE, (act("add_role", "1"), act("set_group", "x"))))
    assert info.value.field == "actions[1].value[0]"
    with pytest.raises(ActionError) as none:
        validate_mapping(mapping(1, EVERYONE, ()))
    assert none.value.field == "actions"
    with pytest.raises(ConditionError) as bad:
        compile_mappings([mapping(1, cond("title", "matches", "("), act("add_role", "1"))])
    assert bad.value.field == "conditions[0].value"


def test_invalid_disabled_mapping_does_not_block_compilation():
    ms = [mapping(1, cond("title", "matches", "("), act("add_role", "1"), enabled=False)]
    assert compile_mappings(ms).mappings == ()


# --- dry runs ------------------------------------------------------------------------------


def test_dry_run_against_previous_outcome():
    compiled = compile_mappings(
        [
            mapping(1, EVERYONE, (act("add_role", "10"), act("set_group", "4"))),
            mapping(2, EVERYONE, act("set_attribute", "region", "EMEA")),
        ]
    )
    previous = MappingOutcome({11: 1}, 3, 1, {"region": "AMER", "old": "x"}, (1,))
    result = dry_run(compiled, user(), previous)
    assert result.will_be_mapped
    summary = [(c.kind, c.key, c.before, c.after) for c in result.changes]
    assert summary == [
        ("role_added", "10", None, "10"),
        ("role_removed", "11", "11", None),
        ("group_changed", "group", "3", "4"),
        ("attribute_changed", "old", "x", None),
        ("attribute_changed", "region", "AMER", "EMEA"),
    ]
    assert result.changes[0].mapping_id == 1
    assert all(c.message for c in result.changes)


def test_dry_run_without_previous_and_without_match():
    compiled = compile_mappings([mapping(1, cond("title", "equals", "x"), act("add_role", "1"))])
    result = dry_run(compiled, user())
    assert not result.will_be_mapped
    assert result.changes == ()


def test_dry_run_same_outcome_has_no_changes():
    compiled = compile_mappings([mapping(1, EVERYONE, act("add_role", "10"))])
    first = evaluate(compiled, user())
    assert dry_run(compiled, user(), first).changes == ()


def test_dry_run_mapping_checks_a_disabled_draft_in_context():
    existing = [mapping(1, cond("member_of", "equals", "staff"), act("add_role", "10"))]
    draft = mapping(2, cond("has_role", "equals", "10"), act("add_role", "20"), enabled=False)
    staff, other = user(id=1, member_of=("Staff",)), user(id=2)
    results = dry_run_mapping(existing, draft, [staff, other])
    assert [r.will_be_mapped for r in results] == [True, False]
    assert [(c.kind, c.key) for c in results[0].changes] == [("role_added", "20")]
    assert results[1].changes == ()


def test_dry_run_mapping_overridden_grant_shows_no_change():
    existing = [mapping(5, EVERYONE, act("set_role", "30"))]
    candidate = mapping(2, EVERYONE, act("add_role", "20"))
    [result] = dry_run_mapping(existing, candidate, [user()])
    assert result.will_be_mapped
    assert result.changes == ()


def test_dry_run_mapping_replaces_stored_version():
    stored = mapping(1, EVERYONE, act("add_role", "10"))
    edited = mapping(1, EVERYONE, act("add_role", "11"))
    [result] = dry_run_mapping([stored], edited, [user()])
    assert result.outcome.granted_roles == {11: 1}
