"""`predtrack check`, `import` and `export`: the predictions files (YAML, JSON, flat CSV)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from predtrack.cli.common import emit_json, handle_errors, now, session_scope, settings_from, today
from predtrack.errors import FileErrors


def _error_dicts(errors: list[str]) -> list[dict]:
    """`path:line: message` as {path, line, message} for --json."""
    items = []
    for error in errors:
        head, sep, message = error.partition(": ")
        path, _, line = head.rpartition(":")
        if sep and path and line.isdigit():
            items.append({"path": path, "line": int(line), "message": message})
        else:
            items.append({"path": None, "line": None, "message": error})
    return items


@click.command("check")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--json", "as_json", is_flag=True, help="Print {ok, files, predictions, forecasts, resolutions, errors} as JSON.")
@handle_errors
def check_cmd(paths: tuple[str, ...], as_json: bool) -> None:
    """Check predictions files (YAML, JSON, flat CSV) or folders of them; list every error.

    Each error is printed as PATH:LINE: MESSAGE. Exit status 1 when there is any. The
    database is not opened: whether a CSV prediction without a claim already exists, or a
    resolution contradicts a recorded one, is checked by `predtrack import`.

    \b
    Example:
      predtrack check predictions/
      predtrack check forecasts.csv --json
    """
    from predtrack.files import check_paths

    settings = settings_from()
    result = check_paths(paths, settings.vague_horizons, settings.probability_words)
    if as_json:
        emit_json({
            "ok": not result.errors, "files": result.files, "predictions": result.predictions,
            "forecasts": result.forecasts, "resolutions": result.resolutions, "errors": _error_dicts(result.errors),
        })
    else:
        for error in result.errors:
            click.echo(error)
        if not result.errors:
            click.echo(f"ok: {_plural(result.files, 'file')}, {_plural(result.predictions, 'prediction')}, "
                       f"{_plural(result.forecasts, 'forecast')}, {_plural(result.resolutions, 'resolution')}")
    if result.errors:
        if not as_json:
            click.echo(f"{_plural(len(result.errors), 'error')}", err=True)
        sys.exit(1)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@contextlib.contextmanager
def _progress(label: str, length: int):
    """A progress bar on standard error (used only when it is a terminal)."""
    with click.progressbar(length=length, label=label, file=sys.stderr) as progress:
        yield progress.update


@click.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--dry-run", is_flag=True, help="Check and count what would change; write nothing.")
@click.option("--force", is_flag=True, help="Replace a recorded resolution that a file contradicts (the old one stays in history).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts (or the errors) as JSON.")
@handle_errors
def import_cmd(paths: tuple[str, ...], dry_run: bool, force: bool, as_json: bool) -> None:
    """Import predictions files (YAML, JSON, flat CSV) or folders of them.

    Idempotent by prediction id: importing the same files again changes nothing, and a
    changed file updates what changed. A forecast is the same forecast when its prediction,
    source and stated date are. All or nothing: with any error, nothing is imported and
    every error is listed as PATH:LINE: MESSAGE (exit status 1).

    \b
    Example:
      predtrack import predictions/
      predtrack import forecasts.csv --dry-run
      predtrack import predictions/ --force
    """
    from predtrack.importer import import_paths

    settings = settings_from()
    try:
        with session_scope(write=True) as session:
            summary = import_paths(
                session, paths, actor=settings.user_name, now=now(), today=today(settings),
                force=force, horizons=settings.vague_horizons, probability_words=settings.probability_words,
                progress=_progress if sys.stderr.isatty() else None,
            )
            if dry_run:
                session.rollback()
    except FileErrors as exc:
        if as_json:
            emit_json({"ok": False, "errors": _error_dicts(exc.errors)})
        else:
            for error in exc.errors:
                click.echo(error, err=True)
            click.echo(f"{_plural(len(exc.errors), 'error')}: nothing imported", err=True)
        sys.exit(1)
    counts = summary.counts()
    if as_json:
        emit_json({"ok": True, "dry_run": dry_run, "files": summary.files, **counts})
        return
    c = counts
    head = "Dry run, nothing written: would import" if dry_run else "Imported"
    click.echo(f"{head} {_plural(len(summary.files), 'file')}: "
               f"predictions {c['predictions_added']} added, {c['predictions_updated']} updated, {c['predictions_unchanged']} unchanged; "
               f"forecasts {c['forecasts_added']} added, {c['forecasts_updated']} updated; "
               f"{_plural(c['resolutions_added'], 'resolution')} added; "
               f"{_plural(c['sources_added'], 'source')} and {_plural(c['articles_added'], 'article')} added"
               + (f", {_plural(c['articles_updated'], 'article')} updated" if c["articles_updated"] else ""))


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["yaml", "csv", "json"]), default="yaml", show_default=True, help="File format.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder to write to (yaml: one file per article; csv/json: predictions.csv/.json). Default: standard output.")
@handle_errors
def export_cmd(fmt: str, out_dir: str | None) -> None:
    """Write every prediction, forecast and resolution out as predictions files.

    What is written imports into an empty database as the same data. To standard output,
    yaml is one stream of documents separated by `---`.

    \b
    Example:
      predtrack export --out backup/
      predtrack export --format csv > predictions.csv
      predtrack export --format json --out backup/
    """
    from predtrack import exporter
    from predtrack.files import dump_json, dump_yaml
    from predtrack.flatcsv import write_rows

    with session_scope() as session:
        if out_dir is None:
            stream = sys.stdout
            if fmt == "csv":
                write_rows(exporter.iter_csv_rows(session), stream)
            elif fmt == "json":
                _write_json(exporter.iter_documents(session), stream, dump_json)
            else:
                first = True
                for document in exporter.iter_documents(session):
                    stream.write(("" if first else "---\n") + dump_yaml([document]))
                    first = False
            return
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        try:
            if fmt == "csv":
                target = out / "predictions.csv"
                with _atomic(target, written) as handle:
                    count = write_rows(exporter.iter_csv_rows(session), handle)
                click.echo(f"wrote {target} ({_plural(count, 'row')})")
            elif fmt == "json":
                target = out / "predictions.json"
                with _atomic(target, written) as handle:
                    _write_json(exporter.iter_documents(session), handle, dump_json)
                click.echo(f"wrote {target}")
            else:
                _write_yaml_files(exporter, session, out, written, dump_yaml)
                click.echo(f"wrote {_plural(len(written), 'file')} to {out}")
        except BaseException:
            for path in written:
                path.with_name(path.name + ".tmp").unlink(missing_ok=True)
            raise
        for path in written:
            path.with_name(path.name + ".tmp").replace(path)


@contextlib.contextmanager
def _atomic(target: Path, written: list[Path]):
    """Write to TARGET.tmp; the caller renames every file once all are written."""
    written.append(target)
    with open(target.with_name(target.name + ".tmp"), "w", encoding="utf-8", newline="") as handle:
        yield handle


def _write_json(documents, handle, dump_json) -> None:
    handle.write("[")
    first = True
    for document in documents:
        text = dump_json([document]).strip()[1:-1].strip()  # one list item, indented as in a list
        handle.write(("\n  " if first else ",\n  ") + text)
        first = False
    handle.write("\n]\n" if not first else "]\n")


def _write_yaml_files(exporter, session, out: Path, written: list[Path], dump_yaml) -> None:
    """One file per article. Documents come grouped by article (a large one split over several),
    so one file is open at a time; the documents of one file are separated by ---."""
    taken: set[str] = set()
    current_key: object = object()
    with contextlib.ExitStack() as stack:
        handle = None
        for document in exporter.iter_documents(session):
            article = document.get("article")
            key = tuple(sorted((k, str(v)) for k, v in article.items())) if article else None
            if key == current_key:
                handle.write("---\n" + dump_yaml([document]))
                continue
            stack.close()
            current_key = key
            base = exporter.document_file_name(document)
            name, n = base, 2
            while name in taken:
                name = base.removesuffix(".yaml") + f"-{n}.yaml"
                n += 1
            taken.add(name)
            handle = stack.enter_context(_atomic(out / name, written))
            handle.write(dump_yaml([document]))
