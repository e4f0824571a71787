"""Users, groups and roles: the rules around them (uniqueness, references, manual roles).

Functions take an open session and never commit; the caller at the edge owns the transaction.
Every change that can alter what a user is entitled to ends in `recompute.users_changed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from app import recompute
from app.directory import repository as directory_repo
from app.directory.repository import has_mapped_role
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
from app.models import Group, Role, RoleApp, User, UserRole, utcnow
from app.provisioning.rules.service import rules_referencing

MANUAL = "manual"
MAPPING = "mapping"


# --- users ----------------------------------------------------------------------------------


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound(f"User {user_id} does not exist.")
    return user


def _check_unique(
    session: Session, username: str | None, email: str | None, exclude: int | None
) -> None:
    for column, value, label in (
        (User.username_lower, username, "username"),
        (User.email_lower, email, "email"),
    ):
        if value is None:
            continue
        stmt = select(User.id).where(column == value.lower())
        if exclude is not None:
            stmt = stmt.where(User.id != exclude)
        if session.exec(stmt).first() is not None:
            raise Conflict(f"Another user already has the {label} {value!r}.")


def _check_group(session: Session, group_id: int | None, field: str = "group_id") -> None:
    if group_id is not None and session.get(Group, group_id) is None:
        raise field_error(field, f"Group {group_id} does not exist.", "not_found")


def _check_roles(session: Session, role_ids: Iterable[int], field: str = "role_ids") -> list[int]:
    wanted = sorted(set(role_ids))
    if not wanted:
        return []
    found = set(session.exec(select(Role.id).where(col(Role.id).in_(wanted))).all())
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
        status=data.status or "active",
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
    recompute.users_changed(session, [user.id])
    return user


def update_user(session: Session, user_id: int, data: UserUpdate) -> User:
    user = get_user(session, user_id)
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
    recompute.users_changed(session, [user_id])
    return user


def delete_user(session: Session, user_id: int) -> None:
    user = get_user(session, user_id)
    recompute.user_deleting(session, user)


def user_roles(session: Session, users: Sequence[User]) -> dict[int, list[RoleGrant]]:
    """Effective roles per user: manual ones, then mapping-granted ones, each with its source."""
    ids = [u.id for u in users if u.id is not None]
    manual: dict[int, list[int]] = {uid: [] for uid in ids}
    if ids:
        for link in session.exec(
            select(UserRole).where(col(UserRole.user_id).in_(ids)).order_by(col(UserRole.role_id))
        ).all():
            manual[link.user_id].append(link.role_id)
    role_ids = {r for rs in manual.values() for r in rs}
    for u in users:
        role_ids.update(int(k) for k in (u.mapped_roles or {}))
    names = (
        dict(session.exec(select(Role.id, Role.name).where(col(Role.id).in_(role_ids))).all())
        if role_ids
        else {}
    )
    out: dict[int, list[RoleGrant]] = {}
    for u in users:
        if u.id is None:
            continue
        grants = [RoleGrant(id=r, name=names[r], source=MANUAL) for r in manual[u.id] if r in names]
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


def user_list_query(
    *,
    email: str | None,
    username: str | None,
    role_id: int | None,
    group_id: int | None,
    status: str | None,
    updated_since: datetime | None,
    q: str | None,
) -> Any:
    stmt = select(User).where(col(User.deleted_at).is_(None))
    if email:
        stmt = stmt.where(User.email_lower == email.lower())
    if username:
        stmt = stmt.where(User.username_lower == username.lower())
    if status:
        stmt = stmt.where(User.status == status)
    if group_id is not None:
        stmt = stmt.where(
            or_(
                col(User.mapped_group_id) == group_id,
                (col(User.mapped_group_id).is_(None)) & (col(User.group_id) == group_id),
            )
        )
    if role_id is not None:
        stmt = stmt.where(
            or_(
                col(User.id).in_(select(UserRole.user_id).where(UserRole.role_id == role_id)),
                has_mapped_role(role_id),
            )
        )
    if updated_since is not None:
        stmt = stmt.where(User.updated_at >= updated_since)
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                col(User.username_lower).like(pattern),
                col(User.email_lower).like(pattern),
                func.lower(User.firstname).like(pattern),
                func.lower(User.lastname).like(pattern),
                func.lower(User.display_name).like(pattern),
            )
        )
    return stmt


def set_manual_roles(
    session: Session, user_id: int, role_ids: Iterable[int], *, replace: bool
) -> None:
    get_user(session, user_id)
    wanted = _check_roles(session, role_ids)
    current = set(session.exec(select(UserRole.role_id).where(UserRole.user_id == user_id)).all())
    if replace:
        stale = current - set(wanted)
        if stale:
            session.execute(
                delete(UserRole).where(
                    UserRole.user_id == user_id,  # type: ignore[arg-type]
                    col(UserRole.role_id).in_(stale),
                )
            )
    for role_id in wanted:
        if role_id not in current:
            session.add(UserRole(user_id=user_id, role_id=role_id))
    _touch_and_recompute(session, user_id)


def remove_manual_role(session: Session, user_id: int, role_id: int) -> None:
    get_user(session, user_id)
    result = session.execute(
        delete(UserRole).where(
            UserRole.user_id == user_id,  # type: ignore[arg-type]
            UserRole.role_id == role_id,  # type: ignore[arg-type]
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"User {user_id} does not hold role {role_id} by hand.")
    _touch_and_recompute(session, user_id)


def _touch_and_recompute(session: Session, user_id: int) -> None:
    user = get_user(session, user_id)
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    recompute.users_changed(session, [user_id])


# --- groups ---------------------------------------------------------------------------------


def get_group(session: Session, group_id: int) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound(f"Group {group_id} does not exist.")
    return group


def _check_group_name(session: Session, name: str, exclude: int | None) -> None:
    stmt = select(Group.id).where(func.lower(Group.name) == name.lower())
    if exclude is not None:
        stmt = stmt.where(Group.id != exclude)
    if session.exec(stmt).first() is not None:
        raise Conflict(f"A group named {name!r} already exists.")


def create_group(session: Session, data: GroupCreate) -> Group:
    _check_group_name(session, data.name, None)
    group = Group(**data.model_dump())
    session.add(group)
    session.flush()
    return group


def update_group(session: Session, group_id: int, data: GroupUpdate) -> Group:
    group = get_group(session, group_id)
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, ("name",))
    if "name" in changes:
        _check_group_name(session, changes["name"], group_id)
    for key, value in changes.items():
        setattr(group, key, value)
    group.updated_at = utcnow()
    session.add(group)
    session.flush()
    return group


def delete_group(session: Session, group_id: int) -> None:
    group = get_group(session, group_id)
    if used := groups_referencing(session, group_id):
        raise Conflict(f"Group {group_id} is used by mappings {used}; change them first.")
    if used := rules_referencing(session, "group", group_id):
        raise Conflict(f"Group {group_id} is used by app rules {used}; change them first.")
    affected = list(
        session.exec(
            select(User.id).where(
                or_(col(User.group_id) == group_id, col(User.mapped_group_id) == group_id)
            )
        ).all()
    )
    session.delete(group)
    session.flush()
    recompute.users_changed(session, [u for u in affected if u is not None])


# --- roles ----------------------------------------------------------------------------------


def get_role(session: Session, role_id: int) -> Role:
    role = session.get(Role, role_id)
    if role is None:
        raise NotFound(f"Role {role_id} does not exist.")
    return role


def role_app_ids(session: Session, role_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {rid: [] for rid in role_ids}
    if role_ids:
        for link in session.exec(
            select(RoleApp).where(col(RoleApp.role_id).in_(role_ids)).order_by(col(RoleApp.app_id))
        ).all():
            out[link.role_id].append(link.app_id)
    return out


def role_read(role: Role, app_ids: list[int]) -> RoleRead:
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
    stmt = select(Role.id).where(func.lower(Role.name) == name.lower())
    if exclude is not None:
        stmt = stmt.where(Role.id != exclude)
    if session.exec(stmt).first() is not None:
        raise Conflict(f"A role named {name!r} already exists.")


def _set_role_apps(session: Session, role_id: int, app_ids: Iterable[int]) -> None:
    wanted = sorted(set(app_ids))
    # Roles may only name apps that exist.
    if missing := sorted(set(wanted) - directory_repo.existing_app_ids(session, wanted)):
        raise field_error("app_ids", f"Apps do not exist: {missing}.", "not_found")
    session.execute(delete(RoleApp).where(RoleApp.role_id == role_id))  # type: ignore[arg-type]
    for app_id in wanted:
        session.add(RoleApp(role_id=role_id, app_id=app_id))
    session.flush()


def create_role(session: Session, data: RoleCreate) -> Role:
    _check_role_name(session, data.name, None)
    role = Role(name=data.name, description=data.description)
    session.add(role)
    session.flush()
    assert role.id is not None
    _set_role_apps(session, role.id, data.app_ids)
    return role


def update_role(session: Session, role_id: int, data: RoleUpdate) -> Role:
    role = get_role(session, role_id)
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
        recompute.role_apps_changed(session, role_id)
    session.flush()
    return role


def delete_role(session: Session, role_id: int) -> None:
    role = get_role(session, role_id)
    if used := roles_referencing(session, role_id):
        raise Conflict(f"Role {role_id} is used by mappings {used}; change them first.")
    if used := rules_referencing(session, "has_role", role_id):
        raise Conflict(f"Role {role_id} is used by app rules {used}; change them first.")
    holders = set(session.exec(select(UserRole.user_id).where(UserRole.role_id == role_id)).all())
    holders.update(
        i for i in session.exec(select(User.id).where(has_mapped_role(role_id))).all() if i
    )
    session.delete(role)
    session.flush()
    recompute.users_changed(session, sorted(holders))
