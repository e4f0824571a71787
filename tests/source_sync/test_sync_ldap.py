"""Syncs from a real OpenLDAP slapd: full and incremental, nested groups, deletions found on a
full sync, the deletion threshold, a source answering nobody, soft match, failures."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

from sqlmodel import select

from app.db import transaction
from app.directory import service as directory
from app.directory.schemas import UserCreate
from app.ldap.client import LdapError, connect
from app.models import AuditEntry, Event
from app.source_sync import service
from app.source_sync.service import EMPTY_REASON
from tests.ldap_support import LdapOu, LdapServer
from tests.source_sync.helpers import make_source, owned, source_row, user_named


def _people(ou: LdapOu, n: int) -> list[str]:
    return [
        ou.add_user(f"p{i}", f"Given{i}", f"Sn{i}", f"p{i}@contoso.com", title="Engineer")
        for i in range(n)
    ]


def test_full_then_incremental_with_nested_groups(env: Any, slapd_ou: LdapOu) -> None:
    ann = slapd_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com", department="Sales")
    bob = slapd_ou.add_user("bob", "Bob", "Ray", "bob@contoso.com", employee_id="E42")
    cat = slapd_ou.add_user("cat", "Cat", "Poe", "cat@contoso.com")
    sales = slapd_ou.add_group("Sales", [ann])
    slapd_ou.add_group("Office 365", [sales, bob])
    source_id = make_source(slapd_ou)

    outcome = service.run_sync(source_id, full=True)
    assert outcome.detail == "idle", outcome.figures
    people = owned(source_id)
    assert sorted(people) == ["ann", "bob", "cat"]
    assert people["ann"].member_of == ["Office 365", "Sales"]  # through Sales, nested
    assert people["bob"].member_of == ["Office 365"]
    assert people["cat"].member_of == []
    assert people["bob"].custom_attributes["employee_id"] == "E42"
    assert people["ann"].department == "Sales"
    assert people["ann"].distinguished_name.lower() == ann.lower()
    entry_uuid = slapd_ou.read(ann, ["entryUUID"])["entryUUID"][0].decode()
    assert people["ann"].source_anchor == entry_uuid
    assert (
        people["ann"].custom_attributes["immutable_id"]
        == base64.b64encode(uuid.UUID(entry_uuid).bytes).decode()
    )
    row = source_row(source_id)
    assert row.status == "idle" and row.last_sync and row.last_sync["created"] == 3
    assert row.cursor and row.cursor["modify_timestamp"]
    # The audit names the source as the actor.
    with transaction() as session:
        actors = set(
            session.execute(
                select(AuditEntry.actor_type, AuditEntry.actor_name).where(
                    AuditEntry.action == "user.created"
                )
            ).all()
        )
    assert actors == {("source", row.name)}

    # Incremental: one person changes, one group gains a member; the others are not written.
    stamps = {u: p.updated_at for u, p in owned(source_id).items()}
    slapd_ou.modify(cat, title="Director")
    slapd_ou.add_member(sales, bob)
    outcome = service.run_sync(source_id)
    assert outcome.figures["kind"] == "incremental", outcome.figures
    people = owned(source_id)
    assert people["cat"].title == "Director"
    assert people["bob"].member_of == ["Office 365", "Sales"]
    assert people["ann"].updated_at == stamps["ann"]  # untouched
    assert outcome.figures["updated"] == 2

    # A person deleted in the source goes on the next full sync (generic LDAP has no tombstones).
    slapd_ou.delete(cat)
    service.run_sync(source_id)
    assert "cat" in owned(source_id)
    service.run_sync(source_id, full=True)
    assert "cat" not in owned(source_id)
    gone = user_named("cat")
    assert gone is None or gone.deleted_at is not None  # no app to deprovision: the row went
    with transaction() as session:
        deleted = session.execute(
            select(AuditEntry.actor_type).where(
                AuditEntry.action == "user.deleted", AuditEntry.object_name == "cat"
            )
        ).scalars()
        assert list(deleted) == ["source"]


def test_deletion_threshold_holds_then_release_applies(env: Any, slapd_ou: LdapOu) -> None:
    dns = _people(slapd_ou, 4)
    source_id = make_source(slapd_ou, deletion_threshold=1)
    service.run_sync(source_id, full=True)
    assert len(owned(source_id)) == 4
    slapd_ou.delete(dns[0])
    slapd_ou.delete(dns[1])
    outcome = service.run_sync(source_id, full=True)
    assert outcome.detail == "held"
    row = source_row(source_id)
    assert row.status == "held" and row.held is not None
    assert sorted(d["username"] for d in row.held["deletes"]) == ["p0", "p1"]
    assert len(owned(source_id)) == 4  # nothing changed
    # A scheduled sync leaves a held source alone.
    assert service.run_sync(source_id, scheduled=True).ran is False
    outcome = service.run_sync(source_id, full=True, release=True)
    assert outcome.detail == "idle", outcome.figures
    assert sorted(owned(source_id)) == ["p2", "p3"]
    assert source_row(source_id).held is None


def test_a_source_answering_nobody_never_empties_the_directory(env: Any, slapd_ou: LdapOu) -> None:
    _people(slapd_ou, 2)
    source_id = make_source(slapd_ou, deletion_threshold=500)
    service.run_sync(source_id, full=True)
    with transaction() as session:
        source = session.get(__import__("app.models").models.Source, source_id)
        source.base_dns = [slapd_ou.groups_dn]  # a wrong base DN: no people below it
        session.add(source)
    outcome = service.run_sync(source_id, full=True)
    assert outcome.detail == "held"
    assert source_row(source_id).held["reason"] == EMPTY_REASON  # type: ignore[index]
    assert len(owned(source_id)) == 2


def test_a_source_whose_every_person_is_skipped_is_held_and_says_what_it_read(
    env: Any, slapd_ou: LdapOu
) -> None:
    """People read but none of them syncable (no email here) count as an empty answer for
    the hold, and `last_sync` says how many were read and why each was skipped."""
    _people(slapd_ou, 2)
    source_id = make_source(slapd_ou, deletion_threshold=500)
    service.run_sync(source_id, full=True)
    away = slapd_ou.add_ou("away")
    for name in ("x1", "x2", "x3"):
        slapd_ou.add_user(name, "No", "Mail", None, parent=away)
    with transaction() as session:
        source = session.get(__import__("app.models").models.Source, source_id)
        source.base_dns = [away]
        session.add(source)
    outcome = service.run_sync(source_id, full=True)
    assert outcome.detail == "held"
    last = source_row(source_id).last_sync
    assert last is not None and last["users_read"] == 3
    assert last["skipped"] == 3 and sum(last["skipped_reasons"].values()) == 3, last
    assert len(owned(source_id)) == 2


def test_a_person_already_in_the_directory_is_taken_over(env: Any, slapd_ou: LdapOu) -> None:
    slapd_ou.add_user("dan", "Dan", "Fox", "dan@contoso.com")
    with transaction() as session:
        before = directory.create_user(
            session, UserCreate(username="dan", email="dan@contoso.com", title="Old")
        )
        before_id = before.id
    source_id = make_source(slapd_ou)
    outcome = service.run_sync(source_id, full=True)
    assert outcome.figures["taken_over"] == 1 and outcome.figures["created"] == 0
    dan = owned(source_id)["dan"]
    assert dan.id == before_id and dan.firstname == "Dan"
    with transaction() as session:
        kinds = session.execute(select(Event.kind).where(Event.user_id == before_id)).scalars()
        assert "source.user_taken_over" in list(kinds)


def test_a_person_without_email_is_skipped_with_the_reason(env: Any, slapd_ou: LdapOu) -> None:
    slapd_ou.add_user("eve", "Eve", "Kim", None)
    slapd_ou.add_user("fay", "Fay", "Lu", "fay@contoso.com")
    source_id = make_source(slapd_ou)
    outcome = service.run_sync(source_id, full=True)
    assert sorted(owned(source_id)) == ["fay"]
    assert outcome.figures["skipped_reasons"] == {"no email (attribute mail)": 1}


def test_bad_password_and_wrong_ca_are_reported(
    env: Any, slapd_server: LdapServer, slapd_ou: LdapOu
) -> None:
    source_id = make_source(
        slapd_ou, bind_password_enc=__import__("app.crypto").crypto.encrypt("nope")
    )
    outcome = service.run_sync(source_id, full=True)
    row = source_row(source_id)
    assert row.status == "error" and "refused the bind DN and password" in (row.status_reason or "")
    assert "nope" not in (row.status_reason or "")
    other_ca = Path(slapd_server.other_ca_file).read_text()
    try:
        with connect(
            slapd_server.uri, "starttls", other_ca, slapd_server.bind_dn, slapd_server.bind_password
        ):
            raise AssertionError("a server signed by another CA was trusted")
    except LdapError as exc:
        assert exc.code == "tls"
    with connect(
        slapd_server.uri,
        "starttls",
        Path(slapd_server.ca_file).read_text(),
        slapd_server.bind_dn,
        slapd_server.bind_password,
    ) as conn:
        assert conn.count(slapd_ou.dn, "(objectClass=organizationalUnit)") == 3
    assert outcome.ran


def test_with_soft_match_off_an_api_managed_person_is_left_alone(
    env: Any, slapd_ou: LdapOu
) -> None:
    from tests.support import ApiClient, user_body

    admin = ApiClient.admin()
    mine = admin.ok("POST", "/users", json=user_body(1, username="gil", email="gil@contoso.com"))
    slapd_ou.add_user("gil", "Gil", "Tan", "gil@contoso.com")
    slapd_ou.add_user("hal", "Hal", "Orr", "hal@contoso.com")
    source_id = make_source(slapd_ou, soft_match=False)
    outcome = service.run_sync(source_id, full=True)
    assert sorted(owned(source_id)) == ["hal"]
    assert list(outcome.figures["skipped_reasons"]) == [service.SOFT_MATCH_OFF]
    kept = admin.ok("GET", f"/users/{mine['id']}")
    assert kept["source"] is None and kept["lastname"] == mine["lastname"]
    # Turned on, the next sync takes the person over (Azure AD Connect's soft match).
    admin.ok("PATCH", f"/sources/{source_id}", json={"soft_match": True})
    assert admin.ok("GET", f"/sources/{source_id}")["soft_match"] is True
    service.run_sync(source_id, full=True)
    assert sorted(owned(source_id)) == ["gil", "hal"]


def test_a_take_over_that_suspends_counts_as_both(env: Any, slapd_ou: LdapOu) -> None:
    from tests.source_sync.helpers import LDAP_MAP
    from tests.support import ApiClient, user_body

    ApiClient.admin().ok(
        "POST", "/users", json=user_body(1, username="gil", email="gil@contoso.com")
    )
    slapd_ou.add_user("gil", "Gil", "Tan", "gil@contoso.com", employeeType="disabled")
    source_id = make_source(slapd_ou, attribute_map={**LDAP_MAP, "status": "employeeType"})
    outcome = service.run_sync(source_id, full=True)
    assert (outcome.figures["taken_over"], outcome.figures["suspended"]) == (1, 1), outcome.figures
    assert outcome.figures["updated"] == 0
    assert owned(source_id)["gil"].status == "suspended"
