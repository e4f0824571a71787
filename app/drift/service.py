"""Drift detection after each delta round, and each app's drift policy.

`detect_drift` compares the snapshot (`tenant_account`, `tenant_group_member`) with the
applied state of every managed assignment the round touched (`app.drift.compare`), keeps one
open `drift_item` per difference, and does what the app's policy says for its kind:

* `report`: record it (a `drift.found` event) and change nothing.
* `enforce`: correct the assignment's applied state to what the tenant really holds, so the
  ordinary desired-vs-applied diff of `planning` plans the task that puts the tenant back,
  through approvals and the deletion threshold like any other task (a planning `Run`). An
  account deleted in the tenant becomes applied-deleted, so planning creates it again and the
  executor restores it from deleted items first (or creates it if it is gone for good). The
  item stays open while its task is open. Without provisioning enabled nothing can be sent,
  so `enforce` then reports only.
* `adopt` (attributes): accept the tenant's value as applied and keep it as an override until
  our own value changes (`app.drift.adopt`); the item is closed as `adopted` at once.

Drift that is no longer seen is closed as `fixed` (`drift.fixed`); enforced drift only once its
task succeeded (or a later one sent what we want), so a failed fix stays open. Seeing the same
drift again only moves `last_seen_at`: no new row, no new event. A cycle that found new drift
sends one `drift.detected` webhook with counts per kind and examples.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.apps.schemas import DriftPolicy
from app.drift import adopt, compare
from app.drift import repository as repo
from app.evaluation.desired import DesiredState
from app.models import (
    OPEN_TASK_STATUSES,
    App,
    Assignment,
    AssignmentTarget,
    DriftAction,
    DriftItem,
    DriftKind,
    DriftStatus,
    Task,
    TaskStatus,
    TenantAccount,
    utcnow,
)
from app.provisioning import planning
from app.provisioning import repository as provisioning_repo
from app.webhooks import service as webhooks

CHUNK = 1000
MAX_EXAMPLES = 10


@dataclass
class DriftSummary:
    found: dict[str, int] = field(default_factory=dict)  # kind -> open drift items after this cycle
    new: int = 0  # drift items first seen this cycle
    fixed: int = 0  # drift items that went away (tenant back in line, or adopted)
    tasks_planned: int = 0


def policy_of(app: App) -> dict[str, DriftAction]:
    """The app's action per drift kind (everything `report` unless an admin chose)."""
    chosen = DriftPolicy.model_validate(app.drift_policy or {}).model_dump()
    out: dict[str, DriftAction] = {kind: DriftAction(chosen[kind]) for kind in DriftKind}
    for kind in DriftKind:
        if out[kind] == DriftAction.adopt and kind != DriftKind.attributes:
            out[kind] = DriftAction.report  # only a value can be adopted
    if not app.provisioning_enabled:
        # Nothing would be sent: enforcing would only rewrite what we believe we applied.
        out = {k: DriftAction.report if a == DriftAction.enforce else a for k, a in out.items()}
    return out


def managed_skus(session: Session, app_id: int) -> frozenset[str]:
    """The SKUs the app's rules grant (lower case): a license outside them is not ours."""
    skus: set[str] = set()
    for actions in repo.rule_actions(session, app_id):
        for action in actions:
            if action.get("action") != "set_licenses":
                continue
            for value in action.get("value") or []:
                skus.add(str(value).split(":", 1)[0].strip().lower())
    return frozenset(skus)


def _account(row: TenantAccount | None, groups: set[str]) -> compare.Account | None:
    if row is None:
        return None
    return compare.Account(
        object_id=row.object_id,
        deleted=row.deleted,
        account_enabled=row.account_enabled,
        synced=row.on_premises_sync_enabled is True,
        user_principal_name=row.user_principal_name,
        mail_lower=row.mail_lower,
        licenses=frozenset(s.lower() for s in row.assigned_licenses or []),
        attributes=dict(row.attributes or {}),
        groups=frozenset(groups),
    )


@dataclass
class _Cycle:
    session: Session
    app: App
    policy: dict[str, DriftAction]
    # The groups the snapshot holds members of, and the SKUs the app's rules grant.
    tracked: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()
    run: planning.Run = field(default_factory=planning.Run)
    summary: DriftSummary = field(default_factory=DriftSummary)
    new_items: list[DriftItem] = field(default_factory=list)
    # Items whose enforce task is planned at the end of the cycle, by assignment id.
    enforcing: dict[int, list[DriftItem]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def event(self, kind: str, item: DriftItem, **extra: Any) -> None:
        data = {
            "drift_item_id": item.id,
            "kind": item.kind,
            "target": item.target,
            "tenant_value": item.tenant_value,
            "applied_value": item.applied_value,
            "object_id": item.object_id,
            "user_name": self.names.get(item.user_id),
            "app_name": self.app.name,
            **extra,
        }
        provisioning_repo.add_event(
            self.session,
            kind,
            app_id=self.app.id,
            user_id=item.user_id,
            task_id=item.task_id,
            data=data,
        )

    def assignment(
        self, assignment: Assignment, account: compare.Account | None, items: list[DriftItem]
    ) -> None:
        applied = planning.applied_state(assignment)
        found = compare.compare(applied, assignment.state, account, self.tracked, self.skus)
        now = utcnow()
        open_by_key = {(i.kind, i.target): i for i in items}
        seen: set[tuple[str, str]] = set()
        enforce: list[tuple[compare.Found, DriftItem]] = []
        for f in found:
            seen.add(f.key)
            action = self.policy[f.kind]
            if f.kind == DriftKind.deleted and f.applied_value == compare.SUSPENDED:
                # Planning never creates a person only to suspend them: a suspended account
                # deleted in the tenant can only be reported.
                action = DriftAction.report
            item = open_by_key.get(f.key)
            if item is None:
                assert assignment.id is not None and assignment.tenant_object_id is not None
                item = DriftItem(
                    app_id=assignment.app_id,
                    assignment_id=assignment.id,
                    user_id=assignment.user_id,
                    object_id=assignment.tenant_object_id,
                    kind=str(f.kind),
                    target=f.target,
                    tenant_value=f.tenant_value,
                    applied_value=f.applied_value,
                    first_seen_at=now,
                    last_seen_at=now,
                )
                self.session.add(item)
                self.session.flush()
                self.summary.new += 1
                self.new_items.append(item)
                self.event("drift.found", item, policy=str(action))
            else:
                item.last_seen_at = now
                item.tenant_value = f.tenant_value
                item.applied_value = f.applied_value
                self.session.add(item)
            if action == DriftAction.enforce:
                enforce.append((f, item))
            elif action == DriftAction.adopt:
                self.adopt(assignment, f, item)
        for item in items:
            if (item.kind, item.target) not in seen and self.put_back(assignment, item):
                self.resolve(item, DriftStatus.fixed, now)
        if enforce:
            self.enforce(assignment, account, enforce)

    def put_back(self, assignment: Assignment, item: DriftItem) -> bool:
        """Whether drift the round no longer sees is really gone.

        Reported drift: the tenant holds what we applied again. Enforced drift (`task_id`
        set): enforcing rewrote applied to the tenant's value, so only a task can have put ours
        back. The item stays open while the assignment has an open task (a retry or a later
        plan takes the item over), and after its task ended without success until a later
        task applied what we want for the target."""
        if item.task_id is None:
            return True
        task = provisioning_repo.open_task(self.session, item.assignment_id)
        if task is not None and task.status in OPEN_TASK_STATUSES:
            if task.id != item.task_id:
                item.task_id = task.id
                self.session.add(item)
            return False
        ended = self.session.get(Task, item.task_id)
        if ended is not None and ended.status == TaskStatus.succeeded:
            return True
        desired = (
            DesiredState.from_json(assignment.desired)
            if assignment.desired is not None and assignment.target != AssignmentTarget.deleted
            else None
        )
        applied = planning.applied_state(assignment)
        return not compare.outstanding(desired, applied, item.kind, item.target)

    def resolve(self, item: DriftItem, status: DriftStatus, now: Any, **extra: Any) -> None:
        item.status = status
        item.resolved_at = now
        self.session.add(item)
        self.summary.fixed += 1
        self.event(f"drift.{status}", item, **extra)

    def adopt(self, assignment: Assignment, f: compare.Found, item: DriftItem) -> None:
        """The tenant's value becomes the applied one (and the desired one while ours stays)."""
        applied = planning.applied_state(assignment)
        assert applied is not None
        desired = DesiredState.from_json(assignment.desired) if assignment.desired else None
        desired, assignment.adopted = adopt.adopt(
            desired, assignment.adopted, f.target, f.tenant_value, f.applied_value
        )
        if desired is not None:
            assignment.desired = desired.to_json()
            assignment.desired_fingerprint = desired.fingerprint()
        attributes = {**applied.attributes, f.target: f.tenant_value}
        now_applied = DesiredState(attributes, applied.licenses, applied.groups, applied.enabled)
        assignment.applied = now_applied.to_json()
        assignment.applied_fingerprint = now_applied.fingerprint()
        assignment.updated_at = utcnow()
        self.session.add(assignment)
        self.resolve(
            item,
            DriftStatus.adopted,
            utcnow(),
            before=f.applied_value,
            after=f.tenant_value,
            override=bool(assignment.adopted and f.target in assignment.adopted),
        )
        # A task planned before, still carrying our old value, is re-planned (or cancelled).
        self.run.note(self.app, assignment)

    def enforce(
        self,
        assignment: Assignment,
        account: compare.Account | None,
        pairs: list[tuple[compare.Found, DriftItem]],
    ) -> None:
        """Applied becomes what the tenant holds; the planning run plans the way back."""
        applied, state = compare.as_tenant_holds(
            planning.applied_state(assignment), assignment.state, account, [f for f, _ in pairs]
        )
        assignment.applied = applied.to_json() if applied is not None else None
        assignment.applied_fingerprint = applied.fingerprint() if applied is not None else None
        assignment.state = state
        assignment.updated_at = utcnow()
        self.session.add(assignment)
        self.session.flush()
        assert assignment.id is not None
        self.enforcing.setdefault(assignment.id, []).extend(item for _, item in pairs)
        self.run.note(self.app, assignment)


def detect_drift(session: Session, app: App, object_ids: Collection[str] | None) -> DriftSummary:
    """object_ids: the tenant accounts (and group members) that changed this round; None = all
    (a full round)."""
    assert app.id is not None
    cycle = _Cycle(session, app, dict(policy_of(app)))
    cycle.tracked = repo.tracked_groups(session, app.id)
    cycle.skus = managed_skus(session, app.id)
    wanted = None
    if object_ids is not None:
        # Open drift whose kind is no longer only reported (an admin switched the policy to
        # enforce or adopt) is judged again now, not when the account next changes.
        acting = [str(kind) for kind, act in cycle.policy.items() if act != DriftAction.report]
        wanted = sorted(set(object_ids) | repo.open_item_objects(session, app.id, acting))
    compared: set[int] = set()
    after = 0
    while wanted is None or wanted:
        rows = repo.managed_assignments(session, app.id, wanted, after, CHUNK)
        if not rows:
            break
        after = rows[-1][0].id or after
        oids = [a.tenant_object_id for a, _ in rows if a.tenant_object_id]
        accounts = repo.accounts(session, app.id, oids)
        groups = repo.memberships(session, app.id, oids)
        ids = [a.id for a, _ in rows if a.id is not None]
        items: dict[int, list[DriftItem]] = {}
        for item in repo.open_items(session, ids):
            items.setdefault(item.assignment_id, []).append(item)
        tasks = provisioning_repo.open_tasks(session, ids)
        for assignment, name in rows:
            assert assignment.id is not None and assignment.tenant_object_id is not None
            compared.add(assignment.id)
            task = tasks.get(assignment.id)
            if task is not None and task.status == TaskStatus.running:
                # Its applied state is about to be rewritten with what the task did; what
                # the round saw may be that task's own changes landing. The next round judges.
                continue
            cycle.names[assignment.user_id] = name
            oid = assignment.tenant_object_id
            account = _account(accounts.get(oid), groups.get(oid, set()))
            cycle.assignment(assignment, account, items.get(assignment.id, []))
        if len(rows) < CHUNK:
            break
    if object_ids is None:
        stale = repo.open_items_outside(session, app.id, compared)
        cycle.names.update(repo.user_names(session, {i.user_id for i in stale}))
        for item in stale:
            cycle.resolve(item, DriftStatus.fixed, utcnow(), reason="no longer managed")
    cycle.run.finish(session)
    session.flush()
    _link_tasks(cycle)
    cycle.summary.tasks_planned = cycle.run.planned
    cycle.summary.found = repo.open_counts(session, app.id)
    if cycle.new_items:
        _webhook(cycle)
    return cycle.summary


def _link_tasks(cycle: _Cycle) -> None:
    """Each enforced item remembers the task planned to put it back (None: nothing to send,
    e.g. the value is what we want now; the next round then closes it)."""
    if not cycle.enforcing:
        return
    tasks = provisioning_repo.open_tasks(cycle.session, list(cycle.enforcing))
    for assignment_id, items in cycle.enforcing.items():
        task = tasks.get(assignment_id)
        for item in items:
            item.task_id = task.id if task is not None else None
            cycle.session.add(item)
            if task is not None:
                cycle.event("drift.enforced", item, task_status=task.status)


def _webhook(cycle: _Cycle) -> None:
    examples = [
        {
            "user_id": i.user_id,
            "user_name": cycle.names.get(i.user_id),
            "kind": i.kind,
            "target": i.target,
            "tenant_value": i.tenant_value,
            "applied_value": i.applied_value,
            "status": i.status,
        }
        for i in cycle.new_items[:MAX_EXAMPLES]
    ]
    new_by_kind: dict[str, int] = {}
    for i in cycle.new_items:
        new_by_kind[i.kind] = new_by_kind.get(i.kind, 0) + 1
    webhooks.drift_detected(
        cycle.session, cycle.app, len(cycle.new_items), new_by_kind, cycle.summary.found, examples
    )
