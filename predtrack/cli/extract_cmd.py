"""`predtrack extract`: propose the forecasts an article states, for a person to review."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from predtrack.cli.common import emit_json, handle_errors, parse_date_option, settings_from


def _read_input(article: str) -> bytes:
    """The article's bytes from a file or standard input; one clear line on failure."""
    if article == "-":
        stream = getattr(sys.stdin, "buffer", None)
        return stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
    path = Path(article)
    if path.is_dir():
        raise click.ClickException(f"invalid ARTICLE {article!r}: it is a directory; expected a text or HTML file, or - for standard input")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise click.ClickException(f"invalid ARTICLE {article!r}: no such file; expected a text or HTML file, or - for standard input") from None
    except OSError as exc:
        raise click.ClickException(f"cannot read ARTICLE {article!r}: {exc.strerror or exc}") from None


@click.command("extract")
@click.argument("article", metavar="ARTICLE")
@click.option("--published", "published_option", metavar="DATE", help="Date the article was published (YYYY-MM-DD). Default: the date the article states (a 'Published ...' line, a dateline, or the page's metadata).")
@click.option("--source", "source_option", metavar="NAME", help="Who stands behind unattributed forecasts (the author or outlet). Default: the byline, else 'unknown'.")
@click.option("--json", "as_json", is_flag=True, help="Print the candidates as a JSON array.")
@click.option("--yaml", "as_yaml", is_flag=True, help="Print a draft predictions file (YAML) to review and edit.")
@handle_errors
def extract_cmd(article: str, published_option: str | None, source_option: str | None, as_json: bool, as_yaml: bool) -> None:
    """Propose the forecasts an ARTICLE states (a text or HTML file, or - for stdin).

    Each candidate gives the sentence, a draft claim, who stated it, the deadline and the
    probability its words imply. Nothing is stored: review the candidates, then save the
    --yaml draft in predictions/ and run `predtrack import`. No network, no model download.

    Deadlines are read relative to the published date. Without --published the date the
    article states about itself is used; when it states none, extract refuses rather than
    guess (deadlines like "within 12 months" would silently shift).

    \b
    Example:
      predtrack extract article.txt --published 2026-04-08
      predtrack extract page.html --source "The Verge" --json
      curl -s https://example.org/story | predtrack extract - --published 2026-04-08 \\
          --yaml > predictions/2026-04-08-story.yaml
    """
    if as_json and as_yaml:
        raise click.UsageError("choose one of --json and --yaml")
    from predtrack import extract as ex
    from predtrack.article_text import read_article
    from predtrack.extract_draft import draft, render_yaml

    published = parse_date_option(published_option, "--published")
    parsed = read_article(_read_input(article))
    published_from = "--published"
    if published is None:
        if parsed.published is None:
            raise click.ClickException(
                "the article states no published date (no 'Published <date>' line, dateline or page metadata); "
                "pass --published YYYY-MM-DD"
            )
        published, published_from = parsed.published, f"the article: {parsed.published_text!r}"

    settings = settings_from()
    default_source = source_option or parsed.outlet
    candidates = ex.extract(
        parsed.text,
        published,
        default_source=default_source,
        author=None if source_option else parsed.author,
        horizons=settings.vague_horizons or None,
        words=settings.probability_words or None,
    )

    if as_json:
        emit_json([c.to_json() for c in candidates])
        return
    if as_yaml:
        if source_option and not parsed.outlet and not parsed.author:
            parsed.outlet = source_option
        header = (
            "Draft by `predtrack extract`: review every prediction, delete what is not a forecast,\n"
            "check each value marked 'guessed', and write the criteria before `predtrack import`."
        )
        click.echo(render_yaml(draft(parsed, candidates, published), header=header), nl=False)
        return
    _print_readable(parsed, candidates, published, published_from)


def _print_readable(parsed, candidates, published, published_from: str) -> None:
    title = parsed.title or "(untitled)"
    click.echo(f"{title}")
    click.echo(f"published {published.isoformat()} (from {published_from})")
    if not candidates:
        click.echo("No candidate forecasts found.")
        return
    noun = "candidate forecast" if len(candidates) == 1 else "candidate forecasts"
    click.echo(f"{len(candidates)} {noun}:")
    for number, c in enumerate(candidates, start=1):
        click.echo("")
        click.echo(f"{number}. {c.claim}")
        click.echo(f"   sentence:    (line {c.line}) {c.sentence}")
        source = f"{c.source} ({c.source_kind}{', guessed' if c.source_guessed else ''})"
        click.echo(f"   source:      {source}")
        if c.deadline is not None:
            vague = ", vague" if c.vague else ""
            click.echo(f"   deadline:    {c.deadline.isoformat()} (\"{c.deadline_text}\"{vague})")
        else:
            click.echo("   deadline:    none found")
        if c.probability is not None:
            click.echo(f"   probability: {c.probability:g} {c.probability_kind} (\"{c.probability_text}\")")
        else:
            click.echo("   probability: none stated (plain assertion)")
        click.echo(f"   score:       {c.score:g} ({', '.join(c.cues)})")
    if sys.stdout.isatty():
        click.echo("")
        click.echo("Review these, then: predtrack extract ARTICLE --yaml > predictions/FILE.yaml")
