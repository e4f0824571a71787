"""Issue 10 end to end (API, database, in-process runner, sandbox tenant): synced users,
federated domains other than the app's own, and a lost batch answer after a rule change.
Each test checks the tenant, the task rows and the events."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from app.db import transaction
from app.models import App, Assignment, Event
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import make_app, members, tenant_user, wait_tasks
from tests.support import ApiClient, user_body


def _setup(api: ApiClient, sb: SandboxServer, **app: Any) -> tuple[dict, dict]:
    created = make_app(api, sb, **app)
    api.ok("PATCH", f"/apps/{created['id']}", json={"provisioning_enabled": True})
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [created["id"]]})
    return created, role


def _everyone(api: ApiClient, app_id: int, sku: str, groups: list[str]) -> dict[str, Any]:
    return api.ok(
        "POST",
        f"/apps/{app_id}/rules",
        json={
            "name": "everyone",
            "conditions": [{"source": "username", "operator": "exists"}],
            "actions": [
                {"action": "set_licenses", "value": [sku]},
                *([{"action": "set_groups", "value": groups}] if groups else []),
            ],
        },
    )


def _events(kind: str, user_id: int) -> list[dict[str, Any]]:
    with transaction() as session:
        rows = session.exec(
            select(Event)
            .where(Event.kind == kind, Event.user_id == user_id)
            .order_by(col(Event.id))
        ).all()
        return [dict(r.data) for r in rows]


def _assignment(app_id: int, user_id: int) -> Assignment:
    with transaction() as session:
        row = session.exec(
            select(Assignment).where(Assignment.app_id == app_id, Assignment.user_id == user_id)
        ).one()
        session.expunge(row)
        return row


def test_federated_domains_of_the_tenant_count_not_only_the_apps_own(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """The app's domain is managed; users get UPNs in fabrikam.com, a federated domain of the
    tenant: their creates need an ImmutableID, and get one."""
    app, role = _setup(api, sandbox)
    with transaction() as session:
        row = session.get(App, app["id"])
        assert row is not None and row.domain == seed.DOMAIN_DEFAULT
        assert row.domain_type == "Managed"
        assert row.federated_domains == [seed.DOMAIN_FEDERATED]
    parameters = [
        p if p["name"] != "userPrincipalName" else {**p, "value": "{email|local}@fabrikam.com"}
        for p in api.ok("GET", f"/apps/{app['id']}")["parameters"]
    ]
    api.ok("PATCH", f"/apps/{app['id']}", json={"parameters": parameters})
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role["id"]]))["id"]

    [task] = wait_tasks(api, app["id"])

    assert task["status"] == "succeeded", task
    anchor = tenant_user(sandbox, "user1@fabrikam.com").props["onPremisesImmutableId"]
    assert anchor and api.ok("GET", f"/users/{uid}")["custom_attributes"]["immutable_id"] == anchor


def test_a_synced_user_is_managed_as_far_as_graph_allows_through_its_whole_life(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _setup(api, sandbox, domain=seed.DOMAIN_FEDERATED, on_user_deleted="delete")
    _everyone(api, app["id"], seed.SKU_E3, [seed.GROUP_SALES])
    alex = sandbox.state.tenant(seed.DEMO_TENANT_ID).users[seed.USER_ALEX_FABRIKAM]
    body = user_body(
        1,
        username="alexw",
        email="alexw@example.com",
        custom_attributes={"immutable_id": seed.ALEX_IMMUTABLE_ID},
    )
    uid = api.ok("POST", "/users", json={**body, "role_ids": [role["id"]]})["id"]

    # Linked by ImmutableID: licenses and groups applied, mastered attributes left alone.
    [linked] = wait_tasks(api, app["id"])
    assert linked["status"] == "succeeded", linked
    assert linked["reason"] and linked["reason"].startswith(
        "mastered on-premises, left to the on-premises directory: "
    )
    assert "displayName" in linked["reason"] and "department" in linked["reason"]
    assert alex.props["displayName"] == "Alex Wilber" and alex.props["department"] is None
    assert {lic.sku_id for lic in alex.licenses} == {seed.SKU_E1, seed.SKU_E3}
    assert alex.id in members(sandbox, seed.GROUP_SALES)
    [mastered] = _events("provisioning.mastered_on_premises", uid)
    assert mastered["tenant_object_id"] == alex.id and "surname" in mastered["attributes"]
    assert sandbox.state.counters.per_status.get("400", 0) == 0

    # Suspended: what we granted goes, the account stays enabled (Graph would refuse).
    api.ok("PATCH", f"/users/{uid}", json={"status": "suspended"})
    tasks = wait_tasks(api, app["id"])
    assert [(t["action"], t["status"]) for t in tasks] == [
        ("create", "succeeded"),
        ("suspend", "succeeded"),
    ]  # and nothing is planned again and again
    assert "managed by the on-premises directory" in tasks[-1]["reason"]
    assert alex.props["accountEnabled"] is True
    assert [lic.sku_id for lic in alex.licenses] == [seed.SKU_E1]  # the hand-granted one stays
    assert alex.id not in members(sandbox, seed.GROUP_SALES)
    held = _assignment(app["id"], uid)
    assert held.state == "suspended" and held.applied is None
    assert held.tenant_object_id == alex.id

    # Reactivated: linked again by id, licenses and groups back.
    api.ok("PATCH", f"/users/{uid}", json={"status": "active"})
    tasks = wait_tasks(api, app["id"])
    assert (tasks[-1]["action"], tasks[-1]["status"]) == ("create", "succeeded"), tasks[-1]
    assert {lic.sku_id for lic in alex.licenses} == {seed.SKU_E1, seed.SKU_E3}
    assert alex.id in members(sandbox, seed.GROUP_SALES)

    # Deleted: the account is not deleted (Graph would refuse); ours is removed.
    api.ok("DELETE", f"/users/{uid}")
    tasks = wait_tasks(api, app["id"])
    assert (tasks[-1]["action"], tasks[-1]["status"]) == ("delete", "succeeded"), tasks[-1]
    assert not alex.is_deleted and [lic.sku_id for lic in alex.licenses] == [seed.SKU_E1]
    released = _events("provisioning.account_managed_on_premises", uid)
    assert [e["action"] for e in released] == ["suspend", "delete"]
    assert released[-1]["licenses_removed"] == [seed.SKU_E3]
    assert sandbox.state.counters.per_status.get("400", 0) == 0


def test_a_lost_answer_after_a_rule_change_ends_in_retry_not_twenty_failed_tasks(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _setup(api, sandbox)
    rule = _everyone(api, app["id"], seed.SKU_E1, [])
    sandbox.state.tenant(seed.DEMO_TENANT_ID).skus[seed.SKU_E1].enabled = 50
    for n in range(1, 21):
        api.ok("POST", "/users", json=user_body(n, role_ids=[role["id"]]))
    assert {t["status"] for t in wait_tasks(api, app["id"])} == {"succeeded"}
    sandbox.state.set_behaviour({"lose_batch_answers": 1, "timeout_hang_s": 0.05})
    wasted_before = sandbox.state.counters.writes_unchanged

    # The rule moves everyone from E1 to E3: one assignLicense batch, carried out, answer lost.
    api.ok(
        "PATCH",
        f"/apps/{app['id']}/rules/{rule['id']}",
        json={"actions": [{"action": "set_licenses", "value": [seed.SKU_E3]}]},
    )
    job = api.ok("POST", f"/apps/{app['id']}/rules/reapply")
    assert api.wait_job(job["id"])["status"] == "succeeded"
    updates = [t for t in wait_tasks(api, app["id"], timeout=90) if t["action"] == "update"]

    assert len(updates) == 20
    assert {t["status"] for t in updates} == {"succeeded"}, {t["reason"] for t in updates}
    assert all(t["attempts"] >= 2 for t in updates)  # each retried once, none failed
    for n in range(1, 21):
        assert [lic.sku_id for lic in tenant_user(sandbox, f"user{n}@contoso.com").licenses] == [
            seed.SKU_E3
        ]
    assert sandbox.state.behaviour.lose_batch_answers == 0  # the answer really was lost
    assert sandbox.state.counters.writes_unchanged == wasted_before  # no write resent blindly
