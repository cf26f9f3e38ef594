"""Two real processes resolving the same prediction at the same moment: exactly one wins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest


def _cli_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PREDTRACK_DATABASE_URL"] = url
    return env


def _start_resolver(url: str, pid: str, outcome: str, start_at: float) -> subprocess.Popen:
    # Both children sleep until the same instant, then run the real CLI entry point.
    code = (
        "import sys, time; t = float(sys.argv[1]); time.sleep(max(0.0, t - time.time()));"
        "sys.argv = ['predtrack', 'resolve', sys.argv[3], sys.argv[2], '--note', sys.argv[2]];"
        "from predtrack.cli import main; main()"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, repr(start_at), outcome, pid],
        env=_cli_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("rounds", [2])
def test_two_processes_resolving_at_once_exactly_one_wins(backend_url, run_cli, rounds):
    for attempt in range(rounds):
        pid = f"race-{attempt}"
        result = run_cli("add", "Race condition", "--by", "A", "-p", "0.5", "--id", pid)
        assert result.exit_code == 0, result.output
        start_at = time.time() + 1.5  # both interpreters are up by then
        procs = [_start_resolver(backend_url, pid, outcome, start_at) for outcome in ("yes", "no")]
        outputs = [p.communicate(timeout=60) for p in procs]
        codes = [p.returncode for p in procs]
        assert sorted(codes) == [0, 1], outputs
        loser_err = outputs[codes.index(1)][1]
        assert "already resolved" in loser_err
        winner_outcome = ("yes", "no")[codes.index(0)]
        data = json.loads(run_cli("show", pid, "--json").output)
        assert data["resolution"]["outcome"] == winner_outcome
        assert data["resolution"]["note"] == winner_outcome
        assert data["resolution_history"] == []
        assert [e["action"] for e in data["events"]] == ["add", "resolve"]
