"""The README's CLI commands are commands this CLI has, with options it takes, spelt as a
reader types them (through `./scripts/provisioner`, which a test runs from another directory)."""

from __future__ import annotations

import json
import re
import shlex
import ssl
from urllib.parse import urlsplit

import httpx
from typer.testing import CliRunner

from app.cli import app as cli
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.apps.helpers import app_body
from tests.cli.conftest import ROOT
from tests.support import ApiClient


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## For admins: the CLI", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    commands = []
    for line in block.group(1).splitlines():
        words = shlex.split(line, comments=True)
        assert words[0] == "./scripts/provisioner", line
        commands.append(words[1:])
    return commands


def test_every_cli_command_in_the_readme_parses() -> None:
    commands = readme_commands()
    assert {" ".join(c[:2]) for c in commands} >= {
        "tasks approve",
        "tasks retry",
        "users list",
        "users show",
        "import users",
    }
    for args in commands:
        # --help is eager: the words before it must still be a command with those options.
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)


def test_the_readmes_events_example_finds_a_policy_change(api: ApiClient) -> None:
    # The README's `events --kind app.policy_changed --app 1` found nothing: a policy change
    # was only in the audit trail.
    (example,) = [
        c for c in readme_commands() if c[:3] == ["events", "--kind", "app.policy_changed"]
    ]
    app = api.ok("POST", "/apps", json=app_body())
    api.ok("PATCH", f"/apps/{app['id']}", json={"drift_policy": {"licenses": "enforce"}})
    api.ok("PATCH", f"/apps/{app['id']}", json={"deletion_threshold": 5})
    api.ok("PATCH", f"/apps/{app['id']}", json={"sync_interval_s": 900})  # not a policy
    args = [str(app["id"]) if word == "1" else word for word in example]
    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [(e["kind"], e["app_id"], e["data"]["fields"]) for e in found] == [
        ("app.policy_changed", app["id"], ["deletion_threshold"]),
        ("app.policy_changed", app["id"], ["drift_policy"]),
    ]
    drift = found[1]["data"]
    assert drift["before"]["drift_policy"]["licenses"] == "report"
    assert drift["after"]["drift_policy"]["licenses"] == "enforce"
    assert drift["by"] == "admin"


def test_try_it_reads_the_token_and_ca_from_data_dir() -> None:
    # With DATA_DIR set (a documented setting) `cat data/admin-token` left T empty.
    text = (ROOT / "README.md").read_text()
    try_it = text.split("## Try it", 1)[1].split("\n## ", 1)[0]
    bare = try_it.replace("${DATA_DIR:-data}", "")
    assert re.search(r"\bdata/(admin-token|sandbox-certs)", bare) is None
    assert 'cat "${DATA_DIR:-data}/admin-token"' in try_it
    assert '--cacert "${DATA_DIR:-data}/sandbox-certs/sandbox-ca.pem"' in try_it


def test_the_readmes_sandbox_user_example_makes_a_user(sandbox: SandboxServer) -> None:
    text = (ROOT / "README.md").read_text()
    (command,) = [
        block
        for block in re.findall(r"```sh\n(.*?)```", text, re.S)
        if "/_sandbox/tenants/contoso.com/users" in block and "user_principal_name" in block
    ]
    words = shlex.split(command.replace("\\\n", " "))
    url = words[words.index("curl") + 2].replace("${SANDBOX_PORT:-8443}", "0")
    path = urlsplit(url).path
    body = json.loads(words[words.index("-d") + 1])
    context = ssl.create_default_context(cafile=str(sandbox.ca_file))
    answer = httpx.post(f"{sandbox.base_url}{path}", json=body, verify=context, trust_env=False)
    assert answer.status_code == 201, answer.text
    made = sandbox.state.tenant(seed.DEMO_TENANT_ID).user_by_upn(body["user_principal_name"])
    assert made is not None and made.props["department"] == body["properties"]["department"]
