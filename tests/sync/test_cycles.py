"""Delta cycles against the sandbox tenant: the snapshot after a first round, quiet cycles,
out-of-band changes, deletes and restores, a refused deltaLink, one cycle at a time,
quarantine and its lifting, the groups round."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col, func, select

from app.db import transaction
from app.models import App, AppSync, Event, RuleRow, Task, WebhookDelivery
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.sync.service import CycleResult, run_cycle
from tests.support import ApiClient
from tests.sync.conftest import T, accounts, cycle, delta_calls, live_ids, members, sync_row


def _count(model: Any, *where: Any) -> int:
    with transaction() as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def test_first_round_fills_the_snapshot_and_a_quiet_cycle_costs_one_round_trip(
    app: dict[str, Any], sandbox: SandboxServer
) -> None:
    first = cycle(app["id"])
    assert first.ran and first.cycle is not None and first.cycle["ok"], first
    snapshot = accounts(app["id"])
    assert set(snapshot) == live_ids(sandbox)
    megan = snapshot[seed.USER_MEGAN]
    tenant_megan = sandbox.state.tenant(T).users[seed.USER_MEGAN]
    assert megan.user_principal_name == tenant_megan.upn
    assert megan.attributes["displayName"] == tenant_megan.props["displayName"]
    assert megan.account_enabled is True and megan.deleted is False
    assert megan.assigned_licenses == sorted(lic.sku_id for lic in tenant_megan.licenses)
    row = sync_row(app["id"])
    assert row.users_delta_link and row.state == "idle" and row.last_cycle is not None
    assert row.last_cycle["kind"] == "full"
    assert row.next_cycle_at is not None and row.next_full_at is not None

    before = delta_calls(sandbox)
    quiet = cycle(app["id"])
    assert quiet.cycle is not None
    assert quiet.cycle["kind"] == "incremental"
    assert delta_calls(sandbox) - before == 1
    assert quiet.cycle["round_trips"] == {"users": 1, "groups": 0}
    assert quiet.cycle["accounts_changed"] == 0 and quiet.cycle["tasks_planned"] == 0
    assert accounts(app["id"]) == snapshot
    assert _count(Task) == 0


def test_an_out_of_band_change_appears_in_the_next_round(
    app: dict[str, Any], sandbox: SandboxServer, portal: httpx.Client
) -> None:
    cycle(app["id"])
    assert portal.patch(f"/users/{seed.USER_MEGAN}", json={"department": "Legal"}).is_success
    assert portal.post(f"/users/{seed.USER_NESTOR}/disable").is_success
    done = cycle(app["id"])
    assert done.cycle is not None and done.cycle["accounts_changed"] == 2
    snapshot = accounts(app["id"])
    assert snapshot[seed.USER_MEGAN].attributes["department"] == "Legal"
    assert snapshot[seed.USER_NESTOR].account_enabled is False


def test_soft_delete_restore_and_purge(
    app: dict[str, Any], sandbox: SandboxServer, portal: httpx.Client
) -> None:
    cycle(app["id"])
    assert portal.delete(f"/users/{seed.USER_MEGAN}").is_success
    cycle(app["id"])
    assert accounts(app["id"])[seed.USER_MEGAN].deleted is True

    assert portal.post(f"/users/{seed.USER_MEGAN}/restore").is_success
    cycle(app["id"])
    assert accounts(app["id"])[seed.USER_MEGAN].deleted is False

    assert portal.delete(f"/users/{seed.USER_MEGAN}").is_success
    assert portal.post(f"/users/{seed.USER_MEGAN}/purge").is_success
    done = cycle(app["id"])
    assert seed.USER_MEGAN not in accounts(app["id"])
    assert done.cycle is not None and done.cycle["accounts_removed"] == 1


def test_a_refused_delta_link_restarts_with_a_full_round(
    app: dict[str, Any], sandbox: SandboxServer, portal: httpx.Client
) -> None:
    cycle(app["id"])
    link = sync_row(app["id"]).users_delta_link
    assert link is not None
    with transaction() as session:
        session.execute(
            update(AppSync)
            .where(col(AppSync.app_id) == app["id"])
            .values(users_delta_link=link[:-6] + "AAAAAA")
        )
    assert portal.patch(f"/users/{seed.USER_MEGAN}", json={"jobTitle": "CFO"}).is_success
    done = cycle(app["id"])
    assert done.cycle is not None and done.cycle["ok"]
    assert done.cycle["kind"] == "full"
    assert done.cycle["full_restart"] and done.cycle["full_restart"].startswith("400")
    assert accounts(app["id"])[seed.USER_MEGAN].attributes["jobTitle"] == "CFO"
    assert sync_row(app["id"]).users_delta_link != link


def test_a_full_round_drops_accounts_the_tenant_no_longer_has(
    app: dict[str, Any], sandbox: SandboxServer
) -> None:
    cycle(app["id"])
    # A row Graph would never return (as if its purge happened while the link was lost).
    from app.models import TenantAccount

    with transaction() as session:
        session.add(TenantAccount(app_id=app["id"], object_id="gone-1", attributes={}))
    done = cycle(app["id"], full=True)
    assert done.cycle is not None and done.cycle["kind"] == "full"
    assert "gone-1" not in accounts(app["id"])
    assert set(accounts(app["id"])) == live_ids(sandbox)


def test_one_cycle_at_a_time(app: dict[str, Any], sandbox: SandboxServer) -> None:
    """While one cycle holds the lease (stopped inside its first page), a second cycle on
    another thread, with its own session and event loop, does not run."""
    other: list[CycleResult] = []

    def second_cycle() -> None:
        other.append(asyncio.run(run_cycle(app["id"])))

    def progress(pages: int) -> None:
        if not other:
            thread = threading.Thread(target=second_cycle)
            thread.start()
            thread.join()

    first = asyncio.run(run_cycle(app["id"], progress=progress))
    assert first.ran and first.cycle is not None and first.cycle["ok"]
    assert [(r.ran, r.detail) for r in other] == [(False, "already running")]
    assert sync_row(app["id"]).state == "idle"
    # Released: the next one runs.
    assert cycle(app["id"]).ran


def _revoke_consent(sandbox: SandboxServer, app_id: int) -> None:
    with sandbox.state.lock:
        sandbox.state.apps[seed.DEMO_CLIENT_ID].consented_tenants.discard(T)
    # The token MSAL cached would still be honoured until it expires; drop it, as expiry would.
    with transaction() as session:
        session.execute(update(App).where(col(App.id) == app_id).values(token_cache_enc=None))


def test_revoked_consent_quarantines_the_app_until_a_cycle_succeeds(
    app: dict[str, Any], sandbox: SandboxServer, api: ApiClient
) -> None:
    api.ok(
        "POST",
        "/webhooks",
        json={"url": "https://hooks.example.com/in", "event_types": ["app.quarantined"]},
    )
    cycle(app["id"])
    _revoke_consent(sandbox, app["id"])
    failed = cycle(app["id"])
    assert failed.ran and failed.cycle is not None and not failed.cycle["ok"]
    row = sync_row(app["id"])
    assert row.state == "quarantined"
    assert row.quarantine_reason and "AADSTS" in row.quarantine_reason
    assert row.quarantined_until is not None and row.quarantined_at is not None
    assert row.next_cycle_at == row.quarantined_until
    assert _count(Event, col(Event.kind) == "sync.quarantined") == 1
    assert _count(WebhookDelivery, col(WebhookDelivery.event_type) == "app.quarantined") == 1
    read = api.ok("GET", f"/apps/{app['id']}/sync")
    assert read["state"] == "quarantined" and "AADSTS" in read["quarantine"]["reason"]

    # Not started again before the back-off ends...
    waiting = cycle(app["id"])
    assert not waiting.ran and waiting.detail.startswith("quarantined until")
    # ...but an admin's "sync now" tries, and a success lifts the quarantine.
    with sandbox.state.lock:
        sandbox.state.apps[seed.DEMO_CLIENT_ID].consented_tenants.add(T)
    lifted = cycle(app["id"], force=True)
    assert lifted.cycle is not None and lifted.cycle["ok"]
    row = sync_row(app["id"])
    assert row.state == "idle" and row.quarantine_reason is None and row.failures == 0
    assert _count(Event, col(Event.kind) == "sync.quarantine_lifted") == 1


def test_the_groups_round_reads_the_members_of_the_rules_groups(
    app: dict[str, Any], sandbox: SandboxServer, portal: httpx.Client
) -> None:
    with transaction() as session:
        session.add(
            RuleRow(
                app_id=app["id"],
                name="everyone in All Company",
                conditions=[],
                actions=[{"action": "set_groups", "value": [seed.GROUP_ALL_COMPANY]}],
            )
        )
    first = cycle(app["id"])
    assert first.cycle is not None and first.cycle["ok"], first.cycle
    company = seed.GROUP_ALL_COMPANY
    assert members(app["id"]) == {(company, seed.USER_MEGAN), (company, seed.USER_NESTOR)}

    before = delta_calls(sandbox, "groups")
    quiet = cycle(app["id"])
    assert quiet.cycle is not None and quiet.cycle["round_trips"] == {"users": 1, "groups": 1}
    assert delta_calls(sandbox, "groups") - before == 1

    assert portal.delete(f"/groups/{company}/members/{seed.USER_MEGAN}").is_success
    changed = cycle(app["id"])
    assert changed.cycle is not None and changed.cycle["members_changed"] == 1
    assert members(app["id"]) == {(company, seed.USER_NESTOR)}

    # Another group in the rules: the groups round starts again in full, for both.
    with transaction() as session:
        session.add(
            RuleRow(
                app_id=app["id"],
                name="sales",
                conditions=[],
                actions=[{"action": "set_groups", "value": [seed.GROUP_SALES]}],
            )
        )
    cycle(app["id"])
    sales = {u for g, u in members(app["id"]) if g == seed.GROUP_SALES}
    assert sales == set(sandbox.state.tenant(T).groups[seed.GROUP_SALES].members)
    assert (company, seed.USER_NESTOR) in members(app["id"])
