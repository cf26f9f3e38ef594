"""Alembic environment: runs against the engine predtrack hands over (db.alembic_config).

On SQLite, migrations run with foreign keys off (batch mode rebuilds tables, which would
otherwise cascade or fail) and `PRAGMA foreign_key_check` runs afterwards.
"""

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import predtrack.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        from predtrack.db import create_engine_for

        url = context.config.get_main_option("sqlalchemy.url")
        engine = create_engine_for(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            if problems:
                raise RuntimeError(f"migration left broken foreign keys: {problems[:5]}")
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("predtrack migrations run online only: use `predtrack db upgrade`")
run_migrations_online()
