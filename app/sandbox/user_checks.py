"""What Graph refuses in a user's property values, as the sandbox tenant judges them.

Written on its own, from the documents, and never importing the engine's validator
(`app.graph.rules`): an emulator that shared the engine's checks could not catch the engine's
mistakes. Both follow the same sources:

* user resource (https://learn.microsoft.com/graph/api/resources/user): no accents in
  userPrincipalName or mail; the UPN alias allows ``A-Z a-z 0-9 ' . - _ ! # ^ ~``; ``$`` and
  ``_`` are not allowed in onPremisesImmutableId; usageLocation is an ISO 3166 two-letter code;
  the "Maximum length is N characters" of each property (``MAX_LENGTH``); one business phone.
* Entra username policies: at most 64 characters before ``@``, 48 after, 113 in all; no ``.``
  right before ``@``. Entra password policy: 8 to 256 printable ASCII characters, three of
  lower case, upper case, digits and symbols.
* graph-contract.md §11: mailNickname characters and dot placement (Exchange alias rules).
* Entra Connect sourceAnchor: an immutable id has fewer than 60 characters.

Each function answers True when Graph takes the value; the handlers pick Graph's message.
"""

from __future__ import annotations

import re
from typing import Any

import pycountry

_UPN_ALIAS = re.compile(r"[A-Za-z0-9'._!#^~-]{1,64}")
_NICKNAME = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
_PRINTABLE_ASCII = re.compile(r"[ -~]{8,256}")
_PASSWORD_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")

MAX_LENGTH = {
    "city": 128,
    "companyName": 64,
    "country": 128,
    "department": 64,
    "displayName": 256,
    "employeeId": 16,
    "givenName": 64,
    "jobTitle": 128,
    "mailNickname": 64,
    "mobilePhone": 64,
    "postalCode": 40,
    "state": 128,
    "streetAddress": 1024,
    "surname": 64,
}


def _dots_ok(text: str) -> bool:
    return not (text.startswith(".") or text.endswith(".") or ".." in text)


def upn_syntax_ok(upn: Any) -> bool:
    """The UPN's shape; whether its domain is verified is the tenant's to say."""
    if not isinstance(upn, str) or upn.count("@") != 1 or len(upn) > 113:
        return False
    alias, domain = upn.split("@")
    return bool(_UPN_ALIAS.fullmatch(alias)) and _dots_ok(alias) and 0 < len(domain) <= 48


def nickname_ok(value: Any) -> bool:
    return isinstance(value, str) and bool(_NICKNAME.fullmatch(value)) and _dots_ok(value)


def usage_location(value: Any) -> str | None:
    """The code Graph stores (upper case), or None when it names no ISO 3166-1 country."""
    if not isinstance(value, str) or len(value) != 2 or not value.isascii():
        return None
    country = pycountry.countries.get(alpha_2=value)
    return None if country is None else str(country.alpha_2)


def immutable_id_ok(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) < 60 and not set(value) & {"$", "_"}


def password_ok(password: Any) -> bool:
    if not isinstance(password, str) or not _PRINTABLE_ASCII.fullmatch(password):
        return False
    return sum(bool(re.search(kind, password)) for kind in _PASSWORD_CLASSES) >= 3


def mail_ok(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str) or not value.isascii() or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    return bool(local and domain) and not any(c.isspace() for c in value)


def length_ok(name: str, value: Any) -> bool:
    limit = MAX_LENGTH.get(name)
    return limit is None or not isinstance(value, str) or len(value) <= limit


def business_phones_ok(value: Any) -> bool:
    return isinstance(value, list) and len(value) <= 1 and all(isinstance(v, str) for v in value)
