"""Issue 12 end to end, through the API only: a person provisioned by the engine, changed by
hand in the tenant (the sandbox's admin API, as in the Microsoft 365 admin center), found by
the next `POST /apps/{id}/sync`, reported under `report` and put back under `enforce`; the
tenant's own people are listed as accounts that belong to nobody here."""

from __future__ import annotations

from typing import Any

import httpx

from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import everyone_app, wait_tasks
from tests.support import ApiClient, user_body
from tests.sync.conftest import T


def _sync(api: ApiClient, app_id: int, full: bool = False) -> dict[str, Any]:
    job = api.ok("POST", f"/apps/{app_id}/sync", json={"full": full}, expect=202)
    assert api.wait_job(job["id"])["status"] == "succeeded"
    return api.ok("GET", f"/apps/{app_id}/sync")


def test_a_hand_made_change_is_found_reported_then_put_back(
    api: ApiClient, sandbox: SandboxServer, portal: httpx.Client
) -> None:
    app_id, role_id, _ = everyone_app(
        api, sandbox, {"action": "set_licenses", "value": [seed.SKU_E3]}
    )
    user = api.ok("POST", "/users", json=user_body(1, role_ids=[role_id]))
    assert {t["status"] for t in wait_tasks(api, app_id)} == {"succeeded"}
    (assignment,) = api.ok("GET", f"/users/{user['id']}/apps")
    oid = assignment["tenant_object_id"]
    tenant_user = sandbox.state.tenant(T).users[oid]

    # The first cycle reads the whole tenant: our user is linked, the seeded people are not.
    first = _sync(api, app_id, full=True)
    assert first["last_cycle"]["ok"], first
    orphans = api.ok("GET", f"/apps/{app_id}/tenant-accounts", params={"matched": "false"})
    assert oid not in {a["object_id"] for a in orphans["items"]}
    assert seed.USER_MEGAN in {a["object_id"] for a in orphans["items"]}
    assert api.ok("GET", f"/apps/{app_id}/drift")["total"] == 0

    # By hand in the tenant: another department, the license taken away.
    assert portal.patch(f"/users/{oid}", json={"department": "Legal"}).is_success
    assert portal.delete(f"/users/{oid}/licenses/{seed.SKU_E3}").is_success

    # report (the default): found, shown, nothing sent.
    before = len(api.ok("GET", "/provisioning/tasks", params={"app_id": app_id})["items"])
    _sync(api, app_id)
    drift = api.ok("GET", f"/apps/{app_id}/drift")
    assert drift["counts"]["attributes"] == 1 and drift["counts"]["licenses"] == 1, drift
    assert len(api.ok("GET", "/provisioning/tasks", params={"app_id": app_id})["items"]) == before
    assert tenant_user.props["department"] == "Legal" and tenant_user.licenses == []

    # enforce: the next cycle plans the fix, the worker sends it, the cycle after sees it gone.
    api.ok(
        "PATCH",
        f"/apps/{app_id}",
        json={"drift_policy": {"attributes": "enforce", "licenses": "enforce"}},
    )
    _sync(api, app_id)
    tasks = wait_tasks(api, app_id)
    assert len(tasks) == before + 1 and tasks[0]["status"] == "succeeded", tasks[0]
    assert tenant_user.props["department"] == "Sales"
    assert [lic.sku_id for lic in tenant_user.licenses] == [seed.SKU_E3]
    _sync(api, app_id)
    assert api.ok("GET", f"/apps/{app_id}/drift")["total"] == 0
