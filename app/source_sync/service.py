"""Syncing a source: read it, plan what changes in our directory, check the plan against the
source's safety rules, then apply it through the directory's own paths.

One sync per source at a time across workers: it starts by taking the source's lease (one
atomic UPDATE of `Source.lease_until`). The plan is made before anything is written, so a
sync that would delete or disable more people than the source's threshold, or a source that
suddenly answers nobody, changes nothing: the source is `held` with the list and waits for an
admin's release (`POST /sources/{id}/sync/release`), which runs the sync once allowing
exactly those changes.

Writes go in batches, each in its own transaction, with the source named as the actor of
their audit entries: new people through `directory.service.create_users` (the batch path of
the API, so uniqueness, mappings, assignments and planning run as for an API create),
changes and deletions with the same audit entries and the same recompute hooks as the
API's update and delete. Only people whose values differ are written: an incremental sync
with 1% changed writes 1% of the rows.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app import recompute
from app.audit import service as audit
from app.crypto import decrypt
from app.db import savepoint, transaction
from app.directory import service as directory
from app.directory.schemas import UserCreate, UserUpdate
from app.errors import Conflict, NotFound
from app.ldap.client import LdapConnection, LdapError, connect
from app.models import Event, Source, SourceStatus, User, utcnow
from app.source_sync import anchor as anchors
from app.source_sync import reader
from app.source_sync import repository as repo
from app.source_sync.groups import GroupGraph, GroupNode
from app.source_sync.reader import GroupEntry, Person, Shape, Skipped
from app.source_sync.schemas import HeldRead, LastSyncRead, SourceSyncRead
from app.sources.service import SCOPE_FIELDS

log = logging.getLogger("app.source_sync")

LEASE_S = 900
BATCH = 1000
EMPTY_REASON = (
    "the source answered no users it could sync (wrong base DN, filter or permissions? "
    "`last_sync` counts those read and skipped)"
)

Progress = Callable[[int], None]


@dataclass
class Snapshot:
    """The source row as the sync started (detached: the sync outlives the transaction)."""

    id: int
    name: str
    kind: str
    url: str
    tls: str
    ca_certificate: str | None
    bind_dn: str
    bind_password_enc: str | None
    base_dns: list[str]
    user_filter: str
    group_filter: str
    shape: Shape
    deletion_threshold: int
    soft_match: bool
    cursor: dict[str, Any] | None
    held: dict[str, Any] | None
    want_full: bool
    scope: tuple[Any, ...]  # what is read and how, as the sync started (`_scope`)


def _scope(source: Source) -> tuple[Any, ...]:
    return tuple(getattr(source, name) for name in sorted(SCOPE_FIELDS))


@dataclass
class Reading:
    """What one sync read from the source."""

    full: bool
    persons: list[Person]
    seen_anchors: set[str]  # every person's anchor, skipped ones included
    groups: list[GroupEntry]
    deleted: set[str]  # anchors deleted in the source (incremental, AD)
    left_scope: set[str]  # anchors changed outside the scope (incremental): moved or filtered out
    cursor: dict[str, Any]
    skipped: Skipped


@dataclass
class Change:
    user_id: int
    columns: dict[str, Any]
    custom: dict[str, str | None]
    anchor: str | None = None  # set on a take-over: the user becomes the source's
    disables: bool = False  # active -> suspended: counts against the deletion threshold
    owned_anchor: str = ""  # the anchor of a person the source already owns


@dataclass
class Plan:
    creates: list[Person] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    deletes: list[dict[str, Any]] = field(default_factory=list)  # id, anchor, username


@dataclass
class SyncOutcome:
    ran: bool
    detail: str
    figures: dict[str, Any] = field(default_factory=dict)


def actor(source_id: int, name: str) -> audit.Actor:
    return audit.Actor("source", name, source_id)


# --- start and finish -----------------------------------------------------------------------


def _start(source_id: int, *, full: bool, scheduled: bool) -> Snapshot | str:
    with transaction() as session:
        source = repo.get(session, source_id)
        if source is None:
            raise NotFound(f"Source {source_id} does not exist.")
        if not source.enabled:
            return "the source is disabled"
        if not repo.take_lease(session, source_id, LEASE_S, scheduled=scheduled):
            return "held: waiting for an admin" if source.status == "held" else "already running"
        session.refresh(source)
        now = utcnow()
        want_full = (
            full
            or not source.cursor
            or (source.next_full_at is not None and source.next_full_at <= now)
        )
        return Snapshot(
            id=source_id,
            name=source.name,
            kind=source.kind,
            url=source.url,
            tls=source.tls,
            ca_certificate=source.ca_certificate,
            bind_dn=source.bind_dn,
            bind_password_enc=source.bind_password_enc,
            base_dns=list(source.base_dns or []),
            user_filter=source.user_filter,
            group_filter=source.group_filter,
            shape=Shape(
                source.kind,
                source.anchor,
                dict(source.attribute_map or {}),
                source.immutable_id_attribute,
            ),
            deletion_threshold=source.deletion_threshold,
            soft_match=source.soft_match,
            cursor=dict(source.cursor) if source.cursor else None,
            held=dict(source.held) if source.held else None,
            want_full=want_full,
            scope=_scope(source),
        )


def _event(session: Session, kind: str, source_id: int, user_id: int | None, **data: Any) -> None:
    session.add(Event(kind=kind, user_id=user_id, data={"source_id": source_id, **data}))


def _finish(
    snap: Snapshot,
    status: SourceStatus,
    figures: dict[str, Any],
    *,
    cursor: dict[str, Any] | None = None,
    held: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    with transaction() as session:
        source = repo.get(session, snap.id)
        if source is None:
            return
        now = utcnow()
        if _scope(source) != snap.scope:
            # The scope changed while this sync ran (a PATCH forgot the cursor and asked for
            # a full sync): its cursor and any plan it held belong to the old scope.
            cursor = None
            if status == SourceStatus.held:
                status, held = SourceStatus.idle, None
                reason = "the source's scope changed during the sync: the next sync plans again"
        source.status = status
        source.status_reason = reason
        source.lease_until = None
        source.last_sync = figures
        source.held = held
        if cursor is not None:
            source.cursor = cursor
            if figures.get("kind") == "full":
                source.next_full_at = now + timedelta(seconds=source.full_sync_interval_s)
        source.next_sync_at = now + timedelta(seconds=source.sync_interval_s)
        source.updated_at = now
        session.add(source)
        if status == SourceStatus.error:
            _event(session, "source.sync_failed", snap.id, None, source=snap.name, reason=reason)
        elif status == SourceStatus.held:
            _event(
                session,
                "source.sync_held",
                snap.id,
                None,
                source=snap.name,
                reason=(held or {}).get("reason"),
                counts=(held or {}).get("counts"),
            )


# --- reading --------------------------------------------------------------------------------


def _connection(snap: Snapshot) -> Any:
    password = decrypt(snap.bind_password_enc) if snap.bind_password_enc else ""
    return connect(snap.url, snap.tls, snap.ca_certificate, snap.bind_dn, password)


def _read(conn: LdapConnection, snap: Snapshot, progress: Progress | None) -> Reading:
    shape = snap.shape
    full = snap.want_full
    cursor: dict[str, Any] = {}
    since: dict[str, Any] = snap.cursor or {}
    if shape.is_ad:
        # The position is read before the search: a change made during it is read again next
        # time rather than missed.
        cursor = reader.ad_position(conn)
        if not full and (
            since.get("dc") != cursor["dc"] or since.get("invocation_id") != cursor["invocation_id"]
        ):
            full = True  # another DC, or this one restored: its uSNs say nothing of ours
    user_filter, group_filter = snap.user_filter, snap.group_filter
    extra = ""
    if not full:
        if shape.is_ad:
            extra = f"(uSNChanged>={int(since.get('usn', 0)) + 1})"
        else:
            extra = f"(modifyTimestamp>={since.get('modify_timestamp', '19700101000000Z')})"
        user_filter = reader.and_filter(user_filter, extra)
        group_filter = reader.and_filter(group_filter, extra)
    counter = {"n": 0}

    def tick() -> None:
        counter["n"] += 1
        if progress and counter["n"] % 5000 == 0:
            progress(counter["n"])

    skipped = Skipped()
    persons: list[Person] = []
    seen: set[str] = set()
    newest = since.get("modify_timestamp", "")
    for dn, entry in reader.entries(
        conn, snap.base_dns, user_filter, shape.user_attributes(), tick
    ):
        if not shape.is_ad:
            stamp = reader._text(entry.get("modifyTimestamp"))
            if stamp and stamp > newest:
                newest = stamp
        person = shape.person(dn, entry, skipped)
        if person is not None:
            persons.append(person)
            seen.add(person.anchor)
        else:
            with contextlib.suppress(anchors.AnchorMissing):
                seen.add(anchors.compute(shape.anchor, entry).text)
    groups: list[GroupEntry] = []
    for dn, entry in reader.entries(
        conn, snap.base_dns, group_filter, shape.group_attributes(), tick
    ):
        if not shape.is_ad:
            stamp = reader._text(entry.get("modifyTimestamp"))
            if stamp and stamp > newest:
                newest = stamp
        group = shape.group(dn, entry)
        if group is not None:
            groups.append(group)
    deleted: set[str] = set()
    if shape.is_ad and not full and cursor.get("naming_context"):
        deleted = reader.deleted_anchors(
            conn, shape, cursor["naming_context"], int(since.get("usn", 0)) + 1
        )
    left: set[str] = set()
    if not full:
        roots = reader.scope_roots(conn, shape, snap.base_dns, cursor.get("naming_context", ""))
        left = reader.changed_anchors(conn, shape, roots, extra) - seen - deleted
    if not shape.is_ad:
        cursor = {"modify_timestamp": newest or since.get("modify_timestamp")}
    if progress:
        progress(counter["n"])
    return Reading(full, persons, seen, groups, deleted, left, cursor, skipped)


# --- planning -------------------------------------------------------------------------------


@dataclass
class Groups:
    """The group graph after a reading, and whose `member_of` it may have changed."""

    graph: GroupGraph
    # None: anyone's (a full sync); otherwise the lower-cased DNs held, directly or through
    # nesting, by a group that changed, before or after the change (empty: no group changed).
    affected: set[str] | None


def _groups(session: Session, snap: Snapshot, reading: Reading) -> Groups:
    if reading.full:
        nodes = (GroupNode(g.dn_lower, g.name, tuple(g.members)) for g in reading.groups)
        return Groups(GroupGraph(nodes), None)
    stored = {
        g.anchor: GroupNode(g.dn_lower, g.name, tuple(g.members))
        for g in repo.groups(session, snap.id)
    }
    # A group read again is a change only if its DN, name or members differ from what is
    # stored (an incremental search also returns groups touched without a visible change,
    # and every group stamped in the second the last sync ended).
    read = {g.anchor: GroupNode(g.dn_lower, g.name, tuple(g.members)) for g in reading.groups}
    changed_dns = {
        dn
        for anchor, node in read.items()
        if stored.get(anchor) != node
        for dn in (node.dn_lower, *([stored[anchor].dn_lower] if anchor in stored else []))
    } | {stored[a].dn_lower for a in reading.deleted if a in stored}
    before = GroupGraph(stored.values()) if changed_dns else None
    for anchor in reading.deleted:
        stored.pop(anchor, None)
    stored.update(read)
    graph = GroupGraph(stored.values())
    affected: set[str] = set()
    if before is not None:
        # A person's groups change only if they sit below a changed group, in the graph as
        # it was or as it is (renamed, nested elsewhere, members added or removed, deleted).
        affected = before.members_below(changed_dns) | graph.members_below(changed_dns)
    return Groups(graph, affected)


def _diff(
    current: dict[str, Any], person: Person, member_of: list[str]
) -> tuple[dict[str, Any], dict[str, str | None]]:
    columns: dict[str, Any] = {}
    for name, value in person.columns.items():
        if current.get(name) != value:
            columns[name] = value
    if current.get("status") != person.status:
        columns["status"] = person.status
    if list(current.get("member_of") or []) != member_of:
        columns["member_of"] = member_of
    own = current.get("custom_attributes") or {}
    custom = {k: v for k, v in person.custom.items() if own.get(k) != v}
    return columns, custom


def _owned(session: Session, snap: Snapshot, reading: Reading, groups: Groups) -> dict[str, Any]:
    """The rows of the people the source owns that this reading may change, by anchor: all of
    them on a full sync; on an incremental one, those it read, those deleted or gone out of
    scope, and those below a changed group (reading all 100,000 to change 1,000 costs more
    than the change)."""
    if reading.full:
        return {row["source_anchor"]: row for row in repo.owned_users(session, snap.id)}
    wanted = reading.seen_anchors | reading.deleted | reading.left_scope
    if groups.affected:
        wanted |= {
            anchor
            for anchor, dn in repo.owned_dns(session, snap.id)
            if (dn or "").lower() in groups.affected
        }
    return {row["source_anchor"]: row for row in repo.owned_users(session, snap.id, wanted)}


def _plan(
    session: Session, snap: Snapshot, reading: Reading, skipped: Skipped, groups: Groups
) -> Plan:
    plan = Plan()
    owned = _owned(session, snap, reading, groups)
    graph = groups.graph
    touched: set[str] = set()
    new: list[Person] = []
    for person in reading.persons:
        touched.add(person.anchor)
        member_of = graph.member_of(person.dn_lower, person.direct_groups)
        row = owned.get(person.anchor)
        if row is None:
            new.append(person)
            continue
        columns, custom = _diff(row, person, member_of)
        if columns or custom:
            disables = row["status"] == "active" and person.status == "suspended"
            plan.changes.append(
                Change(row["id"], columns, custom, disables=disables, owned_anchor=person.anchor)
            )
    # A changed group changes the member_of of people the reading did not list: those below
    # it are checked against the new graph, and only those that differ are written.
    if groups.affected:
        for anchor, row in owned.items():
            if anchor in touched or anchor in reading.deleted or anchor in reading.left_scope:
                continue
            member_of = graph.member_of((row["distinguished_name"] or "").lower())
            if list(row["member_of"] or []) != member_of:
                plan.changes.append(Change(row["id"], {"member_of": member_of}, {}))
    # New to us: a person already in the directory with the same username or email and no
    # source is taken over (as Azure AD Connect's soft match); one owned elsewhere is skipped.
    if new:
        keys = repo.users_by_keys(
            session,
            (str(p.columns["username"]).lower() for p in new),
            (str(p.columns["email"]).lower() for p in new),
        )
        by_name = {n: (i, s) for i, n, _m, s in keys}
        by_mail = {m: (i, s) for i, _n, m, s in keys}
        for person in new:
            hit = by_mail.get(str(person.columns["email"]).lower()) or by_name.get(
                str(person.columns["username"]).lower()
            )
            if hit is None:
                plan.creates.append(person)
                continue
            user_id, owner = hit
            if owner is not None:
                skipped.add(
                    person.dn,
                    "the username or email belongs to a person another source "
                    "(or another entry of this one) owns",
                )
                continue
            if not snap.soft_match:
                skipped.add(person.dn, SOFT_MATCH_OFF)
                continue
            columns = dict(person.columns)
            columns["status"] = person.status
            columns["member_of"] = graph.member_of(person.dn_lower, person.direct_groups)
            plan.changes.append(Change(user_id, columns, dict(person.custom), anchor=person.anchor))
    if reading.full:
        gone = [row for anchor, row in owned.items() if anchor not in reading.seen_anchors]
    else:
        # Deleted in the source, or left its scope (moved out of the base DNs, no longer
        # matching the user filter): gone from it either way, as a full sync would find.
        gone = [owned[a] for a in sorted(reading.deleted | reading.left_scope) if a in owned]
    plan.deletes = [
        {"id": r["id"], "anchor": r["source_anchor"], "username": r["username"]} for r in gone
    ]
    return plan


def _held(
    snap: Snapshot, plan: Plan, reading: Reading, owned_count: int, release: bool
) -> dict[str, Any] | None:
    """Why this plan must wait for an admin, or None. A release allows what was held; what
    the source lost since counts against the threshold as in any sync (up to it goes ahead,
    more holds again)."""
    disables = [c for c in plan.changes if c.disables]
    allowed: set[str] = set()
    if release and snap.held:
        allowed = {d["anchor"] for d in snap.held.get("deletes", [])} | {
            d["anchor"] for d in snap.held.get("disables", [])
        }
    held_list = {
        "deletes": [d for d in plan.deletes][:1000],
        "disables": [{"id": c.user_id, "anchor": _anchor_of(c)} for c in disables][:1000],
    }
    counts = {"deletes": len(plan.deletes), "disables": len(disables), "owned": owned_count}
    if reading.full and not reading.persons and owned_count > 0:
        if release and snap.held and snap.held.get("reason") == EMPTY_REASON:
            return None
        return {"reason": EMPTY_REASON, **held_list, "counts": counts}
    beyond = [d for d in plan.deletes if d["anchor"] not in allowed]
    beyond_disables = [c for c in disables if _anchor_of(c) not in allowed]
    if len(beyond) + len(beyond_disables) > snap.deletion_threshold:
        return {
            "reason": f"the sync would delete {len(plan.deletes)} and disable {len(disables)} "
            f"people, more than the deletion threshold ({snap.deletion_threshold})",
            **held_list,
            "counts": counts,
        }
    return None


def _anchor_of(change: Change) -> str:
    return change.anchor or change.owned_anchor


# --- applying -------------------------------------------------------------------------------


def _invalid(error: Any) -> tuple[str, str]:
    """A validation error as (reason, detail): the reason names the field, never the value."""
    where = ".".join(str(p) for p in error["loc"]) or "value"
    return f"invalid value for {where}", str(error["msg"])


def _create_item(person: Person, member_of: list[str]) -> UserCreate:
    values: dict[str, Any] = {k: v for k, v in person.columns.items() if v is not None}
    values["status"] = person.status
    values["member_of"] = member_of
    values["custom_attributes"] = {k: v for k, v in person.custom.items() if v is not None}
    return UserCreate.model_validate(values)


def _prepare_creates(
    persons: list[Person], graph: GroupGraph
) -> tuple[list[UserCreate], list[Person], list[tuple[str, str, str | None]]]:
    """A batch's new users, validated as the API validates them: (items, their persons,
    (dn, reason) of each refused)."""
    items: list[UserCreate] = []
    kept: list[Person] = []
    refused: list[tuple[str, str, str | None]] = []
    for person in persons:
        try:
            items.append(
                _create_item(person, graph.member_of(person.dn_lower, person.direct_groups))
            )
            kept.append(person)
        except ValidationError as exc:
            first = exc.errors()[0]
            refused.append((person.dn, *_invalid(first)))
    return items, kept, refused


def _apply_creates(
    snap: Snapshot,
    persons: list[Person],
    graph: GroupGraph,
    skipped: Skipped,
    figures: dict[str, Any],
) -> None:
    batches = [persons[start : start + BATCH] for start in range(0, len(persons), BATCH)]
    if not batches:
        return
    # The next batch is validated in a thread while this one is written: validation is
    # Python, the write mostly waits on Postgres (the driver lets go of the GIL meanwhile),
    # so the two overlap on a second core, as `reapply_all` overlaps evaluation and writes.
    with ThreadPoolExecutor(1, thread_name_prefix="source-sync-prepare") as pool:
        upcoming = pool.submit(_prepare_creates, batches[0], graph)
        for number in range(len(batches)):
            items, kept, refused_items = upcoming.result()
            if number + 1 < len(batches):
                upcoming = pool.submit(_prepare_creates, batches[number + 1], graph)
            for dn, reason, detail in refused_items:
                skipped.add(dn, reason, detail)
            with transaction() as session:
                audit.act_as(session, actor(snap.id, snap.name))
                created, refused = directory.create_users(
                    session,
                    items,
                    all_or_nothing=False,
                    columns=[{"source_id": snap.id, "source_anchor": p.anchor} for p in kept],
                )
                for r in refused:
                    # A conflict names the taken value: the count is by kind, the example
                    # keeps the detail.
                    reason = TAKEN if r.error.status == 409 else f"refused: {r.error.title}"
                    skipped.add(kept[r.index].dn, reason, r.error.detail)
                repo.extend_lease(session, snap.id, LEASE_S)
            figures["created"] += len(created)


TAKEN = "the username or email is held by another person"
SOFT_MATCH_OFF = (
    "the username or email belongs to a person the API manages, and the source's soft match is off"
)


@dataclass
class _BatchTally:
    """What one batch of changes did, kept apart until its transaction commits: a batch
    written again one change at a time must not count (or skip) anyone twice."""

    updated: int = 0
    suspended: int = 0
    taken_over: int = 0
    skipped: list[tuple[str, str, str | None]] = field(default_factory=list)

    def count(self, *kinds: str) -> None:
        for kind in kinds:
            setattr(self, kind, getattr(self, kind) + 1)


def _apply_changes(
    snap: Snapshot, changes: list[Change], skipped: Skipped, figures: dict[str, Any]
) -> None:
    for start in range(0, len(changes), BATCH):
        batch = changes[start : start + BATCH]
        try:
            with transaction() as session:
                tally = _write_changes(session, snap, batch, one_by_one=False)
        except IntegrityError:
            # Someone's new username or email is another person's (in or outside the
            # source, case-insensitively): write the batch again one change at a time, so
            # only that person is skipped and the sync goes on (deletions included).
            with transaction() as session:
                tally = _write_changes(session, snap, batch, one_by_one=True)
        figures["updated"] += tally.updated
        figures["suspended"] += tally.suspended
        figures["taken_over"] += tally.taken_over
        for dn, reason, detail in tally.skipped:
            skipped.add(dn, reason, detail)


def _write_changes(
    session: Session, snap: Snapshot, batch: list[Change], *, one_by_one: bool
) -> _BatchTally:
    """Apply a batch of changes in this transaction. Together, the people whose username or
    email changes first let go of their old values (so two people may swap them); one by
    one, each change has its own savepoint and a collision skips only that person."""
    tally = _BatchTally()
    audit.act_as(session, actor(snap.id, snap.name))
    users = repo.lock_users(session, [c.user_id for c in batch])
    done: list[int] = []
    ready: list[tuple[User, Change]] = []
    for change in batch:
        user = users.get(change.user_id)
        if user is None or user.deleted_at is not None:
            continue
        try:
            values: dict[str, Any] = dict(change.columns)
            if change.custom:
                values["custom_attributes"] = change.custom
            valid = UserUpdate.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            tally.skipped.append((str(user.distinguished_name or user.username), *_invalid(first)))
            continue
        # The identifiers as validated, which is how the API stores them (NFKC; an IDNA domain
        # in Unicode): written as read, a uniqueness check, a filter or a SCIM match that
        # compares the stored form missed them, and one address could be held twice in two
        # spellings.
        for key in ("username", "email"):
            if change.columns.get(key) is not None:
                change.columns[key] = str(getattr(valid, key))
        ready.append((user, change))
    if not one_by_one:
        keyed = [u for u, c in ready if "username" in c.columns or "email" in c.columns]
        for user in keyed:
            # Values no live user can hold, for the moment between letting go and taking: upper
            # case, which these lowercased columns never hold otherwise (`recompute.FREED_MARK`;
            # a live user could be named `#sync-7`, and the batch's flush then failed).
            user.username_lower = f"#SYNC-{user.id}"
            user.email_lower = f"#SYNC-{user.id}"
            session.add(user)
        if keyed:
            session.flush()
        kinds = [_change_user(session, snap, user, change) for user, change in ready]
        session.flush()
        for each in kinds:
            tally.count(*each)
        done = [user.id for user, _ in ready if user.id is not None]
    else:
        for user, change in ready:
            dn = str(user.distinguished_name or user.username)
            try:
                with savepoint(session):
                    kind = _change_user(session, snap, user, change)
                    session.flush()
            except IntegrityError:
                tally.skipped.append((dn, TAKEN, None))
                continue
            tally.count(*kind)
            assert user.id is not None
            done.append(user.id)
    recompute.users_changed(session, done)
    repo.extend_lease(session, snap.id, LEASE_S)
    return tally


def _change_user(session: Session, snap: Snapshot, user: User, change: Change) -> list[str]:
    """Apply one change to the locked user row, with its audit entry; returns what it was
    (`taken_over`, and `suspended` or `updated`), for the caller to count once it is
    written. A take-over that also suspends counts as both, as before the batch rewrite."""
    before = audit.snapshot(user)
    was_active = user.status == "active"
    for key, value in change.columns.items():
        setattr(user, key, value)
    user.username_lower = user.username.lower()
    user.email_lower = user.email.lower()
    if change.custom:
        merged = dict(user.custom_attributes or {})
        for name, value in change.custom.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        user.custom_attributes = merged
    if change.anchor is not None:
        user.source_id = snap.id
        user.source_anchor = change.anchor
        _event(
            session,
            "source.user_taken_over",
            snap.id,
            user.id,
            source=snap.name,
            anchor=change.anchor,
        )
    user.updated_at = utcnow()
    session.add(user)
    audit.record(session, "user.updated", user, before)
    kinds = ["taken_over"] if change.anchor is not None else []
    if was_active and user.status == "suspended":
        kinds.append("suspended")
    elif change.anchor is None:
        kinds.append("updated")
    return kinds


def _apply_deletes(snap: Snapshot, deletes: list[dict[str, Any]], figures: dict[str, Any]) -> None:
    for start in range(0, len(deletes), BATCH):
        with transaction() as session:
            audit.act_as(session, actor(snap.id, snap.name))
            users = repo.lock_users(session, [d["id"] for d in deletes[start : start + BATCH]])
            for user in users.values():
                if user.deleted_at is not None:
                    continue
                # As the API's delete: the audit entry, then each app's deprovisioning policy
                # (`on_user_deleted`) through the recompute hook.
                audit.record(session, "user.deleted", user)
                recompute.user_deleting(session, user)
                figures["deleted"] += 1
            repo.extend_lease(session, snap.id, LEASE_S)


def _store_groups(snap: Snapshot, reading: Reading) -> None:
    with transaction() as session:
        if reading.full:
            repo.delete_groups(session, snap.id, None)
        else:
            repo.delete_groups(
                session, snap.id, {g.anchor for g in reading.groups} | reading.deleted
            )
        now = utcnow()
        repo.insert_groups(
            session,
            [
                {
                    "source_id": snap.id,
                    "anchor": g.anchor,
                    "dn_lower": g.dn_lower,
                    "name": g.name[:256],
                    "members": g.members,
                    "updated_at": now,
                }
                for g in reading.groups
            ],
        )


# --- the sync -------------------------------------------------------------------------------


def run_sync(
    source_id: int,
    *,
    full: bool = False,
    release: bool = False,
    reason: str = "api",
    scheduled: bool = False,
    progress: Progress | None = None,
) -> SyncOutcome:
    """One sync of the source now, unless one runs (anywhere). Blocking (python-ldap): async
    callers run it in a thread."""
    started = _start(source_id, full=full, scheduled=scheduled)
    if isinstance(started, str):
        return SyncOutcome(False, started)
    snap = started
    begun = utcnow()
    clock = time.perf_counter()
    figures: dict[str, Any] = {
        "kind": "full" if snap.want_full else "incremental",
        "reason": reason,
        "started_at": begun.isoformat(),
        "users_read": 0,
        "groups_read": 0,
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "suspended": 0,
        "taken_over": 0,
        "skipped": 0,
        "skipped_reasons": {},
        "skipped_examples": [],
        "errors": [],
    }

    def close(status: SourceStatus, **kw: Any) -> SyncOutcome:
        figures["finished_at"] = utcnow().isoformat()
        figures["duration_ms"] = int((time.perf_counter() - clock) * 1000)
        _finish(snap, status, figures, **kw)
        return SyncOutcome(True, str(status), figures)

    try:
        with _connection(snap) as conn:
            reading = _read(conn, snap, progress)
    except LdapError as exc:
        figures["errors"].append({"code": exc.code, "message": exc.message})
        return close(SourceStatus.error, reason=exc.message)
    except Exception as exc:
        figures["errors"].append({"code": "internal", "message": type(exc).__name__})
        close(SourceStatus.error, reason=f"the sync failed: {type(exc).__name__}")
        raise
    figures["kind"] = "full" if reading.full else "incremental"
    figures["read_ms"] = int((time.perf_counter() - clock) * 1000)  # LDAP searches only
    figures["users_read"] = len(reading.persons) + reading.skipped.total
    figures["groups_read"] = len(reading.groups)
    skipped = reading.skipped
    try:
        with transaction() as session:
            groups = _groups(session, snap, reading)
            plan = _plan(session, snap, reading, skipped, groups)
            graph = groups.graph
            owned_count = repo.count_owned(session, snap.id)
        # Groups the people's own memberOf names but no group search returned: outside the
        # base DNs (or the group filter). Said, because a mapping on one would match nobody.
        outside = {d for p in reading.persons for d in p.direct_groups if d not in graph.groups}
        figures["groups_outside_scope"] = len(outside)
        figures["groups_outside_scope_examples"] = sorted(outside)[:5]
        figures["plan_ms"] = int((time.perf_counter() - clock) * 1000) - figures["read_ms"]
        hold = _held(snap, plan, reading, owned_count, release)
        if hold is not None:
            figures["planned"] = hold["counts"]
            # Held before any write, but what was read and skipped is said all the same (a
            # source whose every person is skipped is held as answering nobody).
            _count_skips(figures, skipped)
            return close(SourceStatus.held, held=hold, reason=hold["reason"])
        _apply_creates(snap, plan.creates, graph, skipped, figures)
        if progress:
            progress(figures["users_read"] + figures["groups_read"] + figures["created"])
        _apply_changes(snap, plan.changes, skipped, figures)
        _apply_deletes(snap, plan.deletes, figures)
        _store_groups(snap, reading)
    except Exception as exc:
        log.exception("source sync %s failed", snap.id)
        figures["errors"].append({"code": "internal", "message": type(exc).__name__})
        close(SourceStatus.error, reason=f"the sync failed: {type(exc).__name__}")
        raise
    _count_skips(figures, skipped)
    return close(SourceStatus.idle, cursor=reading.cursor)


def _count_skips(figures: dict[str, Any], skipped: Skipped) -> None:
    figures["skipped"] = skipped.total
    figures["skipped_reasons"] = skipped.counts
    figures["skipped_examples"] = skipped.examples[:20]


def due_sources() -> list[int]:
    with transaction() as session:
        return repo.due_source_ids(session, utcnow())


def get_source(session: Session, source_id: int) -> Source:
    source = repo.get(session, source_id)
    if source is None:
        raise NotFound(f"Source {source_id} does not exist.")
    return source


def check_can_sync(source: Source) -> None:
    if not source.enabled:
        raise Conflict(f"Source {source.id} is disabled: enable it before syncing.")


def check_can_release(source: Source) -> None:
    check_can_sync(source)
    if source.status != SourceStatus.held or not source.held:
        raise Conflict(f"Source {source.id} has no held sync to release.")


def record_release(session: Session, source: Source) -> None:
    """An admin lets a held sync through: the audit trail keeps who did, and what the hold
    listed (the deletions it then carries out are recorded as the source's own)."""
    held = source.held or {}
    audit.record_values(
        session,
        "source.sync_released",
        source,
        {"reason": held.get("reason"), "counts": held.get("counts")},
        {
            "deletes": [d.get("anchor") for d in held.get("deletes", [])],
            "disables": [d.get("anchor") for d in held.get("disables", [])],
        },
    )


def sync_read(source: Source) -> SourceSyncRead:
    assert source.id is not None
    return SourceSyncRead(
        source_id=source.id,
        status=source.status,
        status_reason=source.status_reason,
        last_sync=LastSyncRead.model_validate(source.last_sync) if source.last_sync else None,
        next_sync_at=source.next_sync_at,
        next_full_at=source.next_full_at,
        held=HeldRead.model_validate(source.held) if source.held else None,
    )
