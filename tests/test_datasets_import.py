"""Real public forecasts through the flat CSV: every forecast and outcome arrives, counted against the raw files.

The data sets are read from ../shared/datasets (see its README for their origin and licence)
and turned into flat CSV in tmp_path; nothing is copied into the repository.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from predtrack.models import Forecast, Prediction, Resolution, Source

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
HEADER = ["prediction", "claim", "deadline", "source", "probability", "stated", "outcome", "resolved", "tags", "criteria", "quote", "url"]


def dataset(*parts: str) -> Path:
    path = DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"dataset {path} is absent (tests read it from ../shared/datasets beside the repo)")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[list[object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def database(url: str):
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    return engine, Session(engine)


# --- election2020 --------------------------------------------------------------------------------

ELECTION_DAY = "2020-11-03"
FORECASTS_STATED = "2020-11-02"
# The day the electors voted: by then every state's result was certified and known.
RESULTS_KNOWN = "2020-12-14"


def election_rows(root: Path) -> tuple[list[list[object]], list[dict[str, str]], list[dict[str, str]]]:
    """Flat CSV rows: per state a prediction (first row gives the claim), a forecast row per forecaster, a result row."""
    results = read_csv(root / "results.csv")
    forecasts = [row for path in sorted((root / "forecasts").glob("*.csv")) for row in read_csv(path)]
    rows: list[list[object]] = []
    defined: set[str] = set()
    for row in forecasts:
        state = row["state_abbr"].lower()
        prediction = f"biden-wins-{state}-2020"
        first = prediction not in defined
        defined.add(prediction)
        rows.append([
            prediction, f"Biden wins {row['state_name']} in the 2020 US presidential election" if first else "",
            ELECTION_DAY if first else "", row["model"], row["biden"], FORECASTS_STATED, "", "",
            "election2020;us-president" if first else "",
            f"Resolves YES if Joe Biden wins {row['state_name']}'s electoral votes." if first else "", "", "",
        ])
    for result in results:
        prediction = f"biden-wins-{result['state_abbr'].lower()}-2020"
        rows.append([prediction, "", "", "", "", "", "yes" if result["biden_win"] == "1" else "no", RESULTS_KNOWN, "", "", "", ""])
    return rows, forecasts, results


def test_election2020_imports_every_forecast_and_outcome(run_cli, backend_url, tmp_path):
    root = dataset("election2020")
    rows, forecasts, results = election_rows(root)
    flat = tmp_path / "election2020.csv"
    write_csv(flat, rows)
    checked = run_cli("check", str(flat))
    assert checked.exit_code == 0, checked.output
    result = run_cli("import", "--json", str(flat))
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    states = {r["state_abbr"] for r in results}
    forecasters = {r["model"] for r in forecasts}
    assert (counts["predictions_added"], counts["forecasts_added"], counts["resolutions_added"]) == (len(states), len(forecasts), len(results))
    assert counts["sources_added"] == len(forecasters) == 16

    engine, session = database(backend_url)
    with session:
        stored = {(p, s, v) for p, s, v in session.execute(
            select(Forecast.prediction_id, Source.name, Forecast.probability).join(Source, Source.id == Forecast.source_id))}
        expected = {(f"biden-wins-{r['state_abbr'].lower()}-2020", r["model"], float(r["biden"])) for r in forecasts}
        assert stored == expected
        outcomes = dict(session.execute(select(Prediction.id, Prediction.outcome_value)).all())
        assert outcomes == {f"biden-wins-{r['state_abbr'].lower()}-2020": float(r["biden_win"]) for r in results}
        assert sum(outcomes.values()) == sum(int(r["biden_win"]) for r in results)
        deadlines = set(session.execute(select(Prediction.deadline)).scalars())
        assert deadlines == {date(2020, 11, 3)}
    engine.dispose()

    again = run_cli("import", "--json", str(flat))
    assert json.loads(again.stdout)["predictions_unchanged"] == len(states)


# --- forecastbench -------------------------------------------------------------------------------

SNAPSHOT = "2025-02-17"  # the date of the resolutions file: when the market values were read
QUESTION_SET = "2024-07-21"  # the question set the superforecasters answered


def bench_id(source: str, question: str, resolution_date: str) -> str:
    """A readable slug; the question id is hashed because it is long and case-sensitive."""
    digest = hashlib.sha1(f"{source}/{question}".encode()).hexdigest()[:16]
    return f"fb-{source}-{digest}-{resolution_date or 'market'}"


def forecastbench_rows(root: Path):
    forecasts = read_csv(root / "fixture_super_individual_forecasts.csv")
    resolutions = read_csv(root / "fixture_resolutions_2025-02-17.csv")
    resolved = {(r["question_id"], r["resolution_date"]): r for r in resolutions}
    rows: list[list[object]] = []
    defined: set[str] = set()
    for row in forecasts:
        key = (row["question_id"], row["resolution_date"])
        prediction = bench_id(row["source"], *key)
        if prediction not in defined:
            defined.add(prediction)
            when = row["resolution_date"]
            # A market question is resolved against the market at the snapshot; one that the
            # resolutions file leaves out is due on that date.
            deadline = when or ("" if key in resolved else SNAPSHOT)
            claim = f"ForecastBench {row['source']} question {row['question_id']} resolves YES" + (f" as of {when}" if when else "")
            rows.append([prediction, claim, deadline, row["user_id"], row["forecast"], QUESTION_SET, "", "", f"forecastbench;{row['source']}", "", "", ""])
        else:
            rows.append([prediction, "", "", row["user_id"], row["forecast"], QUESTION_SET, "", "", "", "", "", ""])
    for r in resolutions:
        prediction = bench_id(r["source"], r["question_id"], r["resolution_date"])
        rows.append([prediction, "", "", "", "", "", r["resolved_to"], r["resolution_date"] or SNAPSHOT, "", "", "", ""])
    return rows, forecasts, resolutions


def test_forecastbench_imports_every_forecast_and_fractional_outcome(run_cli, backend_url, tmp_path):
    root = dataset("forecastbench")
    rows, forecasts, resolutions = forecastbench_rows(root)
    flat = tmp_path / "forecastbench.csv"
    write_csv(flat, rows)
    result = run_cli("import", "--json", str(flat))
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    items = {(f["source"], f["question_id"], f["resolution_date"]) for f in forecasts}
    assert counts["predictions_added"] == len(items)
    assert counts["forecasts_added"] == len(forecasts) == 7693
    assert counts["resolutions_added"] == len(resolutions) == 498
    assert counts["sources_added"] == len({f["user_id"] for f in forecasts}) == 40

    engine, session = database(backend_url)
    with session:
        outcome_values = dict(session.execute(select(Prediction.id, Prediction.outcome_value).where(Prediction.outcome.is_not(None))).all())
        expected = {bench_id(r["source"], r["question_id"], r["resolution_date"]): float(r["resolved_to"]) for r in resolutions}
        assert outcome_values == expected
        fractional = [v for v in outcome_values.values() if 0 < v < 1]
        assert fractional, "market questions resolve to values strictly between 0 and 1"
        per_prediction = Counter(dict(session.execute(
            select(Forecast.prediction_id, func.count()).group_by(Forecast.prediction_id)).all()))
        assert per_prediction == Counter(bench_id(f["source"], f["question_id"], f["resolution_date"]) for f in forecasts)
        assert session.execute(select(func.count()).select_from(Resolution)).scalar_one() == len(resolutions)
    engine.dispose()
