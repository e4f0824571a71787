"""Bringing back users deleted within 30 days instead of creating them again.

A soft-deleted user keeps its ImmutableID (and, by some reports, its UPN) reserved (contract
§11), so creating the same person again would conflict; restoring also keeps their mailbox and
group memberships. A person is restored by the tenant object id we knew, or by the deleted user
`lookup` found holding their ImmutableID or UPN (before creating, or after a create conflict).
"""

from __future__ import annotations

from typing import Any

from app.graph import requests
from app.graph.errors import GraphError, GraphNotFoundError
from app.provisioning.executor.exchange import Exchange, Planned
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.types import ItemState


async def restore(ex: Exchange, states: list[ItemState]) -> None:
    """Restore each known id from deleted items, then read the user back."""
    pairs: list[tuple[ItemState, str, str | None]] = []
    for s in states:
        assert s.work.tenant_object_id is not None
        pairs.append((s, s.work.tenant_object_id, None))
    await restore_ids(ex, pairs)


async def restore_ids(ex: Exchange, pairs: list[tuple[ItemState, str, str | None]]) -> None:
    """Restore deleted object `id` for each (item, id, how it was found); a restored item's
    `tenant` is the user read back. An id with nothing to restore (404) leaves the item as it
    was; any other failure stops it."""
    items = [
        Planned(s, BatchKey(Step.RESTORE, s.work.task_id), requests.restore_deleted_item(oid))
        for s, oid, _ in pairs
    ]
    results = await ex.batch(items)
    for (s, oid, how), p in zip(pairs, items, strict=True):
        res = results[p.key]
        if res.error is None:
            event: dict[str, Any] = {"tenant_object_id": oid}
            if how is not None:
                event["matched_on"] = how
            s.outcome.events.append(("provisioning.restored", event))
            s.outcome.tenant_object_id = oid
            # The restore answer is a bare directoryObject; read the user with $select.
            s.tenant = await read_user(ex, s)
        elif not isinstance(res.error, GraphNotFoundError):
            s.stop(res.error)


async def read_user(ex: Exchange, s: ItemState) -> dict[str, Any] | None:
    """Read the user `s` points at, waiting out replication delay; None if that failed."""
    assert s.outcome.tenant_object_id is not None
    try:
        resp = await ex.send(
            requests.get_user(s.outcome.tenant_object_id), Step.READ_USER, s, retry_not_found=True
        )
    except GraphError as exc:
        s.stop(exc)
        return None
    return resp.json


def not_restored(states: list[ItemState]) -> list[ItemState]:
    """Items whose restore found nothing to restore: forget the stale tenant id and return
    them, to be looked up (and, if need be, created) like someone new - in deleted items too,
    since the person had a tenant user once."""
    fresh = [s for s in states if s.tenant is None and not s.done]
    for s in fresh:
        s.work.tenant_object_id = None
        s.outcome.tenant_object_id = None
        s.look_in_deleted = True
    return fresh
