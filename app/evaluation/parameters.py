"""Parameters: how each attribute of an Entra ID user is computed from a directory user.

A parameter reads a ``field`` (a user field, ``custom_attributes.<name>`` or ``id``), holds a
``constant``, or renders a ``template`` (see ``templates``). Values are trimmed; a parameter
that yields nothing is omitted, and so is one with ``include=False`` (the admin's "include in
user provisioning" switch). A rule's ``set_parameter`` replaces the computed value of an
included parameter; overrides for names that are not included are ignored, so ``include``
alone decides which attributes the engine manages.

Default userPrincipalName is ``{email|local}@{domain}``: the article's setup has users share
their directory and Microsoft 365 addresses on the app's domain, and taking only the local part
keeps the UPN on the provisioning domain even when the directory email is on another one.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from app.evaluation.errors import ParameterError
from app.evaluation.facts import CUSTOM_PREFIX, UserFacts
from app.evaluation.templates import Lookup, check_source, parse_template, render

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
        ("userPrincipalName", template, "{email|local}@{domain}"),
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
) -> dict[str, Any]:
    """Graph attributes for ``user`` (pass the effective facts) on provisioning ``domain``.

    ``overrides`` are the rules' ``set_parameter`` values (``RuleOutcome.parameter_values()``).
    """
    lookup = user_lookup(user, domain)
    overrides = overrides or {}
    attributes: dict[str, Any] = {}
    for p in compile_parameters(tuple(parameters)):
        if not p.include:
            continue
        value = overrides[p.name] if p.name in overrides else p.compute(lookup)
        value = value.strip() if value else None
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


@dataclass(frozen=True, slots=True)
class Finding:
    attribute: str
    code: str
    message: str


_UPN_ALIAS_CHARS = re.compile(r"[A-Za-z0-9'.\-_!#^~]")
_MAIL_NICKNAME_FORBIDDEN = re.compile(r"[@()\\\[\]\";:<>,\s]")
_USAGE_LOCATION = re.compile(r"^[A-Z]{2}$")
REQUIRED_ATTRIBUTES = ("userPrincipalName", "displayName", "mailNickname")


def validate_attribute_values(
    attributes: Mapping[str, Any],
    verified_domains: Collection[str],
    federated_domains: Collection[str] = (),
) -> list[Finding]:
    """Check computed attributes against the rules Graph enforces on create and update.

    Finding codes: ``required``, ``upn_format``, ``upn_non_ascii``, ``upn_characters``,
    ``upn_length``, ``upn_domain_unverified``, ``mail_nickname_characters``,
    ``mail_nickname_length``, ``usage_location_format``, ``immutable_id_characters``,
    ``immutable_id_required``. Domains compare case-insensitively.
    """
    findings: list[Finding] = []
    for name in REQUIRED_ATTRIBUTES:
        if not attributes.get(name):
            findings.append(Finding(name, "required", f"{name} is required but has no value"))
    upn = attributes.get("userPrincipalName")
    if upn:
        findings.extend(_check_upn(str(upn), attributes, verified_domains, federated_domains))
    nickname = attributes.get("mailNickname")
    if nickname:
        findings.extend(_check_mail_nickname(str(nickname)))
    usage = attributes.get("usageLocation")
    if usage and not _USAGE_LOCATION.match(str(usage)):
        findings.append(
            Finding(
                "usageLocation",
                "usage_location_format",
                f"usageLocation must be a two-letter upper-case country code, got {usage!r}",
            )
        )
    immutable_id = attributes.get("onPremisesImmutableId")
    if immutable_id and ("$" in str(immutable_id) or "_" in str(immutable_id)):
        findings.append(
            Finding(
                "onPremisesImmutableId",
                "immutable_id_characters",
                "onPremisesImmutableId must not contain '$' or '_'",
            )
        )
    return findings


def _check_upn(
    upn: str,
    attributes: Mapping[str, Any],
    verified: Collection[str],
    federated: Collection[str],
) -> list[Finding]:
    name = "userPrincipalName"
    alias, at, domain = upn.rpartition("@")
    if not at or not alias or not domain or "@" in alias:
        return [Finding(name, "upn_format", f"{upn!r} is not of the form alias@domain")]
    findings: list[Finding] = []
    if not upn.isascii():
        findings.append(
            Finding(name, "upn_non_ascii", f"{upn!r} contains accented or non-ASCII characters")
        )
    bad = sorted({ch for ch in alias if ch.isascii() and not _UPN_ALIAS_CHARS.match(ch)})
    if bad:
        findings.append(
            Finding(
                name,
                "upn_characters",
                f"alias contains {''.join(bad)!r}; allowed: A-Z a-z 0-9 ' . - _ ! # ^ ~",
            )
        )
    if alias.endswith("."):
        findings.append(Finding(name, "upn_format", "a period cannot come right before '@'"))
    if len(alias) > 64 or len(domain) > 48 or len(upn) > 113:
        findings.append(
            Finding(
                name,
                "upn_length",
                "at most 64 characters before '@', 48 after, 113 in total",
            )
        )
    domain_key = domain.casefold()
    if domain_key not in {d.casefold() for d in verified}:
        findings.append(
            Finding(
                name,
                "upn_domain_unverified",
                f"the domain portion {domain!r} is not a verified domain of the tenant",
            )
        )
    if domain_key in {d.casefold() for d in federated} and not attributes.get(
        "onPremisesImmutableId"
    ):
        findings.append(
            Finding(
                "onPremisesImmutableId",
                "immutable_id_required",
                f"{domain!r} is federated: an onPremisesImmutableId is required",
            )
        )
    return findings


def _check_mail_nickname(nickname: str) -> list[Finding]:
    name = "mailNickname"
    findings: list[Finding] = []
    if not nickname.isascii() or _MAIL_NICKNAME_FORBIDDEN.search(nickname):
        findings.append(
            Finding(
                name,
                "mail_nickname_characters",
                f'{nickname!r}: ASCII only, without spaces or any of @ ( ) \\ [ ] " ; : < > ,',
            )
        )
    if len(nickname) > 64:
        findings.append(Finding(name, "mail_nickname_length", "at most 64 characters"))
    return findings
