"""What an attacker found around cycles and the app's policies, each as a test."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from app.db import transaction
from app.models import App, AppSync, utcnow
from app.provisioning.planning import approval_reason
from app.sandbox.server import SandboxServer
from app.sync.service import account_row
from tests.support import ApiClient
from tests.sync.conftest import cycle, sync_row


def test_a_policy_patch_changes_only_the_keys_it_sends(api: ApiClient, app: dict[str, Any]) -> None:
    url = f"/apps/{app['id']}"
    api.ok("PATCH", url, json={"drift_policy": {"attributes": "enforce", "licenses": "enforce"}})
    after = api.ok("PATCH", url, json={"drift_policy": {"groups": "report"}})["drift_policy"]
    assert (after["attributes"], after["licenses"]) == ("enforce", "enforce")
    api.ok("PATCH", url, json={"approval_required": {"create": True}})
    after = api.ok("PATCH", url, json={"approval_required": {"delete": True}})
    assert after["approval_required"]["create"] is True  # not silently turned off


def test_the_match_order_is_policy_and_needs_admin(api: ApiClient, app: dict[str, Any]) -> None:
    writer = api.with_scopes("write")
    body = {"match_order": ["mail", "user_principal_name"]}
    writer.problem("PATCH", f"/apps/{app['id']}", 403, json=body)
    assert api.ok("PATCH", f"/apps/{app['id']}", json=body)["match_order"] == body["match_order"]
    # Sending what it already is changes nothing and needs no privilege.
    writer.ok("PATCH", f"/apps/{app['id']}", json=body)


def test_reactivating_waits_for_approval_whenever_updates_do() -> None:
    app = App(approval_required={"update": True})
    assert approval_reason(app, "reactivate") is not None
    assert approval_reason(App(approval_required={"create": True}), "reactivate") is None


def test_a_full_round_asked_for_while_a_cycle_runs_follows_it(
    app: dict[str, Any], sandbox: SandboxServer
) -> None:
    cycle(app["id"])  # the first (full) round
    with transaction() as session:
        session.execute(
            update(AppSync)
            .where(AppSync.app_id == app["id"])
            .values(state="running", lease_until=utcnow() + timedelta(minutes=5))
        )
    busy = cycle(app["id"], full=True)
    assert not busy.ran and "full round follows" in busy.detail
    with transaction() as session:
        session.execute(update(AppSync).where(AppSync.app_id == app["id"]).values(state="idle"))
    follow = cycle(app["id"])
    assert follow.cycle is not None and follow.cycle["kind"] == "full"
    assert sync_row(app["id"]).next_full_at > utcnow()


def test_a_tenant_value_postgres_cannot_hold_does_not_stop_the_cycle() -> None:
    row = account_row(
        {
            "id": "0f0f0f0f-0000-0000-0000-000000000001",
            "userPrincipalName": "a\x00b@contoso.com",
            "givenName": "Jo\x00sh",
            "onPremisesImmutableId": "x" * 5000,
        },
        ["userPrincipalName", "givenName", "onPremisesImmutableId"],
    )
    assert row["user_principal_name"] == "ab@contoso.com"
    assert row["attributes"]["givenName"] == "Josh"
    # Too long for its column: never matched by a cut-off value, kept whole in attributes.
    assert row["on_premises_immutable_id"] is None
    assert len(row["attributes"]["onPremisesImmutableId"]) == 5000
