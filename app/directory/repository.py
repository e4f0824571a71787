"""Every query of the directory: users, groups, roles, the roles users hold by hand, the apps
roles grant, and users loaded as `UserFacts` in bulk (the plain data evaluation works on).

Functions take the caller's session and never commit (the edge owns the transaction). Bulk
fact loading reads only the columns evaluation needs, with Core selects rather than ORM
objects, because reapplying mappings walks every user and identity-map overhead would dominate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Literal

import orjson
from sqlalchemy import (
    Boolean,
    Select,
    Text,
    delete,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from app.db import any_of, insert_rows
from app.evaluation.facts import USER_FIELDS, UserFacts
from app.evaluation.mappings import effective_facts, stored_outcome
from app.inputs import email_key, normalized
from app.models import Group, Role, RoleApp, User, UserRole, UserStatus


class _HasKey(FunctionElement[bool]):
    """`json_column` has the top-level key `key`. On Postgres that is the JSONB `?` operator,
    which a GIN index on the column serves; elsewhere (SQLite) the key's value is read, which
    means the same for columns whose values are never JSON null (`mapped_roles` holds
    mapping ids)."""

    inherit_cache = True
    type = Boolean()
    name = "has_key"


@compiles(_HasKey, "postgresql")
def _has_key_pg(element: _HasKey, compiler: Any, **kw: Any) -> str:
    column, key = list(element.clauses)
    return f"({compiler.process(column, **kw)} ? {compiler.process(key, **kw)})"


@compiles(_HasKey)
def _has_key(element: _HasKey, compiler: Any, **kw: Any) -> str:
    column, key = list(element.clauses)
    path = compiler.process(key, **kw)
    return f"(json_extract({compiler.process(column, **kw)}, '$.\"' || {path} || '\"') IS NOT NULL)"


def has_mapped_role(role_id: int) -> Any:
    """SQL condition: a mapping granted this role to the user."""
    return _HasKey(col(User.mapped_roles), literal(str(role_id), Text()))


_FIELD_COLUMNS = [getattr(User, name) for name in USER_FIELDS]
_COLUMNS = [
    User.id,
    *_FIELD_COLUMNS,
    User.member_of,
    User.custom_attributes,
    User.group_id,
    User.mapping_fingerprint,
]


def manual_roles(session: Session, ids: Sequence[int]) -> dict[int, set[int]]:
    """The roles each of these users holds by hand (users holding none are left out)."""
    roles: dict[int, set[int]] = {}
    if not ids:
        return roles
    rows = session.execute(
        select(col(UserRole.user_id), col(UserRole.role_id)).where(
            col(UserRole.user_id).in_(ids),
        )
    )
    for user_id, role_id in rows:
        roles.setdefault(user_id, set()).add(role_id)
    return roles


def _to_facts(row: Any, roles: dict[int, set[int]]) -> UserFacts:
    n = len(USER_FIELDS)
    return UserFacts(
        id=row[0],
        fields=dict(zip(USER_FIELDS, row[1 : 1 + n], strict=True)),
        member_of=tuple(row[1 + n] or ()),
        custom_attributes=row[2 + n] or {},
        role_ids=frozenset(roles.get(row[0], ())),
        group_id=row[3 + n],
    )


def load_facts(session: Session, user_ids: Sequence[int]) -> list[tuple[UserFacts, str | None]]:
    """Facts for the given users with their stored mapping fingerprint, in id order."""
    if not user_ids:
        return []
    rows = session.execute(
        select(*_COLUMNS).where(col(User.id).in_(list(user_ids))).order_by(col(User.id))
    ).all()
    roles = manual_roles(session, [r[0] for r in rows])
    return [(_to_facts(r, roles), r[-1]) for r in rows]


@dataclass(frozen=True)
class Needs:
    """Which parts of a user an evaluation reads; a bulk pass loads only those."""

    fields: frozenset[str]
    custom_keys: frozenset[str]
    member_of: bool


def needs_for(text_keys: Iterable[tuple[str, str | None]], member_of: bool) -> Needs:
    fields = {source for source, custom in text_keys if custom is None}
    custom = {custom for _, custom in text_keys if custom is not None}
    return Needs(frozenset(fields), frozenset(custom), member_of)


def iter_fact_chunks(
    session: Session,
    chunk: int = 5000,
    needs: Needs | None = None,
    seen: dict[int, datetime] | None = None,
) -> Iterator[list[tuple[UserFacts, str | None]]]:
    """Every user, in id order, a chunk at a time (keyset paging keeps each query cheap).

    With `needs`, only the referenced columns are read and, on Postgres, only the referenced
    custom attributes are extracted server-side: decoding every user's JSON documents costs
    more than evaluating all mappings. `seen` receives each user's `updated_at` as read with
    its facts (every write of a user's facts moves it), so a later write can tell whether
    the facts changed meanwhile.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    if needs is None or not postgres:
        field_names: tuple[str, ...] = USER_FIELDS
        columns: list[Any] = [User.id, *_FIELD_COLUMNS, User.member_of, User.custom_attributes]
        custom_keys: tuple[str, ...] = ()
        with_members = True
    else:
        field_names = tuple(f for f in USER_FIELDS if f in needs.fields)
        custom_keys = tuple(sorted(needs.custom_keys))
        with_members = needs.member_of
        columns = [User.id, *(getattr(User, f) for f in field_names)]
        # As text, decoded below by orjson: psycopg decodes jsonb with the standard library,
        # which took 9% of a pass over 100,000 users. `member_of` is a list of group names.
        columns.append(User.member_of.cast(Text) if with_members else literal(None))  # type: ignore[attr-defined]
        columns.extend(User.custom_attributes.op("->>")(k) for k in custom_keys)  # type: ignore[attr-defined]
    columns += [User.group_id, User.mapping_fingerprint, User.updated_at]
    n = len(field_names)
    after = 0
    while True:
        rows = _fetch(
            session,
            select(*columns).where(col(User.id) > after).order_by(col(User.id)).limit(chunk),
        )
        if not rows:
            return
        lo, hi = rows[0][0], rows[-1][0]
        roles: dict[int, set[int]] = {}
        for user_id, role_id in _fetch(
            session,
            select(col(UserRole.user_id), col(UserRole.role_id)).where(
                col(UserRole.user_id) >= lo,
                col(UserRole.user_id) <= hi,
            ),
        ):
            roles.setdefault(user_id, set()).add(role_id)
        out = []
        empty: frozenset[int] = frozenset()
        for r in rows:
            if custom_keys:
                values = r[2 + n : 2 + n + len(custom_keys)]
                custom = {k: v for k, v in zip(custom_keys, values, strict=True) if v is not None}
            elif needs is None or not postgres:
                custom = r[2 + n] or {}
            else:
                custom = {}
            role_set = roles.get(r[0])
            facts = UserFacts(
                id=r[0],
                fields=dict(zip(field_names, r[1 : 1 + n], strict=True)),
                member_of=tuple(_members(r[1 + n])),
                custom_attributes=custom,
                role_ids=frozenset(role_set) if role_set else empty,
                group_id=r[-3],
            )
            out.append((facts, r[-2]))
            if seen is not None:
                seen[r[0]] = r[-1]
        yield out
        after = hi


def _members(value: Any) -> Any:
    """`member_of` as read: a list (decoded by the driver), None, or jsonb text to decode."""
    if isinstance(value, str):
        return orjson.loads(value) or ()
    return value or ()


def _fetch(session: Session, stmt: Any) -> list[Any]:
    """All rows of `stmt` as plain tuples. On Postgres this goes straight to the driver's
    cursor: for a pass over every user, SQLAlchemy's per-row Result machinery costs more
    than the query itself."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return list(session.execute(stmt).all())
    compiled = stmt.compile(dialect=conn.dialect)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), compiled.params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def count_users(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(User)).scalar_one())


CHUNK = 5000
"""Ids per round trip: keeps each IN list (and its bind parameters) a sensible size."""


def effective_user_facts(session: Session, user_ids: Sequence[int]) -> list[UserFacts]:
    """Effective facts of these users, in id order; unknown ids are left out.

    The stored mapping outcome (`mapped_roles`, `mapped_group_id`, `mapped_attributes`) is what
    the last mapping evaluation produced, so reading it is the same as re-running mappings and
    much cheaper. The merge is `app.evaluation.mappings.effective_facts`, the one definition
    of "effective" (roles = manual + granted, mapped group first, mapped attributes overlaid).
    Three queries per chunk of `CHUNK` users, whatever the number of users.
    """
    ids = sorted(set(user_ids))
    out: list[UserFacts] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        own = load_facts(session, chunk)
        stmt = select(
            col(User.id),
            col(User.mapped_roles),
            col(User.mapped_group_id),
            col(User.mapped_attributes),
        ).where(col(User.id).in_(chunk))
        mapped = {row[0]: row[1:] for row in session.execute(stmt).all()}
        for facts, _ in own:
            row = mapped.get(facts.id)
            # A user deleted between the two reads has no outcome: their own state stands.
            out.append(facts if row is None else effective_facts(facts, stored_outcome(*row)))
    return out


def role_holders(session: Session, role_id: int) -> list[int]:
    """Users holding this role, by hand or through a mapping, in id order."""
    holders = set(
        session.execute(
            select(col(UserRole.user_id)).where(col(UserRole.role_id) == role_id)
        ).scalars()
    )
    holders.update(session.execute(select(col(User.id)).where(has_mapped_role(role_id))).scalars())
    return sorted(holders)


# --- users ----------------------------------------------------------------------------------


def get_user(session: Session, user_id: int, *, lock: bool = False) -> User | None:
    """The user row, deleted ones included (callers decide whether those count). `lock`
    loads it with `SELECT ... FOR UPDATE` (held until the transaction ends), so concurrent
    partial updates merge into the latest row one after the other."""
    if lock:
        return session.get(User, user_id, with_for_update=True, populate_existing=True)
    return session.get(User, user_id)


_UNIQUE_USER_COLUMNS = {"username": col(User.username_lower), "email": col(User.email_lower)}


def users_by_id(session: Session, user_ids: Sequence[int]) -> dict[int, User]:
    """These users' rows (deleted ones too), in one query."""
    if not user_ids:
        return {}
    stmt = select(User).where(col(User.id).in_(list(user_ids)))
    return {u.id: u for u in session.execute(stmt).scalars() if u.id is not None}


def user_value_taken(
    session: Session, field: Literal["username", "email"], value: str, exclude: int | None
) -> bool:
    """Whether a user other than `exclude` has this username or email (case-insensitive)."""
    stmt = select(col(User.id)).where(_UNIQUE_USER_COLUMNS[field] == value.lower())
    if exclude is not None:
        stmt = stmt.where(col(User.id) != exclude)
    return session.execute(stmt).first() is not None


def taken_user_values(
    session: Session, usernames: Iterable[str], emails: Iterable[str]
) -> tuple[set[str], set[str]]:
    """Of these usernames and emails (lowercased), those a stored user holds: one query for a
    whole batch of new users."""
    names, mails = sorted(set(usernames)), sorted(set(emails))
    if not names and not mails:
        return set(), set()
    stmt = select(col(User.username_lower), col(User.email_lower)).where(
        or_(
            any_of(session, col(User.username_lower), names),
            any_of(session, col(User.email_lower), mails),
        )
    )
    taken_names: set[str] = set()
    taken_mails: set[str] = set()
    for name, mail in session.execute(stmt):
        taken_names.add(name)
        taken_mails.add(mail)
    return taken_names & set(names), taken_mails & set(mails)


def insert_users(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert these user rows (`insert_rows`); returns the new id of each lowercased username."""
    inserted = insert_rows(session, User, rows, returning=("username_lower", "id"))
    return {name: int(uid) for name, uid in inserted}


def new_user_facts(user_id: int, row: Mapping[str, Any], role_ids: Iterable[int]) -> UserFacts:
    """The facts of a user just inserted with these row values and manual roles: what
    `load_facts` would read back, without the round trip (a directory source's first sync
    inserts 100,000 people and evaluates each at once)."""
    return UserFacts(
        id=user_id,
        # The row holds the status as the enum; the database gives it back as its value.
        fields={name: _stored(row.get(name)) for name in USER_FIELDS},
        member_of=tuple(row.get("member_of") or ()),
        custom_attributes=row.get("custom_attributes") or {},
        role_ids=frozenset(role_ids),
        group_id=row.get("group_id"),
    )


def _stored(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def add_manual_roles(session: Session, grants: Sequence[tuple[int, int]], now: datetime) -> None:
    """Give these (user id, role id) pairs by hand, in one statement (`insert_rows`: the ORM's
    executemany cost a combined `POST /users` batch as much as its user insert)."""
    insert_rows(
        session, UserRole, [{"user_id": u, "role_id": r, "created_at": now} for u, r in grants]
    )


@dataclass(frozen=True)
class UserFilter:
    """The user list's filters."""

    email: str | None = None
    username: str | None = None
    role_id: int | None = None
    group_id: int | None = None
    status: UserStatus | None = None
    updated_since: datetime | None = None
    q: str | None = None


def effective_group() -> Any:
    """SQL expression: the user's effective group (a mapped group wins over the manual one)."""
    return func.coalesce(col(User.mapped_group_id), col(User.group_id))


def user_query(f: UserFilter) -> Select[User]:
    """Live users matching the filters; group and role are the effective ones (a mapped group
    wins over the manual one; a role counts whether held by hand or through a mapping)."""
    stmt = select(User).where(col(User.deleted_at).is_(None))
    # Exact filters given empty match the empty value (nobody), as an empty `actor` does in
    # the audit trail: read as no filter, `?email=` answered with every user, and a caller
    # looking someone up by an address it did not have got the first person on the list.
    if f.email is not None:
        stmt = stmt.where(col(User.email_lower) == email_key(f.email))
    if f.username is not None:
        stmt = stmt.where(col(User.username_lower) == normalized(f.username).lower())
    if f.status:
        stmt = stmt.where(col(User.status) == f.status)
    if f.group_id is not None:
        # The effective group, spelled as the (effective group, id) index of migration 0011.
        stmt = stmt.where(effective_group() == f.group_id)
    if f.role_id is not None:
        holders = select(col(UserRole.user_id)).where(col(UserRole.role_id) == f.role_id)
        stmt = stmt.where(or_(col(User.id).in_(holders), has_mapped_role(f.role_id)))
    if f.updated_since is not None:
        stmt = stmt.where(col(User.updated_at) >= f.updated_since)
    if f.q:
        text_ = normalized(f.q)
        pattern = literal(contains_pattern(text_), Text())
        # The separator cannot reach here through the API (`SearchText` refuses controls);
        # were it in the text, the joined search text could match across two fields.
        stmt = stmt.where(
            _Searches(pattern)
            if SEARCH_SEPARATOR not in text_
            else _searched_fields(pattern, func.lower)
        )
    return stmt


SEARCH_SEPARATOR = "\x1f"
"""What joins the searched fields in `directory_user_search.search_text` (migration 0021)."""


class _Searches(FunctionElement[bool]):
    """`q=`: a LIKE pattern (NFKC, as `normalized` gives it) matches the user's username,
    email, first, last or display name, pattern and fields folded by the same function:
    Python's lower() folds some letters otherwise than the database's (a final Σ, a dotted
    İ), and then a name as stored was not found.

    On Postgres the fields are read from `directory_user_search` (migration 0021: NFKC and
    Postgres's lower(), kept by triggers), whose trigram index serves the search and which a
    reapply never writes, and the pattern goes through the same lower(). Elsewhere (SQLite)
    both go through `search_fold` (`app.db`: NFKC, then lower() a letter at a time)."""

    inherit_cache = True
    type = Boolean()
    name = "user_searches"


def _searched_fields(pattern: Any, fold: Any) -> Any:
    """The five searched fields of the user row, each `fold`ed, matching the `fold`ed
    pattern."""
    folded = fold(pattern)
    return or_(
        *(
            fold(column).like(folded, escape=LIKE_ESCAPE)
            for column in (
                User.username,
                User.email,
                User.firstname,
                User.lastname,
                User.display_name,
            )
        )
    )


@compiles(_Searches, "postgresql")
def _searches_pg(element: _Searches, compiler: Any, **kw: Any) -> str:
    (pattern,) = list(element.clauses)
    return (
        f"({compiler.process(col(User.id), **kw)} IN (SELECT directory_user_search.user_id "
        "FROM directory_user_search WHERE directory_user_search.search_text LIKE "
        f"lower({compiler.process(pattern, **kw)}) ESCAPE '\\'))"
    )


@compiles(_Searches)
def _searches(element: _Searches, compiler: Any, **kw: Any) -> str:
    (pattern,) = list(element.clauses)
    # Parenthesized, as the Postgres form is: the OR of the five fields stands inside the
    # list's other conditions (`deleted_at IS NULL AND … AND id > cursor`), and bare it
    # would bind them to its first and last field only (SQLite paged `q=` forever).
    return f"({compiler.process(_searched_fields(pattern, func.search_fold), **kw)})"


LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own `%`, `_` and `\\` taken literally
    (with `escape=LIKE_ESCAPE`, which Postgres and SQLite both honour)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def custom_attribute_names(session: Session) -> list[str]:
    """Every custom attribute name in use (the first 500, sorted), for condition editors."""
    if session.get_bind().dialect.name == "postgresql":
        sql = text(
            "SELECT DISTINCT k FROM directory_user, "
            "jsonb_object_keys(custom_attributes) AS k ORDER BY k LIMIT 500"
        )
    else:
        sql = text(
            "SELECT DISTINCT j.key FROM directory_user, "
            "json_each(directory_user.custom_attributes) j "
            "ORDER BY j.key LIMIT 500"
        )
    return [r[0] for r in session.execute(sql)]


# --- roles users hold by hand ---------------------------------------------------------------


def remove_manual_roles(session: Session, user_id: int, role_ids: Iterable[int]) -> int:
    """Take these roles from the user's manual ones; returns how many it held."""
    result = session.execute(
        delete(UserRole).where(
            col(UserRole.user_id) == user_id, col(UserRole.role_id).in_(list(role_ids))
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- groups and roles -----------------------------------------------------------------------


def get_group(session: Session, group_id: int, *, lock: bool = False) -> Group | None:
    """The row; `lock` loads it with `SELECT ... FOR UPDATE` (held until the transaction
    ends) so concurrent partial updates merge into the latest row one after the other."""
    return session.get(Group, group_id, with_for_update=lock or None, populate_existing=lock)


def get_role(session: Session, role_id: int, *, lock: bool = False) -> Role | None:
    """The row; `lock` loads it with `SELECT ... FOR UPDATE` (held until the transaction
    ends) so concurrent partial updates merge into the latest row one after the other."""
    return session.get(Role, role_id, with_for_update=lock or None, populate_existing=lock)


def group_query(q: str | None = None) -> Select[Group]:
    """Groups, optionally those whose name contains `q` (case-insensitive)."""
    stmt = select(Group)
    if not q:
        return stmt
    return stmt.where(col(Group.name).ilike(contains_pattern(normalized(q)), escape=LIKE_ESCAPE))


def role_query(q: str | None = None) -> Select[Role]:
    """Roles, optionally those whose name contains `q` (case-insensitive)."""
    stmt = select(Role)
    if not q:
        return stmt
    return stmt.where(col(Role.name).ilike(contains_pattern(normalized(q)), escape=LIKE_ESCAPE))


def groups_by_name(session: Session) -> list[Group]:
    return list(session.execute(select(Group).order_by(col(Group.name))).scalars())


def roles_by_name(session: Session) -> list[Role]:
    return list(session.execute(select(Role).order_by(col(Role.name))).scalars())


def group_name_taken(session: Session, name: str, exclude: int | None) -> bool:
    """Whether a group other than `exclude` has this name (case-insensitive)."""
    return _name_taken(session, Group, name, exclude)


def role_name_taken(session: Session, name: str, exclude: int | None) -> bool:
    """Whether a role other than `exclude` has this name (case-insensitive)."""
    return _name_taken(session, Role, name, exclude)


def _name_taken(
    session: Session, model: type[Group] | type[Role], name: str, exclude: int | None
) -> bool:
    stmt = select(col(model.id)).where(func.lower(model.name) == name.lower())
    if exclude is not None:
        stmt = stmt.where(col(model.id) != exclude)
    return session.execute(stmt).first() is not None


def existing_group_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Those of these group ids that exist."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    return set(session.execute(select(col(Group.id)).where(col(Group.id).in_(wanted))).scalars())


def existing_role_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Those of these role ids that exist."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    return set(session.execute(select(col(Role.id)).where(col(Role.id).in_(wanted))).scalars())


def role_grants(
    session: Session, user_ids: Sequence[int], mapped_role_ids: Iterable[int]
) -> tuple[dict[int, set[int]], dict[int, str]]:
    """In one statement (a user read answers with its roles, and every round trip shows in
    the list's latency): the roles each of these users holds by hand, and the names of
    those roles and of `mapped_role_ids`. Roles that no longer exist are left out."""
    mapped = sorted(set(mapped_role_ids))
    parts: list[Any] = []
    if user_ids:
        parts.append(
            select(col(UserRole.user_id), col(Role.id), col(Role.name))
            .join(Role, col(Role.id) == col(UserRole.role_id))
            .where(any_of(session, col(UserRole.user_id), user_ids))
        )
    if mapped:
        parts.append(
            select(null().label("user_id"), col(Role.id), col(Role.name)).where(
                any_of(session, col(Role.id), mapped)
            )
        )
    manual: dict[int, set[int]] = {}
    names: dict[int, str] = {}
    if not parts:
        return manual, names
    for user_id, role_id, name in session.execute(
        union_all(*parts) if len(parts) > 1 else parts[0]
    ):
        names[int(role_id)] = str(name)
        if user_id is not None:
            manual.setdefault(int(user_id), set()).add(int(role_id))
    return manual, names


def role_names(session: Session, role_ids: Iterable[int]) -> dict[int, str]:
    wanted = list(set(role_ids))
    if not wanted:
        return {}
    rows = session.execute(select(col(Role.id), col(Role.name)).where(col(Role.id).in_(wanted)))
    return {int(i): str(n) for i, n in rows}


def touch_users(session: Session, user_ids: Sequence[int], now: datetime) -> None:
    """Move these users' `updated_at`: their facts changed by a statement on another table
    (a deleted group's members lose it, a deleted role's holders lose it)."""
    if user_ids:
        session.execute(update(User).where(col(User.id).in_(list(user_ids))).values(updated_at=now))


def group_members(session: Session, group_id: int) -> list[int]:
    """Users in this group, set by hand or by a mapping."""
    stmt = select(col(User.id)).where(
        or_(col(User.group_id) == group_id, col(User.mapped_group_id) == group_id)
    )
    return [int(i) for i in session.execute(stmt).scalars()]


def role_app_ids(session: Session, role_ids: Sequence[int]) -> dict[int, list[int]]:
    """The apps each role grants, in app id order."""
    out: dict[int, list[int]] = {rid: [] for rid in role_ids}
    if role_ids:
        stmt = (
            select(col(RoleApp.role_id), col(RoleApp.app_id))
            .where(col(RoleApp.role_id).in_(list(role_ids)))
            .order_by(col(RoleApp.app_id))
        )
        for role_id, app_id in session.execute(stmt):
            out[role_id].append(app_id)
    return out


def set_role_apps(session: Session, role_id: int, app_ids: Iterable[int]) -> None:
    """Make the role grant exactly these apps."""
    session.execute(delete(RoleApp).where(col(RoleApp.role_id) == role_id))
    for app_id in app_ids:
        session.add(RoleApp(role_id=role_id, app_id=app_id))


def list_users(session: Session, f: UserFilter, *, limit: int | None = None) -> list[User]:
    """Users matching the filters, by id (the CLI's `users list`; the API pages the query)."""
    stmt = user_query(f).order_by(col(User.id)).limit(limit)
    return list(session.execute(stmt).scalars())


def count_matching_users(session: Session, f: UserFilter) -> int:
    return int(
        session.execute(select(func.count()).select_from(user_query(f).subquery())).scalar_one()
    )
