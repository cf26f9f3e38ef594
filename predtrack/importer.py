"""Apply records read from predictions files (YAML, JSON, flat CSV) to the database.

A service: takes a Session and never commits; the command owns the one transaction, so an
import with any error is rolled back whole.

Idempotent by prediction id:
- A new id adds the prediction with its tags, forecasts and resolutions.
- A known id updates only what the record states and what differs (see files.py: a key
  present in a YAML file, a non-empty cell in a CSV file). Nothing is deleted: forecasts,
  tags lists aside, and resolutions absent from a file stay as they are.
- A forecast is recognised by (prediction, source, stated date): importing a file again
  changes nothing, and editing a probability in the file updates that forecast in place.
  Changing the source or the stated date adds another forecast.
- A resolution that contradicts the current one (another outcome or date) is an error unless
  `force`: then the current one is kept in history (superseded) and the file's becomes current.

Events: one `import` event per import, with its counts; plus one `import` event for each
prediction that existed before and changed, naming what changed. New predictions are
counted in the summary event only, so a million-row import writes one event, not a million.

Speed: records are applied in chunks, with set-based queries and bulk inserts (COPY on
PostgreSQL), and source and article ids are cached, so a million forecasts import at tens of
thousands per second without building an ORM object per row.
"""

from __future__ import annotations

import contextlib

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable

from sqlalchemy import Boolean, Float, Integer, String, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from predtrack import store
from predtrack.errors import InvalidValue
from predtrack.files import ArticleRecord, ForecastRecord, PredictionRecord, ResolutionRecord, iter_chunks
from predtrack.models import Article, Forecast, Prediction, PredictionTag, Resolution, Source, SourceAlias

PREDICTIONS = Prediction.__table__
FORECASTS = Forecast.__table__
TAGS = PredictionTag.__table__
RESOLUTIONS = Resolution.__table__

CHUNK = 1000
ARTICLE_FIELDS = ("title", "outlet", "author", "published", "url", "seed", "notes")


class _BulkInsert:
    """INSERT of many rows straight through the driver: COPY on PostgreSQL, executemany on SQLite.

    SQLAlchemy's executemany spends most of its time processing each parameter of each row;
    here each column's bind processor runs once per distinct value (dates, `now` and kinds
    repeat across a million rows), which makes a large import several times faster.

    psycopg 3 runs an executemany as one INSERT per row; COPY sends a chunk's rows to a table
    as one statement. It fires the same triggers (the data-version statement trigger, the
    score-totals row trigger for every row), stores the same values (psycopg writes each
    value as text with its time zone, and the server parses it as it parses a bound
    parameter) and assigns ids in row order, as the INSERTs did. No caller needs ids back
    from these inserts: sources and articles, whose ids are needed, are inserted elsewhere.
    """

    def __init__(self, session: Session, table, columns: tuple[str, ...]):
        self.connection = session.connection()
        dialect = self.connection.dialect
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        column_list = ", ".join(quote(c) for c in columns)
        self.sql = f"INSERT INTO {quote(table.name)} ({column_list}) VALUES ({', '.join([mark] * len(columns))})"
        self.copy_sql = f"COPY {quote(table.name)} ({column_list}) FROM STDIN" if dialect.driver == "psycopg" else None
        # Only dates and times need converting: the other values given are already floats, ints and text.
        self.steps = []
        for index, name in enumerate(columns):
            column_type = table.c[name].type
            process = column_type._cached_bind_processor(dialect)
            if process is not None and not isinstance(column_type, (Float, String, Integer, Boolean)):
                self.steps.append((index, process, {None: None}))
        # One generated expression builds each converted row: a per-row loop over the columns
        # costs more than the database's own work on a million-row import.
        converted = set(index for index, _process, _cache in self.steps)
        cells = ", ".join(f"c{i}[r[{i}]]" if i in converted else f"r[{i}]" for i in range(len(columns)))
        namespace = {f"c{index}": cache for index, _process, cache in self.steps}
        self.convert = eval(f"lambda rows: [({cells},) for r in rows]", namespace)  # noqa: S307 - built from column positions only

    def __call__(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.steps:
            for index, process, cache in self.steps:
                if len(cache) > 100_000:
                    cache.clear()
                    cache[None] = None
                for value in {r[index] for r in rows}:
                    if value not in cache:
                        cache[value] = process(value)
            rows = self.convert(rows)
        if self.copy_sql is not None:
            self._copy(rows)
        else:
            self.connection.exec_driver_sql(self.sql, rows)

    def _copy(self, rows: list[tuple]) -> None:
        dialect = self.connection.dialect
        driver_error = dialect.loaded_dbapi.Error
        try:
            with self.connection.connection.driver_connection.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        except driver_error as error:
            # Wrapped as SQLAlchemy wraps a failed executemany, so that a value the database
            # refuses (one too long for its column) reads the same as before COPY.
            raise DBAPIError.instance(self.copy_sql, None, error, driver_error, dialect=dialect) from error


PREDICTION_COLUMNS = (
    "id", "claim", "criteria", "deadline", "deadline_text", "deadline_vague", "notes", "owner", "article_id",
    "created_at", "updated_at", "outcome", "outcome_value", "resolved_on", "nag_series", "snoozed_until",
)
FORECAST_COLUMNS = (
    "prediction_id", "source_id", "probability", "probability_kind", "probability_text", "stated", "quote",
    "article_id", "withdrawn_at", "created_at",
)
# What an update compares: only these columns are read back (a million rows' timestamps cost seconds).
EXISTING_COLUMNS = tuple(PREDICTIONS.c[name] for name in (
    "id", "claim", "criteria", "deadline", "deadline_text", "deadline_vague", "notes", "owner", "article_id",
    "outcome", "resolved_on", "nag_series"))
KNOWN_FORECAST_COLUMNS = tuple(FORECASTS.c[name] for name in (
    "id", "prediction_id", "source_id", "stated", "probability", "probability_kind", "probability_text", "quote", "article_id",
)) + (FORECASTS.c.withdrawn_at.is_not(None).label("withdrawn"),)
RESOLUTION_COLUMNS = (
    "prediction_id", "outcome", "outcome_value", "resolved_on", "recorded_by", "recorded_at", "note", "evidence", "superseded_at",
)


@dataclass
class ImportSummary:
    files: list[str] = field(default_factory=list)
    predictions_added: int = 0
    predictions_updated: int = 0
    predictions_unchanged: int = 0
    forecasts_added: int = 0
    forecasts_updated: int = 0
    resolutions_added: int = 0
    sources_added: int = 0
    articles_added: int = 0
    articles_updated: int = 0

    def counts(self) -> dict[str, int]:
        data = asdict(self)
        data.pop("files")
        return data


class Importer:
    """Applies PredictionRecords; problems that need the database are collected in `errors`."""

    def __init__(self, session: Session, *, actor: str, now: datetime, today: date, force: bool = False):
        self.session = session
        self.actor = actor
        self.now = now
        self.today = today
        self.force = force
        self.summary = ImportSummary()
        self.errors: list[str] = []
        self._source_ids: dict[tuple[str, str | None, str | None], int] = {}
        self._article_ids: dict[tuple, int] = {}
        self._plain_sources: set[str] = set()  # names in _source_ids without a kind or organisation
        self._sources_before = session.execute(select(func.count()).select_from(Source)).scalar_one()
        self._insert_predictions = _BulkInsert(session, PREDICTIONS, PREDICTION_COLUMNS)
        self._insert_forecasts = _BulkInsert(session, FORECASTS, FORECAST_COLUMNS)
        self._insert_resolutions = _BulkInsert(session, RESOLUTIONS, RESOLUTION_COLUMNS)
        self._insert_tags = _BulkInsert(session, TAGS, ("prediction_id", "tag"))

    # --- entry points --------------------------------------------------------------------------

    def apply(self, records: Iterable[PredictionRecord], progress: Callable[[int], None] | None = None,
              chunk_size: int = CHUNK) -> None:
        for chunk in iter_chunks(records, chunk_size):
            self._apply_chunk(chunk)
            if progress is not None:
                progress(len(chunk))

    def finish(self, files: list[str]) -> ImportSummary:
        """Count new sources and write the one summary event for this import."""
        self.session.flush()
        sources_after = self.session.execute(select(func.count()).select_from(Source)).scalar_one()
        self.summary.sources_added = sources_after - self._sources_before
        self.summary.files = list(files)
        store.log_event(self.session, self.actor, "import", None, {"files": self.summary.files, **self.summary.counts()}, self.now)
        self.session.flush()
        return self.summary

    # --- chunks --------------------------------------------------------------------------------

    def _apply_chunk(self, records: list[PredictionRecord]) -> None:
        self._find_sources(records)
        self._find_articles(records)
        ids = [r.id for r in records]
        existing = {row.id: row for row in self.session.execute(select(*EXISTING_COLUMNS).where(PREDICTIONS.c.id.in_(ids))).all()}
        new = [r for r in records if r.id not in existing and self._can_add(r)]
        old = [r for r in records if r.id in existing]
        if new:
            self._add(new)
        if old:
            self._update(old, existing)

    def _error(self, place: str, message: str) -> None:
        self.errors.append(f"{place}: {message}")

    def _can_add(self, record: PredictionRecord) -> bool:
        ok = True
        if not record.claim:
            self._error(record.place, f"prediction {record.id} is not in the database and no row gives its claim")
            ok = False
        if "deadline" not in record.given and record.resolution is None:
            self._error(record.place, f"prediction {record.id} is not in the database and has no deadline: give one (a deadline may be left out only when an outcome is given)")
            ok = False
        for resolution in ([record.resolution] if record.resolution else []) + record.history:
            ok = self._check_resolution(record.id, resolution) and ok
        return ok

    def _check_resolution(self, prediction_id: str, resolution: ResolutionRecord) -> bool:
        if resolution.resolved > self.today:
            self._error(resolution.place, f"prediction {prediction_id}: "
                        f"{InvalidValue('resolved', resolution.resolved.isoformat(), f'a date on or before today ({self.today.isoformat()})')}")
            return False
        return True

    # --- new predictions ----------------------------------------------------------------------

    def _add(self, records: list[PredictionRecord]) -> None:
        predictions: list[tuple] = []
        tags: list[tuple] = []
        forecasts: list[tuple] = []
        resolutions: list[tuple] = []
        now = self.now
        for record in records:
            current = record.resolution
            predictions.append((
                record.id, record.claim, record.criteria, record.deadline, record.deadline_text, record.deadline_vague,
                record.notes, record.owner, self.article_id(record.article) if record.article else None, now, now,
                current.outcome if current else None, current.outcome_value if current else None,
                current.resolved if current else None, 0, None,
            ))
            for tag in record.tags or ():
                tags.append((record.id, tag))
            for forecast in record.forecasts:
                forecasts.append(self._forecast_row(record.id, forecast))
            for resolution in record.history + ([current] if current else []):
                resolutions.append(self._resolution_row(record.id, resolution))
        self.session.flush()  # sources and articles made through the ORM above
        self._insert_predictions(predictions)
        self._insert_tags(tags)
        self._insert_forecasts(forecasts)
        self._insert_resolutions(resolutions)
        self.summary.predictions_added += len(predictions)
        self.summary.forecasts_added += len(forecasts)
        self.summary.resolutions_added += len(resolutions)

    def _forecast_row(self, prediction_id: str, forecast: ForecastRecord) -> tuple:
        key = (forecast.source, forecast.source_kind, forecast.organisation)
        source_id = self._source_ids.get(key) or self._source_id(forecast)
        return (
            prediction_id, source_id, forecast.probability, forecast.kind or "stated", forecast.words, forecast.stated,
            forecast.quote, self.article_id(forecast.article) if forecast.article else None, forecast.withdrawn, self.now,
        )

    def _resolution_row(self, prediction_id: str, resolution: ResolutionRecord) -> tuple:
        return (
            prediction_id, resolution.outcome, resolution.outcome_value, resolution.resolved, resolution.by or self.actor,
            resolution.recorded or self.now, resolution.note, json.dumps(resolution.evidence) if resolution.evidence else "[]",
            resolution.superseded,
        )

    # --- sources and articles ------------------------------------------------------------------

    def _find_sources(self, records: list[PredictionRecord]) -> None:
        """Look up (and add) in bulk the plain source names a chunk uses for the first time.

        Names that come with a kind or organisation go through store.get_or_create_source,
        which also fills those in; a bare name is found by name or alias, or added as unknown.
        """
        names = {f.source for r in records for f in r.forecasts if f.source_kind is None and f.organisation is None}
        names -= self._plain_sources
        if not names:
            return
        found: dict[str, int] = {}
        for batch in iter_chunks(sorted(names), 500):
            found.update(self.session.execute(select(Source.name, Source.id).where(Source.name.in_(batch))).all())
            missing = [n for n in batch if n not in found]
            if missing:
                found.update(self.session.execute(select(SourceAlias.alias, SourceAlias.source_id).where(SourceAlias.alias.in_(missing))).all())
        new = sorted(n for n in names if n not in found)
        if new:
            self.session.flush()
            self.session.execute(insert(Source.__table__), [
                {"name": n, "kind": "unknown", "organisation_id": None, "created_at": self.now} for n in new])
            for batch in iter_chunks(new, 500):
                found.update(self.session.execute(select(Source.name, Source.id).where(Source.name.in_(batch))).all())
        for name, source_id in found.items():
            self._source_ids[(name, None, None)] = source_id
        self._plain_sources.update(found)

    def _find_articles(self, records: list[PredictionRecord]) -> None:
        """Look up (and add) in bulk the articles a chunk names by url for the first time."""
        pending: dict[tuple, ArticleRecord] = {}
        for record in records:
            for article in [record.article] + [f.article for f in record.forecasts]:
                if article is not None and article.url:
                    key = ("url", article.url)
                    if key not in self._article_ids and key not in pending:
                        pending[key] = article
        if not pending:
            return
        urls = sorted(key[1] for key in pending)
        for batch in iter_chunks(urls, 500):
            for article in self.session.execute(select(Article).where(Article.url.in_(batch))).scalars():
                self._update_article(article, pending[("url", article.url)])
                self._article_ids[("url", article.url)] = article.id
        missing = [url for url in urls if ("url", url) not in self._article_ids]
        if not missing:
            return
        self.session.flush()
        self.session.execute(insert(Article.__table__), [
            {name: getattr(pending[("url", url)], name) for name in ARTICLE_FIELDS} for url in missing])
        self.summary.articles_added += len(missing)
        for batch in iter_chunks(missing, 500):
            for article_id, url in self.session.execute(select(Article.id, Article.url).where(Article.url.in_(batch))).all():
                self._article_ids[("url", url)] = article_id

    def _update_article(self, article: Article, record: ArticleRecord) -> None:
        # Only the first mention in an import updates an article, so two rows that
        # disagree cannot flip it back and forth on every import.
        changed = False
        for name in record.given:
            if name in ARTICLE_FIELDS and getattr(article, name) != getattr(record, name):
                setattr(article, name, getattr(record, name))
                changed = True
        if changed:
            self.summary.articles_updated += 1
            self.session.flush()

    def _source_id(self, forecast: ForecastRecord) -> int:
        key = (forecast.source, forecast.source_kind, forecast.organisation)
        source_id = self._source_ids.get(key)
        if source_id is None:
            source = store.get_or_create_source(self.session, forecast.source, self.now, kind=forecast.source_kind,
                                                organisation=forecast.organisation)
            source_id = self._source_ids[key] = source.id
        return source_id

    def article_id(self, record: ArticleRecord) -> int:
        key = record.key()
        article_id = self._article_ids.get(key)
        if article_id is not None:
            return article_id
        query = select(Article)
        if key[0] == "url":
            query = query.where(Article.url == record.url)
        elif key[0] == "seed":
            query = query.where(Article.seed == record.seed)
        else:
            published = Article.published.is_(None) if record.published is None else Article.published == record.published
            query = query.where(Article.title == record.title, published)
        article = self.session.execute(query.order_by(Article.id).limit(1)).scalars().first()
        if article is None:
            article = Article(**{name: getattr(record, name) for name in ARTICLE_FIELDS})
            self.session.add(article)
            self.session.flush()
            self.summary.articles_added += 1
        else:
            self._update_article(article, record)
        self._article_ids[key] = article.id
        return article.id

    # --- known predictions --------------------------------------------------------------------

    def _update(self, records: list[PredictionRecord], existing: dict[str, Any]) -> None:
        ids = [r.id for r in records]
        forecasts: dict[str, dict[tuple[int, date], Any]] = defaultdict(dict)
        for row in self.session.execute(select(*KNOWN_FORECAST_COLUMNS).where(FORECASTS.c.prediction_id.in_(ids)).order_by(FORECASTS.c.id)):
            forecasts[row.prediction_id].setdefault((row.source_id, row.stated), row)
        tags: dict[str, set[str]] = defaultdict(set)
        tag_ids = [r.id for r in records if "tags" in r.given]
        if tag_ids:
            for prediction_id, tag in self.session.execute(select(TAGS.c.prediction_id, TAGS.c.tag).where(TAGS.c.prediction_id.in_(tag_ids))):
                tags[prediction_id].add(tag)
        resolutions: dict[str, list[Any]] = defaultdict(list)
        resolution_ids = [r.id for r in records if r.resolution is not None or r.history]
        if resolution_ids:
            for row in self.session.execute(select(RESOLUTIONS).where(RESOLUTIONS.c.prediction_id.in_(resolution_ids)).order_by(RESOLUTIONS.c.id)):
                resolutions[row.prediction_id].append(row)

        new_forecasts: list[tuple] = []
        forecast_updates: list[tuple[int, dict[str, Any]]] = []
        new_resolutions: list[tuple] = []
        for record in records:
            row = existing[record.id]
            changes: dict[str, Any] = {}
            values: dict[str, Any] = {}
            for name in ("claim", "criteria", "owner", "notes"):
                if name in record.given and getattr(record, name) != getattr(row, name):
                    changes[name] = {"old": getattr(row, name), "new": getattr(record, name)}
                    values[name] = getattr(record, name)
            if "deadline" in record.given and (
                record.deadline != row.deadline or record.deadline_text != row.deadline_text or record.deadline_vague != row.deadline_vague
            ):
                changes["deadline"] = {"old": row.deadline, "new": record.deadline, "old_text": row.deadline_text, "new_text": record.deadline_text}
                values.update(deadline=record.deadline, deadline_text=record.deadline_text, deadline_vague=record.deadline_vague)
                if record.deadline != row.deadline:
                    values["nag_series"] = row.nag_series + 1  # a new deadline starts a fresh series of nags
            if "article" in record.given and record.article is not None:
                article_id = self.article_id(record.article)
                if article_id != row.article_id:
                    changes["article"] = {"old": row.article_id, "new": article_id}
                    values["article_id"] = article_id
            if "tags" in record.given:
                wanted = list(record.tags or [])
                if set(wanted) != tags[record.id]:
                    changes["tags"] = {"old": sorted(tags[record.id]), "new": sorted(wanted)}
                    self.session.execute(delete(TAGS).where(TAGS.c.prediction_id == record.id))
                    self._insert_tags([(record.id, t) for t in wanted])
            self._update_forecasts(record, forecasts[record.id], changes, new_forecasts, forecast_updates)
            if not self._update_resolutions(record, row, resolutions[record.id], changes, values, new_resolutions):
                continue
            if changes:
                values["updated_at"] = self.now
                self.session.execute(update(PREDICTIONS).where(PREDICTIONS.c.id == record.id).values(**values))
                store.log_event(self.session, self.actor, "import", record.id, {"place": record.place, "changes": changes}, self.now)
                self.summary.predictions_updated += 1
            else:
                self.summary.predictions_unchanged += 1
        self.session.flush()
        self._insert_forecasts(new_forecasts)
        self.summary.forecasts_added += len(new_forecasts)
        self._insert_resolutions(new_resolutions)
        self.summary.resolutions_added += len(new_resolutions)
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for forecast_id, changed in forecast_updates:
            by_columns[tuple(sorted(changed))].append({"forecast_id": forecast_id, **{f"new_{k}": v for k, v in changed.items()}})
        for columns, rows in by_columns.items():
            statement = (
                update(FORECASTS)
                .where(FORECASTS.c.id == bindparam("forecast_id"))
                .values({name: bindparam(f"new_{name}") for name in columns})
            )
            self.session.connection().execute(statement, rows)
        self.summary.forecasts_updated += len(forecast_updates)

    def _update_forecasts(self, record: PredictionRecord, known: dict[tuple[int, date], Any], changes: dict[str, Any],
                          new_forecasts: list[tuple], forecast_updates: list[tuple[int, dict[str, Any]]]) -> None:
        for forecast in record.forecasts:
            source_id = self._source_id(forecast)
            row = known.get((source_id, forecast.stated))
            if row is None:
                new_forecasts.append(self._forecast_row(record.id, forecast))
                changes.setdefault("forecasts_added", []).append(
                    {"source": forecast.source, "probability": forecast.probability, "stated": forecast.stated})
                continue
            changed: dict[str, Any] = {}
            if forecast.probability != row.probability:
                changed["probability"] = forecast.probability
            given = forecast.given
            if "kind" in given and forecast.kind and forecast.kind != row.probability_kind:
                changed["probability_kind"] = forecast.kind
            if "words" in given and forecast.words != row.probability_text:
                changed["probability_text"] = forecast.words
            if "quote" in given and forecast.quote != row.quote:
                changed["quote"] = forecast.quote
            if "article" in given:
                article_id = self.article_id(forecast.article) if forecast.article is not None else None
                if article_id != row.article_id:
                    changed["article_id"] = article_id
            if forecast.withdrawn is not None and not row.withdrawn:
                changed["withdrawn_at"] = forecast.withdrawn
            if changed:
                forecast_updates.append((row.id, changed))
                changes.setdefault("forecasts_updated", []).append(
                    {"source": forecast.source, "stated": forecast.stated,
                     **{k: {"old": getattr(row, k), "new": v} for k, v in changed.items()}})

    def _update_resolutions(self, record: PredictionRecord, row: Any, known: list[Any], changes: dict[str, Any],
                            values: dict[str, Any], new_resolutions: list[tuple]) -> bool:
        """Add the file's resolutions; False (and an error) when one contradicts the current one without force."""
        for entry in record.history:
            if not self._check_resolution(record.id, entry):
                return False
            if not any(r.superseded_at is not None and (r.outcome, r.resolved_on, r.superseded_at) == (entry.outcome, entry.resolved, entry.superseded)
                       for r in known):
                new_resolutions.append(self._resolution_row(record.id, entry))
                changes.setdefault("resolution_history_added", []).append({"outcome": entry.outcome, "resolved": entry.resolved})
        resolution = record.resolution
        if resolution is None:
            return True
        if not self._check_resolution(record.id, resolution):
            return False
        current = [r for r in known if r.superseded_at is None]
        if row.outcome is not None and (row.outcome, row.resolved_on) == (resolution.outcome, resolution.resolved):
            # The same resolution: a note or evidence the file adds is filled in.
            if current:
                latest = current[-1]
                fill: dict[str, Any] = {}
                if resolution.note and resolution.note != latest.note:
                    fill["note"] = resolution.note
                if resolution.evidence and resolution.evidence != json.loads(latest.evidence or "[]"):
                    fill["evidence"] = json.dumps(resolution.evidence)
                if fill:
                    self.session.execute(update(RESOLUTIONS).where(RESOLUTIONS.c.id == latest.id).values(**fill))
                    changes["resolution"] = {name: {"old": getattr(latest, name), "new": value} for name, value in fill.items()}
            return True
        if row.outcome is not None:
            if not self.force:
                self._error(resolution.place,
                            f"prediction {record.id} is already resolved as {row.outcome} on {row.resolved_on.isoformat()}; "
                            f"the file says {resolution.outcome} on {resolution.resolved.isoformat()}: use --force to replace it "
                            "(the earlier resolution stays in history)")
                return False
            self.session.execute(
                update(RESOLUTIONS)
                .where(RESOLUTIONS.c.prediction_id == record.id, RESOLUTIONS.c.superseded_at.is_(None))
                .values(superseded_at=self.now)
            )
        new_resolutions.append(self._resolution_row(record.id, resolution))
        changes["resolution"] = {
            "old": None if row.outcome is None else {"outcome": row.outcome, "resolved": row.resolved_on},
            "new": {"outcome": resolution.outcome, "resolved": resolution.resolved},
        }
        values.update(outcome=resolution.outcome, outcome_value=resolution.outcome_value, resolved_on=resolution.resolved)
        return True


# --- a whole import: read every file, check everything, then apply ------------------------------

Progress = Callable[[str, int], Any]  # (label, length) -> context manager yielding update(n)


def import_paths(session: Session, paths: Iterable[str], *, actor: str, now: datetime, today: date, force: bool = False,
                 horizons: dict[str, str] | None = None, probability_words: dict[str, float] | None = None,
                 progress: Progress | None = None) -> ImportSummary:
    """Import YAML, JSON and flat CSV files and folders; raise FileErrors listing every problem.

    Everything is read and checked before anything is written; problems only the database can
    reveal (a conflicting resolution, a CSV prediction with no claim that does not exist) are
    found while applying, and the caller's transaction is then rolled back whole.
    """
    import os

    from predtrack.errors import FileErrors
    from predtrack.files import expand_paths, is_csv, load_paths
    from predtrack.flatcsv import FlatCsvReader

    files, errors = expand_paths(paths)
    yaml_files = [f for f in files if not is_csv(f)]
    csv_files = [f for f in files if is_csv(f)]
    loaded = load_paths(yaml_files, horizons, probability_words)
    errors.extend(loaded.errors)

    def bar(label: str, length: int):
        return progress(label, length) if progress is not None else contextlib.nullcontext(lambda n: None)

    with FlatCsvReader(horizons, probability_words) as reader:
        if csv_files:
            total = sum(os.path.getsize(f) for f in csv_files)
            with bar("Reading", total) as update:
                for path in csv_files:
                    reader.add_file(path, update)
        yaml_places = {p.id: p.place for p in loaded.predictions}

        def csv_records():
            for record in reader.records():
                if record.id in yaml_places:
                    reader.error(f"{record.place}: prediction id {record.id!r} is also in {yaml_places[record.id]}")
                    continue
                yield record

        if errors or reader.error_count:
            for _record in csv_records():  # gather the errors that span rows too
                pass
            raise FileErrors(errors + reader.all_errors)
        if session.get_bind().dialect.name == "sqlite":
            # A bigger page cache for this connection: a large import adds to indexes at random.
            session.connection().exec_driver_sql("PRAGMA cache_size = -65536")
        importer = Importer(session, actor=actor, now=now, today=today, force=force)
        with _one_data_version_bump(session), _planned_for_each_run(session):
            for article in loaded.articles:  # also those no prediction names yet
                importer.article_id(article)
            importer.apply(loaded.predictions)
            if csv_files:
                # Counting the predictions costs a sort of the staged rows: only for a visible bar.
                with bar("Importing", reader.prediction_count() if progress is not None else 0) as update:
                    importer.apply(csv_records(), update)
            problems = importer.errors + reader.all_errors
            if problems:
                raise FileErrors(problems)
        # A large import leaves most sources' score totals dirty: recompute them here, in
        # this transaction, rather than in the next `predtrack score` (score_totals.py).
        from predtrack import direct_db, score_totals

        score_totals.refresh_in_transaction(direct_db.of_session(session))
        return importer.finish([str(f) for f in files])


DATA_VERSION_TRIGGERS = r"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'trg\_%\_data\_version' ESCAPE '\'"


@contextlib.contextmanager
def _one_data_version_bump(session: Session):
    """On SQLite, bump the score cache's data version once for the whole import.

    SQLite has only row triggers, and bumping the version for each of a million rows cost a
    third of the import's time. Inside the import's own write transaction (BEGIN IMMEDIATE: no
    other writer can run) the triggers are dropped, the version is bumped once, and the
    triggers are recreated before COMMIT; SQLite's schema changes are transactional, so an
    import that fails rolls the triggers back into place with everything else.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield  # PostgreSQL's trigger already bumps once per transaction
        return
    triggers = connection.exec_driver_sql(DATA_VERSION_TRIGGERS).fetchall()
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    # Rows written by this connection so far: an import that writes none (the same file
    # again) leaves the version, and so every cached score, alone.
    written_before = connection.connection.driver_connection.total_changes
    yield
    if triggers and connection.connection.driver_connection.total_changes != written_before:
        connection.exec_driver_sql("UPDATE data_version SET version = version + 1 WHERE id = 1")
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)


@contextlib.contextmanager
def _planned_for_each_run(session: Session):
    """On PostgreSQL, plan each of the importer's queries for the values it runs with.

    psycopg prepares a query once it has run five times, and PostgreSQL may then keep a
    generic plan. The importer looks up `url IN (a few hundred values)` in tables it is
    filling in this transaction, which have no statistics yet: the generic plan scans the
    whole table comparing every row with every value, slower with each chunk (measured with
    200 values: 90 ms a lookup at 20,000 articles, 500 ms at 100,000; planned for the values,
    1-3 ms). Only the importer's own statements are affected: the queries inside triggers and
    foreign-key checks keep their cached plans (`SET LOCAL plan_cache_mode =
    force_custom_plan` would replan those for every row, and doubled the time of a COPY).
    """
    if session.get_bind().dialect.driver != "psycopg":
        yield
        return
    driver_connection = session.connection().connection.driver_connection
    threshold = driver_connection.prepare_threshold
    driver_connection.prepare_threshold = None
    try:
        yield
    finally:
        driver_connection.prepare_threshold = threshold
