"""The due query reads an index on SQLite, not the whole prediction table.

`predtrack due` and `predtrack list --status due` must cost little next to start-up even with a
million predictions (issue 7). That holds only while SQLite answers the due condition
(unresolved, deadline before the as-of date) from ix_prediction_open_deadline. The SQL is
captured as predtrack.queries.list_predictions really sends it, then explained by SQLite.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event

REPO = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 25)


def _generator():
    """benchmarks.generate (the benchmarks live beside the package, not inside it)."""
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks import generate
    finally:
        sys.path.remove(str(REPO))
    return generate


def _fill(url: str, predictions: int) -> None:
    generate = _generator()
    if not predictions:
        generate.prepare_schema(url)
        return
    # Realistic shape: nearly every old prediction resolved, a few due, some open. The
    # generator runs ANALYZE at the end, so the planner sees real statistics.
    generate.write_database(url, generate.Spec(predictions, sources=50, forecasts=1, due=predictions // 100, open_share=0.1))


def _explain_list_predictions(url: str, **filters) -> tuple[list[str], int]:
    """EXPLAIN QUERY PLAN of the prediction query list_predictions issues, and the rows it returned."""
    from predtrack import db, queries

    engine = db.create_engine_for(url)
    captured: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM prediction" in statement and statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with db.session(engine) as session:
            found = queries.list_predictions(session, as_of=AS_OF, **filters)
        assert len(captured) == 1, f"expected one query on the prediction table, saw {len(captured)}"
        statement, parameters = captured[0]
        with engine.connect() as conn:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
        engine.dispose()
    return [row[-1] for row in plan], len(found)


def _assert_uses_open_deadline_index(plan: list[str]) -> None:
    text = "\n".join(plan)
    assert any(
        "USING INDEX ix_prediction_open_deadline" in line or "USING COVERING INDEX ix_prediction_open_deadline" in line
        for line in plan
    ), f"the due query does not use ix_prediction_open_deadline:\n{text}"
    full_scans = [line for line in plan if line.startswith("SCAN prediction") and "INDEX" not in line]
    assert not full_scans, f"the due query scans the whole prediction table:\n{text}"


@pytest.mark.parametrize("analyzed_rows", [0, 5_000], ids=["fresh-database", "analyzed-5000-predictions"])
@pytest.mark.parametrize(
    "filters",
    [{"status": "due"}, {"status": "due", "due_within": 30}],
    ids=["due", "due-within-30-days"],
)
def test_due_query_reads_the_open_deadline_index(tmp_path, analyzed_rows, filters):
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    _fill(url, analyzed_rows)
    plan, found = _explain_list_predictions(url, **filters)
    _assert_uses_open_deadline_index(plan)
    if analyzed_rows and "due_within" not in filters:
        assert found == analyzed_rows // 100
