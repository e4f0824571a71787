"""`provisioner`: run the API, a worker or the sandbox tenant; migrate; manage tokens; export
the OpenAPI document; import users, reapply mappings, look at apps and review tasks.

One module per command group; they call the services and repositories with the same settings
as the server (`DATABASE_URL`, `REDIS_URL`, ...), and each command's transaction is its own
(the command is the edge). Tables go to stdout, messages and progress to stderr.

Work a command makes (approved tasks, a reapply job, the tasks an import plans) is handed to
the server's queue and never run here: this process has neither the server's sandbox nor its
runtime settings, and it exits when the command ends. Only `serve` and `worker` run work.
"""

from __future__ import annotations

import typer

from app import queue
from app.audit.service import Actor, act_as_process
from app.background import handoff_dispatcher
from app.cli import (
    apps,
    events,
    importing,
    mappings,
    sandbox,
    server,
    settings,
    source_sync,
    sources,
    tasks,
    tokens,
    users,
)
from app.cli.common import operator
from app.observability.context import bound_request_id
from app.settings import get_settings

app = typer.Typer(
    help="Keeps a Microsoft 365 tenant in step with a directory of people.", no_args_is_help=True
)

RUNNERS = frozenset({"serve", "worker"})
"""The commands that are the server or a worker: they install their own dispatcher."""


@app.callback()
def _hand_work_over(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand in RUNNERS:
        return  # the server's own work is the system's, or the caller's token's
    actor = act_as_process(Actor("cli", operator()))  # the audit trail names the OS user
    # One id per command, bound like an HTTP request's: the tasks it plans carry it as their
    # correlation id, its audit entries and job rows as their request id, so an import, the
    # approval waiting on its tasks and the provisioning log can be tied together.
    ctx.with_resource(bound_request_id(None))
    previous = queue.set_dispatcher(handoff_dispatcher(get_settings()))

    def restore() -> None:
        act_as_process(actor)
        ours = queue.set_dispatcher(previous)
        if ours is not None:
            ours.close()

    ctx.call_on_close(restore)


# Commands first, then groups, in the order `provisioner --help` has always listed them.
app.command("reapply")(mappings.reapply)
app.command("migrate")(server.migrate)
app.command("setup")(server.setup)
app.command("serve")(server.serve)
app.command("worker")(server.worker)
app.command("sandbox")(sandbox.sandbox)
app.add_typer(tokens.token_app, name="token")
app.add_typer(server.openapi_app, name="openapi")
app.add_typer(importing.import_app, name="import")
app.add_typer(apps.apps_app, name="apps")
app.add_typer(tasks.tasks_app, name="tasks")
app.add_typer(users.users_app, name="users")
app.command("events")(events.events)
app.add_typer(settings.settings_app, name="settings")
sources.sources_app.command("sync")(source_sync.sync)
sources.sources_app.command("release")(source_sync.release)
app.add_typer(sources.sources_app, name="sources")


def main() -> None:
    app(prog_name="provisioner")
