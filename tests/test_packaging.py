"""The wheel carries the migrations: `predtrack db upgrade` works from any directory after install."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling", reason="building the wheel needs hatchling (in the test extra)")
    out = tmp_path_factory.mktemp("wheel")
    from hatchling.builders.wheel import WheelBuilder

    builder = WheelBuilder(str(REPO))
    paths = list(builder.build(directory=str(out), versions=["standard"]))
    return Path(paths[0])


def test_wheel_contains_migrations_templates_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "predtrack/migrations/env.py" in names
    assert "predtrack/migrations/script.py.mako" in names
    assert any(n.startswith("predtrack/migrations/versions/0001") for n in names)
    assert "predtrack/cli/__init__.py" in names
    assert "predtrack/data/probability_words.json" in names
    assert any(n.startswith("predtrack/templates/") for n in names)


def test_db_upgrade_works_from_the_installed_wheel_in_another_directory(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target), PREDTRACK_DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}")
    env.pop("PREDTRACK_CONFIG", None)
    where = subprocess.run([sys.executable, "-c", "import predtrack.db as d; print(d.migrations_dir())"], cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(target))
    result = subprocess.run([sys.executable, "-m", "predtrack", "db", "upgrade"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    current = subprocess.run([sys.executable, "-m", "predtrack", "db", "current"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert "up to date" in current.stdout
