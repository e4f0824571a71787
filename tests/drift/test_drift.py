"""Drift end to end (API, database, in-process runner, sandbox tenant): a user provisioned by
the engine, the tenant changed behind its back, the snapshot written as a delta round writes
it, and one drift pass under each policy. Each test checks drift rows, events, tasks and the
sandbox tenant."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from app import crypto
from app.cli import app as cli
from app.db import transaction
from app.models import Assignment, DriftItem, Event, WebhookDelivery, WebhookEndpoint
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.sandbox.state import AssignedLicense
from tests.drift.snapshot import copy_snapshot, run_cycle
from tests.provisioning.conftest import make_app, members, wait_tasks
from tests.support import ApiClient, user_body

GROUPS = [seed.GROUP_SALES]
Undo = Callable[[], None]


def _provisioned(
    api: ApiClient, sb: SandboxServer, policy: dict[str, str] | None = None, **app: Any
) -> dict[str, Any]:
    """An app whose rule grants E3 and Sales to everyone, one user provisioned through it,
    and a first drift pass over a snapshot of the tenant (which finds nothing)."""
    created = make_app(api, sb, **app)
    app_id = created["id"]
    api.ok(
        "PATCH",
        f"/apps/{app_id}",
        json={"provisioning_enabled": True, "drift_policy": policy or {}},
    )
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app_id]})
    api.ok(
        "POST",
        f"/apps/{app_id}/rules",
        json={
            "name": "everyone",
            "conditions": [{"source": "username", "operator": "exists"}],
            "actions": [
                {"action": "set_licenses", "value": [seed.SKU_E3]},
                {"action": "set_groups", "value": GROUPS},
            ],
        },
    )
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]
    [task] = wait_tasks(api, app_id)
    assert task["status"] == "succeeded", task
    oid = _assignment(app_id, uid).tenant_object_id
    assert oid is not None
    copy_snapshot(sb, app_id, GROUPS)
    first = run_cycle(app_id)
    assert (first.new, first.found) == (0, {}), _items(app_id)
    return {"app_id": app_id, "user_id": uid, "object_id": oid, "role_id": role["id"]}


def _user(sb: SandboxServer, oid: str) -> Any:
    return sb.state.tenant(seed.DEMO_TENANT_ID).users[oid]


def _assignment(app_id: int, user_id: int) -> Assignment:
    with transaction() as session:
        row = session.exec(
            select(Assignment).where(Assignment.app_id == app_id, Assignment.user_id == user_id)
        ).one()
        session.expunge(row)
        return row


def _items(app_id: int) -> list[DriftItem]:
    with transaction() as session:
        rows = list(
            session.exec(
                select(DriftItem).where(DriftItem.app_id == app_id).order_by(col(DriftItem.id))
            )
        )
        for r in rows:
            session.expunge(r)
        return rows


def _events(app_id: int, prefix: str = "drift.") -> list[tuple[str, dict[str, Any]]]:
    with transaction() as session:
        rows = session.exec(
            select(Event)
            .where(Event.app_id == app_id, col(Event.kind).startswith(prefix))
            .order_by(col(Event.id))
        ).all()
        return [(r.kind, dict(r.data)) for r in rows]


# --- what a person does in the admin center, and how to undo it -----------------------------


def change_department(sb: SandboxServer, oid: str) -> Undo:
    user = _user(sb, oid)
    before = user.props["department"]
    user.props["department"] = "Marketing"
    return lambda: user.props.__setitem__("department", before)


def remove_license(sb: SandboxServer, oid: str) -> Undo:
    user = _user(sb, oid)
    before = list(user.licenses)
    user.licenses = [lic for lic in user.licenses if lic.sku_id != seed.SKU_E3]
    assert len(user.licenses) == len(before) - 1
    return lambda: setattr(user, "licenses", before)


def remove_member(sb: SandboxServer, oid: str) -> Undo:
    group = sb.state.tenant(seed.DEMO_TENANT_ID).groups[seed.GROUP_SALES]
    group.members.remove(oid)
    return lambda: group.members.append(oid)


def disable(sb: SandboxServer, oid: str) -> Undo:
    user = _user(sb, oid)
    user.props["accountEnabled"] = False
    return lambda: user.props.__setitem__("accountEnabled", True)


def soft_delete(sb: SandboxServer, oid: str) -> Undo:
    user = _user(sb, oid)
    user.deleted_at = datetime.now(UTC)
    return lambda: setattr(user, "deleted_at", None)


def put_back(kind: str, sb: SandboxServer, oid: str) -> bool:
    """Whether the tenant holds again what we applied, for this kind."""
    user = _user(sb, oid)
    if kind == "attributes":
        return bool(user.props["department"] == "Sales")
    if kind == "licenses":
        return seed.SKU_E3 in {lic.sku_id for lic in user.licenses}
    if kind == "groups":
        return oid in members(sb, seed.GROUP_SALES)
    if kind == "account_enabled":
        return user.props.get("accountEnabled", True) is True
    return not user.is_deleted


CHANGES: dict[str, tuple[Callable[[SandboxServer, str], Undo], str, Any, Any]] = {
    # kind: (the change, drift target, tenant value, applied value)
    "attributes": (change_department, "department", "Marketing", "Sales"),
    "licenses": (remove_license, seed.SKU_E3, "not assigned", "assigned"),
    "groups": (remove_member, seed.GROUP_SALES, "not member", "member"),
    "account_enabled": (disable, "", False, True),
    "deleted": (soft_delete, "", "deleted", "present"),
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_report_records_drift_once_changes_nothing_and_closes_it_when_the_tenant_is_back(
    kind: str, api: ApiClient, sandbox: SandboxServer
) -> None:
    ctx = _provisioned(api, sandbox)
    app_id, oid = ctx["app_id"], ctx["object_id"]
    change, target, tenant_value, applied_value = CHANGES[kind]
    undo = change(sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)

    summary = run_cycle(app_id, [oid])
    again = run_cycle(app_id)  # the same drift seen by the next (full) round

    assert (summary.new, summary.tasks_planned, summary.found) == (1, 0, {kind: 1})
    assert (again.new, again.fixed, again.found) == (0, 0, {kind: 1})
    [item] = _items(app_id)
    assert (item.kind, item.target, item.status) == (kind, target, "open")
    assert (item.tenant_value, item.applied_value) == (tenant_value, applied_value)
    assert (item.user_id, item.object_id, item.task_id) == (ctx["user_id"], oid, None)
    [(event, data)] = _events(app_id)
    assert event == "drift.found" and data["policy"] == "report"
    assert (data["kind"], data["target"], data["tenant_value"]) == (kind, target, tenant_value)
    assert data["user_name"] == "user1" and data["app_name"]
    assert len(wait_tasks(api, app_id)) == 1  # only the create
    assert not put_back(kind, sandbox, oid)
    body = api.ok("GET", f"/apps/{app_id}/drift")
    assert body["total"] == 1 and body["counts"][kind] == 1
    assert [(i["kind"], i["user_name"], i["tenant_value"]) for i in body["items"]] == [
        (kind, "user1", tenant_value)
    ]

    # Someone puts it back by hand: the next round closes the item.
    undo()
    copy_snapshot(sandbox, app_id, GROUPS)
    fixed = run_cycle(app_id, [oid])

    assert (fixed.new, fixed.fixed, fixed.found) == (0, 1, {})
    assert [(i.status, i.resolved_at is not None) for i in _items(app_id)] == [("fixed", True)]
    assert [k for k, _ in _events(app_id)] == ["drift.found", "drift.fixed"]
    assert api.ok("GET", f"/apps/{app_id}/drift")["total"] == 0


@pytest.mark.parametrize("kind", list(CHANGES))
def test_enforce_plans_a_task_that_puts_the_tenant_back(
    kind: str, api: ApiClient, sandbox: SandboxServer
) -> None:
    ctx = _provisioned(api, sandbox, policy={kind: "enforce"})
    app_id, oid = ctx["app_id"], ctx["object_id"]
    change, target, _, _ = CHANGES[kind]
    change(sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)

    summary = run_cycle(app_id, [oid])
    tasks = wait_tasks(api, app_id)

    assert (summary.new, summary.tasks_planned) == (1, 1)
    assert len(tasks) == 2 and tasks[-1]["status"] == "succeeded", tasks
    assert put_back(kind, sandbox, oid)
    assert _user(sandbox, oid).id == oid  # the same account (restored, not created again)
    [item] = _items(app_id)
    assert (item.kind, item.target, item.task_id) == (kind, target, tasks[-1]["id"])

    # The next round sees the tenant back in line: the item is fixed, nothing more planned.
    copy_snapshot(sandbox, app_id, GROUPS)
    after = run_cycle(app_id, [oid])

    assert (after.new, after.fixed, after.tasks_planned, after.found) == (0, 1, 0, {})
    assert [k for k, _ in _events(app_id)] == ["drift.found", "drift.enforced", "drift.fixed"]
    assert len(wait_tasks(api, app_id)) == 2
    assert _assignment(app_id, ctx["user_id"]).state == "provisioned"


def test_enforce_goes_through_approval_like_any_task(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    ctx = _provisioned(api, sandbox, policy={"licenses": "enforce"})
    app_id, oid = ctx["app_id"], ctx["object_id"]
    api.ok("PATCH", f"/apps/{app_id}", json={"approval_required": {"update": True}})
    remove_license(sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)

    run_cycle(app_id)
    again = run_cycle(app_id)  # still waiting for approval: the item stays open, no new task

    tasks = wait_tasks(api, app_id)
    assert [(t["action"], t["status"]) for t in tasks[1:]] == [("update", "pending_approval")]
    assert again.found == {"licenses": 1} and again.tasks_planned == 0
    assert not put_back("licenses", sandbox, oid)

    api.ok("POST", f"/provisioning/tasks/{tasks[1]['id']}/approve")
    assert wait_tasks(api, app_id)[1]["status"] == "succeeded"
    assert put_back("licenses", sandbox, oid)


def test_enforce_counts_against_the_deletion_threshold(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """An account enabled by hand while we hold it suspended: enforce plans a suspend, which
    the deletion threshold holds like any other."""
    ctx = _provisioned(api, sandbox, policy={"account_enabled": "enforce"})
    app_id, oid, uid = ctx["app_id"], ctx["object_id"], ctx["user_id"]
    api.ok("PATCH", f"/users/{uid}", json={"status": "suspended"})
    assert [t["action"] for t in wait_tasks(api, app_id)] == ["create", "suspend"]
    assert _user(sandbox, oid).props["accountEnabled"] is False
    api.ok("PATCH", f"/apps/{app_id}", json={"deletion_threshold": 0})
    _user(sandbox, oid).props["accountEnabled"] = True
    copy_snapshot(sandbox, app_id, GROUPS)

    summary = run_cycle(app_id, [oid])

    tasks = wait_tasks(api, app_id)
    assert summary.tasks_planned == 1
    assert [(t["action"], t["status"]) for t in tasks[2:]] == [("suspend", "pending_approval")]
    assert "deletion threshold" in tasks[2]["reason"]


def test_adopt_keeps_the_tenants_value_until_ours_changes(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    ctx = _provisioned(api, sandbox, policy={"attributes": "adopt"})
    app_id, oid, uid = ctx["app_id"], ctx["object_id"], ctx["user_id"]
    change_department(sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)

    summary = run_cycle(app_id, [oid])

    assert (summary.new, summary.fixed, summary.tasks_planned, summary.found) == (1, 1, 0, {})
    [item] = _items(app_id)
    assert (item.status, item.target, item.tenant_value) == ("adopted", "department", "Marketing")
    [found, adopted] = _events(app_id)
    assert found[0] == "drift.found" and adopted[0] == "drift.adopted"
    assert (adopted[1]["before"], adopted[1]["after"]) == ("Sales", "Marketing")
    row = _assignment(app_id, uid)
    assert row.applied is not None and row.applied["attributes"]["department"] == "Marketing"
    assert row.adopted == {"department": {"value": "Marketing", "desired": "Sales"}}

    # A reapply (every rule evaluated again) sends nothing back.
    job = api.ok("POST", f"/apps/{app_id}/rules/reapply")
    assert api.wait_job(job["id"])["status"] == "succeeded"
    assert len(wait_tasks(api, app_id)) == 1
    assert _user(sandbox, oid).props["department"] == "Marketing"
    copy_snapshot(sandbox, app_id, GROUPS)
    assert run_cycle(app_id).found == {}

    # Our own value changes: it is sent, and the override is gone.
    api.ok("PATCH", f"/users/{uid}", json={"department": "Finance"})
    tasks = wait_tasks(api, app_id)
    assert len(tasks) == 2 and tasks[-1]["status"] == "succeeded", tasks
    assert _user(sandbox, oid).props["department"] == "Finance"
    assert _assignment(app_id, uid).adopted is None


def test_a_user_restored_in_the_tenant_after_we_deleted_it(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """Applied deleted, account back: reported, then under enforce deleted again."""
    ctx = _provisioned(api, sandbox, on_app_removed="delete")
    app_id, oid, uid = ctx["app_id"], ctx["object_id"], ctx["user_id"]
    api.ok("DELETE", f"/users/{uid}/roles/{ctx['role_id']}")
    assert [t["action"] for t in wait_tasks(api, app_id)] == ["create", "delete"]
    assert _user(sandbox, oid).is_deleted
    _user(sandbox, oid).deleted_at = None  # restored from deleted items by hand
    copy_snapshot(sandbox, app_id, GROUPS)

    reported = run_cycle(app_id, [oid])

    [item] = _items(app_id)
    assert (item.kind, item.tenant_value, item.applied_value) == ("deleted", "present", "deleted")
    assert reported.tasks_planned == 0 and len(wait_tasks(api, app_id)) == 2

    api.ok("PATCH", f"/apps/{app_id}", json={"drift_policy": {"deleted": "enforce"}})
    enforced = run_cycle(app_id, [oid])

    tasks = wait_tasks(api, app_id)
    assert enforced.tasks_planned == 1
    assert [(t["action"], t["status"]) for t in tasks[2:]] == [("delete", "succeeded")]
    assert _user(sandbox, oid).is_deleted
    copy_snapshot(sandbox, app_id, GROUPS)
    assert run_cycle(app_id, [oid]).fixed == 1
    assert _items(app_id)[0].status == "fixed"


def test_a_cycle_that_finds_new_drift_sends_one_webhook(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    ctx = _provisioned(api, sandbox)
    app_id, oid = ctx["app_id"], ctx["object_id"]
    with transaction() as session:
        session.add(
            WebhookEndpoint(
                app_id=app_id,
                url="https://hooks.example.com/drift",
                event_types=["drift.detected"],
                secret_enc=crypto.encrypt("whsec_" + "A" * 32),
            )
        )
    change_department(sandbox, oid)
    remove_license(sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)

    run_cycle(app_id, [oid])
    run_cycle(app_id, [oid])  # nothing new: no second webhook

    with transaction() as session:
        rows = session.exec(select(WebhookDelivery).where(WebhookDelivery.app_id == app_id)).all()
        payloads = [(r.event_type, r.payload["data"]) for r in rows]
    [(event_type, data)] = payloads
    assert event_type == "drift.detected"
    assert data["new"] == 2 and data["new_by_kind"] == {"attributes": 1, "licenses": 1}
    assert data["open_by_kind"] == {"attributes": 1, "licenses": 1}
    assert {e["kind"] for e in data["examples"]} == {"attributes", "licenses"}


def test_a_change_of_another_account_leaves_open_drift_alone(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """An incremental round compares only the accounts it saw change."""
    ctx = _provisioned(api, sandbox)
    app_id, oid = ctx["app_id"], ctx["object_id"]
    change_department(sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)

    other = run_cycle(app_id, [seed.USER_MEGAN])
    mine = run_cycle(app_id, [oid])

    assert (other.new, other.found) == (0, {})
    assert (mine.new, mine.found) == (1, {"attributes": 1})


def test_the_drift_list_filters_pages_and_answers_problems(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    ctx = _provisioned(api, sandbox)
    app_id, oid, uid = ctx["app_id"], ctx["object_id"], ctx["user_id"]
    change_department(sandbox, oid)
    remove_license(sandbox, oid)
    disable(sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)
    run_cycle(app_id)
    reader = api.with_scopes("read")

    first = reader.ok("GET", f"/apps/{app_id}/drift", params={"limit": 2})
    rest = reader.ok("GET", f"/apps/{app_id}/drift", params={"cursor": first["next_cursor"]})
    licenses = reader.ok("GET", f"/apps/{app_id}/drift", params={"kind": "licenses"})
    nobody = reader.ok("GET", f"/apps/{app_id}/drift", params={"user_id": uid + 1000})

    assert first["total"] == 3 and len(first["items"]) == 2 and len(rest["items"]) == 1
    assert first["counts"] == {
        "attributes": 1,
        "licenses": 1,
        "groups": 0,
        "account_enabled": 1,
        "deleted": 0,
    }
    assert [i["target"] for i in licenses["items"]] == [seed.SKU_E3]
    assert nobody["items"] == []
    item = licenses["items"][0]
    assert item["first_seen_at"] and item["last_seen_at"] and item["object_id"] == oid
    reader.problem("GET", f"/apps/{app_id + 1000}/drift", 404)
    reader.problem("GET", f"/apps/{app_id}/drift", 422, params={"kind": "colour"})
    api.with_scopes("scim").problem("GET", f"/apps/{app_id}/drift", 403)
    resp = ApiClient("nope").request("GET", f"/api/v1/apps/{app_id}/drift")
    assert resp.status_code == 401


def _grant_nobody(api: ApiClient, app_id: int) -> None:
    """A rule that matches nobody but makes E1 and Engineering the app's to manage."""
    api.ok(
        "POST",
        f"/apps/{app_id}/rules",
        json={
            "name": "nobody",
            "conditions": [{"source": "department", "operator": "equals", "value": "Nobody"}],
            "actions": [
                {"action": "set_licenses", "value": [seed.SKU_E1]},
                {"action": "set_groups", "value": [seed.GROUP_ENGINEERING]},
            ],
        },
    )


@pytest.mark.parametrize("policy", ["report", "enforce"])
def test_a_license_and_a_membership_added_by_hand(
    policy: str, api: ApiClient, sandbox: SandboxServer
) -> None:
    """What the rules could grant but do not grant this user, granted in the tenant: drift;
    under enforce it is taken away again."""
    ctx = _provisioned(api, sandbox, policy={"licenses": policy, "groups": policy})
    app_id, oid = ctx["app_id"], ctx["object_id"]
    _grant_nobody(api, app_id)
    tracked = [*GROUPS, seed.GROUP_ENGINEERING]
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    user = _user(sandbox, oid)
    user.licenses = [*user.licenses, AssignedLicense(seed.SKU_E1)]
    tenant.groups[seed.GROUP_ENGINEERING].members.append(oid)
    copy_snapshot(sandbox, app_id, tracked)

    summary = run_cycle(app_id, [oid])

    assert summary.new == 2
    assert [(i.kind, i.target, i.tenant_value) for i in _items(app_id)] == [
        ("licenses", seed.SKU_E1.lower(), "assigned"),
        ("groups", seed.GROUP_ENGINEERING.lower(), "member"),
    ]
    tasks = wait_tasks(api, app_id)
    has_e1 = seed.SKU_E1 in {lic.sku_id for lic in _user(sandbox, oid).licenses}
    in_engineering = oid in members(sandbox, seed.GROUP_ENGINEERING)
    if policy == "report":
        assert len(tasks) == 1 and has_e1 and in_engineering
    else:
        assert [(t["action"], t["status"]) for t in tasks[1:]] == [("update", "succeeded")]
        assert not has_e1 and not in_engineering
        copy_snapshot(sandbox, app_id, tracked)
        assert run_cycle(app_id, [oid]).fixed == 2


def test_without_provisioning_enforce_only_reports(api: ApiClient, sandbox: SandboxServer) -> None:
    ctx = _provisioned(api, sandbox, policy={"attributes": "enforce"})
    app_id, oid, uid = ctx["app_id"], ctx["object_id"], ctx["user_id"]
    api.ok("PATCH", f"/apps/{app_id}", json={"provisioning_enabled": False})
    change_department(sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)

    summary = run_cycle(app_id, [oid])

    assert (summary.new, summary.tasks_planned) == (1, 0)
    applied = _assignment(app_id, uid).applied
    assert applied is not None and applied["attributes"]["department"] == "Sales"
    assert _events(app_id)[0][1]["policy"] == "report"


def test_a_suspended_account_deleted_in_the_tenant_is_only_reported(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """Planning never creates a person only to suspend them, so enforce cannot apply."""
    ctx = _provisioned(api, sandbox, policy={"deleted": "enforce"})
    app_id, oid, uid = ctx["app_id"], ctx["object_id"], ctx["user_id"]
    api.ok("PATCH", f"/users/{uid}", json={"status": "suspended"})
    assert [t["action"] for t in wait_tasks(api, app_id)] == ["create", "suspend"]
    soft_delete(sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)

    summary = run_cycle(app_id, [oid])
    again = run_cycle(app_id, [oid])

    assert (summary.new, summary.tasks_planned, again.found) == (1, 0, {"deleted": 1})
    [item] = _items(app_id)
    assert (item.tenant_value, item.applied_value, item.status) == ("deleted", "suspended", "open")
    assert _events(app_id)[0][1]["policy"] == "report"
    assert len(wait_tasks(api, app_id)) == 2 and _user(sandbox, oid).is_deleted


def _sku_gone(sb: SandboxServer) -> Undo:
    """The subscription ended: assigning E3 is refused for good (a failed step)."""
    skus = sb.state.tenant(seed.DEMO_TENANT_ID).skus
    sku = skus.pop(seed.SKU_E3)
    return lambda: skus.__setitem__(seed.SKU_E3, sku)


def _group_made_dynamic(sb: SandboxServer) -> Undo:
    """Sales became a dynamic group: adding a member is refused for good (a failed step)."""
    types = sb.state.tenant(seed.DEMO_TENANT_ID).groups[seed.GROUP_SALES].group_types
    types.append("DynamicMembership")
    return lambda: types.remove("DynamicMembership")


FAILED_ENFORCE = {
    "licenses": (remove_license, _sku_gone),
    "groups": (remove_member, _group_made_dynamic),
}


@pytest.mark.parametrize("kind", list(FAILED_ENFORCE))
def test_enforced_drift_whose_task_fails_stays_open_until_a_task_puts_it_back(
    kind: str, api: ApiClient, sandbox: SandboxServer
) -> None:
    """Enforcing rewrites applied to the tenant's value, so the next round no longer sees the
    difference; only the task's success may close the item. A failed task leaves it open (the
    tenant still lacks what we want), and the admin's successful retry closes it."""
    ctx = _provisioned(api, sandbox, policy={kind: "enforce"})
    app_id, oid = ctx["app_id"], ctx["object_id"]
    change, refusal = FAILED_ENFORCE[kind]
    change(sandbox, oid)
    allow = refusal(sandbox)
    copy_snapshot(sandbox, app_id, GROUPS)

    run_cycle(app_id, [oid])
    [_, enforced] = wait_tasks(api, app_id)
    assert enforced["status"] == "failed", enforced
    copy_snapshot(sandbox, app_id, GROUPS)
    after = [run_cycle(app_id, [oid]), run_cycle(app_id)]  # incremental, then full

    assert not put_back(kind, sandbox, oid)
    assert [(s.fixed, s.found, s.tasks_planned) for s in after] == [(0, {kind: 1}, 0)] * 2
    [item] = _items(app_id)
    assert (item.status, item.task_id, item.resolved_at) == ("open", enforced["id"], None)
    listed = api.ok("GET", f"/apps/{app_id}/drift")
    assert listed["total"] == 1 and listed["counts"][kind] == 1
    assert [k for k, _ in _events(app_id)] == ["drift.found", "drift.enforced"]

    allow()
    api.ok("POST", f"/provisioning/tasks/{enforced['id']}/retry")
    assert wait_tasks(api, app_id)[-1]["status"] == "succeeded"
    assert put_back(kind, sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)
    fixed = run_cycle(app_id, [oid])

    assert (fixed.fixed, fixed.found) == (1, {})
    assert [i.status for i in _items(app_id)] == ["fixed"]
    assert [k for k, _ in _events(app_id)][-1] == "drift.fixed"


def test_a_users_apps_show_the_open_drift_beside_the_state(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    # The account deleted by hand under `report`: the assignment still says `provisioned`
    # (what we applied); only /apps/{id}/drift told, now the user's own views do too.
    ctx = _provisioned(api, sandbox)
    app_id, uid, oid = ctx["app_id"], ctx["user_id"], ctx["object_id"]
    (before,) = api.ok("GET", f"/users/{uid}/apps")
    assert before["drift"] == []
    soft_delete(sandbox, oid)
    copy_snapshot(sandbox, app_id, GROUPS)
    run_cycle(app_id, [oid])
    [item] = _items(app_id)

    (shown,) = api.ok("GET", f"/users/{uid}/apps")
    assert shown["state"] == "provisioned"
    assert [
        (d["kind"], d["target"], d["tenant_value"], d["applied_value"], d["task_id"])
        for d in shown["drift"]
    ] == [("deleted", "", "deleted", "present", None)]
    assert datetime.fromisoformat(shown["drift"][0]["first_seen_at"]) == item.first_seen_at
    listed = api.ok("GET", f"/apps/{app_id}/users")["items"]
    assert [a["drift"] for a in listed] == [shown["drift"]]

    result = CliRunner().invoke(cli, ["users", "show", str(uid), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["apps"] == [shown]
