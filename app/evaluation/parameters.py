"""Parameters: how each attribute of an Entra ID user is computed from a directory user.

A parameter reads a ``field`` (a user field, ``custom_attributes.<name>`` or ``id``), holds a
``constant``, or renders a ``template`` (see ``templates``). Values are trimmed; a parameter
that yields nothing is omitted, and so is one with ``include=False`` (the admin's "include in
user provisioning" switch). A rule's ``set_parameter`` replaces the computed value of an
included parameter; overrides for names that are not included are ignored, so ``include``
alone decides which attributes the engine manages.

Default userPrincipalName is ``{email|local|upn_local}@{domain}``: the article's setup has users
share their directory and Microsoft 365 addresses on the app's domain, and taking only the local
part keeps the UPN on the provisioning domain even when the directory email is on another one;
``upn_local`` spells it the way Graph accepts (``josé.núñez`` -> ``jose.nunez``).

A user with no usageLocation of their own (the parameter renders nothing) gets the tenant's
``defaultUsageLocation`` when the caller knows it; with neither, the attribute is left out.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from app.evaluation.errors import ParameterError
from app.evaluation.facts import CUSTOM_PREFIX, UserFacts
from app.evaluation.templates import (
    Lookup,
    check_source,
    literal_parts,
    parse_template,
    render,
)
from app.graph import rules
from app.graph.rules import Violation

ParameterSource = Literal["field", "constant", "template"]
PARAMETER_SOURCES = ("field", "constant", "template")
LIST_ATTRIBUTES = frozenset({"businessPhones"})
"""Graph attributes that are collections: the computed string becomes a one-item list."""
DEFAULT_IMMUTABLE_ID_SOURCE = CUSTOM_PREFIX + "immutable_id"

_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# A fixed namespace so the same stable key always derives the same ImmutableID.
_IMMUTABLE_ID_NAMESPACE = uuid.UUID("6f1c7a4e-2b1d-5c3e-9a8f-0d4b2e7c9a11")


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    """The Graph attribute, e.g. ``userPrincipalName``."""
    source: ParameterSource
    value: str
    include: bool = True


def default_parameters(
    immutable_id_source: str = DEFAULT_IMMUTABLE_ID_SOURCE,
) -> tuple[Parameter, ...]:
    """The standard set; ``immutable_id_source`` is the app's ImmutableID attribute."""
    field: ParameterSource = "field"
    template: ParameterSource = "template"
    table: list[tuple[str, ParameterSource, str]] = [
        ("userPrincipalName", template, "{email|local|upn_local}@{domain}"),
        ("displayName", field, "display_name"),
        ("givenName", field, "firstname"),
        ("surname", field, "lastname"),
        ("mailNickname", template, "{email|local|alnum}"),
        ("mail", field, "email"),
        ("usageLocation", template, "{country|iso2}"),
        ("jobTitle", field, "title"),
        ("department", field, "department"),
        ("companyName", field, "company"),
        ("officeLocation", field, "custom_attributes.office_location"),
        ("city", field, "custom_attributes.city"),
        ("country", field, "country"),
        ("state", field, "custom_attributes.state"),
        ("postalCode", field, "custom_attributes.postal_code"),
        ("streetAddress", field, "custom_attributes.street_address"),
        ("mobilePhone", field, "custom_attributes.mobile_phone"),
        ("businessPhones", field, "phone"),
        ("employeeId", field, "custom_attributes.employee_id"),
        ("onPremisesImmutableId", field, immutable_id_source),
    ]
    return tuple(Parameter(name, source, value) for name, source, value in table)


DEFAULT_PARAMETERS = default_parameters()


# --- validation and compilation ------------------------------------------------------------

Compute = Callable[[Lookup], str | None]


@dataclass(frozen=True, slots=True)
class CompiledParameter:
    name: str
    include: bool
    compute: Compute


def compile_parameter(parameter: Parameter) -> CompiledParameter:
    """Validate and prepare one parameter; raises ``ParameterError``."""
    if not _ATTRIBUTE_NAME.match(parameter.name):
        raise ParameterError("name", f"{parameter.name!r} is not a valid attribute name")
    compute: Compute
    if parameter.source == "field":
        source = parameter.value.strip()
        check_source(source, "field")
        compute = lambda lookup: lookup(source)  # noqa: E731 - a one-line closure reads best
    elif parameter.source == "constant":
        constant = parameter.value
        compute = lambda lookup: constant  # noqa: E731
    elif parameter.source == "template":
        template = parse_template(parameter.value)
        compute = lambda lookup: render(template, lookup)  # noqa: E731
    else:
        raise ParameterError(
            "source",
            f"unknown source {parameter.source!r}; allowed: {', '.join(PARAMETER_SOURCES)}",
        )
    return CompiledParameter(parameter.name, parameter.include, compute)


def validate_parameter(parameter: Parameter) -> None:
    compile_parameter(parameter)


def validate_parameters(parameters: Sequence[Parameter]) -> None:
    """Validate each (``parameters[i].field``) and reject two parameters for one attribute."""
    seen: set[str] = set()
    for index, parameter in enumerate(parameters):
        try:
            compile_parameter(parameter)
        except ParameterError as exc:
            raise exc.within(f"parameters[{index}]") from None
        if parameter.name in seen:
            raise ParameterError(
                f"parameters[{index}].name", f"{parameter.name!r} is defined twice"
            )
        seen.add(parameter.name)


@lru_cache(maxsize=64)
def compile_parameters(parameters: tuple[Parameter, ...]) -> tuple[CompiledParameter, ...]:
    # Cached: an app's parameter list is the same for every user of a run.
    validate_parameters(parameters)
    return tuple(compile_parameter(p) for p in parameters)


# --- computing -----------------------------------------------------------------------------


def user_lookup(user: UserFacts, domain: str) -> Lookup:
    fields, custom = user.fields, user.custom_attributes
    user_id = str(user.id)

    def lookup(source: str) -> str | None:
        if source.startswith(CUSTOM_PREFIX):
            return custom.get(source[len(CUSTOM_PREFIX) :])
        if source == "id":
            return user_id
        if source == "domain":
            return domain
        return fields.get(source)

    return lookup


def compute_attributes(
    parameters: Iterable[Parameter],
    user: UserFacts,
    domain: str,
    overrides: Mapping[str, str] | None = None,
    *,
    default_usage_location: str | None = None,
) -> dict[str, Any]:
    """Graph attributes for ``user`` (pass the effective facts) on provisioning ``domain``.

    ``overrides`` are the rules' ``set_parameter`` values (``RuleOutcome.parameter_values()``).
    ``default_usage_location`` (the tenant's ``defaultUsageLocation``) fills an included
    usageLocation parameter that yields nothing for this user.
    """
    lookup = user_lookup(user, domain)
    overrides = overrides or {}
    attributes: dict[str, Any] = {}
    for p in compile_parameters(tuple(parameters)):
        if not p.include:
            continue
        value = overrides[p.name] if p.name in overrides else p.compute(lookup)
        value = value.strip() if value else None
        if not value and p.name == "usageLocation":
            value = default_usage_location
        if not value:
            continue
        attributes[p.name] = [value] if p.name in LIST_ATTRIBUTES else value
    return attributes


def derive_immutable_id(stable_key: int | str) -> str:
    """An ImmutableID for a user that has none: base64 of a GUID derived from ``stable_key``.

    Follows AD's objectGUID convention (the GUID's little-endian byte layout, base64-encoded),
    so it looks like what Azure AD Connect would have written. The GUID is a UUIDv5 of the key:
    the same key always gives the same id, which keeps retries and re-runs idempotent. Base64
    never contains ``$`` or ``_``, which Graph rejects.
    """
    guid = uuid.uuid5(_IMMUTABLE_ID_NAMESPACE, str(stable_key))
    return base64.b64encode(guid.bytes_le).decode("ascii")


# --- checking values against Graph's rules -------------------------------------------------


def parameter_violations(parameter: Parameter) -> list[Violation]:
    """The Graph rules ``parameter`` breaks for every user: a constant that breaks one, or a
    template whose literal text does (``{firstname} {lastname}`` as a mailNickname). A field,
    or a template that may render a valid value, passes; so does one that is not included,
    since it is never sent. Raises ``ParameterError`` if the parameter itself is malformed."""
    compile_parameter(parameter)
    if not parameter.include:
        return []
    if parameter.source == "constant":
        return rules.check(parameter.name, parameter.value.strip())
    if parameter.source == "template":
        return rules.check_template(parameter.name, literal_parts(parse_template(parameter.value)))
    return []
