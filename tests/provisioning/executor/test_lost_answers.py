"""A `$batch` that Graph carried out but whose answer was lost is not resent blindly (issue 10
§5 b): its items end in retry, and the retry re-reads the users and sends only what is still
needed. The sandbox's `lose_batch_answers` runs every item of the next batch of writes, then
answers 504; `writes_unchanged` counts writes that changed nothing (wasted)."""

from __future__ import annotations

import pytest

from app.evaluation.desired import DesiredState
from app.graph import GraphClient, GraphOutcomeUnknownError
from app.provisioning.executor import Work
from app.sandbox import seed
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from app.sandbox.state import User
from tests.provisioning.executor.conftest import Wire, person, run, tenant, work

pytestmark = pytest.mark.anyio

N = 20


def _staff(sb: SandboxServer) -> list[User]:
    return [
        add_user(tenant(sb), f"staff{n}@contoso.com", f"Staff {n}", licenses=[seed.SKU_E1])
        for n in range(1, N + 1)
    ]


def _as(user: User, licenses: list[str], **attributes: str) -> DesiredState:
    return person(
        user.upn,
        displayName=user.props["displayName"],
        mailNickname=user.props["mailNickname"],
        licenses={sku: [] for sku in licenses},
        **attributes,
    )


def _lose_next_batch_of_writes(sb: SandboxServer) -> None:
    sb.state.set_behaviour({"lose_batch_answers": 1, "timeout_hang_s": 0.05})


@pytest.mark.parametrize("change", ["licenses", "attributes", "both"])
async def test_a_lost_answer_for_updates_after_a_rule_change_ends_in_retry_not_failure(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire, change: str
) -> None:
    staff = _staff(sandbox)
    # The rule moved everyone from E1 to E3 and/or to another department.
    new_licenses = [seed.SKU_E3] if change != "attributes" else [seed.SKU_E1]
    new_attributes = {"department": "Retail"} if change != "licenses" else {}
    works = [
        work(
            n,
            _as(u, new_licenses, **new_attributes),
            action="update",
            applied=_as(u, [seed.SKU_E1]),
            tenant_object_id=u.id,
        )
        for n, u in enumerate(staff, start=1)
    ]
    _lose_next_batch_of_writes(sandbox)

    first = await run(graph, sandbox, *works)

    # Graph carried the batch out; we never heard how: every item retries, none failed.
    assert [o.status for o in first] == ["retry"] * N
    assert all(isinstance(o.failure, GraphOutcomeUnknownError) for o in first)
    writes_first = len(wire.writes())
    # One lost batch, not resent; with both changes, the license step does not depend on the
    # PATCH whose answer was lost and goes out in its own batch (issue 10 §2).
    assert writes_first == (2 * N if change == "both" else N)
    second = await run(graph, sandbox, *works)  # the task's retry

    assert [o.status for o in second] == ["succeeded"] * N, [o.error for o in second]
    for u in staff:
        assert [lic.sku_id for lic in u.licenses] == new_licenses
        assert u.props["department"] == new_attributes.get("department")
    # The retry re-read everyone and sent only what was still needed; nothing was wasted.
    assert len(wire.writes()) - writes_first == 0
    assert sandbox.state.counters.writes_unchanged == 0
    assert sandbox.state.counters.per_status.get("400", 0) == 0


async def test_a_lost_answer_to_creates_links_on_the_retry_and_creates_nobody_twice(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    works: list[Work] = [work(n, person(f"new{n}@contoso.com")) for n in range(1, N + 1)]
    _lose_next_batch_of_writes(sandbox)

    first = await run(graph, sandbox, *works)
    second = await run(graph, sandbox, *works)

    assert [o.status for o in first] == ["retry"] * N
    assert [o.status for o in second] == ["succeeded"] * N
    created = {u.upn: u.id for u in tenant(sandbox).live_users() if u.upn.startswith("new")}
    assert len(created) == N
    assert [o.tenant_object_id for o in second] == [
        created[f"new{n}@contoso.com"] for n in range(1, N + 1)
    ]
    assert all(
        ("provisioning.linked", {"tenant_object_id": o.tenant_object_id, "matched_on": m})
        in o.events
        for o in second
        for m in ["userPrincipalName"]
    )
    assert len(wire.items("POST", "/users")) == N  # the lost batch only
    assert sandbox.state.counters.writes_unchanged == 0
