"""The test LDAP servers are real and have what the directory sources rely on.

slapd (generic LDAP): entryUUID, modifyTimestamp, memberOf maintained by the overlay, referential
integrity, TLS verified against the test CA, anonymous reads and bad passwords refused.
Samba (Active Directory): objectGUID, uSNChanged against the rootDSE's highestCommittedUSN,
userAccountControl, nested groups through the in-chain matching rule, tombstones in Deleted
Objects with the show-deleted control, and simple binds only over TLS.
"""

from __future__ import annotations

import re
import uuid

import ldap
import pytest
from ldap.controls import LDAPControl

from tests.ldap_support import (
    IN_CHAIN_RULE,
    SHOW_DELETED_OID,
    LdapOu,
    LdapServer,
    connect,
    random_password,
)

# python-ldap reports a refused certificate as SERVER_DOWN (ldaps) or CONNECT_ERROR (StartTLS).
TLS_REFUSED = (ldap.SERVER_DOWN, ldap.CONNECT_ERROR)


def _guid_filter(guid: bytes) -> str:
    return "(objectGUID=" + "".join(f"\\{b:02x}" for b in guid) + ")"


def _text(entry: dict[str, list[bytes]], name: str) -> list[str]:
    return [v.decode() for v in entry.get(name, [])]


# --- slapd --------------------------------------------------------------------------------


def test_slapd_gives_entry_uuid_modify_timestamp_and_member_of(slapd_ou: LdapOu) -> None:
    alice = slapd_ou.add_user("alice", "Alice", "Archer", "alice@example.org", title="Engineer")
    bob = slapd_ou.add_user("bob", "Bob", "Baker", "bob@example.org")
    staff = slapd_ou.add_group("staff", [alice, bob])
    everyone = slapd_ou.add_group("everyone", [staff])

    entry = slapd_ou.read(alice, ["entryUUID", "modifyTimestamp", "memberOf", "title", "uid"])
    assert uuid.UUID(entry["entryUUID"][0].decode())
    assert re.fullmatch(rb"\d{14}Z", entry["modifyTimestamp"][0])
    assert _text(entry, "memberOf") == [staff]
    assert _text(entry, "title") == ["Engineer"]
    # Nested groups: the overlay records the direct membership of the group itself.
    assert _text(slapd_ou.read(staff, ["memberOf"]), "memberOf") == [everyone]

    # modifyTimestamp filters (the incremental sync's query) are answered.
    stamp = entry["modifyTimestamp"][0].decode()
    found = slapd_ou.search(f"(&(objectClass=inetOrgPerson)(modifyTimestamp>={stamp}))", ["uid"])
    assert alice in [dn for dn, _ in found]

    # Deleting a person takes it out of its groups (memberof/refint)...
    slapd_ou.delete(alice)
    assert slapd_ou.members(staff) == [bob]
    # ...and removing the last member leaves the placeholder (groupOfNames cannot be empty).
    slapd_ou.remove_member(staff, bob)
    assert "memberOf" not in slapd_ou.read(bob, ["memberOf"])
    assert slapd_ou.members(staff) == []
    assert slapd_ou.read(staff, ["member"])["member"] == [slapd_ou.placeholder_member.encode()]


def test_slapd_moves_keep_the_entry_uuid(slapd_ou: LdapOu) -> None:
    carol = slapd_ou.add_user("carol", "Carol", "Cook", "carol@example.org")
    before = slapd_ou.read(carol, ["entryUUID"])["entryUUID"]
    elsewhere = slapd_ou.add_ou("elsewhere")
    moved = slapd_ou.move(carol, elsewhere)
    assert moved == f"uid=carol,{elsewhere}"
    assert slapd_ou.read(moved, ["entryUUID"])["entryUUID"] == before
    with pytest.raises(ldap.NO_SUCH_OBJECT):
        slapd_ou.read(carol)


def test_slapd_refuses_a_bad_password_a_wrong_ca_and_anonymous_reads(
    slapd_server: LdapServer,
) -> None:
    with pytest.raises(ldap.INVALID_CREDENTIALS):
        connect(slapd_server, password="not-the-password")
    with pytest.raises(TLS_REFUSED):
        connect(slapd_server, ca_file=slapd_server.other_ca_file)
    with pytest.raises(TLS_REFUSED):
        connect(slapd_server, uri=slapd_server.ldaps_uri, ca_file=slapd_server.other_ca_file)
    # The right CA over ldaps:// (hostname checked against the certificate) works.
    connect(slapd_server, uri=slapd_server.ldaps_uri).unbind_s()

    anonymous = ldap.initialize(slapd_server.uri)
    anonymous.set_option(ldap.OPT_X_TLS_CACERTFILE, slapd_server.ca_file)
    anonymous.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
    anonymous.start_tls_s()
    with pytest.raises(ldap.UNWILLING_TO_PERFORM):
        anonymous.search_s(slapd_server.base_dn, ldap.SCOPE_SUBTREE, "(objectClass=*)")


def test_slapd_has_no_disabled_flag(slapd_ou: LdapOu) -> None:
    dave = slapd_ou.add_user("dave", "Dave", "Dale", "dave@example.org")
    with pytest.raises(ValueError, match="no disabled-account flag"):
        slapd_ou.disable(dave)


# --- Samba (Active Directory) ---------------------------------------------------------------


def test_samba_gives_object_guid_and_usn_changed_against_the_highest_committed_usn(
    samba_ou: LdapOu,
) -> None:
    alice = samba_ou.add_user(
        "ou-alice", "Alice", "Archer", "alice@corp.example.com", department="R&D"
    )
    entry = samba_ou.read(alice, ["objectGUID", "uSNChanged", "sAMAccountName", "department"])
    assert len(entry["objectGUID"][0]) == 16
    assert _text(entry, "sAMAccountName") == ["ou-alice"]
    assert _text(entry, "department") == ["R&D"]
    usn = int(entry["uSNChanged"][0])

    root = samba_ou.read("", ["highestCommittedUSN"])
    highest = int(root["highestCommittedUSN"][0])
    assert highest >= usn

    samba_ou.modify(alice, title="Engineer")
    changed = samba_ou.read(alice, ["uSNChanged", "objectGUID"])
    assert int(changed["uSNChanged"][0]) > highest
    assert changed["objectGUID"] == entry["objectGUID"]
    # The incremental query: what changed since the last highestCommittedUSN.
    found = samba_ou.search(f"(&(objectClass=user)(uSNChanged>={highest + 1}))", ["cn"])
    assert [dn for dn, _ in found] == [alice]


def test_samba_user_account_control_and_passwords(samba_ou: LdapOu) -> None:
    password = random_password()
    bob = samba_ou.add_user("ou-bob", "Bob", "Baker", "bob@corp.example.com", password=password)
    carol = samba_ou.add_user("ou-carol", "Carol", "Cook", None, enabled=False)
    assert samba_ou.read(bob, ["userAccountControl"])["userAccountControl"] == [b"512"]
    assert samba_ou.read(carol, ["userAccountControl"])["userAccountControl"] == [b"514"]
    assert _text(samba_ou.read(bob, ["userPrincipalName"]), "userPrincipalName") == [
        "ou-bob@corp.example.com"
    ]

    # The password set through unicodePwd is the person's password.
    connect(samba_ou.server, bind_dn=bob, password=password).unbind_s()
    samba_ou.disable(bob)
    assert samba_ou.read(bob, ["userAccountControl"])["userAccountControl"] == [b"514"]
    with pytest.raises(ldap.INVALID_CREDENTIALS):
        connect(samba_ou.server, bind_dn=bob, password=password)
    samba_ou.enable(bob)
    assert samba_ou.read(bob, ["userAccountControl"])["userAccountControl"] == [b"512"]


def test_samba_nested_groups_through_the_in_chain_rule(samba_ou: LdapOu) -> None:
    dave = samba_ou.add_user("ou-dave", "Dave", "Dale", "dave@corp.example.com")
    erin = samba_ou.add_user("ou-erin", "Erin", "Eads", "erin@corp.example.com")
    engineers = samba_ou.add_group("ou-engineers", [dave])
    office = samba_ou.add_group("ou-office-365", [engineers])
    samba_ou.add_member(office, erin)

    entry = samba_ou.read(office, ["groupType", "objectGUID"])
    assert entry["groupType"] == [b"-2147483646"]
    direct = samba_ou.search(f"(&(objectClass=user)(memberOf={office}))", ["cn"])
    assert [dn for dn, _ in direct] == [erin]
    nested = samba_ou.search(f"(&(objectClass=user)(memberOf:{IN_CHAIN_RULE}:={office}))", ["cn"])
    assert sorted(dn for dn, _ in nested) == sorted([dave, erin])
    # memberOf on the person lists direct groups only; the rule walks the chain.
    assert _text(samba_ou.read(dave, ["memberOf"]), "memberOf") == [engineers]

    samba_ou.remove_member(engineers, dave)
    nested = samba_ou.search(f"(&(objectClass=user)(memberOf:{IN_CHAIN_RULE}:={office}))", ["cn"])
    assert [dn for dn, _ in nested] == [erin]


def test_samba_deleted_user_is_a_tombstone_with_its_object_guid(samba_ou: LdapOu) -> None:
    frank = samba_ou.add_user("ou-frank", "Frank", "Fox", "frank@corp.example.com")
    guid = samba_ou.read(frank, ["objectGUID"])["objectGUID"][0]
    samba_ou.delete(frank)
    with pytest.raises(ldap.NO_SUCH_OBJECT):
        samba_ou.read(frank)

    server = samba_ou.server
    # Without the show-deleted control the tombstone stays hidden.
    assert samba_ou.search(_guid_filter(guid), base=server.base_dn) == []
    found = samba_ou.search(
        _guid_filter(guid),
        ["isDeleted", "objectGUID", "lastKnownParent"],
        base=f"CN=Deleted Objects,{server.base_dn}",
        controls=[LDAPControl(SHOW_DELETED_OID, True, None)],
    )
    assert len(found) == 1
    dn, attrs = found[0]
    assert "\\0ADEL:" in dn
    assert attrs["isDeleted"] == [b"TRUE"]
    assert attrs["objectGUID"] == [guid]
    assert _text(attrs, "lastKnownParent") == [samba_ou.people_dn]


def test_samba_refuses_simple_binds_without_tls_a_bad_password_and_a_wrong_ca(
    samba_server: LdapServer,
) -> None:
    host = samba_server.uri.removeprefix("ldaps://").rsplit(":", 1)[0]
    with pytest.raises(ldap.STRONG_AUTH_REQUIRED):
        connect(samba_server, uri=f"ldap://{host}:389", start_tls=False)
    # StartTLS on the plain port is fine.
    connect(samba_server, uri=f"ldap://{host}:389").unbind_s()
    with pytest.raises(ldap.INVALID_CREDENTIALS):
        connect(samba_server, password="Not-the-password-1")
    with pytest.raises(TLS_REFUSED):
        connect(samba_server, ca_file=samba_server.other_ca_file)
