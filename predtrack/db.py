"""Engines, sessions and the migrations runner.

- SQLite: WAL, busy_timeout, foreign keys on; a write session starts with BEGIN IMMEDIATE so
  two writers queue on the lock instead of failing half-way. The driver's own implicit
  transactions are turned off so that we decide how each transaction begins.
- PostgreSQL: psycopg 3 (`postgresql://` URLs are mapped to it), same code.
- A new SQLite file is migrated to head on first use. Any other database behind head is
  refused with a message to run `predtrack db upgrade`: a team's PostgreSQL is never
  migrated silently.
"""

from __future__ import annotations

import contextlib
import importlib.util
import contextvars
import fcntl
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session

from predtrack.errors import ConfigError, SchemaBehind
from predtrack.schema import SCHEMA_HEAD  # noqa: F401  (re-exported: db.SCHEMA_HEAD)

_engines: dict[str, Engine] = {}
_checked: set[str] = set()
_write_transaction = contextvars.ContextVar("predtrack_write_transaction", default=False)

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """Map plain `postgresql://` and `postgres://` URLs to the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised through every test
        # Take transactions out of the driver's hands: we emit BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_transaction.get() else "BEGIN")


def create_engine_for(url: str) -> Engine:
    """A new engine for URL (not cached): for migrations and tests that want their own."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"invalid database URL {url!r}: expected sqlite:///PATH or postgresql://USER@HOST:PORT/NAME"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if importlib.util.find_spec("psycopg") is None:
            raise ConfigError(
                "PostgreSQL needs psycopg 3: install it with pip install 'predtrack[postgres]'"
            )
        return create_engine(url, pool_pre_ping=True)
    raise ConfigError(
        f"unsupported database URL {url!r}: expected sqlite:///PATH or postgresql://USER@HOST:PORT/NAME"
    )


def engine_for(url: str, check_schema: bool = True) -> Engine:
    """The cached engine for URL; on first use, check (or, for a new SQLite file, create) the schema."""
    key = normalise_url(url)
    engine = _engines.get(key)
    if engine is None:
        engine = create_engine_for(key)
        _engines[key] = engine
    if check_schema and key not in _checked:
        ensure_schema(engine)
        _checked.add(key)
    return engine


def dispose_all() -> None:
    """Forget every cached engine (tests point predtrack at a new database each time)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _checked.clear()


@contextlib.contextmanager
def session(engine: Engine, write: bool = False) -> Iterator[Session]:
    """A session whose work is committed when the block ends without an error."""
    token = _write_transaction.set(write)
    try:
        with Session(engine, expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise
    finally:
        _write_transaction.reset(token)


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database, or None for an empty database."""
    with engine.connect() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except OperationalError:
            return None
        except Exception as exc:  # PostgreSQL: UndefinedTable arrives as ProgrammingError
            if "alembic_version" in str(exc):
                return None
            raise
    return row[0] if row else None


def _is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def ensure_schema(engine: Engine) -> None:
    """Refuse a database behind head; migrate a brand-new SQLite file to head."""
    url = str(engine.url)
    try:
        revision = current_revision(engine)
    except OperationalError as exc:
        raise ConfigError(f"cannot open the database {engine.url.render_as_string(hide_password=True)}: {exc.orig}") from None
    if revision == SCHEMA_HEAD:
        return
    if revision is None and is_sqlite(url) and _is_empty(engine):
        path = sqlite_path(url)
        with _migration_lock(path):
            if current_revision(engine) is None:
                upgrade(engine, "head")
        return
    where = engine.url.render_as_string(hide_password=True)
    if revision is None:
        raise SchemaBehind(
            f"the database {where} has no predtrack schema: run `predtrack db upgrade` to create it"
        )
    raise SchemaBehind(
        f"the database {where} is at schema revision {revision}, this predtrack needs {SCHEMA_HEAD}: "
        "run `predtrack db upgrade`"
    )


@contextlib.contextmanager
def _migration_lock(path: Path | None) -> Iterator[None]:
    """Serialise first-use migrations of one SQLite file across processes."""
    if path is None:
        yield
        return
    lock_path = path.with_name(path.name + ".migrate-lock")
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrations_dir() -> Path:
    """Where the Alembic scripts are: inside the installed wheel, else the source checkout."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "migrations", package_dir.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise ConfigError("the predtrack migrations are missing from this installation: reinstall predtrack")


def alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
    _checked.discard(normalise_url(str(engine.url.render_as_string(hide_password=False))))


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)
    _checked.discard(normalise_url(str(engine.url.render_as_string(hide_password=False))))


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(migrations_dir()))
    return script.get_current_head()
