"""A person whose tenant user was deleted recently is restored, not created a second time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from app.graph import GraphClient
from app.sandbox.seed import add_user
from app.sandbox.server import SandboxServer
from tests.provisioning.executor.conftest import Wire, person, run, tenant, work

pytestmark = pytest.mark.anyio


async def test_a_recently_deleted_user_is_restored_instead_of_created(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    gone = add_user(tenant(sandbox), "back@contoso.com", "Back", mailNickname="back")
    gone.deleted_at = datetime.now(UTC)
    desired = person("back@contoso.com", displayName="Back")

    [outcome] = await run(
        graph, sandbox, work(1, desired, action="reactivate", tenant_object_id=gone.id)
    )

    assert outcome.status == "succeeded" and outcome.tenant_object_id == gone.id
    assert ("provisioning.restored", {"tenant_object_id": gone.id}) in outcome.events
    assert not gone.is_deleted
    assert [u.id for u in tenant(sandbox).live_users() if u.upn == "back@contoso.com"] == [gone.id]
    assert wire.items("POST", "/users") == []


async def test_a_known_id_with_nothing_to_restore_is_looked_up_and_created_afresh(
    graph: GraphClient, sandbox: SandboxServer, wire: Wire
) -> None:
    purged = str(uuid.uuid4())

    [outcome] = await run(
        graph,
        sandbox,
        work(1, person("fresh@contoso.com"), action="reactivate", tenant_object_id=purged),
    )

    assert outcome.status == "succeeded"
    created = [u for u in tenant(sandbox).live_users() if u.upn == "fresh@contoso.com"]
    assert [u.id for u in created] == [outcome.tenant_object_id] and purged != created[0].id
    assert len(wire.items("POST", f"/directory/deletedItems/{purged}/restore")) == 1
