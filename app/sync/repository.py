"""Queries of the sync domain: the app_sync row (lease, schedule), the snapshot tables in
bulk (one statement per page, never one per user), and the rows matching reads."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    String,
    and_,
    any_,
    bindparam,
    delete,
    func,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from app.models import (
    App,
    AppSync,
    Assignment,
    RuleRow,
    SyncState,
    TenantAccount,
    TenantGroupMember,
    User,
    utcnow,
)

CHUNK = 1000  # ids per IN (...): well under every driver's parameter limit


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _insert(session: Session, table: Any) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (Postgres and SQLite alike; typed Any
    because the two dialects' Insert classes share no base that declares it)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# --- app_sync: the row, the lease, the schedule ---------------------------------------------


def ensure_row(session: Session, app_id: int) -> None:
    """Create the app's sync row if it has none (two workers may race: nothing happens twice)."""
    stmt = _insert(session, AppSync).values(
        app_id=app_id, state=SyncState.idle, failures=0, updated_at=utcnow()
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=["app_id"]))


def get(session: Session, app_id: int) -> AppSync | None:
    return session.get(AppSync, app_id)


def take_lease(session: Session, app_id: int, lease_s: int, *, force: bool) -> bool:
    """One atomic UPDATE: idle (or quarantined past its back-off, or with `force` any time),
    or running with an expired lease -> running, leased for `lease_s`. Whoever's UPDATE
    touches the row holds the cycle; every other worker's touches nothing."""
    now = utcnow()
    free = or_(
        col(AppSync.state) == SyncState.idle,
        and_(col(AppSync.state) == SyncState.running, col(AppSync.lease_until) < now),
        and_(
            col(AppSync.state) == SyncState.quarantined,
            true()
            if force
            else or_(
                col(AppSync.quarantined_until).is_(None), col(AppSync.quarantined_until) <= now
            ),
        ),
    )
    result = session.execute(
        update(AppSync)
        .where(col(AppSync.app_id) == app_id, free)
        .values(state=SyncState.running, lease_until=now + timedelta(seconds=lease_s))
        .returning(col(AppSync.app_id))
    )
    return result.first() is not None


def extend_lease(session: Session, app_id: int, lease_s: int) -> None:
    session.execute(
        update(AppSync)
        .where(col(AppSync.app_id) == app_id, col(AppSync.state) == SyncState.running)
        .values(lease_until=utcnow() + timedelta(seconds=lease_s))
    )


def due_app_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Apps whose next cycle is due: consented (an app without consent is not cycled), not
    running under a live lease, not quarantined before its back-off ends. An app never
    cycled is due at once (its first cycle imports the tenant)."""
    query = (
        select(col(App.id))
        .outerjoin(AppSync, col(AppSync.app_id) == col(App.id))
        .where(col(App.consented_tenant_id).is_not(None))
        .where(
            or_(
                col(AppSync.app_id).is_(None),
                and_(
                    or_(col(AppSync.next_cycle_at).is_(None), col(AppSync.next_cycle_at) <= now),
                    or_(
                        col(AppSync.state) == SyncState.idle,
                        and_(
                            col(AppSync.state) == SyncState.running,
                            col(AppSync.lease_until) < now,
                        ),
                        and_(
                            col(AppSync.state) == SyncState.quarantined,
                            or_(
                                col(AppSync.quarantined_until).is_(None),
                                col(AppSync.quarantined_until) <= now,
                            ),
                        ),
                    ),
                ),
            )
        )
        .order_by(col(App.id))
        .limit(limit)
    )
    return [int(i) for i in session.execute(query).scalars()]


# --- what the rounds read -------------------------------------------------------------------


def rule_group_ids(session: Session, app_id: int) -> list[str]:
    """The Microsoft 365 groups the app's rules put people in (`set_groups` values)."""
    rows = session.execute(select(col(RuleRow.actions)).where(col(RuleRow.app_id) == app_id))
    ids: set[str] = set()
    for (actions,) in rows:
        for action in actions or []:
            if action.get("action") == "set_groups":
                ids.update(str(v).strip().lower() for v in action.get("value") or [] if v)
    return sorted(i for i in ids if i)


# --- tenant_account in bulk -----------------------------------------------------------------

ACCOUNT_FIELDS = (
    "user_principal_name",
    "user_principal_name_lower",
    "mail_lower",
    "on_premises_immutable_id",
    "account_enabled",
    "on_premises_sync_enabled",
    "assigned_licenses",
    "attributes",
    "deleted",
)


def accounts_by_object_id(
    session: Session, app_id: int, object_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """The stored fields of these accounts (one query per chunk), to tell changed from not."""
    out: dict[str, dict[str, Any]] = {}
    columns = [col(TenantAccount.object_id), *(getattr(TenantAccount, f) for f in ACCOUNT_FIELDS)]
    postgres = session.get_bind().dialect.name == "postgresql"
    for part in chunks(sorted(object_ids)):
        # On Postgres one array parameter (`= ANY`): an IN list binds and plans a parameter
        # per id, which cost more than the rest of a page's write.
        match = (
            col(TenantAccount.object_id) == any_(bindparam("ids", list(part), ARRAY(String())))
            if postgres
            else col(TenantAccount.object_id).in_(part)
        )
        rows = session.execute(select(*columns).where(col(TenantAccount.app_id) == app_id, match))
        for row in rows:
            out[row[0]] = dict(zip(ACCOUNT_FIELDS, row[1:], strict=True))
    return out


_PG_UPSERT = text(
    """
    INSERT INTO tenant_account (app_id, object_id, user_principal_name,
        user_principal_name_lower, mail_lower, on_premises_immutable_id, account_enabled,
        on_premises_sync_enabled, assigned_licenses, attributes, deleted, first_seen_at,
        changed_at)
    SELECT :app_id, r.object_id, r.user_principal_name, r.user_principal_name_lower,
        r.mail_lower, r.on_premises_immutable_id, r.account_enabled,
        r.on_premises_sync_enabled, r.assigned_licenses, r.attributes, r.deleted, :now, :now
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(object_id text,
        user_principal_name text, user_principal_name_lower text, mail_lower text,
        on_premises_immutable_id text, account_enabled boolean,
        on_premises_sync_enabled boolean, assigned_licenses jsonb, attributes jsonb,
        deleted boolean)
    ON CONFLICT (app_id, object_id) DO UPDATE SET
        user_principal_name = EXCLUDED.user_principal_name,
        user_principal_name_lower = EXCLUDED.user_principal_name_lower,
        mail_lower = EXCLUDED.mail_lower,
        on_premises_immutable_id = EXCLUDED.on_premises_immutable_id,
        account_enabled = EXCLUDED.account_enabled,
        on_premises_sync_enabled = EXCLUDED.on_premises_sync_enabled,
        assigned_licenses = EXCLUDED.assigned_licenses,
        attributes = EXCLUDED.attributes,
        deleted = EXCLUDED.deleted,
        changed_at = EXCLUDED.changed_at
    """
)


def upsert_accounts(session: Session, app_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or update these accounts in one statement. The match (user_id, match_method,
    disposition) and first_seen_at are never touched by what Graph says.

    On Postgres the page travels as one JSON parameter expanded by `jsonb_to_recordset`: one
    cached statement per page, where a multi-row VALUES needs a parameter per value (slow to
    build for 200 rows) and an executemany of ON CONFLICT runs row by row."""
    if not rows:
        return
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PG_UPSERT, {"app_id": app_id, "now": now, "rows": json.dumps(list(rows))})
        return
    values = [{"app_id": app_id, "first_seen_at": now, "changed_at": now, **r} for r in rows]
    stmt = _insert(session, TenantAccount).values(values)
    updates = {f: stmt.excluded[f] for f in (*ACCOUNT_FIELDS, "changed_at")}
    session.execute(
        stmt.on_conflict_do_update(index_elements=["app_id", "object_id"], set_=updates)
    )


def mark_deleted(session: Session, app_id: int, object_ids: Collection[str]) -> list[str]:
    """Soft-deleted in the tenant (still restorable): returns the ids that were not already."""
    changed: list[str] = []
    for part in chunks(sorted(object_ids)):
        result = session.execute(
            update(TenantAccount)
            .where(
                col(TenantAccount.app_id) == app_id,
                col(TenantAccount.object_id).in_(part),
                col(TenantAccount.deleted).is_(False),
            )
            .values(deleted=True, changed_at=utcnow())
            .returning(col(TenantAccount.object_id))
        )
        changed.extend(result.scalars())
    return changed


def insert_deleted(session: Session, app_id: int, object_ids: Collection[str]) -> list[str]:
    """Soft-deleted accounts the snapshot never held (made and deleted between two rounds,
    e.g. one the engine created after the last cycle): a row marked deleted, so drift sees
    the account is in deleted items. Returns the ids inserted (held ones are left alone)."""
    values = [
        {
            "app_id": app_id,
            "object_id": o,
            "assigned_licenses": [],
            "attributes": {},
            "deleted": True,
            "first_seen_at": utcnow(),
            "changed_at": utcnow(),
        }
        for o in sorted(set(object_ids))
        if len(o) <= 64  # the column's size; Graph's ids are GUIDs
    ]
    inserted: list[str] = []
    for part in chunks(values):
        stmt = _insert(session, TenantAccount).values(list(part))
        result = session.execute(
            stmt.on_conflict_do_nothing(index_elements=["app_id", "object_id"]).returning(
                col(TenantAccount.object_id)
            )
        )
        inserted.extend(str(o) for o in result.scalars())
    return inserted


def delete_accounts(session: Session, app_id: int, object_ids: Collection[str]) -> list[str]:
    """Gone for good (purged, or not in a full round): the rows and their memberships."""
    removed: list[str] = []
    for part in chunks(sorted(object_ids)):
        result = session.execute(
            delete(TenantAccount)
            .where(col(TenantAccount.app_id) == app_id, col(TenantAccount.object_id).in_(part))
            .returning(col(TenantAccount.object_id))
        )
        removed.extend(result.scalars())
        session.execute(
            delete(TenantGroupMember).where(
                col(TenantGroupMember.app_id) == app_id,
                col(TenantGroupMember.member_id).in_(part),
            )
        )
    return removed


def has_accounts(session: Session, app_id: int) -> bool:
    query = select(col(TenantAccount.id)).where(col(TenantAccount.app_id) == app_id).limit(1)
    return session.execute(query).first() is not None


def live_object_ids(session: Session, app_id: int) -> Iterator[str]:
    """Every account of the app not marked soft-deleted, streamed."""
    result = session.execute(
        select(col(TenantAccount.object_id))
        .where(col(TenantAccount.app_id) == app_id, col(TenantAccount.deleted).is_(False))
        .execution_options(yield_per=5000)
    )
    for object_id in result.scalars():
        yield str(object_id)


# --- tenant_group_member --------------------------------------------------------------------


def members(session: Session, app_id: int) -> set[tuple[str, str]]:
    rows = session.execute(
        select(col(TenantGroupMember.group_id), col(TenantGroupMember.member_id)).where(
            col(TenantGroupMember.app_id) == app_id
        )
    )
    return {(str(g), str(m)) for g, m in rows}


def add_members(session: Session, app_id: int, pairs: Iterable[tuple[str, str]]) -> int:
    values = [{"app_id": app_id, "group_id": g, "member_id": m} for g, m in pairs]
    if not values:
        return 0
    added = 0
    for part in chunks(values):
        stmt = _insert(session, TenantGroupMember).values(list(part))
        result = session.execute(
            stmt.on_conflict_do_nothing().returning(col(TenantGroupMember.member_id))
        )
        added += len(result.all())
    return added


def remove_members(session: Session, app_id: int, pairs: Iterable[tuple[str, str]]) -> int:
    removed = 0
    for group_id, member_id in pairs:
        result = session.execute(
            delete(TenantGroupMember)
            .where(
                col(TenantGroupMember.app_id) == app_id,
                col(TenantGroupMember.group_id) == group_id,
                col(TenantGroupMember.member_id) == member_id,
            )
            .returning(col(TenantGroupMember.member_id))
        )
        removed += len(result.all())
    return removed


def remove_groups(session: Session, app_id: int, group_ids: Collection[str]) -> list[str]:
    """Every membership of these groups (gone, or no longer used by a rule): the members."""
    if not group_ids:
        return []
    result = session.execute(
        delete(TenantGroupMember)
        .where(
            col(TenantGroupMember.app_id) == app_id,
            col(TenantGroupMember.group_id).in_(sorted(group_ids)),
        )
        .returning(col(TenantGroupMember.member_id))
    )
    return [str(m) for m in result.scalars()]


# --- what matching reads --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountKeys:
    """What matching reads of a tenant account (not its attributes: 100,000 of those would
    not fit the memory budget)."""

    id: int
    object_id: str
    user_principal_name_lower: str | None
    mail_lower: str | None
    on_premises_immutable_id: str | None
    disposition: str | None
    conflict_reason: str | None


def accounts_to_match(
    session: Session, app_id: int, object_ids: Collection[str] | None
) -> list[AccountKeys]:
    """Live accounts that belong to no directory user and that no admin set aside (ignored,
    imported, deprovisioned); a conflict is tried again."""
    base = select(
        col(TenantAccount.id),
        col(TenantAccount.object_id),
        col(TenantAccount.user_principal_name_lower),
        col(TenantAccount.mail_lower),
        col(TenantAccount.on_premises_immutable_id),
        col(TenantAccount.disposition),
        col(TenantAccount.conflict_reason),
    ).where(
        col(TenantAccount.app_id) == app_id,
        col(TenantAccount.user_id).is_(None),
        col(TenantAccount.deleted).is_(False),
        or_(col(TenantAccount.disposition).is_(None), col(TenantAccount.disposition) == "conflict"),
    )
    if object_ids is None:
        return [AccountKeys(*r) for r in session.execute(base.order_by(col(TenantAccount.id)))]
    out: list[AccountKeys] = []
    for part in chunks(sorted(object_ids)):
        out.extend(
            AccountKeys(*r)
            for r in session.execute(base.where(col(TenantAccount.object_id).in_(part)))
        )
    return out


def linked_users(session: Session, app_id: int) -> dict[int, str]:
    """Directory user id -> the account already linked to them in this app."""
    rows = session.execute(
        select(col(TenantAccount.user_id), col(TenantAccount.object_id)).where(
            col(TenantAccount.app_id) == app_id, col(TenantAccount.user_id).is_not(None)
        )
    )
    return {int(u): str(o) for u, o in rows}


def assignment_keys(session: Session, app_id: int) -> list[tuple[int, str | None, str | None, Any]]:
    """Per assignment of the app: user id, tenant object id, immutable id, desired UPN."""
    upn = col(Assignment.desired)["attributes"]["userPrincipalName"].as_string()
    rows = session.execute(
        select(
            col(Assignment.user_id),
            col(Assignment.tenant_object_id),
            col(Assignment.immutable_id),
            upn,
        ).where(col(Assignment.app_id) == app_id)
    )
    return [(int(r[0]), r[1], r[2], r[3]) for r in rows]


def user_keys(session: Session, immutable_attr: str | None) -> Iterator[tuple[int, str, Any, Any]]:
    """Every live directory user: id, lowercased email, and the ImmutableID attribute's value
    in their own and in their mapped custom attributes (streamed)."""
    own = col(User.custom_attributes)[immutable_attr].as_string() if immutable_attr else None
    mapped = col(User.mapped_attributes)[immutable_attr].as_string() if immutable_attr else None
    columns: list[Any] = [col(User.id), col(User.email_lower)]
    columns += [own, mapped] if own is not None and mapped is not None else []
    result = session.execute(
        select(*columns).where(col(User.deleted_at).is_(None)).execution_options(yield_per=5000)
    )
    for row in result:
        yield (
            int(row[0]),
            str(row[1] or ""),
            row[2] if len(row) > 2 else None,
            row[3] if len(row) > 3 else None,
        )


def users_column(session: Session, column: str) -> Iterator[tuple[int, Any]]:
    """Every live directory user's id and one plain column (an ImmutableID attribute that is
    not a custom attribute, such as `external_id`)."""
    result = session.execute(
        select(col(User.id), getattr(User, column))
        .where(col(User.deleted_at).is_(None))
        .execution_options(yield_per=5000)
    )
    for user_id, value in result:
        yield int(user_id), value


_PG_SET_MATCHES = text(
    """
    UPDATE tenant_account AS t SET
        user_id = CASE WHEN r.set_user THEN r.user_id ELSE t.user_id END,
        match_method = CASE WHEN r.set_user THEN r.match_method ELSE t.match_method END,
        disposition = r.disposition,
        conflict_reason = r.conflict_reason
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(id integer, set_user boolean,
        user_id integer, match_method text, disposition text, conflict_reason text)
    WHERE t.id = r.id
    """
)


def set_matches(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Write match results by primary key: `[{"id":..., "user_id":..., ...}]` (user_id and
    match_method only where given). On Postgres one statement per 10,000 rows (an ORM
    executemany would send one UPDATE per row)."""
    if session.get_bind().dialect.name == "postgresql":
        payload = [
            {
                "id": r["id"],
                "set_user": "user_id" in r,
                "user_id": r.get("user_id"),
                "match_method": r.get("match_method"),
                "disposition": r.get("disposition"),
                "conflict_reason": r.get("conflict_reason"),
            }
            for r in rows
        ]
        for part in chunks(payload, 10_000):
            session.execute(_PG_SET_MATCHES, {"rows": json.dumps(list(part))})
        return
    for part in chunks(list(rows)):
        session.execute(update(TenantAccount), list(part))


def unlinked_assignments(
    session: Session, app_id: int, user_ids: Collection[int]
) -> list[tuple[int, int, str | None]]:
    """(assignment id, user id, immutable id) of these users' assignments to the app that
    hold no tenant object id yet."""
    out: list[tuple[int, int, str | None]] = []
    for part in chunks(sorted(user_ids)):
        rows = session.execute(
            select(col(Assignment.id), col(Assignment.user_id), col(Assignment.immutable_id)).where(
                col(Assignment.app_id) == app_id,
                col(Assignment.user_id).in_(part),
                col(Assignment.tenant_object_id).is_(None),
            )
        )
        out.extend((int(a), int(u), i) for a, u, i in rows)
    return out


def link_assignments(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    for part in chunks(list(rows)):
        session.execute(update(Assignment), list(part))


def assignments_by_id(session: Session, ids: Sequence[int]) -> list[Assignment]:
    """These assignments, read fresh (their links were just written by a bulk UPDATE)."""
    stmt = (
        select(Assignment)
        .where(col(Assignment.id).in_(list(ids)))
        .order_by(col(Assignment.id))
        .execution_options(populate_existing=True)
    )
    return list(session.execute(stmt).scalars())


def accounts_by_object_ids(
    session: Session, app_id: int, object_ids: Sequence[str]
) -> dict[str, TenantAccount]:
    rows = session.execute(
        select(TenantAccount).where(
            col(TenantAccount.app_id) == app_id, col(TenantAccount.object_id).in_(list(object_ids))
        )
    ).scalars()
    return {r.object_id: r for r in rows}


def groups_of_accounts(
    session: Session, app_id: int, object_ids: Sequence[str]
) -> dict[str, set[str]]:
    """member id -> the groups the snapshot has it in."""
    rows = session.execute(
        select(col(TenantGroupMember.member_id), col(TenantGroupMember.group_id)).where(
            col(TenantGroupMember.app_id) == app_id,
            col(TenantGroupMember.member_id).in_(list(object_ids)),
        )
    )
    out: dict[str, set[str]] = {}
    for member_id, group_id in rows:
        out.setdefault(str(member_id), set()).add(str(group_id))
    return out


def count_unmatched(session: Session, app_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(TenantAccount)
            .where(
                col(TenantAccount.app_id) == app_id,
                col(TenantAccount.user_id).is_(None),
                col(TenantAccount.deleted).is_(False),
            )
        ).scalar_one()
    )
