"""`/api/v1/sources`: create, read, change and delete directory sources, with each bad
setting refused before anything is stored, the bind password write-only and encrypted, the
kind's defaults applied, and every change in the audit trail."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import crypto
from app.sources.defaults import ACTIVE_DIRECTORY, GENERIC_LDAP
from tests.sources.helpers import ad_body, all_sources, ca_pem, ldap_body, own_user, source_row
from tests.support import ApiClient, user_body


def audit(api: ApiClient, action: str) -> list[dict[str, Any]]:
    return api.ok("GET", "/audit", params={"object_type": "source", "action": action})["items"]


def test_an_ad_source_takes_azure_ad_connect_defaults(client: ApiClient) -> None:
    created = client.ok("POST", "/sources", json=ad_body())
    assert created["kind"] == "active_directory"
    assert created["tls"] == "ldaps"
    assert created["user_filter"] == "(&(objectCategory=person)(objectClass=user))"
    assert created["group_filter"] == "(objectClass=group)"
    assert created["anchor"] == "mS-DS-ConsistencyGuid"
    assert created["attribute_map"] == ACTIVE_DIRECTORY.attribute_map
    assert created["attribute_map"]["username"] == "userPrincipalName"
    assert created["attribute_map"]["custom_attributes.employee_id"] == "employeeID"
    assert created["immutable_id_attribute"] == "custom_attributes.immutable_id"
    assert (created["deletion_threshold"], created["sync_interval_s"]) == (500, 1800)
    assert (created["status"], created["user_count"]) == ("idle", 0)
    row = source_row(created["id"])
    assert row.attribute_map == ACTIVE_DIRECTORY.attribute_map
    assert row.anchor == "mS-DS-ConsistencyGuid"
    assert client.ok("GET", f"/sources/{created['id']}") == created


def test_an_ldap_source_takes_inetorgperson_defaults_and_starttls(client: ApiClient) -> None:
    created = client.ok("POST", "/sources", json=ldap_body())
    assert created["url"] == "ldap://ldap.corp.example:389"
    assert created["tls"] == "starttls"
    assert created["user_filter"] == "(objectClass=inetOrgPerson)"
    assert (
        created["group_filter"] == "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))"
    )
    assert created["anchor"] == "entryUUID"
    assert created["attribute_map"] == GENERIC_LDAP.attribute_map
    assert created["attribute_map"]["username"] == "uid"
    assert source_row(created["id"]).anchor == "entryUUID"


def test_settings_sent_win_over_defaults_and_the_map_merges_onto_them(client: ApiClient) -> None:
    created = client.ok(
        "POST",
        "/sources",
        json=ad_body(
            user_filter="(&(objectCategory=person)(objectClass=user)(department=Sales))",
            anchor="objectGUID",
            attribute_map={"country": "co", "custom_attributes.samaccountname": None},
        ),
    )
    assert created["user_filter"].endswith("(department=Sales))")
    assert created["anchor"] == "objectGUID"
    expected = {**ACTIVE_DIRECTORY.attribute_map, "country": "co"}
    del expected["custom_attributes.samaccountname"]
    assert source_row(created["id"]).attribute_map == expected


def test_the_bind_password_is_write_only_and_encrypted_at_rest(client: ApiClient) -> None:
    created = client.ok("POST", "/sources", json=ad_body())
    assert created["bind_password_set"] is True
    assert "bind_password" not in created
    assert "Sup3r-secret!" not in json.dumps(created)
    row = source_row(created["id"])
    assert row.bind_password_enc and "Sup3r-secret!" not in row.bind_password_enc
    assert crypto.decrypt(row.bind_password_enc) == "Sup3r-secret!"
    listed = client.ok("GET", "/sources")["items"]
    assert "Sup3r-secret!" not in json.dumps(listed)

    client.ok("PATCH", f"/sources/{created['id']}", json={"bind_password": "n3w-one"})
    after = source_row(created["id"])
    assert crypto.decrypt(after.bind_password_enc or "") == "n3w-one"

    entries = audit(client, "source.created") + audit(client, "source.updated")
    text = json.dumps(entries)
    assert "Sup3r-secret!" not in text and "n3w-one" not in text
    assert row.bind_password_enc not in text
    changed = audit(client, "source.updated")[0]
    assert changed["before"]["bind_password"] != changed["after"]["bind_password"]
    assert changed["after"]["bind_password"].startswith("set:")


BAD_SETTINGS: list[tuple[dict[str, Any], str, str]] = [
    ({"url": "https://dc1.corp.example"}, "url", "scheme"),
    ({"url": "ldaps://"}, "url", "no host"),
    ({"url": "ldap://dc1.corp.example:70000"}, "url", "URL"),
    ({"url": "ldap://dc1/DC=corp"}, "url", "base_dns"),
    ({"url": "ldaps://dc1.corp.example", "tls": "starttls"}, "tls", "ldaps"),
    ({"url": "ldap://dc1.corp.example", "tls": "ldaps"}, "tls", "ldaps://"),
    ({"url": "ldap://dc1.corp.example", "tls": "plaintext"}, "allow_plaintext", "clear text"),
    ({"user_filter": "(&(objectClass=user)"}, "user_filter", "unbalanced"),
    ({"group_filter": "(objectClass=group))"}, "group_filter", "unbalanced"),
    ({"user_filter": "(objectClass~=*user)"}, "user_filter", "RFC 4515"),
    ({"user_filter": "objectClass=user"}, "user_filter", "starts with"),
    ({"user_filter": "(&(a=b)c)"}, "user_filter", "RFC 4515"),
    ({"base_dns": ["not a dn"]}, "base_dns", "distinguished name"),
    ({"base_dns": []}, "base_dns", "at least 1"),
    ({"bind_dn": "svc sync"}, "bind_dn", "distinguished name"),
    ({"attribute_map": {"mobile": "mobile"}}, "attribute_map", "user fields"),
    ({"attribute_map": {"department": "depart ment"}}, "attribute_map", "RFC 4512"),
    ({"attribute_map": {"title": "9title"}}, "attribute_map", "RFC 4512"),
    ({"attribute_map": {"email": None}}, "attribute_map.email", "email"),
    ({"attribute_map": {"title": "!title"}}, "attribute_map.title", "Only status"),
    ({"attribute_map": {"status": "!9locked"}}, "attribute_map", "RFC 4512"),
    (
        {"ca_certificate": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"},
        "ca_certificate",
        "X.509",
    ),
    ({"anchor": "entryUUID"}, "anchor", "entryUUID"),
    ({"deletion_threshold": -1}, "deletion_threshold", "greater than or equal"),
    ({"bind_password": ""}, "bind_password", "at least 1"),
]


@pytest.mark.parametrize(("overrides", "field", "words"), BAD_SETTINGS)
def test_a_bad_setting_is_a_422_naming_it_and_nothing_is_stored(
    client: ApiClient, overrides: dict[str, Any], field: str, words: str
) -> None:
    body = client.problem("POST", "/sources", 422, json=ad_body(**overrides))
    assert any(e["field"].startswith(field) for e in body["errors"]), body
    assert words in json.dumps(body), body
    assert all_sources() == []
    # The same settings tried before saving are refused the same way.
    client.problem("POST", "/sources/test", 422, json=ad_body(**overrides))


def test_status_may_read_a_locked_flag_inverted(client: ApiClient) -> None:
    created = client.ok(
        "POST", "/sources", json=ldap_body(attribute_map={"status": " !nsAccountLock"})
    )
    assert created["attribute_map"]["status"] == "!nsAccountLock"
    patched = client.ok(
        "PATCH", f"/sources/{created['id']}", json={"attribute_map": {"status": "!pwdLocked"}}
    )
    assert patched["attribute_map"]["status"] == "!pwdLocked"


def test_an_expired_ca_is_refused_and_a_good_one_is_shown_by_fingerprint(
    client: ApiClient,
) -> None:
    client.problem("POST", "/sources", 422, json=ad_body(ca_certificate=ca_pem(days=-1)))
    assert all_sources() == []
    pem = ca_pem(cn="Corp Root CA")
    created = client.ok("POST", "/sources", json=ad_body(ca_certificate=pem))
    [ca] = created["ca_certificates"]
    assert ca["subject"] == "CN=Corp Root CA"
    assert len(ca["fingerprint_sha256"].split(":")) == 32
    assert source_row(created["id"]).ca_certificate == pem
    cleared = client.ok("PATCH", f"/sources/{created['id']}", json={"ca_certificate": None})
    assert cleared["ca_certificates"] is None
    assert source_row(created["id"]).ca_certificate is None


def test_plaintext_needs_the_explicit_opt_in(client: ApiClient) -> None:
    created = client.ok(
        "POST",
        "/sources",
        json=ldap_body(url="ldap://ldap.corp.example:389", tls="plaintext", allow_plaintext=True),
    )
    assert created["tls"] == "plaintext"
    sid = created["id"]
    # Changing the server or password of a plaintext source asks again.
    client.problem("PATCH", f"/sources/{sid}", 422, json={"bind_password": "x-y-z"})
    client.problem("PATCH", f"/sources/{sid}", 422, json={"url": "ldap://other.example"})
    assert source_row(sid).url == "ldap://ldap.corp.example:389"
    client.ok("PATCH", f"/sources/{sid}", json={"deletion_threshold": 10})
    client.ok(
        "PATCH", f"/sources/{sid}", json={"url": "ldap://other.example", "allow_plaintext": True}
    )
    # A StartTLS source cannot drop to plaintext without it either.
    other = client.ok("POST", "/sources", json=ldap_body(2))
    client.problem("PATCH", f"/sources/{other['id']}", 422, json={"tls": "plaintext"})
    assert source_row(other["id"]).tls == "starttls"


def test_patch_merges_the_attribute_map_and_keeps_what_it_leaves_out(client: ApiClient) -> None:
    created = client.ok("POST", "/sources", json=ad_body())
    sid = created["id"]
    patched = client.ok(
        "PATCH",
        f"/sources/{sid}",
        json={"attribute_map": {"title": "extensionAttribute1", "company": None}},
    )
    expected = {**ACTIVE_DIRECTORY.attribute_map, "title": "extensionAttribute1"}
    del expected["company"]
    assert patched["attribute_map"] == expected
    assert source_row(sid).attribute_map == expected
    assert patched["base_dns"] == created["base_dns"]
    # A map that would lose the username is refused and changes nothing.
    client.problem("PATCH", f"/sources/{sid}", 422, json={"attribute_map": {"username": None}})
    assert source_row(sid).attribute_map == expected
    # Null for a required setting, or a change of kind, is refused.
    client.problem("PATCH", f"/sources/{sid}", 422, json={"url": None})
    client.problem("PATCH", f"/sources/{sid}", 422, json={"kind": "ldap"})
    assert source_row(sid).kind == "active_directory"


def test_a_change_of_scope_forgets_the_cursor_so_the_next_sync_is_full(client: ApiClient) -> None:
    from app.db import transaction
    from app.models import Source

    sid = client.ok("POST", "/sources", json=ad_body())["id"]
    with transaction() as session:
        row = session.get(Source, sid)
        assert row is not None
        row.cursor = {"usn": 1234}
    client.ok("PATCH", f"/sources/{sid}", json={"deletion_threshold": 5})
    assert source_row(sid).cursor == {"usn": 1234}
    client.ok("PATCH", f"/sources/{sid}", json={"base_dns": ["OU=Staff,DC=corp,DC=example"]})
    assert source_row(sid).cursor is None


def test_names_are_unique_and_a_url_of_the_other_scheme_moves_tls(client: ApiClient) -> None:
    created = client.ok("POST", "/sources", json=ad_body())
    client.problem("POST", "/sources", 409, json=ad_body(name="CORP-AD-1"))
    moved = client.ok("PATCH", f"/sources/{created['id']}", json={"url": "ldap://dc2.corp.example"})
    assert (moved["url"], moved["tls"]) == ("ldap://dc2.corp.example:389", "starttls")


def test_an_ad_source_may_bind_as_a_upn_or_down_level_name(client: ApiClient) -> None:
    a = client.ok("POST", "/sources", json=ad_body(1, bind_dn="svc-sync@corp.example"))
    b = client.ok("POST", "/sources", json=ad_body(2, bind_dn="CORP\\svc-sync"))
    assert (a["bind_dn"], b["bind_dn"]) == ("svc-sync@corp.example", "CORP\\svc-sync")
    client.problem("POST", "/sources", 422, json=ldap_body(bind_dn="svc-sync@corp.example"))


def test_writes_need_admin_and_reads_need_read(client: ApiClient) -> None:
    writer = client.with_scopes("write")
    reader = client.with_scopes("read")
    writer.problem("POST", "/sources", 403, json=ad_body())
    assert all_sources() == []
    sid = client.ok("POST", "/sources", json=ad_body())["id"]
    assert reader.ok("GET", f"/sources/{sid}")["id"] == sid
    writer.problem("PATCH", f"/sources/{sid}", 403, json={"enabled": False})
    writer.problem("DELETE", f"/sources/{sid}", 403)
    writer.problem("POST", "/sources/test", 403, json=ad_body())
    reader.problem("POST", f"/sources/{sid}/test", 403)
    assert source_row(sid).enabled is True


def test_deleting_a_source_releases_its_people_and_says_how_many(client: ApiClient) -> None:
    sid = client.ok("POST", "/sources", json=ad_body())["id"]
    users = [client.ok("POST", "/users", json=user_body(n)) for n in (1, 2, 3)]
    own_user(users[0]["id"], sid, "a1")
    own_user(users[1]["id"], sid, "a2")
    assert client.ok("GET", f"/sources/{sid}")["user_count"] == 2
    assert client.ok("GET", f"/users/{users[0]['id']}")["source"] == {
        "id": sid,
        "name": "corp-ad-1",
    }

    deleted = client.ok("DELETE", f"/sources/{sid}")
    assert deleted == {"id": sid, "name": "corp-ad-1", "released_users": 2}
    assert all_sources() == []
    for u in users:
        after = client.ok("GET", f"/users/{u['id']}")
        assert after["source"] is None
        assert after["email"] == u["email"]
    [entry] = audit(client, "source.deleted")
    assert entry["after"] is None and entry["before"]["released_users"] == 2
    client.problem("GET", f"/sources/{sid}", 404)
    # Released people are the API's now.
    client.ok("PATCH", f"/users/{users[0]['id']}", json={"department": "Legal"})


def test_every_change_is_audited(client: ApiClient) -> None:
    sid = client.ok("POST", "/sources", json=ad_body())["id"]
    client.ok("PATCH", f"/sources/{sid}", json={"deletion_threshold": 50})
    [created] = audit(client, "source.created")
    assert created["object"] == {"type": "source", "id": str(sid), "name": "corp-ad-1"}
    assert created["after"]["url"] == "ldaps://dc1.corp.example:636"
    [updated] = audit(client, "source.updated")
    assert updated["before"] == {"deletion_threshold": 500}
    assert updated["after"] == {"deletion_threshold": 50}
