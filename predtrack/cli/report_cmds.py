"""Commands that score: score (track records) and report (the quarterly review)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from predtrack.cli.common import emit_json, handle_errors, now, parse_date_option, session_scope, settings_from, today
from predtrack.errors import InvalidValue

# Kept equal to scoring.DEFAULT_CLIP by a test: importing scoring here would slow `--help`.
DEFAULT_CLIP_TEXT = "0.01"


def _format_table(rows: list[dict], by: str, with_consensus: bool) -> list[str]:
    def num(value, signed=False):
        if value is None:
            return "-"
        text = f"{value:+.3f}" if signed else f"{value:.3f}"
        return "0.000" if text in ("-0.000", "+0.000") else text

    headers = ["rank", by, "n", "brier", "log_loss", "baseline"] + (["vs_consensus"] if with_consensus else []) + ["pending", "ambiguous"]
    table = [headers]
    for row in rows:
        cells = [
            str(row["rank"]) if row["rank"] is not None else "-",
            str(row["group"]),
            str(row["n"]),
            num(row["brier"]),
            num(row["log_loss"]),
            num(row["baseline"]),
        ]
        if with_consensus:
            cells.append(num(row.get("relative_brier"), signed=True))
        cells += [str(row["pending"]), str(row["ambiguous"] + row["annulled"])]
        table.append(cells)
    widths = [max(map(len, column)) for column in zip(*table)]
    # One format string for every line: 10,000 rows, cell by cell, took a tenth of a second.
    line = "  ".join(f"{{:{'<' if i == 1 else '>'}{width}}}" for i, width in enumerate(widths))
    return [line.format(*r).rstrip() for r in table]


def _track_record(arguments: dict, use_cache: bool) -> list[dict]:
    """The score rows: from the cache when the data has not changed since they were stored.

    The data version and the cached rows are read in the transaction (and on the snapshot)
    that the computation would read, so a hit is what a recompute would return now. A miss
    is stored afterwards in a short transaction of its own, under the version read before
    computing: if the data changed meanwhile, nothing is stored.
    """
    import json

    from sqlalchemy.exc import DBAPIError

    from predtrack import reports
    from predtrack.cli.common import json_default

    version = payload = None
    with session_scope() as session:
        reports.begin_snapshot(session)
        if use_cache:
            key, options = reports.cache_key(reports.track_record_options(**arguments))
            version, payload = reports.cached_score(session, key)
        if payload is not None:
            return json.loads(payload)
        rows = reports.track_record(session, **arguments)
    if use_cache and version is not None:
        text = json.dumps(rows, default=json_default, ensure_ascii=False)
        try:
            with session_scope() as session:
                reports.store_score(session, key, options, version, text, now())
        except DBAPIError:
            pass  # another writer holds the database: the result stays correct, only uncached
    return rows


def _track_record_from_totals(as_of: date, use_stored: bool) -> list[dict] | None:
    """The default score (by source, no filters) from the per-source totals, or None where they cannot serve.

    predtrack/score_totals.py keeps them; this path talks to the driver directly
    (predtrack/direct_db.py), so that it does not pay for importing SQLAlchemy. None when the
    database is not one that path serves (missing, behind the schema head...), when the totals
    hold a date after `as_of`, or when the driver fails: the general path then answers, or
    explains the problem properly.
    """
    from predtrack import direct_db, reports, score_totals, scoring

    direct = direct_db.connect(settings_from().database_url)
    if direct is None:
        return None
    try:
        try:
            totals = score_totals.read(direct, use_stored=use_stored)
            if use_stored:
                score_totals.store(direct, totals)
        except direct_db.driver_errors(direct):
            return None
        if not totals.usable_as_of(as_of.isoformat()):
            return None
        return reports.rows_from_totals(totals.rows, "source", totals.names, scoring.DEFAULT_CLIP, snapped=True)
    finally:
        direct.close()


@click.command("score")
@click.option("--by", type=click.Choice(["source", "outlet", "tag", "kind"]), default="source", show_default=True, help="Group forecasts by source, by the article's outlet, by the prediction's tags, or by probability kind (stated/inferred).")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable); 'consensus' is the virtual consensus source.")
@click.option("--tag", "tags", multiple=True, metavar="T", help="Only predictions with this tag (repeatable: any of them).")
@click.option("--consensus", type=click.Choice(["median", "mean", "geomean"]), help="Add the virtual source 'consensus' (per prediction, the median, mean or geometric mean of odds of every source's counted forecast) and each group's Brier relative to it.")
@click.option("--clip", type=click.FloatRange(min=0, max=0.5, min_open=True, max_open=True), metavar="EPS", help=f"Clip probabilities to [EPS, 1-EPS] for log loss and the baseline score (default {DEFAULT_CLIP_TEXT}).")
@click.option("--as-of", "as_of", metavar="DATE", help="Score what was known on this date: later forecasts and resolutions are left out (default today).")
@click.option("--since", metavar="DATE", help="Only predictions resolved on or after DATE (pending forecasts are always counted).")
@click.option("--until", metavar="DATE", help="Only predictions resolved on or before DATE.")
@click.option("--all-forecasts", is_flag=True, help="Score every forecast stated before the outcome was known, not only each source's latest.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of rows.")
@click.option("--no-cache", "no_cache", is_flag=True, help="Recompute from the forecasts, neither reading nor storing a cached result.")
@handle_errors
def score_cmd(by, sources, tags, consensus, clip, as_of, since, until, all_forecasts, as_json, no_cache):
    """Score each source's resolved forecasts: Brier (0-1 scale), log loss, baseline score.

    For each source and prediction the latest forecast stated on or before the day the
    outcome became known counts. Ambiguous and annulled predictions are counted, never
    scored; unresolved ones are pending. Rows are ranked by a shrunk Brier, pulled towards
    a coin flip for small n, so one lucky forecast does not top the table.

    The default score (by source, no filters) keeps per-source totals in the database:
    database triggers mark the sources each change touches, whoever makes it, and the next
    score recomputes just those. Other options cache their result until anything they depend
    on changes. --no-cache recomputes everything and stores nothing.

    \b
    Example:
      predtrack score
      predtrack score --by outlet --consensus median
      predtrack score --source "Jane Doe" --source consensus --json
      predtrack score --no-cache
    """
    from predtrack import scoring
    from predtrack.values import check_lookup

    for option, values in (("--source", sources), ("--tag", tags)):
        for value in values:
            check_lookup(option, value)
    day = parse_date_option(as_of, "--as-of") or today(settings_from())
    since_day = parse_date_option(since, "--since")
    until_day = parse_date_option(until, "--until")
    if since_day and until_day and since_day > until_day:
        raise InvalidValue("--since", since_day.isoformat(), f"a date on or before --until ({until_day.isoformat()})")
    eps = scoring.DEFAULT_CLIP if clip is None else clip
    arguments = dict(
        as_of=day, by=by, sources=sources, tags=tags, consensus=consensus, eps=eps,
        since=since_day, until=until_day, all_forecasts=all_forecasts,
    )
    default_options = by == "source" and not (sources or tags or consensus or since_day or until_day or all_forecasts) and eps == scoring.DEFAULT_CLIP
    rows = _track_record_from_totals(day, use_stored=not no_cache) if default_options else None
    if rows is None:
        rows = _track_record(arguments, use_cache=not no_cache)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("no forecasts to score: add some with `predtrack forecast` or `predtrack import`")
        return
    with_consensus = any("relative_brier" in row for row in rows)
    # One write: 10,000 echo calls cost a tenth of a second on a big table.
    click.echo("\n".join(_format_table(rows, by, with_consensus)))
    click.echo(
        f"Brier on the 0-1 scale (lower is better); log loss clipped at {eps:g}; baseline 100*(log2 p(outcome)+1) (higher is better). "
        f"Ranked by Brier shrunk towards a coin flip ({scoring.SHRINKAGE_PSEUDO_COUNT} pseudo-forecasts)."
    )


@click.command("report")
@click.option("--quarter", metavar="YYYYQN", help="The quarter to review, e.g. 2026Q4 (default: the quarter of --as-of).")
@click.option("--since", metavar="DATE", help="Review a period of your own instead: its first day (with --until).")
@click.option("--until", metavar="DATE", help="The period's last day (with --since).")
@click.option("--format", "formats", type=click.Choice(["md", "html", "json"]), multiple=True, help="Write only this format (repeatable; default all three).")
@click.option("--out", "out_dir", metavar="DIR", type=click.Path(file_okay=False), help="Folder to write into (default: [reports] dir of the config, ./reports).")
@click.option("--as-of", "as_of", metavar="DATE", help="Report what is known on this date (default today).")
@handle_errors
def report_cmd(quarter, since, until, formats, out_dir, as_of):
    """Write the quarterly review: Markdown, a self-contained HTML page and JSON.

    Headline numbers; the action list (every unresolved prediction past its deadline, with
    the command to resolve it); what was resolved and how each source fared; the track
    record per source and outlet with calibration charts; what comes due next; and the
    predictions with no deadline or a vague one. Files are named after the period
    (reports/2026-Q4.md, .html, .json) and replaced atomically; the same data and --as-of
    give the same bytes.

    \b
    Example:
      predtrack report
      predtrack report --quarter 2026Q3 --format html --out /tmp/review
      predtrack report --since 2026-01-01 --until 2026-06-30
    """
    from predtrack import reports

    day = parse_date_option(as_of, "--as-of") or today(settings_from())
    if quarter and (since or until):
        raise click.UsageError("give either --quarter or --since/--until, not both")
    if bool(since) != bool(until):
        raise click.UsageError("--since and --until go together")
    if quarter:
        period = reports.parse_quarter(quarter)
    elif since:
        since_day = parse_date_option(since, "--since")
        until_day = parse_date_option(until, "--until")
        if since_day > until_day:
            raise InvalidValue("--since", since_day.isoformat(), f"a date on or before --until ({until_day.isoformat()})")
        period = reports.custom_period(since_day, until_day)
    else:
        period = reports.quarter_of(day)
    target = Path(out_dir) if out_dir else Path(settings_from().reports_dir)
    with session_scope() as session:
        context = reports.gather_report(session, period, day)
    try:
        written = reports.write_report(context, target, formats or reports.FORMATS)
    except OSError as exc:
        raise click.ClickException(f"cannot write the report into {str(target)!r}: {exc.strerror or exc}") from None
    for path in written:
        click.echo(str(path))
