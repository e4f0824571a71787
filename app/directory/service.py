"""Users, groups and roles: the rules around them (uniqueness, references, manual roles).

Rules only: queries are in `repository`. Functions take an open session and never commit;
the caller at the edge owns the transaction. Every change that can alter what a user is
entitled to ends in `recompute.users_changed`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from app import recompute
from app.api.ids import parse_id
from app.apps import repository as apps_repo
from app.audit import service as audit
from app.db import lost_race, savepoint
from app.directory import repository as repo
from app.directory.schemas import (
    BulkMode,
    GroupCreate,
    GroupUpdate,
    RoleCreate,
    RoleGrant,
    RoleRead,
    RoleUpdate,
    SourceRef,
    UserBulkCreate,
    UserBulkItem,
    UserBulkResult,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    ProblemError,
    field_error,
    reject_nulls,
)
from app.evaluation.facts import UserFacts
from app.evaluation.mappings import MappingOutcome
from app.mappings.service import groups_referencing, roles_referencing
from app.models import Group, Role, User, UserRole, UserStatus, utcnow
from app.provisioning.rules.service import rules_referencing
from app.sources import ownership
from app.sources import repository as sources_repo

MANUAL = "manual"
MAPPING = "mapping"


# --- users ----------------------------------------------------------------------------------


def get_user(session: Session, user_id: int, *, lock: bool = False) -> User:
    user = repo.get_user(session, user_id, lock=lock)
    if user is None or user.deleted_at is not None:
        raise NotFound(f"User {user_id} does not exist.")
    return user


def find_user(session: Session, ref: str) -> User:
    """A user by id, or by username (case-insensitive): a shell names people by username."""
    if (key := parse_id(ref)) is not None:
        user = repo.get_user(session, key)
        if user is not None and user.deleted_at is None:
            return user
    found = repo.list_users(session, repo.UserFilter(username=ref), limit=1)
    if not found:
        raise NotFound(f"No user has the id or username {ref!r}.")
    return found[0]


def _check_unique(
    session: Session, username: str | None, email: str | None, exclude: int | None
) -> None:
    fields: tuple[tuple[Literal["username", "email"], str | None], ...] = (
        ("username", username),
        ("email", email),
    )
    for label, value in fields:
        if value is not None and repo.user_value_taken(session, label, value, exclude):
            raise Conflict(f"Another user already has the {label} {value!r}.")


def _check_group(session: Session, group_id: int | None, field: str = "group_id") -> None:
    if group_id is not None and repo.get_group(session, group_id) is None:
        raise field_error(field, f"Group {group_id} does not exist.", "not_found")


def _check_roles(session: Session, role_ids: Iterable[int], field: str = "role_ids") -> list[int]:
    wanted = sorted(set(role_ids))
    if not wanted:
        return []
    found = repo.existing_role_ids(session, wanted)
    missing = [r for r in wanted if r not in found]
    if missing:
        raise field_error(field, f"Roles do not exist: {missing}.", "not_found")
    return wanted


def create_user(session: Session, data: UserCreate) -> User:
    created, refused = create_users(session, [data])
    if refused:
        raise refused[0].error
    return get_user(session, created[0][1])


def create_requested_users(
    session: Session, requests: Sequence[tuple[str | None, UserCreate]], *, guarded: bool = True
) -> list[UserRead | ProblemError]:
    """Separate `POST /users` requests, (request id, body) each, written in one transaction
    (`app.combine` gathers them). Each is held to the rules of a single create and refused
    on its own (its 409 or 422 problem in its place), as if the requests had run one after
    the other in this order; each created user is answered as `GET /users/{id}` shows it,
    and its audit entry and tasks carry its own request id.

    `guarded=False` (for a caller that owns the transaction and runs it again if it fails):
    the insert runs without a savepoint, so a key another request committed after the check
    raises `IntegrityError` and leaves the transaction to roll back, rather than being
    refused here. A savepoint is two more round trips on every batch for a race that is
    rare."""
    inserted: dict[int, dict[str, Any]] = {}
    created, refused = create_users(
        session,
        [data for _, data in requests],
        all_or_nothing=False,
        causes=[cause for cause, _ in requests],
        guarded=guarded,
        inserted=inserted,
    )
    # Answered from the values just inserted, not read back: the row as written (mapping
    # outcome included) is what `GET /users/{id}` reads, and only the roles' names are read.
    users = [User(id=user_id, **inserted[user_id]) for _, user_id in created]
    manual = {user_id: set(requests[index][1].role_ids) for index, user_id in created}
    reads = {r.id: r for r in read_users(session, users, manual=manual)}
    out: list[UserRead | ProblemError | None] = [None] * len(requests)
    for index, user_id in created:
        out[index] = reads[user_id]
    for refusal in refused:
        out[refusal.index] = refusal.error
    assert all(o is not None for o in out), "every request is answered"
    return [o for o in out if o is not None]


@dataclass(frozen=True)
class Refused:
    """Why the item at `index` of a batch was not created: a 409 or 422 problem."""

    index: int
    error: ProblemError
    field: str = "body"
    """The field at fault, for a problem that names none itself (a conflict)."""


def check_new_users(
    session: Session,
    items: Sequence[tuple[int, UserCreate]],
    *,
    separate: bool = False,
    positions: Sequence[int] | None = None,
) -> dict[int, Refused]:
    """The rules of creating a user, for a whole batch in three queries: username and email
    unique (case-insensitively, against stored users and earlier accepted items of the same
    batch: 409), group and roles exist (422). Returns the problem of each refused item.

    `separate`: the items are separate requests written together (`create_requested_users`);
    an item that collides with an earlier one gets the 409 it would get had that one been
    committed first, which names no item of a batch the caller never sent.

    `positions`: where each item stands in the caller's request, when the items are not the
    whole of it (`bulk_create` checks only the items that passed validation); a refusal
    naming the earlier item with the same key names it by that position."""
    names = [d.username.lower() for _, d in items]
    mails = [str(d.email).lower() for _, d in items]
    taken_names, taken_mails = repo.taken_user_values(session, names, mails)
    groups = repo.existing_group_ids(session, (d.group_id for _, d in items if d.group_id))
    roles = repo.existing_role_ids(session, (r for _, d in items for r in d.role_ids))
    # The first accepted item with each key: (its index, the value as it was sent).
    seen_names: dict[str, tuple[int, str]] = {}
    seen_mails: dict[str, tuple[int, str]] = {}
    problems: dict[int, Refused] = {}
    for (index, data), name, mail in zip(items, names, mails, strict=True):
        problem: ProblemError | None = None
        field = "username"
        # Separate requests see an earlier one as stored: the same checks, in the same order,
        # as had it been committed first.
        name_taken = name in taken_names or (separate and name in seen_names)
        mail_taken = mail in taken_mails or (separate and mail in seen_mails)
        if name_taken:
            problem = Conflict(f"Another user already has the username {data.username!r}.")
        elif mail_taken:
            field = "email"
            problem = Conflict(f"Another user already has the email {data.email!r}.")
        elif name in seen_names:
            first, value = seen_names[name]
            first = positions[first] if positions is not None else first
            problem = Conflict(
                f"Item {first} of this request already has the username {value!r} "
                "(usernames are compared without regard to case)."
            )
        elif mail in seen_mails:
            field = "email"
            first, value = seen_mails[mail]
            first = positions[first] if positions is not None else first
            problem = Conflict(
                f"Item {first} of this request already has the email {value!r} "
                "(emails are compared without regard to case)."
            )
        elif data.group_id is not None and data.group_id not in groups:
            problem = field_error("group_id", f"Group {data.group_id} does not exist.", "not_found")
        elif missing := sorted(set(data.role_ids) - roles):
            problem = field_error("role_ids", f"Roles do not exist: {missing}.", "not_found")
        if problem is not None:
            problems[index] = Refused(index, problem, field)
        else:
            seen_names[name] = (index, data.username)
            seen_mails[mail] = (index, str(data.email))
    return problems


def derived_display_name(firstname: str | None, lastname: str | None, username: str) -> str:
    """The display name of a person given none, as most directories show them: first and
    last name, else the username (Graph requires a displayName on every user)."""
    full = " ".join(p for p in (firstname, lastname) if p)
    return full or username


def _new_row(data: UserCreate, now: datetime) -> dict[str, Any]:
    """The `directory_user` row of a new user, as plain values (a batch is inserted in one
    executemany: building ORM objects costs more than the insert itself)."""
    fields = data.model_dump(exclude={"role_ids", "custom_attributes", "member_of", "status"})
    if not fields.get("display_name"):
        fields["display_name"] = derived_display_name(data.firstname, data.lastname, data.username)
    return {
        **fields,
        "email": str(data.email),
        "username_lower": data.username.lower(),
        "email_lower": str(data.email).lower(),
        "member_of": data.member_of or [],
        "status": data.status or UserStatus.active,
        "custom_attributes": dict(data.custom_attributes),
        "created_at": now,
        "updated_at": now,
    }


def create_users(
    session: Session,
    items: Sequence[UserCreate],
    *,
    all_or_nothing: bool = True,
    columns: Sequence[Mapping[str, Any]] | None = None,
    causes: Sequence[str | None] | None = None,
    guarded: bool = True,
    inserted: dict[int, dict[str, Any]] | None = None,
    positions: Sequence[int] | None = None,
) -> tuple[list[tuple[int, int]], list[Refused]]:
    """Create these users, each under the rules of `check_new_users`, and evaluate them in one
    recompute pass (mappings, then assignments and tasks) for the whole batch.

    Returns (item index, new user id) of each created user, and the refused items. `all_or_nothing`
    writes nothing when any item is refused. Otherwise the others are written. Should a
    concurrent request commit one of their usernames or emails after the check, the batch is
    checked again: all or nothing, the items that now collide are refused with their reasons
    (as if that request had come first) and nothing is written; otherwise the batch is written
    again without them, and after three such rounds one item at a time, an item that still
    collides refused (409).

    `columns`, one per item when given, are values of the row that no API caller sets (a
    directory source's `source_id` and `source_anchor`), written with the insert itself.

    `causes`, one per item when given, makes the items separate requests written together
    (`create_requested_users`): each item's audit entry and tasks carry its own request id,
    and collisions between items read as collisions with another user.

    `guarded=False`: the first insert runs without a savepoint, and a collision after the
    check raises `IntegrityError` (the caller rolls back and runs the batch again guarded).

    `inserted`, when given, receives each created user's row as inserted (every column but
    the id), by new user id.

    `positions`, one per item when given: where it stands in the caller's request, for a
    refusal that names another item (`check_new_users`)."""
    every = list(enumerate(items))
    pending = every
    refused: list[Refused] = []
    separate = causes is not None
    for _attempt in range(3):
        # Every item is checked again each round, not only those the last round accepted: an
        # item refused only as a duplicate of one that a concurrent request has since made
        # collide is no duplicate of anything stored, and goes in now.
        problems = check_new_users(session, every, separate=separate, positions=positions)
        refused = sorted(problems.values(), key=lambda r: r.index)
        if refused and all_or_nothing:
            return [], refused
        pending = [(i, d) for i, d in every if i not in problems]
        try:
            # Nothing to insert takes no savepoint: on SQLite it would wait for the write lock.
            with savepoint(session) if guarded and pending else nullcontext():
                created, facts, outcomes = _insert_users(
                    session, pending, columns, causes, inserted
                )
        except (IntegrityError, OperationalError) as exc:
            if not guarded or not (isinstance(exc, IntegrityError) or lost_race(exc)):
                raise
            # Another request committed one of these keys (or removed a group or role) after
            # the check, or its insert and ours waited on each other's keys and the database
            # chose ours to fail (a deadlock): the next check refuses the items that now
            # collide, as if that request had come first; all or nothing, the whole request
            # with their reasons.
            continue
        recompute.users_created(session, facts, outcomes, _causes_of(created, causes))
        return created, refused
    if all_or_nothing:
        raise Conflict(
            "Concurrent requests keep creating the same users; nothing of this request was kept."
        )
    # Other requests keep taking some of these keys between our check and our insert: one
    # item at a time now, so only an item that still collides is refused.
    created, facts, outcomes = [], [], []
    for index, data in pending:
        written = _insert_alone(session, index, data, columns, causes, inserted)
        if isinstance(written, Refused):
            refused.append(written)
            continue
        created.extend(written[0])
        facts.extend(written[1])
        outcomes.extend(written[2])
    recompute.users_created(session, facts, outcomes, _causes_of(created, causes))
    return created, sorted(refused, key=lambda r: r.index)


def _insert_alone(
    session: Session,
    index: int,
    data: UserCreate,
    columns: Sequence[Mapping[str, Any]] | None,
    causes: Sequence[str | None] | None,
    inserted: dict[int, dict[str, Any]] | None,
) -> tuple[list[tuple[int, int]], list[UserFacts], list[MappingOutcome]] | Refused:
    """One item of `create_users`' last resort, in a savepoint of its own: written, or refused
    with the reason the check now gives (the username or the email another request took).
    A deadlock is refused too, rolling back only this item: the request the database let go
    on holds one of its keys (it waited on a key this transaction wrote), so it would collide
    once that request commits."""
    try:
        with savepoint(session):
            return _insert_users(session, [(index, data)], columns, causes, inserted)
    except IntegrityError:
        pass
    except OperationalError as exc:
        if not lost_race(exc):
            raise
    problem = check_new_users(session, [(index, data)]).get(index)
    if problem is not None:
        return problem
    return Refused(
        index,
        Conflict(
            f"Another request created a user with the username {data.username!r} or the "
            f"email {data.email!r} meanwhile."
        ),
        "username",
    )


def _causes_of(
    created: Sequence[tuple[int, int]], causes: Sequence[str | None] | None
) -> dict[int, str | None] | None:
    """New user id -> the request id of the item it was created from."""
    if causes is None:
        return None
    return {user_id: causes[index] for index, user_id in created}


def bulk_create(session: Session, data: UserBulkCreate) -> UserBulkResult:
    """`POST /users/bulk`: each item validated as a `UserCreate` and checked like a single
    create, then all of them created and evaluated together. In all-or-nothing mode any
    refused item makes a 422 naming every refused one, and nothing is written."""
    valid: list[UserCreate] = []
    positions: list[int] = []
    refused: list[Refused] = []
    for index, raw in enumerate(data.users):
        try:
            valid.append(UserCreate.model_validate(raw))
            positions.append(index)
        except ValidationError as exc:
            errors = [
                FieldError(
                    field=".".join(str(p) for p in e["loc"]) or "body",
                    message=e["msg"],
                    code=e["type"],
                )
                for e in exc.errors()
            ]
            refused.append(Refused(index, InvalidInput("The user is invalid.", errors=errors)))
    all_or_nothing = data.mode == BulkMode.all_or_nothing
    if refused and all_or_nothing:
        # Nothing will be written; the answer still names every item that would be refused.
        created: list[tuple[int, int]] = []
        checked = list(
            check_new_users(session, list(enumerate(valid)), positions=positions).values()
        )
    else:
        created, checked = create_users(
            session, valid, all_or_nothing=all_or_nothing, positions=positions
        )
    refused.extend(Refused(positions[r.index], r.error, r.field) for r in checked)
    if refused and all_or_nothing:
        raise InvalidInput(
            f"{len(refused)} of {len(data.users)} users were refused; none was created.",
            errors=[
                FieldError(field=f"users.{r.index}.{e.field}", message=e.message, code=e.code)
                for r in sorted(refused, key=lambda r: r.index)
                for e in _field_errors(r)
            ],
        )
    items = [UserBulkItem(index=positions[i], status=201, id=user_id) for i, user_id in created]
    # Each item's problem names its field at fault, a conflict's too, as the all-or-nothing
    # answer does (there as `users.<index>.<field>`).
    items.extend(
        UserBulkItem(
            index=r.index,
            status=r.error.status,
            problem=r.error.to_problem().model_copy(update={"errors": _field_errors(r)}),
        )
        for r in refused
    )
    items.sort(key=lambda item: item.index)
    return UserBulkResult(created=len(created), refused=len(refused), items=items)


def _field_errors(refused: Refused) -> list[FieldError]:
    """A refused item's problem as field errors (a conflict names no field of its own)."""
    error = refused.error
    if error.errors:
        return error.errors
    return [FieldError(field=refused.field, message=error.detail or error.title, code="conflict")]


def _insert_users(
    session: Session,
    items: Sequence[tuple[int, UserCreate]],
    columns: Sequence[Mapping[str, Any]] | None = None,
    causes: Sequence[str | None] | None = None,
    inserted: dict[int, dict[str, Any]] | None = None,
) -> tuple[list[tuple[int, int]], list[UserFacts], list[MappingOutcome]]:
    """Insert these users, with their mapping outcomes in place (`recompute.users_creating`),
    and their manual roles, with a `user.created` audit entry each (as a single create
    records it; with `causes`, each under its own request id); returns (item index, new user
    id), their facts and their mapping outcomes."""
    if not items:
        return [], [], []
    now = utcnow()
    rows = [
        {**_new_row(data, now), **(columns[index] if columns is not None else {})}
        for index, data in items
    ]
    # Evaluated before the insert (the facts need no id), so each row is written once.
    unsaved = [
        repo.new_user_facts(0, row, data.role_ids)
        for (_, data), row in zip(items, rows, strict=True)
    ]
    mapped = recompute.users_creating(session, unsaved)
    full = [{**row, **cols} for row, (_, cols) in zip(rows, mapped, strict=True)]
    ids = repo.insert_users(session, full)
    created = [(index, ids[data.username.lower()]) for index, data in items]
    if inserted is not None:
        inserted.update((user_id, row) for (_, user_id), row in zip(created, full, strict=True))
    repo.add_manual_roles(
        session,
        [
            (user_id, role_id)
            for (_, data), (_, user_id) in zip(items, created, strict=True)
            for role_id in sorted(set(data.role_ids))
        ],
        now,
    )
    audit.record_created_users(
        session,
        [
            (user_id, row, {"role_ids": sorted(set(data.role_ids))})
            for (_, data), (_, user_id), row in zip(items, created, rows, strict=True)
        ],
        None if causes is None else [causes[index] for index, _ in items],
    )
    facts = [
        dataclasses.replace(f, id=user_id) for f, (_, user_id) in zip(unsaved, created, strict=True)
    ]
    return created, facts, [outcome for outcome, _ in mapped]


def _changed_fields(user: User, changes: dict[str, Any]) -> list[str]:
    """The fields (`department`, `custom_attributes.employee_id`) this update would change:
    a field sent with the value it already has changes nothing."""
    out = []
    for key, value in changes.items():
        if key == "custom_attributes":
            own = user.custom_attributes or {}
            out += [f"custom_attributes.{k}" for k, v in (value or {}).items() if own.get(k) != v]
        elif (str(value) if key == "email" and value is not None else value) != getattr(user, key):
            out.append(key)
    return out


def _refuse_source_owned(session: Session, user: User, changes: dict[str, Any]) -> None:
    """409 for a change of a field the user's directory source sets (as Azure AD Connect:
    the next sync would overwrite it). Every way of editing a user passes here: the API,
    SCIM (replace, patch, group membership) and the CLI."""
    if user.source_id is None:
        return
    source = sources_repo.get(session, user.source_id)
    if source is None:
        return
    assert user.id is not None
    owned = ownership.owned_fields(source)
    if refused := [f for f in _changed_fields(user, changes) if f in owned]:
        raise ownership.refusal(user.id, source, refused)


def update_user(session: Session, user_id: int, data: UserUpdate) -> User:
    # Locked: parallel PATCHes each merge into the row the previous one committed.
    user = get_user(session, user_id, lock=True)
    before = audit.snapshot(user)
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, ("username", "email", "status", "member_of"))
    if "display_name" in changes and not changes["display_name"]:
        # Blank once stripped is cleared, as null is (a SCIM remove): never an empty string,
        # which Graph refuses as a displayName. Before the source-owned check, which then
        # compares what would be written.
        changes["display_name"] = None
    _refuse_source_owned(session, user, changes)
    _check_unique(session, changes.get("username"), changes.get("email"), user_id)
    if "group_id" in changes:
        _check_group(session, changes["group_id"])
    attrs = changes.pop("custom_attributes", None)
    for key, value in changes.items():
        setattr(user, key, str(value) if key == "email" else value)
    if "username" in changes:
        user.username_lower = user.username.lower()
    if "email" in changes:
        user.email_lower = user.email.lower()
    if attrs:
        merged = dict(user.custom_attributes or {})
        for name, value in attrs.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        user.custom_attributes = merged
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    audit.record(session, "user.updated", user, before)
    recompute.users_changed(session, [user_id])
    return user


def delete_user(session: Session, user_id: int) -> None:
    user = get_user(session, user_id)
    if user.source_id is not None and (source := sources_repo.get(session, user.source_id)):
        # The next sync would bring them back: they leave through the source.
        raise ownership.deletion_refusal(user_id, source)
    audit.record(session, "user.deleted", user)
    recompute.user_deleting(session, user)


def user_roles(
    session: Session, users: Sequence[User], manual: Mapping[int, set[int]] | None = None
) -> dict[int, list[RoleGrant]]:
    """Effective roles per user: manual ones, then mapping-granted ones, each with its source.
    `manual`, the roles each user holds by hand when the caller knows them (it just wrote
    them): then only the roles' names are read."""
    mapped_ids = (int(k) for u in users for k in (u.mapped_roles or {}))
    if manual is None:
        held, names = repo.role_grants(
            session, [u.id for u in users if u.id is not None], mapped_ids
        )
    else:
        held = dict(manual)
        names = repo.role_names(session, [*mapped_ids, *(r for rs in manual.values() for r in rs)])
    out: dict[int, list[RoleGrant]] = {}
    for u in users:
        if u.id is None:
            continue
        grants = [
            RoleGrant(id=r, name=names[r], source=MANUAL)
            for r in sorted(held.get(u.id, ()))
            if r in names
        ]
        for key, mapping_id in sorted((u.mapped_roles or {}).items(), key=lambda kv: int(kv[0])):
            rid = int(key)
            if rid in names:
                grants.append(
                    RoleGrant(id=rid, name=names[rid], source=MAPPING, mapping_id=mapping_id)
                )
        out[u.id] = grants
    return out


def to_read(user: User, roles: list[RoleGrant], source_name: str | None = None) -> UserRead:
    assert user.id is not None
    # Keys in order: Postgres's jsonb keeps them by length and SQLite as written, and an
    # answer built from the values just written must read as `GET` shows them.
    own = dict(sorted((user.custom_attributes or {}).items()))
    mapped = dict(sorted((user.mapped_attributes or {}).items()))
    return UserRead(
        id=user.id,
        username=user.username,
        email=user.email,
        firstname=user.firstname,
        lastname=user.lastname,
        display_name=user.display_name,
        distinguished_name=user.distinguished_name,
        member_of=list(user.member_of or []),
        department=user.department,
        title=user.title,
        company=user.company,
        phone=user.phone,
        country=user.country,
        status=user.status,
        custom_attributes=own,
        mapped_attributes=mapped,
        effective_attributes={k: v for k, v in sorted({**own, **mapped}.items()) if v},
        group_id=user.group_id,
        mapped_group_id=user.mapped_group_id,
        effective_group_id=user.mapped_group_id or user.group_id,
        manual_role_ids=[r.id for r in roles if r.source == MANUAL],
        roles=roles,
        source=None
        if user.source_id is None or source_name is None
        else SourceRef(id=user.source_id, name=source_name),
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def read_users(
    session: Session, users: Sequence[User], manual: Mapping[int, set[int]] | None = None
) -> list[UserRead]:
    """These users as the API shows them; `manual` as `user_roles` takes it."""
    roles = user_roles(session, users, manual)
    sources = sources_repo.names(session, (u.source_id for u in users if u.source_id))
    return [
        to_read(u, roles[u.id], sources.get(u.source_id) if u.source_id else None)
        for u in users
        if u.id is not None
    ]


def set_manual_roles(
    session: Session, user_id: int, role_ids: Iterable[int], *, replace: bool
) -> None:
    get_user(session, user_id)
    wanted = _check_roles(session, role_ids)
    current = repo.manual_roles(session, [user_id]).get(user_id, set())
    kept = set(wanted) if replace else current | set(wanted)
    if replace:
        stale = current - set(wanted)
        if stale:
            repo.remove_manual_roles(session, user_id, stale)
    for role_id in wanted:
        if role_id not in current:
            session.add(UserRole(user_id=user_id, role_id=role_id))
    _touch_and_recompute(session, user_id, current, kept)


def remove_manual_role(session: Session, user_id: int, role_id: int) -> None:
    get_user(session, user_id)
    current = repo.manual_roles(session, [user_id]).get(user_id, set())
    if repo.remove_manual_roles(session, user_id, [role_id]) == 0:
        raise NotFound(f"User {user_id} does not hold role {role_id} by hand.")
    _touch_and_recompute(session, user_id, current, current - {role_id})


def _touch_and_recompute(
    session: Session, user_id: int, roles_before: set[int], roles_after: set[int]
) -> None:
    user = get_user(session, user_id)
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.roles_changed",
        user,
        {**audit.snapshot(user), "role_ids": sorted(roles_before)},
        extra={"role_ids": sorted(roles_after)},
    )
    recompute.users_changed(session, [user_id])


# --- groups ---------------------------------------------------------------------------------


def get_group(session: Session, group_id: int, *, lock: bool = False) -> Group:
    group = repo.get_group(session, group_id, lock=lock)
    if group is None:
        raise NotFound(f"Group {group_id} does not exist.")
    return group


def _check_group_name(session: Session, name: str, exclude: int | None) -> None:
    if repo.group_name_taken(session, name, exclude):
        raise Conflict(f"A group named {name!r} already exists.")


def create_group(session: Session, data: GroupCreate) -> Group:
    _check_group_name(session, data.name, None)
    group = Group(**data.model_dump())
    session.add(group)
    session.flush()
    audit.record(session, "group.created", group)
    return group


def update_group(session: Session, group_id: int, data: GroupUpdate) -> Group:
    group = get_group(session, group_id, lock=True)
    before = audit.snapshot(group)
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, ("name",))
    if "name" in changes:
        _check_group_name(session, changes["name"], group_id)
    for key, value in changes.items():
        setattr(group, key, value)
    group.updated_at = utcnow()
    session.add(group)
    session.flush()
    audit.record(session, "group.updated", group, before)
    return group


def delete_group(session: Session, group_id: int) -> None:
    # Locked before its members are read: a create or move into the group commits first (its
    # foreign key holds the row), so it is among them and re-evaluated; one read before the
    # lock would miss it, and its assignments would keep what the group gave it.
    group = get_group(session, group_id, lock=True)
    _refuse_if_referenced(session, f"Group {group_id}", "group", groups_referencing, group_id)
    _delete(session, group, affected=repo.group_members(session, group_id))


def _refuse_if_referenced(
    session: Session,
    what: str,
    rule_source: str,
    mappings_referencing: Callable[[Session, int], list[int]],
    directory_id: int,
) -> None:
    """409 while mappings or app rules name this group or role: deleting it would silently
    change what they match."""
    if used := mappings_referencing(session, directory_id):
        raise Conflict(f"{what} is used by mappings {used}; change them first.")
    if used := rules_referencing(session, rule_source, directory_id):
        raise Conflict(f"{what} is used by app rules {used}; change them first.")


def _delete(session: Session, row: Group | Role, *, affected: list[int]) -> None:
    """Delete a group or role; the users it affected are re-evaluated."""
    audit.record(session, f"{audit.object_type(row)}.deleted", row)
    session.delete(row)
    session.flush()
    # The database took the group or role from them (ON DELETE): their facts changed, so
    # their rows say so (a reapply running now must not write an outcome from before).
    repo.touch_users(session, affected, utcnow())
    session.expire_all()
    recompute.users_changed(session, affected)


# --- roles ----------------------------------------------------------------------------------


def get_role(session: Session, role_id: int, *, lock: bool = False) -> Role:
    role = repo.get_role(session, role_id, lock=lock)
    if role is None:
        raise NotFound(f"Role {role_id} does not exist.")
    return role


def role_reads(session: Session, roles: Sequence[Role]) -> list[RoleRead]:
    """The roles as the API shows them, each with the apps it grants."""
    apps = repo.role_app_ids(session, [r.id for r in roles if r.id is not None])
    return [_role_read(r, apps[r.id]) for r in roles if r.id is not None]


def _role_read(role: Role, app_ids: list[int]) -> RoleRead:
    assert role.id is not None
    return RoleRead(
        id=role.id,
        name=role.name,
        description=role.description,
        app_ids=app_ids,
        created_at=role.created_at,
        updated_at=role.updated_at,
    )


def _check_role_name(session: Session, name: str, exclude: int | None) -> None:
    if repo.role_name_taken(session, name, exclude):
        raise Conflict(f"A role named {name!r} already exists.")


def _set_role_apps(session: Session, role_id: int, app_ids: Iterable[int]) -> None:
    wanted = sorted(set(app_ids))
    # Roles may only name apps that exist.
    if missing := sorted(set(wanted) - apps_repo.existing_ids(session, wanted)):
        raise field_error("app_ids", f"Apps do not exist: {missing}.", "not_found")
    repo.set_role_apps(session, role_id, wanted)
    session.flush()


def create_role(session: Session, data: RoleCreate) -> Role:
    _check_role_name(session, data.name, None)
    role = Role(name=data.name, description=data.description)
    session.add(role)
    session.flush()
    assert role.id is not None
    _set_role_apps(session, role.id, data.app_ids)
    audit.record(session, "role.created", role, extra={"app_ids": sorted(set(data.app_ids))})
    return role


def update_role(session: Session, role_id: int, data: RoleUpdate) -> Role:
    role = get_role(session, role_id, lock=True)
    app_ids = repo.role_app_ids(session, [role_id])[role_id]
    before = audit.snapshot(role, app_ids=sorted(app_ids))
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, ("name",))
    if "name" in changes:
        _check_role_name(session, changes["name"], role_id)
        role.name = changes["name"]
    if "description" in changes:
        role.description = changes["description"]
    role.updated_at = utcnow()
    session.add(role)
    if changes.get("app_ids") is not None:
        _set_role_apps(session, role_id, changes["app_ids"])
        app_ids = sorted(set(changes["app_ids"]))
        recompute.role_apps_changed(session, role_id)
    session.flush()
    audit.record(session, "role.updated", role, before, extra={"app_ids": sorted(app_ids)})
    return role


def delete_role(session: Session, role_id: int) -> None:
    # Locked before its holders are read, for the reason `delete_group` gives.
    role = get_role(session, role_id, lock=True)
    _refuse_if_referenced(session, f"Role {role_id}", "has_role", roles_referencing, role_id)
    _delete(session, role, affected=repo.role_holders(session, role_id))
