"""Users, groups and roles: the rules around them (uniqueness, references, manual roles).

Rules only: queries are in `repository`. Functions take an open session and never commit;
the caller at the edge owns the transaction. Every change that can alter what a user is
entitled to ends in `recompute.users_changed`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Literal

from sqlmodel import Session

from app import recompute
from app.api.ids import parse_id
from app.apps import repository as apps_repo
from app.audit import service as audit
from app.directory import repository as repo
from app.directory.schemas import (
    GroupCreate,
    GroupUpdate,
    RoleCreate,
    RoleGrant,
    RoleRead,
    RoleUpdate,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.errors import Conflict, NotFound, field_error, reject_nulls
from app.mappings.service import groups_referencing, roles_referencing
from app.models import Group, Role, User, UserRole, UserStatus, utcnow
from app.provisioning.rules.service import rules_referencing

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
    _check_unique(session, data.username, data.email, None)
    _check_group(session, data.group_id)
    role_ids = _check_roles(session, data.role_ids)
    fields = data.model_dump(exclude={"role_ids", "custom_attributes", "member_of", "status"})
    if not fields.get("display_name"):
        # Like most directories: a person without an explicit display name shows as their name.
        full = " ".join(p for p in (data.firstname, data.lastname) if p)
        fields["display_name"] = full or data.username
    user = User(
        **fields,
        username_lower=data.username.lower(),
        email_lower=str(data.email).lower(),
        member_of=data.member_of or [],
        status=data.status or UserStatus.active,
        custom_attributes=dict(data.custom_attributes),
        mapped_attributes={},
        mapped_roles={},
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    for role_id in role_ids:
        session.add(UserRole(user_id=user.id, role_id=role_id))
    session.flush()
    audit.record(session, "user.created", user, extra={"role_ids": role_ids})
    recompute.users_changed(session, [user.id])
    return user


def update_user(session: Session, user_id: int, data: UserUpdate) -> User:
    # Locked: parallel PATCHes each merge into the row the previous one committed.
    user = get_user(session, user_id, lock=True)
    before = audit.snapshot(user)
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, ("username", "email", "status", "member_of"))
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
    audit.record(session, "user.deleted", user)
    recompute.user_deleting(session, user)


def user_roles(session: Session, users: Sequence[User]) -> dict[int, list[RoleGrant]]:
    """Effective roles per user: manual ones, then mapping-granted ones, each with its source."""
    held = repo.manual_roles(session, [u.id for u in users if u.id is not None])
    manual = {uid: sorted(roles) for uid, roles in held.items()}
    role_ids = {r for rs in manual.values() for r in rs}
    for u in users:
        role_ids.update(int(k) for k in (u.mapped_roles or {}))
    names = repo.role_names(session, role_ids)
    out: dict[int, list[RoleGrant]] = {}
    for u in users:
        if u.id is None:
            continue
        grants = [
            RoleGrant(id=r, name=names[r], source=MANUAL)
            for r in manual.get(u.id, [])
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


def to_read(user: User, roles: list[RoleGrant]) -> UserRead:
    assert user.id is not None
    own = dict(user.custom_attributes or {})
    mapped = dict(user.mapped_attributes or {})
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
        effective_attributes={k: v for k, v in {**own, **mapped}.items() if v},
        group_id=user.group_id,
        mapped_group_id=user.mapped_group_id,
        effective_group_id=user.mapped_group_id or user.group_id,
        manual_role_ids=[r.id for r in roles if r.source == MANUAL],
        roles=roles,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def read_users(session: Session, users: Sequence[User]) -> list[UserRead]:
    roles = user_roles(session, users)
    return [to_read(u, roles[u.id]) for u in users if u.id is not None]


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
    group = get_group(session, group_id)
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
    role = get_role(session, role_id)
    _refuse_if_referenced(session, f"Role {role_id}", "has_role", roles_referencing, role_id)
    _delete(session, role, affected=repo.role_holders(session, role_id))
