"""What this SCIM service supports, built once per application from `ScimSettings`.

Requests are read with scim2-models' full standard models (so an identity provider that sends
attributes we do not keep, such as `locale`, is not refused), while /Schemas publishes only the
attributes that are stored and returned. Compliance checkers and careful clients read /Schemas,
so it must be exact: every attribute it lists round-trips.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Patch,
    Path,
    Required,
    ResourceType,
    Schema,
    SchemaExtension,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
    User,
)

from app.scim.config import ScimSettings

ScimUser = User[EnterpriseUser]
ScimGroupResource = Group

USER_SCHEMA = str(User.__schema__)
ENTERPRISE_SCHEMA = str(EnterpriseUser.__schema__)
GROUP_SCHEMA = str(Group.__schema__)

# Entra ID removes group members by listing them in the value of a `remove` and adds a work
# email through `emails[type eq "work"].value` when none exists yet; both are common enough
# that refusing them would break the most used identity provider.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.forbid,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

# attribute -> kept sub-attributes (None: a simple attribute)
_USER_ATTRIBUTES: dict[str, set[str] | None] = {
    "userName": None,
    # Only what is stored: a computed `formatted`, an always-true `primary` or a member's
    # `display` would come back different from what a client wrote.
    "name": {"givenName", "familyName"},
    "displayName": None,
    "title": None,
    "active": None,
    "emails": {"value", "type"},
    "phoneNumbers": {"value", "type"},
    "addresses": {"country", "type"},
    "groups": {"value", "$ref", "display", "type"},
}
_ENTERPRISE_ATTRIBUTES: dict[str, set[str] | None] = {
    "employeeNumber": None,
    "department": None,
    "organization": None,
    "manager": {"value", "$ref"},
}
_GROUP_ATTRIBUTES: dict[str, set[str] | None] = {
    "displayName": None,
    "members": {"value", "$ref", "type"},
}
# We keep one value of each of these, of type "work": announcing other types would promise
# values we drop.
_ONLY_WORK = {"emails.type", "phoneNumbers.type", "addresses.type"}


@dataclass(frozen=True)
class CustomAttribute:
    path: Path[Any]
    name: str


@dataclass(frozen=True)
class Catalog:
    settings: ScimSettings
    custom: tuple[CustomAttribute, ...]
    schemas: tuple[Schema, ...]
    resource_types: tuple[ResourceType, ...]
    config: ServiceProviderConfig

    def schema(self, schema_id: str) -> Schema | None:
        return next((s for s in self.schemas if str(s.id).lower() == schema_id.lower()), None)

    def resource_type(self, name: str) -> ResourceType | None:
        return next((r for r in self.resource_types if str(r.id).lower() == name.lower()), None)


def build_catalog(settings: ScimSettings) -> Catalog:
    custom = tuple(_custom_attribute(p, n) for p, n in settings.custom_attributes.items())
    user_keep = {k: (set(v) if v else None) for k, v in _USER_ATTRIBUTES.items()}
    ent_keep = dict(_ENTERPRISE_ATTRIBUTES)
    for attr in custom:
        binding = attr.path.resolve()
        assert binding is not None
        keep = ent_keep if binding.urn.lower().startswith(ENTERPRISE_SCHEMA.lower()) else user_keep
        top, _, sub = _attribute_name(binding.urn).partition(".")
        if sub:
            current = keep.setdefault(top, set())
            assert current is not None
            current.add(sub)
        else:
            keep[top] = None
    schemas = (
        _trimmed(User.to_schema(), user_keep),
        _trimmed(EnterpriseUser.to_schema(), ent_keep),
        _trimmed(Group.to_schema(), _GROUP_ATTRIBUTES),
    )
    return Catalog(settings, custom, schemas, _resource_types(), _config(settings))


def _attribute_name(urn: str) -> str:
    # "urn:...:User:name.givenName" -> "name.givenName"
    return urn.rsplit(":", 1)[-1]


def _custom_attribute(path_text: str, name: str) -> CustomAttribute:
    try:
        path = Path[ScimUser](path_text)
        binding = path.resolve()
    except Exception as exc:
        raise ValueError(f"SCIM_CUSTOM_ATTRIBUTES: {path_text!r} is not a path: {exc}") from exc
    if binding is None or binding.is_multivalued or binding.target_is_multivalued:
        raise ValueError(
            f"SCIM_CUSTOM_ATTRIBUTES: {path_text!r} must name one single-valued attribute of the "
            "core User schema or the enterprise extension"
        )
    kind = binding.sub_field_type if binding.sub_field_name else binding.field_type
    if kind is not str:
        raise ValueError(f"SCIM_CUSTOM_ATTRIBUTES: {path_text!r} is not a string attribute")
    top, _, sub = _attribute_name(binding.urn).partition(".")
    defaults = _USER_ATTRIBUTES | _ENTERPRISE_ATTRIBUTES
    if top in defaults and (not sub or sub in (defaults[top] or ())):
        raise ValueError(f"SCIM_CUSTOM_ATTRIBUTES: {path_text!r} is already mapped by default")
    return CustomAttribute(path, name)


def _trimmed(schema: Schema, keep: dict[str, set[str] | None]) -> Schema:
    attributes = []
    for attr in schema.attributes or []:
        if attr.name not in keep:
            continue
        subs = keep[attr.name]
        update: dict[str, Any] = {}
        if subs is not None:
            update["sub_attributes"] = [
                _adjusted(attr.name, s) for s in attr.sub_attributes or [] if s.name in subs
            ]
        if attr.name == "emails":
            # Our directory needs an email for every user.
            update["required"] = Required.true
        attributes.append(attr.model_copy(update=update))
    return schema.model_copy(update={"attributes": attributes})


def _adjusted(parent: str | None, sub: Any) -> Any:
    path = f"{parent}.{sub.name}"
    if path == "emails.value":
        return sub.model_copy(update={"required": Required.true})
    if path in _ONLY_WORK:
        return sub.model_copy(update={"canonical_values": ["work"]})
    if path == "members.type":
        return sub.model_copy(update={"canonical_values": ["User"]})
    if path == "members.$ref":
        # Groups hold users only; nested groups have no place in `member_of`.
        return sub.model_copy(update={"reference_types": ["User"]})
    return sub


def _resource_types() -> tuple[ResourceType, ...]:
    user = ResourceType.from_resource(ScimUser)
    user = user.model_copy(
        update={
            "schema_extensions": [SchemaExtension(schema_=URN(ENTERPRISE_SCHEMA), required=False)]
        }
    )
    return user, ResourceType.from_resource(Group)


def _config(settings: ScimSettings) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=settings.max_results),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A token with the `scim` scope: `provisioner token create "
                "--scope scim`, sent as `Authorization: Bearer <token>`.",
                primary=True,
            )
        ],
    )
