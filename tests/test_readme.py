"""The README's two commands are what CI and a newcomer run."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text, flags=re.S)[:2]


def test_readme_starts_with_the_main_job_and_the_test_command():
    main_job, tests = readme_commands()
    assert "\n" not in main_job and "\n" not in tests  # one command each
    assert "pip install" in main_job and "predtrack import predictions/" in main_job
    assert "predtrack due" in main_job and "predtrack report" in main_job
    assert "pip install" in tests and "[test]" in tests and "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    _, tests = readme_commands()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()
    assert "PREDTRACK_TEST_POSTGRES_URL" in ci


def test_readme_shows_the_real_top_level_help():
    from click.testing import CliRunner

    from predtrack.cli import cli

    real = CliRunner().invoke(cli, ["--help"], terminal_width=100).output
    text = (REPO / "README.md").read_text(encoding="utf-8")
    shown = text.split("$ predtrack --help\n", 1)[1].split("```", 1)[0]
    assert shown == real, "README.md shows an old `predtrack --help`: paste the new output"
