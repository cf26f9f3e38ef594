"""`predtrack db`: upgrade, current, downgrade the database schema."""

from __future__ import annotations

import click

from predtrack.cli.common import handle_errors, settings_from


def _engine():
    from predtrack import db

    return db.engine_for(settings_from().database_url, check_schema=False)


@click.group("db")
def db_group():
    """Database schema: upgrade, current, downgrade.

    \b
    Example:
      predtrack db current
      predtrack db upgrade
    """


@db_group.command("upgrade")
@click.argument("revision", default="head")
@handle_errors
def upgrade_cmd(revision):
    """Migrate the database to REVISION (default: head).

    \b
    Example:
      predtrack --db postgresql://predtrack@db/predtrack db upgrade
    """
    from predtrack import db

    engine = _engine()
    before = db.current_revision(engine)
    db.upgrade(engine, revision)
    after = db.current_revision(engine)
    if before == after:
        click.echo(f"already at {after}")
    else:
        click.echo(f"upgraded {before or 'empty database'} -> {after}")


@db_group.command("current")
@handle_errors
def current_cmd():
    """Print the schema revision of the database and the one this predtrack needs.

    \b
    Example:
      predtrack db current
    """
    from predtrack import db

    revision = db.current_revision(_engine())
    state = "up to date" if revision == db.SCHEMA_HEAD else "run `predtrack db upgrade`"
    click.echo(f"database: {revision or 'empty'}; predtrack needs: {db.SCHEMA_HEAD} ({state})")


@db_group.command("downgrade")
@click.argument("revision")
@handle_errors
def downgrade_cmd(revision):
    """Migrate the database down to REVISION (e.g. 0001, or base to drop everything).

    \b
    Example:
      predtrack db downgrade 0001
    """
    from predtrack import db

    engine = _engine()
    before = db.current_revision(engine)
    db.downgrade(engine, revision)
    click.echo(f"downgraded {before} -> {db.current_revision(engine) or 'empty database'}")
