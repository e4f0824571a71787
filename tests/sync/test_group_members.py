"""The groups round through the engine, against the sandbox: a long member list that Graph
splits across entries and pages is merged exactly, and a member soft-deleted in the tenant
keeps its membership (as Graph keeps it, see app/sandbox/graph_delta.py) so a restore leaves
the snapshot and drift as they were before the delete."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import col, select

from app.db import transaction
from app.models import DriftItem, RuleRow
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import everyone_app, wait_tasks
from tests.support import ApiClient, user_body
from tests.sync.conftest import T, accounts, cycle, members


def _track(app_id: int, group_id: str) -> None:
    with transaction() as session:
        session.add(
            RuleRow(
                app_id=app_id,
                name=f"members of {group_id}",
                conditions=[],
                actions=[{"action": "set_groups", "value": [group_id]}],
            )
        )


def _tenant_members(sandbox: SandboxServer, group_id: str) -> set[tuple[str, str]]:
    return {(group_id, m) for m in sandbox.state.tenant(T).groups[group_id].members}


def test_a_split_member_list_is_merged_exactly(
    app: dict[str, Any], sandbox: SandboxServer, portal: httpx.Client
) -> None:
    """120 members arrive as 6 entries of 20 over 2 pages; 30 added and 25 removed later
    arrive split too. The snapshot holds exactly the tenant's members after each round."""
    group_id = seed.GROUP_ENGINEERING
    _track(app["id"], group_id)
    assert portal.post("/users:bulk", json={"count": 150, "prefix": "big"}).is_success
    tenant = sandbox.state.tenant(T)
    big = sorted(u.id for u in tenant.users.values() if u.upn.startswith("big"))
    with sandbox.state.lock:
        group = tenant.groups[group_id]
        for oid in big[:120]:
            tenant.add_member(group, oid)
    behaviour = sandbox.state.behaviour
    assert behaviour.delta_members_per_entry < 120 and behaviour.delta_members_per_page < 120

    first = cycle(app["id"])
    assert first.cycle is not None and first.cycle["ok"], first
    assert first.cycle["round_trips"]["groups"] >= 2  # the group came back on a later page
    assert len(members(app["id"])) == 120
    assert members(app["id"]) == _tenant_members(sandbox, group_id)

    with sandbox.state.lock:
        for oid in big[120:]:
            tenant.add_member(group, oid)
        for oid in big[:25]:
            tenant.remove_member(group, oid)
    changed = cycle(app["id"])
    assert changed.cycle is not None and changed.cycle["kind"] == "incremental"
    assert changed.cycle["members_changed"] == 55
    assert len(members(app["id"])) == 125
    assert members(app["id"]) == _tenant_members(sandbox, group_id)


def test_a_soft_deleted_member_keeps_its_membership_through_every_round(
    app: dict[str, Any], sandbox: SandboxServer, portal: httpx.Client
) -> None:
    company = seed.GROUP_ALL_COMPANY
    _track(app["id"], company)
    cycle(app["id"])
    both = {(company, seed.USER_MEGAN), (company, seed.USER_NESTOR)}
    assert members(app["id"]) == both

    assert portal.delete(f"/users/{seed.USER_MEGAN}").is_success
    deleted = cycle(app["id"])
    assert deleted.cycle is not None and deleted.cycle["members_changed"] == 0
    assert accounts(app["id"])[seed.USER_MEGAN].deleted is True
    assert members(app["id"]) == both
    # The full reconciliation agrees with the incremental round.
    full = cycle(app["id"], full=True)
    assert full.cycle is not None and full.cycle["kind"] == "full"
    assert members(app["id"]) == both

    assert portal.post(f"/users/{seed.USER_MEGAN}/restore").is_success
    restored = cycle(app["id"])
    assert restored.cycle is not None and restored.cycle["members_changed"] == 0
    assert accounts(app["id"])[seed.USER_MEGAN].deleted is False
    assert members(app["id"]) == both

    # A purge does take the user out of the group (the users round drops the account and
    # its memberships; the groups round's `@removed` then finds nothing left to remove).
    assert portal.delete(f"/users/{seed.USER_MEGAN}").is_success
    assert portal.post(f"/users/{seed.USER_MEGAN}/purge").is_success
    purged = cycle(app["id"])
    assert purged.cycle is not None and purged.cycle["accounts_removed"] == 1
    assert seed.USER_MEGAN not in accounts(app["id"])
    assert members(app["id"]) == {(company, seed.USER_NESTOR)}


def _drift(app_id: int) -> list[tuple[str, str, str, Any]]:
    with transaction() as session:
        rows = session.exec(
            select(DriftItem).where(col(DriftItem.app_id) == app_id).order_by(col(DriftItem.id))
        ).all()
        return [(r.kind, r.target, r.status, r.tenant_value) for r in rows]


def test_drift_of_a_member_deleted_and_restored_in_the_tenant(
    api: ApiClient, sandbox: SandboxServer, portal: httpx.Client
) -> None:
    """What an admin expects: while the account is deleted, one `deleted` item (not a
    `groups` item per group as well); once it is restored with its memberships, that item
    is fixed and nothing else is reported."""
    app_id, role_id, _ = everyone_app(
        api, sandbox, {"action": "set_groups", "value": [seed.GROUP_SALES]}
    )
    api.ok("POST", "/users", json=user_body(1, role_ids=[role_id]))
    [task] = wait_tasks(api, app_id)
    assert task["status"] == "succeeded", task
    oid = next(u.id for u in sandbox.state.tenant(T).users.values() if u.upn.startswith("user1@"))
    assert oid in sandbox.state.tenant(T).groups[seed.GROUP_SALES].members
    assert cycle(app_id).cycle is not None
    assert _drift(app_id) == []

    assert portal.delete(f"/users/{oid}").is_success
    cycle(app_id)
    cycle(app_id, full=True)  # the full reconciliation on its schedule
    assert _drift(app_id) == [("deleted", "", "open", "deleted")]

    assert portal.post(f"/users/{oid}/restore").is_success
    cycle(app_id)
    assert _drift(app_id) == [("deleted", "", "fixed", "deleted")]
    assert (seed.GROUP_SALES, oid) in members(app_id)
    assert len(wait_tasks(api, app_id)) == 1  # report only: nothing was sent
