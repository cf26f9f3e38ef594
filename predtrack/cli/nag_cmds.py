"""`predtrack nag`, `nags`, `snooze` and `schedule`: reminders for predictions that come due."""

from __future__ import annotations

import logging
from datetime import datetime

import click

from predtrack.cli.common import emit_json, handle_errors, now, session_scope, settings_from

CHANNEL_CHOICE = click.Choice(["email", "markdown", "stdout"])


def _quiet_library_logs() -> None:
    # The commands report every outcome themselves; without a handler, Python would print
    # the library's warnings a second time on stderr.
    logger = logging.getLogger("predtrack")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def _local(moment: datetime | None, settings) -> str:
    if moment is None:
        return "-"
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(settings.nag.timezone)).strftime(f"%Y-%m-%d %H:%M {settings.nag.timezone}")


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


@click.command("nag")
@click.option("--as-of", "as_of", metavar="DATETIME",
              help="Run the pass as if it were this time: 2026-12-01 (its nag hour), 2026-12-01T09:30 ([nag] timezone) or with an offset. Default: now.")
@click.option("--dry-run", is_flag=True, help="Show the digests a pass would send now; send and record nothing.")
@click.option("--channel", "channels", multiple=True, type=CHANNEL_CHOICE,
              help="Use this channel instead of [nag] channels (repeat for several).")
@click.option("--json", "as_json", is_flag=True, help="Print what happened as JSON.")
@handle_errors
def nag_cmd(as_of, dry_run, channels, as_json):
    """Run one nag pass: send one digest per recipient with every prediction due.

    Each nag is sent once: running it again sends nothing until the next round falls due.
    Exits 1 when a delivery failed (it is retried by a later pass, with backoff).
    Cron users run this every few minutes; `predtrack schedule` runs it every minute.

    \b
    Example:
      predtrack nag
      predtrack nag --dry-run --channel stdout
      predtrack nag --as-of 2026-12-01T09:00 --channel markdown
    """
    from predtrack.mail import check_mail_settings

    settings = settings_from()
    channel_list = list(dict.fromkeys(channels)) or list(settings.nag.channels)
    check_mail_settings(settings, channel_list)

    from predtrack import db, nags

    _quiet_library_logs()
    pass_at = nags.parse_moment(as_of, settings.nag) if as_of else now()
    engine = db.engine_for(settings.database_url)
    printed: list[str] = []
    result = nags.run_pass(
        engine, settings, pass_at, channels=channel_list, dry_run=dry_run,
        stdout=printed.append if as_json else click.echo,
    )
    if as_json:
        emit_json({
            "as_of": pass_at,
            "dry_run": dry_run,
            "queued": result.enqueued,
            "cancelled": result.cancelled,
            "superseded": result.superseded,
            "deliveries": [
                {
                    "channel": d.channel, "recipient": d.recipient, "items": d.items, "ok": d.ok,
                    "digest_id": d.digest_id, "subject": d.subject, "target": d.target, "error": d.error,
                    "retry_after": d.retry_after, "warning": d.warning,
                    "text": d.text if (dry_run or d.channel == "stdout") else None,
                }
                for d in result.deliveries
            ],
        })
    else:
        for d in result.deliveries:
            where = d.recipient if d.channel == "email" else (d.target or d.channel)
            if dry_run:
                click.echo(f"--- would send {d.channel} to {where}: {d.subject} ({_items(d.items)})")
                click.echo(d.text)
            elif d.ok:
                click.echo(f"{d.channel} to {where}: sent {_items(d.items)} ({d.digest_id})")
                if d.warning:
                    click.echo(f"warning: {d.channel} to {where}: {d.warning}", err=True)
            else:
                click.echo(
                    f"{d.channel} to {where}: failed, {_items(d.items)} kept for a later pass "
                    f"(not before {_local(d.retry_after, settings)}): {d.error}",
                    err=True,
                )
        click.echo(result.summary() if result.deliveries or dry_run else f"nothing to send as of {_local(pass_at, settings)}")
    if result.failed:
        raise SystemExit(1)


@click.command("nags")
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True, help="How many recent deliveries to show.")
@click.option("--prediction", "prediction_id", metavar="ID", help="Also list every nag of this prediction (rounds, status, errors).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object: attempts, outbox counts, nags.")
@handle_errors
def nags_cmd(limit, prediction_id, as_json):
    """Show what was sent, when, to whom, and what failed and why.

    \b
    Example:
      predtrack nags
      predtrack nags --prediction meta-acquires-a-coding-ai-startup --json
    """
    from predtrack import nags, store

    settings = settings_from()
    with session_scope() as session:
        if prediction_id is not None:
            store.require_prediction(session, prediction_id)
        data = nags.history(session, limit=limit, prediction_id=prediction_id)
    if as_json:
        emit_json(data)
        return
    totals: dict[str, int] = {}
    for row in data["outbox"]:
        totals[row["status"]] = totals.get(row["status"], 0) + row["count"]
    click.echo("outbox: " + (", ".join(f"{n} {status}" for status, n in sorted(totals.items())) or "empty"))
    if not data["attempts"]:
        click.echo("no digest has been delivered or tried yet")
    for a in data["attempts"]:
        line = f"{_local(a['at'], settings)}  {a['channel']:<8}  {a['recipient'] if a['channel'] == 'email' else (a['target'] or a['recipient'])}  "
        if a["ok"]:
            click.echo(line + f"sent {_items(a['items'])}  {a['digest_id']}")
        else:
            click.echo(line + f"FAILED ({_items(a['items'])}): {a['error']}; retry after {_local(a['retry_after'], settings)}")
    for n in data.get("nags", []):
        what = f"round {n['round']}" if n["kind"] == "round" else n["kind"]
        line = f"{prediction_id}: {what} due {n['due_on'].isoformat()} (series {n['series']})  {n['channel']} {n['recipient']}  {n['status']}"
        if n["sent_at"]:
            line += f" {_local(n['sent_at'], settings)}"
        if n["error"] and n["status"] != "sent":
            line += f"  ({n['error']})"
        click.echo(line)


@click.command("snooze")
@click.argument("prediction_id", metavar="ID")
@click.argument("duration", metavar="DURATION")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def snooze_cmd(prediction_id, duration, as_json):
    """Postpone the nags of one prediction: for a DURATION, until a date, or `off`.

    The next nag goes out at the first nag hour after the snooze ends; rounds then repeat
    every [nag] repeat_days from there.

    \b
    Example:
      predtrack snooze meta-acquires-a-coding-ai-startup 3d
      predtrack snooze meta-acquires-a-coding-ai-startup "2 weeks"
      predtrack snooze meta-acquires-a-coding-ai-startup 2027-01-15
      predtrack snooze meta-acquires-a-coding-ai-startup off
    """
    from predtrack import nags

    settings = settings_from()
    snoozed_at = now()
    until = nags.snooze_until(duration, snoozed_at, settings.nag)
    with session_scope(write=True) as session:
        prediction = nags.snooze(session, actor=settings.user_name, now=snoozed_at, prediction_id=prediction_id, until=until, settings=settings)
        resumes = nags.nag_time(nags.snooze_day(prediction.snoozed_until, settings.nag), settings.nag)
    if as_json:
        emit_json({"id": prediction_id, "snoozed_until": until, "nags_resume_at": resumes})
    elif until is None:
        click.echo(f"{prediction_id}: snooze ended; nags resume at {_local(resumes, settings)}")
    else:
        click.echo(f"{prediction_id}: nags snoozed until {_local(until, settings)}; the next one goes out at {_local(resumes, settings)}")


@click.command("schedule")
@handle_errors
def schedule_cmd():
    """Run the nag scheduler in the foreground until SIGTERM or Ctrl-C.

    A nag pass runs at start-up and every minute; the quarterly review report is written on
    the first day of each quarter. Logs go to stderr. Safe to run twice: the database decides
    what is due and what was sent. See docs/nags.md for a systemd unit and the cron alternative.

    \b
    Example:
      predtrack schedule
      PREDTRACK_CONFIG=/etc/predtrack.toml predtrack schedule
    """
    import sys

    from predtrack.mail import check_mail_settings

    settings = settings_from()
    check_mail_settings(settings)

    from predtrack import db, scheduler

    engine = db.engine_for(settings.database_url)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("predtrack")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").addHandler(handler)
    try:
        scheduler.run(settings, engine)
    finally:
        logger.removeHandler(handler)
        logging.getLogger("apscheduler").removeHandler(handler)
