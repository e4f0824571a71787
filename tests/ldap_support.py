"""Real directory servers for the directory-source tests: OpenLDAP slapd and Samba's Active
Directory DC, started by `scripts/ldap-servers.sh` (through `scripts/test.sh`), which exports
TEST_SLAPD_*, TEST_SAMBA_* and TEST_LDAP_CA_FILE / TEST_LDAP_OTHER_CA_FILE.

Fixtures (registered in tests/conftest.py):
  - `slapd_server`, `samba_server` (session): an `LdapServer`; they fail, never skip, when the
    variables are missing, so a green run always means the servers were there.
  - `slapd_ou`, `samba_ou` (per test): a fresh organizational unit under the base DN holding
    `ou=people` and `ou=groups`, with helpers to write into it (`LdapOu`); the whole subtree is
    deleted afterwards. A unique OU per test keeps tests independent on a shared server.

Writes go through python-ldap (the library the sources use) over TLS verified with the test CA.
"""

from __future__ import annotations

import os
import re
import secrets
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import ldap
import pytest
from ldap.controls import LDAPControl
from ldap.ldapobject import LDAPObject

# Active Directory controls and flags (MS-ADTS).
TREE_DELETE_OID = "1.2.840.113556.1.4.805"  # delete a container with everything below it
SHOW_DELETED_OID = "1.2.840.113556.1.4.417"  # return tombstones (Deleted Objects)
IN_CHAIN_RULE = "1.2.840.113556.1.4.1941"  # LDAP_MATCHING_RULE_IN_CHAIN (nested membership)
UF_ACCOUNTDISABLE = 0x2
UF_NORMAL_ACCOUNT = 0x200  # 512; 514 = disabled normal account
GLOBAL_SECURITY_GROUP = -2147483646  # ADS_GROUP_TYPE_GLOBAL_GROUP | SECURITY_ENABLED
AD_UPN_SUFFIX = "corp.example.com"

Kind = Literal["ldap", "active_directory"]
AttrValue = str | bytes | int | Sequence[str | bytes | int] | None


@dataclass(frozen=True)
class LdapServer:
    """Where a test server answers and how to bind to it (the admin of its base DN)."""

    kind: Kind
    uri: str  # slapd: ldap:// (StartTLS); Samba: ldaps://
    ldaps_uri: str
    base_dn: str
    bind_dn: str
    bind_password: str
    ca_file: str
    other_ca_file: str  # an unrelated CA: verifying the server with it must fail


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run the suite with `./scripts/test.sh` (or /work/bin/wt-test), "
            "which starts slapd and Samba with scripts/ldap-servers.sh. Tests never skip for "
            "want of a service.",
            pytrace=False,
        )
    return value


def slapd_from_env() -> LdapServer:
    return LdapServer(
        kind="ldap",
        uri=_env("TEST_SLAPD_URI"),
        ldaps_uri=_env("TEST_SLAPD_LDAPS_URI"),
        base_dn=_env("TEST_SLAPD_BASE_DN"),
        bind_dn=_env("TEST_SLAPD_BIND_DN"),
        bind_password=_env("TEST_SLAPD_BIND_PASSWORD"),
        ca_file=_env("TEST_LDAP_CA_FILE"),
        other_ca_file=_env("TEST_LDAP_OTHER_CA_FILE"),
    )


def samba_from_env() -> LdapServer:
    uri = _env("TEST_SAMBA_URI")
    return LdapServer(
        kind="active_directory",
        uri=uri,
        ldaps_uri=uri,
        base_dn=_env("TEST_SAMBA_BASE_DN"),
        bind_dn=_env("TEST_SAMBA_BIND_DN"),
        bind_password=_env("TEST_SAMBA_BIND_PASSWORD"),
        ca_file=_env("TEST_LDAP_CA_FILE"),
        other_ca_file=_env("TEST_LDAP_OTHER_CA_FILE"),
    )


def connect(
    server: LdapServer,
    *,
    uri: str | None = None,
    ca_file: str | None = None,
    bind_dn: str | None = None,
    password: str | None = None,
    start_tls: bool | None = None,
) -> LDAPObject:
    """A bound connection verified against `ca_file` (the test CA by default). ldap:// URIs
    use StartTLS unless `start_tls=False`. Raises python-ldap's errors (INVALID_CREDENTIALS,
    SERVER_DOWN for a refused certificate, STRONG_AUTH_REQUIRED, ...)."""
    target = uri or server.uri
    conn = ldap.initialize(target)
    conn.set_option(ldap.OPT_PROTOCOL_VERSION, 3)
    # AD answers with referrals to other partitions; chasing them would bind anonymously.
    conn.set_option(ldap.OPT_REFERRALS, 0)
    conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 10)
    conn.set_option(ldap.OPT_X_TLS_CACERTFILE, ca_file or server.ca_file)
    conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
    conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)  # last: applies the TLS options above
    if start_tls if start_tls is not None else target.startswith("ldap://"):
        conn.start_tls_s()
    conn.simple_bind_s(bind_dn or server.bind_dn, password or server.bind_password)
    return conn


def _values(value: AttrValue) -> list[bytes]:
    if value is None:
        return []
    items: Sequence[str | bytes | int] = [value] if isinstance(value, str | bytes | int) else value
    return [v if isinstance(v, bytes) else str(v).encode() for v in items]


def ad_password(password: str) -> bytes:
    """AD's unicodePwd: the password in double quotes, UTF-16-LE (set only over TLS)."""
    return f'"{password}"'.encode("utf-16-le")


def random_password() -> str:
    # Upper, lower, digit and symbol: meets AD's default complexity rule.
    return f"Aa1-{secrets.token_hex(8)}"


def _rdn_value(value: str) -> str:
    return ldap.dn.escape_dn_chars(value)


@dataclass
class LdapOu:
    """A fresh OU on a test server, with `people` and `groups` below it, and helpers that write
    the way an administrator would (python-ldap over TLS, as the admin)."""

    server: LdapServer
    conn: LDAPObject
    dn: str
    people_dn: str
    groups_dn: str
    # slapd's groupOfNames needs at least one member: an empty group holds the OU's own DN as a
    # placeholder member (not a person, not a group). add_member drops it, removing the last
    # member puts it back; sources must ignore members that are neither users nor groups.
    # Deleting a person removes it from its groups at once (memberof overlay), except from a
    # group where it is the last member: that DN stays, pointing at nothing.
    placeholder_member: str = field(init=False)

    def __post_init__(self) -> None:
        self.placeholder_member = self.dn

    @property
    def is_ad(self) -> bool:
        return self.server.kind == "active_directory"

    # --- users ---------------------------------------------------------------------------
    def add_user(
        self,
        name: str,
        given: str,
        sn: str,
        mail: str | None = None,
        *,
        display_name: str | None = None,
        title: str | None = None,
        department: str | None = None,
        employee_id: str | None = None,
        enabled: bool = True,
        password: str | None = None,
        parent: str | None = None,
        **extra: AttrValue,
    ) -> str:
        """Adds a person and returns its DN. slapd: inetOrgPerson `uid=name` (department ->
        departmentNumber, employee_id -> employeeNumber). AD: a user `CN=given sn` with
        sAMAccountName=name, userPrincipalName name@corp.example.com, department, employeeID
        and a password, enabled (userAccountControl 512) or disabled (514). `extra` adds raw
        LDAP attributes by their names (e.g. manager=dn, c="FR")."""
        display = display_name or f"{given} {sn}"
        attrs: dict[str, AttrValue]
        if self.is_ad:
            cn = str(extra.pop("cn", f"{given} {sn}"))
            dn = f"CN={_rdn_value(cn)},{parent or self.people_dn}"
            attrs = {
                "objectClass": ["top", "person", "organizationalPerson", "user"],
                "cn": cn,
                "sAMAccountName": name,
                "userPrincipalName": f"{name}@{AD_UPN_SUFFIX}",
                "givenName": given,
                "sn": sn,
                "displayName": display,
                "mail": mail,
                "title": title,
                "department": department,
                "employeeID": employee_id,
                "unicodePwd": ad_password(password or random_password()),
                "userAccountControl": UF_NORMAL_ACCOUNT | (0 if enabled else UF_ACCOUNTDISABLE),
            }
        else:
            if not enabled:
                raise ValueError("generic LDAP (inetOrgPerson) has no disabled-account flag")
            dn = f"uid={_rdn_value(name)},{parent or self.people_dn}"
            attrs = {
                "objectClass": ["top", "person", "organizationalPerson", "inetOrgPerson"],
                "uid": name,
                "cn": str(extra.pop("cn", f"{given} {sn}")),
                "givenName": given,
                "sn": sn,
                "displayName": display,
                "mail": mail,
                "title": title,
                "departmentNumber": department,
                "employeeNumber": employee_id,
                "userPassword": password,
            }
        attrs.update(extra)
        self.conn.add_s(dn, [(k, _values(v)) for k, v in attrs.items() if _values(v)])
        return dn

    def modify(self, dn: str, **attrs: AttrValue) -> None:
        """Replaces each attribute's values; None (or []) removes the attribute."""
        changes = []
        for name, value in attrs.items():
            values = _values(value)
            if values:
                changes.append((ldap.MOD_REPLACE, name, values))
            elif self.read(dn, [name]).get(name):
                changes.append((ldap.MOD_DELETE, name, None))
        if changes:
            self.conn.modify_s(dn, changes)

    def _account_control(self, dn: str) -> int:
        if not self.is_ad:
            raise ValueError("generic LDAP (inetOrgPerson) has no disabled-account flag")
        return int(self.read(dn, ["userAccountControl"])["userAccountControl"][0])

    def disable(self, dn: str) -> None:
        """AD: sets ACCOUNTDISABLE in userAccountControl (512 -> 514). slapd: ValueError."""
        self.modify(dn, userAccountControl=self._account_control(dn) | UF_ACCOUNTDISABLE)

    def enable(self, dn: str) -> None:
        self.modify(dn, userAccountControl=self._account_control(dn) & ~UF_ACCOUNTDISABLE)

    def delete(self, dn: str) -> None:
        """Deletes an entry (and, for a container, everything below it). In AD the object
        becomes a tombstone in Deleted Objects, with its objectGUID."""
        if self.is_ad:
            self.conn.delete_ext_s(dn, serverctrls=[LDAPControl(TREE_DELETE_OID, True, None)])
            return
        found = self.conn.search_s(dn, ldap.SCOPE_SUBTREE, "(objectClass=*)", ["1.1"])
        levels: dict[int, list[str]] = {}
        for entry_dn, _ in found:
            levels.setdefault(len(ldap.dn.str2dn(entry_dn)), []).append(entry_dn)
        # Deepest level first (a parent cannot go before its children); within a level the
        # deletes are pipelined, which matters for the bench's 100,000 entries.
        for depth in sorted(levels, reverse=True):
            pending: list[int] = []
            for entry_dn in levels[depth]:
                pending.append(self.conn.delete_ext(entry_dn))
                if len(pending) >= 512:
                    self.conn.result(pending.pop(0))
            for msgid in pending:
                self.conn.result(msgid)

    def rename(self, dn: str, new_rdn: str, new_parent: str | None = None) -> str:
        """Renames (and optionally moves) an entry; returns its new DN."""
        self.conn.rename_s(dn, new_rdn, new_parent, delold=1)
        parent = new_parent or ldap.dn.dn2str(ldap.dn.str2dn(dn)[1:])
        return f"{new_rdn},{parent}"

    def move(self, dn: str, new_parent: str) -> str:
        """Moves an entry under another parent, keeping its RDN; returns its new DN."""
        rdn = ldap.dn.dn2str(ldap.dn.str2dn(dn)[:1])
        return self.rename(dn, rdn, new_parent)

    def add_ou(self, name: str, parent: str | None = None) -> str:
        """An extra organizational unit (e.g. to move people out of the synced base)."""
        dn = f"{'OU' if self.is_ad else 'ou'}={_rdn_value(name)},{parent or self.dn}"
        self.conn.add_s(dn, [("objectClass", [b"organizationalUnit"]), ("ou", [name.encode()])])
        return dn

    # --- groups --------------------------------------------------------------------------
    def add_group(
        self,
        name: str,
        members: Sequence[str] = (),
        *,
        parent: str | None = None,
        **extra: AttrValue,
    ) -> str:
        """Adds a group and returns its DN. slapd: groupOfNames `cn=name` (the OU's DN as a
        placeholder member while empty, see `placeholder_member`). AD: a global security group
        (groupType -2147483646) with sAMAccountName=name. Members may be users or groups."""
        attrs: dict[str, AttrValue]
        if self.is_ad:
            dn = f"CN={_rdn_value(name)},{parent or self.groups_dn}"
            attrs = {
                "objectClass": ["top", "group"],
                "cn": name,
                "sAMAccountName": name,
                "groupType": GLOBAL_SECURITY_GROUP,
                "member": list(members),
            }
        else:
            dn = f"cn={_rdn_value(name)},{parent or self.groups_dn}"
            attrs = {
                "objectClass": ["top", "groupOfNames"],
                "cn": name,
                "member": list(members) or [self.placeholder_member],
            }
        attrs.update(extra)
        self.conn.add_s(dn, [(k, _values(v)) for k, v in attrs.items() if _values(v)])
        return dn

    def members(self, group_dn: str) -> list[str]:
        """The group's direct members (without slapd's placeholder)."""
        values = self.read(group_dn, ["member"]).get("member", [])
        return [v.decode() for v in values if v.decode() != self.placeholder_member]

    def add_member(self, group_dn: str, dn: str) -> None:
        changes = [(ldap.MOD_ADD, "member", [dn.encode()])]
        if not self.is_ad and self._has_placeholder(group_dn):
            changes.append((ldap.MOD_DELETE, "member", [self.placeholder_member.encode()]))
        self.conn.modify_s(group_dn, changes)

    def remove_member(self, group_dn: str, dn: str) -> None:
        changes = [(ldap.MOD_DELETE, "member", [dn.encode()])]
        if not self.is_ad and self.members(group_dn) == [dn]:
            changes.insert(0, (ldap.MOD_ADD, "member", [self.placeholder_member.encode()]))
        self.conn.modify_s(group_dn, changes)

    def _has_placeholder(self, group_dn: str) -> bool:
        values = self.read(group_dn, ["member"]).get("member", [])
        return self.placeholder_member.encode() in values

    # --- reading -------------------------------------------------------------------------
    def read(
        self, dn: str, attrs: Sequence[str] | None = None, *, deleted: bool = False
    ) -> dict[str, list[bytes]]:
        """One entry's attributes as raw bytes (objectGUID stays binary); `attrs` may name
        operational ones (entryUUID, modifyTimestamp, memberOf, uSNChanged, ...). `deleted`
        (AD) also finds tombstones. Raises ldap.NO_SUCH_OBJECT when it is not there."""
        controls = [LDAPControl(SHOW_DELETED_OID, True, None)] if deleted else None
        result = self.conn.search_ext_s(
            dn,
            ldap.SCOPE_BASE,
            "(objectClass=*)",
            list(attrs) if attrs else None,
            serverctrls=controls,
        )
        entries = [(d, a) for d, a in result if d is not None]
        if not entries:
            raise ldap.NO_SUCH_OBJECT({"desc": "No such object", "matched": dn})
        return dict(entries[0][1])

    def search(
        self,
        filterstr: str = "(objectClass=*)",
        attrs: Sequence[str] | None = None,
        *,
        base: str | None = None,
        scope: int = ldap.SCOPE_SUBTREE,
        controls: Sequence[LDAPControl] = (),
    ) -> list[tuple[str, dict[str, list[bytes]]]]:
        """Entries under the OU (or `base`) as (dn, raw attributes); referrals left out."""
        result = self.conn.search_ext_s(
            base or self.dn,
            scope,
            filterstr,
            list(attrs) if attrs else None,
            serverctrls=list(controls) or None,
        )
        return [(d, dict(a)) for d, a in result if d is not None]


def _ou_name(request: pytest.FixtureRequest) -> str:
    # Readable in a server dump, unique per test run, within AD's 64-character OU limit.
    base = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name).strip("-")[:40]
    return f"{base}-{uuid.uuid4().hex[:8]}"


def make_ou(server: LdapServer, name: str) -> LdapOu:
    """Creates OU `name` under the server's base DN with people and groups below it."""
    conn = connect(server)
    prefix = "OU" if server.kind == "active_directory" else "ou"
    dn = f"{prefix}={_rdn_value(name)},{server.base_dn}"
    ou_class = [b"organizationalUnit"]
    conn.add_s(dn, [("objectClass", ou_class), ("ou", [name.encode()])])
    people = f"{prefix}=people,{dn}"
    groups = f"{prefix}=groups,{dn}"
    for sub, value in ((people, b"people"), (groups, b"groups")):
        conn.add_s(sub, [("objectClass", ou_class), ("ou", [value])])
    return LdapOu(server=server, conn=conn, dn=dn, people_dn=people, groups_dn=groups)


def drop_ou(ou: LdapOu) -> None:
    try:
        ou.delete(ou.dn)
    except ldap.NO_SUCH_OBJECT:
        pass
    finally:
        ou.conn.unbind_s()


@pytest.fixture(scope="session")
def slapd_server() -> LdapServer:
    return slapd_from_env()


@pytest.fixture(scope="session")
def samba_server() -> LdapServer:
    return samba_from_env()


@pytest.fixture
def slapd_ou(slapd_server: LdapServer, request: pytest.FixtureRequest) -> Iterator[LdapOu]:
    ou = make_ou(slapd_server, _ou_name(request))
    yield ou
    drop_ou(ou)


@pytest.fixture
def samba_ou(samba_server: LdapServer, request: pytest.FixtureRequest) -> Iterator[LdapOu]:
    ou = make_ou(samba_server, _ou_name(request))
    yield ou
    drop_ou(ou)


__all__ = [
    "GLOBAL_SECURITY_GROUP",
    "IN_CHAIN_RULE",
    "SHOW_DELETED_OID",
    "TREE_DELETE_OID",
    "LdapOu",
    "LdapServer",
    "ad_password",
    "connect",
    "make_ou",
    "samba_from_env",
    "slapd_from_env",
]
