"""The flat CSV format: one forecast or resolution per row, read as a stream.

A file of a million rows is read without holding it in memory: each row is checked on its own
and written to a staging table in a temporary SQLite file (stdlib sqlite3, whatever database
predtrack itself uses); the rows of each prediction are then read back together, sorted by
prediction id, for the checks that span rows and to build one record per prediction.

Rules (docs/predictions-format.md has them with examples):
- A header is required. `prediction` is the only column every file needs; the others may be
  left out. An unknown column is an error naming the accepted ones.
- A row with `source` and `probability` is a forecast; a row with `outcome` and no `source` is a
  resolution alone; a row with both is a forecast and a resolution; a row with neither only
  describes the prediction.
- Several rows may name one prediction, in any order: its claim must appear on at least one of
  them (or the prediction already exist, which the import checks), and a claim, deadline,
  criteria, owner or notes given twice must agree; the other rows may leave them empty.
- An empty cell states nothing: it never clears what the database holds.
- `tags` are separated by `;`. `evidence` links are separated by spaces.
- Errors are `path:line: message`, the line of the row in the file (the header is line 1).
"""

from __future__ import annotations

import csv
import math
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Callable, Iterable, Iterator

from predtrack.errors import InvalidValue
from predtrack.files import (
    PROBABILITY_KINDS,
    SOURCE_KINDS,
    ArticleRecord,
    ForecastRecord,
    PredictionRecord,
    ResolutionRecord,
    check_id,
    clean_tags,
    read_datetime,
    read_deadline,
    read_outcome,
    read_probability,
)

CORE_COLUMNS = (
    "prediction", "claim", "deadline", "source", "probability", "stated",
    "outcome", "resolved", "tags", "criteria", "quote", "url",
)
EXTRA_COLUMNS = (
    "deadline_date", "owner", "notes",
    "source_kind", "organisation", "probability_kind", "words", "withdrawn_at",
    "evidence", "resolution_note", "resolved_by", "recorded_at", "superseded_at",
    "title", "outlet", "author", "published", "seed", "article_notes",
)
COLUMNS = CORE_COLUMNS + EXTRA_COLUMNS
TAG_SEPARATOR = ";"
NO_DEADLINE = "none"  # a deadline cell saying the prediction has no deadline
MAX_ERRORS = 1000  # kept with their text; beyond this only counted (a broken million-row file)

# Staging columns, in the order rows are written.
_STAGE = (
    "file", "line", "prediction", "claim", "criteria", "deadline", "deadline_text", "vague", "tags", "owner", "notes",
    "source", "source_kind", "organisation", "probability", "probability_kind", "words", "stated", "quote", "withdrawn",
    "outcome", "outcome_value", "resolved", "evidence", "resolution_note", "resolved_by", "recorded_at", "superseded_at",
    "url", "title", "outlet", "author", "published", "seed", "article_notes",
)
_I = {name: index for index, name in enumerate(_STAGE)}
_NUMERIC = {"vague": "INTEGER", "probability": "REAL", "outcome_value": "REAL", "file": "INTEGER", "line": "INTEGER"}
_BATCH = 5000


class RowError(Exception):
    """One problem with one cell; the reader adds the place."""


@dataclass
class Counts:
    files: int = 0
    rows: int = 0
    forecasts: int = 0
    resolutions: int = 0
    predictions: int = 0


class FlatCsvReader:
    """Reads flat CSV files into a staging table, then yields one PredictionRecord per prediction.

    Use as a context manager (the staging file is deleted on exit):

        with FlatCsvReader() as reader:
            reader.add_file(path)
            for record in reader.records():
                ...
            reader.errors  # every problem, `path:line: message`
    """

    def __init__(self, horizons: dict[str, str] | None = None, probability_words: dict[str, float] | None = None,
                 max_errors: int = MAX_ERRORS):
        self.horizons = horizons
        self.probability_words = probability_words
        self.max_errors = max_errors
        self.errors: list[str] = []
        self.error_count = 0
        self.counts = Counts()
        self.paths: list[str] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="predtrack-csv-")
        self._db = sqlite3.connect(os.path.join(self._tmp.name, "stage.sqlite"))
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("PRAGMA cache_size = -32000")
        columns = ", ".join(f"{name} {_NUMERIC.get(name, 'TEXT')}" for name in _STAGE)
        self._db.execute(f"CREATE TABLE stage (rownum INTEGER PRIMARY KEY, {columns})")
        self._insert = f"INSERT INTO stage ({', '.join(_STAGE)}) VALUES ({', '.join('?' * len(_STAGE))})"
        self._indexed = False
        # Cells repeat a lot (dates, tags, deadline phrases, outcomes): read each distinct one once.
        self._deadline_cache: dict[tuple[str, date], tuple[date | None, bool]] = {}
        self._tags_cache: dict[str, str] = {}
        self._outcome_cache: dict[str, tuple[str, float | None]] = {}
        self._date_cache: dict[str, date] = {}
        self._probability_cache: dict[str, tuple[float, str]] = {}

    def __enter__(self) -> FlatCsvReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        self._tmp.cleanup()

    def error(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(message)

    @property
    def all_errors(self) -> list[str]:
        """The errors kept, with a last line counting those that were not."""
        hidden = self.error_count - len(self.errors)
        return self.errors + ([f"... and {hidden} more errors"] if hidden > 0 else [])

    # --- pass 1: rows -------------------------------------------------------------------------

    def add_file(self, path: str | Path, progress: Callable[[int], None] | None = None) -> None:
        """Check each row of one file and stage it. `progress(n)` is told of each n characters read."""
        path_text = str(path)
        self.paths.append(path_text)
        file_index = len(self.paths) - 1
        self.counts.files += 1
        try:
            handle = open(path, encoding="utf-8-sig", newline="")
        except OSError as exc:
            self.error(f"{path_text}:1: cannot read the file: {exc.strerror or exc}")
            return
        with handle:
            lines = _counting(handle, progress) if progress else handle
            reader = csv.reader(lines)
            try:
                header = next(reader, None)
            except (csv.Error, UnicodeDecodeError) as exc:
                self.error(f"{path_text}:1: {_describe(exc)}")
                return
            if header is None:
                self.error(f"{path_text}:1: empty file: expected a header row naming the columns, e.g. {', '.join(CORE_COLUMNS)}")
                return
            positions = self._header(header, path_text)
            if positions is None:
                return
            batch: list[tuple] = []
            start = reader.line_num + 1
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except (csv.Error, UnicodeDecodeError) as exc:
                    self.error(f"{path_text}:{start}: {_describe(exc)}; the rest of the file was not read")
                    break
                line = start
                start = reader.line_num + 1
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                self.counts.rows += 1
                if len(cells) > len(header):
                    self.error(f"{path_text}:{line}: the row has {len(cells)} cells but the header names {len(header)} columns")
                    continue
                try:
                    batch.append(self._row(cells, positions, file_index, line))
                except RowError as exc:
                    self.error(f"{path_text}:{line}: {exc}")
                    continue
                if len(batch) >= _BATCH:
                    self._db.executemany(self._insert, batch)
                    batch.clear()
            if batch:
                self._db.executemany(self._insert, batch)

    def _header(self, header: list[str], path: str) -> dict[str, int] | None:
        names = [cell.strip().lower() for cell in header]
        unknown = [name for name in names if name not in COLUMNS]
        problems = []
        if unknown:
            problems.append(
                f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(u) for u in unknown)}: "
                f"the accepted columns are {', '.join(CORE_COLUMNS)} and, optionally, {', '.join(EXTRA_COLUMNS)} "
                "(the first row must be the header)"
            )
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            problems.append(f"column{'s' if len(duplicates) > 1 else ''} {', '.join(duplicates)} named twice")
        if "prediction" not in names and not unknown:
            problems.append("the header has no 'prediction' column (the prediction id of each row)")
        for problem in problems:
            self.error(f"{path}:1: {problem}")
        if problems:
            return None
        return {name: index for index, name in enumerate(names)}

    def _row(self, cells: list[str], positions: dict[str, int], file_index: int, line: int) -> tuple:
        count = len(cells)

        def cell(name: str) -> str | None:
            index = positions.get(name)
            if index is None or index >= count:
                return None
            value = cells[index].strip()
            return value or None

        problems: list[str] = []
        raw_id = cell("prediction")
        prediction = None
        if raw_id is None:
            problems.append("prediction is empty: every row names the prediction id it belongs to")
        else:
            try:
                prediction = check_id(raw_id)
            except InvalidValue as exc:
                problems.append(str(exc))
        stated = published = resolved = None
        if (text := cell("published")) is not None:
            published = self._date(text, "published", problems)
        if (text := cell("stated")) is not None:
            stated = self._date(text, "stated", problems)
        if (text := cell("resolved")) is not None:
            resolved = self._date(text, "resolved", problems)

        source = cell("source")
        probability_cell = cell("probability")
        probability = kind = words = None
        if source is not None or probability_cell is not None:
            if source is None:
                problems.append("probability given without a source: a forecast row needs both")
            if probability_cell is None:
                problems.append(f"source {source!r} given without a probability: a forecast row needs both")
            else:
                probability, kind, words = self._probability(probability_cell, problems)
            if stated is None:
                stated = published
                if stated is None and source is not None:
                    problems.append("stated is empty: a forecast row needs the date the forecast was stated")
        words = cell("words") or words
        explicit_kind = cell("probability_kind")
        if explicit_kind is not None:
            if explicit_kind not in PROBABILITY_KINDS:
                problems.append(str(InvalidValue("probability_kind", explicit_kind, "stated or inferred")))
            kind = explicit_kind
        source_kind = cell("source_kind")
        if source_kind is not None and source_kind not in SOURCE_KINDS:
            problems.append(str(InvalidValue("source_kind", source_kind, ", ".join(SOURCE_KINDS))))

        outcome_cell = cell("outcome")
        outcome = outcome_value = None
        if outcome_cell is not None:
            cached = self._outcome_cache.get(outcome_cell)
            if cached is None:
                try:
                    cached = read_outcome(outcome_cell)
                except InvalidValue as exc:
                    problems.append(str(exc))
                else:
                    self._outcome_cache[outcome_cell] = cached
            if cached is not None:
                outcome, outcome_value = cached
            if resolved is None and not any("resolved" in p for p in problems):
                problems.append("resolved is empty: an outcome needs the date it became known")
        elif resolved is not None:
            problems.append("resolved given without an outcome")

        deadline_text = cell("deadline")
        deadline = None
        vague = 0
        explicit_deadline = None
        if (text := cell("deadline_date")) is not None:
            explicit_deadline = self._date(text, "deadline_date", problems)
        deadline_stated = deadline_text is not None or explicit_deadline is not None
        if deadline_text is not None and deadline_text.lower() == NO_DEADLINE:
            deadline_text = None
        if deadline_text is not None:
            reference = stated or published or explicit_deadline
            if reference is None:
                try:
                    deadline = date.fromisoformat(deadline_text)
                except ValueError:
                    problems.append(
                        f"the deadline {deadline_text!r} is a phrase: it needs a stated or published date on the same row "
                        "to be read from (or give deadline_date)"
                    )
            else:
                key = (deadline_text, reference)
                reading = self._deadline_cache.get(key)
                if reading is None:
                    try:
                        reading = read_deadline(deadline_text, reference, self.horizons)
                    except InvalidValue as exc:
                        if explicit_deadline is None:
                            problems.append(f"{exc} (or give deadline_date)")
                        reading = (None, False)
                    else:
                        self._deadline_cache[key] = reading
                deadline, vague_flag = reading
                vague = int(vague_flag)
        if explicit_deadline is not None:
            deadline = explicit_deadline

        tags = None
        if (text := cell("tags")) is not None:
            tags = self._tags_cache.get(text)
            if tags is None:
                try:
                    tags = "\x1f".join(clean_tags(text.split(TAG_SEPARATOR)))
                except InvalidValue as exc:
                    problems.append(f"{exc} (tags are separated by {TAG_SEPARATOR!r})")
                else:
                    self._tags_cache[text] = tags
        owner = cell("owner")
        if owner is not None and ("@" not in owner or any(c.isspace() for c in owner)):
            problems.append(str(InvalidValue("owner", owner, "an email address such as jane@example.org")))
        evidence = cell("evidence")
        timestamps = {}
        for name in ("withdrawn_at", "recorded_at", "superseded_at"):
            if (text := cell(name)) is not None:
                try:
                    timestamps[name] = read_datetime(text, name).isoformat()
                except InvalidValue as exc:
                    problems.append(str(exc))
        if "superseded_at" in timestamps and outcome_cell is None:
            problems.append("superseded_at given without an outcome: it marks an earlier resolution")
        if problems:
            raise RowError("; ".join(problems))
        return (
            file_index, line, prediction, cell("claim"), cell("criteria"),
            deadline.isoformat() if deadline else ("" if deadline_stated else None), deadline_text, vague, tags, owner, cell("notes"),
            source, source_kind, cell("organisation"), probability, kind, words,
            stated.isoformat() if stated and source else None, cell("quote"), timestamps.get("withdrawn_at"),
            outcome, outcome_value, resolved.isoformat() if resolved else None,
            " ".join(evidence.split()) if evidence else None, cell("resolution_note"), cell("resolved_by"),
            timestamps.get("recorded_at"), timestamps.get("superseded_at"),
            cell("url"), cell("title"), cell("outlet"), cell("author"),
            published.isoformat() if published else None, cell("seed"), cell("article_notes"),
        )

    def _date(self, text: str, name: str, problems: list[str]) -> date | None:
        value = self._date_cache.get(text)
        if value is None:
            try:
                value = date.fromisoformat(text)
            except ValueError:
                problems.append(str(InvalidValue(name, text, "a date as YYYY-MM-DD, e.g. 2026-04-08")))
                return None
            if len(self._date_cache) < 100_000:
                self._date_cache[text] = value
        return value

    def _probability(self, text: str, problems: list[str]) -> tuple[float | None, str | None, str | None]:
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if math.isnan(number) or not 0.0 <= number <= 1.0:
                problems.append(str(InvalidValue("probability", text, "a number in [0, 1], a percentage such as 70%, or words such as 'likely'")))
                return None, None, None
            return number, "stated", None
        cached = self._probability_cache.get(text)
        if cached is None:
            try:
                cached = read_probability(text, self.probability_words)
            except InvalidValue as exc:
                problems.append(str(exc))
                return None, None, None
            self._probability_cache[text] = cached
        number, kind = cached
        return number, kind, (text if kind == "inferred" else None)

    # --- pass 2: predictions ------------------------------------------------------------------

    def _ensure_index(self) -> None:
        if not self._indexed:
            self._db.execute("CREATE INDEX stage_prediction ON stage (prediction, rownum)")
            self._indexed = True

    def prediction_count(self) -> int:
        self._ensure_index()
        return self._db.execute("SELECT COUNT(DISTINCT prediction) FROM stage").fetchone()[0]

    def records(self) -> Iterator[PredictionRecord]:
        """One record per prediction, in id order; problems spanning rows are added to `errors`."""
        self._ensure_index()
        self.counts.predictions = self.counts.forecasts = self.counts.resolutions = 0
        cursor = self._db.execute(f"SELECT {', '.join(_STAGE)} FROM stage ORDER BY prediction, rownum")
        prediction_index = _I["prediction"]
        for prediction_id, rows in groupby(cursor, key=lambda row: row[prediction_index]):
            record = self._record(prediction_id, list(rows))
            if record is not None:
                self.counts.predictions += 1
                self.counts.forecasts += len(record.forecasts)
                self.counts.resolutions += len(record.history) + (record.resolution is not None)
                yield record

    def _place(self, row: tuple) -> str:
        return f"{self.paths[row[0]]}:{row[1]}"

    def _article(self, row: tuple, cache: dict) -> ArticleRecord | None:
        fields = row[_I["url"]:_I["article_notes"] + 1]
        if not any(fields):
            return None
        article = cache.get(fields)
        if article is None:
            url, title, outlet, author, published, seed, notes = fields
            given = frozenset(name for name, value in zip(("url", "title", "outlet", "author", "published", "seed", "notes"), fields) if value)
            article = ArticleRecord(
                title=title, outlet=outlet, author=author, published=date.fromisoformat(published) if published else None,
                url=url, seed=seed, notes=notes, given=given, place=self._place(row),
            )
            if article.key() is None:
                article = None
            cache[fields] = article
        return article

    def _record(self, prediction_id: str, rows: list[tuple]) -> PredictionRecord | None:
        errors_before = self.error_count
        first = rows[0]
        record = PredictionRecord(id=prediction_id, place=self._place(first))
        given: set[str] = set()
        seen_at: dict[str, tuple] = {}
        article_cache: dict = {}
        tags: list[str] | None = None
        forecasts_seen: dict[tuple[str, str], tuple] = {}
        current: list[tuple] = []
        I = _I
        for row in rows:
            for name, attribute in (("claim", "claim"), ("criteria", "criteria"), ("owner", "owner"), ("notes", "notes"), ("deadline", "deadline")):
                value = row[I[name]]
                if value is None:
                    continue
                if name in seen_at:
                    if seen_at[name][I[name]] != value:
                        self.error(f"{self._place(row)}: prediction {prediction_id}: {name} {value!r} differs from "
                                   f"{seen_at[name][I[name]]!r} on line {seen_at[name][1]}")
                    continue
                seen_at[name] = row
                given.add(name)
                if name == "deadline":
                    record.deadline = date.fromisoformat(value) if value else None
                    record.deadline_text = row[I["deadline_text"]]
                    record.deadline_vague = bool(row[I["vague"]])
                else:
                    setattr(record, attribute, value)
                    if name == "claim":
                        article = self._article(row, article_cache)
                        if article is not None:
                            record.article = article
                            given.add("article")
            if row[I["tags"]] is not None:
                tags = tags or []
                for tag in row[I["tags"]].split("\x1f"):
                    if tag and tag not in tags:
                        tags.append(tag)
            source = row[I["source"]]
            if source is not None:
                key = (source, row[I["stated"]])
                if key in forecasts_seen:
                    self.error(f"{self._place(row)}: prediction {prediction_id}: a second forecast by {source} stated {key[1]} "
                               f"(the first is on line {forecasts_seen[key][1]}); a source has one forecast per prediction and day")
                    continue
                forecasts_seen[key] = row
                forecast_given = {"kind"}
                for name in ("quote", "words"):
                    if row[I[name]] is not None:
                        forecast_given.add(name)
                withdrawn = row[I["withdrawn"]]
                if withdrawn is not None:
                    forecast_given.add("withdrawn")
                article = self._article(row, article_cache)
                if article is not None:
                    forecast_given.add("article")
                record.forecasts.append(ForecastRecord(
                    source=source, probability=row[I["probability"]], kind=row[I["probability_kind"]],
                    stated=date.fromisoformat(row[I["stated"]]), words=row[I["words"]], quote=row[I["quote"]],
                    source_kind=row[I["source_kind"]], organisation=row[I["organisation"]], article=article,
                    withdrawn=_moment(withdrawn), given=frozenset(forecast_given), place=self._place(row),
                ))
            if row[I["outcome"]] is not None:
                resolution = ResolutionRecord(
                    outcome=row[I["outcome"]], outcome_value=row[I["outcome_value"]],
                    resolved=date.fromisoformat(row[I["resolved"]]),
                    evidence=(row[I["evidence"]] or "").split(), note=row[I["resolution_note"]], by=row[I["resolved_by"]],
                    recorded=_moment(row[I["recorded_at"]]), superseded=_moment(row[I["superseded_at"]]), place=self._place(row),
                )
                if source is None and row[I["url"]] and row[I["url"]] not in resolution.evidence:
                    # On a resolution-only row the url is where the outcome can be checked.
                    resolution.evidence.append(row[I["url"]])
                if resolution.superseded is not None:
                    record.history.append(resolution)
                else:
                    current.append((row, resolution))
        if tags is not None:
            record.tags = tags
            given.add("tags")
        if current:
            row, resolution = current[0]
            for other_row, other in current[1:]:
                if (other.outcome, other.resolved) != (resolution.outcome, resolution.resolved):
                    self.error(f"{self._place(other_row)}: prediction {prediction_id}: outcome {other.outcome} resolved "
                               f"{other.resolved.isoformat()} contradicts {resolution.outcome} resolved {resolution.resolved.isoformat()} "
                               f"on line {row[1]} (an earlier resolution needs superseded_at)")
                    continue
                for link in other.evidence:
                    if link not in resolution.evidence:
                        resolution.evidence.append(link)
                resolution.note = resolution.note or other.note
            record.resolution = resolution
        if record.deadline is not None:
            for forecast in record.forecasts:
                if forecast.stated > record.deadline:
                    self.error(f"{forecast.place}: prediction {prediction_id}: forecast by {forecast.source} stated "
                               f"{forecast.stated.isoformat()}, after the deadline {record.deadline.isoformat()}")
        record.given = frozenset(given)
        if self.error_count > errors_before:
            return None
        return record

    def check_all(self) -> None:
        """Run every check (for `predtrack check`): read all records and drop them."""
        for _record in self.records():
            pass


def _moment(text: str | None):
    if text is None:
        return None
    from datetime import datetime

    return datetime.fromisoformat(text)


def _describe(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text ({exc.reason}): expected a CSV file saved as UTF-8"
    return f"malformed CSV: {exc}"


def _counting(handle, progress: Callable[[int], None]) -> Iterator[str]:
    pending = 0
    for line in handle:
        pending += len(line)
        if pending >= 1 << 20:
            progress(pending)
            pending = 0
        yield line
    if pending:
        progress(pending)


def write_rows(rows: Iterable[dict[str, object]], handle, columns: tuple[str, ...] = COLUMNS) -> int:
    """Write rows (dicts keyed by column name) as flat CSV with a header; returns the number of rows."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(["" if row.get(name) is None else _cell(row[name]) for name in columns])
        count += 1
    return count


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return TAG_SEPARATOR.join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


