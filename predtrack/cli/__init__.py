"""The `predtrack` command line.

Only click is imported here. Each command lives in a module of this package that also imports
click alone at module level, so `predtrack --help` never loads SQLAlchemy, Alembic,
APScheduler or Jinja2 (they cost 50-330 ms each on a 2-core machine).
"""

from __future__ import annotations

import importlib

import click

# command name -> (module in predtrack.cli, attribute, one-line summary). The summary is what
# `predtrack --help` lists, so that listing the commands imports none of their modules;
# tests/test_startup.py checks each summary still matches the command's own help.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("core_cmds", "init_cmd", "Write a commented config file, and create the database if it is new."),
    "db": ("db_cmds", "db_group", "Database schema: upgrade, current, downgrade."),
    "add": ("core_cmds", "add_cmd", "Add a prediction and its first forecast; print its id."),
    "forecast": ("core_cmds", "forecast_cmd", "Add another source's forecast on a prediction, or an update; or withdraw one."),
    "resolve": ("core_cmds", "resolve_cmd", "Record the outcome: yes, no, ambiguous, annulled, or a number in [0, 1]."),
    "unresolve": ("core_cmds", "unresolve_cmd", "Take back a resolution (it stays in history); nags start again."),
    "edit": ("core_cmds", "edit_cmd", "Change a prediction's claim, deadline, criteria, tags or owner (logged as events)."),
    "delete": ("core_cmds", "delete_cmd", "Delete a prediction entered by mistake (the event log keeps what it was)."),
    "list": ("query_cmds", "list_cmd", "List predictions."),
    "show": ("query_cmds", "show_cmd", "Show one prediction with its forecasts, resolution, history and events."),
    "due": ("query_cmds", "due_cmd", "What needs resolving now (deadline passed, unresolved), oldest first."),
    "sources": ("source_cmds", "sources_group", "List sources (who made forecasts), or rename, merge and group them."),
    "parse": ("parse_cmd", "parse_cmd", "Read the deadline and the probability in TEXT, a phrase or a whole sentence."),
    "check": ("files_cmds", "check_cmd", "Check predictions files (YAML, JSON, flat CSV) or folders of them; list every error."),
    "import": ("files_cmds", "import_cmd", "Import predictions files (YAML, JSON, flat CSV) or folders of them."),
    "export": ("files_cmds", "export_cmd", "Write every prediction, forecast and resolution out as predictions files."),
    "extract": ("extract_cmd", "extract_cmd", "Propose the forecasts an ARTICLE states (a text or HTML file, or - for stdin)."),
    "nag": ("nag_cmds", "nag_cmd", "Run one nag pass: send one digest per recipient with every prediction due."),
    "nags": ("nag_cmds", "nags_cmd", "Show what was sent, when, to whom, and what failed and why."),
    "snooze": ("nag_cmds", "snooze_cmd", "Postpone the nags of one prediction: for a DURATION, until a date, or `off`."),
    "schedule": ("nag_cmds", "schedule_cmd", "Run the nag scheduler in the foreground until SIGTERM or Ctrl-C."),
    "score": ("report_cmds", "score_cmd", "Score each source's resolved forecasts: Brier (0-1 scale), log loss, baseline score."),
    "report": ("report_cmds", "report_cmd", "Write the quarterly review: Markdown, a self-contained HTML page and JSON."),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is listed or run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listed from the registry: importing every command module only to print one line
        # each would nearly double the time `predtrack --help` takes.
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute, _summary = target
        try:
            module = importlib.import_module(f"predtrack.cli.{module_name}")
        except ModuleNotFoundError as exc:
            # A command whose module is not part of this build is simply absent.
            if exc.name == f"predtrack.cli.{module_name}":
                return None
            raise
        return getattr(module, attribute, None)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from predtrack import __version__

    click.echo(f"predtrack {__version__}")
    ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", metavar="URL", help="Database URL (sqlite:///path or postgresql://...). Overrides PREDTRACK_DATABASE_URL and the config file.")
@click.option("--config", "config_path", metavar="PATH", type=click.Path(dir_okay=False), help="Config file (TOML). Default: PREDTRACK_CONFIG, ./predtrack.toml, then the user config directory.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version, help="Show the version and exit.")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, config_path: str | None) -> None:
    """Track forecasts, nag when they come due, and score who was right.

    \b
    Example:
      predtrack add "Meta acquires a coding AI startup" --by "Jane Doe" \\
          --deadline 2027-06-30 --probability 0.6
      predtrack due
    """
    from predtrack.cli.common import AppContext

    ctx.obj = AppContext(db_url=db_url, config_path=config_path)


def main() -> None:
    """Run the CLI; an unexpected error becomes one line (PREDTRACK_DEBUG=1 shows the traceback)."""
    import os

    try:
        cli(prog_name="predtrack", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        raise SystemExit(130) from None
    except Exception as exc:  # a bug or an unreachable database: still no traceback by default
        if os.environ.get("PREDTRACK_DEBUG"):
            raise
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        click.echo(f"Error: {message} (set PREDTRACK_DEBUG=1 to see the traceback)", err=True)
        raise SystemExit(1) from None
