"""Users mastered by an on-premises directory (issue 10 §3): the engine sends only what Graph
allows for them, still applies licenses and groups, and records what it left alone.

The seeded Alex Wilber is synced (Azure AD Connect): the sandbox refuses, as Graph does, any
PATCH naming a property the directory masters and any DELETE of him.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.evaluation.desired import DesiredState
from app.graph import GraphClient
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.sandbox.state import User
from tests.provisioning.executor.conftest import Wire, person, run, tenant, work

pytestmark = pytest.mark.anyio


def _alex(sb: SandboxServer) -> User:
    user = tenant(sb).users[seed.USER_ALEX_FABRIKAM]
    assert user.on_premises_sync is True
    return user


def _as_alex(
    licenses: dict[str, list[str]] | None = None,
    groups: tuple[str, ...] = (),
    enabled: bool = True,
    **changes: Any,
) -> DesiredState:
    values: dict[str, Any] = {
        "displayName": "Alex Wilber",
        "mailNickname": "alexw",
        "givenName": "Alex",
        "surname": "Wilber",
        "usageLocation": "US",
        **changes,
    }
    return person(
        f"alexw@{seed.DOMAIN_FEDERATED}",
        licenses=licenses or {},
        groups=groups,
        enabled=enabled,
        **values,
    )


def _refused(sb: SandboxServer) -> int:
    return sb.state.counters.per_status.get("400", 0)


async def test_a_synced_user_gets_licenses_groups_and_usage_location_but_not_mastered_attributes(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    alex = _alex(sandbox)
    before = _as_alex({seed.SKU_E1: []})
    after = _as_alex(
        {seed.SKU_E1: [], seed.SKU_E3: []},
        groups=(seed.GROUP_ENGINEERING,),
        displayName="Alex W.",
        department="Sales",
        usageLocation="GB",
    )

    [outcome] = await run(
        graph, sandbox, work(1, after, action="update", applied=before, tenant_object_id=alex.id)
    )

    assert outcome.status == "succeeded", outcome.error
    # Only what Graph allows went out; nothing was refused.
    assert [p["body"] for p in wire.items("PATCH", f"/users/{alex.id}")] == [
        {"usageLocation": "GB"}
    ]
    assert _refused(sandbox) == 0 and sandbox.state.counters.writes_unchanged == 0
    assert alex.props["displayName"] == "Alex Wilber" and alex.props["department"] is None
    assert alex.props["usageLocation"] == "GB"
    assert {lic.sku_id for lic in alex.licenses} == {seed.SKU_E1, seed.SKU_E3}
    assert alex.id in tenant(sandbox).groups[seed.GROUP_ENGINEERING].members
    # What was left alone is recorded, not failed.
    assert (
        "provisioning.mastered_on_premises",
        {"tenant_object_id": alex.id, "attributes": ["department", "displayName"]},
    ) in outcome.events
    assert outcome.notes == [
        "mastered on-premises, left to the on-premises directory: department, displayName"
    ]


async def test_the_lookup_reads_whether_a_user_is_synced(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    """A person linked by ImmutableID is known to be synced before anything is written."""
    alex = _alex(sandbox)
    desired = _as_alex(jobTitle="Lead")

    [outcome] = await run(graph, sandbox, work(1, desired, immutable_id=seed.ALEX_IMMUTABLE_ID))

    assert outcome.status == "succeeded" and outcome.tenant_object_id == alex.id
    assert "onPremisesSyncEnabled" in wire.batches[0][0]["url"]  # asked for in the look-up
    assert wire.items("PATCH") == [] and _refused(sandbox) == 0
    assert alex.props["jobTitle"] is None
    assert ("provisioning.mastered_on_premises") in [kind for kind, _ in outcome.events]


async def test_deleting_a_synced_user_removes_what_we_granted_and_keeps_the_account(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    alex = _alex(sandbox)
    tenant(sandbox).groups[seed.GROUP_SALES].members.append(alex.id)
    tenant(sandbox).groups[seed.GROUP_ALL_COMPANY].members.append(alex.id)  # not ours
    granted = _as_alex({seed.SKU_E1: []}, groups=(seed.GROUP_SALES,))

    [outcome] = await run(
        graph,
        sandbox,
        work(1, None, action="delete", applied=granted, tenant_object_id=alex.id),
    )

    assert outcome.status == "succeeded" and outcome.deleted and outcome.released
    assert not alex.is_deleted and alex.props["accountEnabled"] is True
    assert wire.items("DELETE", f"/users/{alex.id}") == [] and _refused(sandbox) == 0
    assert alex.licenses == []
    assert alex.id not in tenant(sandbox).groups[seed.GROUP_SALES].members
    assert alex.id in tenant(sandbox).groups[seed.GROUP_ALL_COMPANY].members
    assert (
        "provisioning.account_managed_on_premises",
        {
            "tenant_object_id": alex.id,
            "action": "delete",
            "licenses_removed": [seed.SKU_E1],
            "groups_removed": [seed.GROUP_SALES],
        },
    ) in outcome.events
    assert "managed by the on-premises directory" in outcome.notes[0]


async def test_suspending_a_synced_user_removes_what_we_granted_and_leaves_it_enabled(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    alex = _alex(sandbox)
    tenant(sandbox).groups[seed.GROUP_SALES].members.append(alex.id)
    granted = _as_alex({seed.SKU_E1: []}, groups=(seed.GROUP_SALES,))
    suspended = _as_alex({seed.SKU_E1: []}, groups=(seed.GROUP_SALES,), enabled=False)

    [outcome] = await run(
        graph,
        sandbox,
        work(1, suspended, action="suspend", applied=granted, tenant_object_id=alex.id),
    )

    assert outcome.status == "succeeded" and outcome.released
    assert alex.props["accountEnabled"] is True  # Graph would refuse the change
    assert wire.items("PATCH", f"/users/{alex.id}") == [] and _refused(sandbox) == 0
    assert alex.licenses == []
    assert alex.id not in tenant(sandbox).groups[seed.GROUP_SALES].members
    kinds = [kind for kind, _ in outcome.events]
    assert "provisioning.account_managed_on_premises" in kinds
    assert "provisioning.mastered_on_premises" not in kinds  # the release says it all


async def test_a_cloud_user_is_still_disabled_and_deleted(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    """The control: the same steps for a user the cloud masters do disable and delete."""
    nestor = tenant(sandbox).users[seed.USER_NESTOR]
    desired = person(nestor.upn, displayName="Nestor Wilke", mailNickname="nestorw", enabled=False)
    applied = person(nestor.upn, displayName="Nestor Wilke", mailNickname="nestorw")

    [suspended] = await run(
        graph,
        sandbox,
        work(1, desired, action="suspend", applied=applied, tenant_object_id=nestor.id),
    )
    [deleted] = await run(
        graph, sandbox, work(2, None, action="delete", applied=desired, tenant_object_id=nestor.id)
    )

    assert suspended.status == "succeeded" and not suspended.released
    assert deleted.status == "succeeded" and not deleted.released
    assert nestor.is_deleted and nestor.props["accountEnabled"] is False
