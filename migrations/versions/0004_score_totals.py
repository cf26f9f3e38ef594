"""score totals: per-source sums kept current by marking what changed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

`predtrack score` (by source, no filters) reads per-source totals instead of adding up every
forecast again after each change (predtrack/score_totals.py says how the totals are used):

- `score_totals`: per (source, status) the count and the sums a track record needs, for
  every counted forecast, as of no particular date (every known outcome counts), with the
  latest date those rows carry (`horizon`): a score as of an earlier day cannot use them.
- `score_totals_dirty`: the sources whose totals no longer hold. Triggers add a source when
  one of its forecasts is written, and every source with a forecast on a prediction whose
  outcome changes. A score recomputes just those sources and clears them.
- `score_totals_state`: one row. `complete` says the totals cover every source; while it is
  false (a new database, or after TRUNCATE on PostgreSQL) the triggers mark nothing, since
  the next score recomputes everything anyway. `code` is a digest of the
  scoring code the totals were computed with: other code recomputes them.

The triggers are written in each database's SQL because no writer (the CLI, an import, SQL
typed by hand) may change a forecast without the totals learning of it. Only forecast and
prediction matter here: names, aliases, tags and articles do not enter these totals.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The columns whose change can move a counted forecast's status or outcome.
PREDICTION_COLUMNS = "id, outcome, outcome_value, resolved_on"
COMPLETE = "(SELECT complete FROM score_totals_state WHERE id = 1)"
MARK_SQLITE = "INSERT OR IGNORE INTO score_totals_dirty (source_id)"
SQLITE_TRIGGERS = {
    "trg_forecast_insert_score_totals": f"AFTER INSERT ON forecast FOR EACH ROW WHEN {COMPLETE} "
    f"BEGIN {MARK_SQLITE} VALUES (NEW.source_id); END",
    "trg_forecast_update_score_totals": f"AFTER UPDATE ON forecast FOR EACH ROW WHEN {COMPLETE} "
    f"BEGIN {MARK_SQLITE} VALUES (OLD.source_id), (NEW.source_id); END",
    "trg_forecast_delete_score_totals": f"AFTER DELETE ON forecast FOR EACH ROW WHEN {COMPLETE} "
    f"BEGIN {MARK_SQLITE} VALUES (OLD.source_id); END",
    # Both ids: a changed id carries the forecasts along (or leaves them behind).
    "trg_prediction_update_score_totals": f"AFTER UPDATE OF {PREDICTION_COLUMNS} ON prediction FOR EACH ROW WHEN {COMPLETE} "
    f"BEGIN {MARK_SQLITE} SELECT source_id FROM forecast WHERE prediction_id IN (OLD.id, NEW.id); END",
    # BEFORE: once the prediction is gone its forecasts are gone with it.
    "trg_prediction_delete_score_totals": f"BEFORE DELETE ON prediction FOR EACH ROW WHEN {COMPLETE} "
    f"BEGIN {MARK_SQLITE} SELECT source_id FROM forecast WHERE prediction_id = OLD.id; END",
}
PG_FORECAST_FUNCTION = "predtrack_mark_forecast_source"
PG_PREDICTION_FUNCTION = "predtrack_mark_prediction_sources"
PG_TRUNCATE_FUNCTION = "predtrack_score_totals_incomplete"
PG_TRIGGERS = {
    "trg_forecast_score_totals": ("forecast", f"AFTER INSERT OR UPDATE OR DELETE ON forecast FOR EACH ROW EXECUTE FUNCTION {PG_FORECAST_FUNCTION}()"),
    "trg_prediction_update_score_totals": (
        "prediction",
        f"AFTER UPDATE OF {PREDICTION_COLUMNS} ON prediction FOR EACH ROW EXECUTE FUNCTION {PG_PREDICTION_FUNCTION}()",
    ),
    "trg_prediction_delete_score_totals": ("prediction", f"BEFORE DELETE ON prediction FOR EACH ROW EXECUTE FUNCTION {PG_PREDICTION_FUNCTION}()"),
    "trg_forecast_truncate_score_totals": ("forecast", f"AFTER TRUNCATE ON forecast FOR EACH STATEMENT EXECUTE FUNCTION {PG_TRUNCATE_FUNCTION}()"),
    "trg_prediction_truncate_score_totals": ("prediction", f"AFTER TRUNCATE ON prediction FOR EACH STATEMENT EXECUTE FUNCTION {PG_TRUNCATE_FUNCTION}()"),
}


def upgrade() -> None:
    op.create_table(
        'score_totals',
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('brier', sa.Float(), nullable=True),
        sa.Column('outcome', sa.Float(), nullable=True),
        sa.Column('outcome_sq', sa.Float(), nullable=True),
        sa.Column('probability', sa.Float(), nullable=True),
        sa.Column('loglik', sa.Float(), nullable=True),
        sa.Column('horizon', sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint('source_id', 'status', name=op.f('pk_score_totals')),
    )
    op.create_table(
        'score_totals_dirty',
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('source_id', name=op.f('pk_score_totals_dirty')),
    )
    op.create_table(
        'score_totals_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_score_totals_state')),
    )
    op.execute("INSERT INTO score_totals_state (id, complete, code) VALUES (1, false, '')")

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    elif dialect == "postgresql":
        mark = "INSERT INTO score_totals_dirty (source_id) VALUES ({}) ON CONFLICT DO NOTHING"
        op.execute(
            f"""
            CREATE FUNCTION {PG_FORECAST_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {COMPLETE} THEN
                    IF TG_OP <> 'INSERT' THEN {mark.format('OLD.source_id')}; END IF;
                    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.source_id <> OLD.source_id) THEN
                        {mark.format('NEW.source_id')};
                    END IF;
                END IF;
                RETURN NULL;
            END
            $$
            """
        )
        op.execute(
            f"""
            CREATE FUNCTION {PG_PREDICTION_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {COMPLETE} THEN
                    INSERT INTO score_totals_dirty (source_id)
                    SELECT DISTINCT source_id FROM forecast
                    WHERE prediction_id = OLD.id OR (TG_OP = 'UPDATE' AND prediction_id = NEW.id)
                    ON CONFLICT DO NOTHING;
                END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END
            $$
            """
        )
        op.execute(
            f"""
            CREATE FUNCTION {PG_TRUNCATE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE score_totals_state SET complete = false WHERE id = 1;
                RETURN NULL;
            END
            $$
            """
        )
        for name, (_table, body) in PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:  # pragma: no cover - predtrack supports these two
        raise NotImplementedError(f"no score-totals triggers for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for name, (table, _body) in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in (PG_FORECAST_FUNCTION, PG_PREDICTION_FUNCTION, PG_TRUNCATE_FUNCTION):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table('score_totals_state')
    op.drop_table('score_totals_dirty')
    op.drop_table('score_totals')
