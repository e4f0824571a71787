"""Every query of the tenant-accounts domain: the snapshot's accounts of an app, and the
tasks that deprovision accounts belonging to no directory user. Functions take the caller's
session and never commit (the edge owns the transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlmodel import Session, col

from app.directory.repository import LIKE_ESCAPE, contains_pattern
from app.models import OPEN_TASK_STATUSES, Task, TenantAccount, TenantGroupMember, User

IGNORED = "ignored"
IMPORTED = "imported"
DEPROVISIONING = "deprovisioning"
DEPROVISIONED = "deprovisioned"


@dataclass(frozen=True)
class AccountFilter:
    """The list's filters. `matched=False` without a `disposition` leaves ignored accounts
    out: an admin who ignored one does not want it back in the list of accounts to handle."""

    matched: bool | None = None
    disposition: str | None = None
    q: str | None = None


def account_query(app_id: int, f: AccountFilter) -> Select[Any]:
    stmt = select(TenantAccount).where(col(TenantAccount.app_id) == app_id)
    if f.matched is True:
        stmt = stmt.where(col(TenantAccount.user_id).is_not(None))
    elif f.matched is False:
        stmt = stmt.where(col(TenantAccount.user_id).is_(None))
        if f.disposition is None:
            stmt = stmt.where(
                or_(
                    col(TenantAccount.disposition).is_(None),
                    col(TenantAccount.disposition) != IGNORED,
                )
            )
    if f.disposition is not None:
        stmt = stmt.where(col(TenantAccount.disposition) == f.disposition)
    if f.q:
        pattern = contains_pattern(f.q.lower())
        stmt = stmt.where(
            or_(
                col(TenantAccount.user_principal_name_lower).like(pattern, escape=LIKE_ESCAPE),
                col(TenantAccount.mail_lower).like(pattern, escape=LIKE_ESCAPE),
            )
        )
    return stmt


def get(
    session: Session, app_id: int, account_id: Any, *, lock: bool = False
) -> TenantAccount | None:
    """The app's account `account_id` (None: no such account in this app)."""
    if not isinstance(account_id, int):
        return None
    stmt = select(TenantAccount).where(
        col(TenantAccount.id) == account_id, col(TenantAccount.app_id) == app_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def linked_to_user(session: Session, app_id: int, user_id: int) -> TenantAccount | None:
    """The account of this app already matched or linked to the directory user."""
    return (
        session.execute(
            select(TenantAccount)
            .where(col(TenantAccount.app_id) == app_id, col(TenantAccount.user_id) == user_id)
            .order_by(col(TenantAccount.id))
            .limit(1)
        )
        .scalars()
        .first()
    )


def by_object_id(session: Session, app_id: int, object_id: str) -> TenantAccount | None:
    return session.execute(
        select(TenantAccount).where(
            col(TenantAccount.app_id) == app_id, col(TenantAccount.object_id) == object_id
        )
    ).scalar_one_or_none()


def lock_accounts(session: Session, app_id: int, account_ids: Sequence[int]) -> None:
    """Row-lock these accounts of the app, in id order, until the transaction ends."""
    if account_ids:
        session.execute(
            select(col(TenantAccount.id))
            .where(
                col(TenantAccount.app_id) == app_id,
                col(TenantAccount.id).in_(list(account_ids)),
            )
            .order_by(col(TenantAccount.id))
            .with_for_update()
        ).all()


def open_account_tasks(session: Session, app_id: int) -> list[Task]:
    """Open tasks of the app that belong to no assignment: deprovisioning of tenant accounts
    (few at any time; their plans name the account)."""
    return list(
        session.execute(
            select(Task).where(
                col(Task.app_id) == app_id,
                col(Task.assignment_id).is_(None),
                col(Task.status).in_(OPEN_TASK_STATUSES),
            )
        ).scalars()
    )


def open_deprovision(session: Session, app_id: int, account_id: int | None) -> Task | None:
    """The open task that deletes or suspends this account, if any."""
    for task in open_account_tasks(session, app_id):
        if task.deprovisioned_account_id == account_id:
            return task
    return None


@dataclass(frozen=True)
class Keys:
    """What tells a person in the tenant: lower-case UPNs and mails, and ImmutableIDs."""

    upns: frozenset[str] = frozenset()
    mails: frozenset[str] = frozenset()
    immutable_ids: frozenset[str] = frozenset()


CHUNK = 500


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def live_accounts_holding(session: Session, app_id: int, keys: Keys) -> list[TenantAccount]:
    """The app's live (not soft-deleted) accounts holding any of these values."""
    found: dict[int, TenantAccount] = {}
    columns: Sequence[tuple[Any, frozenset[str]]] = (
        (col(TenantAccount.user_principal_name_lower), keys.upns),
        (col(TenantAccount.mail_lower), keys.mails),
        (col(TenantAccount.on_premises_immutable_id), keys.immutable_ids),
    )
    for column, values in columns:
        for chunk in _chunks(values):
            rows = session.execute(
                select(TenantAccount).where(
                    col(TenantAccount.app_id) == app_id,
                    col(TenantAccount.deleted).is_(False),
                    column.in_(chunk),
                )
            ).scalars()
            for row in rows:
                assert row.id is not None
                found[row.id] = row
    return list(found.values())


def live_accounts_of_users(
    session: Session, app_id: int, user_ids: Sequence[int]
) -> dict[int, TenantAccount]:
    """The live account matched or linked to each of these directory users."""
    out: dict[int, TenantAccount] = {}
    for start in range(0, len(user_ids), CHUNK):
        rows = session.execute(
            select(TenantAccount).where(
                col(TenantAccount.app_id) == app_id,
                col(TenantAccount.deleted).is_(False),
                col(TenantAccount.user_id).in_(list(user_ids[start : start + CHUNK])),
            )
        ).scalars()
        for row in rows:
            assert row.user_id is not None
            out.setdefault(row.user_id, row)
    return out


def groups_of(session: Session, app_id: int, object_id: str) -> set[str]:
    """The groups (of those the snapshot follows) the tenant user is a member of."""
    rows = session.execute(
        select(col(TenantGroupMember.group_id)).where(
            col(TenantGroupMember.app_id) == app_id, col(TenantGroupMember.member_id) == object_id
        )
    ).scalars()
    return {str(g) for g in rows}


def usernames(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    rows = session.execute(
        select(col(User.id), col(User.username)).where(col(User.id).in_(list(user_ids)))
    ).all()
    return {int(i): str(n) for i, n in rows}
