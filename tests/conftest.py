"""Shared fixtures: every test gets its own database and config, on real SQLite and PostgreSQL.

- An autouse fixture points PREDTRACK_DATABASE_URL at a fresh SQLite file under tmp_path,
  PREDTRACK_CONFIG at an empty config there, and the working directory at tmp_path, so no
  test reads or writes the developer's own data.
- `pg_url` creates a fresh PostgreSQL database per test (dropped afterwards) on the server named
  by PREDTRACK_TEST_POSTGRES_URL, and skips with the reason when that is unset.
- `backend_url` runs a test on SQLite and, where available, on PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PREDTRACK_SHARED_DIR", REPO.parent / "shared"))
DATASETS = SHARED / "datasets"
SEEDS = SHARED / "seeds"
POSTGRES_ENV = "PREDTRACK_TEST_POSTGRES_URL"


def _dispose_engines() -> None:
    if "predtrack.db" in sys.modules:
        sys.modules["predtrack.db"].dispose_all()


@pytest.fixture(autouse=True)
def isolated_predtrack(tmp_path, monkeypatch):
    """Point predtrack at a private SQLite file and config for this test."""
    db_file = tmp_path / "predtrack.db"
    config = tmp_path / "predtrack.toml"
    config.write_text("[user]\nname = \"tester\"\n", encoding="utf-8")
    for name in list(os.environ):
        if name.startswith("PREDTRACK_") and name not in (POSTGRES_ENV, "PREDTRACK_SHARED_DIR"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PREDTRACK_DATABASE_URL", f"sqlite:///{db_file}")
    monkeypatch.setenv("PREDTRACK_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    yield
    _dispose_engines()


@pytest.fixture
def db_url(tmp_path) -> str:
    """The SQLite URL the CLI uses in this test."""
    return f"sqlite:///{tmp_path / 'predtrack.db'}"


@pytest.fixture
def config_file(tmp_path) -> Path:
    return tmp_path / "predtrack.toml"


def _postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture
def pg_url(monkeypatch):
    """A fresh, empty PostgreSQL database for this test (psycopg 3 URL), dropped afterwards."""
    admin = _postgres_admin_url()
    if not admin:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    psycopg = pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg: pip install 'predtrack[postgres]'")
    from sqlalchemy.engine import make_url

    name = f"pt_{secrets.token_hex(6)}"
    admin_url = make_url(admin.replace("postgresql+psycopg://", "postgresql://"))
    conninfo = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL is unreachable: {exc}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    yield url
    _dispose_engines()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def backend_url(request, db_url, monkeypatch):
    """Run the test on SQLite and on PostgreSQL (skipped with a reason when unavailable).

    The CLI is pointed at the chosen database through PREDTRACK_DATABASE_URL; a PostgreSQL
    database is migrated first, since predtrack never migrates PostgreSQL silently.
    """
    if request.param == "sqlite":
        return db_url
    url = request.getfixturevalue("pg_url")
    from predtrack import db

    db.upgrade(db.create_engine_for(url), "head")
    monkeypatch.setenv("PREDTRACK_DATABASE_URL", url)
    return url


@pytest.fixture
def run_cli():
    """Invoke the CLI in-process: run_cli("add", "claim", "--by", "x") -> click Result."""
    from predtrack.cli import cli

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return invoke


def requires_datasets(*parts: str) -> Path:
    """The dataset path, or skip the test with the reason when shared/ is absent."""
    path = DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"dataset {path} is absent (tests read it from ../shared/datasets beside the repo)")
    return path
