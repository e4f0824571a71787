"""Licenses as a difference: one assignLicense per user with what to add and what to remove.

The tenant's `assignedLicenses` is the starting point, not what we last sent: a SKU that is
already there with the wanted disabled plans is not sent again, and only SKUs this engine
granted (the last applied state) are ever removed, so a license an admin assigned by hand stays.
A user created moments ago may 404 until it replicates; those calls are retried.
"""

from __future__ import annotations

from typing import Any

from app.graph import requests
from app.graph.errors import GraphNotFoundError, GraphTransientError
from app.provisioning.executor.exchange import (
    REPLICATION_RETRIES,
    Exchange,
    Planned,
    replication_pause,
)
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.types import ItemState


async def apply(ex: Exchange, states: list[ItemState]) -> None:
    pending: list[tuple[ItemState, Planned]] = []
    for s in states:
        add, remove = _difference(s)
        if not add and not remove:
            s.licenses_ok = True
            continue
        call = requests.assign_license(s.tenant_id, add, remove)
        pending.append((s, Planned(s, BatchKey(Step.ASSIGN_LICENSE, s.work.task_id), call)))
    for attempt in range(REPLICATION_RETRIES):
        if not pending:
            return
        results = await ex.batch([p for _, p in pending])
        again = []
        for s, p in pending:
            error = results[p.key].error
            if error is None:
                s.licenses_ok = True
            elif isinstance(error, GraphNotFoundError) and s.created:
                again.append((s, p))  # replication delay right after create
            else:
                s.stop(error)  # `decide` holds "no free seats" as blocked
        pending = again
        if pending:
            await replication_pause(attempt)
    for s, _ in pending:
        s.stop(GraphTransientError(404, "Request_ResourceNotFound", "user not replicated yet"))


def _difference(s: ItemState) -> tuple[dict[str, frozenset[str]], list[str]]:
    """SKUs to add (or whose disabled plans change) and engine-granted SKUs to remove."""
    desired = s.work.desired
    assert desired is not None and s.tenant is not None
    have: dict[str, frozenset[str]] = {
        str(lic["skuId"]).lower(): frozenset(str(p).lower() for p in lic.get("disabledPlans") or [])
        for lic in _assigned(s.tenant)
    }
    add = {
        sku: plans
        for sku, plans in sorted(desired.licenses.items())
        if have.get(sku.lower()) != frozenset(p.lower() for p in plans)
    }
    managed_before = set(s.work.applied.licenses) if s.work.applied else set()
    remove = sorted(sku for sku in managed_before - set(desired.licenses) if sku.lower() in have)
    return add, remove


def _assigned(tenant_user: dict[str, Any]) -> list[dict[str, Any]]:
    return list(tenant_user.get("assignedLicenses") or [])
