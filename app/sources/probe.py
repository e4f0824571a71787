"""The connection test: connect, bind, read the root DSE, count people and groups under each
base DN. It writes nothing, and every failure is part of the report (the step that failed,
the client's code and a message an admin can act on), never an exception: a refused bind
or an unknown CA is the answer the admin asked for, not a server error.

Every LDAP call goes through `app.ldap.client`, the project's one LDAP client.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from app.ldap.client import LdapError, connect
from app.models import SourceTls
from app.sources.schemas import (
    ConnectionReport,
    SearchResult,
    ServerInfo,
    Step,
    StepResult,
)

TIMEOUT_S = 10.0
# Root DSE attributes (RFC 4512 section 5.1; Active Directory's in MS-ADTS 3.1.1.3.2).
ROOT_DSE_ATTRS = [
    "vendorName",
    "vendorVersion",
    "namingContexts",
    "supportedLDAPVersion",
    "supportedCapabilities",
    "defaultNamingContext",
    "dnsHostName",
    "highestCommittedUSN",
]
# LDAP_CAP_ACTIVE_DIRECTORY_OID: every AD domain controller (and Samba's) announces it.
AD_CAPABILITY = "1.2.840.113556.1.4.800"
# Codes of failures that happen before the bind is answered.
_CONNECT_CODES = frozenset({"unreachable", "tls"})


@dataclass(frozen=True)
class Connection:
    """What it takes to talk to a source's server. The password stays a `SecretStr` until
    the client sends it."""

    url: str
    tls: SourceTls
    ca_certificate: str | None
    bind_dn: str
    password: SecretStr
    base_dns: list[str]
    user_filter: str
    group_filter: str


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in items]


def _first(entry: Mapping[str, Any], name: str) -> str | None:
    for key, value in entry.items():
        if key.lower() == name.lower():
            texts = _texts(value)
            return texts[0] if texts else None
    return None


def _all(entry: Mapping[str, Any], name: str) -> list[str]:
    for key, value in entry.items():
        if key.lower() == name.lower():
            return _texts(value)
    return []


def server_info(entry: Mapping[str, Any]) -> ServerInfo:
    return ServerInfo(
        active_directory=AD_CAPABILITY in _all(entry, "supportedCapabilities"),
        vendor_name=_first(entry, "vendorName"),
        vendor_version=_first(entry, "vendorVersion"),
        naming_contexts=_all(entry, "namingContexts"),
        default_naming_context=_first(entry, "defaultNamingContext"),
        dns_host_name=_first(entry, "dnsHostName"),
        highest_committed_usn_present=_first(entry, "highestCommittedUSN") is not None,
        supported_ldap_version=_all(entry, "supportedLDAPVersion"),
    )


def _ok() -> StepResult:
    return StepResult(ok=True)


def _failed(exc: LdapError) -> StepResult:
    return StepResult(ok=False, code=exc.code, message=exc.message)


def _skipped() -> StepResult:
    return StepResult(ok=False, code="skipped", message="Not tried: an earlier step failed.")


def unusable(step: Step, code: str, message: str) -> ConnectionReport:
    """A report for settings that cannot even be tried (a password that cannot be read)."""
    failed = StepResult(ok=False, code=code, message=message)
    return ConnectionReport(
        ok=False,
        failed_step=step,
        connect=failed if step == "connect" else _skipped(),
        bind=failed if step == "bind" else _skipped(),
        searches=[],
        duration_ms=0,
    )


def run(connection: Connection, timeout_s: float = TIMEOUT_S) -> ConnectionReport:

    started = time.monotonic()
    connect_step, bind_step = _ok(), _ok()
    searches: list[SearchResult] = []
    server: ServerInfo | None = None
    failed: Step | None = None
    try:
        with connect(
            connection.url,
            connection.tls.value,
            connection.ca_certificate,
            connection.bind_dn,
            connection.password.get_secret_value(),
            timeout_s,
        ) as conn:
            try:
                server = server_info(conn.root_dse(ROOT_DSE_ATTRS))
            except LdapError:
                server = None  # some servers hide the root DSE from a bound user: not fatal
            for base in connection.base_dns:
                searches.append(_count(conn, base, connection))
    except LdapError as exc:
        if exc.code in _CONNECT_CODES:
            connect_step, bind_step, failed = _failed(exc), _skipped(), "connect"
        else:
            bind_step, failed = _failed(exc), "bind"
    if failed is None and not all(s.ok for s in searches):
        failed = "search"
    return ConnectionReport(
        ok=failed is None,
        failed_step=failed,
        connect=connect_step,
        bind=bind_step,
        searches=searches,
        server=server,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _count(conn: Any, base: str, connection: Connection) -> SearchResult:

    try:
        users = conn.count(base, connection.user_filter)
        groups = conn.count(base, connection.group_filter)
    except LdapError as exc:
        return SearchResult(base_dn=base, ok=False, code=exc.code, message=exc.message)
    return SearchResult(base_dn=base, ok=True, users=users, groups=groups)
