"""A thin client over python-ldap for reading a directory: one connection per sync.

Why python-ldap: it wraps OpenLDAP's libldap (the C library every Linux LDAP tool uses), is
maintained, and supports StartTLS, LDAPS with a per-connection CA, paged results and arbitrary
server controls. Each error it raises is turned into an `LdapError` with a stable `code` and a
sentence an admin can act on; the bind password never appears in either.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Literal
from urllib.parse import urlsplit

import ldap
from ldap.controls import LDAPControl, SimplePagedResultsControl

ErrorCode = Literal[
    "bind_refused",
    "tls",
    "unreachable",
    "strong_auth_required",
    "no_such_object",
    "search_failed",
    "size_limit",
]

_SCOPES = {"base": ldap.SCOPE_BASE, "one": ldap.SCOPE_ONELEVEL, "sub": ldap.SCOPE_SUBTREE}

# AD's "show deleted objects" control (MS-ADTS 3.1.1.3.4.1.14): tombstones are returned.
SHOW_DELETED_OID = "1.2.840.113556.1.4.417"


class LdapError(Exception):
    """An LDAP failure an admin can act on. `code` is one of `ErrorCode`."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message


def _diagnostic(exc: ldap.LDAPError) -> str:
    """The server's or libldap's own words (`desc` and `info`), never anything we sent."""
    arg = exc.args[0] if exc.args else None
    if isinstance(arg, dict):
        parts = [str(arg.get("desc") or ""), str(arg.get("info") or "")]
        return ": ".join(p for p in parts if p)
    return str(exc)


def _translate(exc: ldap.LDAPError, url: str, *, during: str) -> LdapError:
    detail = _diagnostic(exc)
    low = detail.lower()
    if isinstance(exc, ldap.INVALID_CREDENTIALS):
        return LdapError(
            "bind_refused",
            f"the server refused the bind DN and password ({detail})",
        )
    if isinstance(exc, (ldap.STRONG_AUTH_REQUIRED, ldap.CONFIDENTIALITY_REQUIRED)):
        return LdapError(
            "strong_auth_required",
            f"the server requires a protected connection or stronger authentication ({detail})",
        )
    if "certificate" in low or "tls" in low or "ssl" in low or isinstance(exc, ldap.CONNECT_ERROR):
        return LdapError(
            "tls",
            f"TLS with {url} failed: the server's certificate could not be verified against "
            f"the configured CA, or its name does not match the URL ({detail})",
        )
    if isinstance(exc, (ldap.SERVER_DOWN, ldap.TIMEOUT)):
        return LdapError("unreachable", f"cannot reach {url} ({detail})")
    if isinstance(exc, ldap.NO_SUCH_OBJECT):
        # `during` names the search and so the base DN (a source has several).
        return LdapError(
            "no_such_object", f"{during}: the base DN does not exist on the server ({detail})"
        )
    if isinstance(exc, (ldap.SIZELIMIT_EXCEEDED, ldap.ADMINLIMIT_EXCEEDED)):
        return LdapError("size_limit", f"the server's size limit stopped the {during} ({detail})")
    return LdapError("search_failed", f"the {during} failed ({detail})")


class LdapConnection:
    """A bound connection. Attribute values come back as lists of raw bytes, as LDAP sends
    them: the caller decides what is text and what is binary (objectGUID)."""

    def __init__(self, conn: Any, url: str) -> None:
        self._conn = conn
        self.url = url

    def root_dse(self, attrs: Sequence[str]) -> dict[str, list[bytes]]:
        try:
            res = self._conn.search_s("", ldap.SCOPE_BASE, "(objectClass=*)", list(attrs))
        except ldap.LDAPError as exc:
            raise _translate(exc, self.url, during="rootDSE read") from None
        for _dn, entry in res:
            if isinstance(entry, dict):
                return {k: list(v) for k, v in entry.items()}
        return {}

    def search(
        self,
        base: str,
        filterstr: str,
        attrs: Sequence[str] | None,
        scope: str = "sub",
        page_size: int = 1000,
        controls: Sequence[str | LDAPControl] = (),
    ) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
        """Every entry under `base` matching `filterstr`, page by page (Simple Paged Results,
        RFC 2696): memory stays one page deep however large the directory. `controls` adds
        server controls, given by OID (sent critical, with no value) or ready-made."""
        extra = [c if isinstance(c, LDAPControl) else LDAPControl(c, True, None) for c in controls]
        page = SimplePagedResultsControl(True, size=page_size, cookie=b"")
        attrlist = list(attrs) if attrs is not None else None
        while True:
            try:
                msgid = self._conn.search_ext(
                    base, _SCOPES[scope], filterstr, attrlist, serverctrls=[*extra, page]
                )
                _rtype, rdata, _rmsgid, rctrls = self._conn.result3(msgid)
            except ldap.LDAPError as exc:
                raise _translate(exc, self.url, during=f"search of {base}") from None
            for dn, entry in rdata:
                # Referrals (dn None) and search references are skipped: we read one server.
                if dn is not None and isinstance(entry, dict):
                    yield dn, entry
            cookie = b""
            for ctrl in rctrls or []:
                if ctrl.controlType == SimplePagedResultsControl.controlType:
                    cookie = ctrl.cookie
            if not cookie:
                return
            page.cookie = cookie

    def count(self, base: str, filterstr: str) -> int:
        return sum(1 for _ in self.search(base, filterstr, ["1.1"]))


def _answers(url: str, timeout_s: float) -> bool:
    """Whether a TCP connection to the URL's host and port opens (ldaps:// defaults to 636)."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 636), timeout_s):
            return True
    except (OSError, ValueError):
        return False


@contextmanager
def connect(
    url: str,
    tls: str,
    ca_pem: str | None,
    bind_dn: str,
    password: str,
    timeout_s: float = 10,
) -> Iterator[LdapConnection]:
    """A bound connection to `url`. `tls` is `ldaps`, `starttls` or `plaintext`; for the first
    two the server's certificate is always verified (against `ca_pem`, or the system's CAs
    when None) and its name must match the URL."""
    if tls not in ("ldaps", "starttls", "plaintext"):
        raise ValueError(f"unknown tls mode {tls!r}")
    if tls == "ldaps" and not url.lower().startswith("ldaps://"):
        raise LdapError("tls", f"tls is ldaps but the URL {url} does not start with ldaps://")
    if tls != "ldaps" and url.lower().startswith("ldaps://"):
        raise LdapError("tls", f"the URL {url} is ldaps:// but tls is {tls}")
    ca_path: str | None = None
    try:
        try:
            conn = ldap.initialize(url, bytes_mode=False)
        except ldap.LDAPError as exc:
            raise _translate(exc, url, during="connection") from None
        conn.set_option(ldap.OPT_PROTOCOL_VERSION, ldap.VERSION3)
        # Referrals would make libldap bind anonymously to other servers: never follow them.
        conn.set_option(ldap.OPT_REFERRALS, 0)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, timeout_s)
        conn.set_option(ldap.OPT_TIMEOUT, timeout_s)
        if tls != "plaintext":
            conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
            if ca_pem:
                # libldap reads the CA from a file; a private temp file lives for the connect.
                fd, ca_path = tempfile.mkstemp(prefix="ldap-ca-", suffix=".pem")
                with os.fdopen(fd, "w") as fh:
                    fh.write(ca_pem)
                conn.set_option(ldap.OPT_X_TLS_CACERTFILE, ca_path)
            # Applies the options above to this connection's own TLS context.
            conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
        try:
            if tls == "starttls":
                conn.start_tls_s()
            conn.simple_bind_s(bind_dn, password)
        except ldap.SERVER_DOWN as exc:
            error = _translate(exc, url, during="bind")
            if tls == "ldaps" and error.code == "unreachable" and _answers(url, timeout_s):
                # libldap reports a failed ldaps handshake as "can't contact the server",
                # often without the TLS library's reason: the port answers, so the handshake
                # is what failed (a certificate from another CA, a name that does not match).
                error = LdapError(
                    "tls",
                    f"TLS with {url} failed: the server answers but its certificate could not "
                    "be verified against the configured CA, or its name does not match the "
                    f"URL ({_diagnostic(exc)})",
                )
            raise error from None
        except ldap.LDAPError as exc:
            raise _translate(exc, url, during="bind") from None
        try:
            yield LdapConnection(conn, url)
        finally:
            with suppress(ldap.LDAPError):
                conn.unbind_s()
    finally:
        if ca_path:
            os.unlink(ca_path)
