"""The refusal memory: which step values are held back from a plan, and for how long."""

from __future__ import annotations

from typing import Any

from app.evaluation.desired import DesiredState, diff
from app.models import StepKind
from app.provisioning.steps import Refusal, Refusals, license_value

ERROR = {"code": "Request_BadRequest", "message": "refused", "status": 400, "request_id": "r"}
SKU = "18181a46-0d4e-45cd-891e-60aabd171b4e"
GROUP = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a07"
OTHER_GROUP = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a02"


def _state(
    *,
    groups: tuple[str, ...] = (),
    licenses: tuple[str, ...] = (),
    enabled: bool = True,
    **attrs: Any,
) -> DesiredState:
    attributes = {"userPrincipalName": "jo@contoso.com", "usageLocation": "US", **attrs}
    return DesiredState(attributes, {s: frozenset() for s in licenses}, frozenset(groups), enabled)


def _refusals(*entries: tuple[StepKind, str | None, Any]) -> Refusals:
    return Refusals(tuple(Refusal(k, t, v, ERROR, 1) for k, t, v in entries))


def test_held_values_are_left_out_of_the_plan_and_the_rest_stays() -> None:
    applied = _state(department="Sales")
    desired = _state(
        department="Ops", mailNickname="bad nick", licenses=(SKU,), groups=(GROUP, OTHER_GROUP)
    )
    refused = _refusals(
        (StepKind.attributes, "mailNickname", {"mailNickname": "bad nick"}),
        (StepKind.license_add, SKU, license_value([], desired)),
        (StepKind.group_add, GROUP, None),
    )

    plan = refused.filter_plan(diff(desired, applied), desired)

    assert plan.action == "update"
    assert plan.attributes_changed == {"department": "Ops"}
    assert plan.licenses_add == {} and plan.groups_add == [OTHER_GROUP]


def test_a_plan_of_only_held_values_is_nothing() -> None:
    applied = _state()
    desired = _state(groups=(GROUP,))

    plan = _refusals((StepKind.group_add, GROUP, None)).filter_plan(diff(desired, applied), desired)

    assert plan.action == "none"


def test_a_refusal_stops_holding_once_its_own_value_changes() -> None:
    refused = _refusals(
        (StepKind.attributes, "mailNickname", {"mailNickname": "bad nick"}),
        (StepKind.license_add, SKU, license_value([], _state(licenses=(SKU,)))),
    )
    # A new mailNickname, and a usageLocation (which a license depends on) that changed.
    desired = _state(mailNickname="good", usageLocation="GB", licenses=(SKU,))

    plan = refused.filter_plan(diff(desired, _state()), desired)

    assert plan.attributes_changed == {"mailNickname": "good", "usageLocation": "GB"}
    assert set(plan.licenses_add) == {SKU}
    assert refused.applying_to(desired) == Refusals()


def test_a_refused_create_is_not_planned_again_until_the_person_changes() -> None:
    desired = _state(displayName="Jo")
    refused = _refusals((StepKind.create, "jo@contoso.com", desired.to_json()["attributes"]))

    assert refused.filter_plan(diff(desired, None), desired).action == "none"
    changed = _state(displayName="Jo Ames")
    assert refused.filter_plan(diff(changed, None), changed).action == "create"


def test_a_refused_suspend_is_not_sent_again_but_other_changes_are() -> None:
    applied = _state(department="Sales")
    refused = _refusals((StepKind.attributes, "accountEnabled", {"accountEnabled": False}))

    only_suspend = _state(department="Sales", enabled=False)
    assert refused.filter_plan(diff(only_suspend, applied), only_suspend).action == "none"
    with_more = _state(department="Ops", enabled=False)
    plan = refused.filter_plan(diff(with_more, applied), with_more)
    assert plan.action == "update" and plan.attributes_changed == {"department": "Ops"}


def test_after_a_run_answered_steps_replace_what_was_remembered() -> None:
    desired = _state(groups=(GROUP, OTHER_GROUP), department="Ops")
    before = _refusals(
        (StepKind.group_add, GROUP, None),
        (StepKind.group_add, OTHER_GROUP, None),
        (StepKind.attributes, "department", {"department": "Sales"}),  # no longer wanted
    )
    new = Refusal(StepKind.attributes, "department", {"department": "Ops"}, ERROR, 2)

    after = before.after_run({(StepKind.group_add, OTHER_GROUP)}, [new], desired)

    assert [(r.kind, r.target, r.value) for r in after.entries] == [
        (StepKind.group_add, GROUP, None),
        (StepKind.attributes, "department", {"department": "Ops"}),
    ]
    assert Refusals.from_json(after.to_json()) == after
