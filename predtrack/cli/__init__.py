"""The `predtrack` command line.

Only click is imported here. Each command lives in a module of this package that also imports
click alone at module level, so `predtrack --help` never loads SQLAlchemy, Alembic,
APScheduler or Jinja2 (they cost 50-330 ms each on a 2-core machine).
"""

from __future__ import annotations

import importlib

import click

# command name -> (module in predtrack.cli, attribute). Looked up only when needed.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("core_cmds", "init_cmd"),
    "db": ("db_cmds", "db_group"),
    "add": ("core_cmds", "add_cmd"),
    "forecast": ("core_cmds", "forecast_cmd"),
    "resolve": ("core_cmds", "resolve_cmd"),
    "unresolve": ("core_cmds", "unresolve_cmd"),
    "edit": ("core_cmds", "edit_cmd"),
    "delete": ("core_cmds", "delete_cmd"),
    "list": ("query_cmds", "list_cmd"),
    "show": ("query_cmds", "show_cmd"),
    "due": ("query_cmds", "due_cmd"),
    "sources": ("source_cmds", "sources_group"),
    "parse": ("parse_cmd", "parse_cmd"),
    "check": ("files_cmds", "check_cmd"),
    "import": ("files_cmds", "import_cmd"),
    "export": ("files_cmds", "export_cmd"),
    "extract": ("extract_cmd", "extract_cmd"),
    "nag": ("nag_cmds", "nag_cmd"),
    "nags": ("nag_cmds", "nags_cmd"),
    "snooze": ("nag_cmds", "snooze_cmd"),
    "schedule": ("nag_cmds", "schedule_cmd"),
    "score": ("report_cmds", "score_cmd"),
    "report": ("report_cmds", "report_cmd"),
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is listed or run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self.get_command(ctx, name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target
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
