"""The generated evaluator (``evaluate``) against the closure-based one (``evaluate_reference``).

The generated function re-implements every operator as inline source, so it is checked
exhaustively over the operator grid (including case-sensitive variants and role/group
conditions the naive-interpreter tests do not cover) and on random mapping lists whose
actions feed later conditions.
"""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from app.evaluation.actions import Action
from app.evaluation.conditions import TEXT_OPERATORS, Condition
from app.evaluation.facts import USER_FIELDS, UserFacts
from app.evaluation.mappings import Mapping, compile_mappings, evaluate, evaluate_reference
from tests.evaluation.test_properties import GRID_USERS, GRID_VALUES

WORDS = ["sales", "Sales", "HR", "Office 365", "vpn", "ß", "SS", "", "x", "Straße"]
ATTRS = ["region", "badge"]
ROLE_IDS = st.integers(1, 5)
GROUP_IDS = st.integers(1, 3)


def agree(mappings: list[Mapping], users: list[UserFacts]) -> int:
    compiled = compile_mappings(mappings)
    assert compiled.evaluator is not None
    for user in users:
        assert evaluate(compiled, user) == evaluate_reference(compiled, user), (mappings, user)
    return len(users)


def one(condition: Condition, *before: Mapping) -> list[Mapping]:
    return [*before, Mapping(99, "m", True, "all", 99, (condition,), (Action("add_role", ("1",)),))]


def test_every_text_operator_and_case_mode_agrees_with_the_reference():
    checked = 0
    for source in ("department", "member_of", "custom_attributes.region"):
        for op in TEXT_OPERATORS:
            for value in [None] if op.endswith("exists") else GRID_VALUES:
                for case_sensitive in (False, True):
                    condition = Condition(source, op, value, case_sensitive)
                    checked += agree(one(condition), GRID_USERS)
    assert checked == 3 * (8 * len(GRID_VALUES) + 2) * 2 * len(GRID_USERS)


ROLE_GROUP_USERS = [
    UserFacts(i, {"username": "u"}, (), {}, frozenset(roles), group)
    for i, (roles, group) in enumerate(
        [((), None), ((1,), None), ((2, 3), 1), ((3,), 2), ((), 3), ((1, 2, 3), 2)]
    )
]
ROLE_GROUP_CONDITIONS = [
    *(Condition("has_role", op, v) for op in ("equals", "not_equals") for v in ("1", "3")),
    Condition("has_role", "in", "1, 3"),
    Condition("has_role", "in", "[4]"),
    *(Condition("group", op, v) for op in ("equals", "not_equals") for v in ("1", "2")),
    Condition("group", "in", "2,3"),
    Condition("group", "exists"),
    Condition("group", "not_exists"),
]
EVERYONE = (Condition("username", "exists"),)
EARLIER = [
    [],
    [Mapping(1, "a", True, "all", 1, EVERYONE, (Action("add_role", ("3", "4")),))],
    [Mapping(1, "s", True, "all", 1, EVERYONE, (Action("set_role", ("2",)),))],
    [Mapping(1, "g", True, "all", 1, EVERYONE, (Action("set_group", ("1",)),))],
    [
        Mapping(1, "a", True, "all", 1, EVERYONE, (Action("add_role", ("1",)),)),
        Mapping(2, "s", True, "all", 2, EVERYONE, (Action("set_role", ("4",)),)),
    ],
]


def test_role_and_group_conditions_see_the_same_state_as_the_reference():
    checked = 0
    for condition in ROLE_GROUP_CONDITIONS:
        for before in EARLIER:
            checked += agree(one(condition, *before), ROLE_GROUP_USERS)
    assert checked == len(ROLE_GROUP_CONDITIONS) * len(EARLIER) * len(ROLE_GROUP_USERS)


def test_set_attribute_is_seen_by_later_conditions_in_both_case_modes():
    for value in ("EMEA", "emea", ""):
        for case_sensitive in (False, True):
            for op in ("equals", "exists", "not_exists", "matches"):
                later = Condition(
                    "custom_attributes.region",
                    op,
                    None if op.endswith("exists") else "emea",
                    case_sensitive,
                )
                writer = Mapping(
                    1, "w", True, "all", 1, EVERYONE, (Action("set_attribute", ("region", value)),)
                )
                agree(one(later, writer), [*GRID_USERS, *ROLE_GROUP_USERS])


def test_hostile_strings_stay_out_of_the_generated_source():
    payload = "x') or __import__('os').system('false') or ('"
    mappings = [
        Mapping(
            1,
            payload,
            True,
            "any",
            1,
            (
                Condition("department", "equals", payload),
                Condition(f"custom_attributes.{payload}", "contains", payload, True),
                Condition("member_of", "in", f'["{payload}", "a\\"b"]'),
            ),
            (Action("set_attribute", (payload, payload)), Action("add_role", ("7",))),
        )
    ]
    compiled = compile_mappings(mappings)
    assert compiled.evaluator is not None
    code = compiled.evaluator.__code__
    assert not any(isinstance(c, str) and "import" in c for c in code.co_consts)
    hit = UserFacts(1, {"department": payload}, (), {}, frozenset(), None)
    assert evaluate(compiled, hit) == evaluate_reference(compiled, hit)
    assert evaluate(compiled, hit).attributes == {payload: payload}


def test_compiled_mappings_without_a_generated_evaluator_fall_back_to_the_reference():
    compiled = compile_mappings(one(Condition("department", "equals", "sales")))
    plain = dataclasses.replace(compiled, evaluator=None)
    for user in GRID_USERS:
        assert evaluate(plain, user) == evaluate(compiled, user)


def test_no_mappings_gives_fresh_empty_outcomes():
    compiled = compile_mappings([])
    first = evaluate(compiled, GRID_USERS[0])
    assert first == evaluate_reference(compiled, GRID_USERS[0])
    assert first.granted_roles is not evaluate(compiled, GRID_USERS[0]).granted_roles


# --- random mapping lists ------------------------------------------------------------------

users = st.builds(
    UserFacts,
    id=st.integers(1, 10_000),
    fields=st.dictionaries(st.sampled_from(USER_FIELDS), st.none() | st.sampled_from(WORDS)),
    member_of=st.lists(st.sampled_from(WORDS), max_size=4).map(tuple),
    custom_attributes=st.dictionaries(st.sampled_from(ATTRS), st.sampled_from(WORDS)),
    role_ids=st.frozensets(ROLE_IDS, max_size=3),
    group_id=st.none() | GROUP_IDS,
)
text_sources = st.sampled_from(
    ["department", "title", "member_of", *(f"custom_attributes.{a}" for a in ATTRS)]
)
valued_ops = st.sampled_from([op for op in TEXT_OPERATORS if not op.endswith("exists")])
values = st.sampled_from([*(w for w in WORDS if w), "sales, hr", '["SS", "vpn"]', "^s", "e$"])
ids = st.lists(ROLE_IDS.map(str), min_size=1, max_size=3).map(", ".join)
conditions = st.one_of(
    st.builds(Condition, text_sources, valued_ops, values, st.booleans()),
    st.builds(Condition, text_sources, st.sampled_from(["exists", "not_exists"]),
              st.just(None), st.booleans()),
    st.builds(Condition, st.just("has_role"), st.sampled_from(["equals", "not_equals"]),
              ROLE_IDS.map(str)),
    st.builds(Condition, st.just("has_role"), st.just("in"), ids),
    st.builds(Condition, st.just("group"), st.sampled_from(["equals", "not_equals", "in"]),
              GROUP_IDS.map(str)),
    st.builds(Condition, st.just("group"), st.sampled_from(["exists", "not_exists"])),
)  # fmt: skip
mapping_actions = st.one_of(
    st.builds(Action, st.sampled_from(["set_role", "add_role"]),
              st.lists(ROLE_IDS.map(str), min_size=1, max_size=3).map(tuple)),
    st.builds(Action, st.just("set_group"), GROUP_IDS.map(lambda g: (str(g),))),
    st.builds(Action, st.just("set_attribute"),
              st.tuples(st.sampled_from(ATTRS), st.sampled_from(WORDS))),
)  # fmt: skip


@st.composite
def mapping_lists(draw: st.DrawFn) -> list[Mapping]:
    n = draw(st.integers(0, 8))
    mids = draw(st.lists(st.integers(1, 1000), min_size=n, max_size=n, unique=True))
    return [
        Mapping(
            id=mid,
            name=f"m{mid}",
            enabled=draw(st.booleans()),
            match=draw(st.sampled_from(["all", "any"])),
            position=draw(st.integers(0, 5)),
            conditions=tuple(draw(st.lists(conditions, min_size=1, max_size=3))),
            actions=tuple(draw(st.lists(mapping_actions, min_size=1, max_size=3))),
        )
        for mid in mids
    ]


@settings(max_examples=300, deadline=None)
@given(user_list=st.lists(users, min_size=1, max_size=5), mappings=mapping_lists())
def test_generated_evaluation_agrees_with_the_reference(user_list, mappings):
    agree(mappings, user_list)
