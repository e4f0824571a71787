"""The mapping between SCIM resources and our directory, both ways, as pure functions.

Default user mapping (documented in /Schemas by what it publishes):

| SCIM                                             | directory                            |
| ------------------------------------------------ | ------------------------------------ |
| userName                                         | username                             |
| emails (primary, else type work, else the first) | email (userName if it is an email    |
|                                                  | address and no email was sent)       |
| name.givenName / name.familyName                 | firstname / lastname                 |
| displayName                                      | display_name                         |
| title                                            | title                                |
| phoneNumbers[type eq "work"] (else the first)    | phone                                |
| addresses[type eq "work"].country (else first)   | country                              |
| enterprise department / organization             | department / company                 |
| enterprise employeeNumber / manager.value        | custom_attributes.employee_number /  |
|                                                  | custom_attributes.manager            |
| active                                           | status (false -> suspended)          |
| externalId                                       | external_id                          |
| groups (read-only)                               | member_of, for names of SCIM groups  |

`SCIM_CUSTOM_ATTRIBUTES` adds SCIM attribute -> custom attribute pairs (see `ScimSettings`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scim2_models import (
    Address,
    Context,
    Email,
    EnterpriseUser,
    GroupMember,
    GroupMembership,
    InvalidValueException,
    Manager,
    Meta,
    Name,
    PhoneNumber,
)
from scim2_models import Group as GroupResource

from app.api.ids import parse_id
from app.models import ScimGroup, User, UserStatus
from app.scim.catalog import Catalog, ScimUser

EMPLOYEE_NUMBER = "employee_number"
MANAGER = "manager"
WORK = "work"


@dataclass(frozen=True)
class UserFields:
    """What a SCIM user says about a directory user, in the directory's terms."""

    username: str
    email: str
    values: dict[str, str | None]
    # None leaves the status as it is: a replace that omits `active` must not reactivate.
    status: UserStatus | None
    # Custom attributes SCIM owns; None removes the attribute.
    custom: dict[str, str | None] = field(default_factory=dict)
    external_id: str | None = None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _pick(items: Sequence[Any] | None, *, primary_first: bool) -> Any | None:
    """The value we keep of a multi-valued attribute: primary, else type work, else the first."""
    items = list(items or [])
    if not items:
        return None
    if primary_first:
        for item in items:
            if getattr(item, "primary", None):
                return item
    for item in items:
        if str(getattr(item, "type", "") or "").lower() == WORK:
            return item
    return items[0]


def user_fields(resource: ScimUser, catalog: Catalog) -> UserFields:
    username = _text(resource.user_name)
    if username is None:
        raise InvalidValueException(detail="userName is required.")
    email_item = _pick(resource.emails, primary_first=True)
    email = _text(email_item.value) if email_item else None
    if email is None and "@" in username:
        email = username
    if email is None:
        raise InvalidValueException(
            detail="A user needs an email: send `emails` (or a userName that is an address)."
        )
    name = resource.name
    phone = _pick(resource.phone_numbers, primary_first=False)
    address = _pick(resource.addresses, primary_first=False)
    ent = resource[EnterpriseUser] or EnterpriseUser()
    manager = ent.manager.value if ent.manager else None
    custom: dict[str, str | None] = {
        EMPLOYEE_NUMBER: _text(ent.employee_number),
        MANAGER: _text(manager),
    }
    for extra in catalog.custom:
        custom[extra.name] = _text(extra.path.get(resource))
    return UserFields(
        username=username,
        email=email,
        values={
            "firstname": _text(name.given_name) if name else None,
            "lastname": _text(name.family_name) if name else None,
            "display_name": _text(resource.display_name),
            "title": _text(resource.title),
            "phone": _text(phone.value) if phone else None,
            "country": _text(address.country) if address else None,
            "department": _text(ent.department),
            "company": _text(ent.organization),
        },
        status=None
        if resource.active is None
        else (UserStatus.active if resource.active else UserStatus.suspended),
        custom=custom,
        external_id=_text(resource.external_id),
    )


def user_resource(
    row: User, groups: Sequence[ScimGroup], catalog: Catalog, base_url: str
) -> ScimUser:
    custom = row.custom_attributes or {}
    resource = ScimUser(
        id=str(row.id),
        external_id=row.external_id,
        user_name=row.username,
        name=Name(given_name=row.firstname, family_name=row.lastname)
        if row.firstname or row.lastname
        else None,
        display_name=row.display_name,
        title=row.title,
        active=row.status != UserStatus.suspended,
        emails=[Email(value=row.email, type=WORK)],
        phone_numbers=[PhoneNumber(value=row.phone, type=WORK)] if row.phone else None,
        addresses=[Address(country=row.country, type=WORK)] if row.country else None,
        groups=[
            GroupMembership(
                value=g.id, ref=f"{base_url}/Groups/{g.id}", display=g.display_name, type="direct"
            )
            for g in groups
        ]
        or None,
    )
    ent = EnterpriseUser(
        employee_number=custom.get(EMPLOYEE_NUMBER),
        department=row.department,
        organization=row.company,
        manager=Manager(value=custom[MANAGER], ref=f"{base_url}/Users/{custom[MANAGER]}")
        if custom.get(MANAGER)
        else None,
    )
    resource[EnterpriseUser] = ent
    for extra in catalog.custom:
        if custom.get(extra.name) is not None:
            extra.path.set(resource, custom[extra.name])
    if not ent.model_dump(scim_ctx=Context.DEFAULT, exclude={"schemas"}, exclude_none=True):
        resource[EnterpriseUser] = None
    resource.meta = _meta("User", row, f"{base_url}/Users/{row.id}", etag(resource))
    return resource


def group_resource(row: ScimGroup, members: Sequence[int], base_url: str) -> GroupResource:
    resource = GroupResource(
        id=row.id,
        external_id=row.external_id,
        display_name=row.display_name,
        members=[
            GroupMember(value=str(uid), ref=f"{base_url}/Users/{uid}", type="User")
            for uid in members
        ]
        or None,
    )
    resource.meta = _meta("Group", row, f"{base_url}/Groups/{row.id}", etag(resource))
    return resource


def member_ids(resource: GroupResource) -> list[int]:
    """User ids a group resource names as members; anything else is refused."""
    out: list[int] = []
    for member in resource.members or []:
        if member.type is not None and str(member.type) != "User":
            raise InvalidValueException(
                detail="Groups hold users only: nested groups have no place in member_of."
            )
        value = member.value or (
            str(member.ref).rstrip("/").rsplit("/", 1)[-1] if member.ref else None
        )
        user_id = parse_id(value)
        if user_id is None:
            raise InvalidValueException(detail=f"{value!r} is not the id of a user.")
        out.append(user_id)
    return list(dict.fromkeys(out))


def etag(resource: Any) -> str:
    """A weak ETag over the representation itself.

    Hashing what we serve, rather than keeping a counter, makes the version change exactly when
    the resource does, whoever changed the user (the API, a mapping, an import), with no column
    every writer would have to remember to bump.
    """
    body = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, exclude={"meta"})
    digest = hashlib.blake2b(
        json.dumps(body, sort_keys=True, default=str).encode(), digest_size=12
    ).hexdigest()
    return f'W/"{digest}"'


def _meta(kind: str, row: User | ScimGroup, location: str, version: str) -> Meta:
    return Meta(
        resource_type=kind,
        created=row.created_at,
        last_modified=row.updated_at,
        location=location,
        version=version,
    )
