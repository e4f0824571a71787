"""`provisioner sources sync`: the job goes to the server's queue and its sync lands in the
directory."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from typer.testing import CliRunner

from app import queue
from app.cli import app as cli
from app.db import transaction
from app.models import AuditEntry, Job
from tests.ldap_support import LdapOu
from tests.source_sync.helpers import make_source, owned, source_row


def test_sources_sync_hands_the_job_over_and_the_people_arrive(env: Any, slapd_ou: LdapOu) -> None:
    slapd_ou.add_user("gil", "Gil", "Tan", "gil@contoso.com")
    source_id = make_source(slapd_ou)
    name = source_row(source_id).name
    queue.get_dispatcher()  # the server's in-process runner, which takes what the CLI hands over
    result = CliRunner().invoke(cli, ["sources", "sync", name, "--full", "--timeout", "60"])
    assert result.exit_code == 0, result.output
    with transaction() as session:
        [job] = session.execute(select(Job).where(Job.kind == "sources.sync")).scalars()
        assert job.status == "succeeded" and job.params["source_id"] == source_id
    assert sorted(owned(source_id)) == ["gil"]
    assert source_row(source_id).last_sync["reason"] == "cli"  # type: ignore[index]
    missing = CliRunner().invoke(cli, ["sources", "sync", "no-such-source"])
    assert missing.exit_code == 1


def test_a_held_sync_exits_1_and_sources_release_applies_it(env: Any, slapd_ou: LdapOu) -> None:
    people = [slapd_ou.add_user(f"u{i}", "U", f"N{i}", f"u{i}@contoso.com") for i in range(4)]
    source_id = make_source(slapd_ou, deletion_threshold=1)
    name = source_row(source_id).name
    queue.get_dispatcher()
    runner = CliRunner()
    assert runner.invoke(cli, ["sources", "sync", name, "--full", "--timeout", "60"]).exit_code == 0
    nothing_held = runner.invoke(cli, ["sources", "release", name, "--timeout", "60"])
    assert nothing_held.exit_code == 1, nothing_held.output
    for dn in people[:2]:
        slapd_ou.delete(dn)
    held = runner.invoke(cli, ["sources", "sync", name, "--full", "--timeout", "60"])
    assert held.exit_code == 1, held.output
    assert source_row(source_id).status == "held" and len(owned(source_id)) == 4
    assert f"GET /api/v1/sources/{source_id}/sync" in held.output
    # One more person goes after the hold: within the threshold, as any sync would allow.
    slapd_ou.delete(people[2])
    released = runner.invoke(cli, ["sources", "release", name, "--timeout", "60"])
    assert released.exit_code == 0, released.output
    assert sorted(owned(source_id)) == ["u3"]
    assert source_row(source_id).status == "idle"
    # The release is in the audit trail, by whoever released it, with the list it allowed.
    with transaction() as session:
        [entry] = session.execute(
            select(AuditEntry).where(AuditEntry.action == "source.sync_released")
        ).scalars()
    assert entry.object_type == "source" and entry.object_id == str(source_id)
    assert entry.actor_type == "cli"
    assert entry.before is not None and entry.before["counts"]["deletes"] == 2
    assert entry.after is not None and len(entry.after["deletes"]) == 2
