"""Matching tenant accounts to directory users (import and match).

An account already linked through an assignment's `tenant_object_id` is that user's (method
`assignment`). Every other unmatched account is tried by the app's match order:

- `immutable_id`: its onPremisesImmutableId equals the user's ImmutableID attribute
  (`App.immutable_id_attribute`, own or mapped value) or an assignment's `immutable_id`;
- `user_principal_name`: its UPN equals the one our parameters compute for the user (the
  assignment's desired userPrincipalName, else the app's userPrincipalName parameter);
- `mail`: its mail equals the user's email.

Nothing ambiguous is linked: an account that matches two users, or two accounts that match
one user (or a user already linked to another account), is marked `conflict` with the reason.

A match sets the account's user and method, and gives the user's assignment to the app the
tenant object id (and the account's ImmutableID) when it has none: the executor's lookup
step then reads that user by id and PATCHes it instead of creating a second one.

Everything is read and written in bulk: the directory side is streamed once into
dictionaries, and links are written with one UPDATE per thousand rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.directory.repository import iter_fact_chunks, load_facts
from app.evaluation.desired import app_parameters
from app.evaluation.facts import custom_attribute_name
from app.evaluation.parameters import compile_parameters, user_lookup
from app.models import App, MatchKey, utcnow
from app.provisioning import planning
from app.sync import repository as repo
from app.tenant_accounts import linking

DEFAULT_ORDER = (MatchKey.immutable_id, MatchKey.user_principal_name, MatchKey.mail)
EXAMPLES = 10
FEW = 2000  # users whose facts are read by id; more are read in one pass over everyone


@dataclass
class MatchSummary:
    scanned: int = 0
    matched: dict[str, int] = field(default_factory=dict)  # method -> accounts linked
    conflicts: int = 0
    unmatched: int = 0  # scanned, not linked, not a conflict: orphans so far
    assignments_linked: int = 0
    conflict_examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total_matched(self) -> int:
        return sum(self.matched.values())


@dataclass
class _Index:
    """Directory side: key value -> the user ids holding it."""

    by_key: dict[str, dict[str, set[int]]] = field(default_factory=dict)

    def add(self, key: str, value: Any, user_id: int) -> None:
        if value is None:
            return
        text = str(value).strip()
        if not text:
            return
        if key != MatchKey.immutable_id:
            text = text.lower()
        self.by_key.setdefault(key, {}).setdefault(text, set()).add(user_id)

    def users(self, key: str, value: str) -> set[int]:
        return self.by_key.get(key, {}).get(value, set())


def _account_value(account: repo.AccountKeys, key: str) -> str | None:
    if key == MatchKey.immutable_id:
        return account.on_premises_immutable_id or None
    if key == MatchKey.user_principal_name:
        return account.user_principal_name_lower or None
    return account.mail_lower or None


def _build_index(session: Session, app: App, keys: Iterable[str]) -> tuple[_Index, list[int]]:
    """The directory side of the cheap keys (ImmutableID, mail, desired UPNs), streamed once;
    and the users whose UPN is still to be computed (they have no desired state)."""
    assert app.id is not None
    keys = set(keys)
    index = _Index()
    attr = app.immutable_id_attribute or ""
    custom = custom_attribute_name(attr)
    upn_known: set[int] = set()
    for user_id, _tenant_id, immutable_id, upn in repo.assignment_keys(session, app.id):
        if MatchKey.immutable_id in keys:
            index.add(MatchKey.immutable_id, immutable_id, user_id)
        if MatchKey.user_principal_name in keys and upn:
            index.add(MatchKey.user_principal_name, upn, user_id)
            upn_known.add(user_id)
    need_upn: list[int] = []
    for user_id, email, own, mapped in repo.user_keys(session, custom):
        if MatchKey.mail in keys:
            index.add(MatchKey.mail, email, user_id)
        if MatchKey.immutable_id in keys and custom is not None:
            # The mapped value wins over the user's own, as in the executor's claim.
            index.add(MatchKey.immutable_id, mapped or own, user_id)
        if MatchKey.user_principal_name in keys and user_id not in upn_known:
            need_upn.append(user_id)
    if MatchKey.immutable_id in keys and custom is None and attr in _USER_COLUMNS:
        for user_id, value in repo.users_column(session, attr):
            index.add(MatchKey.immutable_id, value, user_id)
    return index, need_upn


_USER_COLUMNS = frozenset({"username", "email", "external_id", "distinguished_name"})


def _computed_upns(session: Session, app: App, user_ids: Collection[int], index: _Index) -> None:
    """The UPN the app's userPrincipalName parameter gives users with no desired state yet,
    from their own attributes (mapping outcomes and rules' set_parameter apply once an
    assignment is computed, whose desired UPN then counts). Computed only when matching gets
    to the UPN key, only for users not linked by then, from one bulk pass over the users."""
    parameters = app_parameters(app.parameters or [], app.immutable_id_attribute)
    compiled = [p for p in compile_parameters(parameters) if p.name == "userPrincipalName"]
    if not compiled or not compiled[0].include or not user_ids:
        return
    compute = compiled[0].compute
    wanted = set(user_ids)
    if len(wanted) <= FEW:
        for facts, _ in load_facts(session, sorted(wanted)):
            index.add(
                MatchKey.user_principal_name, compute(user_lookup(facts, app.domain)), facts.id
            )
        return
    for chunk in iter_fact_chunks(session, 5000):
        for facts, _ in chunk:
            if facts.id in wanted:
                upn = compute(user_lookup(facts, app.domain))
                index.add(MatchKey.user_principal_name, upn, facts.id)


def match_accounts(session: Session, app: App, object_ids: Collection[str] | None) -> MatchSummary:
    """Match the app's unmatched tenant accounts (only `object_ids`, or all when None)."""
    assert app.id is not None
    summary = MatchSummary()
    accounts = repo.accounts_to_match(session, app.id, object_ids)
    summary.scanned = len(accounts)
    if not accounts:
        return summary
    order = [MatchKey(k) for k in (app.match_order or DEFAULT_ORDER)]
    linked = repo.linked_users(session, app.id)  # user id -> object id
    by_object = {
        tenant_id: user_id
        for user_id, tenant_id, _i, _u in repo.assignment_keys(session, app.id)
        if tenant_id
    }
    links: dict[int, tuple[int, str]] = {}  # account row id -> (user id, method)
    conflicts: dict[int, str] = {}
    remaining: list[repo.AccountKeys] = []
    for account in accounts:
        user_id = by_object.get(account.object_id)
        if user_id is not None and linked.get(user_id, account.object_id) == account.object_id:
            links[account.id] = (user_id, "assignment")
            linked[user_id] = account.object_id
        else:
            remaining.append(account)
    index, need_upn = _build_index(session, app, order) if remaining else (_Index(), [])
    for key in order:
        if key == MatchKey.user_principal_name and remaining and need_upn:
            _computed_upns(session, app, [u for u in need_upn if u not in linked], index)
        claims: dict[int, list[repo.AccountKeys]] = {}
        still: list[repo.AccountKeys] = []
        for account in remaining:
            value = _account_value(account, key)
            users = index.users(key, value) if value else set()
            if len(users) > 1:
                conflicts[account.id] = (
                    f"{key} {value} matches {len(users)} directory users: "
                    f"{', '.join(str(u) for u in sorted(users)[:5])}"
                )
            elif len(users) == 1:
                claims.setdefault(next(iter(users)), []).append(account)
            else:
                still.append(account)
        for user_id, claimants in claims.items():
            holder = linked.get(user_id)
            if len(claimants) > 1 or holder is not None:
                others = [a.object_id for a in claimants]
                if holder is not None:
                    others.append(holder)
                for account in claimants:
                    conflicts[account.id] = (
                        f"{key}: directory user {user_id} is matched by more than one tenant "
                        f"account ({', '.join(sorted(set(others))[:5])})"
                    )
                continue
            account = claimants[0]
            links[account.id] = (user_id, key.value)
            linked[user_id] = account.object_id
        remaining = still
    _write(session, app, accounts, links, conflicts, summary)
    summary.unmatched = len(accounts) - len(links) - len(conflicts)
    return summary


def _write(
    session: Session,
    app: App,
    accounts: list[repo.AccountKeys],
    links: dict[int, tuple[int, str]],
    conflicts: dict[int, str],
    summary: MatchSummary,
) -> None:
    assert app.id is not None
    now = utcnow()
    rows: list[dict[str, Any]] = []
    immutable_of: dict[int, tuple[str, str | None]] = {}  # user id -> (object id, immutable)
    for account in accounts:
        if account.id in links:
            user_id, method = links[account.id]
            summary.matched[method] = summary.matched.get(method, 0) + 1
            immutable_of[user_id] = (account.object_id, account.on_premises_immutable_id)
            rows.append(
                {
                    "id": account.id,
                    "user_id": user_id,
                    "match_method": method,
                    "disposition": None,
                    "conflict_reason": None,
                }
            )
        elif account.id in conflicts:
            summary.conflicts += 1
            if len(summary.conflict_examples) < EXAMPLES:
                summary.conflict_examples.append(
                    {"object_id": account.object_id, "reason": conflicts[account.id]}
                )
            if (
                account.disposition != "conflict"
                or account.conflict_reason != conflicts[account.id]
            ):
                rows.append(
                    {
                        "id": account.id,
                        "disposition": "conflict",
                        "conflict_reason": conflicts[account.id],
                    }
                )
        elif account.disposition == "conflict":
            rows.append({"id": account.id, "disposition": None, "conflict_reason": None})
    repo.set_matches(session, rows)
    if not immutable_of:
        return
    updates = []
    chosen: dict[int, str | None] = {}  # assignment id -> its immutable id
    for assignment_id, user_id, ours in repo.unlinked_assignments(
        session, app.id, list(immutable_of)
    ):
        object_id, theirs = immutable_of[user_id]
        chosen[assignment_id] = ours or theirs
        updates.append(
            {
                "id": assignment_id,
                "tenant_object_id": object_id,
                "immutable_id": ours or theirs,
                "updated_at": now,
            }
        )
    repo.link_assignments(session, updates)
    summary.assignments_linked = len(updates)
    _adopt(session, app, chosen)


def _adopt(session: Session, app: App, immutable_ids: dict[int, str | None]) -> None:
    """Each newly linked assignment takes the tenant's state of what we want as its applied
    state, as a manual link does (`linking.adopt`), and is planned again: the plan is the
    difference (an update of what really differs, under update approval, or nothing), not a
    create whose PATCH would rewrite every attribute, the UPN included, unseen."""
    assert app.id is not None
    run = planning.Run()
    for part in repo.chunks(sorted(immutable_ids)):
        assignments = repo.assignments_by_id(session, part)
        object_ids = [a.tenant_object_id for a in assignments if a.tenant_object_id]
        accounts = repo.accounts_by_object_ids(session, app.id, object_ids)
        groups = repo.groups_of_accounts(session, app.id, object_ids)
        for assignment in assignments:
            account = accounts.get(assignment.tenant_object_id or "")
            if account is None:
                continue
            linking.adopt(session, assignment, account, groups.get(account.object_id, set()))
            # Matching's choice stands: ours, else the account's (`_write`).
            assignment.immutable_id = immutable_ids[assignment.id or 0]
            run.note(app, assignment)
        # One flush per chunk: the unit of work sends the chunk's updates together (a flush
        # per assignment cost a round trip each, most of matching's time at 20,000 links).
        session.flush()
    run.finish(session)
