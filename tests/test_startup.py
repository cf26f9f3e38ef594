"""`predtrack --help` and every `COMMAND --help` stay light: no SQLAlchemy & co. at import time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from predtrack.cli import COMMANDS, cli

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "apscheduler", "jinja2", "matplotlib", "psycopg")


def _modules_loaded_by(args: list[str]) -> list[str]:
    code = (
        "import sys, json\n"
        "from click.testing import CliRunner\n"
        "from predtrack.cli import cli\n"
        f"result = CliRunner().invoke(cli, {args!r})\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_top_level_help_loads_nothing_heavy():
    assert _modules_loaded_by(["--help"]) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_help_loads_nothing_heavy(name):
    assert cli.get_command(None, name) is not None, f"command {name} is registered but its module is missing"
    assert _modules_loaded_by([name, "--help"]) == []


def test_top_level_help_imports_no_command_module():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from predtrack.cli import cli\n"
        "CliRunner().invoke(cli, ['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('predtrack.cli.') and m != 'predtrack.cli.common'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_listed_summary_matches_the_command_help(name):
    command = cli.get_command(None, name)
    assert command.get_short_help_str(limit=300) == COMMANDS[name][2]


def test_every_command_has_help_with_an_example():
    import click
    from click.testing import CliRunner

    runner = CliRunner()
    missing = []

    def visit(path: list[str], command: click.Command) -> None:
        result = runner.invoke(cli, [*path, "--help"])
        if result.exit_code != 0 or "Example" not in result.output:
            missing.append(" ".join(path))
        if isinstance(command, click.Group):
            for sub in command.list_commands(None):
                visit([*path, sub], command.get_command(None, sub))

    for name in cli.list_commands(None):
        visit([name], cli.get_command(None, name))
    assert missing == []


def test_version_flag():
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("predtrack ")
