"""Licenses as a difference to what the tenant reports; no seats; replication delay."""

from __future__ import annotations

import pytest

from app.evaluation.desired import DesiredState
from app.graph import GraphClient
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.sandbox.state import AssignedLicense, User
from tests.provisioning.executor.conftest import Wire, person, run, tenant, work

pytestmark = pytest.mark.anyio


def _nestor(sb: SandboxServer) -> User:
    """Nestor holds E3, assigned by hand in the tenant (seed data)."""
    return tenant(sb).users[seed.USER_NESTOR]


def _as_tenant_holds(user: User, licenses: dict[str, list[str]]) -> DesiredState:
    return person(
        user.upn,
        displayName=user.props["displayName"],
        mailNickname=user.props["mailNickname"],
        givenName="Nestor",
        surname="Wilke",
        jobTitle="Director",
        department="Operations",
        mail=user.props["mail"],
        licenses=licenses,
    )


async def test_a_new_sku_is_added_and_a_hand_granted_one_kept(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    nestor = _nestor(sandbox)
    before = _as_tenant_holds(nestor, {})
    after = _as_tenant_holds(nestor, {seed.SKU_E1: []})

    [outcome] = await run(
        graph, sandbox, work(1, after, action="update", applied=before, tenant_object_id=nestor.id)
    )

    assert outcome.status == "succeeded"
    assert outcome.applied is not None and set(outcome.applied.licenses) == {seed.SKU_E1}
    assert sorted(lic.sku_id for lic in nestor.licenses) == sorted([seed.SKU_E3, seed.SKU_E1])
    [assign] = wire.items("POST", f"/users/{nestor.id}/assignLicense")
    assert assign["body"] == {
        "addLicenses": [{"skuId": seed.SKU_E1, "disabledPlans": []}],
        "removeLicenses": [],
    }


async def test_only_skus_the_engine_granted_are_removed(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    nestor = _nestor(sandbox)
    nestor.licenses = [*nestor.licenses, AssignedLicense(seed.SKU_E1)]
    granted = _as_tenant_holds(nestor, {seed.SKU_E1: []})
    none = _as_tenant_holds(nestor, {})

    [outcome] = await run(
        graph, sandbox, work(1, none, action="update", applied=granted, tenant_object_id=nestor.id)
    )

    assert outcome.status == "succeeded"
    assert [lic.sku_id for lic in nestor.licenses] == [seed.SKU_E3]
    [assign] = wire.items("POST", f"/users/{nestor.id}/assignLicense")
    assert assign["body"] == {"addLicenses": [], "removeLicenses": [seed.SKU_E1]}


async def test_no_free_seats_blocks_the_task(graph: GraphClient, sandbox: SandboxServer) -> None:
    [outcome] = await run(
        graph, sandbox, work(1, person("e5@contoso.com", licenses={seed.SKU_M365_E5: []}))
    )

    assert outcome.status == "blocked"
    assert outcome.reason is not None and outcome.reason.startswith("no free seats")
    assert outcome.error is not None and outcome.error.code == "Request_BadRequest"
    created = tenant(sandbox).user_by_upn("e5@contoso.com")
    assert created is not None and created.licenses == []
    assert outcome.applied is not None and outcome.applied.licenses == {}


async def test_a_404_right_after_create_is_retried_until_the_user_replicates(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    sandbox.state.set_behaviour({"replication_delay_s": 0.6})

    [outcome] = await run(
        graph,
        sandbox,
        work(1, person("late@contoso.com", licenses={seed.SKU_E1: []}, groups=[seed.GROUP_SALES])),
    )

    assert outcome.status == "succeeded"
    late = tenant(sandbox).user_by_upn("late@contoso.com")
    assert late is not None and [lic.sku_id for lic in late.licenses] == [seed.SKU_E1]
    assert late.id in tenant(sandbox).groups[seed.GROUP_SALES].members
    assert len(wire.items("POST", f"/users/{late.id}/assignLicense")) >= 2
