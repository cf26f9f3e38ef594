"""`predtrack parse TEXT`: show how predtrack reads the deadline and probability in some words."""

from __future__ import annotations

import click

from predtrack.cli.common import emit_json, handle_errors, parse_date_option, settings_from, today


@click.command("parse")
@click.argument("text")
@click.option("--stated", metavar="DATE", help="The date the words were said, as YYYY-MM-DD (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: deadline, earliest, deadline_text, vague, explanation, probability, probability_text, probability_kind.")
@click.pass_context
@handle_errors
def parse_cmd(ctx: click.Context, text: str, stated: str | None, as_json: bool) -> None:
    """Read the deadline and the probability in TEXT, a phrase or a whole sentence.

    The deadline is the last day (inclusive) the event can happen, read relative to
    --stated. Vague words ("in the coming weeks") use the horizons of [deadlines.vague]
    in the config; estimative words ("likely") use the survey-derived table, overridden by
    [probability.words]. Text with neither prints nulls and exits 0.

    \b
    Example:
      predtrack parse "Meta will acquire a coding AI startup by Q2 2027"
      predtrack parse "a 70% chance within 12 months" --stated 2026-04-08 --json
    """
    from predtrack.likelihood import read_probability
    from predtrack.when import check_horizons, read_deadline

    settings = settings_from(ctx)
    stated_date = parse_date_option(stated, "--stated") if stated is not None else today(settings)
    check_horizons(settings.vague_horizons)
    deadline = read_deadline(text, stated_date, settings.vague_horizons)
    probability = read_probability(text, settings.probability_words)
    explanation = f"deadline: {deadline.explanation}; probability: {probability.explanation}"
    if as_json:
        emit_json(
            {
                "deadline": deadline.deadline,
                "earliest": deadline.earliest,
                "deadline_text": deadline.text,
                "vague": deadline.vague,
                "explanation": explanation,
                "probability": probability.probability,
                "probability_text": probability.text,
                "probability_kind": probability.kind,
            }
        )
        return
    if deadline.deadline is None:
        shown = "none" + (f' ("{deadline.text}")' if deadline.text else "")
    else:
        shown = deadline.deadline.isoformat() + (f" (earliest {deadline.earliest.isoformat()})" if deadline.earliest else "")
        shown += f' from "{deadline.text}"' + (" [vague]" if deadline.vague else "")
    click.echo(f"stated:       {stated_date.isoformat()}")
    click.echo(f"deadline:     {shown}")
    click.echo(f"              {deadline.explanation}")
    if probability.probability is None:
        click.echo("probability:  none")
    else:
        click.echo(f'probability:  {probability.probability:g} ({probability.kind}) from "{probability.text}"')
    click.echo(f"              {probability.explanation}")
