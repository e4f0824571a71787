"""Delta cycles: read the tenant into the app's snapshot, match, detect drift, on a schedule.

A cycle runs on one worker at a time across all workers: it starts by taking the app's lease
in `app_sync` with one atomic UPDATE, and whoever's UPDATE touches nothing returns "already
running". A cycle reads the users round, then the groups round (graph-contract §7), writing
each page as it arrives, then matches the accounts that changed (all of them after a full
round) and hands the changed object ids to drift detection. A full round (the first cycle,
`full=True`, the full-reconciliation schedule, or a stored deltaLink Graph refused) also
drops snapshot rows Graph no longer returns.

A cycle that cannot reach the tenant (token refused, consent revoked, credentials missing,
or failing cycle after cycle) puts the app in quarantine: visible with its reason, backed off
exponentially, reported by webhook; the next successful cycle lifts it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.apps import repository as apps_repo
from app.apps.errors import NotAuthenticated
from app.apps.runtime import GraphRuntime, connection_of
from app.audit import activity
from app.db import transaction
from app.drift import service as drift
from app.errors import NotFound, ProblemError
from app.evaluation.desired import app_parameters
from app.graph import GraphAuthError, GraphCallRecord, GraphClient, GraphError
from app.graph.trail import collecting
from app.models import App, AppSync, SyncState, utcnow
from app.observability.context import current_request_id
from app.settings import get_settings
from app.sync import delta, matching
from app.sync import repository as repo
from app.sync.schemas import AppSyncRead, CycleRead, QuarantineRead
from app.webhooks import service as webhooks

log = logging.getLogger("app.sync")

LEASE_S = 600  # extended on every page, so only a dead worker's lease runs out
QUARANTINE_FIRST_S = 300  # 5 minutes, doubling per failed cycle...
QUARANTINE_MAX_S = 6 * 3600  # ...up to 6 hours
FAILURES_BEFORE_QUARANTINE = 3  # cycles in a row failing for other reasons (most calls failing)
GROUP_LINK_SEPARATOR = "\n"  # one deltaLink per 50 groups; URLs hold no line feed
# A cycle's Graph calls kept in its activity event: the first and the last this many (a full
# round of 100,000 users is 500 pages), with the count of those left out between them.
CALLS_KEPT = 50

Progress = Callable[[int], None]


@dataclass
class CycleResult:
    """What `run_cycle` did: `ran` False when it did not start (`detail` says why)."""

    ran: bool
    detail: str
    cycle: dict[str, Any] | None = None


@dataclass
class _Counts:
    changed: set[str] = field(default_factory=set)
    removed: int = 0
    seen: int = 0
    members_changed: int = 0
    known: bool = True  # the snapshot held accounts when the round began
    write_s: float = 0.0  # time spent writing pages (they overlap the next page's request)
    calls: list[GraphCallRecord] = field(default_factory=list)  # every Graph exchange


class _Unreachable(Exception):
    """The tenant cannot be reached: quarantine at once."""


# --- reading ----------------------------------------------------------------------------------


def _storable(value: Any) -> Any:
    """Graph's answer as text Postgres and SQLite can hold (`delta.clean_text`): without NUL
    characters, and with every lone UTF-16 surrogate (`"x\\ud800y"` is valid JSON and the
    tenant takes it; Postgres refuses it, and on SQLite every later read that encodes it
    fails) replaced by U+FFFD. One user with such a name must not stop every cycle of the app, nor
    later fail every read of the snapshot."""
    if isinstance(value, str):
        return delta.clean_text(value)
    if isinstance(value, dict):
        return {delta.clean_text(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _fits(value: Any, length: int) -> str | None:
    """A key column's value, or None when it is not a string of at most `length` characters
    (the column's size): such an account is not matched by that key (never by a cut-off
    value), and the whole value stays in `attributes`."""
    return value if isinstance(value, str) and len(value) <= length else None


# Selected properties that are not strings. Every other one we select is a string: the base
# set's keys, and the properties our parameters compute (which are strings).
BOOL_PROPERTIES = frozenset({"accountEnabled", "onPremisesSyncEnabled"})
LIST_PROPERTIES = frozenset({"businessPhones", "otherMails", "proxyAddresses", "imAddresses"})


def _typed(name: str, value: Any) -> Any:
    """A property's value as its Graph type, for a tenant that holds one of another type
    (the tenant's own API refuses them, odd data and emulators do not): a flag that is not a
    bool is unknown (None: drift does not compare it); a number where a string belongs is
    that number's text (what the tenant shows, comparable with ours); a list keeps its
    strings and numbers' text; any other value of the wrong type is no value (None)."""
    if value is None:
        return None
    if name in BOOL_PROPERTIES:
        return value if isinstance(value, bool) else None
    if name in LIST_PROPERTIES:
        if not isinstance(value, list):
            return None
        return [t for t in (_text(v) for v in value) if t is not None]
    if name == "assignedLicenses":
        return value if isinstance(value, list) else None
    return _text(value)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def account_row(user: dict[str, Any], select: Sequence[str]) -> dict[str, Any]:
    """A tenant_account row from a Graph user. `attributes` keeps every selected property as
    Graph returned it (userPrincipalName, mail and onPremisesImmutableId included, since
    their columns are lowercased or indexed copies; assignedLicenses too, with its
    disabledPlans) except the id and the two flags that have columns of their own. Text is
    made storable and each value typed (`_storable`, `_typed`): one odd account never stops
    a cycle, nor fails a later read."""
    user = _storable(user)
    user = {name: _typed(name, value) for name, value in user.items() if name != "id"} | {
        "id": user["id"]
    }
    licenses = [lic for lic in user.get("assignedLicenses") or [] if isinstance(lic, dict)]
    upn = _fits(user.get("userPrincipalName"), 1024)
    mail = _fits(user.get("mail"), 320)
    attributes = {
        name: user.get(name)
        for name in select
        if name not in ("id", "accountEnabled", "onPremisesSyncEnabled")
    }
    return {
        "object_id": str(user["id"]).lower(),
        "user_principal_name": upn,
        "user_principal_name_lower": upn.lower() if isinstance(upn, str) else None,
        "mail_lower": mail.lower() if isinstance(mail, str) else None,
        "on_premises_immutable_id": _fits(user.get("onPremisesImmutableId"), 200),
        "account_enabled": user.get("accountEnabled"),
        "on_premises_sync_enabled": user.get("onPremisesSyncEnabled"),
        "assigned_licenses": sorted(
            {
                str(lic["skuId"]).lower()
                for lic in licenses
                if isinstance(lic.get("skuId"), str) and lic["skuId"]
            }
        ),
        "attributes": attributes,
        "deleted": False,
    }


def _write_users_page(
    app_id: int,
    page: delta.UsersPage,
    select: Sequence[str],
    counts: _Counts,
    seen: set[str] | None,
) -> None:
    began = time.perf_counter()
    try:
        _write_users(app_id, page, select, counts, seen)
    finally:
        counts.write_s += time.perf_counter() - began


def _write_users(
    app_id: int,
    page: delta.UsersPage,
    select: Sequence[str],
    counts: _Counts,
    seen: set[str] | None,
) -> None:
    with transaction() as session:
        rows = {}
        for user in page.users:
            row = account_row(user, select)
            rows[row["object_id"]] = row
        # The first round of an app finds its snapshot empty: nothing to compare with.
        existing = repo.accounts_by_object_id(session, app_id, rows) if counts.known else {}
        changed = []
        for object_id, row in rows.items():
            old = existing.get(object_id)
            if old is not None:
                # A property Graph left out of a changed object kept its value.
                row["attributes"] = {**(old["attributes"] or {}), **row["attributes"]}
            if old is None or any(old[f] != row[f] for f in repo.ACCOUNT_FIELDS):
                changed.append(row)
        repo.upsert_accounts(session, app_id, changed)
        counts.changed.update(r["object_id"] for r in changed)
        counts.seen += len(rows)
        if seen is not None:
            seen.update(rows)
        soft = repo.mark_deleted(session, app_id, page.soft_deleted)
        # A removal of an account the snapshot never held (created and removed since the
        # last round, as one the engine made meanwhile) is still the tenant's state: a
        # soft-deleted one is recorded as deleted, and both count as changed so drift
        # compares the assignment that holds the id (deleted, or gone).
        unknown = repo.insert_deleted(session, app_id, page.soft_deleted)
        purged = repo.delete_accounts(session, app_id, page.purged)
        counts.changed.update(soft, unknown, purged, page.purged)
        counts.removed += len(soft) + len(unknown) + len(purged)
        repo.extend_lease(session, app_id, LEASE_S)


def _drop_unseen(app_id: int, seen: set[str], counts: _Counts) -> None:
    """After a full round: rows Graph did not return are gone from the tenant. Soft-deleted
    rows stay (a full round never returns deleted items, which may still be restored)."""
    with transaction() as session:
        stale = [o for o in repo.live_object_ids(session, app_id) if o not in seen]
        removed = repo.delete_accounts(session, app_id, stale)
        counts.changed.update(removed)
        counts.removed += len(removed)


async def _users_round(
    client: GraphClient,
    app: App,
    link: str | None,
    stats: delta.RoundStats,
    counts: _Counts,
    progress: Progress | None,
) -> str | None:
    assert app.id is not None
    app_id = app.id
    names = [p.name for p in app_parameters(app.parameters or [], app.immutable_id_attribute)]
    select = delta.user_select(names)
    seen: set[str] = set()

    def known() -> bool:
        with transaction() as session:
            return repo.has_accounts(session, app_id)

    counts.known = await asyncio.to_thread(known)

    async def on_body(body: dict[str, Any]) -> None:
        page = delta.users_page(body)
        await asyncio.to_thread(
            _write_users_page, app_id, page, select, counts, seen if stats.full else None
        )
        if progress is not None:
            await asyncio.to_thread(progress, stats.pages)

    async def on_restart() -> None:
        seen.clear()

    new_link = await delta.run_round(
        client, "users/delta", {"$select": ",".join(select)}, link, stats, on_body, on_restart
    )
    if stats.full:
        await asyncio.to_thread(_drop_unseen, app_id, seen, counts)
    return new_link


def _apply_members(app_id: int, page: delta.GroupsPage, counts: _Counts) -> None:
    with transaction() as session:
        removed_groups = repo.remove_groups(session, app_id, page.groups_removed)
        added = repo.add_members(session, app_id, page.added)
        removed = repo.remove_members(session, app_id, page.removed)
        counts.members_changed += added + removed + len(removed_groups)
        counts.changed.update(m for _, m in page.added)
        counts.changed.update(m for _, m in page.removed)
        counts.changed.update(removed_groups)
        repo.extend_lease(session, app_id, LEASE_S)


def _replace_members(
    app_id: int, group_ids: Collection[str], seen: set[tuple[str, str]], counts: _Counts
) -> None:
    """After a full groups round: the memberships of these groups are exactly `seen`."""
    with transaction() as session:
        wanted = set(group_ids)
        current = {p for p in repo.members(session, app_id) if p[0] in wanted}
        added = repo.add_members(session, app_id, sorted(seen - current))
        removed = repo.remove_members(session, app_id, sorted(current - seen))
        counts.members_changed += added + removed
        counts.changed.update(m for _, m in seen ^ current)


async def _groups_round(
    client: GraphClient,
    app_id: int,
    group_ids: list[str],
    stored: AppSync,
    stats: delta.RoundStats,
    counts: _Counts,
    full: bool = False,
) -> str | None:
    """Every 50 groups are one delta query of their own (`$filter` takes at most 50 ids);
    their deltaLinks are stored together. A changed set of groups restarts them all, and so
    does a full cycle: the full reconciliation re-reads memberships as it re-reads users."""
    old_ids = list(stored.groups_delta_ids or [])
    gone = sorted(set(old_ids) - set(group_ids))
    if gone:

        def drop() -> None:
            with transaction() as session:
                members = repo.remove_groups(session, app_id, gone)
                counts.changed.update(members)
                counts.members_changed += len(members)

        await asyncio.to_thread(drop)
    if not group_ids:
        return None
    links = (stored.groups_delta_link or "").split(GROUP_LINK_SEPARATOR)
    parts = [group_ids[i : i + delta.MAX_FILTER_IDS] for i in range(0, len(group_ids), 50)]
    if full or sorted(old_ids) != group_ids or len(links) != len(parts):
        links = [""] * len(parts)
    new_links: list[str] = []
    for part, link in zip(parts, links, strict=True):
        part_stats = delta.RoundStats()
        seen: set[tuple[str, str]] = set()

        async def on_body(
            body: dict[str, Any],
            seen: set[tuple[str, str]] = seen,
            part_stats: delta.RoundStats = part_stats,
        ) -> None:
            page = delta.groups_page(body)
            if part_stats.full:
                seen.update(page.added)
            else:
                await asyncio.to_thread(_apply_members, app_id, page, counts)

        async def on_restart(seen: set[tuple[str, str]] = seen) -> None:
            seen.clear()

        params = {"$select": "displayName,members", "$filter": delta.id_filter(part)}
        new_link = await delta.run_round(
            client, "groups/delta", params, link or None, part_stats, on_body, on_restart
        )
        if part_stats.full:
            await asyncio.to_thread(_replace_members, app_id, part, seen, counts)
        stats.pages += part_stats.pages
        stats.round_trips += part_stats.round_trips
        stats.full = stats.full or part_stats.full
        stats.full_restart = stats.full_restart or part_stats.full_restart
        new_links.append(new_link or "")
    return GROUP_LINK_SEPARATOR.join(new_links)


# --- the cycle ------------------------------------------------------------------------------


def _start(app_id: int, force: bool, full: bool = False) -> tuple[App, AppSync] | str:
    with transaction() as session:
        app = apps_repo.get(session, app_id)
        if app is None:
            raise NotFound(f"App {app_id} does not exist.")
        repo.ensure_row(session, app_id)
        if not repo.take_lease(session, app_id, LEASE_S, force=force):
            row = repo.get(session, app_id)
            assert row is not None
            if row.state == SyncState.quarantined:
                return f"quarantined until {row.quarantined_until}: {row.quarantine_reason}"
            if full:
                # Not dropped: the running cycle's end schedules the full round at once.
                row.next_full_at = utcnow()
                session.add(row)
                return "already running; a full round follows it"
            return "already running"
        row = repo.get(session, app_id)
        assert row is not None
        session.expunge(app)
        session.expunge(row)
        return app, row


async def run_cycle(
    app_id: int,
    *,
    full: bool = False,
    reason: str = "schedule",
    runtime: GraphRuntime | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> CycleResult:
    """Run one cycle of the app now, unless one is running (anywhere) or, without `force`,
    the app is quarantined and its back-off has not ended."""
    started = await asyncio.to_thread(_start, app_id, force, full)
    if isinstance(started, str):
        return CycleResult(False, started)
    app, row = started
    owned = runtime is None
    runtime = runtime or GraphRuntime(get_settings())
    begun = utcnow()
    now = begun
    want_full = (
        full
        or not row.users_delta_link
        or (row.next_full_at is not None and row.next_full_at <= now)
    )
    counts = _Counts()
    cycle: dict[str, Any] = {"reason": reason, "started_at": begun.isoformat()}
    # Where the time went (connect, users, groups, match, drift), for the record and benches.
    phases: dict[str, int] = {}
    cycle["phases_ms"] = phases
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = int((now - mark) * 1000)
        mark = now

    with collecting() as counts.calls:
        return await _run(app, row, runtime, owned, want_full, counts, cycle, begun, lap, progress)


async def _run(
    app: App,
    row: AppSync,
    runtime: GraphRuntime,
    owned: bool,
    want_full: bool,
    counts: _Counts,
    cycle: dict[str, Any],
    begun: datetime,
    lap: Callable[[str], None],
    progress: Progress | None,
) -> CycleResult:
    """The cycle itself, inside `collecting()` so every Graph exchange lands in `counts`."""
    assert app.id is not None
    app_id = app.id
    phases: dict[str, int] = cycle["phases_ms"]
    users_stats = delta.RoundStats()
    groups_stats = delta.RoundStats()
    try:
        try:
            connection_of(app)
            client = await runtime.client_for(app_id)
        except ProblemError as exc:
            raise _Unreachable(exc.detail or exc.title) from None
        await client.application_permissions()  # the token, before the clock of the rounds
        lap("connect")
        users_link = await _users_round(
            client, app, None if want_full else row.users_delta_link, users_stats, counts, progress
        )
        lap("users")
        phases["users_writes"] = int(counts.write_s * 1000)
        group_ids = await asyncio.to_thread(_rule_groups, app_id)
        groups_link = await _groups_round(
            client, app_id, group_ids, row, groups_stats, counts, full=users_stats.full
        )
        lap("groups")
        figures = await asyncio.to_thread(
            _finish,
            app_id,
            users_stats,
            groups_stats,
            counts,
            users_link,
            groups_link,
            group_ids,
            cycle,
            begun,
        )
        return CycleResult(True, "ran", figures)
    except (_Unreachable, GraphAuthError) as exc:
        message = str(exc)
        await asyncio.to_thread(
            _failed, app_id, users_stats, groups_stats, counts, cycle, begun, message, True
        )
        if isinstance(exc, GraphAuthError):
            await runtime.forget(app_id)
        return CycleResult(True, f"failed: {message}", cycle)
    except GraphError as exc:
        message = str(exc)
        await asyncio.to_thread(
            _failed, app_id, users_stats, groups_stats, counts, cycle, begun, message, False
        )
        return CycleResult(True, f"failed: {message}", cycle)
    except BaseException as exc:
        await asyncio.to_thread(
            _failed,
            app_id,
            users_stats,
            groups_stats,
            counts,
            cycle,
            begun,
            failure_reason(exc),
            False,
        )
        raise
    finally:
        if owned:
            await runtime.aclose()


def failure_reason(exc: BaseException) -> str:
    """A short reason for an unexpected failure: the error's class and the first line of its
    message. A database error's text goes on with the whole SQL statement and its
    parameters (a page of tenant users): not a reason an admin reads, nor one to keep."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    return f"{type(exc).__name__}: {first}"[:500]


def _rule_groups(app_id: int) -> list[str]:
    with transaction() as session:
        return repo.rule_group_ids(session, app_id)


def _figures(
    cycle: dict[str, Any],
    users: delta.RoundStats,
    groups: delta.RoundStats,
    counts: _Counts,
    begun: datetime,
) -> None:
    finished = utcnow()
    cycle.update(
        {
            "kind": "full" if users.full else "incremental",
            "finished_at": finished.isoformat(),
            "duration_ms": int((finished - begun).total_seconds() * 1000),
            "pages": users.pages + groups.pages,
            "round_trips": {"users": users.round_trips, "groups": groups.round_trips},
            "accounts_seen": counts.seen,
            "accounts_changed": len(counts.changed),
            "accounts_removed": counts.removed,
            "members_changed": counts.members_changed,
            "full_restart": users.full_restart or groups.full_restart,
        }
    )


def _finish(
    app_id: int,
    users: delta.RoundStats,
    groups: delta.RoundStats,
    counts: _Counts,
    users_link: str | None,
    groups_link: str | None,
    group_ids: list[str],
    cycle: dict[str, Any],
    begun: datetime,
) -> dict[str, Any]:
    with transaction() as session:
        app = apps_repo.get(session, app_id)
        row = repo.get(session, app_id)
        assert app is not None and row is not None
        # Drift tracks the groups this round read (`tracked_groups`): a group the rules
        # started using is compared in the cycle that first read its members.
        row.groups_delta_ids = group_ids
        session.add(row)
        session.flush()
        scope = None if users.full else sorted(counts.changed)
        mark = time.perf_counter()
        matched = matching.match_accounts(session, app, scope)
        cycle["phases_ms"]["match"] = int((time.perf_counter() - mark) * 1000)
        mark = time.perf_counter()
        # A full groups round (a group the rules newly use, a deltaLink Graph refused) knows
        # memberships only as they are now: one added and removed since the last round, or
        # one we applied and Graph never listed, changed nobody's row. Drift then compares
        # every assignment, as after a full users round.
        found = drift.detect_drift(session, app, None if groups.full else scope)
        cycle["phases_ms"]["drift"] = int((time.perf_counter() - mark) * 1000)
        _figures(cycle, users, groups, counts, begun)
        cycle.update(
            {
                "ok": True,
                "matched": matched.total_matched,
                "matched_by": matched.matched,
                "conflicts": matched.conflicts,
                "conflict_examples": matched.conflict_examples,
                "assignments_linked": matched.assignments_linked,
                "drift": asdict(found),
                "tasks_planned": found.tasks_planned,
                "error": None,
            }
        )
        if matched.total_matched or matched.conflicts:
            apps_repo.add_event(
                session,
                "sync.matched",
                app_id,
                {
                    "matched_by": matched.matched,
                    "conflicts": matched.conflicts,
                    "assignments_linked": matched.assignments_linked,
                },
            )
        if row.quarantine_reason is not None:
            apps_repo.add_event(
                session, "sync.quarantine_lifted", app_id, {"was": row.quarantine_reason}
            )
        now = utcnow()
        row.users_delta_link = users_link
        row.groups_delta_link = groups_link
        row.groups_delta_ids = group_ids
        row.state = SyncState.idle
        row.lease_until = None
        row.failures = 0
        row.quarantine_reason = row.quarantined_at = row.quarantined_until = None
        row.next_cycle_at = now + timedelta(seconds=app.sync_interval_s)
        if users.full:
            row.next_full_at = now + timedelta(seconds=app.full_sync_interval_s)
        elif row.next_full_at is not None and row.next_full_at <= now:
            # A full round was asked for while this incremental one ran: it follows at once.
            row.next_cycle_at = now
        row.last_cycle = cycle
        row.updated_at = now
        session.add(row)
        _record_calls(session, app_id, counts.calls, None)
    log.info(
        "sync.cycle",
        extra={"app_id": app_id, **{k: cycle[k] for k in ("kind", "duration_ms", "pages")}},
    )
    return cycle


def _record_calls(
    session: Session, app_id: int, calls: Sequence[GraphCallRecord], error: str | None
) -> None:
    """The cycle's Graph calls (delta pages with Graph's request ids, the token's check) as
    one `app.graph_calls` event, beside the app's other operations (`GET /apps/{id}/activity`):
    the first and last `CALLS_KEPT`, and how many were left out between them."""
    calls = list(calls)
    omitted = max(0, len(calls) - 2 * CALLS_KEPT)
    kept = calls if not omitted else [*calls[:CALLS_KEPT], *calls[-CALLS_KEPT:]]
    apps_repo.add_event(
        session,
        activity.KIND,
        app_id,
        {
            "operation": "sync_cycle",
            "outcome": "failed" if error else "succeeded",
            "error": error,
            "request_id": current_request_id(),
            "calls": [activity.call_json(c) for c in kept],
            "calls_total": len(calls),
            "calls_omitted": omitted,
        },
    )


def _failed(
    app_id: int,
    users: delta.RoundStats,
    groups: delta.RoundStats,
    counts: _Counts,
    cycle: dict[str, Any],
    begun: datetime,
    message: str,
    unreachable: bool,
) -> None:
    """Record the failed cycle and release the lease; quarantine when the tenant cannot be
    reached, or after several failed cycles in a row. What the rounds wrote stays (it is
    what Graph said); the deltaLinks stay as they were, so the next cycle reads it again."""
    with transaction() as session:
        app = apps_repo.get(session, app_id)
        row = repo.get(session, app_id)
        if app is None or row is None:
            return
        _figures(cycle, users, groups, counts, begun)
        cycle.update({"ok": False, "error": message[:2000], "tasks_planned": 0})
        _record_calls(session, app_id, counts.calls, message[:2000])
        now = utcnow()
        row.failures += 1
        row.lease_until = None
        row.last_cycle = cycle
        row.updated_at = now
        if unreachable or row.failures >= FAILURES_BEFORE_QUARANTINE:
            backoff = min(QUARANTINE_MAX_S, QUARANTINE_FIRST_S * 2 ** (row.failures - 1))
            newly = row.quarantine_reason is None
            row.state = SyncState.quarantined
            row.quarantine_reason = message[:2000]
            row.quarantined_at = row.quarantined_at or now
            row.quarantined_until = now + timedelta(seconds=backoff)
            row.next_cycle_at = row.quarantined_until
            if newly:
                apps_repo.add_event(
                    session,
                    "sync.quarantined",
                    app_id,
                    {"reason": row.quarantine_reason, "until": row.quarantined_until.isoformat()},
                )
                webhooks.app_quarantined(session, app, "sync_cycle_failed", row.quarantine_reason)
        else:
            row.state = SyncState.idle
            row.next_cycle_at = now + timedelta(seconds=app.sync_interval_s)
        session.add(row)
    log.warning("sync.cycle_failed", extra={"app_id": app_id, "error": message[:500]})


# --- reading the state ------------------------------------------------------------------------


def sync_read(session: Session, app_id: int) -> AppSyncRead:
    """Where the app's cycles stand (an app never cycled: idle, nothing yet)."""
    row = repo.get(session, app_id)
    if row is None:
        return AppSyncRead(
            state=SyncState.idle,
            last_cycle=None,
            next_cycle_at=None,
            next_full_at=None,
            quarantine=None,
        )
    quarantine = None
    if row.quarantine_reason is not None:
        quarantine = QuarantineRead(
            reason=row.quarantine_reason, since=row.quarantined_at, until=row.quarantined_until
        )
    last = CycleRead.model_validate(row.last_cycle) if row.last_cycle else None
    return AppSyncRead(
        state=SyncState(row.state),
        last_cycle=last,
        next_cycle_at=row.next_cycle_at,
        next_full_at=row.next_full_at,
        quarantine=quarantine,
    )


def check_can_sync(app: App) -> None:
    """A cycle needs a tenant to talk to: 409 before a job is made for an app that has none."""
    if not app.consented_tenant_id:
        raise NotAuthenticated(
            f"App {app.id} is not authenticated: grant admin consent before syncing."
        )
    connection_of(app)


def due_apps(now: datetime | None = None) -> list[int]:
    with transaction() as session:
        return repo.due_app_ids(session, now or utcnow())
