"""API shapes for users, groups and roles (Create / Update / Read families)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

from app.api.ids import Id
from app.errors import Problem
from app.evaluation.facts import USER_FIELD_SET
from app.inputs import NFKC, IdentifierEmail, Input, Patch, lowercase_fits
from app.models import UserStatus

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NFKC]
# The column lengths of `username_lower` and `email_lower` (app/models.py).
USERNAME_MAX = 256
EMAIL_MAX = 320
Username = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=USERNAME_MAX),
    NFKC,
    lowercase_fits(USERNAME_MAX),
]
Email = Annotated[IdentifierEmail, lowercase_fits(EMAIL_MAX)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=400)]
Description = Annotated[str, StringConstraints(max_length=1000)]

MAX_CUSTOM_ATTRIBUTES = 100
MAX_CUSTOM_VALUE = 2048
AttrName = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
]
AttrValue = Annotated[str, StringConstraints(max_length=MAX_CUSTOM_VALUE)]
CUSTOM_ATTRIBUTES_DOC = (
    f"At most {MAX_CUSTOM_ATTRIBUTES} attributes; a name is 1-64 characters, a letter or `_` "
    "then letters, digits, `_`, `.` or `-`; a value is at most "
    f"{MAX_CUSTOM_VALUE} characters."
)


class UserBase(Input):
    firstname: Text | None = None
    lastname: Text | None = None
    # Stripped: a display name of spaces only is none, and the derived one is used (Graph
    # requires a displayName on every user, and refuses one that is blank).
    display_name: DisplayName | None = None
    distinguished_name: Annotated[str, StringConstraints(max_length=1000)] | None = None
    member_of: list[Annotated[str, StringConstraints(min_length=1, max_length=256)]] | None = None
    department: Text | None = None
    title: Text | None = None
    company: Text | None = None
    phone: Annotated[str, StringConstraints(max_length=64)] | None = None
    country: Annotated[str, StringConstraints(max_length=100)] | None = None
    status: UserStatus | None = None
    group_id: Id | None = None

    @field_validator("member_of")
    @classmethod
    def _dedupe(cls, v: list[str] | None) -> list[str] | None:
        return list(dict.fromkeys(v)) if v is not None else None


class UserCreate(UserBase):
    username: Username
    email: Email
    custom_attributes: dict[AttrName, AttrValue] = Field(
        default_factory=dict, max_length=MAX_CUSTOM_ATTRIBUTES, description=CUSTOM_ATTRIBUTES_DOC
    )
    role_ids: list[Id] = Field(default_factory=list, description="Roles given by hand")


MAX_BULK_USERS = 1000


class BulkMode(StrEnum):
    all_or_nothing = "all_or_nothing"
    per_item = "per_item"


class UserBulkCreate(BaseModel):
    """Many users in one request. Each item is a `UserCreate`, validated on its own so that
    in `per_item` mode one bad item does not refuse the others (hence not `Input`, whose
    checks would refuse the whole request)."""

    model_config = ConfigDict(extra="forbid")

    mode: BulkMode = Field(
        default=BulkMode.all_or_nothing,
        description="`all_or_nothing`: one transaction; if any item is refused, nothing is "
        "created and the answer is a 422 naming each refused item. `per_item`: every valid "
        "item is created; each item's result says what became of it.",
    )
    # Any JSON value, declared as a `UserCreate`: an item that is not even an object (`1`,
    # `null`) is refused on its own too, not with the whole request.
    users: list[Annotated[Any, WithJsonSchema({"$ref": "#/components/schemas/UserCreate"})]] = (
        Field(min_length=1, max_length=MAX_BULK_USERS, description="At most 1,000 users")
    )


class UserBulkItem(BaseModel):
    index: int = Field(description="Position of the item in `users`")
    status: int = Field(description="201 created, 409 a duplicate, 422 invalid")
    id: int | None = Field(default=None, description="The new user's id (when created)")
    problem: Problem | None = Field(default=None, description="Why it was refused")


class UserBulkResult(BaseModel):
    created: int
    refused: int
    items: list[UserBulkItem]


class UserUpdate(UserBase, Patch):
    # Every profile field can be cleared; who the person is (username, email) and whether
    # they are active cannot.
    nullable = (USER_FIELD_SET - {"username", "email", "status"}) | {"group_id"}

    username: Username | None = None
    email: Email | None = None
    custom_attributes: dict[AttrName, AttrValue | None] | None = Field(
        default=None,
        max_length=MAX_CUSTOM_ATTRIBUTES,
        description="Merged into the user's attributes; a null value removes that attribute. "
        + CUSTOM_ATTRIBUTES_DOC,
    )


class RoleGrant(BaseModel):
    id: int
    name: str
    source: Literal["manual", "mapping"]
    mapping_id: int | None = None


class SourceRef(BaseModel):
    id: int
    name: str


class UserRead(BaseModel):
    id: int
    username: str
    email: str
    firstname: str | None
    lastname: str | None
    display_name: str | None
    distinguished_name: str | None
    member_of: list[str]
    department: str | None
    title: str | None
    company: str | None
    phone: str | None
    country: str | None
    status: UserStatus
    custom_attributes: dict[str, str] = Field(description="Values set on the user itself")
    mapped_attributes: dict[str, str] = Field(description="Values set by mappings")
    effective_attributes: dict[str, str] = Field(description="Own values overlaid by mapped ones")
    group_id: int | None = Field(description="Group set by hand")
    mapped_group_id: int | None = Field(description="Group set by a mapping")
    effective_group_id: int | None
    manual_role_ids: list[int]
    roles: list[RoleGrant] = Field(description="Effective roles, each labelled with its source")
    source: SourceRef | None = Field(
        None,
        description="The directory source (LDAP, Active Directory) that owns this person: "
        "the fields it sets, `member_of`, `status` and `distinguished_name` cannot be changed "
        "here (409), nor can the person be deleted",
    )
    created_at: datetime
    updated_at: datetime


class RoleIds(Input):
    role_ids: list[Id]


class GroupCreate(Input):
    multiline = frozenset({"description"})

    name: Name
    description: Description | None = None


class GroupUpdate(Patch):
    multiline = frozenset({"description"})
    nullable = frozenset({"description"})

    name: Name | None = None
    description: Description | None = None


class GroupRead(BaseModel):
    id: int
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class RoleCreate(Input):
    multiline = frozenset({"description"})

    name: Name
    description: Description | None = None
    app_ids: list[Id] = Field(default_factory=list, description="Apps this role grants")


class RoleUpdate(Patch):
    multiline = frozenset({"description"})
    nullable = frozenset({"description"})

    name: Name | None = None
    description: Description | None = None
    app_ids: list[Id] | None = None


class RoleRead(BaseModel):
    id: int
    name: str
    description: str | None
    app_ids: list[int]
    created_at: datetime
    updated_at: datetime
