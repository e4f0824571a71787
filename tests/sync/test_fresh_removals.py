"""An incremental cycle finds the removal of what the engine created since the last cycle.

The engine creates a person (and adds them to a group) after the last cycle; someone then
deletes them or drops the membership in the tenant. The next delta round reports only the
`@removed`, for an account or a membership the snapshot never held: drift must still compare
that person, through real cycles (`POST /apps/{id}/sync`) against the sandbox."""

from __future__ import annotations

from typing import Any

import httpx

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import everyone_app, wait_tasks
from tests.support import ApiClient, user_body
from tests.sync.conftest import accounts
from tests.tenant_accounts.snapshot import wait_jobs


def _sync(api: ApiClient, app_id: int, full: bool = False) -> dict[str, Any]:
    job = api.ok("POST", f"/apps/{app_id}/sync", json={"full": full}, expect=202)
    assert api.wait_job(job["id"])["status"] == "succeeded"
    body = api.ok("GET", f"/apps/{app_id}/sync")
    assert body["last_cycle"]["ok"], body
    return dict(body["last_cycle"])


def _provisioned_after_a_cycle(
    api: ApiClient, sandbox: SandboxServer, groups: bool = True
) -> tuple[int, str]:
    """An app whose rule grants everyone E3 (and Sales with `groups`), cycled once, then
    one person provisioned (created, and added to Sales) before the next cycle. Without a
    group no membership round mentions the person: only the users round does."""
    app_id, role_id, _ = everyone_app(
        api,
        sandbox,
        {"action": "set_licenses", "value": [seed.SKU_E3]},
        *([{"action": "set_groups", "value": [seed.GROUP_SALES]}] if groups else []),
    )
    assert _sync(api, app_id, full=True)["kind"] == "full"
    user = api.ok("POST", "/users", json=user_body(1, role_ids=[role_id]))
    assert {t["status"] for t in wait_tasks(api, app_id)} == {"succeeded"}
    (assignment,) = api.ok("GET", f"/users/{user['id']}/apps")
    return app_id, str(assignment["tenant_object_id"])


def test_a_fresh_account_deleted_in_the_tenant_is_drift_at_the_next_incremental_cycle(
    api: ApiClient, sandbox: SandboxServer, portal: httpx.Client
) -> None:
    app_id, oid = _provisioned_after_a_cycle(api, sandbox, groups=False)
    assert portal.delete(f"/users/{oid}").is_success

    cycle = _sync(api, app_id)

    assert cycle["kind"] == "incremental"
    assert cycle["drift"]["found"] == {"deleted": 1}, cycle
    # The snapshot records the account as the tenant holds it: in deleted items.
    assert accounts(app_id)[oid].deleted is True
    [item] = api.ok("GET", f"/apps/{app_id}/drift")["items"]
    assert (item["kind"], item["object_id"], item["tenant_value"]) == ("deleted", oid, "deleted")


def test_a_fresh_account_purged_in_the_tenant_is_drift_at_the_next_incremental_cycle(
    api: ApiClient, sandbox: SandboxServer, portal: httpx.Client
) -> None:
    app_id, oid = _provisioned_after_a_cycle(api, sandbox, groups=False)
    assert portal.delete(f"/users/{oid}").is_success
    assert portal.post(f"/users/{oid}/purge").is_success

    cycle = _sync(api, app_id)

    assert cycle["kind"] == "incremental"
    assert cycle["drift"]["found"] == {"deleted": 1}, cycle
    assert oid not in accounts(app_id)
    [item] = api.ok("GET", f"/apps/{app_id}/drift")["items"]
    assert (item["kind"], item["tenant_value"]) == ("deleted", "gone")


def test_a_fresh_membership_removed_in_the_tenant_is_drift_at_the_next_incremental_cycle(
    api: ApiClient, sandbox: SandboxServer, portal: httpx.Client
) -> None:
    app_id, oid = _provisioned_after_a_cycle(api, sandbox)
    assert portal.delete(f"/groups/{seed.GROUP_SALES}/members/{oid}").is_success

    cycle = _sync(api, app_id)

    assert cycle["kind"] == "incremental"
    assert cycle["drift"]["found"] == {"groups": 1}, cycle
    [item] = api.ok("GET", f"/apps/{app_id}/drift")["items"]
    assert (item["kind"], item["target"], item["tenant_value"]) == (
        "groups",
        seed.GROUP_SALES,
        "not member",
    )
    # A full round finds the same and nothing more.
    assert _sync(api, app_id, full=True)["drift"]["found"] == {"groups": 1}


def test_a_membership_removed_before_the_groups_first_round_is_drift(
    api: ApiClient, sandbox: SandboxServer, portal: httpx.Client
) -> None:
    """A rule starts using Sales: the engine adds the person, someone drops them before the
    next cycle, whose groups round is the group's first (full): it lists no such member, so
    no row changed, and only comparing every assignment finds the membership we applied."""
    app_id, role_id, rule = everyone_app(
        api, sandbox, {"action": "set_licenses", "value": [seed.SKU_E3]}
    )
    user = api.ok("POST", "/users", json=user_body(1, role_ids=[role_id]))
    assert {t["status"] for t in wait_tasks(api, app_id)} == {"succeeded"}
    (assignment,) = api.ok("GET", f"/users/{user['id']}/apps")
    oid = assignment["tenant_object_id"]
    assert _sync(api, app_id, full=True)["drift"]["found"] == {}
    actions = [*rule["actions"], {"action": "set_groups", "value": [seed.GROUP_SALES]}]
    api.ok("PATCH", f"/apps/{app_id}/rules/{rule['id']}", json={"actions": actions})
    wait_jobs(api)
    tasks = wait_tasks(api, app_id)
    assert [t["status"] for t in tasks] == ["succeeded", "succeeded"], tasks
    assert portal.delete(f"/groups/{seed.GROUP_SALES}/members/{oid}").is_success

    cycle = _sync(api, app_id)

    assert cycle["kind"] == "incremental"
    assert cycle["drift"]["found"] == {"groups": 1}, cycle
