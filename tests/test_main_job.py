"""The README's main job on the seed forecasts: import predictions/, print what is due, write the report."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-25"


def test_main_job_on_the_seed_predictions(run_cli, tmp_path):
    imported = run_cli("import", str(REPO / "predictions"))
    assert imported.exit_code == 0, imported.output
    again = run_cli("import", str(REPO / "predictions"))
    assert again.exit_code == 0, again.output
    assert "added 0" in again.output.replace(":", "") or "0 added" in again.output

    due = json.loads(run_cli("due", "--as-of", AS_OF, "--json").output)
    due_ids = {row["id"] for row in due}
    by_deadline = {row["deadline"] for row in due}
    assert "2026-09-30" in by_deadline  # OpenAI and Anthropic coding variants by Q3 2026: overdue
    assert all(row["deadline"] < AS_OF for row in due)
    assert all(row["status"] == "due" and row["days_overdue"] > 0 for row in due)
    text = run_cli("due", "--as-of", AS_OF).output
    for pid in due_ids:
        assert pid in text

    report = run_cli("report", "--as-of", AS_OF, "--out", str(tmp_path / "reports"))
    assert report.exit_code == 0, report.output
    written = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert {"2026-Q4.md", "2026-Q4.html", "2026-Q4.json"} <= set(written)
    markdown = (tmp_path / "reports" / "2026-Q4.md").read_text()
    for pid in due_ids:
        assert pid in markdown  # the action list names every overdue prediction
