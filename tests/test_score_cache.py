"""The score cache never returns a stale score, on SQLite and PostgreSQL.

A cached `predtrack score` result is reused only while the data version (bumped by database
triggers on every change to a table a score reads) has not moved. Each test compares the
cached path with `--no-cache`, which always recomputes from the forecasts.
"""

from __future__ import annotations

import inspect
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from score_world import one_resolved_prediction_csv

AS_OF = "2026-11-25"


def score_output(run_cli, *args: str) -> str:
    result = run_cli("score", "--as-of", AS_OF, "--json", *args)
    assert result.exit_code == 0, result.output
    return result.output


def ok(run_cli, *args: str, input: str | None = None) -> str:
    result = run_cli(*args, input=input)
    assert result.exit_code == 0, result.output
    return result.output


def cache_rows(url: str) -> list[tuple]:
    from predtrack import db

    with db.engine_for(url).connect() as connection:
        return [tuple(r) for r in connection.execute(text("SELECT key, options, version FROM score_cache"))]


def data_version(url: str) -> int:
    from predtrack import db

    with db.engine_for(url).connect() as connection:
        return connection.execute(text("SELECT version FROM data_version")).scalar_one()


@pytest.fixture
def world(backend_url, run_cli):
    """Two resolved predictions and an open one, three sources, tags and an article."""
    ok(run_cli, "add", "A happens", "--id", "a", "--by", "Jane", "--deadline", "2026-06-01", "--stated", "2026-01-05",
       "-p", "0.7", "--tag", "x", "--article", "https://example.org/a")
    ok(run_cli, "forecast", "a", "--by", "Bob", "-p", "0.4", "--stated", "2026-01-06")
    ok(run_cli, "add", "B happens", "--id", "b", "--by", "Bob", "--deadline", "2026-06-01", "--stated", "2026-01-05",
       "-p", "0.2", "--tag", "y")
    ok(run_cli, "forecast", "b", "--by", "Jane", "-p", "0.6", "--stated", "2026-01-07")
    ok(run_cli, "add", "C happens", "--id", "c", "--by", "Jane", "--deadline", "2026-06-01", "--stated", "2026-01-05", "-p", "0.9")
    ok(run_cli, "resolve", "a", "yes", "--on", "2026-06-02")
    ok(run_cli, "resolve", "b", "no", "--on", "2026-06-02")
    return backend_url


# The default score (by source, no filters) is served by the per-source totals instead
# (tests/test_score_totals.py); every other set of options goes through this cache.
CACHED_OPTIONS = ("--by", "outlet")


def test_second_run_is_served_from_the_cache_with_the_same_output(world, run_cli, monkeypatch):
    from predtrack import reports

    first = score_output(run_cli, *CACHED_OPTIONS)
    assert sum(row["n"] for row in json.loads(first)) == 4  # a and b, each forecast by Jane and Bob

    def must_not_compute(*args, **kwargs):
        raise AssertionError("computed again although nothing changed")

    monkeypatch.setattr(reports, "track_record", must_not_compute)
    assert score_output(run_cli, *CACHED_OPTIONS) == first
    table = run_cli("score", "--as-of", AS_OF, *CACHED_OPTIONS)
    assert table.exit_code == 0 and "(no outlet)" in table.output
    # --no-cache computes: here that reaches the patched function.
    with pytest.raises(AssertionError, match="computed again"):
        run_cli("score", "--as-of", AS_OF, "--json", "--no-cache", *CACHED_OPTIONS)


def _sql(url: str, statement: str) -> None:
    """A change typed by hand, through an engine of its own: no predtrack code runs."""
    from predtrack import db

    engine = db.create_engine_for(url)
    with engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()


CHANGES = {
    "add a forecast": ((), lambda url, run_cli, tmp: ok(run_cli, "forecast", "a", "--by", "Carol", "-p", "0.9", "--stated", "2026-02-01")),
    "withdraw a forecast": ((), lambda url, run_cli, tmp: ok(run_cli, "forecast", "a", "--by", "Bob", "--withdraw")),
    "resolve": ((), lambda url, run_cli, tmp: ok(run_cli, "resolve", "c", "no", "--on", "2026-07-01")),
    "unresolve": ((), lambda url, run_cli, tmp: ok(run_cli, "unresolve", "a")),
    "edit tags": (("--by", "tag"), lambda url, run_cli, tmp: ok(run_cli, "edit", "a", "--tag", "z")),
    "delete a prediction": ((), lambda url, run_cli, tmp: ok(run_cli, "delete", "b", "--yes")),
    "rename a source": ((), lambda url, run_cli, tmp: ok(run_cli, "sources", "rename", "Bob", "Robert")),
    "merge sources": ((), lambda url, run_cli, tmp: ok(run_cli, "sources", "merge", "Bob", "Jane")),
    "import a file": ((), lambda url, run_cli, tmp: ok(run_cli, "import", str(one_resolved_prediction_csv(tmp, "d")))),
    "SQL update of a probability": ((), lambda url, run_cli, tmp: _sql(
        url, "UPDATE forecast SET probability = 0.05 WHERE prediction_id = 'a' AND source_id = (SELECT id FROM source WHERE name = 'Jane')")),
    "SQL update of an outlet": (("--by", "outlet"), lambda url, run_cli, tmp: _sql(url, "UPDATE article SET outlet = 'Daily Planet'")),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_kind_of_change_is_seen_by_the_next_score(world, run_cli, tmp_path, change):
    args, apply = CHANGES[change]
    before = score_output(run_cli, *args)
    assert score_output(run_cli, *args) == before  # now cached
    version = data_version(world)
    apply(world, run_cli, tmp_path)
    assert data_version(world) > version
    after = score_output(run_cli, *args)
    assert after == score_output(run_cli, "--no-cache", *args)
    assert after != before
    assert score_output(run_cli, *args) == after  # and cached again


def test_an_alias_added_by_hand_is_seen(world, run_cli):
    # The result for --source Janet is an error until the alias exists: nothing to cache.
    assert run_cli("score", "--as-of", AS_OF, "--source", "Janet").exit_code == 1
    jane = score_output(run_cli, "--source", "Jane")
    _sql(world, "INSERT INTO source_alias (alias, source_id) SELECT 'Janet', id FROM source WHERE name = 'Jane'")
    assert score_output(run_cli, "--source", "Janet") == jane


OPTION_SETS = [
    (),
    ("--by", "tag"),
    ("--by", "outlet"),
    ("--by", "kind"),
    ("--tag", "x"),
    ("--tag", "y"),
    ("--source", "Jane"),
    ("--source", "Bob"),
    ("--source", "consensus"),
    ("--consensus", "median"),
    ("--consensus", "mean"),
    ("--clip", "0.05"),
    ("--since", "2026-06-03"),
    ("--until", "2026-06-01"),
    ("--all-forecasts",),
]


def test_different_options_never_share_an_entry(world, run_cli):
    for args in OPTION_SETS:
        assert score_output(run_cli, *args) == score_output(run_cli, "--no-cache", *args), args
    rows = cache_rows(world)
    cached_sets = len(OPTION_SETS) - 1  # not the default: the per-source totals serve it
    assert len(rows) == cached_sets
    assert len({key for key, _options, _version in rows}) == cached_sets
    # A different as-of date is a different result, never the cached one of another date.
    early = run_cli("score", "--as-of", "2026-03-01", "--json")
    assert early.exit_code == 0
    assert early.output == run_cli("score", "--as-of", "2026-03-01", "--json", "--no-cache").output
    assert early.output != score_output(run_cli)
    for args in OPTION_SETS:  # every entry still answers for its own options
        assert score_output(run_cli, *args) == score_output(run_cli, "--no-cache", *args), args


def test_cache_key_covers_every_argument_of_the_computation():
    from predtrack import reports

    computed = [name for name in inspect.signature(reports.track_record).parameters if name != "session"]
    assert list(inspect.signature(reports.track_record_options).parameters) == computed


def test_the_cache_stays_small(world, run_cli):
    from predtrack import reports

    for day in range(1, reports.CACHE_ROWS + 9):
        ok(run_cli, "score", "--as-of", f"2026-{7 + day // 28:02d}-{day % 28 + 1:02d}", "--json", *CACHED_OPTIONS)
    assert len(cache_rows(world)) == reports.CACHE_ROWS
    ok(run_cli, "forecast", "c", "--by", "Bob", "-p", "0.5", "--stated", "2026-03-01")
    score_output(run_cli, *CACHED_OPTIONS)
    # Entries of an older data version can never be used again: they are gone.
    assert [version for _key, _options, version in cache_rows(world)] == [data_version(world)]


def test_a_result_computed_before_a_change_is_not_stored(world, run_cli):
    from predtrack import db, reports

    engine = db.engine_for(world)
    key, options = reports.cache_key({"test": "stale"})
    with db.session(engine) as session:
        version, payload = reports.cached_score(session, key)
    assert payload is None
    ok(run_cli, "forecast", "c", "--by", "Bob", "-p", "0.5", "--stated", "2026-03-01")  # the data moves on
    with db.session(engine) as session:
        stored = reports.store_score(session, key, options, version, "[]", datetime.now(timezone.utc))
    assert not stored
    assert cache_rows(world) == []


def test_score_answers_while_another_process_holds_the_write_lock(db_url, run_cli):
    """SQLite: a long import holds the lock; score still prints, and only skips storing."""
    ok(run_cli, "add", "A happens", "--id", "a", "--by", "Jane", "--deadline", "2026-06-01", "--stated", "2026-01-05", "-p", "0.7")
    import sqlite3

    from predtrack import db

    other_process = sqlite3.connect(db.sqlite_path(db_url), isolation_level=None)
    try:
        other_process.execute("BEGIN IMMEDIATE")
        held = score_output(run_cli, *CACHED_OPTIONS)
        other_process.execute("ROLLBACK")
    finally:
        other_process.close()
    assert cache_rows(db_url) == []
    assert held == score_output(run_cli, "--no-cache", *CACHED_OPTIONS)


def test_a_change_after_a_rolled_back_savepoint_still_moves_the_version(world, run_cli):
    """PostgreSQL bumps once per transaction; a bump undone with its savepoint must not count."""
    from predtrack import db

    before = score_output(run_cli)
    version = data_version(world)
    engine = db.create_engine_for(world)
    with engine.begin() as connection:
        savepoint = connection.begin_nested()
        connection.execute(text("UPDATE forecast SET probability = 0.5"))
        savepoint.rollback()
        connection.execute(
            text("UPDATE forecast SET probability = 0.01 WHERE source_id = (SELECT id FROM source WHERE name = 'Bob')")
        )
    engine.dispose()
    assert data_version(world) > version
    after = score_output(run_cli)
    assert after == score_output(run_cli, "--no-cache") != before


def test_many_statements_in_one_transaction_move_the_version(world, run_cli):
    from predtrack import db

    before = score_output(run_cli)
    version = data_version(world)
    engine = db.create_engine_for(world)
    with engine.begin() as connection:
        for probability in (0.11, 0.12, 0.13):
            connection.execute(text("UPDATE forecast SET probability = :p WHERE prediction_id = 'a'"), {"p": probability})
    engine.dispose()
    assert data_version(world) > version
    assert score_output(run_cli) == score_output(run_cli, "--no-cache") != before
