"""A change in the source that collides with another person's username or email skips that
person only: the rest of the sync (other changes, deletions) goes on, and a swap of two
people's emails in one sync is applied, not refused. Against the real slapd."""

from __future__ import annotations

from typing import Any

from app.source_sync import service
from tests.ldap_support import LdapOu
from tests.source_sync.helpers import make_source, owned, source_row, user_named
from tests.support import ApiClient, user_body


def test_an_email_another_person_holds_skips_only_that_person(env: Any, slapd_ou: LdapOu) -> None:
    admin = ApiClient.admin()
    admin.ok("POST", "/users", json=user_body(9, email="Taken@Example.org"))
    ann = slapd_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com")
    bob = slapd_ou.add_user("bob", "Bob", "Ray", "bob@contoso.com")
    cat = slapd_ou.add_user("cat", "Cat", "Poe", "cat@contoso.com")
    slapd_ou.add_user("dan", "Dan", "Orr", "dan@contoso.com")
    source_id = make_source(slapd_ou)
    assert service.run_sync(source_id, full=True).detail == "idle"

    slapd_ou.modify(ann, mail="taken@example.ORG")  # the API user's, in another case
    slapd_ou.modify(bob, title="Director")
    slapd_ou.delete(cat)
    for _ in range(2):  # and again: the collision never blocks the source
        outcome = service.run_sync(source_id, full=True)
        assert outcome.detail == "idle", outcome.figures
        people = owned(source_id)
        assert sorted(people) == ["ann", "bob", "dan"]
        assert people["ann"].email == "ann@contoso.com"  # kept, not overwritten
        assert people["bob"].title == "Director"
        assert outcome.figures["skipped"] == 1
        assert list(outcome.figures["skipped_reasons"]) == [service.TAKEN]
    assert outcome.figures["updated"] == 0  # the second time, nothing new to write
    taken = user_named("user9")
    assert taken is not None and taken.email_lower == "taken@example.org"
    assert taken.source_id is None
    assert source_row(source_id).status == "idle"


def test_two_people_swapping_emails_in_one_sync_both_change(env: Any, slapd_ou: LdapOu) -> None:
    ann = slapd_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com")
    bob = slapd_ou.add_user("bob", "Bob", "Ray", "bob@contoso.com")
    source_id = make_source(slapd_ou)
    assert service.run_sync(source_id, full=True).detail == "idle"

    slapd_ou.modify(ann, mail="bob@contoso.com")
    slapd_ou.modify(bob, mail="ann@contoso.com")
    outcome = service.run_sync(source_id)
    assert outcome.detail == "idle" and outcome.figures["updated"] == 2, outcome.figures
    people = owned(source_id)
    assert (people["ann"].email, people["bob"].email) == ("bob@contoso.com", "ann@contoso.com")
    assert (people["ann"].email_lower, people["bob"].email_lower) == (
        "bob@contoso.com",
        "ann@contoso.com",
    )


def test_a_person_without_a_display_name_keeps_the_derived_one(env: Any, slapd_ou: LdapOu) -> None:
    """inetOrgPerson often has no displayName: the person gets "first last" as an API
    create gives, and later syncs keep it instead of blanking it (Graph requires one)."""
    ann = slapd_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com")
    slapd_ou.modify(ann, displayName=None)
    source_id = make_source(slapd_ou)
    assert service.run_sync(source_id, full=True).detail == "idle"
    assert owned(source_id)["ann"].display_name == "Ann Lee"
    again = service.run_sync(source_id, full=True)
    assert again.figures["updated"] == 0, again.figures
    assert owned(source_id)["ann"].display_name == "Ann Lee"
    slapd_ou.modify(ann, sn="Lee-Park")
    service.run_sync(source_id, full=True)
    assert owned(source_id)["ann"].display_name == "Ann Lee-Park"


def test_skip_reasons_name_the_kind_of_problem_not_the_value(env: Any, slapd_ou: LdapOu) -> None:
    """`skipped_reasons` is counted by reason: with the value in it, a thousand bad entries
    would be a thousand reasons. The examples keep the detail."""
    slapd_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com")
    slapd_ou.add_user("bad1", "B", "One", "not an email")
    slapd_ou.add_user("bad2", "B", "Two", "two@@contoso.com")
    admin = ApiClient.admin()
    admin.ok("POST", "/users", json=user_body(7, email="dup@contoso.com"))
    slapd_ou.add_user("dup", "D", "Up", "dup@contoso.com")  # takes over user7 by email
    slapd_ou.add_user("dup2", "D", "Up", "DUP@contoso.com")  # same email again
    source_id = make_source(slapd_ou)
    outcome = service.run_sync(source_id, full=True)
    reasons = outcome.figures["skipped_reasons"]
    assert reasons.get("invalid value for email") == 2, reasons
    assert len(reasons) <= 3, reasons
    assert all("@" not in reason for reason in reasons), reasons
    details = [e.get("detail") for e in outcome.figures["skipped_examples"]]
    assert any(d for d in details), outcome.figures["skipped_examples"]
