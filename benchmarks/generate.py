"""Synthetic predtrack data: N predictions, M sources, K forecasts each, most old ones resolved.

Writes straight into a SQLite file or a PostgreSQL database with SQLAlchemy Core bulk
inserts (executemany in chunks; no ORM objects, no per-row events), or into a flat CSV in the
format `predtrack import` reads.

What the data looks like (as of `Spec.as_of`, 2026-11-25 by default):
- Every prediction is in exactly one state, with exact counts: `due` (unresolved, deadline
  passed: most within the last four months, a fifth of them old stragglers), `open`
  (deadline today or later), `undated` (no deadline: vague wording) and resolved (everything
  else; deadlines spread over `history_days` before the as-of date).
- A prediction has a hidden truth q; it resolves yes with probability q (1% ambiguous,
  0.5% annulled). Each of its K forecasts comes from a different source, stated 1 to 30
  months before the deadline, with the source's own noise around q: sources differ in skill,
  so a track record means something. 15% of probabilities are inferred from words.
- One article per five predictions (200 outlets), 0-2 tags per prediction from 40, owners
  round-robin from `Spec.owners`, one current Resolution row per resolved prediction. No
  Event rows: the log is not read by any benchmarked command.

The same Spec and seed always give the same data, so a run can be repeated exactly.

Usage:
    python -m benchmarks.generate sqlite:///big.db --predictions 1000000 --sources 10000 --due 1000
    python -m benchmarks.generate --csv rows.csv --predictions 250000 --forecasts 4
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, time as clock, timedelta, timezone
from pathlib import Path
from typing import Iterator

AS_OF = date(2026, 11, 25)
# Bump when the same Spec would produce different data: cached databases are keyed by it.
DATA_VERSION = 1
CHUNK = 20_000  # predictions per executemany batch: big enough to amortise, small enough for memory

SUBJECTS = (
    "Meta", "OpenAI", "Anthropic", "Google DeepMind", "Mistral", "Apple", "Microsoft", "Amazon",
    "Nvidia", "the EU", "the US Congress", "the UK government", "Tesla", "xAI", "Samsung",
    "TSMC", "the Federal Reserve", "China", "India", "Japan", "a top-10 bank", "Spotify",
)
EVENTS = (
    "releases open weights of its next model",
    "acquires a coding-focused AI startup",
    "announces a coding-specific model variant",
    "passes a law regulating frontier AI models",
    "ships an AI assistant in every flagship product",
    "reports AI revenue above $10bn in a quarter",
    "cuts interest rates twice",
    "opens a new chip fab",
    "settles its antitrust case",
    "launches smart glasses with an on-device model",
    "loses its lead on the main coding benchmark",
    "doubles its data-centre capacity",
)
TAGS = tuple(
    "ai coding regulation chips finance policy eu us uk china hardware open-source mergers "
    "antitrust glasses assistants benchmarks energy datacentres rates elections health biotech "
    "space climate media social-media privacy security robotics cars batteries semis cloud "
    "enterprise consumer gaming crypto labour education science".split()
)
FIRST_NAMES = (
    "Ada", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena",
    "Mia", "Nils", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Vik", "Wen", "Yusuf",
)
LAST_NAMES = (
    "Abe", "Berg", "Costa", "Diaz", "Eriksen", "Fox", "Gupta", "Haas", "Ito", "Jensen", "Kim",
    "Lund", "Moreau", "Nakamura", "Okafor", "Park", "Quist", "Rossi", "Silva", "Tanaka",
)
WORDS = (("likely", 0.7), ("very likely", 0.85), ("unlikely", 0.3), ("will", 0.9), ("might", 0.4), ("almost certainly", 0.95))
OUTLETS = tuple(f"Outlet {n:03d}" for n in range(1, 201))
PREDICTIONS_PER_ARTICLE = 5
FLAT_CSV_HEADER = ("prediction", "claim", "deadline", "source", "probability", "stated", "outcome", "resolved", "tags", "criteria", "quote", "url")


@dataclass(frozen=True)
class Spec:
    """How much data, and of what shape (see the module docstring)."""

    predictions: int
    sources: int = 1_000
    forecasts: int = 1  # per prediction, each by a different source
    due: int = 0
    open_share: float = 0.1
    undated_share: float = 0.01
    as_of: date = AS_OF
    history_days: int = 3650
    owners: tuple[str, ...] = ()
    seed: int = 2026

    def __post_init__(self) -> None:
        if self.forecasts > self.sources:
            raise ValueError(f"forecasts per prediction ({self.forecasts}) cannot exceed sources ({self.sources}): each is by a different source")
        if self.counts()["resolved"] < 0:
            raise ValueError("due + open + undated predictions exceed the total")

    def counts(self) -> dict[str, int]:
        undated = round(self.predictions * self.undated_share)
        open_ = round(self.predictions * self.open_share)
        return {"due": self.due, "open": open_, "undated": undated, "resolved": self.predictions - self.due - open_ - undated}

    def key(self) -> str:
        """A short name for this exact data, for caching generated databases."""
        text = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(slots=True)
class FakeForecast:
    source_id: int
    probability: float
    kind: str
    text: str | None
    stated: date
    quote: str | None


@dataclass(slots=True)
class FakePrediction:
    number: int
    id: str
    claim: str
    criteria: str
    deadline: date | None
    deadline_text: str | None
    state: str  # due | open | undated | resolved
    outcome: str | None
    outcome_value: float | None
    resolved_on: date | None
    article_id: int
    tags: list[str]
    owner: str | None
    forecasts: list[FakeForecast]


def source_name(source_id: int) -> str:
    first = FIRST_NAMES[source_id % len(FIRST_NAMES)]
    last = LAST_NAMES[(source_id // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first} {last} {source_id:05d}"


def source_kind(source_id: int) -> str:
    return ("person", "person", "person", "person", "person", "person", "person", "organisation", "organisation", "outlet")[source_id % 10]


def source_noise(source_id: int) -> float:
    """How far a source strays from the truth: a fixed skill per source, from sharp to poor."""
    return 0.04 + 0.30 * ((source_id * 2654435761) % 1000) / 1000


def article_url(article_id: int) -> str:
    return f"https://news.example.org/{article_id // 1000}/{article_id:07d}"


def article_count(spec: Spec) -> int:
    return math.ceil(spec.predictions / PREDICTIONS_PER_ARTICLE)


def _states(spec: Spec, rng: random.Random) -> list[str]:
    counts = spec.counts()
    states = ["due"] * counts["due"] + ["open"] * counts["open"] + ["undated"] * counts["undated"] + ["resolved"] * counts["resolved"]
    rng.shuffle(states)
    return states


def predictions(spec: Spec) -> Iterator[FakePrediction]:
    """Every prediction of the data set, in id order, deterministic for the spec."""
    rng = random.Random(spec.seed)
    states = _states(spec, rng)
    as_of = spec.as_of
    noise = [0.0] + [source_noise(s) for s in range(1, spec.sources + 1)]
    all_sources = range(1, spec.sources + 1)
    owners = spec.owners
    for number, state in enumerate(states, start=1):
        if state == "resolved":
            deadline = as_of - timedelta(days=rng.randint(1, spec.history_days))
        elif state == "due":
            # The backlog is mostly recent, with some old stragglers nobody got round to.
            days = rng.randint(1, 120) if rng.random() < 0.8 else rng.randint(1, spec.history_days)
            deadline = as_of - timedelta(days=days)
        elif state == "open":
            deadline = as_of + timedelta(days=rng.randint(0, 730))
        else:
            deadline = None
        subject = SUBJECTS[rng.randrange(len(SUBJECTS))]
        event = EVENTS[rng.randrange(len(EVENTS))]
        when = f"by {deadline:%B} {deadline.day}, {deadline.year}" if deadline else "eventually"
        claim = f"{subject} {event} {when}"
        truth = rng.betavariate(0.7, 0.7)
        outcome = outcome_value = resolved_on = None
        if state == "resolved":
            roll = rng.random()
            if roll < 0.01:
                outcome = "ambiguous"
            elif roll < 0.015:
                outcome = "annulled"
            else:
                outcome_value = 1.0 if rng.random() < truth else 0.0
                outcome = "yes" if outcome_value else "no"
            resolved_on = min(deadline + timedelta(days=rng.randint(0, 45)), as_of - timedelta(days=1))
        latest_stated = (deadline - timedelta(days=30)) if deadline else as_of
        latest_stated = min(latest_stated, as_of)
        forecasts = []
        chosen = [rng.choice(all_sources)] if spec.forecasts == 1 else rng.sample(all_sources, spec.forecasts)
        for source_id in chosen:
            p = min(0.99, max(0.01, round(truth + rng.gauss(0.0, noise[source_id]), 2)))
            if rng.random() < 0.15:
                text, p = WORDS[rng.randrange(len(WORDS))]
                kind = "inferred"
            else:
                text, kind = None, "stated"
            stated = latest_stated - timedelta(days=rng.randint(0, 870))
            quote = f"{subject} {event.replace('s ', ' ', 1)}, I'd say {p:.0%}." if rng.random() < 0.4 else None
            forecasts.append(FakeForecast(source_id, p, kind, text, stated, quote))
        tag_count = rng.randint(0, 2)
        tags = sorted(set(rng.sample(TAGS, tag_count))) if tag_count else []
        yield FakePrediction(
            number=number,
            id=f"bench-{number:07d}",
            claim=claim,
            criteria=f"Yes if a primary source (filing, official announcement) reports that {subject} {event}, {when}; no otherwise.",
            deadline=deadline,
            deadline_text=when if deadline else None,
            state=state,
            outcome=outcome,
            outcome_value=outcome_value,
            resolved_on=resolved_on,
            article_id=(number - 1) // PREDICTIONS_PER_ARTICLE + 1,
            tags=tags,
            owner=owners[number % len(owners)] if owners else None,
            forecasts=forecasts,
        )


def _chunks(items: Iterator[FakePrediction], size: int) -> Iterator[list[FakePrediction]]:
    chunk: list[FakePrediction] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _at(day: date) -> datetime:
    return datetime.combine(day, clock(9, 0), tzinfo=timezone.utc)


# --- database ------------------------------------------------------------------------------------


def prepare_schema(url: str) -> None:
    """Bring the database to predtrack's schema head (a new SQLite file is migrated on first use)."""
    from predtrack import db

    engine = db.create_engine_for(url)
    try:
        if db.current_revision(engine) != db.SCHEMA_HEAD:
            db.upgrade(engine, "head")
    finally:
        engine.dispose()


def write_database(url: str, spec: Spec, progress: bool = False) -> dict[str, int]:
    """Fill an empty predtrack database (migrated here if needed) with the spec's data."""
    from sqlalchemy import event, func, select, text

    from predtrack import db
    from predtrack.models import Article, Forecast, Prediction, PredictionTag, Resolution, Source

    prepare_schema(url)
    engine = db.create_engine_for(url)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # A throwaway bulk load need not survive a power cut half-way (set outside any transaction).
        event.listen(engine, "connect", lambda dbapi_connection, _record: dbapi_connection.execute("PRAGMA synchronous = OFF"))
    started = time.perf_counter()
    written = {"sources": 0, "articles": 0, "predictions": 0, "forecasts": 0, "tags": 0, "resolutions": 0}
    try:
        with engine.begin() as conn:
            if conn.execute(select(func.count()).select_from(Prediction.__table__)).scalar_one():
                raise SystemExit(f"{url} already holds predictions: generate into an empty database")
        created = _at(spec.as_of - timedelta(days=spec.history_days + 900))
        with engine.begin() as conn:
            conn.execute(
                Source.__table__.insert(),
                [{"id": s, "name": source_name(s), "kind": source_kind(s), "organisation_id": None, "created_at": created} for s in range(1, spec.sources + 1)],
            )
            written["sources"] = spec.sources
            articles = article_count(spec)
            for start in range(1, articles + 1, CHUNK):
                conn.execute(
                    Article.__table__.insert(),
                    [
                        {
                            "id": a,
                            "url": article_url(a),
                            "title": f"Article {a}: what comes next",
                            "outlet": OUTLETS[a % len(OUTLETS)],
                            "author": source_name(a % spec.sources + 1),
                            "published": spec.as_of - timedelta(days=a % spec.history_days),
                            "seed": None,
                            "notes": None,
                        }
                        for a in range(start, min(start + CHUNK, articles + 1))
                    ],
                )
            written["articles"] = articles
        for chunk in _chunks(predictions(spec), CHUNK):
            prediction_rows, forecast_rows, tag_rows, resolution_rows = [], [], [], []
            for p in chunk:
                first_stated = min(f.stated for f in p.forecasts)
                prediction_rows.append(
                    {
                        "id": p.id, "claim": p.claim, "criteria": p.criteria, "deadline": p.deadline,
                        "deadline_text": p.deadline_text, "deadline_vague": p.deadline is None, "notes": None,
                        "owner": p.owner, "article_id": p.article_id, "created_at": _at(first_stated),
                        "updated_at": _at(p.resolved_on or first_stated), "outcome": p.outcome,
                        "outcome_value": p.outcome_value, "resolved_on": p.resolved_on, "nag_series": 0,
                        "snoozed_until": None,
                    }
                )
                for f in p.forecasts:
                    forecast_rows.append(
                        {
                            "prediction_id": p.id, "source_id": f.source_id, "probability": f.probability,
                            "probability_kind": f.kind, "probability_text": f.text, "stated": f.stated,
                            "quote": f.quote, "article_id": p.article_id, "withdrawn_at": None,
                            "created_at": _at(f.stated),
                        }
                    )
                tag_rows.extend({"prediction_id": p.id, "tag": t} for t in p.tags)
                if p.outcome is not None:
                    resolution_rows.append(
                        {
                            "prediction_id": p.id, "outcome": p.outcome, "outcome_value": p.outcome_value,
                            "resolved_on": p.resolved_on, "recorded_by": "benchmark", "recorded_at": _at(p.resolved_on),
                            "note": None, "evidence": "[]", "superseded_at": None,
                        }
                    )
            with engine.begin() as conn:
                conn.execute(Prediction.__table__.insert(), prediction_rows)
                conn.execute(Forecast.__table__.insert(), forecast_rows)
                if tag_rows:
                    conn.execute(PredictionTag.__table__.insert(), tag_rows)
                if resolution_rows:
                    conn.execute(Resolution.__table__.insert(), resolution_rows)
            written["predictions"] += len(prediction_rows)
            written["forecasts"] += len(forecast_rows)
            written["tags"] += len(tag_rows)
            written["resolutions"] += len(resolution_rows)
            if progress:
                rate = written["predictions"] / (time.perf_counter() - started)
                print(f"\r  {written['predictions']:,}/{spec.predictions:,} predictions ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
        if progress:
            print(file=sys.stderr)
        with engine.begin() as conn:
            if sqlite:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                # Explicit ids were inserted: move the sequences past them, then refresh statistics.
                for table in ("source", "article"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"))
        with engine.connect() as conn:
            # Fresh statistics and (PostgreSQL) a set visibility map, as autovacuum leaves a
            # long-lived database: without it index-only scans fetch every heap row.
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE" if sqlite else "VACUUM ANALYZE")
    finally:
        engine.dispose()
    return written


def export_scored_csv(url: str, path: Path) -> int:
    """The scored forecasts (source, probability, outcome) as a plain CSV: what a pandas user starts from."""
    from sqlalchemy import select

    from predtrack import db
    from predtrack.models import Forecast, Prediction, Source

    engine = db.create_engine_for(url)
    rows = 0
    try:
        with engine.connect() as conn, open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("prediction", "source", "probability", "outcome"))
            query = (
                select(Forecast.prediction_id, Source.name, Forecast.probability, Prediction.outcome_value)
                .join(Prediction, Prediction.id == Forecast.prediction_id)
                .join(Source, Source.id == Forecast.source_id)
                .where(Prediction.outcome_value.is_not(None), Forecast.withdrawn_at.is_(None))
            )
            for row in conn.execution_options(stream_results=True, yield_per=50_000).execute(query):
                writer.writerow(row)
                rows += 1
    finally:
        engine.dispose()
    return rows


# --- flat CSV ------------------------------------------------------------------------------------


def write_flat_csv(path: Path, spec: Spec, inline_outcomes: bool = True) -> int:
    """The spec's data as a flat CSV for `predtrack import`; returns the number of data rows.

    One row per forecast; the claim, deadline, tags and criteria are on a prediction's first
    row only (the format lets the others leave them empty). The outcome rides on that first
    row when `inline_outcomes`, else it gets a row of its own with no source. The format needs
    a deadline for an unresolved prediction: give the spec `undated_share=0`.
    """
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FLAT_CSV_HEADER)
        for p in predictions(spec):
            deadline = p.deadline.isoformat() if p.deadline else ""
            outcome = p.outcome if p.outcome is not None else ""
            resolved = p.resolved_on.isoformat() if p.resolved_on else ""
            for index, f in enumerate(p.forecasts):
                first = index == 0
                writer.writerow(
                    (
                        p.id,
                        p.claim if first else "",
                        deadline if first else "",
                        source_name(f.source_id),
                        f.text if f.text else f"{f.probability:.2f}",
                        f.stated.isoformat(),
                        outcome if first and inline_outcomes else "",
                        resolved if first and inline_outcomes else "",
                        ";".join(p.tags) if first else "",
                        p.criteria if first else "",
                        f.quote or "",
                        article_url(p.article_id),
                    )
                )
                rows += 1
            if outcome and not inline_outcomes:
                writer.writerow((p.id, "", "", "", "", "", outcome, resolved, "", "", "", ""))
                rows += 1
    return rows


# --- command line --------------------------------------------------------------------------------


def spec_from_args(args: argparse.Namespace) -> Spec:
    return Spec(
        predictions=args.predictions,
        sources=args.sources,
        forecasts=args.forecasts,
        due=args.due,
        open_share=args.open_share,
        undated_share=args.undated_share,
        owners=tuple(o for o in (args.owners or "").split(",") if o),
        seed=args.seed,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description="Generate synthetic predtrack data.")
    parser.add_argument("url", nargs="?", help="database URL to fill (sqlite:///PATH or postgresql://...)")
    parser.add_argument("--csv", type=Path, help="write a flat CSV for `predtrack import` instead")
    parser.add_argument("--separate-outcome-rows", action="store_true", help="CSV: put each outcome on a row of its own")
    parser.add_argument("--predictions", type=int, required=True)
    parser.add_argument("--sources", type=int, default=1_000)
    parser.add_argument("--forecasts", type=int, default=1, help="forecasts per prediction (each by another source)")
    parser.add_argument("--due", type=int, default=0, help="unresolved predictions whose deadline has passed")
    parser.add_argument("--open-share", type=float, default=0.1)
    parser.add_argument("--undated-share", type=float, default=0.01)
    parser.add_argument("--owners", help="comma-separated owner addresses, assigned round-robin")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if bool(args.url) == bool(args.csv):
        parser.error("give either a database URL or --csv PATH")
    spec = spec_from_args(args)
    started = time.perf_counter()
    if args.csv:
        rows = write_flat_csv(args.csv, spec, inline_outcomes=not args.separate_outcome_rows)
        print(f"wrote {rows:,} rows to {args.csv} in {time.perf_counter() - started:.1f} s")
    else:
        written = write_database(args.url, spec, progress=sys.stderr.isatty())
        print(f"wrote {', '.join(f'{n:,} {k}' for k, n in written.items())} in {time.perf_counter() - started:.1f} s")
    print(f"states: {spec.counts()}")


if __name__ == "__main__":
    main()
