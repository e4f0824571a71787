"""SCIM Groups as the external directory groups that users' `member_of` lists name.

A group row holds only its stable id, name and externalId; membership lives in `member_of`, so
changing it is a user update through the directory service, and mappings such as
`member_of contains "Office 365"` see it at once. Every query is in `repository`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import uuid4

from scim2_models import (
    Context,
    InvalidValueException,
    NotFoundException,
    PatchOp,
    UniquenessException,
)
from scim2_models import Group as GroupResource
from sqlmodel import Session

from app.audit import service as audit
from app.directory import service as directory
from app.directory.schemas import UserUpdate
from app.inputs import hidden_character, normalized
from app.models import ScimGroup, utcnow
from app.scim import compat
from app.scim import repository as repo
from app.scim.catalog import POLICY
from app.scim.filters import group_filter
from app.scim.protocol import ListQuery
from app.scim.resources import group_resource, member_ids


def get_row(session: Session, group_id: str, *, lock: bool = False) -> ScimGroup:
    row = repo.get_group(session, group_id, lock=lock)
    if row is None:
        raise NotFoundException(detail=f"Group {group_id} does not exist.")
    return row


def render(session: Session, rows: Sequence[ScimGroup], base: str) -> list[GroupResource]:
    members = repo.members_by_group(session, [r.id for r in rows])
    return [group_resource(r, members[r.id], base) for r in rows]


def render_one(session: Session, row: ScimGroup, base: str) -> GroupResource:
    return render(session, [row], base)[0]


def search(session: Session, query: ListQuery) -> tuple[int, list[ScimGroup]]:
    condition = group_filter(query.filter, repo.is_postgres(session)) if query.filter else None
    return repo.search_groups(session, condition, query.start_index - 1, query.count)


def parse(body: dict[str, Any], context: Context) -> GroupResource:
    return GroupResource.model_validate(body, scim_ctx=context, scim_policy=POLICY)


def create(session: Session, resource: GroupResource) -> ScimGroup:
    name = _name(resource)
    _check_unique(session, name, None)
    row = ScimGroup(
        id=str(uuid4()),
        display_name=name,
        display_name_lower=name.lower(),
        external_id=resource.external_id,
    )
    session.add(row)
    session.flush()
    # Only add on create: users whose member_of already names the group (an import, an earlier
    # directory) stay members. Entra ID creates a group empty and adds members afterwards;
    # stripping them in between would deprovision and reprovision those people.
    _set_members(session, name, member_ids(resource), only_add=True)
    audit.record(session, "scim_group.created", row, extra=_members(session, name))
    return row


def replace(session: Session, row: ScimGroup, resource: GroupResource) -> ScimGroup:
    name = _name(resource)
    wanted = member_ids(resource)
    before = audit.snapshot(row, **_members(session, row.display_name))
    if name != row.display_name:
        _check_unique(session, name, row.id)
        _rename(session, row.display_name, name)
        row.display_name, row.display_name_lower = name, name.lower()
    row.external_id = resource.external_id
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    _set_members(session, name, wanted)
    audit.record(session, "scim_group.updated", row, before, extra=_members(session, name))
    return row


def patch(
    session: Session, row: ScimGroup, current: GroupResource, body: dict[str, Any]
) -> ScimGroup:
    operations = PatchOp[GroupResource].model_validate(
        compat.group_patch_body(body), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    operations.patch(current, scim_policy=POLICY)
    return replace(session, row, current)


def delete(session: Session, row: ScimGroup) -> None:
    members = _members(session, row.display_name)
    _set_members(session, row.display_name, [])
    audit.record(session, "scim_group.deleted", row, extra=members)
    session.delete(row)
    session.flush()


def _members(session: Session, name: str) -> dict[str, Any]:
    """The group's members for its audit entries, by id and username: membership changes are
    recorded on the group (who was added or removed, by which SCIM token) as well as on each
    user whose `member_of` they change."""
    users = repo.users_in_group(session, name)
    return {"members": [{"id": u.id, "username": u.username} for u in users]}


def _name(resource: GroupResource) -> str:
    name = normalized((resource.display_name or "").strip())
    if not name or len(name) > 256:
        raise InvalidValueException(detail="displayName is required (1 to 256 characters).")
    char = hidden_character(name)
    if char is not None:
        raise InvalidValueException(
            detail=f"displayName contains {char}, a control, zero-width or bidirectional character."
        )
    return name


def _check_unique(session: Session, name: str, exclude: str | None) -> None:
    if repo.group_name_taken(session, name, exclude):
        raise UniquenessException(detail=f"A group named {name!r} already exists.")


def _set_members(
    session: Session, name: str, wanted: Iterable[int], *, only_add: bool = False
) -> None:
    current = {u.id: u for u in repo.users_in_group(session, name) if u.id is not None}
    wanted_ids = set(wanted)
    if only_add:
        wanted_ids |= set(current)
    added = wanted_ids - set(current)
    users = repo.live_users_by_id(session, added)
    missing = sorted(added - {u.id for u in users})
    if missing:
        raise InvalidValueException(detail=f"These members are not users here: {missing}.")
    removed = set(current) - wanted_ids
    # In id order, so two transactions changing the same users lock them in the same order.
    for user_id in sorted({u.id for u in users if u.id is not None} | removed):
        if user_id in removed:
            _change_member_of(session, user_id, lambda names: [n for n in names if n != name])
        else:
            _change_member_of(
                session, user_id, lambda names: names if name in names else [*names, name]
            )


def _rename(session: Session, old: str, new: str) -> None:
    for user in repo.users_in_group(session, old):
        assert user.id is not None
        _change_member_of(session, user.id, lambda names: [new if n == old else n for n in names])


def _change_member_of(
    session: Session, user_id: int, change: Callable[[list[str]], list[str]]
) -> None:
    """Lock the user (`SELECT ... FOR UPDATE`, reloaded) and apply `change` to the groups it
    holds now: parallel PATCHes of different groups naming one user each keep the others'."""
    user = repo.get_user(session, user_id, lock=True)
    assert user is not None
    member_of = change(list(user.member_of or []))
    if member_of != (user.member_of or []):
        directory.update_user(session, user_id, UserUpdate(member_of=member_of))
