"""Delta cycles on the embedded default, SQLite: a first round with matching over ~200 tenant
users, a quiet cycle, out-of-band changes, and a drift report, through the same API, runner
and sandbox as on Postgres."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.db import transaction
from app.models import User
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import everyone_app, wait_tasks
from tests.support import ApiClient, reset_caches, use_sqlite, user_body
from tests.sync.conftest import T, accounts, cycle, live_ids

TENANT_USERS = 200
MATCHED = 50


@pytest.fixture
def sqlite_api(
    env: dict[str, str],
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ApiClient]:
    """The API on a fresh SQLite database (no DATABASE_URL: the embedded default)."""
    monkeypatch.setenv("SANDBOX_URL", sandbox.base_url)
    monkeypatch.setenv("SANDBOX_CA_FILE", str(sandbox.ca_file))
    use_sqlite(tmp_path, monkeypatch)
    with ApiClient.admin() as client:
        yield client
    reset_caches()


def test_cycles_match_and_drift_on_sqlite(
    sqlite_api: ApiClient, sandbox: SandboxServer, portal: httpx.Client
) -> None:
    api = sqlite_api
    app_id, role_id, _ = everyone_app(
        api,
        sandbox,
        {"action": "set_licenses", "value": [seed.SKU_E3]},
        {"action": "set_groups", "value": [seed.GROUP_SALES]},
    )
    # One person provisioned by the engine (so drift has an applied state to compare)...
    uid = api.ok("POST", "/users", json=user_body(1, role_ids=[role_id]))["id"]
    [task] = wait_tasks(api, app_id)
    assert task["status"] == "succeeded", task
    # ...and a tenant of 200 people the engine never made, 50 of them in our directory.
    created = portal.post("/users:bulk", json={"count": TENANT_USERS, "prefix": "emp"})
    assert created.is_success, created.text
    with transaction() as session:
        for n in range(1, MATCHED + 1):
            email = f"emp{n}@example.org"
            session.add(
                User(
                    username=f"emp{n}",
                    username_lower=f"emp{n}",
                    email=email,
                    email_lower=email,
                    firstname="Pat",
                    lastname=f"Emp{n}",
                )
            )

    first = cycle(app_id, reason="import")
    assert first.cycle is not None and first.cycle["ok"], first.cycle
    assert first.cycle["kind"] == "full"
    snapshot = accounts(app_id)
    assert set(snapshot) == live_ids(sandbox) and len(snapshot) > TENANT_USERS
    assert first.cycle["matched_by"].get("user_principal_name") == MATCHED
    emp = {a.user_principal_name: a for a in snapshot.values()}
    assert emp[f"emp7@{seed.DOMAIN_DEFAULT}"].user_id is not None
    assert emp[f"emp{MATCHED + 1}@{seed.DOMAIN_DEFAULT}"].user_id is None
    assert first.cycle["drift"]["found"] == {}

    quiet = cycle(app_id)
    assert quiet.cycle is not None and quiet.cycle["kind"] == "incremental"
    assert quiet.cycle["round_trips"] == {"users": 1, "groups": 1}
    assert quiet.cycle["accounts_changed"] == 0 and quiet.cycle["tasks_planned"] == 0

    # Out of band: a department edited, and our person's E3 taken away in the portal.
    emp7 = emp[f"emp7@{seed.DOMAIN_DEFAULT}"].object_id
    mine = next(u.id for u in sandbox.state.tenant(T).users.values() if u.upn.startswith("user1@"))
    assert portal.patch(f"/users/{emp7}", json={"department": "Legal"}).is_success
    assert portal.delete(f"/users/{mine}/licenses/{seed.SKU_E3}").is_success
    changed = cycle(app_id)
    assert changed.cycle is not None and changed.cycle["ok"], changed.cycle
    assert changed.cycle["accounts_changed"] == 2
    assert accounts(app_id)[emp7].attributes["department"] == "Legal"
    assert changed.cycle["drift"]["found"] == {"licenses": 1}
    assert changed.cycle["tasks_planned"] == 0  # report: nothing sent

    report = api.ok("GET", f"/apps/{app_id}/drift")
    assert report["total"] == 1 and report["counts"]["licenses"] == 1
    [item] = report["items"]
    assert (item["kind"], item["target"], item["tenant_value"]) == (
        "licenses",
        seed.SKU_E3,
        "not assigned",
    )
    assert item["user_id"] == uid
    assert len(wait_tasks(api, app_id)) == 1
