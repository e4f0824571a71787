"""Per-step outcomes: one failed step hides no other, and a refused value is not sent again."""

from __future__ import annotations

import pytest

from app.graph import GraphClient
from app.models import StepKind, StepStatus
from app.provisioning.executor import Outcome
from app.provisioning.executor.types import StepResult
from app.provisioning.steps import Refusal, Refusals, license_value
from app.sandbox import seed
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from app.sandbox.state import User
from tests.provisioning.executor.conftest import Wire, person, run, tenant, work

pytestmark = pytest.mark.anyio

MEGAN_UPN = "meganb@contoso.com"  # held by Megan in the seed tenant
CONFLICT = "Another object with the same value for property userPrincipalName already exists."


def _jo(sb: SandboxServer) -> User:
    return add_user(tenant(sb), "jo@contoso.com", "Jo", mailNickname="jo", usageLocation="US")


def _step(outcome: Outcome, kind: StepKind, target: str | None = None) -> StepResult:
    found = [s for s in outcome.steps if s.kind == kind and (target is None or s.target == target)]
    assert len(found) == 1, [(s.kind, s.target) for s in outcome.steps]
    return found[0]


async def test_a_refused_patch_stops_neither_licenses_nor_groups(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    jo = _jo(sandbox)
    before = person("jo@contoso.com", displayName="Jo")
    after = person(
        "jo@contoso.com",
        displayName="Jo",
        userPrincipalName=MEGAN_UPN,
        licenses={seed.SKU_E1: []},
        groups=[seed.GROUP_ENGINEERING],
    )

    [outcome] = await run(
        graph, sandbox, work(7, after, action="update", applied=before, tenant_object_id=jo.id)
    )

    patch = _step(outcome, StepKind.attributes)
    assert patch.status == StepStatus.failed and patch.target == "userPrincipalName"
    error = patch.to_json()["error"]
    assert error["code"] == "Request_BadRequest" and error["message"] == CONFLICT
    [call] = sandbox.state.calls_to("PATCH", f"/users/{jo.id}")
    assert error["request_id"] == call.request_id and call.status == 400
    assert _step(outcome, StepKind.license_add, seed.SKU_E1).status == StepStatus.succeeded
    assert _step(outcome, StepKind.group_add, seed.GROUP_ENGINEERING).status == "succeeded"
    assert jo.upn == "jo@contoso.com" and [lic.sku_id for lic in jo.licenses] == [seed.SKU_E1]
    assert jo.id in tenant(sandbox).groups[seed.GROUP_ENGINEERING].members
    # Applied is what took effect: the refused UPN is not, the license and group are.
    assert outcome.status == "failed" and not outcome.complete
    assert outcome.applied is not None
    assert outcome.applied.attributes["userPrincipalName"] == "jo@contoso.com"
    assert set(outcome.applied.licenses) == {seed.SKU_E1}
    assert outcome.applied.groups == {seed.GROUP_ENGINEERING}
    assert [r.value for r in patch.refusals()] == [{"userPrincipalName": MEGAN_UPN}]


async def test_a_license_without_seats_does_not_stop_other_licenses_or_groups(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    jo = _jo(sandbox)
    before = person("jo@contoso.com", displayName="Jo")
    after = person(
        "jo@contoso.com",
        displayName="Jo",
        licenses={seed.SKU_M365_E5: [], seed.SKU_E1: []},
        groups=[seed.GROUP_SALES],
    )

    [outcome] = await run(
        graph, sandbox, work(1, after, action="update", applied=before, tenant_object_id=jo.id)
    )

    assert _step(outcome, StepKind.license_add, seed.SKU_M365_E5).status == StepStatus.blocked
    assert _step(outcome, StepKind.license_add, seed.SKU_E1).status == StepStatus.succeeded
    assert _step(outcome, StepKind.group_add, seed.GROUP_SALES).status == StepStatus.succeeded
    assert [lic.sku_id for lic in jo.licenses] == [seed.SKU_E1]
    assert jo.id in tenant(sandbox).groups[seed.GROUP_SALES].members
    assert outcome.status == "blocked"
    assert outcome.applied is not None and set(outcome.applied.licenses) == {seed.SKU_E1}
    assert outcome.applied.groups == {seed.GROUP_SALES}
    # Graph refused the call of both; each was then sent alone to get its own answer.
    assigns = wire.items("POST", f"/users/{jo.id}/assignLicense")
    assert [len(a["body"]["addLicenses"]) for a in assigns] == [2, 1, 1]


async def test_one_refused_group_does_not_stop_another(
    graph: GraphClient, sandbox: SandboxServer
) -> None:
    jo = _jo(sandbox)
    before = person("jo@contoso.com", displayName="Jo")
    after = person(
        "jo@contoso.com", displayName="Jo", groups=[seed.GROUP_DYNAMIC, seed.GROUP_SALES]
    )

    [outcome] = await run(
        graph, sandbox, work(1, after, action="update", applied=before, tenant_object_id=jo.id)
    )

    dynamic = _step(outcome, StepKind.group_add, seed.GROUP_DYNAMIC)
    assert dynamic.status == StepStatus.failed
    assert "dynamic membership" in dynamic.to_json()["error"]["message"]
    assert _step(outcome, StepKind.group_add, seed.GROUP_SALES).status == StepStatus.succeeded
    assert jo.id in tenant(sandbox).groups[seed.GROUP_SALES].members
    assert jo.id not in tenant(sandbox).groups[seed.GROUP_DYNAMIC].members
    assert outcome.status == "failed"
    assert outcome.applied is not None and outcome.applied.groups == {seed.GROUP_SALES}


async def test_values_refused_before_are_held_back_and_the_rest_is_sent(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    jo = _jo(sandbox)
    before = person("jo@contoso.com", displayName="Jo")
    after = person(
        "jo@contoso.com",
        displayName="Jo",
        userPrincipalName=MEGAN_UPN,
        jobTitle="Rep",
        licenses={seed.SKU_E1: []},
        groups=[seed.GROUP_DYNAMIC, seed.GROUP_SALES],
    )
    error = {"code": "Request_BadRequest", "message": "no", "status": 400, "request_id": "r-1"}
    refused = Refusals(
        (
            Refusal(
                StepKind.attributes, "userPrincipalName", {"userPrincipalName": MEGAN_UPN}, error, 3
            ),
            Refusal(StepKind.license_add, seed.SKU_E1, license_value([], after), error, 3),
            Refusal(StepKind.group_add, seed.GROUP_DYNAMIC, None, error, 3),
        )
    )
    task = work(9, after, action="update", applied=before, tenant_object_id=jo.id)
    task.refused = refused

    [outcome] = await run(graph, sandbox, task)

    assert [p["body"] for p in wire.items("PATCH", f"/users/{jo.id}")] == [{"jobTitle": "Rep"}]
    assert wire.items("POST", f"/users/{jo.id}/assignLicense") == []
    assert wire.items("POST", f"/groups/{seed.GROUP_DYNAMIC}/members/$ref") == []
    assert wire.items("PATCH", f"/groups/{seed.GROUP_DYNAMIC}") == []
    held = [s for s in outcome.steps if s.held is not None]
    assert sorted((s.kind, s.target) for s in held) == sorted(
        [
            (StepKind.attributes, "userPrincipalName"),
            (StepKind.license_add, seed.SKU_E1),
            (StepKind.group_add, seed.GROUP_DYNAMIC),
        ]
    )
    assert all(s.status == StepStatus.skipped and s.to_json()["error"] == error for s in held)
    # Held back in task 9 because task 3 met the refusal: task 9 did all it could.
    assert outcome.status == "succeeded" and not outcome.complete
    assert (
        jo.props["jobTitle"] == "Rep" and jo.id in tenant(sandbox).groups[seed.GROUP_SALES].members
    )
    assert outcome.applied is not None
    assert outcome.applied.attributes.get("userPrincipalName") == "jo@contoso.com"
    assert outcome.applied.licenses == {} and outcome.applied.groups == {seed.GROUP_SALES}


async def test_a_refused_patch_is_sent_whole_once_one_of_its_values_changes(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    jo = _jo(sandbox)
    before = person("jo@contoso.com", displayName="Jo")
    after = person(
        "jo@contoso.com", displayName="Jo", userPrincipalName="jo2@contoso.com", department="Ops"
    )
    error = {"code": "Request_BadRequest", "message": CONFLICT, "status": 400, "request_id": "r"}
    refused = {"department": "Ops", "userPrincipalName": MEGAN_UPN}
    task = work(5, after, action="update", applied=before, tenant_object_id=jo.id)
    task.refused = Refusals(
        (Refusal(StepKind.attributes, "department, userPrincipalName", refused, error, 2),)
    )

    [outcome] = await run(graph, sandbox, task)

    # The refusal may have been the department's as much as the UPN's: both go again.
    assert [p["body"] for p in wire.items("PATCH", f"/users/{jo.id}")] == [
        {"department": "Ops", "userPrincipalName": "jo2@contoso.com"}
    ]
    assert outcome.status == "succeeded" and outcome.complete
    assert jo.upn == "jo2@contoso.com" and jo.props["department"] == "Ops"


async def test_a_refusal_met_by_the_same_task_still_fails_it_on_a_later_attempt(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    jo = _jo(sandbox)
    before = person("jo@contoso.com", displayName="Jo")
    after = person("jo@contoso.com", displayName="Jo", userPrincipalName=MEGAN_UPN)
    error = {"code": "Request_BadRequest", "message": CONFLICT, "status": 400, "request_id": "r"}
    task = work(4, after, action="update", applied=before, tenant_object_id=jo.id)
    task.refused = Refusals(
        (
            Refusal(
                StepKind.attributes, "userPrincipalName", {"userPrincipalName": MEGAN_UPN}, error, 4
            ),
        )
    )

    [outcome] = await run(graph, sandbox, task)

    assert wire.writes() == []
    assert outcome.status == "failed" and outcome.error is not None
    assert outcome.error.message == CONFLICT
    assert _step(outcome, StepKind.attributes).status == StepStatus.failed


async def test_all_steps_applied_is_complete(graph: GraphClient, sandbox: SandboxServer) -> None:
    [outcome] = await run(
        graph,
        sandbox,
        work(1, person("kim@contoso.com", licenses={seed.SKU_E1: []}, groups=[seed.GROUP_SALES])),
    )

    assert outcome.status == "succeeded" and outcome.complete
    assert [(s.kind, s.status) for s in outcome.steps] == [
        (StepKind.create, StepStatus.succeeded),
        (StepKind.license_add, StepStatus.succeeded),
        (StepKind.group_add, StepStatus.succeeded),
    ]
    assert _step(outcome, StepKind.create).target == "kim@contoso.com"
