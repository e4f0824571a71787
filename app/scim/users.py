"""SCIM Users over directory users. Every write goes through `app.directory.service`; every
query is in `repository`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scim2_models import Context, InvalidValueException, NotFoundException, PatchOp
from sqlmodel import Session

from app.api.ids import parse_id
from app.directory import service as directory
from app.directory.schemas import UserCreate, UserUpdate
from app.models import User, UserStatus
from app.scim import compat
from app.scim import repository as repo
from app.scim.catalog import POLICY, Catalog, ScimUser
from app.scim.filters import user_filter
from app.scim.protocol import ListQuery
from app.scim.resources import MANAGER, UserFields, user_fields, user_resource


def get_row(session: Session, user_id: str, *, lock: bool = False) -> User:
    row = None
    if (key := parse_id(user_id)) is not None:
        row = repo.get_user(session, key, lock=lock)
    if row is None or row.deleted_at is not None:
        raise NotFoundException(detail=f"User {user_id} does not exist.")
    return row


def render(session: Session, catalog: Catalog, rows: Sequence[User], base: str) -> list[ScimUser]:
    groups = repo.groups_named(session, {n for r in rows for n in r.member_of or []})
    return [
        user_resource(r, [groups[n] for n in r.member_of or [] if n in groups], catalog, base)
        for r in rows
    ]


def render_one(session: Session, catalog: Catalog, row: User, base: str) -> ScimUser:
    return render(session, catalog, [row], base)[0]


def search(session: Session, query: ListQuery) -> tuple[int, list[User]]:
    condition = user_filter(query.filter) if query.filter else None
    return repo.search_users(session, condition, query.start_index - 1, query.count)


def parse(body: dict[str, Any], context: Context, base: str) -> ScimUser:
    return ScimUser.model_validate(
        compat.user_body(body, base), scim_ctx=context, scim_policy=POLICY
    )


def refuse_unsupported(catalog: Catalog, resource: ScimUser) -> None:
    """400 for attributes /Schemas does not publish: nothing would store them."""
    unsupported = catalog.unsupported(resource)
    if unsupported:
        raise InvalidValueException(
            detail="Not supported by this service (see /Schemas): "
            + ", ".join(unsupported)
            + ". Remove them from the identity provider's attribute mappings, or map them to "
            "custom attributes with SCIM_CUSTOM_ATTRIBUTES."
        )


def create(session: Session, catalog: Catalog, resource: ScimUser) -> User:
    refuse_unsupported(catalog, resource)
    fields = user_fields(resource, catalog)
    data = UserCreate(
        username=fields.username,
        email=fields.email,
        status=fields.status or UserStatus.active,
        custom_attributes={k: v for k, v in fields.custom.items() if v is not None},
        **fields.values,
    )
    row = directory.create_user(session, data)
    _set_external_id(session, row, fields.external_id)
    return row


def replace(session: Session, catalog: Catalog, row: User, resource: ScimUser) -> User:
    refuse_unsupported(catalog, resource)
    return _apply(session, row, user_fields(resource, catalog))


def patch(
    session: Session,
    catalog: Catalog,
    row: User,
    current: ScimUser,
    body: dict[str, Any],
    base: str,
) -> User:
    manager = (row.custom_attributes or {}).get(MANAGER)
    asked = bool(body.get("Operations"))
    prepared = compat.patch_body(body, base, manager)
    if asked and prepared.get("Operations") == []:
        return row  # only removals of a manager the user does not have: nothing to do
    operations = PatchOp[ScimUser].model_validate(
        prepared,
        scim_ctx=Context.RESOURCE_PATCH_REQUEST,
        scim_policy=POLICY,
    )
    operations.patch(current, scim_policy=POLICY)
    refuse_unsupported(catalog, current)
    return _apply(session, row, user_fields(current, catalog))


def delete(session: Session, row: User) -> None:
    assert row.id is not None
    directory.delete_user(session, row.id)


def _apply(session: Session, row: User, fields: UserFields) -> User:
    """Send only what changed to the directory, so an unchanged PUT changes nothing."""
    assert row.id is not None
    changes: dict[str, Any] = {}
    if fields.username != row.username:
        changes["username"] = fields.username
    if fields.email != row.email:
        changes["email"] = fields.email
    for key, value in fields.values.items():
        if getattr(row, key) != value:
            changes[key] = value
    if fields.status is not None and fields.status != row.status:
        changes["status"] = fields.status
    own = row.custom_attributes or {}
    custom = {k: v for k, v in fields.custom.items() if own.get(k) != v}
    if custom:
        changes["custom_attributes"] = custom
    if changes:
        row = directory.update_user(session, row.id, UserUpdate(**changes))
    _set_external_id(session, row, fields.external_id)
    return row


def _set_external_id(session: Session, row: User, external_id: str | None) -> None:
    # SCIM-only bookkeeping: no mapping reads it, so it needs no re-evaluation.
    if row.external_id != external_id:
        row.external_id = external_id
        session.add(row)
        session.flush()
