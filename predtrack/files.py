"""The predictions file format (YAML, and the same shape as JSON): load with `path:line` errors, dump.

One document per article: `article:` (optional) and `predictions:`. The format is described
with a complete example in docs/predictions-format.md.

Loading never stops at the first problem: every error is collected as `path:line: message`
(the line is 1-based). A file with errors yields no records, so an import can refuse it whole.

Which keys a record states matters: an import changes only what a file states. A key that is
present (even as `null`) is stated; a key that is absent leaves the database alone. So
`owner: null` clears an owner, while leaving `owner` out keeps the one recorded.

Pure: no database, no clock. Dates that phrases are read against come from the file itself
(the article's published date, a forecast's stated date).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from predtrack.errors import InvalidValue
from predtrack.values import COLUMN_LENGTHS, check_email, check_evidence, check_text, check_url, shown

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
CSV_SUFFIXES = (".csv",)
FILE_SUFFIXES = YAML_SUFFIXES + JSON_SUFFIXES + CSV_SUFFIXES

SOURCE_KINDS = ("person", "organisation", "outlet", "unknown")
PROBABILITY_KINDS = ("stated", "inferred")
OUTCOME_ACCEPTED = "yes, no, ambiguous, annulled, or a number in [0, 1]"

TOP_KEYS = ("article", "predictions")
ARTICLE_KEYS = ("title", "outlet", "author", "published", "url", "seed", "notes")
PREDICTION_KEYS = (
    "id", "claim", "criteria", "deadline", "deadline_date", "deadline_note", "tags", "owner", "notes",
    "forecasts", "resolution", "resolution_history",
)
FORECAST_KEYS = (
    "source", "source_kind", "organisation", "probability", "kind", "words", "stated", "quote", "article", "withdrawn",
)
RESOLUTION_KEYS = ("outcome", "resolved", "evidence", "note", "by", "recorded")
HISTORY_KEYS = RESOLUTION_KEYS + ("superseded",)

# How each free-text key is checked (values.check_text), the same on SQLite and PostgreSQL:
# the width of the column that holds it (None: a TEXT column, unbounded) and whether it may
# span lines. Names (of sources, outlets, authors, resolvers, seed files) and deadline phrases
# are one line; titles and probability words are copied from an article, where a line may
# wrap, so they keep tabs and line breaks. The flat CSV reads its columns by the same rules.
# Ids, tags, links, addresses, dates, probabilities, outcomes and kinds have rules of their own.
TEXT_RULES: dict[str, tuple[int | None, bool]] = {
    "title": (None, True),
    "outlet": (COLUMN_LENGTHS["article.outlet"], False),
    "author": (COLUMN_LENGTHS["article.author"], False),
    "seed": (COLUMN_LENGTHS["article.seed"], False),
    "notes": (None, True),
    "claim": (None, True),
    "criteria": (None, True),
    "deadline": (None, False),
    "deadline_note": (None, True),
    "source": (COLUMN_LENGTHS["source.name"], False),
    "organisation": (COLUMN_LENGTHS["source.name"], False),
    "words": (COLUMN_LENGTHS["forecast.probability_text"], True),
    "quote": (None, True),
    "note": (None, True),
    "by": (COLUMN_LENGTHS["resolution.recorded_by"], False),
}


def _label(value: Any) -> str:
    """A name as the place of an error shows it: as written when short and printable, else quoted
    and cut, so that a refused id or source name does not put a NUL or 2,000 characters on the terminal."""
    text = str(value)
    return text if text.isprintable() and len(text) <= 80 else repr(shown(text))


def check_text_key(key: str, text: str) -> str:
    """`text` checked by the rule of `key` in TEXT_RULES; InvalidValue naming the key otherwise."""
    max_length, multiline = TEXT_RULES[key]
    return check_text(key, text, max_length, multiline)


# An imported deadline note is kept in the prediction's notes as its last paragraph, so that
# it survives the database (which has no column for it) and comes back out on export.
DEADLINE_NOTE_PREFIX = "Deadline: "


# --- records: what a file says, ready to apply ---------------------------------------------------


@dataclass(slots=True)
class ArticleRecord:
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: date | None = None
    url: str | None = None
    seed: str | None = None
    notes: str | None = None
    given: frozenset[str] = frozenset()
    place: str = ""

    def key(self) -> tuple | None:
        """How the article is recognised in the database: by url, else seed file, else title and date."""
        if self.url:
            return ("url", self.url)
        if self.seed:
            return ("seed", self.seed)
        if self.title:
            return ("title", self.title, self.published)
        return None


@dataclass(slots=True)
class ForecastRecord:
    source: str
    probability: float
    kind: str
    stated: date
    words: str | None = None
    quote: str | None = None
    source_kind: str | None = None
    organisation: str | None = None
    article: ArticleRecord | None = None
    withdrawn: datetime | None = None
    given: frozenset[str] = frozenset()
    place: str = ""


@dataclass(slots=True)
class ResolutionRecord:
    outcome: str
    outcome_value: float | None
    resolved: date
    evidence: list[str] = field(default_factory=list)
    note: str | None = None
    by: str | None = None
    recorded: datetime | None = None
    superseded: datetime | None = None
    place: str = ""


@dataclass(slots=True)
class PredictionRecord:
    id: str
    place: str
    given: frozenset[str] = frozenset()
    claim: str | None = None
    criteria: str | None = None
    deadline: date | None = None
    deadline_text: str | None = None
    deadline_vague: bool = False
    notes: str | None = None
    owner: str | None = None
    tags: list[str] | None = None
    article: ArticleRecord | None = None
    forecasts: list[ForecastRecord] = field(default_factory=list)
    resolution: ResolutionRecord | None = None
    history: list[ResolutionRecord] = field(default_factory=list)


@dataclass
class Loaded:
    """What a set of predictions files holds, or the errors that keep it from being imported."""

    predictions: list[PredictionRecord] = field(default_factory=list)
    articles: list[ArticleRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: int = 0


# --- shared value readers (also used by the flat CSV reader) ------------------------------------


def check_id(value: Any) -> str:
    """A prediction id, by the same rule as `predtrack add --id`."""
    from predtrack.values import check_id as check_id_value

    return check_id_value(value if isinstance(value, str) else str(value))


def clean_tags(values: Iterable[Any]) -> list[str]:
    """Tags lower-cased, without duplicates, in the order given (the rule of `predtrack add --tag`)."""
    from predtrack.values import clean_tags as clean_tag_values

    return clean_tag_values(str(v) for v in values)


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_date(value: Any, field_name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidValue(field_name, value, "a date as YYYY-MM-DD, e.g. 2026-04-08")


def read_datetime(value: Any, field_name: str) -> datetime:
    """An ISO date-time; one without a zone is taken as UTC."""
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                          value.microsecond, tzinfo=value.tzinfo)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise InvalidValue(field_name, value, "a date and time as YYYY-MM-DDTHH:MM:SS+00:00")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def read_outcome(value: Any) -> tuple[str, float | None]:
    """(text, value) of an outcome; `yes` -> ("yes", 1.0), 0.3 -> ("0.3", 0.3)."""
    from predtrack.values import parse_outcome

    return parse_outcome(value)


def read_probability(value: Any, probability_words: dict[str, float] | None = None) -> tuple[float, str]:
    """(probability, stated|inferred) from a number in [0, 1], a percentage, or words such as 'likely'."""
    if isinstance(value, bool):
        raise InvalidValue("probability", value, "a number in [0, 1], a percentage such as 70%, or words such as 'likely'")
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isnan(number) or not 0.0 <= number <= 1.0:
            raise InvalidValue("probability", value, "a number in [0, 1], a percentage such as 70%, or words such as 'likely'")
        return number, "stated"
    from predtrack.likelihood import parse_probability_value

    return parse_probability_value(str(value), probability_words)


def read_deadline(text: str, reference: date, horizons: dict[str, str] | None) -> tuple[date | None, bool]:
    """(deadline, vague) for a phrase such as 'by Q2 2027', read as of `reference`; raises InvalidValue."""
    try:
        return date.fromisoformat(text), False
    except ValueError:
        pass
    from predtrack.when import parse_deadline_value

    reading = parse_deadline_value(text, reference, horizons)
    return reading.deadline, bool(reading.vague)


def join_notes(notes: str | None, deadline_note: str | None) -> str | None:
    """The notes as stored: the deadline note becomes the last paragraph."""
    if not deadline_note:
        return notes
    paragraph = DEADLINE_NOTE_PREFIX + deadline_note.strip()
    return f"{notes.rstrip()}\n\n{paragraph}" if notes else paragraph


def split_notes(stored: str | None) -> tuple[str | None, str | None]:
    """The inverse of `join_notes`: (notes, deadline_note)."""
    if not stored:
        return stored, None
    head, sep, last = stored.rpartition("\n\n")
    candidate = last if sep else stored
    if candidate.startswith(DEADLINE_NOTE_PREFIX):
        return (head if sep else None), candidate[len(DEADLINE_NOTE_PREFIX):]
    return stored, None


# --- the YAML reader ----------------------------------------------------------------------------


class _Reader:
    """Walks one file's documents, collecting errors with their lines."""

    def __init__(self, path: str, horizons: dict[str, str] | None, probability_words: dict[str, float] | None):
        self.path = path
        self.horizons = horizons
        self.probability_words = probability_words
        self.errors: list[str] = []

    def place(self, line: int) -> str:
        return f"{self.path}:{line + 1}"

    def error(self, line: int, message: str) -> None:
        self.errors.append(f"{self.place(line)}: {message}")

    # lines: ruamel keeps (line, column) for keys, values and sequence items, 0-based.
    @staticmethod
    def key_line(mapping: Any, key: str, default: int) -> int:
        try:
            return mapping.lc.key(key)[0]
        except (AttributeError, KeyError, TypeError):
            return default

    @staticmethod
    def value_line(mapping: Any, key: str, default: int) -> int:
        try:
            return mapping.lc.value(key)[0]
        except (AttributeError, KeyError, TypeError):
            return default

    @staticmethod
    def item_line(sequence: Any, index: int, default: int) -> int:
        try:
            return sequence.lc.item(index)[0]
        except (AttributeError, KeyError, TypeError, IndexError):
            return default

    @staticmethod
    def node_line(node: Any, default: int) -> int:
        try:
            return node.lc.line
        except AttributeError:
            return default

    def check_keys(self, mapping: dict, accepted: tuple[str, ...], what: str, line: int) -> None:
        for key in mapping:
            if key not in accepted:
                self.error(self.key_line(mapping, key, line),
                           f"unknown key {key!r} in {what}: expected one of {', '.join(accepted)}")

    def text(self, mapping: dict, key: str, line: int, what: str, required: bool = False) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                where = self.value_line(mapping, key, line) if key in mapping else line
                self.error(where, f"{what}: {key} is required" + (" and must not be empty" if key in mapping else ""))
            return None
        if isinstance(value, (dict, list)):
            self.error(self.value_line(mapping, key, line), f"{what}: {key} must be text, not a {type(value).__name__}")
            return None
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        text = str(value).strip()
        if not text:
            if required:
                self.error(self.value_line(mapping, key, line), f"{what}: {key} must not be empty")
            return None
        if key in TEXT_RULES:
            return self.checked(mapping, key, line, what, text, check_text_key)
        return text

    def checked(self, mapping: dict, key: str, line: int, what: str, text: str, check) -> str:
        """check(key, text) -> the cleaned text, with its InvalidValue reported at the value's line.

        A refused text is returned as given: the file yields nothing anyway, and later checks
        (an article needs a url, title or seed) should not report it a second time as missing.
        """
        try:
            return check(key, text)
        except InvalidValue as exc:
            self.error(self.value_line(mapping, key, line), f"{what}: {exc}")
            return text

    def value(self, mapping: dict, key: str, line: int, reader, what: str):
        """reader(value) -> result, with its InvalidValue reported at the value's line."""
        try:
            return reader(mapping[key])
        except InvalidValue as exc:
            self.error(self.value_line(mapping, key, line), f"{what}: {exc}")
            return None

    # -- documents

    def document(self, data: Any, line: int, loaded: Loaded) -> None:
        if data is None:
            self.error(line, "empty document: expected the keys article and predictions")
            return
        if not isinstance(data, dict):
            self.error(self.node_line(data, line), f"expected a mapping with the keys {', '.join(TOP_KEYS)}, not a {type(data).__name__}")
            return
        self.check_keys(data, TOP_KEYS, "the document", line)
        article = None
        if data.get("article") is not None:
            article = self.article(data["article"], self.value_line(data, "article", line), "article")
            if article is not None:
                loaded.articles.append(article)
        if "predictions" not in data:
            self.error(line, "predictions is required (a list, possibly empty)")
            return
        predictions = data["predictions"]
        if predictions is None:
            return
        if not isinstance(predictions, list):
            self.error(self.value_line(data, "predictions", line), "predictions must be a list of predictions")
            return
        for index, item in enumerate(predictions):
            record = self.prediction(item, self.item_line(predictions, index, line), article)
            if record is not None:
                loaded.predictions.append(record)

    def article(self, data: Any, line: int, what: str) -> ArticleRecord | None:
        if not isinstance(data, dict):
            self.error(line, f"{what} must be a mapping with the keys {', '.join(ARTICLE_KEYS)}")
            return None
        self.check_keys(data, ARTICLE_KEYS, what, line)
        record = ArticleRecord(place=self.place(line), given=frozenset(k for k in data if k in ARTICLE_KEYS))
        for key in ("title", "outlet", "author", "url", "seed", "notes"):
            setattr(record, key, self.text(data, key, line, what))
        if record.url is not None:
            # The rule of `predtrack add --article`, so that a file cannot store what the CLI refuses.
            record.url = self.checked(data, "url", line, what, record.url, check_url)
        if data.get("published") is not None:
            record.published = self.value(data, "published", line, lambda v: read_date(v, "published"), what)
        if record.key() is None:
            self.error(line, f"{what}: give at least one of title, url or seed, so the article can be recognised")
            return None
        return record

    def prediction(self, data: Any, line: int, article: ArticleRecord | None) -> PredictionRecord | None:
        if not isinstance(data, dict):
            self.error(line, f"a prediction must be a mapping with the keys {', '.join(PREDICTION_KEYS)}")
            return None
        errors_before = len(self.errors)
        self.check_keys(data, PREDICTION_KEYS, "prediction", line)
        raw_id = data.get("id")
        pid = None
        if raw_id is None:
            self.error(line, "prediction: id is required")
        else:
            pid = self.value(data, "id", line, check_id, "prediction")
        what = f"prediction {pid or (_label(raw_id) if raw_id else '(no id)')}"
        given = {"claim", "deadline"}
        given.update(k for k in ("criteria", "owner", "notes", "tags") if k in data)
        if "deadline_note" in data:
            given.add("notes")
        record = PredictionRecord(id=pid or "", place=self.place(line), article=article)
        if article is not None:
            given.add("article")
        record.claim = self.text(data, "claim", line, what, required=True)
        record.criteria = self.text(data, "criteria", line, what)
        record.notes = join_notes(self.text(data, "notes", line, what), self.text(data, "deadline_note", line, what))
        owner = self.text(data, "owner", line, what)
        if owner is not None:
            owner = self.checked(data, "owner", line, what, owner, check_email)
        record.owner = owner
        if "tags" in data:
            tags = data["tags"]
            if tags is None:
                record.tags = []
            elif isinstance(tags, list):
                record.tags = self.value(data, "tags", line, clean_tags, what) or []
            else:
                self.error(self.value_line(data, "tags", line), f"{what}: tags must be a list, e.g. [meta, coding]")
        record.forecasts = self.forecasts(data, line, what, article)
        if data.get("resolution") is not None:
            record.resolution = self.resolution(data["resolution"], self.value_line(data, "resolution", line), what, history=False)
        if data.get("resolution_history") is not None:
            entries = data["resolution_history"]
            if not isinstance(entries, list):
                self.error(self.value_line(data, "resolution_history", line), f"{what}: resolution_history must be a list")
            else:
                for index, entry in enumerate(entries):
                    item = self.resolution(entry, self.item_line(entries, index, line), what, history=True)
                    if item is not None:
                        record.history.append(item)
        self.deadline(data, line, what, record, article)
        for forecast in record.forecasts:
            if record.deadline is not None and forecast.stated > record.deadline:
                self.error(int(forecast.place.rsplit(":", 1)[1]) - 1,
                           f"{what}: forecast by {forecast.source} stated {forecast.stated.isoformat()}, after the deadline {record.deadline.isoformat()}")
        record.given = frozenset(given)
        if len(self.errors) > errors_before:
            return None
        return record

    def deadline(self, data: dict, line: int, what: str, record: PredictionRecord, article: ArticleRecord | None) -> None:
        if "deadline" not in data:
            self.error(line, f"{what}: deadline is required (a phrase such as 'by Q2 2027', a date, or null for no deadline)")
            return
        explicit = None
        if data.get("deadline_date") is not None:
            explicit = self.value(data, "deadline_date", line, lambda v: read_date(v, "deadline_date"), what)
        raw = data.get("deadline")
        if raw is None:
            record.deadline = explicit
            return
        if isinstance(raw, (dict, list)):
            self.error(self.value_line(data, "deadline", line), f"{what}: deadline must be a phrase or a date")
            return
        text = raw.isoformat() if isinstance(raw, (date, datetime)) else str(raw).strip()
        try:
            check_text_key("deadline", text)
        except InvalidValue as exc:
            self.error(self.value_line(data, "deadline", line), f"{what}: {exc}")
            return
        record.deadline_text = text
        reference = article.published if article is not None and article.published else None
        if reference is None and record.forecasts:
            reference = min(f.stated for f in record.forecasts)
        if reference is None and explicit is None:
            reference = _iso_date(text)  # a date itself needs nothing to be read from
        if reference is None and explicit is None:
            self.error(self.value_line(data, "deadline", line),
                       f"{what}: the deadline phrase {text!r} needs a date to be read from: give deadline_date, the article's published date, or a forecast")
            return
        try:
            reading, vague = read_deadline(text, reference or explicit, self.horizons)
        except InvalidValue as exc:
            if explicit is None:
                self.error(self.value_line(data, "deadline", line), f"{what}: {exc} (or give deadline_date)")
                return
            reading, vague = None, False
        record.deadline = explicit if explicit is not None else reading
        record.deadline_vague = vague

    def forecasts(self, data: dict, line: int, what: str, article: ArticleRecord | None) -> list[ForecastRecord]:
        items = data.get("forecasts")
        if items is None:
            return []
        if not isinstance(items, list):
            self.error(self.value_line(data, "forecasts", line), f"{what}: forecasts must be a list")
            return []
        records: list[ForecastRecord] = []
        seen: dict[tuple[str, date], int] = {}
        for index, item in enumerate(items):
            item_line = self.item_line(items, index, line)
            record = self.forecast(item, item_line, what, article)
            if record is None:
                continue
            key = (record.source, record.stated)
            if key in seen:
                self.error(item_line, f"{what}: a second forecast by {record.source} stated {record.stated.isoformat()} "
                                      f"(the first is on line {seen[key] + 1}); a source has one forecast per prediction and day")
                continue
            seen[key] = item_line
            records.append(record)
        return records

    def forecast(self, data: Any, line: int, what: str, article: ArticleRecord | None) -> ForecastRecord | None:
        if not isinstance(data, dict):
            self.error(line, f"{what}: a forecast must be a mapping with the keys {', '.join(FORECAST_KEYS)}")
            return None
        errors_before = len(self.errors)
        self.check_keys(data, FORECAST_KEYS, "forecast", line)
        source = self.text(data, "source", line, f"{what}, forecast", required=True)
        what = f"{what}, forecast by {_label(source)}" if source else f"{what}, forecast"
        source_kind = self.text(data, "source_kind", line, what)
        if source_kind is not None and source_kind not in SOURCE_KINDS:
            self.error(self.value_line(data, "source_kind", line), f"{what}: {InvalidValue('source_kind', source_kind, ', '.join(SOURCE_KINDS))}")
        organisation = self.text(data, "organisation", line, what)
        words = self.text(data, "words", line, what)
        probability = kind = None
        if data.get("probability") is None:
            self.error(line, f"{what}: probability is required (a number in [0, 1] or words such as 'likely')")
        else:
            result = self.value(data, "probability", line, lambda v: read_probability(v, self.probability_words), what)
            if result is not None:
                probability, kind = result
                if isinstance(data["probability"], str) and words is None and kind == "inferred":
                    # The words are stored as given: they meet the rule of a `words` key.
                    words = self.checked(data, "probability", line, what, data["probability"].strip(),
                                         lambda key, text: check_text(key, text, *TEXT_RULES["words"]))
        explicit_kind = self.text(data, "kind", line, what)
        if explicit_kind is not None:
            if explicit_kind not in PROBABILITY_KINDS:
                self.error(self.value_line(data, "kind", line), f"{what}: {InvalidValue('kind', explicit_kind, 'stated or inferred')}")
            kind = explicit_kind
        stated = None
        if data.get("stated") is not None:
            stated = self.value(data, "stated", line, lambda v: read_date(v, "stated"), what)
        elif article is not None and article.published is not None:
            stated = article.published
        else:
            self.error(line, f"{what}: stated is required when the article has no published date")
        forecast_article = article
        if "article" in data:
            # `article: null` says the forecast was stated in no known article.
            forecast_article = None
            if data["article"] is not None:
                forecast_article = self.article(data["article"], self.value_line(data, "article", line), f"{what}: article")
        withdrawn = None
        if data.get("withdrawn") is not None:
            withdrawn = self.value(data, "withdrawn", line, lambda v: read_datetime(v, "withdrawn"), what)
        quote = self.text(data, "quote", line, what)
        if len(self.errors) > errors_before:
            return None
        given = {"quote", "words", "kind"}
        if forecast_article is not None or "article" in data:
            given.add("article")
        if "withdrawn" in data:
            given.add("withdrawn")
        return ForecastRecord(
            source=source, probability=probability, kind=kind, stated=stated, words=words,
            quote=quote, source_kind=source_kind, organisation=organisation,
            article=forecast_article, withdrawn=withdrawn, given=frozenset(given), place=self.place(line),
        )

    def resolution(self, data: Any, line: int, what: str, history: bool) -> ResolutionRecord | None:
        keys = HISTORY_KEYS if history else RESOLUTION_KEYS
        label = f"{what}, {'resolution_history entry' if history else 'resolution'}"
        if not isinstance(data, dict):
            self.error(line, f"{label} must be a mapping with the keys {', '.join(keys)}")
            return None
        errors_before = len(self.errors)
        self.check_keys(data, keys, "resolution_history entry" if history else "resolution", line)
        outcome = None
        if data.get("outcome") is None:
            self.error(line, f"{label}: outcome is required ({OUTCOME_ACCEPTED})")
        else:
            outcome = self.value(data, "outcome", line, read_outcome, label)
        resolved = None
        if data.get("resolved") is None:
            self.error(line, f"{label}: resolved is required (the date the outcome became known)")
        else:
            resolved = self.value(data, "resolved", line, lambda v: read_date(v, "resolved"), label)
        evidence: list[str] = []
        raw_evidence = data.get("evidence")
        if isinstance(raw_evidence, list):
            for index, item in enumerate(raw_evidence):
                if item is None or not str(item).strip():
                    continue
                try:
                    evidence.append(check_evidence("evidence", str(item)))
                except InvalidValue as exc:
                    self.error(self.item_line(raw_evidence, index, self.value_line(data, "evidence", line)), f"{label}: {exc}")
        elif isinstance(raw_evidence, str) and raw_evidence.strip():
            evidence = [self.checked(data, "evidence", line, label, raw_evidence, check_evidence)]
        elif raw_evidence is not None:
            self.error(self.value_line(data, "evidence", line), f"{label}: evidence must be a list of links")
        recorded = superseded = None
        if data.get("recorded") is not None:
            recorded = self.value(data, "recorded", line, lambda v: read_datetime(v, "recorded"), label)
        if history:
            if data.get("superseded") is None:
                self.error(line, f"{label}: superseded is required (when this resolution was replaced)")
            else:
                superseded = self.value(data, "superseded", line, lambda v: read_datetime(v, "superseded"), label)
        note, by = self.text(data, "note", line, label), self.text(data, "by", line, label)
        if len(self.errors) > errors_before:
            return None
        return ResolutionRecord(
            outcome=outcome[0], outcome_value=outcome[1], resolved=resolved, evidence=evidence, note=note, by=by,
            recorded=recorded, superseded=superseded, place=self.place(line),
        )


def _yaml_loader():
    from ruamel.yaml import YAML

    # The round-trip loader keeps line numbers; it reads YAML 1.2, where `yes` and `no` stay words.
    return YAML(typ="rt", pure=True)


def load_text(text: str, path: str, loaded: Loaded | None = None, horizons: dict[str, str] | None = None,
              probability_words: dict[str, float] | None = None) -> Loaded:
    """Read one YAML or JSON text (one or more documents; a JSON list holds several)."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    loaded = loaded if loaded is not None else Loaded()
    loaded.files += 1
    reader = _Reader(path, horizons, probability_words)
    found = Loaded()
    try:
        documents = list(_yaml_loader().load_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line if mark is not None else 0
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        loaded.errors.append(f"{path}:{line + 1}: malformed YAML: {problem or exc}")
        return loaded
    except YAMLError as exc:
        loaded.errors.append(f"{path}:1: malformed YAML: {exc}")
        return loaded
    if not documents or all(d is None for d in documents):
        loaded.errors.append(f"{path}:1: empty file: expected the keys article and predictions")
        return loaded
    for document in documents:
        if isinstance(document, list):
            # A JSON export: a list of documents.
            for index, item in enumerate(document):
                reader.document(item, reader.item_line(document, index, 0), found)
        else:
            reader.document(document, 0, found)
    loaded.errors.extend(reader.errors)
    if not reader.errors:
        loaded.predictions.extend(found.predictions)
        loaded.articles.extend(found.articles)
    return loaded


def load_file(path: Path, loaded: Loaded | None = None, horizons: dict[str, str] | None = None,
              probability_words: dict[str, float] | None = None) -> Loaded:
    loaded = loaded if loaded is not None else Loaded()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        loaded.files += 1
        loaded.errors.append(f"{path}:1: cannot read the file: {exc.strerror or exc}")
        return loaded
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        loaded.files += 1
        line = raw[: exc.start].count(b"\n") + 1
        loaded.errors.append(f"{path}:{line}: not UTF-8 text (byte {exc.start}): expected a YAML or JSON predictions file")
        return loaded
    return load_text(text, str(path), loaded, horizons, probability_words)


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Files named, and the predictions files (.yaml .yml .json .csv) inside folders, recursively, sorted."""
    files: list[Path] = []
    errors: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FILE_SUFFIXES)
            files.extend(found)
        elif path.is_file():
            if path.suffix.lower() not in FILE_SUFFIXES:
                errors.append(f"{path}:1: not a predictions file: expected a name ending in {', '.join(FILE_SUFFIXES)}")
            else:
                files.append(path)
        else:
            errors.append(f"{path}:1: no such file or folder")
    unique: list[Path] = []
    seen: set[Path] = set()
    for file in files:
        resolved = file.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(file)
    return unique, errors


def load_paths(paths: Iterable[Path], horizons: dict[str, str] | None = None,
               probability_words: dict[str, float] | None = None) -> Loaded:
    """Load YAML/JSON files; ids must be unique across all of them."""
    loaded = Loaded()
    for path in paths:
        load_file(Path(path), loaded, horizons, probability_words)
    first: dict[str, str] = {}
    unique: list[PredictionRecord] = []
    for record in loaded.predictions:
        if record.id in first:
            loaded.errors.append(f"{record.place}: duplicate prediction id {record.id!r}: already used at {first[record.id]}")
        else:
            first[record.id] = record.place
            unique.append(record)
    loaded.predictions = unique
    return loaded


def iter_chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- dumping ------------------------------------------------------------------------------------


def _flow_list(items: list[Any]):
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _yaml_ready(value: Any, key: str | None = None) -> Any:
    """Plain data to what ruamel writes nicely: tags as [a, b], long text folded, datetimes ISO."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, dict):
        return {k: _yaml_ready(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_yaml_ready(v) for v in value]
        if key == "tags":
            return _flow_list(items)
        return items
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


def dump_yaml(documents: list[dict[str, Any]]) -> str:
    """YAML text for documents in the predictions format (several are separated by ---)."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="rt", pure=True)
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.explicit_start = len(documents) > 1
    yaml.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    out = io.StringIO()
    yaml.dump_all([_yaml_ready(d) for d in documents], out)
    return out.getvalue()


def dump_json(documents: list[dict[str, Any]]) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")

    return json.dumps(documents, indent=2, ensure_ascii=False, default=default) + "\n"


# --- checking a set of paths (YAML, JSON and flat CSV) -------------------------------------------


@dataclass
class CheckResult:
    files: int = 0
    predictions: int = 0
    forecasts: int = 0
    resolutions: int = 0
    errors: list[str] = field(default_factory=list)


def is_csv(path: Path) -> bool:
    return path.suffix.lower() in CSV_SUFFIXES


def check_paths(paths: Iterable[str | Path], horizons: dict[str, str] | None = None,
                probability_words: dict[str, float] | None = None) -> CheckResult:
    """Every error in the files and folders named, without a database.

    What only the database can tell is left to the import: whether a CSV prediction that no row
    gives a claim for already exists, and whether a resolution contradicts a recorded one.
    """
    from predtrack.flatcsv import FlatCsvReader

    files, errors = expand_paths(paths)
    result = CheckResult(files=len(files), errors=errors)
    loaded = load_paths([f for f in files if not is_csv(f)], horizons, probability_words)
    result.errors.extend(loaded.errors)
    result.predictions = len(loaded.predictions)
    result.forecasts = sum(len(p.forecasts) for p in loaded.predictions)
    result.resolutions = sum(len(p.history) + (p.resolution is not None) for p in loaded.predictions)
    csv_files = [f for f in files if is_csv(f)]
    if csv_files:
        first = {p.id: p.place for p in loaded.predictions}
        with FlatCsvReader(horizons, probability_words) as reader:
            for path in csv_files:
                reader.add_file(path)
            for record in reader.records():
                if record.id in first:
                    reader.error(f"{record.place}: prediction id {record.id!r} is also in {first[record.id]}")
            result.predictions += reader.counts.predictions
            result.forecasts += reader.counts.forecasts
            result.resolutions += reader.counts.resolutions
            result.errors.extend(reader.all_errors)
    return result
