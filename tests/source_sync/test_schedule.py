"""One sync per source at a time (the lease), the schedule that picks due sources, and the
generic LDAP account-status attribute; against the real slapd."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from app.db import transaction
from app.models import Source, SourceStatus, utcnow
from app.source_sync import service
from tests.ldap_support import LdapOu
from tests.source_sync.helpers import LDAP_MAP, make_source, owned, source_row
from tests.support import ApiClient


def _set(source_id: int, **values: Any) -> None:
    with transaction() as session:
        source = session.get(Source, source_id)
        assert source is not None
        for key, value in values.items():
            setattr(source, key, value)
        session.add(source)


def test_a_second_sync_while_one_runs_does_nothing(env: Any, slapd_ou: LdapOu) -> None:
    for i in range(3):
        slapd_ou.add_user(f"u{i}", "U", f"N{i}", f"u{i}@contoso.com")
    source_id = make_source(slapd_ou)
    reading = threading.Event()
    go_on = threading.Event()
    first: dict[str, Any] = {}

    def progress(_n: int) -> None:
        reading.set()
        assert go_on.wait(30)

    def run() -> None:
        first["outcome"] = service.run_sync(source_id, full=True, progress=progress)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert reading.wait(30)
        # The first sync holds the lease: an API sync and a scheduled one both step aside.
        second = service.run_sync(source_id, full=True)
        scheduled = service.run_sync(source_id, scheduled=True)
        assert (second.ran, second.detail) == (False, "already running")
        assert (scheduled.ran, scheduled.detail) == (False, "already running")
        assert source_id not in service.due_sources()
        assert source_row(source_id).status == SourceStatus.running
    finally:
        go_on.set()
        worker.join(60)
    assert first["outcome"].detail == "idle"
    assert len(owned(source_id)) == 3
    assert source_row(source_id).lease_until is None


def test_a_sync_whose_worker_died_is_taken_over_when_its_lease_runs_out(
    env: Any, slapd_ou: LdapOu
) -> None:
    slapd_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com")
    source_id = make_source(slapd_ou)
    _set(source_id, status=SourceStatus.running, lease_until=utcnow() + timedelta(minutes=5))
    assert service.run_sync(source_id).detail == "already running"
    _set(source_id, lease_until=utcnow() - timedelta(seconds=1))
    outcome = service.run_sync(source_id)
    assert outcome.ran and outcome.detail == "idle" and len(owned(source_id)) == 1


def test_the_schedule_picks_enabled_sources_that_are_due_and_not_held(
    env: Any, slapd_ou: LdapOu
) -> None:
    slapd_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com")
    now = utcnow()
    due = make_source(slapd_ou, name="due", next_sync_at=now - timedelta(seconds=1))
    never = make_source(slapd_ou, name="never-synced", base_dns=[slapd_ou.people_dn])
    later = make_source(slapd_ou, name="later", next_sync_at=now + timedelta(hours=1))
    off = make_source(slapd_ou, name="off", enabled=False)
    held = make_source(slapd_ou, name="held", status=SourceStatus.held, held={"reason": "x"})
    picked = set(service.due_sources())
    assert {due, never} <= picked
    assert not picked & {later, off, held}
    # A scheduled sync leaves a held source alone (it waits for an admin) ...
    assert service.run_sync(held, scheduled=True).detail == "held: waiting for an admin"
    assert source_row(held).status == SourceStatus.held
    # ... and after a sync the source is due again one interval later; a full sync is due
    # again after the full interval.
    _set(due, sync_interval_s=600, full_sync_interval_s=7200)
    assert service.run_sync(due, scheduled=True).figures["kind"] == "full"
    row = source_row(due)
    assert row.next_sync_at is not None and row.next_full_at is not None
    assert timedelta(seconds=590) < row.next_sync_at - utcnow() <= timedelta(seconds=600)
    assert timedelta(seconds=7190) < row.next_full_at - utcnow() <= timedelta(seconds=7200)
    assert due not in service.due_sources()
    assert service.run_sync(due, scheduled=True).figures["kind"] == "incremental"
    _set(due, next_full_at=utcnow() - timedelta(seconds=1))
    assert service.run_sync(due, scheduled=True).figures["kind"] == "full"


def test_a_status_attribute_suspends_and_reactivates_people_of_a_generic_ldap_source(
    env: Any, slapd_ou: LdapOu
) -> None:
    """Generic LDAP has no userAccountControl: `status` maps onto an attribute whose value
    says whether the account is active (`!` inverts it, for "is locked" flags)."""
    ann = slapd_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com", employeeType="active")
    bob = slapd_ou.add_user("bob", "Bob", "Ray", "bob@contoso.com", employeeType="disabled")
    slapd_ou.add_user("cat", "Cat", "Poe", "cat@contoso.com")  # no value: active
    source_id = make_source(slapd_ou, attribute_map={**LDAP_MAP, "status": "employeeType"})
    assert service.run_sync(source_id, full=True).detail == "idle"
    status = {u.split("@")[0]: p.status for u, p in owned(source_id).items()}
    assert status == {"ann": "active", "bob": "suspended", "cat": "active"}
    slapd_ou.modify(ann, employeeType="FALSE")
    slapd_ou.modify(bob, employeeType="TRUE")
    outcome = service.run_sync(source_id)
    assert outcome.figures["suspended"] == 1, outcome.figures
    status = {u.split("@")[0]: p.status for u, p in owned(source_id).items()}
    assert status == {"ann": "suspended", "bob": "active", "cat": "active"}


def test_a_status_attribute_marked_with_a_bang_reads_as_locked(env: Any, slapd_ou: LdapOu) -> None:
    slapd_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com", employeeType="TRUE")
    slapd_ou.add_user("bob", "Bob", "Ray", "bob@contoso.com", employeeType="no")
    slapd_ou.add_user("cat", "Cat", "Poe", "cat@contoso.com")
    source_id = make_source(slapd_ou, attribute_map={**LDAP_MAP, "status": "!employeeType"})
    assert service.run_sync(source_id, full=True).detail == "idle"
    status = {u.split("@")[0]: p.status for u, p in owned(source_id).items()}
    assert status == {"ann": "suspended", "bob": "active", "cat": "active"}


def test_a_scope_change_clears_a_held_plan_and_the_next_sync_plans_again(
    env: Any, slapd_ou: LdapOu
) -> None:
    people = [slapd_ou.add_user(f"u{i}", "U", f"N{i}", f"u{i}@contoso.com") for i in range(4)]
    source_id = make_source(slapd_ou, deletion_threshold=1)
    assert service.run_sync(source_id, full=True).detail == "idle"
    for dn in people[:2]:
        slapd_ou.delete(dn)
    assert service.run_sync(source_id, full=True).detail == "held"
    admin = ApiClient.admin()
    narrowed = "(&(objectClass=inetOrgPerson)(uid=u3))"
    admin.ok("PATCH", f"/sources/{source_id}", json={"user_filter": narrowed})
    row = source_row(source_id)
    assert (row.status, row.held, row.cursor) == ("idle", None, None)
    # Nothing left to release: the old list no longer applies ...
    admin.problem("POST", f"/sources/{source_id}/sync/release", 409)
    # ... and the new scope's plan (three people gone) is held on its own merits.
    assert service.run_sync(source_id).detail == "held"
    assert len(owned(source_id)) == 4
    assert (source_row(source_id).held or {})["counts"]["deletes"] == 3


def test_a_scope_change_during_a_sync_makes_the_next_sync_full(env: Any, slapd_ou: LdapOu) -> None:
    for i in range(3):
        slapd_ou.add_user(f"u{i}", "U", f"N{i}", f"u{i}@contoso.com")
    source_id = make_source(slapd_ou)
    reading, go_on = threading.Event(), threading.Event()

    def progress(_n: int) -> None:
        reading.set()
        assert go_on.wait(30)

    worker = threading.Thread(
        target=lambda: service.run_sync(source_id, full=True, progress=progress)
    )
    worker.start()
    try:
        assert reading.wait(30)
        ApiClient.admin().ok(
            "PATCH",
            f"/sources/{source_id}",
            json={"user_filter": "(&(objectClass=inetOrgPerson)(uid=u0))"},
        )
    finally:
        go_on.set()
        worker.join(60)
    row = source_row(source_id)
    assert row.status == "idle" and row.cursor is None  # the old scope's cursor is not kept
    outcome = service.run_sync(source_id)
    assert outcome.figures["kind"] == "full", outcome.figures
    assert sorted(owned(source_id)) == ["u0"] and outcome.figures["deleted"] == 2


def test_a_source_cannot_be_deleted_while_its_sync_runs(env: Any, slapd_ou: LdapOu) -> None:
    for i in range(3):
        slapd_ou.add_user(f"u{i}", "U", f"N{i}", f"u{i}@contoso.com")
    source_id = make_source(slapd_ou)
    reading, go_on = threading.Event(), threading.Event()

    def progress(_n: int) -> None:
        reading.set()
        assert go_on.wait(30)

    worker = threading.Thread(
        target=lambda: service.run_sync(source_id, full=True, progress=progress)
    )
    worker.start()
    admin = ApiClient.admin()
    try:
        assert reading.wait(30)
        refused = admin.problem("DELETE", f"/sources/{source_id}", 409)
        assert "running" in refused["detail"]
    finally:
        go_on.set()
        worker.join(60)
    assert len(owned(source_id)) == 3
    deleted = admin.ok("DELETE", f"/sources/{source_id}")
    assert deleted["released_users"] == 3
