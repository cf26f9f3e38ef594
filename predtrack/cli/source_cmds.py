"""`predtrack sources`: list, rename, merge, set a source's kind and organisation."""

from __future__ import annotations

import click

from predtrack.cli.common import emit_json, handle_errors, now, session_scope, settings_from


@click.group("sources", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
@handle_errors
def sources_group(ctx, as_json):
    """List sources (who made forecasts), or rename, merge and group them.

    \b
    Example:
      predtrack sources
      predtrack sources merge "Meta Platforms" Meta
      predtrack sources set "Alexandr Wang" --organisation Meta --kind person
    """
    if ctx.invoked_subcommand is not None:
        return
    from predtrack import queries

    with session_scope() as session:
        rows = queries.source_rows(session)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("no sources yet: add a prediction with `predtrack add CLAIM --by SOURCE`")
        return
    for row in rows:
        extra = [row["kind"]]
        if row["organisation"]:
            extra.append(f"of {row['organisation']}")
        if row["aliases"]:
            extra.append("also " + ", ".join(row["aliases"]))
        click.echo(f"{row['name']}  ({'; '.join(extra)})  {row['forecasts']} forecasts on {row['predictions']} predictions")


@sources_group.command("rename")
@click.argument("old")
@click.argument("new")
@handle_errors
def rename_cmd(old, new):
    """Rename a source; the old name keeps working as an alias.

    \b
    Example:
      predtrack sources rename "M. Zuckerberg" "Mark Zuckerberg"
    """
    from predtrack import store
    from predtrack.cli.core_cmds import check_text_option

    check_text_option("NEW", new, "source.name")
    settings = settings_from()
    with session_scope(write=True) as session:
        store.rename_source(session, actor=settings.user_name, now=now(), old=old, new=new)
    click.echo(f"renamed {old} to {new}")


@sources_group.command("merge")
@click.argument("alias")
@click.argument("into")
@handle_errors
def merge_cmd(alias, into):
    """Merge ALIAS into INTO: its forecasts move, its name becomes an alias.

    \b
    Example:
      predtrack sources merge "Meta Platforms" Meta
    """
    from predtrack import store

    settings = settings_from()
    with session_scope(write=True) as session:
        store.merge_sources(session, actor=settings.user_name, now=now(), alias=alias, into=into)
    click.echo(f"merged {alias} into {into}")


@sources_group.command("set")
@click.argument("name")
@click.option("--organisation", metavar="ORG", help="The organisation this source belongs to ('' clears it).")
@click.option("--kind", type=click.Choice(["person", "organisation", "outlet", "unknown"]), help="What kind of source it is.")
@handle_errors
def set_cmd(name, organisation, kind):
    """Set a source's organisation (for roll-ups) and kind.

    \b
    Example:
      predtrack sources set "Alexandr Wang" --organisation Meta --kind person
    """
    from predtrack import store
    from predtrack.cli.core_cmds import check_text_option

    if organisation is None and kind is None:
        raise click.UsageError("nothing to set: give --organisation or --kind")
    check_text_option("--organisation", organisation, "source.name")
    settings = settings_from()
    with session_scope(write=True) as session:
        store.set_source(session, actor=settings.user_name, now=now(), name=name, kind=kind, organisation=organisation)
    click.echo(f"updated {name}")
