"""`provisioner sources list|test`: the directory sources (LDAP, Active Directory) and a
connection test of one of them.

Sources are read through `SourceRead`, which by construction carries no password: only
whether one is set. The test writes nothing (it binds and counts, as `sources-test` does).

Exit codes (as every command's): 0 shown / the test passed; 1 the source does not exist, or
the test failed (the report says which step and why); 2 the schema is not migrated.
"""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import console, fail, require_schema, stdout, table, when, yes
from app.db import transaction
from app.errors import NotFound
from app.sources import service

sources_app = typer.Typer(
    help="Directory sources: LDAP and Active Directory servers that feed the directory",
    no_args_is_help=True,
)

TEST_FAILED = 1


@sources_app.command("list")
def sources_list() -> None:
    """Every source: server, kind, status, the people it owns and its last sync."""
    require_schema()
    with transaction() as session:
        sources = service.reads(session, service.list_sources(session))
    out = table(
        f"{len(sources)} sources",
        "id",
        "name",
        "kind",
        "url",
        "tls",
        "enabled",
        "status",
        "users",
        "next sync",
    )
    for s in sources:
        out.add_row(
            str(s.id),
            s.name,
            s.kind.value,
            s.url,
            s.tls.value,
            yes(s.enabled),
            s.status.value + (f" ({s.status_reason})" if s.status_reason else ""),
            str(s.user_count),
            when(s.next_sync_at),
        )
    stdout().print(out)


@sources_app.command("test")
def sources_test(
    source: Annotated[str, typer.Argument(help="The source's name or id")],
) -> None:
    """Connect, bind and count people and groups under each base DN; writes nothing. Exits
    1 when a step fails."""
    require_schema()
    try:
        with transaction() as session:
            found = service.find_source(session, source)
            name = found.name
            assert found.id is not None
            report = service.test_saved(session, found.id)
    except NotFound as exc:
        raise fail(str(exc)) from None
    out = table(f"Source {name}: connection test", "step", "result")
    for step, result in (("connect", report.connect), ("bind", report.bind)):
        out.add_row(step, "ok" if result.ok else f"{result.code}: {result.message}")
    for search in report.searches:
        out.add_row(
            f"search {search.base_dn}",
            f"{search.users} users, {search.groups} groups"
            if search.ok
            else f"{search.code}: {search.message}",
        )
    if report.server is not None:
        kind = "Active Directory" if report.server.active_directory else "LDAP"
        vendor = report.server.vendor_name or report.server.dns_host_name or "-"
        out.add_row("server", f"{kind} ({vendor})")
    stdout().print(out)
    if not report.ok:
        console.print(f"[red]The test failed at the {report.failed_step} step.[/red]")
        raise typer.Exit(TEST_FAILED)
