"""The `Executor`: the order of the phases a batch of claimed tasks goes through, in one place,
and the state each item is left in afterwards (what the runner records as applied).

Only the phases that establish the tenant user (link, restore, create) stop an item: without a
user there is nothing to change. After that every step runs whatever became of the others: a
refused PATCH does not keep licenses or groups from being applied, a refused license does not
keep groups, one group does not keep another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from app.evaluation.desired import DesiredState
from app.graph import GraphClient
from app.graph import urgency as graph_urgency
from app.graph.errors import CreateNeedsApproval, GraphError
from app.models import REVOKING_ACTIONS, StepKind
from app.provisioning.executor import groups, licenses, lookup, restore, users
from app.provisioning.executor.exchange import Exchange, chunks
from app.provisioning.executor.types import AppInfo, ItemState, Outcome, Work, not_answered
from app.provisioning.steps import error_from_json

log = logging.getLogger("app.provisioning")

LANE = 20
"""Items per lane of a run. A lane goes through the phases on its own, its calls sent with the
other lanes' (`Exchange.together`), so an item throttled in one lane (waiting out Retry-After
before its resend) holds up the next phase of its lane only, not of the whole claim (issue 15
§3). Twenty is one envelope: a lane's creates or license assignments fill one, and its joiners
of a group fill one `members@odata.bind` (`groups.BIND_LIMIT`), so lanes cost no write and no
round trip while they move in step. They do cost reads: a lane looks its people up on its own
(15 to a filter, `lookup.IN_LIMIT`), 10 look-ups for a claim of 100 where 7 would do."""


class Executor:
    def __init__(self, client: GraphClient, app: AppInfo) -> None:
        self.client = client
        self.app = app

    async def run(self, works: Sequence[Work]) -> list[Outcome]:
        """Carry out the claimed works; one outcome each, in their order.

        What takes access away (`REVOKING_ACTIONS`) runs apart, its calls urgent
        (`app.graph.urgency`), beside the rest: in a shared exchange its PATCH would wait
        for the claim's look-ups and creates, and share envelopes with them."""
        urgent = [w for w in works if w.action in REVOKING_ACTIONS]
        if not urgent or len(urgent) == len(works):
            with graph_urgency.urgent() if urgent else contextlib.nullcontext():
                return await self._run(works)
        rest = [w for w in works if w.action not in REVOKING_ACTIONS]
        # Both run to their end: a fault of ours in one (its lanes catch the rest) leaves its
        # works failed with it, and the other's outcomes (writes Graph accepted) recorded.
        parts = await asyncio.gather(
            self._run_urgent(urgent), self._run(rest), return_exceptions=True
        )
        by_task: dict[int, Outcome] = {}
        for part, part_works in zip(parts, (urgent, rest), strict=True):
            if isinstance(part, Exception):
                log.error("a run of %d items stopped", len(part_works), exc_info=part)
                part = [Outcome(w.task_id, cause=part) for w in part_works]
            elif isinstance(part, BaseException):  # cancelled: nothing is recorded
                raise part
            by_task.update((o.task_id, o) for o in part)
        return [by_task[w.task_id] for w in works]

    async def _run_urgent(self, works: Sequence[Work]) -> list[Outcome]:
        with graph_urgency.urgent():
            return await self._run(works)

    async def _run(self, works: Sequence[Work]) -> list[Outcome]:
        ex = Exchange(self.client, self.app)
        states = [ItemState.start(w) for w in works]
        lanes = list(chunks(states, LANE))
        if len(lanes) == 1:
            await self._lane(ex, lanes[0])
        elif lanes:
            await ex.together(*(self._lane(ex.lane(n), lane) for n, lane in enumerate(lanes)))
        for s in states:
            if s.work.action != "delete":
                _finish(s)
            elif not s.done:
                s.outcome.deleted = True
                s.record(StepKind.delete, s.work.tenant_object_id, None, None)
        return [s.outcome for s in states]

    async def _lane(self, ex: Exchange, states: list[ItemState]) -> None:
        deletes = [s for s in states if s.work.action == "delete"]
        converge = [s for s in states if s.work.action != "delete"]
        try:
            _enter(deletes, StepKind.delete)
            await users.delete(ex, [s for s in deletes if not _held_delete(s)])
            _hold_refused_creates(converge)
            _enter(converge, StepKind.link)
            active = [s for s in converge if not s.done]
            gone = await lookup.resolve(ex, active)
            _enter(gone, StepKind.restore)
            await restore.restore(ex, gone)
            _note_restored(gone)
            # Known ids with nothing to restore: look the person up like someone new.
            again = restore.not_restored(gone)
            _enter(again, StepKind.link)
            await lookup.resolve(ex, again)
            _note_linked(active)
            _enter([s for s in converge if s.tenant is not None], None)
            creating = _may_create(
                [s for s in converge if not s.done and s.tenant is None], self.app
            )
            _enter(creating, StepKind.create)
            await users.create(ex, creating)
            _note_created(creating)
            _enter(converge, None)
            await users.patch(ex, [s for s in converge if not s.done and not s.created])
            # Independent of each other: one round trip for both (`Exchange.together`).
            pending = [s for s in converge if not s.done]
            await ex.together(licenses.apply(ex, pending), groups.apply(ex, pending))
        except Exception as exc:
            # A failure of the whole exchange (auth, exhausted retries; the other lanes meet
            # it on their own calls) or a fault of ours: every item of the lane not yet
            # finished shares it, and the other lanes' outcomes (writes Graph accepted) are
            # still recorded, not lost with the run.
            if not isinstance(exc, GraphError):
                log.exception("a lane of %d items stopped on an unexpected error", len(states))
            for s in states:
                s.stop(exc)


def _enter(states: Sequence[ItemState], phase: StepKind | None) -> None:
    for s in states:
        if not s.done:
            s.phase = phase


def _held_delete(s: ItemState) -> bool:
    """A delete Graph refused before is not sent again (until an admin retries)."""
    refusal = s.work.refused.held(StepKind.delete, s.work.tenant_object_id, None)
    if refusal is None or not s.work.tenant_object_id:
        return False
    s.hold(refusal, StepKind.delete, s.work.tenant_object_id, None)
    s.done = True
    s.outcome.cause = error_from_json(refusal.error)
    return True


def _hold_refused_creates(states: Sequence[ItemState]) -> None:
    """A create (or link) Graph refused for the person as they are now is not tried again."""
    for s in states:
        if s.work.action != "create" or s.work.desired is None:
            continue
        refusal = s.work.refused.held_user(s.work.desired)
        if refusal is None:
            continue
        kind = StepKind(refusal.kind)
        s.hold(refusal, kind, refusal.target, refusal.value)
        s.done = True
        s.outcome.cause = error_from_json(refusal.error)


def _may_create(states: Sequence[ItemState], app: AppInfo) -> list[ItemState]:
    """Those of `states` (no tenant user found) that may be created now. A create task was
    planned under the approval policy already; any other action finding its user gone (deleted
    in the tenant by someone else, nothing to restore) would create a person no admin
    approved, so under a policy that wants creates approved it stops with
    `CreateNeedsApproval` and the runner re-plans it as a create waiting for approval. A
    tenant account of nobody here that is gone has nothing left to suspend or delete."""
    allowed: list[ItemState] = []
    for s in states:
        if not s.work.may_create:
            s.outcome.notes.append("the tenant account is gone: nothing left to deprovision")
            s.done = True
        elif s.work.action != "create" and app.create_needs_approval:
            s.stop(
                CreateNeedsApproval(
                    f"The tenant user of {s.work.who()} ({s.work.tenant_object_id}) is gone: "
                    "deleted outside this service, with nothing left to restore. Creating "
                    "them again needs an admin's approval (app policy); nothing was sent."
                )
            )
        else:
            allowed.append(s)
    return allowed


def _note_restored(states: Sequence[ItemState]) -> None:
    for s in states:
        if s.tenant is not None and not s.done:
            s.record(StepKind.restore, s.tenant_id, None, None)


def _note_linked(states: Sequence[ItemState]) -> None:
    """Someone new found in the tenant (by ImmutableID or UPN) and linked."""
    for s in states:
        if s.tenant is not None and not s.done and not s.work.tenant_object_id:
            s.record(StepKind.link, s.tenant_id, None, None)


def _note_created(states: Sequence[ItemState]) -> None:
    for s in states:
        if s.done:
            continue
        if s.created:
            s.record(StepKind.create, s.phase_target(), s.phase_value(), None)
        elif s.tenant is not None:
            # The create conflicted and the person was found and linked instead.
            s.record(StepKind.link, s.tenant_id, None, None)


def _finish(s: ItemState) -> None:
    """Record what the tenant now holds: only the steps Graph accepted count as applied."""
    desired = s.work.desired
    assert desired is not None
    for step in s.outcome.steps:
        if not step.answered:
            s.settle(step, not_answered())
    prev = s.work.applied or DesiredState({}, {}, frozenset(), True)
    if s.tenant is not None:
        s.outcome.tenant_object_id = s.tenant.get("id", s.outcome.tenant_object_id)
        s.outcome.tenant_immutable_id = s.tenant.get("onPremisesImmutableId")
    if s.tenant is None and not s.created:
        return  # nothing happened in the tenant
    unapplied = [step for step in s.outcome.steps if not step.succeeded]

    # Attributes: the desired values, except those a failed or held-back PATCH carried.
    if s.attrs_ok:
        not_set = {
            name
            for step in unapplied
            if step.kind == StepKind.attributes
            for name in dict(step.value or {})
        }
        attributes = dict(desired.attributes)
        for name in not_set:
            if name in prev.attributes:
                attributes[name] = prev.attributes[name]
            else:
                attributes.pop(name, None)
        enabled = prev.enabled if "accountEnabled" in not_set else desired.enabled
    else:
        attributes, enabled = dict(prev.attributes), prev.enabled
    tenant_immutable = s.outcome.tenant_immutable_id
    if tenant_immutable:
        attributes["onPremisesImmutableId"] = tenant_immutable

    # Licenses: the desired ones, except changes Graph did not accept (those stay as before).
    base_licenses = {} if s.created else dict(prev.licenses)
    if s.licenses_ok:
        licenses_now = dict(desired.licenses)
        for step in unapplied:
            if step.kind in (StepKind.license_add, StepKind.license_remove) and step.target:
                if step.target in base_licenses:
                    licenses_now[step.target] = base_licenses[step.target]
                else:
                    licenses_now.pop(step.target, None)
    else:
        licenses_now = base_licenses

    # Groups: what we had, minus the removals and plus the additions Graph accepted.
    base_groups = frozenset() if s.created else prev.groups
    added = {st.target for st in s.steps_of(StepKind.group_add) if st.succeeded and st.target}
    removed = {st.target for st in s.steps_of(StepKind.group_remove) if st.succeeded and st.target}
    s.outcome.applied = DesiredState(
        attributes=attributes,
        licenses=licenses_now,
        groups=frozenset((base_groups - removed) | added),
        enabled=enabled,
    )
