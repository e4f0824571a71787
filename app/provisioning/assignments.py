"""Keeps assignments (app, user) and their desired state in step with the directory.

`recompute_users` is the entry point for any change that can alter what a user should have
in a tenant: it recomputes the desired state of every app the user has or had, stores it
with a fingerprint and the "why", and hands changed assignments to the task planner. An
unchanged desired state touches nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace

from sqlmodel import Session

from app.apps import repository as apps_repo
from app.db import insert_objects, new_object, transaction
from app.directory.repository import load_facts
from app.drift import adopt
from app.evaluation import desired as desired_mod
from app.evaluation.facts import UserFacts
from app.evaluation.mappings import MappingOutcome, effective_facts, stored_outcome
from app.models import App, Assignment, utcnow
from app.provisioning import planning
from app.provisioning import repository as repo
from app.provisioning.rules.compiled import compiled_rules_of_apps
from app.tenant_accounts import linking

SessionFactory = Callable[[], AbstractContextManager[Session]]

CHUNK = 2000


@dataclass
class AppCache:
    """App policies loaded once per recompute pass."""

    policies: dict[int, desired_mod.AppPolicy] = field(default_factory=dict)
    apps: dict[int, App] = field(default_factory=dict)
    role_apps: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, app_ids: Iterable[int] | None = None) -> AppCache:
        cache = cls()
        for app in apps_repo.many(session, app_ids):
            assert app.id is not None
            cache.apps[app.id] = app
        links = repo.role_app_links(session)
        roles_of_app: dict[int, set[int]] = {}
        for role_id, app_id in links:
            cache.role_apps.setdefault(role_id, set()).add(app_id)
            roles_of_app.setdefault(app_id, set()).add(role_id)
        rules = compiled_rules_of_apps(session, list(cache.apps))
        for app_id, app in cache.apps.items():
            cache.policies[app_id] = desired_mod.AppPolicy(
                id=app_id,
                domain=app.domain,
                parameters=desired_mod.app_parameters(
                    app.parameters or [], app.immutable_id_attribute
                ),
                rules=rules[app_id],
                on_user_deleted=app.on_user_deleted,
                on_user_suspended=app.on_user_suspended,
                on_app_removed=app.on_app_removed,
                role_ids=frozenset(roles_of_app.get(app_id, ())),
                default_usage_location=(app.entitlements or {}).get("default_usage_location"),
            )
        return cache


def load_user_states(session: Session, user_ids: Sequence[int]) -> list[desired_mod.UserState]:
    """Effective facts (own state merged with mapping outcome) for each user, in id order."""
    facts = load_facts(session, user_ids)
    extra = repo.mapping_state(session, user_ids)
    out = []
    for f, _ in facts:
        mapped_roles, mapped_group, mapped_attrs, deleted_at = extra[f.id]
        outcome = stored_outcome(mapped_roles, mapped_group, mapped_attrs)
        out.append(user_state(f, outcome, deleted_at is not None))
    return out


def user_state(facts: UserFacts, outcome: MappingOutcome, deleted: bool) -> desired_mod.UserState:
    """A user's state for `desired.compute`: own facts merged with the mapping outcome as the
    user row stores it (`stored_outcome`), and where each role comes from."""
    sources: dict[int, str] = {r: "manual" for r in facts.role_ids}
    for rid, mid in outcome.granted_roles.items():
        sources.setdefault(rid, f"mapping:{mid}")
    return desired_mod.UserState(effective_facts(facts, outcome), deleted, sources)


def recompute_users(
    session: Session,
    user_ids: Sequence[int],
    run: planning.Run | None = None,
    cache: AppCache | None = None,
    only_app: int | None = None,
    created: Sequence[desired_mod.UserState] | None = None,
    causes: Mapping[int, str | None] | None = None,
) -> int:
    """Recompute every assignment of these users; returns how many desired states changed.

    `created`: these users were inserted by this transaction and evaluated by the caller,
    and these are their states as `load_user_states` would read them, in the same order. No
    assignment of theirs can exist yet (nothing else sees them), so none is looked up.

    Tasks are planned when the run finishes, once the whole run is known: a run that would
    delete or suspend more users than an app's threshold holds those tasks for approval.
    Without `run`, a run is made and finished here, in this transaction; `causes` names
    the request each user's tasks come from (`planning.Run.by_user`).
    """
    if not user_ids:
        return 0
    own_run = run is None
    run = run or planning.Run(by_user=causes or {})
    cache = cache or AppCache.load(session, None if only_app is None else [only_app])
    if not cache.role_apps and not repo.any_assignment(session):
        # No role grants an app and no assignment exists anywhere: a directory without
        # connected tenants has nothing to recompute (and a bulk reapply skips a big IN query).
        return 0
    existing: dict[tuple[int, int], Assignment] = (
        {}
        if created is not None
        else {
            (a.app_id, a.user_id): a for a in repo.assignments_of_users(session, user_ids, only_app)
        }
    )
    if not existing and not cache.role_apps:
        # No role grants an app and nobody has an assignment: a directory without connected
        # tenants (or a bulk reapply before any app exists) has nothing to load here.
        return 0
    states = created if created is not None else load_user_states(session, user_ids)
    apps_held: dict[int, set[int]] = {}
    for app_id, user_id in existing:
        apps_held.setdefault(user_id, set()).add(app_id)
    changed = 0
    # Changed assignments are written in one flush at the end, new ones in one insert
    # (`insert_objects`); the run notes them once they have ids.
    to_note: list[tuple[App, Assignment]] = []
    fresh: list[Assignment] = []
    now = utcnow()
    for user in states:
        app_ids = set(apps_held.get(user.facts.id, ()))
        for rid in user.facts.role_ids:
            app_ids.update(cache.role_apps.get(rid, ()))
        for app_id in sorted(app_ids):
            policy = cache.policies.get(app_id)
            if policy is None:
                continue
            assignment = existing.get((app_id, user.facts.id))
            want = desired_mod.compute(policy, user)
            if assignment is None:
                if not want.assigned:
                    continue
                # Made and timed as `planning.reconcile` makes a task, for the same reason.
                assignment = new_object(
                    Assignment, app_id=app_id, user_id=user.facts.id, created_at=now, updated_at=now
                )
                _store(assignment, want)  # a new assignment always takes the desired state
                fresh.append(assignment)
                changed += 1
            elif _store(assignment, want):
                session.add(assignment)
                changed += 1
            to_note.append((cache.apps[app_id], assignment))
    session.flush()
    # New assignments of users an account was linked to before the app was granted hold
    # that account (one query per app; read before they are inserted and their tasks planned).
    # Autoflush off: a lookup there must not insert an assignment it has already touched
    # one row at a time, under `insert_objects`' feet.
    with session.no_autoflush:
        linking.take_links(session, fresh)
    insert_objects(session, fresh, key=("app_id", "user_id"))
    inserted = {id(a) for a in fresh}  # by identity: model equality compares fields
    for app, assignment in to_note:
        run.note(app, assignment, fresh=id(assignment) in inserted)
    if own_run:
        run.finish(session)
    session.flush()
    return changed


def _store(assignment: Assignment, want: desired_mod.Desired) -> bool:
    # Attribute values adopted from the tenant stand in for ours until our own value changes.
    state, adopted = adopt.overlay(want.state, assignment.adopted)
    if adopted != assignment.adopted:
        assignment.adopted = adopted
    want = replace(want, state=state)
    fingerprint = want.state.fingerprint() if want.state is not None else f"target:{want.target}"
    if (
        assignment.desired_fingerprint == fingerprint
        and assignment.target == want.target
        and assignment.active == want.assigned
        and assignment.why == want.why
    ):
        return False
    assignment.desired = want.state.to_json() if want.state is not None else None
    assignment.desired_fingerprint = fingerprint
    assignment.target = want.target
    assignment.active = want.assigned
    assignment.why = want.why
    assignment.updated_at = utcnow()
    return True


def recompute_app(
    session_factory: SessionFactory | None,
    app_id: int,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Recompute every user who holds a role granting this app, or has an assignment to it."""
    factory = session_factory or transaction
    with factory() as session:
        user_ids = repo.users_for_app(session, app_id)
    total = len(user_ids)
    if progress:
        progress(0, total)
    changed = 0
    run = planning.Run()
    for start in range(0, total, CHUNK):
        chunk = user_ids[start : start + CHUNK]
        with factory() as session:
            cache = AppCache.load(session, [app_id])
            changed += recompute_users(session, chunk, run=run, cache=cache, only_app=app_id)
        if progress:
            progress(min(start + CHUNK, total), total)
    run.finish_in_chunks(factory)
    return {"processed": total, "changed": changed, "total": total, "tasks": run.planned}
