"""Migrations: head matches the code, data survives an upgrade, old schemas are refused."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import inspect, text

from predtrack import db
from predtrack.errors import SchemaBehind

FIRST = "0001"


def _fill_at_first_revision(engine) -> None:
    now = datetime(2026, 4, 8, 12, 0, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO source (id, name, kind, created_at) VALUES (1, 'Jane Doe', 'person', :now), (2, 'Meta', 'organisation', :now)"), {"now": now})
        conn.execute(text("INSERT INTO article (id, url, title, published) VALUES (1, 'https://e.org/a', 'A', :d)"), {"d": date(2026, 4, 8)})
        conn.execute(
            text(
                "INSERT INTO prediction (id, claim, criteria, deadline, deadline_text, deadline_vague, article_id, created_at, updated_at, outcome, outcome_value, resolved_on, nag_series) "
                "VALUES ('p1', 'Claim one', 'crit', :d1, 'by Q2 2027', false, 1, :now, :now, NULL, NULL, NULL, 0),"
                " ('p2', 'Claim two', NULL, :d2, NULL, false, NULL, :now, :now, 'yes', 1.0, :d3, 0)"
            ),
            {"d1": date(2027, 6, 30), "d2": date(2026, 5, 1), "d3": date(2026, 5, 2), "now": now},
        )
        conn.execute(text("INSERT INTO prediction_tag (prediction_id, tag) VALUES ('p1', 'meta'), ('p1', 'coding')"))
        conn.execute(
            text(
                "INSERT INTO forecast (prediction_id, source_id, probability, probability_kind, stated, quote, article_id, created_at) "
                "VALUES ('p1', 1, 0.6, 'stated', :d, 'q', 1, :now), ('p1', 2, 0.7, 'inferred', :d, NULL, NULL, :now), ('p2', 1, 0.2, 'stated', :d, NULL, NULL, :now)"
            ),
            {"d": date(2026, 4, 8), "now": now},
        )
        conn.execute(
            text("INSERT INTO resolution (prediction_id, outcome, outcome_value, resolved_on, recorded_by, recorded_at, evidence) VALUES ('p2', 'yes', 1.0, :d, 'tester', :now, '[]')"),
            {"d": date(2026, 5, 2), "now": now},
        )
        conn.execute(text("INSERT INTO event (at, actor, action, prediction_id, details) VALUES (:now, 'tester', 'add', 'p1', '{}')"), {"now": now})


def _snapshot(engine) -> dict[str, list]:
    tables = ["source", "article", "prediction", "prediction_tag", "forecast", "resolution", "event"]
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))] for t in tables}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.db'}"
    return request.getfixturevalue("pg_url")


def test_schema_head_constant_matches_alembic():
    assert db.SCHEMA_HEAD == db.head_revision()


def test_first_revision_data_survives_upgrade_to_head(empty_url):
    engine = db.create_engine_for(empty_url)
    db.upgrade(engine, FIRST)
    assert db.current_revision(engine) == FIRST
    _fill_at_first_revision(engine)
    before = _snapshot(engine)
    db.upgrade(engine, "head")
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    assert _snapshot(engine) == before
    db.downgrade(engine, FIRST)
    assert _snapshot(engine) == before
    engine.dispose()


def test_database_behind_head_is_refused_with_the_upgrade_command(empty_url, run_cli, monkeypatch):
    engine = db.create_engine_for(empty_url)
    db.upgrade(engine, FIRST)
    engine.dispose()
    monkeypatch.setenv("PREDTRACK_DATABASE_URL", empty_url)
    if db.SCHEMA_HEAD != FIRST:
        result = run_cli("list")
        assert result.exit_code == 1
        assert "run `predtrack db upgrade`" in result.output
        assert f"revision {FIRST}" in result.output
    assert run_cli("db", "upgrade").exit_code == 0
    assert run_cli("list").exit_code == 0
    assert f"database: {db.SCHEMA_HEAD}" in run_cli("db", "current").output


def test_empty_postgres_is_never_migrated_silently(pg_url, run_cli, monkeypatch):
    monkeypatch.setenv("PREDTRACK_DATABASE_URL", pg_url)
    result = run_cli("list")
    assert result.exit_code == 1
    assert "no predtrack schema: run `predtrack db upgrade`" in result.output
    engine = db.create_engine_for(pg_url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_new_sqlite_file_is_created_at_head_on_first_use(run_cli, tmp_path, monkeypatch):
    path = tmp_path / "deep" / "new.db"
    monkeypatch.setenv("PREDTRACK_DATABASE_URL", f"sqlite:///{path}")
    assert run_cli("list").exit_code == 0
    assert path.exists()
    engine = db.create_engine_for(f"sqlite:///{path}")
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


def test_downgrade_to_base_and_back(run_cli):
    assert run_cli("list").exit_code == 0
    assert run_cli("db", "downgrade", "base").exit_code == 0
    assert "database: empty" in run_cli("db", "current").output
    assert run_cli("db", "upgrade").exit_code == 0


def test_schema_behind_error_class_is_a_predtrack_error():
    assert issubclass(SchemaBehind, Exception)
