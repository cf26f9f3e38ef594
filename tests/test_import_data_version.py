"""An import bumps the score cache's data version once, and leaves the triggers in place."""

from __future__ import annotations

import json

from sqlalchemy import text

from predtrack import db

CSV = "prediction,claim,deadline,source,probability,stated,outcome,resolved\n" + "".join(
    f"p{i},Claim {i},2026-06-30,Src{i % 3},0.{i % 9 + 1},2026-01-0{i % 9 + 1},,\n" for i in range(40)
)


def _state(url: str) -> tuple[int, int]:
    engine = db.create_engine_for(url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version FROM data_version")).scalar_one()
        triggers = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'trg%data_version'")).scalar_one()
    engine.dispose()
    return version, triggers


def test_import_bumps_the_version_and_keeps_the_triggers(run_cli, db_url, tmp_path):
    assert run_cli("list").exit_code == 0  # creates the database
    before_version, triggers = _state(db_url)
    assert triggers == 21  # 7 tables x insert, update, delete
    path = tmp_path / "rows.csv"
    path.write_text(CSV, encoding="utf-8")
    first = json.loads(run_cli("score", "--json", "--as-of", "2026-11-25").output)
    result = run_cli("import", str(path))
    assert result.exit_code == 0, result.output
    version, triggers_after = _state(db_url)
    assert version == before_version + 1 and triggers_after == triggers
    # The cache sees the change: resolving through the CLI after the import still invalidates it.
    assert run_cli("resolve", "p1", "yes", "--on", "2026-07-01").exit_code == 0
    assert _state(db_url)[0] > version
    second = json.loads(run_cli("score", "--json", "--as-of", "2026-11-25").output)
    assert second != first
    assert second == json.loads(run_cli("score", "--json", "--no-cache", "--as-of", "2026-11-25").output)


def test_a_failed_import_leaves_version_and_triggers_as_they_were(run_cli, db_url, tmp_path):
    assert run_cli("add", "Known", "--by", "A", "-p", "0.5", "--id", "known", "--stated", "2026-01-01").exit_code == 0
    assert run_cli("resolve", "known", "yes", "--on", "2026-02-01").exit_code == 0
    before = _state(db_url)
    path = tmp_path / "conflict.csv"
    # A different outcome than the one recorded: found while applying, so the import rolls back.
    path.write_text(CSV + "known,,,,,,no,2026-02-01\n", encoding="utf-8")
    result = run_cli("import", str(path))
    assert result.exit_code == 1, result.output
    assert _state(db_url) == before
    assert json.loads(run_cli("list", "--status", "all", "--json").output)[0]["id"] == "known"
    assert len(json.loads(run_cli("list", "--status", "all", "--json").output)) == 1
