"""How one command is timed: wall clock, peak memory, medians over interleaved repeats.

Each run is a fresh process (what a user waits for includes interpreter start-up and imports).
Peak memory is the command's own maximum resident set, read from `os.wait4` by a small
launcher process. Why a launcher: Linux carries the parent's high-water RSS into a forked
child's ru_maxrss across exec, so a command forked straight from this runner (which holds
generated data) would report the runner's memory, not its own.

Variants that are compared (a command and its baseline) are run alternately, one of each per
round, after an untimed warm-up round: on a shared machine the load drifts, and alternating
puts the drift into both sides of a ratio instead of into one.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stderr: str


@dataclass
class Variant:
    """One command to time: its argv, environment, and an untimed step before each run."""

    name: str
    argv: Sequence[str]
    env: dict[str, str]
    cwd: Path
    before: Callable[[], None] | None = None
    stdout: Path | None = None  # where its output goes (default: discarded)
    runs: list[Run] = field(default_factory=list)

    @property
    def failed(self) -> Run | None:
        return next((r for r in self.runs if r.returncode != 0), None)

    @property
    def median(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.runs and not self.failed else None

    @property
    def peak_mb(self) -> float | None:
        return max(r.peak_mb for r in self.runs) if self.runs else None


# Runs argv[2:] with the launcher's own stdio, environment and directory; writes
# [seconds, peak RSS in KiB, exit code] to argv[1].
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as report:
    json.dump([seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status)], report)
"""


def run_once(argv: Sequence[str], env: dict[str, str], cwd: Path, stdout: Path | None = None) -> Run:
    """Start ARGV, wait for it, and return its wall time, peak RSS and exit status."""
    with tempfile.TemporaryFile() as err, open(stdout or os.devnull, "wb") as out, tempfile.NamedTemporaryFile("r", suffix=".json") as report:
        launcher = subprocess.run(
            [sys.executable, "-c", LAUNCHER, report.name, *argv], env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL
        )
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
        try:
            seconds, peak_kib, returncode = json.load(report)
        except ValueError:  # the launcher itself failed (e.g. the command does not exist)
            return Run(seconds=0.0, peak_mb=0.0, returncode=launcher.returncode or 1, stderr=tail)
    return Run(seconds=seconds, peak_mb=peak_kib / 1024, returncode=returncode, stderr=tail)


def measure(variants: Sequence[Variant], repeat: int, warmup: int = 1) -> None:
    """Run every variant REPEAT times, alternating between them; stop a variant at its first failure."""
    for round_number in range(warmup + repeat):
        for variant in variants:
            if variant.failed:
                continue
            if variant.before:
                variant.before()
            run = run_once(variant.argv, variant.env, variant.cwd, variant.stdout)
            if round_number >= warmup or run.returncode != 0:
                variant.runs.append(run)


def run_on_terminal(argv: Sequence[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> tuple[int, str]:
    """Run ARGV with a pseudo-terminal as stdout and stderr; return its exit code and what it drew."""
    import pty
    import select

    leader, follower = pty.openpty()
    process = subprocess.Popen(list(argv), env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal is gone: the process has exited
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    else:
        process.kill()
    os.close(leader)
    return process.wait(), b"".join(chunks).decode("utf-8", "replace")


def machine() -> dict[str, str]:
    """What the numbers were measured on, and how busy it was."""
    info = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cores": str(os.cpu_count()),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
                break
    except OSError:
        pass
    import sqlite3

    import sqlalchemy

    info["sqlite"] = sqlite3.sqlite_version
    info["sqlalchemy"] = sqlalchemy.__version__
    return info
