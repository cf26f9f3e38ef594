"""Commands that read: list, show, due."""

from __future__ import annotations

import click

from predtrack.cli.common import emit_json, handle_errors, parse_date_option, session_scope, settings_from, today


def _forecast_summary(forecasts: list[dict]) -> str:
    return "; ".join(f"{f['source']} {f['probability']:.0%}{'*' if f['probability_kind'] == 'inferred' else ''}" for f in forecasts)


def _print_rows(rows: list[dict], empty_message: str) -> None:
    if not rows:
        click.echo(empty_message)
        return
    for row in rows:
        deadline = row["deadline"].isoformat() if row["deadline"] else "no deadline"
        status = row["status"]
        if status == "due":
            status = f"due, {row['days_overdue']} day{'s' if row['days_overdue'] != 1 else ''} overdue"
        elif status == "resolved":
            status = f"resolved {row['outcome']}"
        click.echo(f"{row['id']}  [{deadline}; {status}]")
        click.echo(f"    {row['claim']}")
        if row["forecasts"]:
            click.echo(f"    forecasts: {_forecast_summary(row['forecasts'])}")
    click.echo(f"({len(rows)} prediction{'s' if len(rows) != 1 else ''}; * = probability inferred from words)")


@click.command("list")
@click.option("--status", type=click.Choice(["open", "due", "resolved", "all"]), default="open", show_default=True, help="open: unresolved, deadline not passed; due: unresolved, deadline passed; resolved.")
@click.option("--source", metavar="S", help="Only predictions with a forecast by this source.")
@click.option("--tag", metavar="T", help="Only predictions with this tag.")
@click.option("--search", metavar="TEXT", help="Only predictions whose id, claim or criteria contain TEXT.")
@click.option("--as-of", "as_of", metavar="DATE", help="Judge due/open on this date (default today).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@handle_errors
def list_cmd(status, source, tag, search, as_of, limit, as_json):
    """List predictions.

    \b
    Example:
      predtrack list --status due
      predtrack list --status all --source Meta --json
    """
    from predtrack import queries
    from predtrack.values import check_lookup

    for option, value in (("--source", source), ("--tag", tag), ("--search", search)):
        check_lookup(option, value)
    day = parse_date_option(as_of, "--as-of") or today(settings_from())
    with session_scope() as session:
        predictions = queries.list_predictions(session, as_of=day, status=status, source=source, tag=tag, search=search, limit=limit)
        rows = queries.prediction_dicts(session, predictions, day)
    if as_json:
        emit_json(rows)
    else:
        _print_rows(rows, f"no {status if status != 'all' else ''} predictions".replace("  ", " "))


@click.command("due")
@click.option("--as-of", "as_of", metavar="DATE", help="Judge on this date (default today).")
@click.option("--within", type=click.IntRange(min=0), metavar="DAYS", help="Also those whose deadline passes within DAYS.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@handle_errors
def due_cmd(as_of, within, as_json):
    """What needs resolving now (deadline passed, unresolved), oldest first.

    \b
    Example:
      predtrack due
      predtrack due --within 30 --json
    """
    from predtrack import queries

    day = parse_date_option(as_of, "--as-of") or today(settings_from())
    with session_scope() as session:
        predictions = queries.list_predictions(session, as_of=day, status="due", due_within=within)
        rows = queries.prediction_dicts(session, predictions, day)
    if as_json:
        emit_json(rows)
        return
    _print_rows(rows, f"nothing due on {day.isoformat()}")
    if rows:
        click.echo("resolve with: predtrack resolve ID yes|no|ambiguous|annulled [--evidence URL] [--note TEXT]")


@click.command("show")
@click.argument("prediction_id", metavar="ID")
@click.option("--as-of", "as_of", metavar="DATE", help="Judge due/open on this date (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def show_cmd(prediction_id, as_of, as_json):
    """Show one prediction with its forecasts, resolution, history and events.

    \b
    Example:
      predtrack show meta-acquires-coding-ai-startup-by-q2-2027 --json
    """
    from predtrack import queries, store

    day = parse_date_option(as_of, "--as-of") or today(settings_from())
    with session_scope() as session:
        prediction = store.require_prediction(session, prediction_id)
        data = queries.prediction_detail(session, prediction, day)
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['id']}: {data['claim']}")
    deadline = data["deadline"].isoformat() if data["deadline"] else "none (needs a deadline)"
    if data["deadline_text"]:
        deadline += f"  (from {data['deadline_text']!r}{', vague' if data['vague'] else ''})"
    click.echo(f"  deadline: {deadline}")
    click.echo(f"  status:   {data['status']}" + (f", {data['days_overdue']} days overdue" if data["days_overdue"] else ""))
    if data["criteria"]:
        click.echo(f"  criteria: {data['criteria']}")
    if data["tags"]:
        click.echo(f"  tags:     {', '.join(data['tags'])}")
    if data["owner"]:
        click.echo(f"  owner:    {data['owner']}")
    click.echo("  forecasts:")
    for f in data["forecasts"]:
        words = f" from {f['probability_text']!r}" if f["probability_text"] else ""
        click.echo(f"    {f['stated'].isoformat()}  {f['source']}: {f['probability']:.0%} ({f['probability_kind']}{words})")
        if f["quote"]:
            click.echo(f"      \"{f['quote']}\"")
        where = f["article_title"] or f["article"]
        if where:
            click.echo(f"      in: {where}")
    res = data["resolution"]
    if res:
        click.echo(f"  resolution: {res['outcome']} on {res['date'].isoformat()} by {res['recorded_by']}")
        if res["note"]:
            click.echo(f"    note: {res['note']}")
        for link in res["evidence"]:
            click.echo(f"    evidence: {link}")
    for old in data["resolution_history"]:
        click.echo(f"  earlier resolution: {old['outcome']} on {old['date'].isoformat()} (replaced {old['superseded_at']:%Y-%m-%d})")
    if not data["events"]:
        click.echo("  events:   none of its own (an import logs one event for the whole import)")
        return
    click.echo("  events:")
    for e in data["events"]:
        click.echo(f"    {e['at']:%Y-%m-%d %H:%M} {e['actor']}: {e['action']}")
