"""Licenses as a difference: one assignLicense per user with what to add and what to remove.

The tenant's `assignedLicenses` is the starting point, not what we last sent: a SKU that is
already there with the wanted disabled plans is not sent again, and only SKUs this engine
granted (the last applied state) are ever removed, so a license an admin assigned by hand stays.
A user created moments ago may 404 until it replicates; those calls are retried. Each SKU
change is a step of its own: a refused call of several changes is split so each gets Graph's
own answer, and a change Graph refused before with the same value is not sent again.
"""

from __future__ import annotations

from typing import Any

from app.graph import requests
from app.graph.errors import GraphNotFoundError, GraphTransientError
from app.models import StepKind
from app.provisioning.executor import checks
from app.provisioning.executor.exchange import (
    REPLICATION_RETRIES,
    Exchange,
    Planned,
)
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.types import ItemState, StepResult
from app.provisioning.outcome import Blocked, Failed, decide
from app.provisioning.steps import license_value

Call = tuple[ItemState, list[StepResult], Planned]


async def apply(ex: Exchange, states: list[ItemState]) -> None:
    """One assignLicense per user carrying every change. Graph applies it all or nothing, so
    when it refuses a call of several changes, each change is sent again on its own: one
    refused SKU must not keep the others from the user."""
    calls: list[Call] = []
    for s in states:
        s.licenses_ok = True
        add, remove = _difference(s)
        if not add and not remove:
            continue
        desired = s.work.desired
        assert desired is not None
        if add and s.tenant is not None and not s.tenant.get("usageLocation"):
            for sku, plans in add.items():
                value = license_value(plans, desired)
                s.record(StepKind.license_add, sku, value, checks.usage_location_missing(s, sku))
            add = {}
            if not remove:
                continue
        changes = [
            s.begin(StepKind.license_add, sku, license_value(plans, desired))
            for sku, plans in add.items()
        ] + [s.begin(StepKind.license_remove, sku) for sku in remove]
        call = requests.assign_license(s.tenant_id, add, remove)
        calls.append((s, changes, Planned(s, BatchKey(Step.ASSIGN_LICENSE, s.work.task_id), call)))
    refused = await _send(ex, calls, split=True)
    singles: list[Call] = []
    for s, changes, _ in refused:
        for n, step in enumerate(changes, start=1):
            assert step.target is not None
            if step.kind == StepKind.license_add:
                plans = frozenset(step.value["disabled_plans"])
                call = requests.assign_license(s.tenant_id, {step.target: plans}, [])
            else:
                call = requests.assign_license(s.tenant_id, {}, [step.target])
            key = BatchKey(Step.ASSIGN_LICENSE, s.work.task_id, n)
            singles.append((s, [step], Planned(s, key, call)))
    await _send(ex, singles, split=False)


async def _send(ex: Exchange, calls: list[Call], *, split: bool) -> list[Call]:
    """Send `calls`, settling their steps with Graph's answer; with `split`, calls of several
    changes that Graph refused are returned unsettled instead, to be sent one by one."""
    refused: list[Call] = []
    pending = calls
    for attempt in range(REPLICATION_RETRIES):
        if not pending:
            return refused
        results = await ex.batch([p for _, _, p in pending])
        again = []
        for s, changes, p in pending:
            error = results[p.key].error
            if isinstance(error, GraphNotFoundError) and s.created:
                again.append((s, changes, p))  # replication delay right after create
            elif split and len(changes) > 1 and isinstance(decide(error), Failed | Blocked):
                refused.append((s, changes, p))
            else:
                for step in changes:
                    s.settle(step, error)  # `decide` holds "no free seats" as blocked
        pending = again
        if pending:
            await ex.pause(attempt)
    for s, changes, _ in pending:
        for step in changes:
            s.settle(
                step,
                GraphTransientError(404, "Request_ResourceNotFound", "user not replicated yet"),
            )
    return refused


def _difference(s: ItemState) -> tuple[dict[str, frozenset[str]], list[str]]:
    """SKUs to add (or whose disabled plans change) and engine-granted SKUs to remove, less
    the changes Graph refused before with the same values (held back, not sent)."""
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
    refused = s.work.refused
    for sku, plans in list(add.items()):
        value = license_value(plans, desired)
        held = refused.held(StepKind.license_add, sku, value)
        if held is not None:
            s.hold(held, StepKind.license_add, sku, value)
            del add[sku]
    for sku in list(remove):
        held = refused.held(StepKind.license_remove, sku, None)
        if held is not None:
            s.hold(held, StepKind.license_remove, sku, None)
            remove.remove(sku)
    return add, remove


def _assigned(tenant_user: dict[str, Any]) -> list[dict[str, Any]]:
    return list(tenant_user.get("assignedLicenses") or [])
