"""What a directory source's settings must look like, checked before anything is stored: the
server's URL, distinguished names (RFC 4514), search filters (RFC 4515), attribute names
(RFC 4512) and the CA certificate (X.509 in PEM). Pure functions: each returns the value to
store or raises `ValueError` with a message that names the problem, which the schemas turn
into a 422 naming the field.

Why check here rather than let the server refuse: a bad filter or base DN would otherwise
surface only at the first sync, as an opaque "search failed" from a worker, long after the
admin saved it. DNs are parsed by python-ldap (libldap's own `ldap_str2dn`); filters by a
small lark grammar transcribed from RFC 4515 (python-ldap has no filter parser: libldap
only checks a filter when it sends one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit

import ldap.dn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from lark import Lark, UnexpectedInput

# --- URLs -----------------------------------------------------------------------------------

DEFAULT_PORTS = {"ldap": 389, "ldaps": 636}


@dataclass(frozen=True)
class LdapUrl:
    scheme: str  # ldap or ldaps
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


def parse_url(text: str) -> LdapUrl:
    """`ldaps://host:636` or `ldap://host:389` (the port defaults to the scheme's). One server:
    Active Directory's change cursor (uSNChanged) belongs to one domain controller."""
    text = text.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a URL such as ldaps://dc1.corp.example:636 ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(
            f"the scheme must be ldaps:// or ldap://, not {parts.scheme or 'none'}://"
            if parts.scheme
            else "not a URL such as ldaps://dc1.corp.example:636"
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError("put the bind DN and password in bind_dn and bind_password, not the URL")
    host = parts.hostname or ""
    if not host:
        raise ValueError("the URL names no host (ldaps://dc1.corp.example:636)")
    if ":" not in host and not _HOST.match(host):
        raise ValueError(f"{host!r} is not a host name or an IP address")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            "the URL is the server only (ldaps://host:port): put the base DN in base_dns and "
            "the filters in user_filter and group_filter"
        )
    if port is not None and port == 0:
        raise ValueError("the port must be between 1 and 65535")
    return LdapUrl(scheme, host.lower(), port or DEFAULT_PORTS[scheme])


# --- distinguished names --------------------------------------------------------------------


def check_dn(text: str) -> str:
    """A distinguished name (RFC 4514) such as `OU=People,DC=corp,DC=example`; stripped."""
    value = text.strip()
    if not value:
        raise ValueError("a distinguished name such as OU=People,DC=corp,DC=example is needed")
    try:
        rdns = ldap.dn.str2dn(value)
    except ldap.DECODING_ERROR:
        raise ValueError(
            f"{value!r} is not a distinguished name (RFC 4514) such as OU=People,DC=corp,DC=example"
        ) from None
    if not rdns:
        raise ValueError("a distinguished name such as OU=People,DC=corp,DC=example is needed")
    return value


# Active Directory also takes these as a simple bind's name (MS-ADTS 5.1.1.1.1): a UPN and a
# down-level logon name (DOMAIN\user, what Azure AD Connect's wizard asks for).
_UPN = re.compile(r"^[^@\s\\/]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_DOWN_LEVEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,14}\\[^\\/\s@]{1,104}$")


def check_bind_name(text: str, *, active_directory: bool) -> str:
    """The bind DN; for Active Directory also `user@corp.example` or `CORP\\user`."""
    value = text.strip()
    if active_directory and (_UPN.match(value) or _DOWN_LEVEL.match(value)):
        return value
    try:
        return check_dn(value)
    except ValueError:
        also = (
            " or, for Active Directory, user@corp.example or CORP\\user" if active_directory else ""
        )
        raise ValueError(
            f"{value!r} is not a distinguished name such as "
            f"CN=svc-sync,OU=Service,DC=corp,DC=example{also}"
        ) from None


# --- attribute names ------------------------------------------------------------------------

# RFC 4512 section 2.5: an attribute description is a descr (a letter, then letters, digits
# and hyphens) or a numeric OID, then options (`;binary`, `;lang-en`).
_ATTRIBUTE = re.compile(
    r"^(?:[A-Za-z][A-Za-z0-9-]*|(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))+)(?:;[A-Za-z0-9-]+)*$"
)


def check_attribute(text: str) -> str:
    """An attribute name (RFC 4512), optionally after `!`: the attribute map's `status`
    reads a "disabled"/"locked" flag inverted (the service refuses `!` on other fields)."""
    value = text.strip()
    name = value[1:] if value.startswith("!") else value
    if len(value) > 200 or not _ATTRIBUTE.match(name):
        raise ValueError(
            f"{text!r} is not an LDAP attribute name (RFC 4512: a letter then letters, digits "
            "or hyphens, such as givenName, or a numeric OID such as 2.5.4.42)"
        )
    return value


# --- search filters (RFC 4515) --------------------------------------------------------------

# RFC 4515 section 3, with RFC 4526's empty `(&)` / `(|)` (absolute true and false). The value
# of an equality item may hold `*` (a presence or substring item); the other operators may not.
_FILTER_GRAMMAR = r"""
    start: filter
    filter: "(" comp ")"
    ?comp: "&" filter* -> and_
         | "|" filter* -> or_
         | "!" filter  -> not_
         | item
    item: ATTR "=" SUBSTRING_VALUE      -> equality_or_substring
        | ATTR APPROX_OR_ORDER VALUE    -> ordering
        | ATTR DN? RULE? ":=" VALUE     -> extensible
        | DN? RULE ":=" VALUE           -> extensible_rule
    APPROX_OR_ORDER: "~=" | ">=" | "<="
    DN.2: ":dn"i
    RULE: /:(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)/
    ATTR: /(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)(?:;[A-Za-z0-9-]+)*/
    VALUE: /(?:[^\x00()*\\]|\\[0-9A-Fa-f]{2})+/
    SUBSTRING_VALUE: /(?:[^\x00()\\]|\\[0-9A-Fa-f]{2})+/
"""


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_FILTER_GRAMMAR, parser="earley", lexer="dynamic")


def check_filter(text: str) -> str:
    """A search filter (RFC 4515) such as `(&(objectClass=user)(department=Sales))`."""
    value = text.strip()
    if not value:
        raise ValueError("a filter such as (objectClass=inetOrgPerson) is needed")
    if not value.startswith("("):
        raise ValueError(f"a filter starts with '(': write ({value})")
    depth = 0
    for index, char in enumerate(value):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise ValueError(
                f"unbalanced parentheses: a ')' at character {index + 1} closes nothing"
            )
    if depth:
        raise ValueError(f"unbalanced parentheses: {depth} '(' not closed")
    try:
        _parser().parse(value)
    except UnexpectedInput as exc:
        at = getattr(exc, "column", None)
        near = value[max(0, (at or 1) - 1) : (at or 1) + 9]
        raise ValueError(
            f"not a valid LDAP filter (RFC 4515) at character {at}, near {near!r}: each item is "
            "(attribute=value), (attribute>=value), (attribute<=value), (attribute~=value), "
            "(attribute=*) or (attribute:rule:=value), combined with (&...), (|...) and (!...); "
            r"write ( ) * \ in a value as \28 \29 \2a \5c"
        ) from None
    return value


# --- the CA certificate ---------------------------------------------------------------------


@dataclass(frozen=True)
class CaCertificate:
    subject: str
    issuer: str
    fingerprint_sha256: str  # hex, upper case, colon-separated as `openssl x509 -fingerprint`
    not_after: datetime


def parse_ca_pem(text: str) -> tuple[str, list[CaCertificate]]:
    """The PEM to store (certificates only, re-encoded) and what is in it. One certificate or
    a bundle (an issuing CA and its root); the server's certificate must chain to one of them.
    An expired one is refused: TLS would refuse it at every connection."""
    try:
        certs = x509.load_pem_x509_certificates(text.strip().encode())
    except ValueError:
        raise ValueError(
            "not a PEM X.509 certificate (-----BEGIN CERTIFICATE----- ... -----END "
            "CERTIFICATE-----)"
        ) from None
    now = datetime.now(UTC)
    out = []
    for cert in certs:
        expires = cert.not_valid_after_utc
        if expires <= now:
            raise ValueError(
                f"the certificate {cert.subject.rfc4514_string()!r} expired on "
                f"{expires.date().isoformat()}"
            )
        digest = cert.fingerprint(hashes.SHA256()).hex().upper()
        out.append(
            CaCertificate(
                subject=cert.subject.rfc4514_string(),
                issuer=cert.issuer.rfc4514_string(),
                fingerprint_sha256=":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
                not_after=expires,
            )
        )
    pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)
    return pem, out
