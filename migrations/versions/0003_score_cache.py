"""score cache: a data version bumped by triggers, cached score results, a covering forecast index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

`data_version` holds one row. Triggers on every table a score reads bump it, so a cached
score (`score_cache`, keyed by its options and stored with the version it was computed at)
is used only while nothing it depends on has changed, whoever the writer: the CLI, a bulk
import, or SQL typed by hand.

- PostgreSQL: BEFORE ... FOR EACH STATEMENT triggers (INSERT, UPDATE, DELETE, TRUNCATE),
  bumping once per transaction (a transaction-local flag; see the function). BEFORE, so that a
  writing transaction takes the `data_version` row lock before any row lock of a tracked
  table: every writer takes the same lock first, so two writers cannot hold each other's
  rows (no deadlock). The price: transactions that write tracked tables run one after the
  other on PostgreSQL (the second waits at its first tracked statement until the first
  commits). The writers are short CLI commands and imports, so this is accepted.
- SQLite: AFTER ... FOR EACH ROW triggers (SQLite has no statement triggers). It has a
  single writer anyway, so the extra row update serialises nothing new; its cost per written
  row is measured in docs/performance.md.

The forecast index becomes covering (prediction_id, source_id, stated, probability,
withdrawn_at): scoring then reads forecasts from the index alone.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Every table whose rows can change a score (scores name sources, follow aliases, group by
# outlet and tag, and read resolutions through prediction; resolution is tracked as well so
# that the history never disagrees with a cached result).
TRACKED_TABLES = ("forecast", "prediction", "prediction_tag", "source", "source_alias", "article", "resolution")
SQLITE_EVENTS = ("insert", "update", "delete")
PG_FUNCTION = "predtrack_bump_data_version"
BUMPED_FLAG = "predtrack.data_version_bumped"

COVERING_COLUMNS = ['prediction_id', 'source_id', 'stated', 'probability', 'withdrawn_at']
OLD_COLUMNS = ['prediction_id', 'source_id']


def _trigger_name(table: str, event: str | None = None) -> str:
    return f"trg_{table}_{event}_data_version" if event else f"trg_{table}_data_version"


def upgrade() -> None:
    op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 1)")
    op.create_table(
        'score_cache',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('options', sa.Text(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_score_cache')),
    )

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- Once per transaction: a reader sees all of a transaction or none of it, so
                -- one bump is enough, and bumping per statement is ruinous. A bulk insert
                -- through executemany is one statement per row, and every UPDATE of the one
                -- row in a single transaction leaves a row version that the next UPDATE has
                -- to step over (none can be pruned before commit): quadratic in the rows.
                -- The flag is transaction-local (set_config(..., true)) and is undone with a
                -- rolled-back savepoint, together with the bump it records.
                IF current_setting('{BUMPED_FLAG}', true) IS DISTINCT FROM 'on' THEN
                    UPDATE data_version SET version = version + 1;
                    PERFORM set_config('{BUMPED_FLAG}', 'on', true);
                END IF;
                RETURN NULL;
            END
            $$
            """
        )
        for table in TRACKED_TABLES:
            op.execute(
                f"CREATE TRIGGER {_trigger_name(table)} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
            )
    elif dialect == "sqlite":
        for table in TRACKED_TABLES:
            for event in SQLITE_EVENTS:
                op.execute(
                    f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event.upper()} ON {table} FOR EACH ROW "
                    "BEGIN UPDATE data_version SET version = version + 1; END"
                )
    else:  # pragma: no cover - predtrack supports these two
        raise NotImplementedError(f"no data-version triggers for {dialect}")

    with op.batch_alter_table('forecast', schema=None) as batch_op:
        batch_op.drop_index('ix_forecast_prediction_source')
        batch_op.create_index('ix_forecast_prediction_source', COVERING_COLUMNS, unique=False)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Triggers first: a SQLite batch rebuild of forecast must not meet a trigger naming data_version.
    if dialect == "postgresql":
        for table in TRACKED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table)} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    elif dialect == "sqlite":
        for table in TRACKED_TABLES:
            for event in SQLITE_EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)}")

    with op.batch_alter_table('forecast', schema=None) as batch_op:
        batch_op.drop_index('ix_forecast_prediction_source')
        batch_op.create_index('ix_forecast_prediction_source', OLD_COLUMNS, unique=False)

    op.drop_table('score_cache')
    op.drop_table('data_version')
