"""`provisioner sources list|test`: the exit code says whether the test passed, and a test
writes nothing to the database."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from app.cli import app as cli
from tests.ldap_support import LdapOu, LdapServer
from tests.sources.helpers import ad_body, source_row
from tests.sources.test_connection import body, free_port
from tests.support import ApiClient

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(cli, list(args), env={"COLUMNS": "250"}, catch_exceptions=False)


def test_list_shows_every_source_and_no_password(client: ApiClient) -> None:
    client.ok("POST", "/sources", json=ad_body(1))
    client.ok("POST", "/sources", json=ad_body(2, bind_password="Other-Secret-2"))
    result = run("sources", "list")
    assert result.exit_code == 0, result.output
    assert "corp-ad-1" in result.output and "corp-ad-2" in result.output
    assert "Sup3r-secret!" not in result.output and "Other-Secret-2" not in result.output


def test_test_exits_0_when_the_server_answers_and_writes_nothing(
    client: ApiClient, slapd_server: LdapServer, slapd_ou: LdapOu
) -> None:
    slapd_ou.add_user("ann", "Ann", "Lee", "ann@corp.example.com")
    source = client.ok("POST", "/sources", json=body(slapd_server, slapd_ou, name="openldap"))
    before = source_row(source["id"]).model_dump()
    assert run("sources", "test", "openldap").exit_code == 0
    assert run("sources", "test", str(source["id"])).exit_code == 0
    assert source_row(source["id"]).model_dump() == before


def test_test_exits_1_when_a_step_fails_or_the_source_is_unknown(
    client: ApiClient, slapd_server: LdapServer, slapd_ou: LdapOu
) -> None:
    wrong = client.ok(
        "POST",
        "/sources",
        json=body(slapd_server, slapd_ou, name="wrong-password", bind_password="nope"),
    )
    gone = client.ok(
        "POST",
        "/sources",
        json=body(slapd_server, slapd_ou, name="gone", url=f"ldap://127.0.0.1:{free_port()}"),
    )
    other_ca = Path(slapd_server.other_ca_file).read_text()
    bad_ca = client.ok(
        "POST",
        "/sources",
        json=body(slapd_server, slapd_ou, name="bad-ca", ca_certificate=other_ca),
    )
    for source in (wrong, gone, bad_ca):
        before = source_row(source["id"]).model_dump()
        result = run("sources", "test", source["name"])
        assert result.exit_code == 1, result.output
        assert source_row(source["id"]).model_dump() == before
    assert run("sources", "test", "no-such-source").exit_code == 1
