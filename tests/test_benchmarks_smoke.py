"""The benchmarks still work: the suite runs end to end at a tiny size (no timed assertions).

The real numbers come from `python -m benchmarks.run --size full` (docs/performance.md); CI only
checks that every benchmark still runs its command successfully, and that the generator makes
the data it promises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SMOKE_TIMEOUT_S = 300


def _generator():
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks import generate
    finally:
        sys.path.remove(str(REPO))
    return generate


def test_generated_database_has_exactly_the_due_predictions_asked_for(tmp_path, run_cli, monkeypatch):
    generate = _generator()
    url = f"sqlite:///{tmp_path / 'generated.db'}"
    spec = generate.Spec(1_200, sources=40, forecasts=3, due=37, open_share=0.1, undated_share=0.02)
    written = generate.write_database(url, spec)
    assert written["predictions"] == 1_200
    assert written["forecasts"] == 3_600
    monkeypatch.setenv("PREDTRACK_DATABASE_URL", url)
    result = run_cli("due", "--json", "--as-of", generate.AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    due = json.loads(result.output)
    assert len(due) == 37
    # Each forecast of a prediction is by a different source.
    assert all(len({f["source"] for f in row["forecasts"]}) == 3 for row in due)
    result = run_cli("list", "--status", "resolved", "--json", "--as-of", generate.AS_OF.isoformat())
    assert len(json.loads(result.output)) == spec.counts()["resolved"]


def test_flat_csv_has_one_row_per_forecast_and_the_import_header(tmp_path):
    generate = _generator()
    path = tmp_path / "rows.csv"
    spec = generate.Spec(300, sources=20, forecasts=4, due=5)
    assert generate.write_flat_csv(path, spec) == 1_200
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(generate.FLAT_CSV_HEADER)
    assert len(lines) == 1_201


def test_benchmark_suite_runs_at_smoke_size(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDTRACK_") or k == "PREDTRACK_TEST_POSTGRES_URL"}
    results = tmp_path / "results"
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--size", "smoke", "--data-dir", str(tmp_path / "data"), "--results-dir", str(results)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT_S,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "| Benchmark | Median |" in completed.stdout
    [report] = results.glob("*-smoke.json")
    rows = json.loads(report.read_text(encoding="utf-8"))["rows"]
    assert not [row for row in rows if row["error"]]
    names = " ".join(row["benchmark"] for row in rows)
    for command in ("--help", "due --json", "list --status due", "import", "score --by source", "report", "nag"):
        assert command in names, f"no row for {command}"
    # Every command present in this build was measured, not skipped.
    measured = [row for row in rows if row["median_s"] is not None]
    not_in_build = [row for row in rows if "not in this build" in row["note"] or "no PostgreSQL" in row["note"]]
    assert len(measured) + len(not_in_build) == len(rows), [row for row in rows if row not in measured and row not in not_in_build]
    help_row = next(row for row in rows if "--help" in row["benchmark"])
    assert help_row["baseline_s"] and help_row["median_s"]
