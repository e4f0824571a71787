"""Microsoft 365 group membership as a difference to what we last applied.

Additions go 20 members to one `members@odata.bind` PATCH per group. That request is
all-or-nothing (contract §5): if one member is already there, or was created so recently it
has not replicated, the whole chunk is added again one member at a time, where "already a
member" is success. Removals go through `/$ref` (never the bare member URL, which deletes the
user), and "not a member any more" is success too. Each membership change is a step of its
own: a group Graph refuses (read-only, dynamic) fails only that group's step, and a change
Graph refused before is not sent again.

A retried task (its attempt above 1) may have been carried out by Graph without our hearing
back (a lost answer): its users' memberships are read first (`memberOf`), and a change that is
already in place is recorded as applied instead of being sent again.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.graph import requests
from app.graph.errors import (
    GraphConflictError,
    GraphError,
    GraphNotFoundError,
    GraphTransientError,
)
from app.models import StepKind
from app.provisioning.executor.exchange import (
    REPLICATION_RETRIES,
    Exchange,
    Planned,
    chunks,
)
from app.provisioning.executor.keys import BatchKey, Step
from app.provisioning.executor.types import ItemState, StepResult

BIND_LIMIT = 20  # members per members@odata.bind request


async def apply(ex: Exchange, states: list[ItemState]) -> None:
    adds: dict[str, list[ItemState]] = {}
    removes: list[tuple[ItemState, str]] = []
    steps: Steps = {}
    current = await _memberships(ex, [s for s in states if _may_have_landed(s)])
    for s in states:
        desired = s.work.desired
        assert desired is not None
        previous = s.work.applied.groups if s.work.applied else frozenset()
        base = previous if not s.created else frozenset()
        now = current.get(s.work.task_id)
        for gid in sorted(desired.groups - base):
            if _held(s, StepKind.group_add, gid):
                continue
            if now is not None and gid in now:
                s.record(StepKind.group_add, gid, None, None)  # an earlier run's add landed
                continue
            steps[(s.work.task_id, StepKind.group_add, gid)] = s.begin(StepKind.group_add, gid)
            adds.setdefault(gid, []).append(s)
        for gid in sorted(previous - desired.groups):
            if _held(s, StepKind.group_remove, gid):
                continue
            if now is not None and gid not in now:
                s.record(StepKind.group_remove, gid, None, None)  # already gone
                continue
            steps[(s.work.task_id, StepKind.group_remove, gid)] = s.begin(
                StepKind.group_remove, gid
            )
            removes.append((s, gid))
    await _bind(ex, adds, steps)
    await _remove(ex, removes, steps)


Steps = dict[tuple[int, StepKind, str], StepResult]


def _may_have_landed(s: ItemState) -> bool:
    """A retry of a user we did not just create, with membership changes to make."""
    desired = s.work.desired
    if s.work.attempt <= 1 or s.created or desired is None:
        return False
    previous = s.work.applied.groups if s.work.applied else frozenset()
    return desired.groups != previous


async def _memberships(ex: Exchange, states: list[ItemState]) -> dict[int, set[str]]:
    """task id -> the groups its user is in now, for those whose answer was complete; a user
    whose read failed or was paged is left out (its changes are sent as usual)."""
    reads = [
        Planned(s, BatchKey(Step.READ_GROUPS, s.work.task_id), requests.user_groups(s.tenant_id))
        for s in states
    ]
    results = await ex.batch(reads)
    out: dict[int, set[str]] = {}
    for p in reads:
        assert p.state is not None
        res = results[p.key]
        body = res.body if res.error is None and isinstance(res.body, dict) else None
        if body is None or body.get("@odata.nextLink"):
            continue
        out[p.state.work.task_id] = {str(g.get("id", "")).lower() for g in body.get("value", [])}
    return out


def _held(s: ItemState, kind: StepKind, gid: str) -> bool:
    """A membership change Graph refused before is held back, not sent again."""
    refusal = s.work.refused.held(kind, gid, None)
    if refusal is not None:
        s.hold(refusal, kind, gid, None)
    return refusal is not None


def _settle(steps: Steps, s: ItemState, kind: StepKind, gid: str, error: GraphError | None) -> None:
    s.settle(steps[(s.work.task_id, kind, gid)], error)


async def _remove(ex: Exchange, removes: list[tuple[ItemState, str]], steps: Steps) -> None:
    items = [
        Planned(
            s,
            BatchKey(Step.REMOVE_MEMBER, s.work.task_id, n),
            requests.remove_member(gid, s.tenant_id),
        )
        for n, (s, gid) in enumerate(removes)
    ]
    results = await ex.batch(items)
    for (s, gid), p in zip(removes, items, strict=True):
        error = results[p.key].error
        if isinstance(error, GraphNotFoundError):
            error = None  # not a member any more is success
        _settle(steps, s, StepKind.group_remove, gid, error)


async def _bind(ex: Exchange, adds: dict[str, list[ItemState]], steps: Steps) -> None:
    pending = [
        (gid, chunk)
        for gid, members in sorted(adds.items())
        for chunk in chunks(members, BIND_LIMIT)
    ]
    for attempt in range(REPLICATION_RETRIES):
        if not pending:
            return
        items = [
            Planned(
                None,
                BatchKey(Step.BIND_MEMBERS, index=n),
                requests.bind_members(ex.app.graph_base, gid, [s.tenant_id for s in chunk]),
                tuple(chunk),
            )
            for n, (gid, chunk) in enumerate(pending)
        ]
        results = await ex.batch(items)
        again: list[tuple[str, ItemState]] = []
        for (gid, chunk), p in zip(pending, items, strict=True):
            res = results[p.key]
            if isinstance(res.error, (GraphConflictError, GraphNotFoundError)):
                # All-or-nothing: one member already there (or not replicated yet) fails the
                # whole request; add this chunk one by one instead.
                again.extend(await _add_one_by_one(ex, gid, chunk, steps))
            else:
                # Success, or a refusal of the group itself (read-only, dynamic): every
                # member of the chunk shares it, and no other group is affected.
                for s in chunk:
                    _settle(steps, s, StepKind.group_add, gid, res.error)
        pending = list(_regroup(again))
        if pending:
            await ex.pause(attempt)
    for gid, chunk in pending:
        for s in chunk:
            _settle(
                steps,
                s,
                StepKind.group_add,
                gid,
                GraphTransientError(404, "Request_ResourceNotFound", "member not replicated yet"),
            )


async def _add_one_by_one(
    ex: Exchange, gid: str, chunk: list[ItemState], steps: Steps
) -> list[tuple[str, ItemState]]:
    """Add each member alone; return those not replicated yet, to try again."""
    items = [
        Planned(
            s,
            BatchKey(Step.ADD_MEMBER, s.work.task_id, n),
            requests.add_member(ex.app.graph_base, gid, s.tenant_id),
        )
        for n, s in enumerate(chunk)
    ]
    results = await ex.batch(items)
    retry: list[tuple[str, ItemState]] = []
    for s, p in zip(chunk, items, strict=True):
        error = results[p.key].error
        if isinstance(error, GraphNotFoundError) and s.created:
            retry.append((gid, s))
            continue
        if isinstance(error, GraphConflictError):
            error = None  # already a member is success
        _settle(steps, s, StepKind.group_add, gid, error)
    return retry


def _regroup(pairs: list[tuple[str, ItemState]]) -> Iterable[tuple[str, list[ItemState]]]:
    by_group: dict[str, list[ItemState]] = {}
    for gid, s in pairs:
        by_group.setdefault(gid, []).append(s)
    for gid, members in sorted(by_group.items()):
        yield from ((gid, chunk) for chunk in chunks(members, BIND_LIMIT))
