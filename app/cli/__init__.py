"""`provisioner`: run the API, a worker or the sandbox tenant; migrate; manage tokens; export
the OpenAPI document; import users, reapply mappings, look at apps and review tasks.

One module per command group; they call the services and repositories with the same settings
as the server (`DATABASE_URL`, `REDIS_URL`, ...), and each command's transaction is its own
(the command is the edge). Tables go to stdout, messages and progress to stderr.
"""

from __future__ import annotations

import typer

from app.background import install_dispatcher
from app.cli import apps, importing, mappings, sandbox, server, settings, tasks, tokens
from app.settings import get_settings

app = typer.Typer(
    help="Keeps a Microsoft 365 tenant in step with a directory of people.", no_args_is_help=True
)
# Commands first, then groups, in the order `provisioner --help` has always listed them.
app.command("reapply")(mappings.reapply)
app.command("migrate")(server.migrate)
app.command("serve")(server.serve)
app.command("worker")(server.worker)
app.command("sandbox")(sandbox.sandbox)
app.add_typer(tokens.token_app, name="token")
app.add_typer(server.openapi_app, name="openapi")
app.add_typer(importing.import_app, name="import")
app.add_typer(apps.apps_app, name="apps")
app.add_typer(tasks.tasks_app, name="tasks")
app.add_typer(settings.settings_app, name="settings")


def main() -> None:
    install_dispatcher(get_settings())
    app(prog_name="provisioner")
