"""Driver-level access to the database, without SQLAlchemy: for `predtrack score`'s hot path.

Importing SQLAlchemy and SQLModel costs about 0.35 s, more than everything else a repeated
`predtrack score` does, and more than the gap to pandas that issue 7 measures it against.
So the one read path that has to beat that speaks the driver's own DB-API (sqlite3, or
psycopg 3) with hand-written SQL (predtrack/score_totals.py).

It only ever serves a database that is already at the schema head. Anything else (a missing
SQLite file, an in-memory URL, an older or newer schema, a server that does not answer, a
URL this module does not understand) returns None, and the caller takes the usual path
through predtrack/db.py, which creates, migrates, or explains what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from predtrack.schema import SCHEMA_HEAD

SQLITE_BUSY_TIMEOUT_MS = 30_000  # as predtrack/db.py


@dataclass
class DirectConnection:
    """A DB-API connection in autocommit mode (transactions are begun explicitly) and its dialect."""

    raw: Any
    dialect: str  # "sqlite" or "postgresql"

    @property
    def placeholder(self) -> str:
        return "?" if self.dialect == "sqlite" else "%s"

    def placeholders(self, count: int) -> str:
        return ", ".join([self.placeholder] * count)

    def close(self) -> None:
        self.raw.close()


def _sqlite_file(url: str) -> str | None:
    """The path in sqlite:///PATH (relative) or sqlite:////PATH (absolute); None for anything fancier."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return None
    path = unquote(url[len(prefix):])
    return path or None


def _postgres_conninfo(url: str) -> str | None:
    for scheme in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql://" + url[len(scheme):]
    return None


def connect(url: str) -> DirectConnection | None:
    """A direct connection to the database at `url` if it exists and is at the schema head, else None."""
    direct = _open(url)
    if direct is None:
        return None
    try:
        revision = _revision(direct)
    except Exception:  # no alembic_version table, a locked file...: the usual path says what is wrong
        direct.close()
        return None
    if revision != SCHEMA_HEAD:
        direct.close()
        return None
    return direct


def _open(url: str) -> DirectConnection | None:
    path = _sqlite_file(url)
    if path is not None:
        import sqlite3
        from pathlib import Path

        if path == ":memory:" or not Path(path).is_file():
            return None
        try:
            # mode=rw: never create a file here (the usual path creates and migrates it).
            raw = sqlite3.connect(
                f"file:{quote(Path(path).resolve().as_posix())}?mode=rw", uri=True, isolation_level=None,
                timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
            )
        except sqlite3.Error:
            return None
        # As predtrack/db.py sets them (the file is in WAL mode already: that is persistent).
        raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        raw.execute("PRAGMA synchronous = NORMAL")
        raw.execute("PRAGMA foreign_keys = ON")
        return DirectConnection(raw, "sqlite")
    conninfo = _postgres_conninfo(url)
    if conninfo is not None:
        try:
            import psycopg
        except ModuleNotFoundError:
            return None
        try:
            raw = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error:
            return None
        return DirectConnection(raw, "postgresql")
    return None


def of_session(session) -> DirectConnection:
    """The driver connection under a SQLAlchemy session, inside the session's transaction.

    For writers that already hold a session (an import) and call predtrack/score_totals.py:
    what runs on it belongs to the session's transaction. Not to be closed by the caller.
    """
    connection = session.connection()
    return DirectConnection(connection.connection.driver_connection, connection.dialect.name)


def driver_errors(direct: DirectConnection) -> tuple[type[Exception], ...]:
    """The exception classes a query on this connection raises for database trouble."""
    if direct.dialect == "sqlite":
        import sqlite3

        return (sqlite3.Error,)
    import psycopg

    return (psycopg.Error,)


def _revision(direct: DirectConnection) -> str | None:
    cursor = direct.raw.cursor()
    try:
        cursor.execute("SELECT version_num FROM alembic_version")
        row = cursor.fetchone()
    finally:
        cursor.close()
    return row[0] if row else None
