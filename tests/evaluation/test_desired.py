from __future__ import annotations

import json

from app.evaluation.desired import DesiredState, Plan, diff
from app.evaluation.rules import LicenseGrant, RuleOutcome


def state(attributes=None, licenses=None, groups=(), enabled=True) -> DesiredState:
    return DesiredState(
        attributes=dict(attributes or {"displayName": "Jane"}),
        licenses={k: frozenset(v) for k, v in (licenses or {}).items()},
        groups=frozenset(groups),
        enabled=enabled,
    )


def test_create_when_nothing_applied():
    plan = diff(state({"displayName": "Jane", "mail": "j@x"}, {"e3": {"p"}}, {"g2", "g1"}), None)
    assert plan.action == "create"
    assert plan.attributes_changed == {"displayName": "Jane", "mail": "j@x"}
    assert plan.licenses_add == {"e3": frozenset({"p"})}
    assert plan.groups_add == ["g1", "g2"]


def test_disabled_user_never_provisioned_is_not_created():
    plan = diff(state(enabled=False), None)
    assert plan.action == "none"
    assert not plan.has_changes


def test_unchanged_state_gives_no_plan():
    assert diff(state(), state()).action == "none"


def test_update_lists_only_differences_and_clears_removed_attributes():
    applied = state({"displayName": "Jane", "jobTitle": "Dev", "department": "R&D"})
    desired = state({"displayName": "Jane", "jobTitle": "Lead"})
    plan = diff(desired, applied)
    assert plan.action == "update"
    assert plan.attributes_changed == {"department": None, "jobTitle": "Lead"}


def test_license_and_group_changes():
    applied = state(licenses={"e3": {"yammer"}, "visio": set()}, groups={"g1", "g2"})
    desired = state(licenses={"e3": set(), "e5": set()}, groups={"g2", "g3"})
    plan = diff(desired, applied)
    assert plan.action == "update"
    assert plan.licenses_add == {"e3": frozenset(), "e5": frozenset()}
    assert plan.licenses_remove == ["visio"]
    assert plan.groups_add == ["g3"]
    assert plan.groups_remove == ["g1"]


def test_suspend_and_reactivate():
    assert diff(state(enabled=False), state()).action == "suspend"
    plan = diff(state({"displayName": "J2"}), state(enabled=False))
    assert plan.action == "reactivate"
    assert plan.attributes_changed == {"displayName": "J2"}


def test_attribute_changes_on_a_suspended_user_are_an_update():
    assert (
        diff(state({"displayName": "J2"}, enabled=False), state(enabled=False)).action == "update"
    )


def test_json_round_trip_through_a_json_column():
    original = state({"businessPhones": ["+1"], "displayName": "Jane"}, {"e3": {"b", "a"}}, {"g"})
    stored = json.loads(json.dumps(original.to_json()))
    assert DesiredState.from_json(stored) == original
    assert stored["licenses"] == {"e3": ["a", "b"]}
    plan = diff(original, None)
    assert Plan.from_json(json.loads(json.dumps(plan.to_json()))) == plan


def test_fingerprint_changes_with_content_only():
    a = state({"displayName": "Jane", "mail": "j@x"}, {"e3": {"p1", "p2"}}, {"g1", "g2"})
    b = state({"mail": "j@x", "displayName": "Jane"}, {"e3": {"p2", "p1"}}, {"g2", "g1"})
    assert a.fingerprint() == b.fingerprint()
    assert len(a.fingerprint()) == 64
    assert a.fingerprint() != state({"displayName": "Jane"}).fingerprint()
    assert a.fingerprint() != DesiredState(a.attributes, a.licenses, a.groups, False).fingerprint()


def test_build_from_rule_outcome():
    rules = RuleOutcome({"e3": LicenseGrant(frozenset({"p"}), (1,))}, {"g": (1,)}, {}, (1,))
    built = DesiredState.build({"displayName": "Jane"}, rules, enabled=True)
    assert built == state({"displayName": "Jane"}, {"e3": {"p"}}, {"g"})
