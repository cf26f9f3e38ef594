"""Track records and the quarterly review report: gather the data, score it, render it.

- `track_record`: the rows of `predtrack score` (a service: takes a Session, never writes).
- `gather_report`: a plain dict with everything the review needs; it *is* the JSON report
  (the contract other tools and the tests read). The Markdown and HTML are rendered from it
  with the Jinja2 templates in predtrack/templates/.
- `write_report` writes the chosen formats atomically (a temporary file in the same folder,
  then os.replace): a reader never sees half a report, and a failure writes nothing.
- `write_quarterly_report`: the scheduler's entry point.

What the report covers, for a period (a quarter, or since/until) and an as-of date:
- headline numbers and the period sections (came due, resolved, new) use the period;
- the track record, the calibration charts and the action list (everything overdue) use all
  that is known by the as-of date: a track record is cumulative;
- "coming due" is the next period of the same length.
The output depends only on the database and the as-of date (no clock, no generation time),
so the same data gives the same files byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from predtrack import scoring
from predtrack.errors import InvalidValue, NotFound

FORMATS = ("md", "html", "json")
REPORT_SCHEMA = "predtrack.report/1"
DEFAULT_CONSENSUS = "median"
TOP_SOURCES_CHARTED = 12
CONSENSUS_SOURCE = "consensus"
NO_OUTLET = "(no outlet)"
UNTAGGED = "(untagged)"
RANKING_NOTE = (
    f"Ranked by shrunk Brier: each source's Brier pulled towards what always saying 50% would score "
    f"on the same predictions, as if it had made {scoring.SHRINKAGE_PSEUDO_COUNT} extra coin-flip forecasts, "
    "so that a few lucky forecasts cannot top the table."
)


# --- periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A reporting period: both ends inclusive. `name` is the file stem (2026-Q4)."""

    since: date
    until: date
    name: str
    label: str

    def __post_init__(self) -> None:
        if self.until < self.since:
            raise InvalidValue("period", f"{self.since}..{self.until}", "a start on or before its end")

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def _quarter(year: int, q: int) -> Period:
    start = date(year, 3 * q - 2, 1)
    end = (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)
    return Period(start, end, f"{year}-Q{q}", f"Q{q} {year}")


def quarter_of(day: date) -> Period:
    return _quarter(day.year, (day.month - 1) // 3 + 1)


def parse_quarter(text: str) -> Period:
    """"2026Q4", "2026-Q4" or "2026-q4" -> that quarter."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    if len(cleaned) == 6 and cleaned[:4].isdigit() and cleaned[4] == "Q" and cleaned[5] in "1234":
        return _quarter(int(cleaned[:4]), int(cleaned[5]))
    raise InvalidValue("quarter", text, "a quarter such as 2026Q4 or 2026-Q4")


def custom_period(since: date, until: date) -> Period:
    return Period(since, until, f"{since.isoformat()}_{until.isoformat()}", f"{since.isoformat()} to {until.isoformat()}")


def following_period(period: Period) -> Period:
    """The next quarter after a quarter; otherwise the next span of the same length."""
    if period.name.endswith(("Q1", "Q2", "Q3", "Q4")) and period == quarter_of(period.since):
        return quarter_of(period.until + timedelta(days=1))
    start = period.until + timedelta(days=1)
    return custom_period(start, start + timedelta(days=period.days - 1))


def previous_quarter(day: date) -> Period:
    return quarter_of(quarter_of(day).since - timedelta(days=1))


# --- track record (predtrack score) ------------------------------------------------------------


def resolve_sources(session, names: Sequence[str]) -> tuple[tuple[int, ...] | None, bool]:
    """Source names (or aliases) -> ids, and whether the virtual `consensus` source was asked for."""
    from predtrack import store

    if not names:
        return None, False
    ids: list[int] = []
    wants_consensus = False
    for name in names:
        if name == CONSENSUS_SOURCE:
            wants_consensus = True
            continue
        source = store.source_by_name(session, name)
        if source is None:
            raise NotFound(f"unknown source {name!r}: see `predtrack sources` for the names, or use {CONSENSUS_SOURCE!r}")
        ids.append(source.id)
    return tuple(sorted(set(ids))), wants_consensus


def _group_label(by: str, key: Any, names: dict[int, str]) -> str:
    if by == "source":
        return names.get(key, f"source #{key}")
    if by == "outlet":
        return key if key else NO_OUTLET
    if by == "tag":
        return key if key is not None else UNTAGGED
    return str(key)


def track_record(
    session,
    *,
    as_of: date,
    by: str = "source",
    sources: Sequence[str] = (),
    tags: Sequence[str] = (),
    consensus: str | None = None,
    eps: float = scoring.DEFAULT_CLIP,
    since: date | None = None,
    until: date | None = None,
    all_forecasts: bool = False,
) -> list[dict]:
    """Score rows, best first, for `predtrack score`.

    Without a consensus the database adds up the scores (`score_data.score_totals`), so a
    million forecasts stay in the database. With `consensus` (or `--source consensus`, which
    uses the median unless a method is given) every counted forecast is read once: the
    consensus needs each prediction's forecasts from every source, whichever are shown.
    """
    from predtrack import score_data

    if by not in score_data.GROUPINGS:
        raise InvalidValue("--by", by, ", ".join(score_data.GROUPINGS))
    if consensus is not None and consensus not in scoring.CONSENSUS_METHODS:
        raise InvalidValue("--consensus", consensus, ", ".join(scoring.CONSENSUS_METHODS))
    scoring.check_clip(eps)
    source_ids, wants_consensus = resolve_sources(session, sources)
    if wants_consensus and consensus is None:
        consensus = DEFAULT_CONSENSUS
    show_real_sources = source_ids is None or bool(source_ids)
    selection = score_data.Selection(
        as_of=as_of,
        since=since,
        until=until,
        tags=tuple(tags),
        source_ids=source_ids if consensus is None else None,
        all_forecasts=all_forecasts,
        by=by,
    )

    if consensus is None:
        totals = score_data.score_totals(session, selection, eps)
        names = score_data.source_names(session, [t[0] for t in totals]) if by == "source" else {}
        return rows_from_totals(totals, by, names, eps)

    rows = score_data.counted_forecasts(session, selection)
    latest = _one_per_pair([r for r in rows if r[score_data.LATEST]])
    shown = rows if source_ids is None else [r for r in rows if r[score_data.SOURCE] in set(source_ids)]
    names = score_data.source_names(session, {r[score_data.SOURCE] for r in shown}) if by == "source" else {}
    position = score_data.SOURCE if by == "source" else score_data.KIND if by == "kind" else score_data.GROUP
    tables, consensus_row = score_groupings(shown, {"rows": (position, _labeler(by, names))}, latest, consensus, eps)
    result = tables["rows"] if show_real_sources else []
    if source_ids is None or wants_consensus:
        consensus_row["consensus_method"] = consensus
        result.append(consensus_row)
    return scoring.rank_rows(result)


def rows_from_totals(totals: Iterable[tuple], by: str, names: dict[int, str], eps: float, snapped: bool = False) -> list[dict]:
    """Ranked score rows from per-(group, status) totals (score_data.score_totals' layout; extra columns ignored).

    `snapped`: the sums were rounded by `scoring.snap_sum` already (score_totals stores them so).
    """
    groups: dict[str, scoring.GroupTally] = {}
    for key, tally_ in scoring.tally_sums((row[:8] for row in totals), snapped=snapped).items():
        groups[_group_label(by, key, names)] = tally_
    return scoring.rank_rows([scoring.score_row(label, t, eps=eps) for label, t in groups.items()])


_code_fingerprint: str | None = None


def _scoring_code_fingerprint() -> str:
    """A digest of the code that computes a track record: a changed formula must not reuse old results."""
    global _code_fingerprint
    if _code_fingerprint is None:
        import hashlib
        import sys

        from predtrack import __version__, score_data

        digest = hashlib.sha256(__version__.encode())
        for module in (scoring, score_data, sys.modules[__name__]):
            try:
                digest.update(Path(module.__file__).read_bytes())
            except OSError:  # no source beside the bytecode: the version alone has to do
                pass
        _code_fingerprint = digest.hexdigest()[:16]
    return _code_fingerprint


def track_record_options(
    *,
    as_of: date,
    by: str = "source",
    sources: Sequence[str] = (),
    tags: Sequence[str] = (),
    consensus: str | None = None,
    eps: float = scoring.DEFAULT_CLIP,
    since: date | None = None,
    until: date | None = None,
    all_forecasts: bool = False,
) -> dict:
    """Everything besides the data that `track_record` with these arguments depends on: the cache key.

    Takes exactly `track_record`'s arguments, so that a new one cannot be forgotten here.
    Sources and tags keep the order given: two orders are two entries, never a wrong one.
    """
    return {
        "result": "track_record",
        "code": _scoring_code_fingerprint(),
        "as_of": as_of.isoformat(),
        "by": by,
        "sources": list(sources),
        "tags": list(tags),
        "consensus": consensus,
        "clip": repr(float(eps)),
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "all_forecasts": bool(all_forecasts),
    }


def score_groupings(
    rows: list[tuple],
    groupings: dict[str, tuple[int | None, Any]],
    latest: list[tuple],
    method: str,
    eps: float,
) -> tuple[dict[str, list[dict]], dict]:
    """Score rows under several groupings at once, each compared with the consensus of `latest`.

    `rows` are counted forecasts (score_data layout); `groupings` map a name to (the row
    position holding the group key, or None for one group of everything; a function key ->
    label); `latest` has one row per (prediction, source), from which the per-prediction
    consensus is taken (it may be `rows` itself). Returns the ranked tables and the
    consensus's own row.
    """
    import numpy as np

    from predtrack import score_data

    columns_t = list(zip(*rows)) if rows else [()] * 8
    latest_t = columns_t if latest is rows else (list(zip(*latest)) if latest else [()] * 8)
    pids = columns_t[score_data.PREDICTION]
    index = {pid: code for code, pid in enumerate(dict.fromkeys((*pids, *latest_t[score_data.PREDICTION]) if latest is not rows else pids))}

    def columns_from(t):
        return scoring.columns_of(t[score_data.PREDICTION], t[score_data.PROBABILITY], t[score_data.STATUS], t[score_data.OUTCOME], index)

    columns = columns_from(columns_t)
    latest_columns = columns if latest is rows else columns_from(latest_t)
    consensus = scoring.consensus_by_prediction(latest_columns, method, eps)
    tables = {}
    for name, (position, label) in groupings.items():
        if position is None:
            group_codes, keys = np.zeros(len(rows), dtype=np.int64), ([None] if rows else [])
        else:
            group_codes, keys = scoring.factorize(columns_t[position])
        tallies = scoring.group_tallies(columns, group_codes, len(keys), eps, consensus)
        tables[name] = scoring.rank_rows([scoring.score_row(label(key), t, eps=eps) for key, t in zip(keys, tallies)])
    virtual = scoring.consensus_columns(latest_columns, consensus)
    consensus_tally = scoring.group_tallies(virtual, np.zeros(len(virtual.prediction), dtype=np.int64), 1, eps, consensus)[0]
    return tables, scoring.score_row(CONSENSUS_SOURCE, consensus_tally, eps=eps)


def _one_per_pair(rows: list[tuple]) -> list[tuple]:
    """With by=tag a forecast comes once per tag: keep one row per (prediction, source)."""
    from predtrack import score_data

    seen: set[tuple] = set()
    unique = []
    for r in rows:
        pair = (r[score_data.PREDICTION], r[score_data.SOURCE])
        if pair not in seen:
            seen.add(pair)
            unique.append(r)
    return unique


def _labeler(by: str, names: dict[int, str]):
    """Group key (source id, kind, outlet or tag) -> the label shown."""
    return lambda key: _group_label(by, key, names)


# --- the score cache (predtrack score) ---------------------------------------------------------
#
# Here rather than in score_data: a cache hit then loads neither the models nor the scoring
# queries, which is a fifth of what a hit costs.
#
# A computed score is stored with the data version it was computed at (`data_version`, bumped
# by database triggers on every change to a table a score reads; migration 0003) and used
# only while the version has not moved. The version and the cached result are read in the
# same transaction, on the same snapshot, as the data would be: a hit is exactly what a
# recompute would return at that moment. The store is a separate short write transaction
# after the read one has ended; it keeps the result only if the version is still the one
# the result was computed at.

CACHE_ROWS = 32  # results kept at most (one per combination of options in use)
CACHE_LOCK_WAIT_MS = 200  # a cache write never waits longer than this for a busy writer


def cache_key(options: dict) -> tuple[str, str]:
    """(key, canonical options text): the key is the SHA-256 of the canonical JSON of `options`."""
    import hashlib
    import json

    canonical = json.dumps(options, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest(), canonical


def begin_snapshot(session) -> None:
    """Make every read of this session's transaction see one snapshot of the database.

    Call first, before the session reads anything. SQLite already reads one snapshot per
    transaction (WAL, from the first SELECT on); PostgreSQL's default READ COMMITTED takes a
    fresh one per statement, so ask for REPEATABLE READ there.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def cached_score(session, key: str) -> tuple[int | None, str | None]:
    """(the current data version, the cached payload for `key` at that version or None).

    The version is None when the database has no version row (then nothing is cached).
    """
    from sqlalchemy import text

    row = session.connection().execute(
        text(
            "SELECT d.version, c.payload FROM data_version d "
            "LEFT JOIN score_cache c ON c.key = :key AND c.version = d.version WHERE d.id = 1"
        ),
        {"key": key},
    ).first()
    if row is None:
        return None, None
    return int(row[0]), row[1]


def store_score(session, key: str, options: str, version: int, payload: str, now) -> bool:
    """Keep `payload` for `key` if the data is still at `version`; drop every older entry; cap the rows.

    Meant for a session of its own, after the reading transaction has ended. Waits at most
    CACHE_LOCK_WAIT_MS for another writer (a long import holds the lock for its whole run);
    raises the database's error then, which the caller may ignore: a cache is optional.
    Returns whether the payload was stored.
    """
    from predtrack import db

    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # The driver's connection, so that the usual timeout comes back even after an error.
        driver = connection.connection.driver_connection
        driver.execute(f"PRAGMA busy_timeout = {CACHE_LOCK_WAIT_MS}")
    else:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{CACHE_LOCK_WAIT_MS}ms'")
    try:
        return _store(connection, key, options, version, payload, now)
    finally:
        if sqlite:
            driver.execute(f"PRAGMA busy_timeout = {db.SQLITE_BUSY_TIMEOUT_MS}")


def _store(connection, key: str, options: str, version: int, payload: str, now) -> bool:
    from sqlalchemy import DateTime, bindparam, text

    current = "(SELECT version FROM data_version WHERE id = 1)"
    # The first statement writes, so that on SQLite the transaction takes the write lock at once.
    connection.execute(text(f"DELETE FROM score_cache WHERE version <> {current} OR key = :key"), {"key": key})
    stored = connection.execute(
        text(
            "INSERT INTO score_cache (key, options, version, payload, created_at) "
            "SELECT :key, :options, :version, :payload, :now FROM data_version WHERE id = 1 AND version = :version "
            "ON CONFLICT (key) DO UPDATE SET options = excluded.options, version = excluded.version, "
            "payload = excluded.payload, created_at = excluded.created_at"
        ).bindparams(bindparam("now", type_=DateTime(timezone=True))),
        {"key": key, "options": options, "version": version, "payload": payload, "now": now},
    ).rowcount
    connection.execute(
        text("DELETE FROM score_cache WHERE key NOT IN (SELECT key FROM score_cache ORDER BY created_at DESC, key LIMIT :cap)"),
        {"cap": CACHE_ROWS},
    )
    return bool(stored)


# --- the review report: gathering --------------------------------------------------------------


def _end_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(days=1)


def _fmt_outcome(outcome: str | None, value: float | None) -> str | None:
    if outcome is None:
        return None
    if outcome in ("yes", "no", "ambiguous", "annulled"):
        return outcome
    return f"{value:g}" if value is not None else outcome


def _prediction_rows(session, condition, order_by) -> list[dict]:
    from sqlalchemy import select

    from predtrack.models import Prediction

    query = select(
        Prediction.id,
        Prediction.claim,
        Prediction.deadline,
        Prediction.deadline_text,
        Prediction.deadline_vague,
        Prediction.owner,
        Prediction.outcome,
        Prediction.outcome_value,
        Prediction.resolved_on,
    ).where(condition).order_by(*order_by)
    return [
        {
            "id": r.id,
            "claim": r.claim,
            "deadline": r.deadline,
            "deadline_text": r.deadline_text,
            "vague": bool(r.deadline_vague),
            "owner": r.owner,
            "outcome": _fmt_outcome(r.outcome, r.outcome_value),
            "outcome_value": r.outcome_value,
            "resolved_on": r.resolved_on,
        }
        for r in session.execute(query)
    ]


def _forecasts_of(session, ids: list[str], as_of: date) -> dict[str, list[dict]]:
    """Every non-withdrawn forecast stated by the as-of date on these predictions, oldest first."""
    from sqlalchemy import select

    from predtrack.models import Forecast, Source

    result: dict[str, list[dict]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (
            select(Forecast.prediction_id, Source.name, Forecast.probability, Forecast.probability_kind, Forecast.probability_text, Forecast.stated, Forecast.id)
            .join(Source, Source.id == Forecast.source_id)
            .where(Forecast.prediction_id.in_(chunk), Forecast.withdrawn_at.is_(None), Forecast.stated <= as_of)
            .order_by(Forecast.prediction_id, Forecast.stated, Forecast.id)
        )
        for pid, source, probability, kind, text, stated, fid in session.execute(query):
            result[pid].append(
                {"source": source, "probability": probability, "probability_kind": kind, "probability_text": text, "stated": stated, "_id": fid}
            )
    return result


def _latest_per_source(forecasts: list[dict], cutoff: date) -> dict[str, dict]:
    """Source -> its counted forecast: the latest stated on or before the cutoff (ties: recorded last)."""
    latest: dict[str, dict] = {}
    for f in forecasts:
        if f["stated"] <= cutoff:
            current = latest.get(f["source"])
            if current is None or (f["stated"], f["_id"]) > (current["stated"], current["_id"]):
                latest[f["source"]] = f
    return latest


def _public(forecast: dict, **extra) -> dict:
    data = {k: v for k, v in forecast.items() if not k.startswith("_")}
    data.update(extra)
    return data


def _current_resolutions(session, ids: list[str]) -> dict[str, dict]:
    from sqlalchemy import select

    from predtrack.models import Resolution

    result: dict[str, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (
            select(Resolution.prediction_id, Resolution.note, Resolution.evidence, Resolution.recorded_by)
            .where(Resolution.prediction_id.in_(chunk), Resolution.superseded_at.is_(None))
            .order_by(Resolution.prediction_id, Resolution.id)
        )
        for pid, note, evidence, recorded_by in session.execute(query):
            try:
                links = [str(e) for e in json.loads(evidence or "[]")]
            except ValueError:
                links = [evidence]
            result[pid] = {"note": note, "evidence": links, "recorded_by": recorded_by}
    return result


def _known_by(as_of: date):
    """A prediction exists as of a date when it was recorded by then, or forecast by then
    (an import of old forecasts records them today, but they were tracked back then)."""
    from sqlalchemy import exists, or_

    from predtrack.models import Forecast, Prediction

    stated = exists().where(Forecast.prediction_id == Prediction.id, Forecast.withdrawn_at.is_(None), Forecast.stated <= as_of)
    return or_(Prediction.created_at < _end_of_day(as_of), stated)


def _counts(session, period: Period, as_of: date) -> dict[str, int]:
    from sqlalchemy import and_, case, func, or_, select

    from predtrack.models import Forecast, Prediction

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    unresolved = or_(Prediction.outcome.is_(None), Prediction.resolved_on > as_of)
    last_due_deadline = min(period.until, as_of) - timedelta(days=1)
    exists_by_as_of = _known_by(as_of)
    row = session.execute(
        select(
            count_if(exists_by_as_of),
            # Due from the day after the deadline: came due in the period, by the as-of date.
            count_if(and_(Prediction.deadline >= period.since - timedelta(days=1), Prediction.deadline <= last_due_deadline)),
            count_if(and_(Prediction.outcome.is_not(None), Prediction.resolved_on >= period.since, Prediction.resolved_on <= min(period.until, as_of))),
            count_if(and_(unresolved, Prediction.deadline < as_of)),
            count_if(and_(Prediction.created_at >= _end_of_day(period.since - timedelta(days=1)), Prediction.created_at < _end_of_day(min(period.until, as_of)))),
            count_if(and_(unresolved, exists_by_as_of)),
        )
    ).one()
    forecasts, sources = session.execute(
        select(func.count(), func.count(func.distinct(Forecast.source_id))).where(Forecast.withdrawn_at.is_(None), Forecast.stated <= as_of)
    ).one()
    return {
        "tracked": int(row[0]),
        "came_due": int(row[1]),
        "resolved": int(row[2]),
        "overdue": int(row[3]),
        "new": int(row[4]),
        "unresolved": int(row[5]),
        "forecasts": int(forecasts),
        "sources": int(sources),
    }


def _calibration(rows: list[tuple], names: dict[int, str], top_sources: int) -> dict[str, Any]:
    """Calibration bins for all scored forecasts and for the sources with the most of them."""
    from collections import Counter

    import numpy as np

    from predtrack import score_data

    scored = [r for r in rows if r[score_data.STATUS] == scoring.SCORED]
    sources = np.array([r[score_data.SOURCE] for r in scored], dtype=np.int64)
    p = np.array([r[score_data.PROBABILITY] for r in scored], dtype=np.float64)
    o = np.array([r[score_data.OUTCOME] for r in scored], dtype=np.float64)
    result = {
        "bins": scoring.DEFAULT_BINS,
        "overall": {"n": len(scored), "bins": [b.as_dict() for b in scoring.calibration_of_arrays(p, o)]},
        "sources": [],
    }
    counts = Counter(sources.tolist())
    charted = sorted(counts.items(), key=lambda item: (-item[1], names[item[0]]))[:top_sources]
    for source_id, n in charted:
        mine = sources == source_id
        bins = scoring.calibration_of_arrays(p[mine], o[mine])
        result["sources"].append({"source": names[source_id], "n": n, "bins": [b.as_dict() for b in bins]})
    return result


def gather_report(
    session,
    period: Period,
    as_of: date,
    *,
    eps: float = scoring.DEFAULT_CLIP,
    consensus: str = DEFAULT_CONSENSUS,
    top_sources: int = TOP_SOURCES_CHARTED,
) -> dict[str, Any]:
    """Everything the quarterly review shows, as plain data (dates as date objects)."""
    from sqlalchemy import and_, or_

    from predtrack import score_data
    from predtrack.models import Prediction

    scoring.check_clip(eps)
    unresolved = or_(Prediction.outcome.is_(None), Prediction.resolved_on > as_of)

    # One read of every counted forecast serves the tables by source, outlet and kind,
    # the consensus and the calibration charts.
    rows = score_data.counted_forecasts(session, score_data.Selection(as_of=as_of, by="outlet"))
    names = score_data.source_names(session, {r[score_data.SOURCE] for r in rows})
    tables, consensus_row = score_groupings(
        rows,
        {
            "source": (score_data.SOURCE, names.__getitem__),
            "outlet": (score_data.GROUP, lambda outlet: outlet or NO_OUTLET),
            "kind": (score_data.KIND, str),
            "all": (None, lambda _: "all sources"),
        },
        rows,
        consensus,
        eps,
    )
    by_source, by_outlet, by_kind = tables["source"], tables["outlet"], tables["kind"]
    overall = tables["all"][0] if tables["all"] else scoring.score_row("all sources", scoring.GroupTally(), eps=eps, consensus_brier={})

    calibration = _calibration(rows, names, top_sources)

    pending_sources = sorted(
        ({"source": row["group"], "pending": row["pending"]} for row in by_source if row["pending"]),
        key=lambda item: (-item["pending"], item["source"]),
    )

    # Action list: everything unresolved past its deadline, oldest first.
    overdue = _prediction_rows(session, and_(unresolved, Prediction.deadline < as_of), (Prediction.deadline, Prediction.id))
    resolved = _prediction_rows(
        session,
        and_(Prediction.outcome.is_not(None), Prediction.resolved_on >= period.since, Prediction.resolved_on <= min(period.until, as_of)),
        (Prediction.resolved_on, Prediction.id),
    )
    following = following_period(period)
    coming = _prediction_rows(
        session,
        and_(unresolved, Prediction.deadline >= max(following.since, as_of), Prediction.deadline <= following.until),
        (Prediction.deadline, Prediction.id),
    )
    to_fix = _prediction_rows(
        session,
        and_(unresolved, or_(Prediction.deadline.is_(None), Prediction.deadline_vague.is_(True)), _known_by(as_of)),
        (Prediction.id,),
    )
    # The unresolved predictions' forecasts are the pending rows already read: each source's latest.
    waiting: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r[score_data.STATUS] == scoring.PENDING:
            waiting[r[score_data.PREDICTION]].append(
                {"source": names[r[score_data.SOURCE]], "probability": r[score_data.PROBABILITY], "probability_kind": r[score_data.KIND]}
            )
    forecasts = _forecasts_of(session, [p["id"] for p in resolved], as_of)
    resolutions = _current_resolutions(session, [p["id"] for p in resolved])

    def with_forecasts(p: dict) -> None:
        mine = sorted(waiting.get(p["id"], []), key=lambda f: f["source"])
        p["forecasts"] = mine
        p["consensus"] = scoring.consensus([f["probability"] for f in mine], consensus, eps) if mine else None

    for p in overdue:
        with_forecasts(p)
        p["days_overdue"] = (as_of - p["deadline"]).days
        p["resolve_yes"] = f"predtrack resolve {p['id']} yes"
        p["resolve_no"] = f"predtrack resolve {p['id']} no"
    for p in coming + to_fix:
        with_forecasts(p)
        p["problem"] = "no deadline" if p["deadline"] is None else ("vague deadline" if p["vague"] else None)
    for p in resolved:
        cutoff = p["resolved_on"]
        all_forecasts = forecasts.get(p["id"], [])
        latest = _latest_per_source(all_forecasts, cutoff)
        counted_ids = {f["_id"] for f in latest.values()}
        entries = []
        for f in sorted(all_forecasts, key=lambda f: (f["source"], f["stated"], f["_id"])):
            counted = f["_id"] in counted_ids
            brier = (f["probability"] - p["outcome_value"]) ** 2 if counted and p["outcome_value"] is not None else None
            why = None if counted else ("stated after the outcome was known" if f["stated"] > cutoff else "superseded by a later forecast")
            entries.append(_public(f, counted=counted, brier=brier, not_counted_because=why))
        p["forecasts"] = entries
        p["consensus"] = scoring.consensus(sorted(f["probability"] for f in latest.values()), consensus, eps) if latest else None
        p["consensus_brier"] = (
            (p["consensus"] - p["outcome_value"]) ** 2 if p["consensus"] is not None and p["outcome_value"] is not None else None
        )
        p.update(resolutions.get(p["id"], {"note": None, "evidence": [], "recorded_by": None}))

    counts = _counts(session, period, as_of)
    counts["scored_forecasts"] = overall["n"]
    counts["pending_forecasts"] = overall["pending"]
    counts["unscored_forecasts"] = overall["ambiguous"] + overall["annulled"]
    return {
        "schema": REPORT_SCHEMA,
        "title": f"Quarterly review: {period.label}" if period == quarter_of(period.since) else f"Review: {period.label}",
        "period": {"name": period.name, "label": period.label, "since": period.since, "until": period.until},
        "as_of": as_of,
        "scoring": {
            "brier_scale": "0-1",
            "clip": eps,
            "consensus": consensus,
            "ranking": "shrunk Brier",
            "ranking_note": RANKING_NOTE,
            "pseudo_count": scoring.SHRINKAGE_PSEUDO_COUNT,
            "counted": "for each source and prediction, the latest forecast stated on or before the day the outcome became known",
        },
        "headline": counts,
        "action_list": overdue,
        "resolved": resolved,
        "track_record": {
            "overall": overall,
            "consensus": consensus_row,
            "by_source": by_source,
            "by_outlet": by_outlet,
            "by_kind": by_kind,
            "pending_by_source": pending_sources,
        },
        "calibration": calibration,
        "coming_due": {"period": {"name": following.name, "label": following.label, "since": following.since, "until": following.until}, "predictions": coming},
        "to_fix": to_fix,
    }


# --- rendering ---------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def render_json(context: dict) -> str:
    """JSON with one list item per line: readable and diffable, yet written by the C encoder.

    (json.dumps with `indent` falls back to the pure-Python encoder: seconds on a big report.)
    """
    return _json_block(context, "") + "\n"


def _json_block(value: Any, pad: str) -> str:
    inner = pad + "  "
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_json_block(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(inner + _json_compact(item) for item in value) + "\n" + pad + "]"
    return _json_compact(value)


def _json_compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(", ", ": "))


def render_markdown(context: dict) -> str:
    text = _environment().get_template("report.md.j2").render(r=context)
    # Template blocks leave runs of blank lines; one is all Markdown needs.
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def render_html(context: dict) -> str:
    from predtrack import charts

    calibration = context["calibration"]
    overall_chart = sources_chart = None
    if calibration["overall"]["n"]:
        overall_chart = charts.calibration_svg(calibration["overall"]["bins"], f"All sources (n={calibration['overall']['n']})")
    if calibration["sources"]:
        sources_chart = charts.calibration_grid_svg([(f"{c['source']} (n={c['n']})", c["bins"]) for c in calibration["sources"]])
    return _environment().get_template("report.html.j2").render(r=context, overall_chart=overall_chart, sources_chart=sources_chart)


_MD_ESCAPED = re.compile(r"([\\`*_\[\]{}|~])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([#+=-])|(\d+)([.)]))")


def md_inline(value: Any) -> str:
    """Text from the data as inline Markdown that renders as the same text.

    One line (newlines and tabs become spaces), HTML special characters as entities (a claim
    cannot render as HTML), Markdown punctuation and `|` backslash-escaped (it cannot become
    emphasis, a link or a code span, nor split a table cell), and no list or heading marker
    at the start.
    """
    if value is None:
        return ""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_ESCAPED.sub(r"\\\1", text)
    return _MD_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match) -> str:
    if match.group(2):
        return f"{match.group(1)}\\{match.group(2)}"
    return f"{match.group(1)}{match.group(3)}\\{match.group(4)}"


_SAFE_URL = re.compile(r"^https?://[^\s<>`|\\]+$")


def md_link(value: Any) -> str:
    """A link as a Markdown autolink when it is a plain http(s) URL, else as escaped text."""
    text = str(value or "").strip()
    return f"<{text}>" if _SAFE_URL.match(text) else md_inline(text)


def fmt_score(value: float | None, signed: bool = False) -> str:
    """Three decimals (Brier 0.040); an en dash when there is nothing to show."""
    if value is None:
        return "–"
    text = f"{value:+.3f}" if signed else f"{value:.3f}"
    return "0.000" if text in ("-0.000", "+0.000") else text


def fmt_percent(value: float | None) -> str:
    if value is None:
        return "–"
    percent = value * 100
    return f"{percent:.0f}%" if abs(percent - round(percent)) < 1e-9 else f"{percent:.1f}%"


def fmt_date(value: date | None) -> str:
    return value.isoformat() if value else "–"


FILTERS = {"md": md_inline, "md_link": md_link, "score": fmt_score, "percent": fmt_percent, "day": fmt_date}


RENDERERS = {"md": render_markdown, "html": render_html, "json": render_json}


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("predtrack", "templates"),
        # HTML templates escape every value; Markdown ones escape with the `md` filter instead.
        autoescape=lambda name: bool(name) and name.endswith((".html.j2", ".html")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def write_atomically(path: Path, text: str) -> None:
    """Write the whole file or nothing: a temporary file beside it, flushed, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # A temporary file is private (0600); a report is meant to be read: keep the mode of
        # the file it replaces, else rw-r--r--.
        os.chmod(handle.name, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def write_report(context: dict, out_dir: Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Render every format first, then write each atomically; returns the paths written."""
    formats = list(formats)
    for fmt in formats:
        if fmt not in RENDERERS:
            raise InvalidValue("format", fmt, ", ".join(FORMATS))
    rendered = [(Path(out_dir) / f"{context['period']['name']}.{fmt}", RENDERERS[fmt](context)) for fmt in formats]
    for path, text in rendered:
        write_atomically(path, text)
    return [path for path, _ in rendered]


def write_quarterly_report(
    engine,
    settings,
    now: datetime,
    session=None,
    *,
    quarter: str | None = None,
    out_dir: Path | None = None,
    formats: Iterable[str] = FORMATS,
) -> list[Path]:
    """Write the review of the last complete quarter before `now` (or `quarter`) into the reports folder.

    The scheduler calls this on the first day of each quarter, so by default it reviews the
    quarter that has just ended, as of `now`'s date in the configured timezone. Pass
    `session` to reuse an open one (then `engine` may be None). Returns the paths written.
    """
    from zoneinfo import ZoneInfo

    as_of = now.astimezone(ZoneInfo(settings.nag.timezone)).date()
    period = parse_quarter(quarter) if quarter else previous_quarter(as_of)
    target = Path(out_dir) if out_dir is not None else Path(settings.reports_dir)
    if session is not None:
        context = gather_report(session, period, as_of)
    else:
        from predtrack import db

        with db.session(engine) as own_session:
            context = gather_report(own_session, period, as_of)
    return write_report(context, target, formats)
