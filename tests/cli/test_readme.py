"""The README's CLI commands are commands this CLI has, with options it takes, spelt as a
reader types them (through `./scripts/provisioner`, which a test runs from another directory)."""

from __future__ import annotations

import re
import shlex

from typer.testing import CliRunner

from app.cli import app as cli
from tests.cli.conftest import ROOT


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
