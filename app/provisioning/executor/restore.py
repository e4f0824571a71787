"""Bringing back users deleted within 30 days instead of creating them again.

A soft-deleted user keeps its UPN and ImmutableID reserved (contract §11), so creating the same
person again would conflict; restoring also keeps their mailbox and group memberships.
"""

from __future__ import annotations

from app.graph import requests
from app.graph.errors import GraphNotFoundError
from app.provisioning.executor.exchange import Exchange, Planned
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.lookup import read_user
from app.provisioning.executor.types import ItemState


async def restore(ex: Exchange, states: list[ItemState]) -> None:
    """Restore each known id from deleted items, then read the user back."""
    items = []
    for s in states:
        assert s.work.tenant_object_id is not None
        call = requests.restore_deleted_item(s.work.tenant_object_id)
        items.append(Planned(s, BatchKey(Step.RESTORE, s.work.task_id), call))
    results = await ex.batch(items)
    for s in states:
        res = results[BatchKey(Step.RESTORE, s.work.task_id)]
        if res.error is None:
            s.outcome.events.append(
                ("provisioning.restored", {"tenant_object_id": s.work.tenant_object_id})
            )
            s.outcome.tenant_object_id = s.work.tenant_object_id
            # The restore answer is a bare directoryObject; read the user with $select.
            s.tenant = await read_user(ex, s)
        elif not isinstance(res.error, GraphNotFoundError):
            s.stop(res.error)


def not_restored(states: list[ItemState]) -> list[ItemState]:
    """Items whose restore found nothing to restore: forget the stale tenant id and return
    them, to be looked up (and, if need be, created) like someone new."""
    fresh = [s for s in states if s.tenant is None and not s.done]
    for s in fresh:
        s.work.tenant_object_id = None
        s.outcome.tenant_object_id = None
    return fresh
