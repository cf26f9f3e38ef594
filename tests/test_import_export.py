"""`predtrack check`, `import` and `export` on real databases, as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from predtrack.models import Article, Event, Forecast, Prediction, PredictionTag, Resolution, Source

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "predictions-format.md").read_text(encoding="utf-8")
DOC_YAML = re.search(r"```yaml\n(.*?)```", DOC, re.S).group(1)
DOC_CSV = re.search(r"```csv\n(.*?)```", DOC, re.S).group(1)
WANG = "meta-acquires-coding-ai-startup-by-q2-2027"
WHATSAPP = "muse-spark-reaches-whatsapp-in-coming-weeks"


def engine(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def snapshot(url: str) -> dict:
    """Everything an export promises to keep, without database ids or creation times."""
    eng = engine(url)
    try:
        with Session(eng) as s:
            sources = {x.id: x for x in s.execute(select(Source)).scalars()}
            articles = {a.id: (a.url, a.title, a.outlet, a.author, a.published, a.seed, a.notes)
                        for a in s.execute(select(Article)).scalars()}
            return {
                "predictions": sorted(
                    (p.id, p.claim, p.criteria, p.deadline, p.deadline_text, p.deadline_vague, p.notes, p.owner,
                     articles.get(p.article_id), p.outcome, p.outcome_value, p.resolved_on)
                    for p in s.execute(select(Prediction)).scalars()),
                "tags": sorted((t.prediction_id, t.tag) for t in s.execute(select(PredictionTag)).scalars()),
                "forecasts": sorted(
                    (f.prediction_id, sources[f.source_id].name, f.probability, f.probability_kind, f.probability_text,
                     f.stated, f.quote or "", str(articles.get(f.article_id)), str(f.withdrawn_at))
                    for f in s.execute(select(Forecast)).scalars()),
                "resolutions": sorted(
                    (r.prediction_id, r.outcome, r.outcome_value, r.resolved_on, r.recorded_by, r.recorded_at, r.note or "",
                     r.evidence, str(r.superseded_at))
                    for r in s.execute(select(Resolution)).scalars()),
                "sources": sorted((x.name, x.kind, sources[x.organisation_id].name if x.organisation_id else "")
                                  for x in sources.values()),
                "articles": sorted(map(str, articles.values())),
            }
    finally:
        eng.dispose()


def events(url: str) -> list[Event]:
    eng = engine(url)
    try:
        with Session(eng) as s:
            return list(s.execute(select(Event).order_by(Event.id)).scalars())
    finally:
        eng.dispose()


@pytest.fixture
def doc_files(tmp_path) -> Path:
    folder = tmp_path / "predictions"
    folder.mkdir()
    (folder / "muse.yaml").write_text(DOC_YAML, encoding="utf-8")
    (folder / "georgia.csv").write_text(DOC_CSV, encoding="utf-8")
    return folder


def test_import_then_import_again_changes_nothing(run_cli, db_url, doc_files):
    first = run_cli("import", str(doc_files))
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Imported 2 files: predictions 3 added, 0 updated, 0 unchanged; forecasts 5 added, 0 updated; 3 resolutions added")
    before = snapshot(db_url)
    assert len(before["predictions"]) == 3 and len(before["forecasts"]) == 5
    second = run_cli("import", str(doc_files))
    assert second.exit_code == 0, second.output
    assert "predictions 0 added, 0 updated, 3 unchanged; forecasts 0 added, 0 updated; 0 resolutions added" in second.stdout
    assert snapshot(db_url) == before
    # One event per import, with its counts; nothing per row.
    log = events(db_url)
    assert [e.action for e in log] == ["import", "import"] and all(e.prediction_id is None for e in log)
    assert json.loads(log[0].details)["forecasts_added"] == 5 and json.loads(log[1].details)["predictions_unchanged"] == 3


def test_editing_one_probability_updates_that_forecast(run_cli, db_url, doc_files):
    assert run_cli("import", str(doc_files)).exit_code == 0
    before = snapshot(db_url)
    yaml_file = doc_files / "muse.yaml"
    yaml_file.write_text(DOC_YAML.replace("probability: 0.9\n        kind: inferred\n        words: will",
                                          "probability: 0.8\n        kind: inferred\n        words: will"), encoding="utf-8")
    csv_file = doc_files / "georgia.csv"
    csv_file.write_text(DOC_CSV.replace("Economist,0.56", "Economist,0.61"), encoding="utf-8")
    result = run_cli("import", str(doc_files))
    assert result.exit_code == 0, result.output
    assert "predictions 0 added, 2 updated, 1 unchanged; forecasts 0 added, 2 updated" in result.stdout
    after = snapshot(db_url)
    assert len(after["forecasts"]) == len(before["forecasts"])
    changed = sorted(set(after["forecasts"]) - set(before["forecasts"]))
    assert [(f[0], f[1], f[2]) for f in changed] == [
        ("biden-wins-georgia", "Economist", 0.61),
        (WANG, "Unnamed author of \"Muse Spark: Meta's AI Leapfrog That Can't Code\"", 0.8),
    ]
    per_prediction = [e for e in events(db_url) if e.prediction_id == WANG]
    assert len(per_prediction) == 1
    change = json.loads(per_prediction[0].details)["changes"]["forecasts_updated"][0]
    assert change["probability"] == {"old": 0.9, "new": 0.8}


def test_a_changed_claim_and_a_new_forecast_are_applied(run_cli, db_url, doc_files):
    assert run_cli("import", str(doc_files)).exit_code == 0
    (doc_files / "georgia.csv").write_text(
        DOC_CSV.replace("Biden wins Georgia", "Biden wins Georgia's electoral votes") + "biden-wins-georgia,,,JHK,0.5,2020-11-01,,,,,,\n",
        encoding="utf-8")
    result = run_cli("import", str(doc_files / "georgia.csv"))
    assert result.exit_code == 0, result.output
    assert "predictions 0 added, 1 updated, 0 unchanged; forecasts 1 added, 0 updated" in result.stdout
    claims = {p[0]: p[1] for p in snapshot(db_url)["predictions"]}
    assert claims["biden-wins-georgia"] == "Biden wins Georgia's electoral votes"
    event = [e for e in events(db_url) if e.prediction_id == "biden-wins-georgia"][-1]
    assert json.loads(event.details)["changes"]["claim"] == {"old": "Biden wins Georgia", "new": "Biden wins Georgia's electoral votes"}


def test_a_conflicting_resolution_needs_force_and_keeps_history(run_cli, db_url, doc_files, tmp_path):
    assert run_cli("import", str(doc_files)).exit_code == 0
    changed = tmp_path / "changed.csv"
    changed.write_text(DOC_CSV.replace("yes,2020-12-14", "no,2020-12-14") + "brand-new,A new claim,2030-01-01,X,0.5,2026-01-01,,,,,,\n",
                       encoding="utf-8")
    before = snapshot(db_url)
    refused = run_cli("import", str(changed))
    assert refused.exit_code == 1
    assert f"{changed}:4: prediction biden-wins-georgia is already resolved as yes on 2020-12-14; the file says no on 2020-12-14: use --force" in refused.stderr
    assert refused.stderr.rstrip().endswith("1 error: nothing imported")
    assert snapshot(db_url) == before  # not even the new prediction
    forced = run_cli("import", "--force", str(changed))
    assert forced.exit_code == 0, forced.output
    after = snapshot(db_url)
    outcome = {p[0]: (p[9], p[10]) for p in after["predictions"]}
    assert outcome["biden-wins-georgia"] == ("no", 0.0) and "brand-new" in outcome
    history = [r for r in after["resolutions"] if r[0] == "biden-wins-georgia"]
    assert sorted((r[1], r[8] == "None") for r in history) == [("no", True), ("yes", False)]


def test_a_file_without_a_resolution_never_unresolves(run_cli, db_url, doc_files):
    assert run_cli("import", str(doc_files)).exit_code == 0
    (doc_files / "georgia.csv").write_text("\n".join(DOC_CSV.splitlines()[:3]) + "\n", encoding="utf-8")
    assert run_cli("import", str(doc_files)).exit_code == 0
    assert {p[0]: p[9] for p in snapshot(db_url)["predictions"]}["biden-wins-georgia"] == "yes"


def test_dry_run_counts_but_writes_nothing(run_cli, db_url, doc_files):
    result = run_cli("import", "--dry-run", "--json", str(doc_files))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and data["dry_run"] and data["predictions_added"] == 3 and data["forecasts_added"] == 5
    assert snapshot(db_url)["predictions"] == [] and events(db_url) == []
    text = run_cli("import", "--dry-run", str(doc_files))
    assert text.stdout.startswith("Dry run, nothing written: would import 2 files: predictions 3 added")


BAD_YAML = """\
article:
  title: A
  published: 2026-04-08
predictions:
  - id: fine
    claim: Fine.
    deadline: 2027-01-01
    forecasts: [{source: A, probability: 0.5}]
  - id: bad
    claim: Bad.
    deadline: whenever it suits
    forecasts: [{source: A, probability: 1.5}]
    colour: red
"""


def test_bad_input_lists_every_error_and_imports_nothing(run_cli, db_url, doc_files, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    (bad / "broken.yaml").write_text("predictions:\n  - id: x\n    claim: [oops\n", encoding="utf-8")
    (bad / "rows.csv").write_text("prediction,claim,deadline,source,probability,stated\nok,Claim,2027-01-01,A,0.5,2026-01-01\nrow,Claim,2027-01-01,A,-1,2026-01-01\n",
                                  encoding="utf-8")
    (bad / "dupe.yaml").write_text(DOC_YAML, encoding="utf-8")
    result = run_cli("import", str(doc_files), str(bad))
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert errors[-1] == f"{len(errors) - 1} errors: nothing imported"
    expected_places = [
        f"{bad / 'bad.yaml'}:13: unknown key 'colour' in prediction",
        f"{bad / 'bad.yaml'}:11: prediction bad: invalid deadline 'whenever it suits'",
        f"{bad / 'bad.yaml'}:12: prediction bad, forecast by A: invalid probability 1.5",
        f"{bad / 'broken.yaml'}:4: malformed YAML",
        f"{bad / 'dupe.yaml'}:",
        f"{bad / 'rows.csv'}:3: invalid probability '-1'",
    ]
    for place in expected_places:
        assert any(e.startswith(place) for e in errors), (place, errors)
    assert any("duplicate prediction id" in e for e in errors)
    assert snapshot(db_url)["predictions"] == [] and events(db_url) == []
    as_json = run_cli("import", "--json", str(bad / "rows.csv"))
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {"ok": False, "errors": [
        {"path": str(bad / "rows.csv"), "line": 3, "message": as_json_message(json.loads(as_json.stdout))}]}


def as_json_message(data: dict) -> str:
    message = data["errors"][0]["message"]
    assert message.startswith("invalid probability '-1'")
    return message


def test_a_csv_prediction_without_a_claim_must_exist(run_cli, db_url, doc_files, tmp_path):
    more = tmp_path / "more.csv"
    more.write_text("prediction,source,probability,stated\nbiden-wins-georgia,JHK,0.7,2020-11-01\n", encoding="utf-8")
    refused = run_cli("import", str(more))
    assert refused.exit_code == 1
    assert f"{more}:2: prediction biden-wins-georgia is not in the database and no row gives its claim" in refused.stderr
    assert run_cli("import", str(doc_files)).exit_code == 0
    accepted = run_cli("import", str(more))
    assert accepted.exit_code == 0, accepted.output
    assert "forecasts 1 added" in accepted.stdout


def test_a_new_csv_prediction_needs_a_deadline_unless_resolved(run_cli, db_url, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("prediction,claim,source,probability,stated,outcome,resolved\n"
                    "no-deadline,Claim,A,0.5,2026-01-01,,\n"
                    "resolved,Claim,A,0.5,2026-01-01,yes,2026-02-01\n", encoding="utf-8")
    result = run_cli("import", str(rows))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{rows}:2: prediction no-deadline is not in the database and has no deadline")
    assert "resolved" not in result.stderr.split("\n")[0].split(":")[0]
    assert len(result.stderr.strip().splitlines()) == 2


def test_ids_must_be_unique_across_yaml_and_csv(run_cli, tmp_path, doc_files):
    clash = tmp_path / "clash.csv"
    clash.write_text(f"prediction,source,probability,stated\n{WANG},X,0.5,2026-05-01\n", encoding="utf-8")
    result = run_cli("import", str(doc_files / "muse.yaml"), str(clash))
    assert result.exit_code == 1
    assert f"{clash}:2: prediction id '{WANG}' is also in {doc_files / 'muse.yaml'}:" in result.stderr
    checked = run_cli("check", str(doc_files / "muse.yaml"), str(clash))
    assert checked.exit_code == 1 and f"{clash}:2: prediction id '{WANG}' is also in" in checked.stdout


def test_check_lists_errors_and_counts(run_cli, doc_files, tmp_path):
    ok = run_cli("check", str(doc_files))
    assert ok.exit_code == 0 and ok.stdout == "ok: 2 files, 3 predictions, 5 forecasts, 3 resolutions\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML, encoding="utf-8")
    result = run_cli("check", str(bad))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (f"{bad}:13: unknown key 'colour' in prediction: expected one of id, claim, criteria, "
                                             "deadline, deadline_date, deadline_note, tags, owner, notes, forecasts, resolution, resolution_history")
    data = json.loads(run_cli("check", "--json", str(bad)).stdout)
    assert data["ok"] is False and data["predictions"] == 0  # a file with errors yields nothing to import
    assert {(e["path"], e["line"]) for e in data["errors"]} == {(str(bad), 11), (str(bad), 12), (str(bad), 13)}
    missing = run_cli("check", str(tmp_path / "nope"))
    assert missing.exit_code == 1 and missing.stdout == f"{tmp_path / 'nope'}:1: no such file or folder\n"


def build_rich_database(run_cli, doc_files) -> None:
    """Tags, owners, articles, source organisations, withdrawn forecasts and resolution history."""
    assert run_cli("import", str(doc_files)).exit_code == 0
    assert run_cli("resolve", WANG, "no", "--on", "2026-10-01", "--note", "Nothing announced").exit_code == 0
    assert run_cli("resolve", WANG, "yes", "--on", "2026-10-02", "--force", "--evidence", "https://e.org/deal").exit_code == 0
    assert run_cli("unresolve", WHATSAPP).exit_code == 0
    assert run_cli("forecast", "biden-wins-georgia", "--by", "Economist", "--withdraw").exit_code == 0
    added = run_cli("add", "No deadline at all", "--by", "Someone", "--probability", "0.3", "--id", "no-deadline-claim",
                    "--stated", "2026-01-01", "--owner", "owner@example.org", "--tag", "misc")
    assert added.exit_code == 0, added.output
    assert run_cli("add", "A dated one", "--by", "Someone", "--deadline", "2027-03-01", "--probability", "70%",
                   "--stated", "2026-01-01", "--id", "dated-one").exit_code == 0


@pytest.mark.parametrize("fmt", ["yaml", "csv", "json"])
def test_export_then_import_into_an_empty_database_gives_the_same_data(run_cli, backend_url, doc_files, tmp_path, fmt):
    build_rich_database(run_cli, doc_files)
    original = snapshot(backend_url)
    assert any(r[8] != "None" for r in original["resolutions"])  # history is there to round-trip
    assert any(f[8] != "None" for f in original["forecasts"])
    assert ("Alexandr Wang", "person", "Meta") in original["sources"]
    out = tmp_path / f"out-{fmt}"
    exported = run_cli("export", "--format", fmt, "--out", str(out))
    assert exported.exit_code == 0, exported.output
    empty = f"sqlite:///{tmp_path / f'empty-{fmt}.db'}"
    imported = run_cli("--db", empty, "import", str(out))
    assert imported.exit_code == 0, imported.output
    assert snapshot(empty) == original
    # And the export of the copy imports into the original as no change at all.
    again = tmp_path / f"again-{fmt}"
    assert run_cli("--db", empty, "export", "--format", fmt, "--out", str(again)).exit_code == 0
    unchanged = run_cli("import", str(again))
    assert unchanged.exit_code == 0, unchanged.output
    assert re.search(r"predictions 0 added, 0 updated, \d+ unchanged; forecasts 0 added, 0 updated; 0 resolutions added", unchanged.stdout)


def test_export_to_standard_output_imports_back(run_cli, db_url, doc_files, tmp_path):
    build_rich_database(run_cli, doc_files)
    original = snapshot(db_url)
    for fmt, suffix in (("yaml", "yaml"), ("csv", "csv"), ("json", "json")):
        result = run_cli("export", "--format", fmt)
        assert result.exit_code == 0, result.output
        path = tmp_path / f"stdout.{suffix}"
        path.write_text(result.stdout, encoding="utf-8")
        target = f"sqlite:///{tmp_path / f'copy-{fmt}.db'}"
        assert run_cli("--db", target, "import", str(path)).exit_code == 0
        assert snapshot(target) == original, fmt
    assert run_cli("export", "--format", "yaml").stdout.count("\n---\n") >= 2


def test_yaml_export_writes_one_file_per_article(run_cli, doc_files, tmp_path):
    build_rich_database(run_cli, doc_files)
    out = tmp_path / "out"
    result = run_cli("export", "--out", str(out))
    assert result.exit_code == 0
    names = sorted(p.name for p in out.iterdir())
    assert "no-article.yaml" in names
    assert "2026-04-08-muse-spark-meta-s-ai-leapfrog-that-can.yaml" in names
    assert not any(name.endswith(".tmp") for name in names)
    assert result.stdout == f"wrote {len(names)} files to {out}\n"


def test_every_command_has_an_example_in_its_help(run_cli):
    for command in ("check", "import", "export"):
        result = run_cli(command, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout, command


def test_a_large_import_shows_progress_on_a_terminal(tmp_path, db_url):
    """With standard error on a terminal a progress bar is drawn there; never on a pipe."""
    import os
    import pty
    import subprocess
    import sys
    import threading

    rows = tmp_path / "rows.csv"
    rows.write_text("prediction,claim,deadline,source,probability,stated\n"
                    + "".join(f"p{i},Claim {i},2027-01-01,S{i % 7},0.5,2026-01-01\n" for i in range(3000)), encoding="utf-8")
    env = {**os.environ, "PREDTRACK_DATABASE_URL": db_url}
    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # read while the child writes, so a full terminal buffer never blocks it
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO once the child's end is closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run([sys.executable, "-m", "predtrack", "import", str(rows)], env=env, stdout=subprocess.PIPE,
                              stderr=follower, timeout=120, text=True)
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(leader)
    drawn = b"".join(chunks)
    assert done.returncode == 0
    assert "predictions 3000 added" in done.stdout
    assert b"Importing" in drawn and b"100%" in drawn
    piped = subprocess.run([sys.executable, "-m", "predtrack", "import", str(rows)], env=env, capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and piped.stderr == ""
