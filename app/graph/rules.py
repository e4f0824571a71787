"""Graph's rules for every user attribute the engine sends, and the normalizers that make
directory values fit them.

Design invariant 7: a value that breaks a Graph rule is refused before any request leaves,
with the rule named. Each rule here has a stable id (``upn.characters``), the attribute it
guards, and the document it follows; its docstring says what Graph refuses and where that is
written. Pure functions, no I/O: the API (save-time checks), the preflight and the executor
call the same code.

Checking
    ``check(attribute, value, tenant=None)`` tests one value; ``check_user(attributes, tenant)``
    tests a whole create or update body, adding what spans attributes (required on create, the
    federated-domain source anchor). ``check_template(attribute, parts)`` finds what every
    rendering of a template must break, whatever its placeholders hold. Rules that need the
    tenant (verified and federated domains) run only when ``TenantFacts`` knows them.

Normalizers (the template filters of ``app.evaluation.templates``)
    ``transliterate``  letters, digits and punctuation to ASCII with anyascii (``é`` -> ``e``,
                       ``ß`` -> ``ss``, ``Ø`` -> ``O``, ``Влад`` -> ``Vlad``); symbols and emoji,
                       which name no letter, are dropped.
    ``upn_local``      transliterate, keep only what a UPN's local part allows
                       (``A-Z a-z 0-9 ' . - _ ! # ^ ~``), collapse runs of dots, trim dots at
                       either end: ``josé.núñez`` -> ``jose.nunez``, ``Mills, Jr.`` ->
                       ``MillsJr`` (separators are dropped, not turned into dots).
    ``mail_nickname``  the same with mailNickname's characters (adds ``$ % & * + / = ? ` { | }``).
    ``country_code``   an ISO 3166-1 alpha-2 code from a code (``de``, ``DEU``), an English name
                       (``Germany``, ``United States``, ``Côte d'Ivoire``) or a listed alias
                       (``UK``, ``USA``, ``Holland``), by exact case- and accent-insensitive
                       match only: a typo resolves to nothing rather than to a neighbour.

A normalizer never invents a value: what it cannot make valid it leaves for ``check`` to
report (an over-long alias stays over-long; an unknown country stays as written).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pycountry
from anyascii import anyascii

# --- sources ----------------------------------------------------------------------------------

USER_RESOURCE = "https://learn.microsoft.com/graph/api/resources/user"
USER_CREATE = "https://learn.microsoft.com/graph/api/user-post-users"
USER_UPDATE = "https://learn.microsoft.com/graph/api/user-update"
USERNAME_POLICY = (
    "https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy"
    "#username-policies"
)
PASSWORD_POLICY = (
    "https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy"
    "#microsoft-entra-password-policies"
)
ALIAS_RULES = "https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/6580"
USAGE_LOCATION_REPORT = "https://github.com/KelvinTegelaar/CIPP/issues/783"
SOURCE_ANCHOR = (
    "https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-design-concepts"
    "#sourceanchor"
)

# --- character sets and limits ----------------------------------------------------------------

UPN_LOCAL_CHARS = frozenset(string.ascii_letters + string.digits + "'.-_!#^~")
"""What the part of a userPrincipalName before ``@`` may hold (username policies)."""
DOMAIN_CHARS = frozenset(string.ascii_letters + string.digits + ".-")
MAIL_NICKNAME_CHARS = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~.")
"""Exchange alias characters, which Graph applies to mailNickname (graph-contract.md §11)."""
PASSWORD_SYMBOLS = frozenset(string.punctuation + " ")
"""The password policy's symbols: every ASCII punctuation mark, and the blank space."""
IMMUTABLE_ID_FORBIDDEN = frozenset("$_")

UPN_LOCAL_MAX, UPN_DOMAIN_MAX, UPN_MAX = 64, 48, 113
PASSWORD_MIN, PASSWORD_MAX = 8, 256
IMMUTABLE_ID_MAX = 59  # "fewer than 60 characters"

MAX_LENGTHS: Mapping[str, int] = {
    "displayName": 256,
    "givenName": 64,
    "surname": 64,
    "mailNickname": 64,
    "jobTitle": 128,
    "department": 64,
    "companyName": 64,
    "city": 128,
    "country": 128,
    "state": 128,
    "postalCode": 40,
    "streetAddress": 1024,
    "mobilePhone": 64,
    "employeeId": 16,
}
"""Each property's "Maximum length is N characters" in the user resource doc (USER_RESOURCE)."""

REQUIRED_ON_CREATE = ("userPrincipalName", "displayName", "mailNickname")
"""Required by POST /users besides accountEnabled and passwordProfile (USER_CREATE)."""
NOT_NULLABLE = (*REQUIRED_ON_CREATE, "usageLocation")
"""May not be cleared: displayName "can't be cleared during updates", usageLocation is "Not
nullable", and the two names are how Graph addresses the user (USER_RESOURCE)."""

SECRET_ATTRIBUTES = frozenset({"password"})
"""Attributes whose value a Violation never carries (design invariant 8)."""
WARNING_RULES = frozenset({"onPremisesImmutableId.federated"})
"""Rules the engine itself repairs before sending (it derives a missing ImmutableID)."""

_PREFIX = {"userPrincipalName": "upn"}
_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")
_DOTS = re.compile(r"\.{2,}")


# --- data -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TenantFacts:
    """What the tenant told us that the rules depend on; names compare case-insensitively.

    ``verified_domains=None`` means unknown, and the domain rules are not judged: an executor
    that knows only its app's domain must not refuse a UPN on another verified domain.
    """

    verified_domains: frozenset[str] | None = None
    federated_domains: frozenset[str] = frozenset()
    default_usage_location: str | None = None

    @classmethod
    def of(
        cls,
        verified_domains: Iterable[str] | None = None,
        federated_domains: Iterable[str] = (),
        default_usage_location: str | None = None,
    ) -> TenantFacts:
        return cls(
            None if verified_domains is None else frozenset(d.lower() for d in verified_domains),
            frozenset(d.lower() for d in federated_domains),
            default_usage_location or None,
        )


@dataclass(frozen=True, slots=True)
class Violation:
    """One value breaking one rule: enough to tell an admin what to change, and why."""

    attribute: str
    value: Any
    rule: str
    message: str

    @property
    def source(self) -> str:
        return RULES[self.rule].source

    def __str__(self) -> str:
        return f"{self.attribute} {self.value!r} breaks {self.rule}: {self.message}"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    attribute: str
    summary: str
    """What Graph refuses (the rule function's docstring, first paragraph)."""
    source: str
    gate: bool = False
    """If broken, the attribute's later rules are not judged (they would only repeat it)."""


_Test = Callable[[str, TenantFacts | None], str | None]
RULES: dict[str, Rule] = {}
_CHECKS: dict[str, list[tuple[Rule, _Test]]] = {}


def _rule(
    rule_id: str, attribute: str, source: str, *, gate: bool = False
) -> Callable[[_Test], _Test]:
    """Register a rule function: it returns a message when ``value`` breaks the rule."""

    def register(test: _Test) -> _Test:
        summary = (test.__doc__ or "").strip().split("\n\n")[0]
        _add(Rule(rule_id, attribute, " ".join(summary.split()), source, gate), test)
        return test

    return register


def _add(rule: Rule, test: _Test | None) -> None:
    assert rule.id not in RULES, rule.id
    RULES[rule.id] = rule
    if test is not None:
        _CHECKS.setdefault(rule.attribute, []).append((rule, test))


def _rule_id(attribute: str, name: str) -> str:
    return f"{_PREFIX.get(attribute, attribute)}.{name}"


def _shown(chars: Iterable[str]) -> str:
    return " ".join(sorted({repr(c) for c in chars}))


# --- userPrincipalName ------------------------------------------------------------------------


def _split_upn(value: str) -> tuple[str, str]:
    local, _, domain = value.rpartition("@")
    return local, domain


@_rule("upn.format", "userPrincipalName", USERNAME_POLICY, gate=True)
def _upn_format(value: str, tenant: TenantFacts | None) -> str | None:
    """A UPN is ``alias@domain``: exactly one ``@``, with text on both sides.

    Username policies: not allowed is "any '@' character that's not separating the username
    from the domain"; user resource: "The general format is alias@domain".
    """
    local, domain = _split_upn(value)
    if value.count("@") != 1 or not local or not domain:
        return "must be alias@domain, with exactly one '@'"
    return None


@_rule("upn.characters", "userPrincipalName", USERNAME_POLICY)
def _upn_characters(value: str, tenant: TenantFacts | None) -> str | None:
    """The alias holds only ``A-Z a-z 0-9 ' . - _ ! # ^ ~``: no accents, no spaces.

    User resource, userPrincipalName: "This property can't contain accent characters. Only
    the following characters are allowed A - Z, a - z, 0 - 9, ' . - _ ! # ^ ~"; the same list
    in the Entra username policies.
    """
    bad = [c for c in _split_upn(value)[0] if c not in UPN_LOCAL_CHARS]
    if not bad:
        return None
    accents = (
        " (no accents or other non-ASCII letters)" if any(not c.isascii() for c in bad) else ""
    )
    return f"the alias contains {_shown(bad)}{accents}; allowed: A-Z a-z 0-9 ' . - _ ! # ^ ~"


@_rule("upn.leading_dot", "userPrincipalName", USERNAME_POLICY)
def _upn_leading_dot(value: str, tenant: TenantFacts | None) -> str | None:
    """The alias does not start with a dot.

    A dot-atom (RFC 5322 §3.2.3, which the user resource names as the UPN's basis) cannot start
    with a dot; the username policies list the dot only as a separator.
    """
    return "the alias cannot start with '.'" if _split_upn(value)[0].startswith(".") else None


@_rule("upn.trailing_dot", "userPrincipalName", USERNAME_POLICY)
def _upn_trailing_dot(value: str, tenant: TenantFacts | None) -> str | None:
    """No dot right before the ``@``.

    Username policies, not allowed: "Can't contain a period character '.' immediately
    preceding the '@' symbol".
    """
    return "a '.' cannot come right before '@'" if _split_upn(value)[0].endswith(".") else None


@_rule("upn.double_dot", "userPrincipalName", USERNAME_POLICY)
def _upn_double_dot(value: str, tenant: TenantFacts | None) -> str | None:
    """No two dots in a row in the alias (RFC 5322 dot-atom, as for the leading dot)."""
    return "the alias cannot contain '..'" if ".." in _split_upn(value)[0] else None


@_rule("upn.length", "userPrincipalName", USERNAME_POLICY)
def _upn_length(value: str, tenant: TenantFacts | None) -> str | None:
    """At most 64 characters before the ``@``, 48 after it, and 113 in all.

    Username policies, length constraints: "The total length must not exceed 113 characters.
    There can be up to 64 characters before the '@' symbol. There can be up to 48 characters
    after the '@' symbol." (The user resource page itself states no length.)
    """
    local, domain = _split_upn(value)
    if len(local) > UPN_LOCAL_MAX or len(domain) > UPN_DOMAIN_MAX or len(value) > UPN_MAX:
        return (
            f"is {len(local)} + 1 + {len(domain)} characters; at most {UPN_LOCAL_MAX} before "
            f"'@', {UPN_DOMAIN_MAX} after, {UPN_MAX} in all"
        )
    return None


@_rule("upn.domain", "userPrincipalName", USER_RESOURCE)
def _upn_domain(value: str, tenant: TenantFacts | None) -> str | None:
    """The part after ``@`` is a domain name: ASCII letters, digits and hyphens, in labels
    separated by single dots.

    User resource: the domain "must be present in the tenant's collection of verified domains"
    (which are DNS names), and the UPN "can't contain accent characters".
    """
    domain = _split_upn(value)[1]
    return None if _DOMAIN.match(domain) else f"{domain!r} is not a domain name"


@_rule("upn.domain_not_verified", "userPrincipalName", USER_RESOURCE)
def _upn_domain_verified(value: str, tenant: TenantFacts | None) -> str | None:
    """The domain is one of the tenant's verified domains (judged when the tenant is known).

    User resource: "domain must be present in the tenant's collection of verified domains";
    Graph answers "The domain portion of the userPrincipalName property is invalid..."
    (graph-contract.md §1).
    """
    if tenant is None or tenant.verified_domains is None:
        return None
    domain = _split_upn(value)[1].lower()
    if domain in tenant.verified_domains:
        return None
    return f"{domain!r} is not a verified domain of the tenant"


# --- mailNickname -----------------------------------------------------------------------------


@_rule("mailNickname.characters", "mailNickname", ALIAS_RULES)
def _nickname_characters(value: str, tenant: TenantFacts | None) -> str | None:
    """ASCII letters and digits and ``! # $ % & ' * + - / = ? ^ _ ` { | } ~ .`` only: no space,
    ``@ ( ) , : ; < > [ ] \\ "`` or accented letters.

    Exchange alias rules, which Graph applies to mailNickname (graph-contract.md §11; Graph
    answers "Invalid value specified for property 'mailNickname' of resource 'User'.").
    """
    bad = [c for c in value if c not in MAIL_NICKNAME_CHARS]
    if not bad:
        return None
    allowed = "A-Z a-z 0-9 and ! # $ % & ' * + - / = ? ^ _ ` { | } ~ ."
    return f"contains {_shown(bad)}; allowed: {allowed}"


@_rule("mailNickname.leading_dot", "mailNickname", ALIAS_RULES)
def _nickname_leading_dot(value: str, tenant: TenantFacts | None) -> str | None:
    """Does not start with a dot (Exchange alias rules, graph-contract.md §11)."""
    return "cannot start with '.'" if value.startswith(".") else None


@_rule("mailNickname.trailing_dot", "mailNickname", ALIAS_RULES)
def _nickname_trailing_dot(value: str, tenant: TenantFacts | None) -> str | None:
    """Does not end with a dot (Exchange alias rules, graph-contract.md §11)."""
    return "cannot end with '.'" if value.endswith(".") else None


@_rule("mailNickname.double_dot", "mailNickname", ALIAS_RULES)
def _nickname_double_dot(value: str, tenant: TenantFacts | None) -> str | None:
    """No dot right after another (Exchange alias rules, graph-contract.md §11)."""
    return "cannot contain '..'" if ".." in value else None


# --- usageLocation ----------------------------------------------------------------------------


@_rule("usageLocation.iso3166", "usageLocation", USER_RESOURCE)
def _usage_location(value: str, tenant: TenantFacts | None) -> str | None:
    """An ISO 3166-1 alpha-2 code that exists (``US``, ``GB``), in upper case.

    User resource: "A two-letter country code (ISO standard 3166)... Examples include: US, JP,
    and GB". A made-up code (``XX``) or a country name is refused on create and by
    assignLicense (USAGE_LOCATION_REPORT). Upper case is the engine's own step beyond that:
    Graph returns codes upper-case, and sending another case would read back as a change.
    """
    if len(value) == 2 and value.isascii() and pycountry.countries.get(alpha_2=value):
        if value.isupper():
            return None
        return f"write it upper-case: {value.upper()!r}"
    suggestion = country_code(value)
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    return f"is not an ISO 3166-1 alpha-2 country code{hint}"


# --- onPremisesImmutableId --------------------------------------------------------------------


@_rule("onPremisesImmutableId.characters", "onPremisesImmutableId", USER_RESOURCE)
def _immutable_id_characters(value: str, tenant: TenantFacts | None) -> str | None:
    """No ``$`` and no ``_``.

    User resource, onPremisesImmutableId: "The $ and _ characters can't be used when
    specifying this property."
    """
    bad = [c for c in value if c in IMMUTABLE_ID_FORBIDDEN]
    return f"contains {_shown(bad)}, which Graph does not allow" if bad else None


@_rule("onPremisesImmutableId.length", "onPremisesImmutableId", SOURCE_ANCHOR)
def _immutable_id_length(value: str, tenant: TenantFacts | None) -> str | None:
    """Fewer than 60 characters.

    The user resource states no limit; Entra Connect's sourceAnchor rules (the value Graph
    stores here) say "Fewer than 60 characters in length". A base64 objectGUID is 24.
    """
    if len(value) > IMMUTABLE_ID_MAX:
        return f"is {len(value)} characters; at most {IMMUTABLE_ID_MAX}"
    return None


# Judged by check_user, which sees the UPN and the immutable id together.
_add(
    Rule(
        "onPremisesImmutableId.federated",
        "onPremisesImmutableId",
        "A user whose UPN is on a federated domain has an onPremisesImmutableId: it "
        "\"must be specified when creating a new user account... if you're using a federated "
        "domain for the user's userPrincipalName\" (user resource).",
        USER_RESOURCE,
    ),
    None,
)


# --- mail ---------------------------------------------------------------------------------------


@_rule("mail.format", "mail", USER_RESOURCE, gate=True)
def _mail_format(value: str, tenant: TenantFacts | None) -> str | None:
    """An SMTP address: one ``@`` with text on both sides, and no white space.

    User resource, mail: "The SMTP address for the user, for example, jeff@contoso.com".
    """
    local, _, domain = value.rpartition("@")
    if value.count("@") != 1 or not local or not domain or any(c.isspace() for c in value):
        return "must be an address like name@domain, with no spaces"
    return None


@_rule("mail.characters", "mail", USER_RESOURCE)
def _mail_characters(value: str, tenant: TenantFacts | None) -> str | None:
    """No accented or other non-ASCII characters.

    User resource, mail: "This property can't contain accent characters."
    """
    bad = [c for c in value if not c.isascii()]
    return f"contains {_shown(bad)}; no accents or other non-ASCII characters" if bad else None


# --- businessPhones -----------------------------------------------------------------------------


_add(
    Rule(
        "businessPhones.count",
        "businessPhones",
        "At most one number: \"Although it's a string collection, only one number can be set "
        'for this property" (user resource, businessPhones).',
        USER_RESOURCE,
    ),
    None,
)


# --- password -------------------------------------------------------------------------------------


@_rule("password.length", "password", PASSWORD_POLICY, gate=True)
def _password_length(value: str, tenant: TenantFacts | None) -> str | None:
    """Between 8 and 256 characters.

    Entra password policies: "A minimum of 8 characters and a maximum of 256 characters."
    """
    if PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        return None
    return f"is {len(value)} characters; {PASSWORD_MIN} to {PASSWORD_MAX} are allowed"


@_rule("password.characters", "password", PASSWORD_POLICY)
def _password_characters(value: str, tenant: TenantFacts | None) -> str | None:
    """ASCII letters, digits, punctuation and the blank space only.

    Entra password policies: allowed are A-Z, a-z, 0-9, the ASCII symbols and "Blank space";
    not allowed: "Unicode characters".
    """
    allowed = set(string.ascii_letters + string.digits) | PASSWORD_SYMBOLS
    if all(c in allowed for c in value):
        return None
    return "holds characters outside A-Z a-z 0-9, ASCII symbols and space"


@_rule("password.complexity", "password", PASSWORD_POLICY)
def _password_complexity(value: str, tenant: TenantFacts | None) -> str | None:
    """Three of the four classes: lower case, upper case, digits, symbols.

    Entra password policies: "Requires three out of four of the following types of
    characters"; Graph answers "The specified password does not comply with password
    complexity requirements..." (graph-contract.md §1).
    """
    classes = (
        any(c in string.ascii_lowercase for c in value),
        any(c in string.ascii_uppercase for c in value),
        any(c in string.digits for c in value),
        any(c in PASSWORD_SYMBOLS for c in value),
    )
    if sum(classes) >= 3:
        return None
    return "needs three of: lower case, upper case, digits, symbols"


# --- rules every attribute shares (registered last so they run after the gates above) -----------


def _register_shared() -> None:
    for attribute in (*NOT_NULLABLE, "password"):
        _add(
            Rule(
                _rule_id(attribute, "required"),
                attribute,
                f"{attribute} has a value: it is required on create or may not be cleared.",
                USER_CREATE if attribute in (*REQUIRED_ON_CREATE, "password") else USER_RESOURCE,
                gate=True,
            ),
            None,
        )
    for attribute, limit in MAX_LENGTHS.items():

        def too_long(value: str, tenant: TenantFacts | None, limit: int = limit) -> str | None:
            return f"is {len(value)} characters; at most {limit}" if len(value) > limit else None

        _add(
            Rule(
                _rule_id(attribute, "length"),
                attribute,
                f'At most {limit} characters: "Maximum length is {limit} characters" '
                f"(user resource, {attribute}).",
                USER_RESOURCE,
            ),
            too_long,
        )
    known = sorted({*_CHECKS, *NOT_NULLABLE, "businessPhones"})
    for attribute in known:
        wanted = "a list of strings" if attribute == "businessPhones" else "a string"
        _add(
            Rule(
                _rule_id(attribute, "type"),
                attribute,
                f"{attribute} is {wanted} (user resource property type).",
                USER_RESOURCE,
                gate=True,
            ),
            None,
        )


_register_shared()


# --- checking ---------------------------------------------------------------------------------


def _violation(attribute: str, value: Any, rule_id: str, message: str) -> Violation:
    shown = "***" if attribute in SECRET_ATTRIBUTES else value
    return Violation(attribute, shown, rule_id, message)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check(attribute: str, value: Any, *, tenant: TenantFacts | None = None) -> list[Violation]:
    """The rules ``value`` breaks as ``attribute`` of a user; ``[]`` when Graph would take it.

    ``None`` and blank strings mean "no value": a violation only for attributes that may not be
    cleared. Attributes with no known rule pass. Rules needing the tenant run only with
    ``tenant`` (and its verified domains) given.
    """
    if _empty(value):
        if attribute in NOT_NULLABLE or attribute == "password":
            rule_id = _rule_id(attribute, "required")
            return [_violation(attribute, value, rule_id, "has no value")]
        return []
    if attribute == "businessPhones":
        return _check_phones(value)
    checks = _CHECKS.get(attribute)
    if checks is None:
        return []
    if not isinstance(value, str):
        wrong = f"must be a string, not {type(value).__name__}"
        return [_violation(attribute, value, _rule_id(attribute, "type"), wrong)]
    out: list[Violation] = []
    for rule, test in checks:
        message = test(value, tenant)
        if message is not None:
            out.append(_violation(attribute, value, rule.id, message))
            if rule.gate:
                break
    return out


def _check_phones(value: Any) -> list[Violation]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        message = "must be a list of strings"
        return [_violation("businessPhones", value, "businessPhones.type", message)]
    if len(value) > 1:
        message = f"holds {len(value)} numbers; Graph keeps only one"
        return [_violation("businessPhones", value, "businessPhones.count", message)]
    return []


def check_user(
    attributes: Mapping[str, Any],
    tenant: TenantFacts | None = None,
    *,
    creating: bool = True,
) -> list[Violation]:
    """Every rule a POST /users (``creating``) or PATCH body breaks, attribute by attribute.

    ``passwordProfile.password`` is checked as ``password`` (its value is never echoed). On
    create, the required attributes must be there, and a UPN on one of ``tenant``'s federated
    domains needs an ``onPremisesImmutableId``.
    """
    out: list[Violation] = []
    if creating:
        for name in REQUIRED_ON_CREATE:
            if name not in attributes:
                out += check(name, None, tenant=tenant)
    for name, value in attributes.items():
        if name == "passwordProfile":
            password = value.get("password") if isinstance(value, Mapping) else None
            if creating or password is not None:
                out += check("password", password, tenant=tenant)
            continue
        if not creating or not _empty(value) or name in REQUIRED_ON_CREATE:
            out += check(name, value, tenant=tenant)
    upn = attributes.get("userPrincipalName")
    if creating and tenant is not None and isinstance(upn, str) and "@" in upn:
        domain = _split_upn(upn)[1].lower()
        if domain in tenant.federated_domains and _empty(attributes.get("onPremisesImmutableId")):
            out.append(
                _violation(
                    "onPremisesImmutableId",
                    attributes.get("onPremisesImmutableId"),
                    "onPremisesImmutableId.federated",
                    f"{domain!r} is federated: a new user on it needs an onPremisesImmutableId",
                )
            )
    return out


# --- templates --------------------------------------------------------------------------------

_LENGTH_LIMITS: Mapping[str, int] = {**MAX_LENGTHS, "onPremisesImmutableId": IMMUTABLE_ID_MAX}
_Found = list[tuple[str, str]]


def check_template(attribute: str, parts: Sequence[str | None]) -> list[Violation]:
    """Violations every rendering of a template must have, whatever its placeholders hold.

    ``parts`` are the template's literal texts, with ``None`` for each placeholder (which
    renders to some non-empty text, or the template renders nothing at all). Only what the
    literals force is reported: a template that may produce a valid value passes.
    """
    if all(p is not None for p in parts):
        return check(attribute, "".join(p for p in parts if p is not None))
    literal = "".join(p for p in parts if p is not None)
    slots = len(parts) - len([p for p in parts if p is not None])
    found: _Found = []
    if attribute == "userPrincipalName":
        found = _upn_template(parts)
    elif attribute == "mailNickname":
        found = _characters(
            "mailNickname.characters",
            parts,
            MAIL_NICKNAME_CHARS,
            "which a mailNickname cannot hold",
        )
        found += _dots_template("mailNickname", parts)
    elif attribute == "usageLocation":
        found = _characters(
            "usageLocation.iso3166", parts, frozenset(string.ascii_uppercase),
            "and a usageLocation is two upper-case letters",
        )  # fmt: skip
        if len(literal) + slots > 2:
            found.append(("usageLocation.iso3166", "it always renders more than two letters"))
    elif attribute == "onPremisesImmutableId":
        bad = [c for c in literal if c in IMMUTABLE_ID_FORBIDDEN]
        if bad:
            found.append(
                ("onPremisesImmutableId.characters", f"its literal text holds {_shown(bad)}")
            )
    elif attribute == "mail":
        if literal.count("@") > 1:
            found.append(("mail.format", "its literal text holds more than one '@'"))
        if any(c.isspace() or not c.isascii() for c in literal):
            found.append(("mail.characters", "its literal text holds spaces or accents"))
    limit = _LENGTH_LIMITS.get(attribute)
    if limit is not None and len(literal) + slots > limit:
        found.append((_rule_id(attribute, "length"), f"it always renders over {limit} characters"))
    shown = "".join("{…}" if p is None else p for p in parts)
    return [_violation(attribute, shown, rule, message) for rule, message in found]


def _characters(
    rule: str, parts: Iterable[str | None], allowed: frozenset[str], what: str
) -> _Found:
    bad = [c for p in parts if p is not None for c in p if c not in allowed]
    return [(rule, f"its literal text holds {_shown(bad)}, {what}")] if bad else []


def _upn_template(parts: Sequence[str | None]) -> _Found:
    at_count = sum(p.count("@") for p in parts if p is not None)
    if at_count > 1:
        return [("upn.format", "its literal text holds more than one '@'")]
    if at_count == 0:
        # A placeholder brings the '@': literal text may sit on either side of it.
        found = _characters(
            "upn.characters", parts, UPN_LOCAL_CHARS, "which a userPrincipalName cannot hold"
        )
        return found + _dots_template("userPrincipalName", parts, trailing=False)
    split = next(i for i, p in enumerate(parts) if p is not None and "@" in p)
    before, _, after = str(parts[split]).partition("@")
    local: list[str | None] = [*parts[:split], before]
    domain: list[str | None] = [after, *parts[split + 1 :]]
    found = _characters("upn.characters", local, UPN_LOCAL_CHARS, "which the alias cannot hold")
    found += _characters("upn.domain", domain, DOMAIN_CHARS, "which a domain name cannot hold")
    found += _dots_template("userPrincipalName", local)
    if all(p == "" for p in local):
        found.append(("upn.format", "nothing can come before its '@'"))
    if after.startswith(".") or any(p is not None and ".." in p for p in domain):
        found.append(("upn.domain", "its domain part has a misplaced '.'"))
    local_len, domain_len = (
        sum(1 if p is None else len(p) for p in side) for side in (local, domain)
    )
    if (
        local_len > UPN_LOCAL_MAX
        or domain_len > UPN_DOMAIN_MAX
        or local_len + domain_len >= UPN_MAX
    ):
        found.append(("upn.length", "it always renders over Graph's length limits"))
    return found


def _dots_template(attribute: str, parts: Sequence[str | None], *, trailing: bool = True) -> _Found:
    """Dot rules the literal text forces on a whole value, or on a UPN's alias."""
    found: _Found = []
    if any(p is not None and ".." in p for p in parts):
        found.append((_rule_id(attribute, "double_dot"), "its literal text holds '..'"))
    if parts and parts[0] is not None and parts[0].startswith("."):
        found.append((_rule_id(attribute, "leading_dot"), "it always starts with '.'"))
    if trailing and parts and parts[-1] is not None and parts[-1].endswith("."):
        found.append((_rule_id(attribute, "trailing_dot"), "it always ends with '.'"))
    return found


# --- normalizers ------------------------------------------------------------------------------


def transliterate(text: str) -> str:
    """ASCII spelling of ``text``: ``Jürgen Straße`` -> ``Jurgen Strasse``, ``Łódź`` -> ``Lodz``.

    Letters, marks, digits, punctuation and spaces go through anyascii; symbols and emoji are
    dropped (``©`` would become ``(C)``, ``😀`` ``:grinning:``), as are control characters.
    """
    out: list[str] = []
    for char in text:
        if char.isascii():
            out.append(char)
        elif unicodedata.category(char)[0] in "LMNPZ":
            out.append(anyascii(char))
    return "".join(out)


def fit(text: str, allowed: frozenset[str]) -> str:
    """Transliterate, keep only ``allowed`` characters, collapse runs of dots and trim dots at
    either end (an alias may neither start nor end with one, nor hold two in a row)."""
    kept = "".join(c for c in transliterate(text) if c in allowed)
    return _DOTS.sub(".", kept).strip(".")


def upn_local(text: str) -> str:
    """``text`` made fit for the part of a UPN before ``@`` (may be empty; never truncated)."""
    return fit(text, UPN_LOCAL_CHARS)


def mail_nickname(text: str) -> str:
    """``text`` made fit for a mailNickname (may be empty; never truncated)."""
    return fit(text, MAIL_NICKNAME_CHARS)


COUNTRY_ALIASES: Mapping[str, str] = {
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "russia": "RU",
    "holland": "NL",
    "the netherlands": "NL",
    "turkey": "TR",
    "ivory coast": "CI",
    "swaziland": "SZ",
    "burma": "MM",
    "macedonia": "MK",
    "vatican": "VA",
    "deutschland": "DE",
    "osterreich": "AT",
    "schweiz": "CH",
    "suisse": "CH",
    "espana": "ES",
    "italia": "IT",
    "nederland": "NL",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "suomi": "FI",
    "polska": "PL",
    "brasil": "BR",
}
"""Names directories hold that ISO does not list (keys are folded: lower case, no accents).
"Korea" and the like stay out on purpose: they name more than one country."""


def _fold(text: str) -> str:
    return " ".join(anyascii(text).casefold().split())


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str | None]:
    index: dict[str, str | None] = {}

    def add(key: str, code: str) -> None:
        folded = _fold(key)
        # Two countries under one folded name: resolve to neither rather than guess.
        index[folded] = code if index.get(folded, code) == code else None

    for country in pycountry.countries:
        for field in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(country, field, None)
            if value:
                add(value, country.alpha_2)
    for alias, code in COUNTRY_ALIASES.items():
        index[alias] = code
    return index


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code ``text`` names, or None: ``Germany`` / ``de`` / ``DEU`` ->
    ``DE``, ``USA`` -> ``US``, ``UK`` -> ``GB``. Exact matches only, never a fuzzy guess."""
    return _country_index().get(_fold(text))
