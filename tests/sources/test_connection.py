"""The connection test against real servers (OpenLDAP slapd, Samba's AD DC): it binds, reads
the root DSE and counts people and groups under each base DN, and reports a refused bind, a
certificate from an unknown CA, an unreachable server and an unknown base DN as a 200 report
with `ok: false` and the failing step. It writes nothing."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from tests.ldap_support import LdapOu, LdapServer
from tests.sources.helpers import all_sources, source_row
from tests.support import ApiClient


def body(server: LdapServer, ou: LdapOu, **overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": f"test-{server.kind}",
        "kind": server.kind,
        "url": server.uri,
        "ca_certificate": Path(server.ca_file).read_text(),
        "bind_dn": server.bind_dn,
        "bind_password": server.bind_password,
        "base_dns": [ou.dn],
    }
    out.update(overrides)
    return out


def people(ou: LdapOu, count: int) -> None:
    users = [
        ou.add_user(f"person{n}", "Test", f"Person{n}", f"person{n}@corp.example.com")
        for n in range(count)
    ]
    inner = ou.add_group("Inner", users[:1])
    ou.add_group("Office 365", [users[-1], inner])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_slapd_is_bound_and_counted(
    client: ApiClient, slapd_server: LdapServer, slapd_ou: LdapOu
) -> None:
    people(slapd_ou, 3)
    report = client.ok("POST", "/sources/test", json=body(slapd_server, slapd_ou))
    assert report["ok"] is True and report["failed_step"] is None
    assert report["connect"]["ok"] and report["bind"]["ok"]
    assert report["searches"] == [
        {"base_dn": slapd_ou.dn, "ok": True, "users": 3, "groups": 2, "code": None, "message": None}
    ]
    assert report["server"]["active_directory"] is False
    assert all_sources() == []  # tried, not saved


def test_samba_is_recognised_as_active_directory_and_counted(
    client: ApiClient, samba_server: LdapServer, samba_ou: LdapOu
) -> None:
    people(samba_ou, 2)
    source = client.ok("POST", "/sources", json=body(samba_server, samba_ou))
    before = source_row(source["id"])
    report = client.ok("POST", f"/sources/{source['id']}/test")
    assert report["ok"] is True, report
    [search] = report["searches"]
    assert (search["users"], search["groups"]) == (2, 2)
    server = report["server"]
    assert server["active_directory"] is True
    assert server["highest_committed_usn_present"] is True
    assert server["default_naming_context"].lower() == samba_server.base_dn.lower()
    assert source_row(source["id"]).model_dump() == before.model_dump()  # writes nothing


def test_a_wrong_password_is_reported_as_a_refused_bind(
    client: ApiClient, slapd_server: LdapServer, slapd_ou: LdapOu
) -> None:
    report = client.ok(
        "POST", "/sources/test", json=body(slapd_server, slapd_ou, bind_password="wrong")
    )
    assert (report["ok"], report["failed_step"]) == (False, "bind")
    assert report["connect"]["ok"] is True
    assert report["bind"]["code"] == "bind_refused"
    assert "refused the bind DN and password" in report["bind"]["message"]
    assert "wrong" not in str(report)
    assert report["searches"] == []


def test_a_wrong_password_on_samba_too(
    client: ApiClient, samba_server: LdapServer, samba_ou: LdapOu
) -> None:
    report = client.ok(
        "POST", "/sources/test", json=body(samba_server, samba_ou, bind_password="Wr0ng-pass")
    )
    assert (report["failed_step"], report["bind"]["code"]) == ("bind", "bind_refused")


def test_a_certificate_from_another_ca_is_a_tls_failure(
    client: ApiClient, slapd_server: LdapServer, slapd_ou: LdapOu
) -> None:
    other = Path(slapd_server.other_ca_file).read_text()
    for url in (slapd_server.uri, slapd_server.ldaps_uri):
        report = client.ok(
            "POST",
            "/sources/test",
            json=body(slapd_server, slapd_ou, url=url, ca_certificate=other),
        )
        assert (report["ok"], report["failed_step"]) == (False, "connect"), report
        assert report["connect"]["code"] == "tls"
        assert report["bind"]["ok"] is False


def test_a_certificate_from_another_ca_is_a_tls_failure_on_samba_too(
    client: ApiClient, samba_server: LdapServer, samba_ou: LdapOu
) -> None:
    other = Path(samba_server.other_ca_file).read_text()
    report = client.ok(
        "POST", "/sources/test", json=body(samba_server, samba_ou, ca_certificate=other)
    )
    assert (report["ok"], report["failed_step"]) == (False, "connect"), report
    assert report["connect"]["code"] == "tls" and report["bind"]["ok"] is False


def test_an_unreachable_server_is_reported_as_such(
    client: ApiClient, slapd_server: LdapServer, slapd_ou: LdapOu
) -> None:
    url = f"ldap://127.0.0.1:{free_port()}"
    report = client.ok("POST", "/sources/test", json=body(slapd_server, slapd_ou, url=url))
    assert (report["failed_step"], report["connect"]["code"]) == ("connect", "unreachable")


def test_an_unknown_base_dn_fails_the_search_step(
    client: ApiClient, slapd_server: LdapServer, slapd_ou: LdapOu
) -> None:
    missing = f"ou=nowhere,{slapd_server.base_dn}"
    report = client.ok(
        "POST", "/sources/test", json=body(slapd_server, slapd_ou, base_dns=[slapd_ou.dn, missing])
    )
    assert (report["ok"], report["failed_step"]) == (False, "search")
    good, bad = report["searches"]
    assert good["ok"] is True and good["users"] == 0
    assert (bad["ok"], bad["code"]) == (False, "no_such_object")
    # The message names the base DN (a sync's status_reason carries it too, with several).
    assert missing in bad["message"], bad
