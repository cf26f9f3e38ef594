"""What every command shares: settings, the database session, error mapping, output.

Imports click and the light config module only; the database layer is imported inside
`session_scope` so that `--help` stays fast.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

import click

from predtrack.errors import PredtrackError


@dataclass
class AppContext:
    db_url: str | None = None
    config_path: str | None = None
    _settings: Any = field(default=None, repr=False)

    def settings(self):
        if self._settings is None:
            from predtrack.config import load_settings

            self._settings = load_settings(self.config_path, self.db_url)
        return self._settings


def app(ctx: click.Context | None = None) -> AppContext:
    ctx = ctx or click.get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext()
    return root.obj


def settings_from(ctx: click.Context | None = None):
    """The Settings for this invocation (config file + environment + --db/--config)."""
    return app(ctx).settings()


@contextlib.contextmanager
def session_scope(ctx: click.Context | None = None, write: bool = False) -> Iterator[Any]:
    """A session whose transaction the command owns: committed on success, rolled back on error.

    `write=True` starts the transaction with BEGIN IMMEDIATE on SQLite, so that two writers
    queue on the lock instead of one failing half-way with "database is locked".
    """
    from predtrack import db

    settings = settings_from(ctx)
    engine = db.engine_for(settings.database_url)
    with db.session(engine, write=write) as session:
        yield session


def now() -> datetime:
    """This moment as an aware UTC datetime: the one clock every command reads."""
    return datetime.now(timezone.utc)


def today(settings) -> date:
    """Today's date in `[nag] timezone` at now().

    Deadlines, stated and resolution dates are judged in the configured timezone (DESIGN.md),
    not in the machine's: on a server that runs in UTC, a team in Berlin would otherwise
    start each day an hour late, seeing deadlines fall due late and a forecast stated just
    after midnight refused as "in the future".
    """
    return now().astimezone(ZoneInfo(settings.nag.timezone)).date()


def fail(message: str) -> None:
    raise click.ClickException(message)


def handle_errors(func: Callable) -> Callable:
    """Turn library errors into one line and exit 1; never show a traceback for them."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PredtrackError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit_json(data: Any) -> None:
    """Print JSON: an object indented; an array one item per line.

    `indent` makes Python fall back to its pure-Python encoder, which took twice as long for
    10,000 due predictions; an item per line keeps a long array readable and still fast.
    """
    if isinstance(data, list):
        if not data:
            click.echo("[]")
            return
        items = ",\n".join(json.dumps(item, default=json_default, ensure_ascii=False) for item in data)
        click.echo(f"[\n{items}\n]")
        return
    click.echo(json.dumps(data, indent=2, default=json_default, ensure_ascii=False))


def parse_date_option(value: str | None, field_name: str) -> date | None:
    """An ISO date from a flag; `today` is accepted. Raise a clear ClickException otherwise.

    `today` is today in the configured timezone, the same day a command uses when the flag
    is left out, so `--as-of today` and no `--as-of` never disagree.
    """
    if value is None:
        return None
    text = value.strip()
    if text.lower() == "today":
        return today(settings_from())
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.ClickException(
            f"invalid {field_name} {value!r}: expected a date as YYYY-MM-DD (e.g. 2026-11-25) or 'today'"
        ) from None


def is_terminal() -> bool:
    return sys.stdout.isatty()
