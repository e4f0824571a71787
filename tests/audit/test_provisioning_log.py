"""The provisioning log and the named why against the sandbox tenant: a step Graph refused
shows Graph's status, code, message and request id, and the request that carried it; license
names come from Microsoft's published product table."""

from __future__ import annotations

import pytest

from app.licensing import license_label, product, product_name
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.provisioning.conftest import everyone_app, make_app, wait_tasks
from tests.support import ApiClient, user_body


def test_a_refused_license_is_logged_with_graphs_answer_and_names(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id, role_id, rule = everyone_app(
        api,
        sandbox,
        {"action": "set_licenses", "value": [seed.SKU_M365_E5]},
        {"action": "set_groups", "value": [seed.GROUP_SALES]},
    )
    app = api.ok("GET", f"/apps/{app_id}")
    for job in api.ok("GET", "/jobs")["items"]:
        api.wait_job(job["id"])
    user = api.ok("POST", "/users", json=user_body(1, role_ids=[role_id]))
    [task] = wait_tasks(api, app["id"])
    assert task["status"] == "blocked"  # every E5 seat is taken in the demo tenant

    [entry] = api.ok("GET", f"/apps/{app['id']}/provisioning/log")["items"]
    assert entry["user"] == {"id": user["id"], "name": "user1"}
    assert entry["app"] == {"id": app["id"], "name": app["name"]}
    steps = {s["kind"]: s for s in entry["steps"]}
    refused = steps["license_add"]
    assert refused["target_name"] == "Microsoft 365 E5" and refused["status"] == "blocked"
    error = refused["error"]
    assert error["code"] == "Request_BadRequest" and error["request_id"]
    assert refused["text"].startswith("added license Microsoft 365 E5: blocked (Graph 400 ")
    call = refused["graph_call"]
    assert (call["method"], call["status"], call["code"]) == ("POST", 400, "Request_BadRequest")
    assert call["request_id"] == error["request_id"]
    assert call["message"] == error["message"]
    assert steps["group_add"]["text"] == "added to group 'Sales and Marketing': succeeded"
    assert entry["why"]["lines"] == [
        "role 'M365' was given by hand",
        "rule 'everyone' granted Microsoft 365 E5",
        "rule 'everyone' added group 'Sales and Marketing'",
    ]
    assert entry["why"]["licenses"][0]["rules"] == [{"id": rule["id"], "name": "everyone"}]
    # Renamed, the rule is named by its new name: names are read, not stored with the why.
    api.ok("PATCH", f"/apps/{app['id']}/rules/{rule['id']}", json={"name": "all staff"})
    [assignment] = api.ok("GET", f"/users/{user['id']}/apps")
    assert "rule 'all staff' granted Microsoft 365 E5" in assignment["why"]["lines"]
    assert api.ok("GET", "/provisioning/log", params={"status": "succeeded"})["items"] == []
    api.problem("GET", "/apps/999/provisioning/log", 404)


@pytest.mark.parametrize(
    ("part_number", "sku_id", "name"),
    [
        ("ENTERPRISEPACK", "6fd2c87f-b296-42f0-b197-1e91e994b900", "Office 365 E3"),
        ("ENTERPRISEPREMIUM", "c7df2760-2c81-4ef7-b578-5b5392b571df", "Office 365 E5"),
        ("STANDARDPACK", "18181a46-0d4e-45cd-891e-60aabd171b4e", "Office 365 E1"),
        ("SPE_E3", "05e9a617-0261-4cee-bb44-138d3ef5d965", "Microsoft 365 E3"),
        ("SPE_E5", "06ebc4ee-1bb5-47dd-8120-11324bc54e06", "Microsoft 365 E5"),
        (
            "O365_BUSINESS_PREMIUM",
            "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
            "Microsoft 365 Business Standard",
        ),
        ("SPB", "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", "Microsoft 365 Business Premium"),
        ("EXCHANGESTANDARD", "4b9405b0-7788-4568-add1-99614e613b69", "Exchange Online (Plan 1)"),
        ("EMS", "efccb6f7-5641-4e0e-bd10-b4976e1bf68e", "Enterprise Mobility + Security E3"),
        ("MCOPSTNC", "47794cd0-f0e5-45c5-9033-2eb6b5fc84e0", "Communications Credits"),
    ],
)
def test_microsofts_product_table_names_the_common_skus(
    part_number: str, sku_id: str, name: str
) -> None:
    found = product(sku_id.upper())
    assert found is not None and (found.part_number, found.name) == (part_number, name)
    assert product_name(part_number=part_number.lower()) == name


def test_the_sandbox_skus_are_microsofts_real_ones() -> None:
    for sku_id, part_number in [
        (seed.SKU_E3, "ENTERPRISEPACK"),
        (seed.SKU_E1, "STANDARDPACK"),
        (seed.SKU_M365_E5, "SPE_E5"),
        (seed.SKU_EMS, "EMS"),
        (seed.SKU_PSTN_CREDITS, "MCOPSTNC"),
    ]:
        found = product(sku_id)
        assert found is not None and found.part_number == part_number


def test_an_unknown_sku_reads_as_its_part_number() -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert product_name(unknown) is None
    assert license_label(unknown, "CONTOSO_TRIAL") == "CONTOSO_TRIAL"
    assert license_label(unknown) == unknown


def test_a_call_made_for_several_tasks_is_in_each_ones_log(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app = make_app(api, sandbox)
    api.ok(
        "PATCH",
        f"/apps/{app['id']}",
        json={"provisioning_enabled": True, "approval_required": {"create": True}},
    )
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    api.ok(
        "POST",
        f"/apps/{app['id']}/rules",
        json={
            "name": "sales",
            "conditions": [{"source": "username", "operator": "exists"}],
            "actions": [{"action": "set_groups", "value": [seed.GROUP_SALES]}],
        },
    )
    for job in api.ok("GET", "/jobs")["items"]:
        api.wait_job(job["id"])
    for n in (1, 2):
        api.ok("POST", "/users", json=user_body(n, role_ids=[role["id"]]))
    ids = sorted(t["id"] for t in wait_tasks(api, app["id"]))
    # Approved together, the two run in one batch: one look-up and one group add for both.
    api.ok("POST", "/provisioning/tasks/approve", json={"task_ids": ids})
    assert {t["status"] for t in wait_tasks(api, app["id"])} == {"succeeded"}

    entries = api.ok("GET", f"/apps/{app['id']}/provisioning/log")["items"]
    for entry in entries:
        [other] = [i for i in ids if i != entry["task_id"]]
        shared = {c["request"]: c for c in entry["graph_calls"] if c["shared_with"]}
        assert set(shared) >= {"find_by_upn", "bind_members"}, entry["graph_calls"]
        assert {tuple(c["shared_with"]) for c in shared.values()} == {(other,)}
        own = [c for c in entry["graph_calls"] if c["request"] == "create"]
        assert len(own) == 1 and own[0]["shared_with"] == []
        [group] = [s for s in entry["steps"] if s["kind"] == "group_add"]
        assert group["graph_call"]["request"] == "bind_members"
