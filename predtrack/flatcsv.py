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

import codecs
import csv
import gc
import marshal
import math
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from pathlib import Path
from typing import Callable, Iterable, Iterator

from predtrack.errors import InvalidValue
from predtrack.files import (
    PROBABILITY_KINDS,
    SOURCE_KINDS,
    TEXT_RULES,
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
from predtrack.values import check_email, check_evidence, check_text, check_url, shown

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
# Free-text columns and the key of files.TEXT_RULES they follow, so that a CSV cell and a YAML
# key are held to one rule (no control characters; one line and the column's width where it
# has one). A probability cell given in words is stored as the words.
TEXT_COLUMN_RULES = {
    "claim": "claim", "criteria": "criteria", "quote": "quote", "notes": "notes", "deadline": "deadline",
    "source": "source", "organisation": "organisation", "probability": "words", "words": "words",
    "resolution_note": "note", "resolved_by": "by",
    "title": "title", "outlet": "outlet", "author": "author", "seed": "seed", "article_notes": "notes",
}
TAG_SEPARATOR = ";"
NO_DEADLINE = "none"  # a deadline cell saying the prediction has no deadline
MAX_ERRORS = 1000  # kept with their text; beyond this only counted (a broken million-row file)

# What is staged for each row: one marshalled tuple in this order (marshal is the cheapest
# way through SQLite for a million rows: two bound values a row instead of thirty).
(
    _FILE, _LINE, _CLAIM, _CRITERIA, _DEADLINE, _DEADLINE_TEXT, _VAGUE, _TAGS, _OWNER, _NOTES,
    _SOURCE, _SOURCE_KIND, _ORGANISATION, _PROBABILITY, _KIND, _WORDS, _STATED, _QUOTE, _WITHDRAWN,
    _OUTCOME, _OUTCOME_VALUE, _RESOLVED, _EVIDENCE, _RESOLUTION_NOTE, _RESOLVED_BY, _RECORDED_AT, _SUPERSEDED_AT,
    _ARTICLE,
) = range(28)
_ARTICLE_FIELDS = ("url", "title", "outlet", "author", "published", "seed", "notes")
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
        self._db.execute("CREATE TABLE stage (rownum INTEGER PRIMARY KEY, prediction TEXT NOT NULL, data BLOB NOT NULL)")
        self._insert = "INSERT INTO stage (prediction, data) VALUES (?, ?)"
        from predtrack.values import ID_PATTERN

        self._id_pattern = ID_PATTERN
        # Cells repeat a lot (dates, tags, deadline phrases, outcomes): read each distinct one once.
        self._deadline_cache: dict[tuple[str, date], tuple[date | None, bool]] = {}
        self._tags_cache: dict[str, str] = {}
        self._outcome_cache: dict[str, tuple[str, float | None]] = {}
        self._date_cache: dict[str, date] = {}
        self._probability_cache: dict[str, tuple[float, str]] = {}
        self._accepted_cells: dict[str, set[str]] = {}  # per column: links and addresses already checked
        self._articles: dict[tuple, ArticleRecord | None] = {}  # one record per distinct article cells

    def __enter__(self) -> FlatCsvReader:
        # The cyclic garbage collector is paused while a reader is open: a million-row file makes
        # millions of short-lived tuples that it would scan again and again (an eighth of an
        # import's time, measured), and the rows and records built here form no cycles.
        self._gc_was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc) -> None:
        if self._gc_was_enabled:
            gc.enable()
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
        """Check each row of one file and stage it. `progress(n)` is told of each n bytes read."""
        path_text = str(path)
        self.paths.append(path_text)
        file_index = len(self.paths) - 1
        self.counts.files += 1
        try:
            handle = open(path, "rb")
        except OSError as exc:
            self.error(f"{path_text}:1: cannot read the file: {exc.strerror or exc}")
            return
        with handle:
            reader = csv.reader(_decoded_lines(handle, progress), strict=True)
            try:
                header = next(reader, None)
            except _NotUtf8 as exc:
                self.error(f"{path_text}:{exc.line}: {exc}")
                return
            except csv.Error as exc:
                self.error(f"{path_text}:1: malformed CSV: {exc}")
                return
            if header is None:
                self.error(f"{path_text}:1: empty file: expected a header row naming the columns, e.g. {', '.join(CORE_COLUMNS)}")
                return
            names = self._header(header, path_text)
            if names is None:
                return
            has_extra = any(name in EXTRA_COLUMNS for name in names)
            text_checks = self._text_checks(names)
            batch: list[tuple] = []
            start = reader.line_num + 1
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except _NotUtf8 as exc:
                    self.error(f"{path_text}:{exc.line}: {exc}; the rest of the file was not read")
                    break
                except csv.Error as exc:
                    self.error(f"{path_text}:{start}: malformed CSV: {exc}; the rest of the file was not read")
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
                    prediction, data = self._row(dict(zip(names, map(str.strip, cells))), has_extra, text_checks, file_index, line)
                except RowError as exc:
                    self.error(f"{path_text}:{line}: {exc}")
                    continue
                batch.append((prediction, marshal.dumps(data)))
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
        return names

    @staticmethod
    def _text_checks(names: Iterable[str]) -> list[tuple[str, int | None, bool]]:
        """(column, its width or None, multiline) for each free-text column of a header (files.TEXT_RULES)."""
        checks = []
        for name in names:
            key = TEXT_COLUMN_RULES.get(name)
            if key is not None:
                checks.append((name, *TEXT_RULES[key]))
        return checks

    def _row(self, v: dict[str, str], has_extra: bool, text_checks: list, file_index: int, line: int) -> tuple[str, tuple]:
        """Check one row (stripped cells by column name); return (prediction id, staged tuple) or raise RowError."""
        problems: list[str] = []
        prediction = v.get("prediction") or None
        if prediction is None:
            problems.append("prediction is empty: every row names the prediction id it belongs to")
        elif not self._id_pattern.fullmatch(prediction):
            try:
                check_id(prediction)
            except InvalidValue as exc:
                problems.append(str(exc))
        refused: set[str] = set()
        for column, max_length, multiline in text_checks:
            text = v.get(column)
            # A printable cell within its width passes check_text, so only the others pay for the
            # call (line breaks, tabs, and the rare characters check_text allows that are not
            # printable, such as a no-break space). Unlike links, no cell is remembered: this test
            # costs about what a set lookup would, and needs no memory for a million distinct quotes.
            if text and not (text.isprintable() and (max_length is None or len(text) <= max_length)):
                try:
                    check_text(column, text, max_length, multiline)
                except InvalidValue as exc:
                    problems.append(str(exc))
                    refused.add(column)
        extra = v if has_extra else {}
        published = stated = resolved = None
        if (text := (extra.get("published") or None)) is not None:
            published = self._date(text, "published", problems)
        if (text := (v.get("stated") or None)) is not None:
            stated = self._date(text, "stated", problems)
        if (text := (v.get("resolved") or None)) is not None:
            resolved = self._date(text, "resolved", problems)

        source = (v.get("source") or None)
        probability_cell = (v.get("probability") or None)
        probability = kind = words = None
        if source is not None or probability_cell is not None:
            if source is None:
                problems.append("probability given without a source: a forecast row needs both")
            if probability_cell is None:
                problems.append(f"source {shown(source)!r} given without a probability: a forecast row needs both")
            elif "probability" not in refused:
                probability, kind, words = self._probability(probability_cell, problems)
            if stated is None:
                stated = published
                if stated is None and source is not None:
                    problems.append("stated is empty: a forecast row needs the date the forecast was stated")
        source_kind = organisation = withdrawn = None
        if has_extra:
            words = (extra.get("words") or None) or words
            explicit_kind = (extra.get("probability_kind") or None)
            if explicit_kind is not None:
                if explicit_kind not in PROBABILITY_KINDS:
                    problems.append(str(InvalidValue("probability_kind", explicit_kind, "stated or inferred")))
                kind = explicit_kind
            source_kind = (extra.get("source_kind") or None)
            if source_kind is not None and source_kind not in SOURCE_KINDS:
                problems.append(str(InvalidValue("source_kind", source_kind, ", ".join(SOURCE_KINDS))))
            organisation = (extra.get("organisation") or None)
            withdrawn = self._moment(extra, "withdrawn_at", problems)

        outcome_cell = (v.get("outcome") or None)
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
            if resolved is None and (v.get("resolved") or None) is None:
                problems.append("resolved is empty: an outcome needs the date it became known")
        elif resolved is not None:
            problems.append("resolved given without an outcome")

        deadline_text = (v.get("deadline") or None)
        explicit_deadline = None
        if has_extra and (text := (extra.get("deadline_date") or None)) is not None:
            explicit_deadline = self._date(text, "deadline_date", problems)
        deadline_stated = deadline_text is not None or explicit_deadline is not None
        deadline = None
        vague = False
        if deadline_text is not None and (deadline_text.lower() == NO_DEADLINE or "deadline" in refused):
            deadline_text = None
        if deadline_text is not None:
            deadline, vague = self._deadline(deadline_text, stated or published or explicit_deadline, explicit_deadline, problems)
        if explicit_deadline is not None:
            deadline = explicit_deadline

        tags = None
        if (text := (v.get("tags") or None)) is not None:
            tags = self._tags_cache.get(text)
            if tags is None:
                try:
                    tags = "\x1f".join(clean_tags(text.split(TAG_SEPARATOR)))
                except InvalidValue as exc:
                    problems.append(f"{exc} (tags are separated by {TAG_SEPARATOR!r})")
                else:
                    if len(self._tags_cache) < 100_000:
                        self._tags_cache[text] = tags
        owner = notes = evidence = resolution_note = resolved_by = recorded_at = superseded_at = None
        article = None
        url = (v.get("url") or None)
        if url is not None:
            # The rules of `predtrack add --article / --owner` and `resolve --evidence`: a file
            # cannot store what the CLI refuses.
            self._check_cell("url", url, check_url, problems)
        if has_extra:
            owner = (extra.get("owner") or None)
            if owner is not None:
                self._check_cell("owner", owner, check_email, problems)
            notes = (extra.get("notes") or None)
            evidence = (extra.get("evidence") or None)
            if evidence is not None:
                links = evidence.split()
                for link in links:
                    self._check_cell("evidence", link, check_evidence, problems)
                evidence = " ".join(links)
            resolution_note = (extra.get("resolution_note") or None)
            resolved_by = (extra.get("resolved_by") or None)
            recorded_at = self._moment(extra, "recorded_at", problems)
            superseded_at = self._moment(extra, "superseded_at", problems)
            if superseded_at is not None and outcome_cell is None:
                problems.append("superseded_at given without an outcome: it marks an earlier resolution")
            fields = (url, (extra.get("title") or None), (extra.get("outlet") or None), (extra.get("author") or None),
                      published.isoformat() if published else None, (extra.get("seed") or None), (extra.get("article_notes") or None))
            if any(fields):
                article = fields
        elif url is not None:
            article = (url, None, None, None, None, None, None)
        if problems:
            raise RowError("; ".join(problems))
        return prediction, (
            file_index, line, (v.get("claim") or None), (v.get("criteria") or None),
            deadline.isoformat() if deadline else ("" if deadline_stated else None), deadline_text, vague, tags, owner, notes,
            source, source_kind, organisation, probability, kind, words,
            stated.isoformat() if stated and source else None, (v.get("quote") or None), withdrawn,
            outcome, outcome_value, resolved.isoformat() if resolved else None,
            evidence, resolution_note, resolved_by, recorded_at, superseded_at, article,
        )

    def _check_cell(self, column: str, text: str, check: Callable[[str, str], str], problems: list[str]) -> None:
        """check(column, text) on a stripped cell, each distinct cell once; a refusal goes into `problems`."""
        accepted = self._accepted_cells.setdefault(column, set())
        if text in accepted:
            return
        try:
            check(column, text)
        except InvalidValue as exc:
            problems.append(str(exc))
            return
        if len(accepted) < 100_000:
            accepted.add(text)

    def _deadline(self, text: str, reference: date | None, explicit: date | None, problems: list[str]) -> tuple[date | None, bool]:
        if reference is None:
            try:
                return date.fromisoformat(text), False
            except ValueError:
                problems.append(f"the deadline {text!r} is a phrase: it needs a stated or published date on the same row "
                                "to be read from (or give deadline_date)")
                return None, False
        key = (text, reference)
        reading = self._deadline_cache.get(key)
        if reading is None:
            try:
                reading = read_deadline(text, reference, self.horizons)
            except InvalidValue as exc:
                if explicit is None:
                    problems.append(f"{exc} (or give deadline_date)")
                return None, False
            if len(self._deadline_cache) < 100_000:
                self._deadline_cache[key] = reading
        return reading

    def _moment(self, cells: dict[str, str], name: str, problems: list[str]) -> str | None:
        text = cells.get(name) or None
        if text is None:
            return None
        try:
            return read_datetime(text, name).isoformat()
        except InvalidValue as exc:
            problems.append(str(exc))
            return None

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

    def prediction_count(self) -> int:
        return self._db.execute("SELECT COUNT(DISTINCT prediction) FROM stage").fetchone()[0]

    def records(self) -> Iterator[PredictionRecord]:
        """One record per prediction, in id order; problems spanning rows are added to `errors`."""
        self.counts.predictions = self.counts.forecasts = self.counts.resolutions = 0
        # No index: SQLite's sorter reads the table once, in order on disk, and merges sorted
        # runs; walking an index over shuffled rows would read the table at random instead.
        cursor = self._db.execute("SELECT prediction, data FROM stage ORDER BY prediction, rownum")
        loads = marshal.loads
        for prediction_id, rows in groupby(cursor, key=lambda row: row[0]):
            record = self._record(prediction_id, [loads(row[1]) for row in rows])
            if record is not None:
                self.counts.predictions += 1
                self.counts.forecasts += len(record.forecasts)
                self.counts.resolutions += len(record.history) + (record.resolution is not None)
                yield record

    def _place(self, row: tuple) -> str:
        return f"{self.paths[row[_FILE]]}:{row[_LINE]}"

    def _article(self, row: tuple, cache: dict) -> ArticleRecord | None:
        fields = row[_ARTICLE]
        if fields is None:
            return None
        article = cache.get(fields)
        if article is None:
            url, title, outlet, author, published, seed, notes = fields
            given = frozenset(name for name, value in zip(_ARTICLE_FIELDS, fields) if value)
            article = ArticleRecord(
                title=title, outlet=outlet, author=author, published=date.fromisoformat(published) if published else None,
                url=url, seed=seed, notes=notes, given=given, place=self._place(row),
            )
            if article.key() is None:
                article = None
            cache[fields] = article
        return article

    _SINGLE = (("claim", _CLAIM), ("criteria", _CRITERIA), ("owner", _OWNER), ("notes", _NOTES), ("deadline", _DEADLINE))

    def _single_values(self, prediction_id: str, record: PredictionRecord, row: tuple, seen_at: dict, given: set,
                       article_cache: dict) -> None:
        """Claim, deadline, criteria, owner, notes: the first row to give one sets it; later ones must agree."""
        for name, index in self._SINGLE:
            value = row[index]
            if value is None:
                continue
            first = seen_at.get(name)
            if first is not None:
                if first[index] != value:
                    self.error(f"{self._place(row)}: prediction {prediction_id}: {name} {value!r} differs from "
                               f"{first[index]!r} on line {first[_LINE]}")
                continue
            seen_at[name] = row
            given.add(name)
            if index == _DEADLINE:
                record.deadline = date.fromisoformat(value) if value else None
                record.deadline_text = row[_DEADLINE_TEXT]
                record.deadline_vague = row[_VAGUE]
            elif index == _CLAIM:
                record.claim = value
                article = self._article(row, article_cache)
                if article is not None:
                    record.article = article
                    given.add("article")
            else:
                setattr(record, name, value)

    def _record(self, prediction_id: str, rows: list[tuple]) -> PredictionRecord | None:
        errors_before = self.error_count
        record = PredictionRecord(id=prediction_id, place=self._place(rows[0]))
        given: set[str] = set()
        seen_at: dict[str, tuple] = {}
        article_cache = self._articles
        if len(article_cache) > 20_000:
            article_cache.clear()
        tags: list[str] | None = None
        forecasts_seen: dict[tuple[str, str], tuple] = {}
        forecast_rows: list[tuple] = []  # the row of each forecast, for the place of an error
        current: list[tuple[tuple, ResolutionRecord]] = []
        for row in rows:
            # Most rows of a large file only add a forecast: skip the per-field checks for them.
            if not (row[_CLAIM] is None and row[_DEADLINE] is None and row[_CRITERIA] is None
                    and row[_OWNER] is None and row[_NOTES] is None):
                self._single_values(prediction_id, record, row, seen_at, given, article_cache)
            if row[_TAGS] is not None:
                tags = tags if tags is not None else []
                for tag in row[_TAGS].split("\x1f"):
                    if tag and tag not in tags:
                        tags.append(tag)
            source = row[_SOURCE]
            if source is not None:
                key = (source, row[_STATED])
                first = forecasts_seen.get(key)
                if first is not None:
                    self.error(f"{self._place(row)}: prediction {prediction_id}: a second forecast by {source} stated {key[1]} "
                               f"(the first is on line {first[_LINE]}); a source has one forecast per prediction and day")
                    continue
                forecasts_seen[key] = row
                forecast_given = _FORECAST_GIVEN[(row[_QUOTE] is not None, row[_WORDS] is not None, row[_WITHDRAWN] is not None,
                                                  row[_ARTICLE] is not None)]
                record.forecasts.append(ForecastRecord(
                    source=source, probability=row[_PROBABILITY], kind=row[_KIND],
                    stated=date.fromisoformat(row[_STATED]), words=row[_WORDS], quote=row[_QUOTE],
                    source_kind=row[_SOURCE_KIND], organisation=row[_ORGANISATION],
                    article=self._article(row, article_cache) if row[_ARTICLE] is not None else None,
                    withdrawn=_moment(row[_WITHDRAWN]), given=forecast_given,
                ))
                forecast_rows.append(row)
            if row[_OUTCOME] is not None:
                resolution = ResolutionRecord(
                    outcome=row[_OUTCOME], outcome_value=row[_OUTCOME_VALUE], resolved=date.fromisoformat(row[_RESOLVED]),
                    evidence=(row[_EVIDENCE] or "").split(), note=row[_RESOLUTION_NOTE], by=row[_RESOLVED_BY],
                    recorded=_moment(row[_RECORDED_AT]), superseded=_moment(row[_SUPERSEDED_AT]), place=self._place(row),
                )
                url = row[_ARTICLE][0] if row[_ARTICLE] is not None else None
                if source is None and url and url not in resolution.evidence:
                    # On a resolution-only row the url is where the outcome can be checked.
                    resolution.evidence.append(url)
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
                               f"on line {row[_LINE]} (an earlier resolution needs superseded_at)")
                    continue
                for link in other.evidence:
                    if link not in resolution.evidence:
                        resolution.evidence.append(link)
                resolution.note = resolution.note or other.note
            record.resolution = resolution
        if record.deadline is not None:
            for forecast, row in zip(record.forecasts, forecast_rows):
                if forecast.stated > record.deadline:
                    self.error(f"{self._place(row)}: prediction {prediction_id}: forecast by {forecast.source} stated "
                               f"{forecast.stated.isoformat()}, after the deadline {record.deadline.isoformat()}")
        record.given = frozenset(given)
        if self.error_count > errors_before:
            return None
        return record


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# Which optional forecast fields a row states: (quote, words, withdrawn, article) -> names.
_FORECAST_GIVEN = {
    (quote, words, withdrawn, article): frozenset(
        ["kind"] + [name for name, present in (("quote", quote), ("words", words), ("withdrawn", withdrawn), ("article", article)) if present]
    )
    for quote in (False, True) for words in (False, True) for withdrawn in (False, True) for article in (False, True)
}


class _NotUtf8(Exception):
    def __init__(self, line: int, reason: str):
        self.line = line
        super().__init__(f"not UTF-8 text ({reason}): expected a CSV file saved as UTF-8")


def _decoded_lines(handle, progress: Callable[[int], None] | None) -> Iterator[str]:
    """Lines of a binary file decoded one by one, so that a bad byte is named by its line."""
    pending = 0
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _NotUtf8(number, exc.reason) from None
        if progress is not None:
            pending += len(raw)
            if pending >= 1 << 20:
                progress(pending)
                pending = 0
        yield line
    if progress is not None and pending:
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


