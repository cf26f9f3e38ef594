"""Run predtrack's benchmarks and print a markdown table of medians beside their baselines.

    python -m benchmarks.run --size full      # the numbers in docs/performance.md (10-15 min)
    python -m benchmarks.run --size smoke     # tiny data, one run each: does everything still work?
    python -m benchmarks.run --only help,due  # some of: help, due, import, score, report, nag

Generated data is cached in benchmarks/.data/ (delete it to regenerate); results go to
benchmarks/results/<time>-<size>.{md,json} (both git-ignored). PostgreSQL is used for the score
benchmark when `--postgres URL` or PREDTRACK_TEST_POSTGRES_URL names a server: a database
`bench_<pid>_score` is created there and dropped at the end.

Exit status: 0 when every command ran (whether or not it met its target: these are
measurements, not tests), 1 when a command failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.measure import machine
from benchmarks.scenarios import BENCHMARKS, SIZES, Context, Row

HERE = Path(__file__).resolve().parent


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| Benchmark | Median | Baseline (same run) | Baseline median | Ratio | Peak RSS | Throughput | Target | Met |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    notes = []
    for number, row in enumerate(rows, start=1):
        met = "error" if row.error else {True: "yes", False: "**no**", None: "-"}[row.met]
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
        peak = f"{row.peak_mb:,.0f} MB" if row.peak_mb is not None else "-"
        lines.append(
            f"| {row.benchmark} [{number}] | {seconds(row.median_s)} | {row.baseline or '-'} | {seconds(row.baseline_s)} | {ratio} | {peak} | {row.throughput or '-'} | {row.target} | {met} |"
        )
        detail = f"Data: {row.data}." if row.data != "-" else ""
        if row.runs:
            detail += f" Median of {row.runs} run{'s' if row.runs != 1 else ''}."
        if row.note:
            detail += f" {row.note}."
        if row.error:
            detail += f" ERROR: {row.error}"
        notes.append(f"[{number}] {detail.strip()}")
    return "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description="Measure predtrack against the targets of issue 7.")
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("PREDTRACK_BENCH_POSTGRES_URL") or os.environ.get("PREDTRACK_TEST_POSTGRES_URL"), help="PostgreSQL server for the score benchmark (default: PREDTRACK_TEST_POSTGRES_URL)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=HERE / ".data")
    parser.add_argument("--results-dir", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    selected = list(BENCHMARKS) if not args.only else [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in selected if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(BENCHMARKS)}")

    args.data_dir.mkdir(parents=True, exist_ok=True)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix="predtrack-bench-"))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    ctx = Context(
        size=SIZES[args.size],
        data_dir=args.data_dir,
        work_dir=work_dir,
        postgres_admin=None if args.no_postgres else args.postgres,
        log=log,
    )
    started_at = datetime.now(timezone.utc)
    info = machine()
    info["predtrack"] = _code_version()
    try:
        for name in selected:
            log(f"== {name}")
            began = time.perf_counter()
            BENCHMARKS[name](ctx)
            log(f"   {time.perf_counter() - began:.0f} s")
    finally:
        for cleanup in reversed(ctx.cleanups):
            try:
                cleanup()
            except Exception as exc:  # a failed cleanup must not hide the results
                log(f"cleanup failed: {exc}")
        shutil.rmtree(work_dir, ignore_errors=True)
    info["load_average_after"] = machine()["load_average"]
    if ctx.postgres_admin and "score" in selected:
        info["postgresql"] = _postgres_version(ctx.postgres_admin)

    table = markdown_table(ctx.rows)
    header = (
        f"predtrack benchmarks, size {args.size}, {started_at:%Y-%m-%d %H:%M} UTC\n\n"
        + "Machine: "
        + "; ".join(f"{k} {v}" for k, v in info.items())
        + "\n\n"
    )
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    (args.results_dir / f"{stamp}-{args.size}.md").write_text(header + table, encoding="utf-8")
    (args.results_dir / f"{stamp}-{args.size}.json").write_text(
        json.dumps({"size": args.size, "started_at": started_at.isoformat(), "machine": info, "rows": [dict(asdict(r), ratio=r.ratio) for r in ctx.rows]}, indent=2),
        encoding="utf-8",
    )
    print(header + table)
    return 1 if any(row.error for row in ctx.rows) else 0


def _code_version() -> str:
    """The commit measured, and whether the working tree had uncommitted changes to predtrack/."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "predtrack", "migrations"], cwd=HERE.parent, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head}{' with uncommitted changes to predtrack/' if dirty else ''}"


def _postgres_version(url: str) -> str:
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:  # informational only
        return f"unknown ({exc.__class__.__name__})"


if __name__ == "__main__":
    sys.exit(main())
