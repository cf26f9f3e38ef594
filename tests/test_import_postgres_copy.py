"""`predtrack import` on PostgreSQL writes with COPY: the same data as on SQLite, all or nothing.

Each file here spans several of the importer's chunks, so rows are written by many COPY
statements inside the import's one transaction, as a large import writes them.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from predtrack.flatcsv import COLUMNS

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "predictions-format.md").read_text(encoding="utf-8")

# The tables a user sees, each with the order that lines its rows up the same on both databases.
USER_TABLES = {
    "prediction": "id",
    "prediction_tag": "prediction_id, tag",
    "forecast": "id",
    "resolution": "id",
    "source": "id",
    "source_alias": "alias",
    "article": "id",
}
PREDICTIONS = 2600  # three chunks of the importer and part of a fourth
# Text that a COPY stream must escape: tabs, newlines, backslashes and a literal \N (COPY's NULL).
AWKWARD_TEXT = (
    "tab\there",
    "line one\nline two",
    "back\\slash, \\N and \\\\N",
    'he said "70%", twice',
    "naïve café: 日本語 🙂",
    "  spaces around  ",
)
SUMMARY = ("Imported 1 file: predictions {added} added, {updated} updated, {unchanged} unchanged; "
           "forecasts {forecasts} added, 0 updated; {resolutions} resolutions added; "
           "{sources} sources and {articles} articles added\n")


def write_rich_csv(path: Path, predictions: int = PREDICTIONS, seed: int = 7) -> Path:
    """Every column of the flat CSV, with dates, zoned times, booleans, empty cells and awkward text."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for i in range(predictions):
        pid = f"copy-{i:05d}"
        awkward = AWKWARD_TEXT[i % len(AWKWARD_TEXT)]
        first = {
            "prediction": pid,
            "claim": f"Claim {i}: {awkward}",
            "deadline": ("2026-03-31", "soon", "by Q2 2027", "within 12 months", "none")[i % 5],
            "source": f"Source {rng.randrange(60)}",
            "probability": ("0.1", "70%", "likely", "0.333333333333333", "1", "0")[i % 6],
            "stated": f"2026-01-{i % 28 + 1:02d}",
            "tags": ";".join(sorted({f"tag{i % 7}", f"t{i % 3}"})) if i % 4 else "",
            "criteria": f"YES if {awkward}" if i % 3 else "",
            "quote": awkward if i % 2 else "",
            "url": f"https://example.org/article/{i % 900}" if i % 5 else "",
            "owner": f"owner{i % 4}@example.org" if i % 6 == 0 else "",
            "notes": f"note {awkward}" if i % 8 == 1 else "",
            "title": f"Article {i % 900}: {awkward}" if i % 5 else "",
            "outlet": f"Outlet {i % 11}" if i % 5 else "",
            "author": f"Author {i % 13}" if i % 10 == 1 else "",
            "published": f"2025-12-{i % 28 + 1:02d}" if i % 5 else "",
            "seed": f"seed_{i % 900}.txt" if i % 50 == 1 else "",
            "article_notes": f"notes on {i % 900}" if i % 50 == 1 else "",
        }
        if i % 9 == 0:
            first.update(source=f"Person {i % 17}", source_kind="person", organisation=f"Organisation {i % 5}")
        if i % 7 == 0:
            first.update(probability="0.8", probability_kind="inferred", words=f"very likely, {awkward}")
        if i % 5 == 4:  # no deadline: an outcome is required
            first.update(outcome=("yes", "no", "ambiguous", "annulled", "0.25")[i % 5], resolved="2026-04-01",
                         resolution_note=awkward, resolved_by="Reviewer", evidence="https://e.org/a https://e.org/b",
                         recorded_at="2026-04-02T09:30:00.123456+02:00")
        rows.append(first)
        for k in range(i % 4):
            rows.append({
                "prediction": pid,
                "source": f"Source {rng.randrange(60)}",
                "probability": f"{rng.random():.6f}",
                "stated": f"2026-02-{k + 1:02d}",
                "withdrawn_at": "2026-02-20T23:59:59.999999-05:00" if k == 2 else "",
                "url": f"https://example.org/other/{i % 300}" if k == 1 else "",
            })
        if i % 5 == 0:  # resolved, with an earlier resolution kept in history
            rows.append({"prediction": pid, "outcome": "no", "resolved": "2026-03-01",
                         "superseded_at": "2026-03-15T12:00:00+00:00", "resolved_by": "Someone"})
            rows.append({"prediction": pid, "outcome": "yes", "resolved": "2026-03-10", "url": "https://e.org/proof"})
    rng.shuffle(rows)  # rows of one prediction may come in any order
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def query(url: str, statement: str) -> list[tuple]:
    from predtrack import db

    engine = db.create_engine_for(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(statement))]
    finally:
        engine.dispose()


def contents(url: str) -> dict[str, list[dict]]:
    """Every row of every table a user sees, ids included; an import's own time reads `<import N>`."""
    from predtrack import db
    from predtrack.models import SQLModel

    engine = db.create_engine_for(url)
    try:
        with engine.connect() as connection:
            event = SQLModel.metadata.tables["event"]
            imports = connection.execute(
                event.select().where(event.c.action == "import", event.c.prediction_id.is_(None)).order_by(event.c.id)).all()
            import_times = {row.at: f"<import {n}>" for n, row in enumerate(imports, 1)}
            tables = {}
            for name, order in USER_TABLES.items():
                table = SQLModel.metadata.tables[name]
                rows = connection.execute(table.select().order_by(*(table.c[c.strip()] for c in order.split(",")))).all()
                tables[name] = [{column: import_times.get(value, value) if isinstance(value, datetime) else value
                                 for column, value in row._mapping.items()} for row in rows]
            return tables
    finally:
        engine.dispose()


def data_version(url: str) -> int:
    return query(url, "SELECT version FROM data_version")[0][0]


def migrated(url: str) -> str:
    from predtrack import db

    engine = db.create_engine_for(url)
    try:
        db.upgrade(engine, "head")
    finally:
        engine.dispose()
    return url


def import_ok(run_cli, url: str, path: Path) -> str:
    result = run_cli("--db", url, "import", str(path))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_postgres_and_sqlite_hold_the_same_rows_after_the_same_import(run_cli, db_url, pg_url, tmp_path, monkeypatch):
    """The large CSV, and the documented YAML and CSV examples (organisations, history, withdrawn forecasts)."""
    # A session time zone far from UTC: a time written without its offset would land hours away.
    monkeypatch.setenv("PGTZ", "Pacific/Chatham")
    folder = tmp_path / "predictions"
    folder.mkdir()
    write_rich_csv(folder / "rich.csv")
    (folder / "muse.yaml").write_text(re.search(r"```yaml\n(.*?)```", DOC, re.S).group(1), encoding="utf-8")
    (folder / "georgia.csv").write_text(re.search(r"```csv\n(.*?)```", DOC, re.S).group(1), encoding="utf-8")
    postgres = migrated(pg_url)
    on_sqlite = import_ok(run_cli, db_url, folder)
    on_postgres = import_ok(run_cli, postgres, folder)
    assert on_postgres == on_sqlite
    assert on_postgres.startswith("Imported 3 files: predictions ")
    expected = contents(db_url)
    actual = contents(postgres)
    for table in USER_TABLES:
        assert len(actual[table]) == len(expected[table]), table
        for ours, theirs in zip(actual[table], expected[table]):
            assert ours == theirs, table
    # The file's awkward values all arrived: none was turned into NULL or lost its escapes.
    claims = {row["claim"] for row in actual["prediction"]}
    assert all(f"Claim {i}: {t}".rstrip() in claims for i, t in enumerate(AWKWARD_TEXT))  # cells lose trailing spaces
    assert {row["deadline_vague"] for row in actual["prediction"]} == {True, False}
    assert {row["deadline"] is None for row in actual["prediction"]} == {True, False}
    assert any(isinstance(row["withdrawn_at"], datetime) for row in actual["forecast"])
    assert any(isinstance(row["recorded_at"], datetime) for row in actual["resolution"])  # a time from the file
    assert any(isinstance(row["superseded_at"], datetime) for row in actual["resolution"])


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_importing_the_same_file_again_changes_nothing(run_cli, db_url, request, tmp_path, database):
    url = db_url if database == "sqlite" else migrated(request.getfixturevalue("pg_url"))
    path = write_rich_csv(tmp_path / "rich.csv")
    import_ok(run_cli, url, path)
    before = contents(url)
    version = data_version(url)
    again = import_ok(run_cli, url, path)
    assert again == SUMMARY.format(added=0, updated=0, unchanged=PREDICTIONS, forecasts=0, resolutions=0, sources=0, articles=0)
    assert contents(url) == before
    assert data_version(url) == version  # nothing was written: every cached score stays valid


def rows_csv(path: Path, first: int, count: int, tail: str = "") -> Path:
    path.write_text("prediction,claim,deadline,source,probability,stated,words\n" + "".join(
        f"bulk-{i:05d},Claim {i},2027-01-01,Source {i % 40},0.{i % 9 + 1},2026-01-0{i % 9 + 1},\n"
        for i in range(first, first + count)) + tail, encoding="utf-8")
    return path


def test_an_error_found_late_in_a_large_postgres_import_writes_nothing(run_cli, pg_url, tmp_path):
    url = migrated(pg_url)
    import_ok(run_cli, url, rows_csv(tmp_path / "first.csv", 0, 500))
    before, version = contents(url), data_version(url)
    # Sorted last, after three chunks have been written: a prediction the database lacks, without a claim.
    path = rows_csv(tmp_path / "late.csv", 500, 3000, tail="zz-unknown,,,Source 1,0.5,2026-01-01,\n")
    result = run_cli("--db", url, "import", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:3002: prediction zz-unknown is not in the database and no row gives its claim\n"
        f"{path}:3002: prediction zz-unknown is not in the database and has no deadline: give one "
        "(a deadline may be left out only when an outcome is given)\n"
        "2 errors: nothing imported\n")
    assert contents(url) == before
    assert data_version(url) == version


def test_a_value_too_long_late_in_a_large_import_writes_nothing(pg_url, tmp_path):
    """Words longer than their column, on the last row: named with path:line before anything is copied.

    (PostgreSQL alone enforces column widths; the readers check them so both databases agree.)
    """
    url = migrated(pg_url)
    path = rows_csv(tmp_path / "late.csv", 0, 3000, tail=f"zz-last,Claim,2027-01-01,Source 1,0.5,2026-01-01,{'w' * 201}\n")
    done = subprocess.run([sys.executable, "-m", "predtrack", "import", str(path)], capture_output=True, text=True,
                          env={**os.environ, "PREDTRACK_DATABASE_URL": url}, timeout=300)
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"{path}:3002: invalid words" in done.stderr
    assert "at most 200 characters" in done.stderr and "nothing imported" in done.stderr
    assert "psycopg" not in done.stderr
    assert query(url, "SELECT count(*) FROM prediction")[0][0] == 0
    assert query(url, "SELECT count(*) FROM source")[0][0] == 0
    assert data_version(url) == 1


def test_a_copied_import_bumps_the_version_once_and_marks_just_its_sources(run_cli, pg_url, tmp_path):
    url = migrated(pg_url)
    import_ok(run_cli, url, rows_csv(tmp_path / "first.csv", 0, 500))
    assert run_cli("--db", url, "score", "--json", "--as-of", "2026-11-25").exit_code == 0  # totals complete from here on
    assert query(url, "SELECT complete FROM score_totals_state")[0][0] is True
    assert query(url, "SELECT count(*) FROM score_totals_dirty")[0][0] == 0
    version = data_version(url)
    # New predictions (more than a chunk) and new forecasts on known ones, from new sources and one known source.
    path = tmp_path / "more.csv"
    path.write_text("prediction,claim,deadline,source,probability,stated\n" + "".join(
        f"more-{i:05d},More {i},2027-01-01,New {i % 25},0.5,2026-02-01\n" for i in range(1500)) + "".join(
        f"bulk-{i:05d},,,{'Source 3' if i % 2 else 'Later'},0.25,2026-03-01\n" for i in range(0, 500, 7)), encoding="utf-8")
    assert import_ok(run_cli, url, path) == SUMMARY.format(
        added=1500, updated=72, unchanged=0, forecasts=1572, resolutions=0, sources=26, articles=0)
    assert data_version(url) == version + 1
    dirty = {name for (name,) in query(url, "SELECT name FROM source JOIN score_totals_dirty ON source_id = id")}
    assert dirty == {f"New {i}" for i in range(25)} | {"Source 3", "Later"}
    scored = run_cli("--db", url, "score", "--json", "--as-of", "2026-11-25")
    general = run_cli("--db", url, "score", "--json", "--as-of", "2026-11-25", "--since", "2000-01-01", "--no-cache")
    assert json.loads(scored.stdout) == json.loads(general.stdout)
    assert query(url, "SELECT count(*) FROM score_totals_dirty")[0][0] == 0
