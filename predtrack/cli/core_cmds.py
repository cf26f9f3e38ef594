"""Commands that change predictions: init, add, forecast, resolve, unresolve, edit, delete."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from predtrack.cli.common import emit_json, handle_errors, now, parse_date_option, session_scope, settings_from, today


def check_text_option(name: str, value: str | None, column: str | None = None, multiline: bool = False) -> None:
    """Refuse a text option or argument before anything is written (values.check_text), naming it.

    No control characters (tab and line breaks only where `multiline`) and, when `column`
    names one of values.COLUMN_LENGTHS, no more characters than that column holds: the same
    refusal on SQLite and PostgreSQL. Surrounding blanks are not counted: the services strip them.
    """
    if value is None:
        return
    from predtrack.values import COLUMN_LENGTHS, check_text

    check_text(name, value.strip(), COLUMN_LENGTHS[column] if column else None, multiline)


def check_tag_options(values: tuple[str, ...] | list[str]) -> None:
    """Refuse a bad --tag before anything is written (values.clean_tags)."""
    from predtrack.values import clean_tags

    clean_tags(values)


def read_deadline_option(value: str | None, stated: date, settings) -> tuple[date | None, str | None, bool]:
    """(deadline, the words it came from, vague) from a --deadline flag; raises InvalidValue."""
    if value is None:
        return None, None, False
    from predtrack.when import parse_deadline_value

    reading = parse_deadline_value(value, stated, settings.vague_horizons)
    return reading.deadline, value.strip(), reading.vague


def read_probability_option(value: str | None, settings, fallback_text: str | None) -> tuple[float, str, str | None]:
    """(probability, kind, words) from --probability, else read from the quote/claim, else the assertion default."""
    from predtrack import likelihood

    if value is not None:
        probability, kind = likelihood.parse_probability_value(value, settings.probability_words)
        return probability, kind, (value.strip() if kind == "inferred" else None)
    if fallback_text:
        reading = likelihood.read_probability(fallback_text, settings.probability_words)
        if reading.probability is not None:
            return reading.probability, reading.kind or "inferred", reading.text
    return likelihood.ASSERTION_DEFAULT, "inferred", "(plain assertion)"


def read_article_option(value: str | None) -> str | None:
    """The --article link, checked before anything is written; empty means none."""
    if value is None or not value.strip():
        return None
    from predtrack.values import check_url

    return check_url("--article", value)


def read_owner_option(value: str | None, clearing: bool = False) -> str | None:
    """The --owner address, checked before anything is written; with `clearing`, '' clears it."""
    if value is None:
        return None
    from predtrack.errors import InvalidValue
    from predtrack.values import check_email

    if clearing and not value.strip():
        return None
    try:
        return check_email("--owner", value)
    except InvalidValue as exc:
        if clearing:
            raise InvalidValue("--owner", value, f"{exc.accepted}, or '' to clear it") from None
        raise


INIT_TEMPLATE = '''# predtrack configuration (TOML). Every setting is optional; the defaults are shown.
# Found through --config PATH, PREDTRACK_CONFIG, ./predtrack.toml, then the user config directory.

[user]
# Who is recorded in the event log for each change (default: your login name).
# name = "{user}"

[database]
# SQLite by default: a file in the user data directory. A team shares one PostgreSQL:
#   url = "postgresql://predtrack@db.example.org:5432/predtrack"   (pip install 'predtrack[postgres]')
# --db URL and PREDTRACK_DATABASE_URL override this.
# url = "sqlite:///{db}"

[reports]
# Where nag digests (reports/nags/) and quarterly review reports are written.
# dir = "reports"

[mail]
# SMTP for email nags. No AUTH without a username; the password is read from the environment
# variable named by password_env, never from this file.
# host = "smtp.example.org"
# port = 587
# from = "predtrack@example.org"
# to = ["forecasting-team@example.org"]
# starttls = true
# ssl = false
# username = "predtrack"
# password_env = "PREDTRACK_SMTP_PASSWORD"
# timeout = 30             # seconds

[nag]
# channels: any of "email", "markdown" (a digest under reports/nags/), "stdout".
# channels = ["markdown"]
# hour = 9                  # local hour of the day at which nags go out
# timezone = "UTC"          # IANA zone name for that hour and for deadlines
# lead_days = 3             # optional heads-up this many days before the deadline
# repeat_days = 7           # round n goes out (n - 1) * repeat_days after round 1
# escalate_after = 3        # from this round on, also nag escalate_to
# escalate_to = ["editor@example.org"]
# digest_limit = 50         # items per digest; the rest are counted with a pointer to `predtrack due`
# weekly_digest = false    # Mondays: everything overdue or due within the week

[deadlines.vague]
# How far ahead vague words reach from the stated date (see docs/language.md).
# coming_weeks = "6 weeks"
# soon = "3 months"

[probability.words]
# Override the shipped word table (see docs/language.md), e.g.:
# "likely" = 0.7
'''


@click.command("init")
@click.option("--path", "path", type=click.Path(dir_okay=False), default="predtrack.toml", show_default=True, help="Where to write the config file.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@handle_errors
def init_cmd(path: str, force: bool) -> None:
    """Write a commented config file, and create the database if it is new.

    \b
    Example:
      predtrack init
      predtrack init --path ~/.config/predtrack/predtrack.toml
    """
    from predtrack.config import default_database_url

    target = Path(path).expanduser()
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists already: use --force to overwrite it")
    settings = settings_from()
    db_path = default_database_url().removeprefix("sqlite:///")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(INIT_TEMPLATE.format(user=settings.user_name, db=db_path), encoding="utf-8")
    tmp.replace(target)
    click.echo(f"wrote {target}")
    with session_scope():
        pass
    click.echo(f"database: {settings.database_url}")


@click.command("add")
@click.argument("claim")
@click.option("--by", "source", required=True, metavar="SOURCE", help="Who stated the forecast (a person, organisation or outlet).")
@click.option("--deadline", metavar="WHEN", help="Last day the event can happen: 2027-06-30, 'by Q2 2027', 'within 12 months'... Leave out for no deadline.")
@click.option("--owner", metavar="EMAIL", help="Who should resolve it (gets the nags): an address such as name@example.org.")
@click.option("--stated", metavar="DATE", help="When the forecast was stated (default today).")
@click.option("--probability", "-p", metavar="P", help="0.7, 70%, or words such as 'likely' (default: read from --quote, else a plain assertion).")
@click.option("--criteria", metavar="TEXT", help="How to resolve it: what a stranger would check.")
@click.option("--quote", metavar="TEXT", help="The words as stated.")
@click.option("--article", "article_url", metavar="URL", help="Where it was stated: an http(s) URL.")
@click.option("--tag", "tags", multiple=True, metavar="T", help="A tag (repeatable).")
@click.option("--id", "prediction_id", metavar="SLUG", help="The id (default: a slug made from the claim).")
@click.option("--json", "as_json", is_flag=True, help="Print the new prediction as JSON.")
@handle_errors
def add_cmd(claim, source, deadline, owner, stated, probability, criteria, quote, article_url, tags, prediction_id, as_json):
    """Add a prediction and its first forecast; print its id.

    \b
    Example:
      predtrack add "Meta acquires a coding-focused AI startup" --by "Jane Doe" \\
          --deadline "by Q2 2027" --probability likely --tag meta \\
          --criteria "YES if Meta announces a completed acquisition of a startup whose main product is AI for coding"
    """
    from predtrack import store

    check_text_option("CLAIM", claim, multiline=True)
    check_text_option("--by", source, "source.name")
    check_text_option("--deadline", deadline)
    check_text_option("--probability", probability, "forecast.probability_text")
    check_text_option("--criteria", criteria, multiline=True)
    check_text_option("--quote", quote, multiline=True)
    check_tag_options(tags)
    settings = settings_from()
    local_today = today(settings)
    stated_on = parse_date_option(stated, "--stated") or local_today
    deadline_date, deadline_text, vague = read_deadline_option(deadline, stated_on, settings)
    p, kind, words = read_probability_option(probability, settings, quote)
    article_url = read_article_option(article_url)
    owner = read_owner_option(owner)
    with session_scope(write=True) as session:
        prediction = store.add_prediction(
            session,
            actor=settings.user_name,
            now=now(),
            claim=claim,
            source=source,
            probability=p,
            probability_kind=kind,
            probability_text=words,
            stated=stated_on,
            deadline=deadline_date,
            deadline_text=deadline_text,
            deadline_vague=vague,
            criteria=criteria,
            quote=quote,
            article_url=article_url,
            tags=tags,
            owner=owner,
            prediction_id=prediction_id,
            today=local_today,
        )
        data = store.prediction_dict(session, prediction, local_today) if as_json else None
    if as_json:
        emit_json(data)
    else:
        click.echo(prediction.id)


@click.command("forecast")
@click.argument("prediction_id", metavar="ID")
@click.option("--by", "source", required=True, metavar="SOURCE", help="Who stated this forecast.")
@click.option("--probability", "-p", metavar="P", help="0.7, 70%, or words such as 'likely'.")
@click.option("--stated", metavar="DATE", help="When it was stated (default today).")
@click.option("--quote", metavar="TEXT", help="The words as stated.")
@click.option("--article", "article_url", metavar="URL", help="Where it was stated: an http(s) URL.")
@click.option("--correct", is_flag=True, help="Fix this source's latest forecast in place (a typo), instead of adding an update.")
@click.option("--withdraw", is_flag=True, help="Withdraw this source's forecasts on the prediction (entered by mistake).")
@handle_errors
def forecast_cmd(prediction_id, source, probability, stated, quote, article_url, correct, withdraw):
    """Add another source's forecast on a prediction, or an update; or withdraw one.

    \b
    Example:
      predtrack forecast meta-acquires-a-coding-ai-startup --by "Meta" -p 0.4 --stated 2026-04-10
      predtrack forecast meta-acquires-a-coding-ai-startup --by "Meta" -p 0.45 --correct
      predtrack forecast meta-acquires-a-coding-ai-startup --by "Meta" --withdraw
    """
    from predtrack import store

    if withdraw or correct:
        # Only looked up (values.check_lookup): a name stored before these checks stays reachable.
        check_text_option("--by", source, multiline=True)
    else:
        check_text_option("--by", source, "source.name")
    check_text_option("--probability", probability, "forecast.probability_text")
    check_text_option("--quote", quote, multiline=True)
    settings = settings_from()
    if withdraw:
        if probability is not None or correct:
            raise click.UsageError("--withdraw takes no --probability or --correct")
        with session_scope(write=True) as session:
            n = store.withdraw_forecast(session, actor=settings.user_name, now=now(), prediction_id=prediction_id, source=source)
        click.echo(f"withdrew {n} forecast{'s' if n != 1 else ''} by {source} on {prediction_id}")
        return
    if probability is None and quote is None:
        raise click.UsageError("give --probability (or --quote to read it from), or --withdraw")
    if correct:
        p, kind, words = read_probability_option(probability, settings, quote)
        with session_scope(write=True) as session:
            fixed = store.correct_forecast(
                session, actor=settings.user_name, now=now(), prediction_id=prediction_id, source=source,
                probability=p, probability_kind=kind, probability_text=words,
                stated=parse_date_option(stated, "--stated"), quote=quote, today=today(settings),
            )
        click.echo(f"{prediction_id}: corrected {source}'s forecast of {fixed.stated.isoformat()} to {p:.0%} ({kind})")
        return
    local_today = today(settings)
    stated_on = parse_date_option(stated, "--stated") or local_today
    p, kind, words = read_probability_option(probability, settings, quote)
    article_url = read_article_option(article_url)
    with session_scope(write=True) as session:
        store.add_forecast(
            session,
            actor=settings.user_name,
            now=now(),
            prediction_id=prediction_id,
            source=source,
            probability=p,
            probability_kind=kind,
            probability_text=words,
            stated=stated_on,
            quote=quote,
            article_url=article_url,
            today=local_today,
        )
    click.echo(f"{prediction_id}: {source} {p:.0%} ({kind}) on {stated_on.isoformat()}")


@click.command("resolve")
@click.argument("prediction_id", metavar="ID")
@click.argument("outcome")
@click.option("--on", "on", metavar="DATE", help="When the outcome became known (default today; not in the future).")
@click.option("--note", metavar="TEXT", help="Why: what happened.")
@click.option("--evidence", multiple=True, metavar="URL", help="An http(s) link that shows the outcome, or seed:FILE for a seed article (repeatable).")
@click.option("--by", "by", metavar="NAME", help="Who resolved it (default: [user] name or your login).")
@click.option("--force", is_flag=True, help="Replace an existing resolution (the old one stays in history).")
@handle_errors
def resolve_cmd(prediction_id, outcome, on, note, evidence, by, force):
    """Record the outcome: yes, no, ambiguous, annulled, or a number in [0, 1].

    \b
    Example:
      predtrack resolve openai-and-anthropic-coding-variants-by-q3-2026 yes \\
          --on 2026-10-02 --evidence https://example.org/announcement --note "both announced"
    """
    from predtrack import store
    from predtrack.values import check_evidence

    check_text_option("--note", note, multiline=True)
    check_text_option("--by", by, "resolution.recorded_by")
    settings = settings_from()
    local_today = today(settings)
    resolved_on = parse_date_option(on, "--on") or local_today
    evidence = [check_evidence("--evidence", link) for link in evidence if link.strip()]
    with session_scope(write=True) as session:
        resolution = store.resolve(
            session,
            actor=by or settings.user_name,
            now=now(),
            prediction_id=prediction_id,
            outcome=outcome,
            resolved_on=resolved_on,
            today=local_today,
            note=note,
            evidence=evidence,
            force=force,
        )
    click.echo(f"{prediction_id}: resolved {resolution.outcome} on {resolved_on.isoformat()}")


@click.command("unresolve")
@click.argument("prediction_id", metavar="ID")
@handle_errors
def unresolve_cmd(prediction_id):
    """Take back a resolution (it stays in history); nags start again.

    \b
    Example:
      predtrack unresolve openai-and-anthropic-coding-variants-by-q3-2026
    """
    from predtrack import store

    settings = settings_from()
    with session_scope(write=True) as session:
        store.unresolve(session, actor=settings.user_name, now=now(), prediction_id=prediction_id)
    click.echo(f"{prediction_id}: unresolved")


@click.command("edit")
@click.argument("prediction_id", metavar="ID")
@click.option("--claim", metavar="TEXT", help="New claim.")
@click.option("--deadline", metavar="WHEN", help="New deadline (a date or phrase; 'none' for no deadline).")
@click.option("--criteria", metavar="TEXT", help="New resolution criteria.")
@click.option("--tag", "tags", multiple=True, metavar="T", help="Replace the tags (repeatable; --tag '' clears them).")
@click.option("--owner", metavar="EMAIL", help="New owner, an address such as name@example.org ('' clears it).")
@handle_errors
def edit_cmd(prediction_id, claim, deadline, criteria, tags, owner):
    """Change a prediction's claim, deadline, criteria, tags or owner (logged as events).

    \b
    Example:
      predtrack edit muse-spark-reaches-whatsapp --deadline 2026-06-30 --owner jane@example.org
    """
    from predtrack import store

    check_text_option("--claim", claim, multiline=True)
    check_text_option("--deadline", deadline)
    check_text_option("--criteria", criteria, multiline=True)
    check_tag_options([t for t in tags if t.strip()])
    settings = settings_from()
    kwargs: dict = {}
    if claim is not None:
        kwargs["claim"] = claim
    if criteria is not None:
        kwargs["criteria"] = criteria
    if tags:
        kwargs["tags"] = [t for t in tags if t.strip()]
    if owner is not None:
        kwargs["owner"] = read_owner_option(owner, clearing=True)
    with session_scope(write=True) as session:
        if deadline is not None:
            stated = store.earliest_stated(session, prediction_id) or today(settings)
            if deadline.strip().lower() in ("none", ""):
                kwargs.update(deadline=None, deadline_text=None, deadline_vague=False)
            else:
                d, text, vague = read_deadline_option(deadline, stated, settings)
                kwargs.update(deadline=d, deadline_text=text, deadline_vague=vague)
        if not kwargs:
            raise click.UsageError("nothing to change: give --claim, --deadline, --criteria, --tag or --owner")
        changes = store.edit_prediction(session, actor=settings.user_name, now=now(), prediction_id=prediction_id, **kwargs)
    if changes:
        click.echo(f"{prediction_id}: changed {', '.join(sorted(changes))}")
    else:
        click.echo(f"{prediction_id}: nothing changed")


@click.command("delete")
@click.argument("prediction_id", metavar="ID")
@click.option("--yes", "confirmed", is_flag=True, help="Do not ask for confirmation.")
@handle_errors
def delete_cmd(prediction_id, confirmed):
    """Delete a prediction entered by mistake (the event log keeps what it was).

    \b
    Example:
      predtrack delete meta-acquires-a-coding-ai-startup-2 --yes
    """
    from predtrack import store

    settings = settings_from()
    local_today = today(settings)
    if not confirmed:
        import sys

        if not sys.stdin.isatty():
            raise click.UsageError("refusing to delete without confirmation: add --yes")
        click.confirm(f"Delete {prediction_id} and its forecasts?", abort=True)
    with session_scope(write=True) as session:
        prediction = store.require_prediction(session, prediction_id)
        snapshot = store.prediction_dict(session, prediction, local_today, detail=True)
        snapshot.pop("events", None)
        store.delete_prediction(session, actor=settings.user_name, now=now(), prediction_id=prediction_id, snapshot=snapshot)
    click.echo(f"deleted {prediction_id}")
