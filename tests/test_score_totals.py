"""The per-source score totals behind the default `predtrack score` (migration 0004).

Triggers mark the sources each write touches; a score recomputes those alone and keeps the
rest. Every test checks what a user would: that `predtrack score` prints what scoring every
forecast afresh prints (`--since 2000-01-01 --no-cache` takes the general path through
predtrack/score_data.py on the same selection), after every kind of change, on SQLite and
PostgreSQL; and which sources a change marks, so that the work stays small.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import text

from score_world import Store, one_resolved_prediction_csv, random_world

AS_OF = "2026-11-25"
GENERAL = ("--since", "2000-01-01", "--no-cache")  # the same selection through score_data


def ok(run_cli, *args: str) -> str:
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result.output


def score_json(run_cli, *args: str) -> str:
    return ok(run_cli, "score", "--as-of", AS_OF, "--json", *args)


def query(url: str, statement: str, params: dict | None = None) -> list[tuple]:
    from predtrack import db

    engine = db.create_engine_for(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), params or {})
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def dirty_sources(url: str) -> set[int]:
    return {row[0] for row in query(url, "SELECT source_id FROM score_totals_dirty")}


def source_ids(url: str) -> dict[str, int]:
    return {name: source_id for source_id, name in query(url, "SELECT id, name FROM source")}


def is_complete(url: str) -> bool:
    return bool(query(url, "SELECT complete FROM score_totals_state WHERE id = 1")[0][0])


@pytest.fixture
def world(backend_url, run_cli):
    """Resolved a (Jane, Bob) and b (Bob, Jane), open c (Jane), and an open d (Dora), scored once."""
    ok(run_cli, "add", "A happens", "--id", "a", "--by", "Jane", "--deadline", "2026-06-01", "--stated", "2026-01-05",
       "-p", "0.7", "--tag", "x")
    ok(run_cli, "forecast", "a", "--by", "Bob", "-p", "0.4", "--stated", "2026-01-06")
    ok(run_cli, "add", "B happens", "--id", "b", "--by", "Bob", "--deadline", "2026-06-01", "--stated", "2026-01-05", "-p", "0.2")
    ok(run_cli, "forecast", "b", "--by", "Jane", "-p", "0.6", "--stated", "2026-01-07")
    ok(run_cli, "add", "C happens", "--id", "c", "--by", "Jane", "--deadline", "2026-06-01", "--stated", "2026-01-05", "-p", "0.9")
    ok(run_cli, "add", "D happens", "--id", "d", "--by", "Dora", "--deadline", "2026-09-01", "--stated", "2026-02-05", "-p", "0.5")
    ok(run_cli, "resolve", "a", "yes", "--on", "2026-06-02")
    ok(run_cli, "resolve", "b", "no", "--on", "2026-06-02")
    score_json(run_cli)  # computes and stores the totals
    assert is_complete(backend_url) and dirty_sources(backend_url) == set()
    return backend_url


def test_the_default_score_is_the_general_computation_on_random_data(backend_url, run_cli):
    store = Store(backend_url)
    random_world(store, 11)  # revisions, withdrawals, late forecasts, every status
    assert not is_complete(backend_url)  # nothing computed yet: the triggers mark nothing
    first = score_json(run_cli)
    assert is_complete(backend_url)
    assert first == score_json(run_cli, *GENERAL)
    assert score_json(run_cli) == first  # from the stored totals now
    assert score_json(run_cli, "--no-cache") == first
    rows = json.loads(first)
    assert {row["group"] for row in rows} == {"s1", "s2", "s3", "s4", "s5", "s6"}
    assert sum(row["n"] + row["pending"] + row["ambiguous"] + row["annulled"] for row in rows) > 0


# change -> (how, the names of the sources it should mark)
CHANGES = {
    "a new forecast": (lambda url, cli, tmp: ok(cli, "forecast", "a", "--by", "Carol", "-p", "0.9", "--stated", "2026-02-01"), {"Carol"}),
    "a revised forecast": (lambda url, cli, tmp: ok(cli, "forecast", "a", "--by", "Bob", "-p", "0.1", "--stated", "2026-03-01"), {"Bob"}),
    "a corrected forecast": (lambda url, cli, tmp: ok(cli, "forecast", "a", "--by", "Bob", "-p", "0.3", "--correct"), {"Bob"}),
    "a withdrawn forecast": (lambda url, cli, tmp: ok(cli, "forecast", "a", "--by", "Bob", "--withdraw"), {"Bob"}),
    "a resolution": (lambda url, cli, tmp: ok(cli, "resolve", "c", "no", "--on", "2026-07-01"), {"Jane"}),
    "an unresolution": (lambda url, cli, tmp: ok(cli, "unresolve", "a"), {"Jane", "Bob"}),
    "a deleted prediction": (lambda url, cli, tmp: ok(cli, "delete", "b", "--yes"), {"Jane", "Bob"}),
    "a merge of sources": (lambda url, cli, tmp: ok(cli, "sources", "merge", "Bob", "Jane"), {"Jane", "Bob"}),
    "a renamed source": (lambda url, cli, tmp: ok(cli, "sources", "rename", "Bob", "Robert"), set()),
    "new tags": (lambda url, cli, tmp: ok(cli, "edit", "a", "--tag", "z"), set()),
    "an import": (lambda url, cli, tmp: ok(cli, "import", str(one_resolved_prediction_csv(tmp, "e"))), {"Carol"}),
    "SQL: a probability": (
        lambda url, cli, tmp: query(url, "UPDATE forecast SET probability = 0.05 WHERE prediction_id = 'a' "
                                         "AND source_id = (SELECT id FROM source WHERE name = 'Jane')"),
        {"Jane"},
    ),
    "SQL: an outcome": (lambda url, cli, tmp: query(url, "UPDATE prediction SET outcome = 'no', outcome_value = 0 WHERE id = 'a'"), {"Jane", "Bob"}),
    "SQL: a deleted forecast": (
        lambda url, cli, tmp: query(url, "DELETE FROM forecast WHERE source_id = (SELECT id FROM source WHERE name = 'Dora')"),
        {"Dora"},
    ),
    "SQL: a forecast moved to another source": (
        lambda url, cli, tmp: query(url, "UPDATE forecast SET source_id = (SELECT id FROM source WHERE name = 'Dora') "
                                         "WHERE prediction_id = 'c'"),
        {"Jane", "Dora"},
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_marks_just_its_sources_and_the_next_score_is_current(world, run_cli, tmp_path, change):
    apply, expected_names = CHANGES[change]
    before = score_json(run_cli)
    ids_before = source_ids(world)
    apply(world, run_cli, tmp_path)
    ids = {**ids_before, **source_ids(world)}
    assert dirty_sources(world) == {ids[name] for name in expected_names}
    after = score_json(run_cli)
    assert dirty_sources(world) == set()  # recomputed and cleared
    assert after == score_json(run_cli, *GENERAL)
    if change != "new tags":  # tags do not enter a score by source
        assert after != before


def test_a_score_as_of_an_earlier_day_is_not_taken_from_the_totals(world, run_cli):
    today = score_json(run_cli)
    early = ok(run_cli, "score", "--as-of", "2026-03-01", "--json")  # before a and b were resolved
    assert early == ok(run_cli, "score", "--as-of", "2026-03-01", "--json", *GENERAL)
    assert early != today
    assert {row["group"]: row["n"] for row in json.loads(early)} == {"Jane": 0, "Bob": 0, "Dora": 0}


def test_a_forecast_dated_after_the_as_of_day_sends_the_score_the_general_way(world, run_cli):
    # Imported data may carry a date later than today; stored totals would count it.
    query(world, "UPDATE forecast SET stated = '2027-01-01' WHERE source_id = (SELECT id FROM source WHERE name = 'Dora')")
    scored = score_json(run_cli)
    assert scored == score_json(run_cli, *GENERAL)
    assert "Dora" not in {row["group"] for row in json.loads(scored)}  # not stated yet, as of today


def test_totals_computed_before_a_change_are_not_stored(world, run_cli):
    from predtrack import direct_db, score_totals

    ok(run_cli, "forecast", "a", "--by", "Carol", "-p", "0.9", "--stated", "2026-02-01")
    carol = source_ids(world)["Carol"]
    direct = direct_db.connect(world)
    assert direct is not None
    try:
        totals = score_totals.read(direct)
        assert totals.recomputed == [carol]
        ok(run_cli, "forecast", "b", "--by", "Carol", "-p", "0.1", "--stated", "2026-02-01")  # the data moves on
        assert not score_totals.store(direct, totals)
    finally:
        direct.close()
    assert dirty_sources(world) == {carol}
    assert score_json(run_cli) == score_json(run_cli, *GENERAL)


def test_totals_from_other_scoring_code_are_recomputed(world, run_cli):
    before = score_json(run_cli)
    query(world, "UPDATE score_totals SET brier = 99, n = 1000")
    query(world, "UPDATE score_totals_state SET code = 'older code'")
    assert score_json(run_cli) == before
    from predtrack import score_totals

    assert query(world, "SELECT code FROM score_totals_state")[0][0] == score_totals.code_fingerprint()


def test_while_nothing_is_computed_writes_mark_nothing(backend_url, run_cli):
    ok(run_cli, "add", "A happens", "--id", "a", "--by", "Jane", "--deadline", "2026-06-01", "--stated", "2026-01-05", "-p", "0.7")
    assert not is_complete(backend_url)
    assert dirty_sources(backend_url) == set()
    score_json(run_cli)
    ok(run_cli, "forecast", "a", "--by", "Bob", "-p", "0.4", "--stated", "2026-01-06")
    assert dirty_sources(backend_url) == {source_ids(backend_url)["Bob"]}


def test_score_prints_while_another_process_holds_the_write_lock(db_url, run_cli):
    """SQLite: a long import holds the lock; score still answers, and only skips storing."""
    import sqlite3

    from predtrack import db

    ok(run_cli, "add", "A happens", "--id", "a", "--by", "Jane", "--deadline", "2026-06-01", "--stated", "2026-01-05", "-p", "0.7")
    other_process = sqlite3.connect(db.sqlite_path(db_url), isolation_level=None)
    try:
        other_process.execute("BEGIN IMMEDIATE")
        held = score_json(run_cli)
        other_process.execute("ROLLBACK")
    finally:
        other_process.close()
    assert not is_complete(db_url)
    assert held == score_json(run_cli, *GENERAL)


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)


def test_the_default_score_does_not_load_sqlalchemy(world):
    """What keeps a repeated score fast: it talks to the driver, not through SQLAlchemy."""
    probe = textwrap.dedent(
        f"""
        import sys
        from predtrack.cli import main
        sys.argv = ["predtrack", "score", "--as-of", "{AS_OF}"]
        try:
            main()
        except SystemExit as exit:
            assert not exit.code, exit.code
        print(sorted(m for m in ("sqlalchemy", "sqlmodel", "numpy") if m in sys.modules))
        """
    )
    result = _run([sys.executable, "-c", probe], {**os.environ, "PREDTRACK_DATABASE_URL": world})
    assert result.returncode == 0, result.stderr
    assert "Jane" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_databases_the_driver_path_cannot_serve_go_the_usual_way(tmp_path, db_url, run_cli):
    from predtrack import db, direct_db

    missing = tmp_path / "elsewhere" / "new.db"
    assert direct_db.connect(f"sqlite:///{missing}") is None
    assert not missing.exists()  # the driver path never creates a file
    assert direct_db.connect("sqlite://") is None
    assert direct_db.connect("mysql://localhost/x") is None
    ok(run_cli, "add", "A happens", "--id", "a", "--by", "Jane", "--deadline", "2026-06-01", "--stated", "2026-01-05", "-p", "0.7")
    db.dispose_all()
    db.downgrade(db.create_engine_for(db_url), "0003")
    db.dispose_all()
    assert direct_db.connect(db_url) is None
    refused = run_cli("score", "--as-of", AS_OF)
    assert refused.exit_code == 1
    assert "predtrack db upgrade" in refused.output


WRITER = """
import sys, time
from sqlalchemy import create_engine, text
sys.path.insert(0, {repo!r})
from predtrack import db
engine = db.create_engine_for({url!r})
deadline = time.monotonic() + 3.0
i = 0
while time.monotonic() < deadline:
    with engine.begin() as connection:
        connection.execute(text("UPDATE forecast SET probability = :p WHERE prediction_id = 'a' AND source_id = "
                                "(SELECT id FROM source WHERE name = :who)"), {{"p": (i % 97) / 100, "who": "Jane" if i % 2 else "Bob"}})
        if i % 5 == 0:
            connection.execute(text("UPDATE prediction SET outcome_value = :v, outcome = :o WHERE id = 'b'"),
                               {{"v": i % 2, "o": "yes" if i % 2 else "no"}})
    i += 1
print(i)
"""


def test_scores_racing_a_writer_process_never_keep_stale_totals(world):
    """Real processes: scores run while another process keeps writing; afterwards nothing is stale."""
    from pathlib import Path

    env = {**os.environ, "PREDTRACK_DATABASE_URL": world}
    repo = str(Path(__file__).resolve().parents[1])
    writer = subprocess.Popen([sys.executable, "-c", WRITER.format(repo=repo, url=world)], env=env, stdout=subprocess.PIPE, text=True)
    predtrack = [sys.executable, "-m", "predtrack", "score", "--as-of", AS_OF, "--json"]
    runs = 0
    try:
        started = time.monotonic()
        while writer.poll() is None and time.monotonic() - started < 60:
            result = _run(predtrack, env)
            assert result.returncode == 0, result.stderr
            runs += 1
    finally:
        writes = int(writer.communicate(timeout=60)[0].strip() or 0)
    assert runs >= 2 and writes > 10
    final = _run(predtrack, env)
    general = _run([*predtrack, *GENERAL], env)
    assert final.returncode == 0 and general.returncode == 0
    assert final.stdout == general.stdout


def test_a_large_import_leaves_the_totals_current(backend_url, run_cli, tmp_path):
    """Most sources changed: the import recomputes the totals itself, and the next score has nothing to do."""
    from predtrack import score_totals

    ok(run_cli, "add", "A happens", "--id", "a", "--by", "Jane", "--deadline", "2026-06-01", "--stated", "2026-01-05", "-p", "0.7")
    score_json(run_cli)
    lines = ["prediction,claim,deadline,source,probability,stated,outcome,resolved"]
    for i in range(score_totals.FULL_RECOMPUTE_MIN + 20):
        lines.append(f"bulk{i},Bulk {i} happens,2026-05-01,Source {i},0.{i % 9 + 1},2026-01-02,{'yes' if i % 3 else 'no'},2026-05-02")
    path = tmp_path / "bulk.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ok(run_cli, "import", str(path))
    assert is_complete(backend_url)
    assert dirty_sources(backend_url) == set()
    assert score_json(run_cli) == score_json(run_cli, *GENERAL)
    assert len(json.loads(score_json(run_cli))) == score_totals.FULL_RECOMPUTE_MIN + 21


def test_a_small_import_leaves_its_sources_to_the_next_score(world, run_cli, tmp_path):
    ok(run_cli, "import", str(one_resolved_prediction_csv(tmp_path, "e")))
    assert dirty_sources(world) == {source_ids(world)["Carol"]}


def test_a_failed_import_leaves_the_totals_as_they_were(backend_url, run_cli, tmp_path):
    from predtrack import score_totals

    ok(run_cli, "add", "A happens", "--id", "a", "--by", "Jane", "--deadline", "2026-06-01", "--stated", "2026-01-05", "-p", "0.7")
    before = score_json(run_cli)
    stored = query(backend_url, "SELECT source_id, status, n FROM score_totals ORDER BY source_id, status")
    lines = ["prediction,claim,deadline,source,probability,stated,outcome,resolved"]
    for i in range(score_totals.FULL_RECOMPUTE_MIN + 20):
        lines.append(f"bulk{i},Bulk {i} happens,2026-05-01,Source {i},0.5,2026-01-02,yes,2026-05-02")
    lines.append("broken,Broken,2026-05-01,Someone,1.5,2026-01-02,,")  # a probability above 1
    path = tmp_path / "bulk.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_cli("import", str(path)).exit_code == 1
    assert query(backend_url, "SELECT source_id, status, n FROM score_totals ORDER BY source_id, status") == stored
    assert score_json(run_cli) == before
