"""The pure side of drift: what counts as a difference, the applied state `enforce` puts in
its place, and how adopted values stand in for ours until our own value changes."""

from __future__ import annotations

from typing import Any

from app.drift import adopt
from app.drift.compare import Account, Found, as_tenant_holds, compare, outstanding
from app.evaluation.desired import DesiredState, diff
from app.models import DriftKind

SKU = "6fd2c87f-b296-42f0-b197-1e91e994b900"
OTHER_SKU = "18181a46-0d4e-45cd-891e-60aabd171b4e"
SALES = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a02"
ENG = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a03"
TRACKED = frozenset({SALES, ENG})
MANAGED = frozenset({SKU, OTHER_SKU})


def applied(**overrides: Any) -> DesiredState:
    values: dict[str, Any] = {
        "attributes": {
            "userPrincipalName": "josh@contoso.com",
            "mail": "Josh@Example.com",
            "department": "Sales",
            "displayName": "Josh",
            "businessPhones": [],
            "onPremisesImmutableId": "abc",
        },
        "licenses": {SKU: frozenset()},
        "groups": frozenset({SALES}),
        "enabled": True,
    }
    values.update(overrides)
    return DesiredState(**values)


def account(**overrides: Any) -> Account:
    values: dict[str, Any] = {
        "object_id": "oid-1",
        "account_enabled": True,
        "user_principal_name": "josh@contoso.com",
        "mail_lower": "josh@example.com",
        "licenses": frozenset({SKU}),
        "attributes": {"department": "Sales", "displayName": "Josh", "businessPhones": None},
        "groups": frozenset({SALES}),
    }
    values.update(overrides)
    return Account(**values)


def kinds(found: list[Found]) -> list[tuple[str, str, Any, Any]]:
    return [(str(f.kind), f.target, f.tenant_value, f.applied_value) for f in found]


def test_a_tenant_that_holds_what_we_applied_has_no_drift() -> None:
    """Mail differs only in case (the snapshot lower-cases it), an empty list is Graph's null,
    and the ImmutableID is not ours to compare (set at creation only)."""
    assert compare(applied(), "provisioned", account(), TRACKED, MANAGED) == []


def test_each_kind_of_difference_is_found() -> None:
    tenant = account(
        account_enabled=False,
        attributes={"department": "Marketing", "displayName": "Josh"},
        licenses=frozenset({OTHER_SKU, "ffff0000-0000-0000-0000-00000000000f"}),
        groups=frozenset({ENG, "not-tracked"}),
    )

    found = compare(applied(), "provisioned", tenant, TRACKED, MANAGED)

    assert kinds(found) == [
        ("account_enabled", "", False, True),
        ("attributes", "department", "Marketing", "Sales"),
        ("licenses", SKU, "not assigned", "assigned"),
        # A SKU no rule of ours grants is not ours: only OTHER_SKU counts as added.
        ("licenses", OTHER_SKU, "assigned", "not assigned"),
        ("groups", SALES, "not member", "member"),
        ("groups", ENG, "member", "not member"),
    ]


def test_an_attribute_the_snapshot_does_not_hold_is_not_guessed() -> None:
    state = applied(attributes={"jobTitle": "Boss"})
    assert compare(state, "provisioned", account(), TRACKED, MANAGED) == []


def test_a_group_the_snapshot_does_not_track_is_not_compared() -> None:
    state = applied(groups=frozenset({SALES, "untracked"}))
    assert compare(state, "provisioned", account(), TRACKED, MANAGED) == []


def test_a_synced_user_is_compared_only_on_what_graph_lets_us_change() -> None:
    tenant = account(
        synced=True,
        account_enabled=False,
        attributes={"department": "Marketing", "displayName": "Other", "usageLocation": "FR"},
        licenses=frozenset(),
    )
    state = applied(attributes={"department": "Sales", "usageLocation": "US"})

    found = compare(state, "provisioned", tenant, TRACKED, MANAGED)

    assert kinds(found) == [
        ("attributes", "usageLocation", "FR", "US"),
        ("licenses", SKU, "not assigned", "assigned"),
    ]


def test_deleted_gone_and_restored_accounts() -> None:
    deleted = compare(applied(), "provisioned", account(deleted=True), TRACKED, MANAGED)
    gone = compare(applied(enabled=False), "suspended", None, TRACKED, MANAGED)
    back = compare(None, "deleted", account(), TRACKED, MANAGED)
    still_gone = compare(None, "deleted", account(deleted=True), TRACKED, MANAGED)
    never_applied = compare(None, "pending", None, TRACKED, MANAGED)

    assert kinds(deleted) == [("deleted", "", "deleted", "present")]
    assert kinds(gone) == [("deleted", "", "gone", "suspended")]
    assert kinds(back) == [("deleted", "", "present", "deleted")]
    assert still_gone == never_applied == []


def test_enforce_corrects_applied_so_the_ordinary_diff_plans_the_way_back() -> None:
    ours = applied()
    tenant = account(
        account_enabled=False,
        attributes={"department": "Marketing", "displayName": "Josh"},
        licenses=frozenset({OTHER_SKU}),
        groups=frozenset({ENG}),
    )
    found = compare(ours, "provisioned", tenant, TRACKED, MANAGED)

    corrected, state = as_tenant_holds(ours, "provisioned", tenant, found)

    assert state == "provisioned" and corrected is not None
    plan = diff(ours, corrected)  # what we want (ours) from what the tenant holds
    assert plan.action == "reactivate"
    assert plan.attributes_changed == {"department": "Sales"}
    assert set(plan.licenses_add) == {SKU} and plan.licenses_remove == [OTHER_SKU]
    assert plan.groups_add == [SALES] and plan.groups_remove == [ENG]


def test_enforce_of_a_deleted_account_plans_it_again_and_of_a_restored_one_deletes() -> None:
    gone, state = as_tenant_holds(
        applied(), "provisioned", None, [Found(DriftKind.deleted, "", "gone", "present")]
    )
    back, back_state = as_tenant_holds(
        None, "deleted", account(), [Found(DriftKind.deleted, "", "present", "deleted")]
    )

    assert (gone, state) == (None, "deleted")
    assert diff(applied(), gone).action == "create"
    assert back_state == "provisioned" and back is not None and back.enabled
    assert back.groups == {SALES} and set(back.licenses) == {SKU}


def test_an_adopted_value_stands_in_for_ours_until_ours_changes() -> None:
    ours = applied()
    desired, held = adopt.adopt(ours, None, "department", "Marketing", "Sales")

    assert desired is not None and desired.attributes["department"] == "Marketing"
    assert held == {"department": {"value": "Marketing", "desired": "Sales"}}
    # Recomputed, our value unchanged: the adopted one is kept (no task).
    same, still = adopt.overlay(ours, held)
    assert same is not None and same == desired and still == held
    # Adopted again (changed once more in the tenant): our own value is still remembered.
    _, again = adopt.adopt(desired, held, "department", "Legal", "Marketing")
    assert again == {"department": {"value": "Legal", "desired": "Sales"}}
    # Our value changes: the override goes and ours is wanted again.
    moved = applied(attributes={**ours.attributes, "department": "Finance"})
    now, gone = adopt.overlay(moved, held)
    assert now == moved and gone is None


def test_a_value_is_not_adopted_over_a_change_of_ours_still_to_be_sent() -> None:
    ours = applied(attributes={"department": "Finance"})  # we want Finance, applied was Sales
    desired, held = adopt.adopt(ours, None, "department", "Marketing", "Sales")
    assert desired == ours and held is None


def test_outstanding_says_whether_a_task_has_yet_to_send_an_items_target() -> None:
    ours = applied()
    assert not any(
        outstanding(ours, ours, kind, target)
        for kind, target in [
            (DriftKind.attributes, "department"),
            (DriftKind.licenses, SKU.upper()),
            (DriftKind.groups, SALES),
            (DriftKind.account_enabled, ""),
            (DriftKind.deleted, ""),
        ]
    )
    tenant_kept = {  # applied as enforce left it (the tenant's value), desired still ours
        DriftKind.attributes: ("department", applied(attributes={"department": "Marketing"})),
        DriftKind.licenses: (SKU.upper(), applied(licenses={})),
        DriftKind.groups: (SALES, applied(groups=frozenset())),
        DriftKind.account_enabled: ("", applied(enabled=False)),
        DriftKind.deleted: ("", None),
    }
    for kind, (target, left) in tenant_kept.items():
        assert outstanding(ours, left, kind, target), kind
        # Another target of the same kind is not this item's business.
        assert not outstanding(ours, ours, kind, "jobTitle" if target == "department" else target)
    # We want it gone, and it still exists; gone and wanted gone is nothing to do.
    assert outstanding(None, ours, DriftKind.deleted, "")
    assert not outstanding(None, None, DriftKind.deleted, "")
    # An unset value is null, "" or [] alike (as the executor compares).
    unset = applied(attributes={"department": ""})
    assert not outstanding(unset, applied(attributes={}), DriftKind.attributes, "department")
