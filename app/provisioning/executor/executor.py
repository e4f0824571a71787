"""The `Executor`: the order of the phases a batch of claimed tasks goes through, in one place,
and the state each item is left in afterwards (what the runner records as applied)."""

from __future__ import annotations

from collections.abc import Sequence

from app.evaluation.desired import DesiredState
from app.graph import GraphClient
from app.graph.errors import GraphError
from app.provisioning.executor import groups, licenses, lookup, restore, users
from app.provisioning.executor.exchange import Exchange
from app.provisioning.executor.types import AppInfo, ItemState, Outcome, Work


class Executor:
    def __init__(self, client: GraphClient, app: AppInfo) -> None:
        self.client = client
        self.app = app

    async def run(self, works: Sequence[Work]) -> list[Outcome]:
        ex = Exchange(self.client, self.app)
        states = [ItemState.start(w) for w in works]
        deletes = [s for s in states if s.work.action == "delete"]
        converge = [s for s in states if s.work.action != "delete"]
        try:
            await users.delete(ex, deletes)
            gone = await lookup.resolve(ex, converge)
            await restore.restore(ex, gone)
            # Known ids with nothing to restore: look the person up like someone new.
            await lookup.resolve(ex, restore.not_restored(gone))
            await users.create(ex, [s for s in converge if not s.done and s.tenant is None])
            await users.patch(ex, [s for s in converge if not s.done and not s.created])
            await licenses.apply(ex, [s for s in converge if not s.done])
            await groups.apply(ex, [s for s in converge if not s.done])
        except GraphError as exc:
            # A failure of the whole exchange (auth, exhausted retries): every item not yet
            # finished shares it.
            for s in states:
                if not s.outcome.applied:
                    s.stop(exc)
        for s in converge:
            _finish(s)
        for s in deletes:
            if not s.done:
                s.outcome.deleted = True
        return [s.outcome for s in states]


def _finish(s: ItemState) -> None:
    """Record what the tenant now holds: only the parts whose steps succeeded count as applied."""
    desired = s.work.desired
    assert desired is not None
    prev = s.work.applied or DesiredState({}, {}, frozenset(), True)
    if s.tenant is not None:
        s.outcome.tenant_object_id = s.tenant.get("id", s.outcome.tenant_object_id)
        s.outcome.tenant_immutable_id = s.tenant.get("onPremisesImmutableId")
    if s.tenant is None and not s.created:
        return  # nothing happened in the tenant
    base_groups = prev.groups if not s.created else frozenset()
    groups_now = (base_groups - s.groups_removed) | s.groups_added
    attributes = dict(desired.attributes) if s.attrs_ok else dict(prev.attributes)
    tenant_immutable = s.outcome.tenant_immutable_id
    if tenant_immutable and s.attrs_ok:
        attributes["onPremisesImmutableId"] = tenant_immutable
    s.outcome.applied = DesiredState(
        attributes=attributes,
        licenses=dict(desired.licenses) if s.licenses_ok else dict(prev.licenses),
        groups=frozenset(groups_now),
        enabled=desired.enabled if s.attrs_ok else prev.enabled,
    )
