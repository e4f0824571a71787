"""What this SCIM service supports, built once per application from `ScimSettings`.

/Schemas publishes only the attributes that are stored and returned. Compliance checkers and
careful clients read /Schemas, so it must be exact: every attribute it lists round-trips, and
every attribute it leaves out is refused (`Catalog.unsupported`, a 400 invalidValue naming the
attributes) rather than accepted and dropped. That covers standard attributes we do not keep
(`preferredLanguage`, `locale`, `name.formatted`, address lines, `costCenter`...), values of
another type than `work` (a `home` email, a `mobile` phone) and a second value of an attribute
we keep one of. An identity provider that sends one of them needs its attribute mapping
changed, or the attribute mapped to a custom attribute with `SCIM_CUSTOM_ATTRIBUTES`.
Requests are parsed with scim2-models' full standard models first, so the refusal can name
what is not supported instead of failing as an unknown attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
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

    def unsupported(self, resource: ScimUser) -> list[str]:
        """The attributes of `resource` that /Schemas does not publish (so nothing stores)."""
        data = resource.model_dump(scim_ctx=Context.RESOURCE_CREATION_REQUEST, exclude_none=True)
        core, enterprise = self.schemas[0], self.schemas[1]
        out: list[str] = []
        for key, value in data.items():
            if key.lower() in _NOT_ATTRIBUTES:
                continue
            if key.lower() == ENTERPRISE_SCHEMA.lower() and isinstance(value, dict):
                for name, sub in value.items():
                    if name.lower() != "schemas":
                        out += _unsupported(enterprise, name, sub, f"{ENTERPRISE_SCHEMA}:")
            else:
                out += _unsupported(core, key, value, "")
        return out


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


# Keys of a resource that are not attributes a client sets (or that another part handles).
_NOT_ATTRIBUTES = {"schemas", "id", "externalid", "meta", "groups"}


def _unsupported(schema: Schema, name: str, value: Any, prefix: str) -> list[str]:
    attr = next((a for a in schema.attributes or [] if str(a.name).lower() == name.lower()), None)
    if attr is None:
        return [prefix + name]
    if not attr.sub_attributes:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    if attr.multi_valued and len(items) > 1:
        out.append(f"{prefix}{name} (more than one value: this service keeps one)")
    subs = {str(s.name).lower(): s for s in attr.sub_attributes}
    for item in items:
        if not isinstance(item, dict):
            continue
        for key, sub_value in item.items():
            sub = subs.get(key.lower())
            if sub is None:
                # `primary` marks the one value kept, which is primary by definition.
                if not (attr.multi_valued and key.lower() == "primary"):
                    out.append(f"{prefix}{name}.{key}")
            elif sub.canonical_values and str(sub_value).lower() not in {
                str(c).lower() for c in sub.canonical_values
            }:
                out.append(f'{prefix}{name}[{key} eq "{sub_value}"]')
    return list(dict.fromkeys(out))


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
