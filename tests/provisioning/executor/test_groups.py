"""Group membership: members@odata.bind 20 at a time, single adds as the fallback, removals."""

from __future__ import annotations

import pytest

from app.evaluation.desired import DesiredState
from app.graph import GraphClient
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.sandbox.state import User
from tests.provisioning.executor.conftest import Wire, person, run, tenant, work

pytestmark = pytest.mark.anyio


def _as_tenant_holds(user: User, groups: set[str]) -> DesiredState:
    props = user.props
    keep = ("displayName", "mailNickname", "givenName", "surname", "jobTitle", "department", "mail")
    return person(user.upn, groups=groups, **{k: props[k] for k in keep})


async def test_one_member_already_present_falls_back_to_single_adds(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    megan = tenant(sandbox).users[seed.USER_MEGAN]  # already in Sales
    nestor = tenant(sandbox).users[seed.USER_NESTOR]
    works = [
        work(
            n,
            _as_tenant_holds(user, {seed.GROUP_SALES}),
            action="update",
            applied=_as_tenant_holds(user, set()),
            tenant_object_id=user.id,
        )
        for n, user in enumerate((megan, nestor), start=1)
    ]

    outcomes = await run(graph, sandbox, *works)

    assert [o.status for o in outcomes] == ["succeeded", "succeeded"]
    assert all(o.applied is not None and o.applied.groups == {seed.GROUP_SALES} for o in outcomes)
    sales = tenant(sandbox).groups[seed.GROUP_SALES].members
    assert sorted(sales) == sorted([megan.id, nestor.id])
    [bind] = wire.items("PATCH", f"/groups/{seed.GROUP_SALES}")
    assert len(bind["body"]["members@odata.bind"]) == 2
    assert len(wire.items("POST", f"/groups/{seed.GROUP_SALES}/members/$ref")) == 2


async def test_removals_go_through_ref_and_not_a_member_is_success(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    megan = tenant(sandbox).users[seed.USER_MEGAN]  # in Sales, not in Engineering
    before = _as_tenant_holds(megan, {seed.GROUP_SALES, seed.GROUP_ENGINEERING})

    [outcome] = await run(
        graph,
        sandbox,
        work(
            1,
            _as_tenant_holds(megan, set()),
            action="update",
            applied=before,
            tenant_object_id=megan.id,
        ),
    )

    assert outcome.status == "succeeded"
    assert outcome.applied is not None and outcome.applied.groups == frozenset()
    assert megan.id not in tenant(sandbox).groups[seed.GROUP_SALES].members
    assert not megan.is_deleted
    removals = wire.items("DELETE")
    assert sorted(r["url"] for r in removals) == sorted(
        f"/groups/{g}/members/{megan.id}/$ref" for g in (seed.GROUP_SALES, seed.GROUP_ENGINEERING)
    )
