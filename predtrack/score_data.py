"""Which forecasts count, read with one set-based query (a service: takes a Session, never writes).

For each source and prediction the counted forecast is the latest non-withdrawn one stated on
or before the cutoff: the day the outcome became known (`resolved_on`) for a prediction
resolved by the as-of date, else the as-of date itself. Two forecasts stated on the same day:
the one recorded last (higher id) counts. `all_forecasts` counts every non-withdrawn
forecast stated by the cutoff instead.

Why `stated <= resolved_on` and not `<`: both are dates, so a forecast stated on the day the
outcome became known may have come before or after the news; we cannot tell and keep it
(DESIGN: a forecast stated *after* the outcome became known is never scored). It also keeps
a forecast recorded and resolved on the same day from vanishing.
A forecast stated after the as-of date does not exist yet as of that date; a resolution for a
day after the as-of date is not known yet, so that prediction is pending.

Every counted forecast has a status: scored (the prediction has an outcome value), pending
(no outcome known by the as-of date: unresolved, or no deadline yet), ambiguous or annulled
(counted, never scored).

`since`/`until` select resolved predictions by `resolved_on`; pending forecasts have no
resolution date and are counted whatever the window.

Two readings of the same selection, each one query:
- `counted_forecasts`: one plain tuple per counted forecast, never ORM objects:
  (prediction_id, probability, status, outcome_value, source_id, probability_kind, latest, group)
  `latest` is True for the source's counted forecast (always, unless all_forecasts); `group`
  is the outlet, a tag or None (see `by`).
- `score_totals`: the database adds up, per group and status, what `scoring.Sums` needs, so
  that a million forecasts never travel to Python: (group, status, n, brier, outcome,
  outcome_sq, probability, loglik).
The latest forecast is found with NOT EXISTS on the (prediction_id, source_id) index: on a
million forecasts it measured 1.8x (PostgreSQL) to 2x (SQLite) faster than ROW_NUMBER().
When no source has two forecasts on one prediction (`has_updates`), the probe is left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from sqlalchemy import and_, case, exists, func, literal, not_, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Join
from sqlmodel import Session

from predtrack.models import Article, Forecast, Prediction, PredictionTag, Source

# Positions in a counted-forecast row.
PREDICTION, PROBABILITY, STATUS, OUTCOME, SOURCE, KIND, LATEST, GROUP = range(8)
GROUPINGS = ("source", "outlet", "tag", "kind")
SCORED, PENDING, AMBIGUOUS, ANNULLED = "scored", "pending", "ambiguous", "annulled"


@dataclass(frozen=True)
class Selection:
    """What to count: the as-of date, a resolution window, tags, sources, every forecast or not.

    `tags`: predictions carrying any of them. `by`: what the group column holds ("source" and
    "kind" need no join; "outlet" is the outlet of the forecast's article, else of the
    prediction's; "tag" gives one row per tag of the prediction, None when it has none, and
    only the selected tags when `tags` is set).
    """

    as_of: date
    since: date | None = None
    until: date | None = None
    tags: tuple[str, ...] = ()
    source_ids: tuple[int, ...] | None = None  # None: every source
    prediction_ids: tuple[str, ...] | None = None  # None: every prediction
    all_forecasts: bool = False
    by: str = "source"


def _pending(as_of: date):
    """Not known by the as-of date: unresolved, or resolved on a later day.

    (A resolution without a date, which the store never writes, counts as known.)
    """
    return or_(Prediction.outcome.is_(None), Prediction.resolved_on > as_of)


def _counted(selection: Selection, *, updates: bool = True):
    """(outer joins, conditions, status column, latest column, group column) for a selection.

    `updates=False` promises that no source has two forecasts on one prediction (see
    `has_updates`): every forecast is then the latest and the probe is left out.
    """
    if selection.by not in GROUPINGS:
        raise ValueError(f"unknown grouping {selection.by!r}: expected one of {', '.join(GROUPINGS)}")
    as_of = selection.as_of
    pending = _pending(as_of)
    # Never after the as-of date: resolved_on is used only when it is on or before it.
    cutoff = case(
        (and_(Prediction.outcome.is_not(None), Prediction.resolved_on <= as_of), Prediction.resolved_on),
        else_=literal(as_of),
    )
    status = case(
        (pending, literal(PENDING)),
        (Prediction.outcome_value.is_not(None), literal(SCORED)),
        (Prediction.outcome == "annulled", literal(ANNULLED)),
        else_=literal(AMBIGUOUS),
    )
    later = aliased(Forecast, name="later")
    superseded = exists().where(
        later.prediction_id == Forecast.prediction_id,
        later.source_id == Forecast.source_id,
        # Implied by the last condition, but SQLite can test it from the index alone, which
        # spares reading the row itself for the usual pair with a single forecast.
        later.id != Forecast.id,
        later.withdrawn_at.is_(None),
        later.stated <= cutoff,
        or_(later.stated > Forecast.stated, and_(later.stated == Forecast.stated, later.id > Forecast.id)),
    )
    conditions = [Forecast.withdrawn_at.is_(None), Forecast.stated <= cutoff]
    if updates and not selection.all_forecasts:
        conditions.append(not_(superseded))
    if selection.since is not None:
        conditions.append(or_(pending, Prediction.resolved_on >= selection.since))
    if selection.until is not None:
        conditions.append(or_(pending, Prediction.resolved_on <= selection.until))
    if selection.tags:
        tagged = select(PredictionTag.prediction_id).where(PredictionTag.tag.in_(selection.tags))
        conditions.append(Forecast.prediction_id.in_(tagged))
    if selection.source_ids is not None:
        conditions.append(Forecast.source_id.in_(selection.source_ids))
    if selection.prediction_ids is not None:
        conditions.append(Forecast.prediction_id.in_(selection.prediction_ids))

    joins: list[tuple] = []
    if selection.by == "source":
        group = Forecast.source_id
    elif selection.by == "kind":
        group = Forecast.probability_kind
    elif selection.by == "outlet":
        joins.append((Article, Article.id == func.coalesce(Forecast.article_id, Prediction.article_id)))
        group = Article.outlet
    else:
        tag_join = PredictionTag.prediction_id == Prediction.id
        if selection.tags:
            tag_join = and_(tag_join, PredictionTag.tag.in_(selection.tags))
        joins.append((PredictionTag, tag_join))
        group = PredictionTag.tag
    latest = not_(superseded) if updates and selection.all_forecasts else literal(True)
    return joins, conditions, status, latest, group


class _PredictionsFirst(Join):
    """An inner join whose left side drives the loop, on SQLite too.

    SQLite's planner, grouping by source, otherwise walks forecasts in source order through
    their source index and looks up each prediction at random: 8.8 s instead of 1.6 s for a
    million forecasts. Its CROSS JOIN keeps the written order (and means an inner join);
    other databases get a plain JOIN.
    """

    inherit_cache = True


@compiles(_PredictionsFirst, "sqlite")
def _compile_predictions_first(element, compiler, **kw):
    kw["asfrom"] = True
    left = element.left._compiler_dispatch(compiler, **kw)
    right = element.right._compiler_dispatch(compiler, **kw)
    return f"{left} CROSS JOIN {right} ON {element.onclause._compiler_dispatch(compiler, **kw)}"


def _from(query, joins: list[tuple]):
    from_clause = _PredictionsFirst(Prediction.__table__, Forecast.__table__, Forecast.prediction_id == Prediction.id)
    for target, onclause in joins:
        from_clause = from_clause.outerjoin(target, onclause)
    query = query.select_from(from_clause)
    return query


def counted_forecasts(session: Session, selection: Selection) -> list[tuple]:
    """The counted forecasts as plain tuples (layout in the module docstring), by prediction and source."""
    joins, conditions, status, latest, group = _counted(selection, updates=has_updates(session))
    query = _from(
        select(
            Forecast.prediction_id,
            Forecast.probability,
            status,
            Prediction.outcome_value,
            Forecast.source_id,
            Forecast.probability_kind,
            latest,
            group,
        ),
        joins,
    ).where(*conditions)
    # A fixed order makes every sum over the rows, and so every digit of a report, the same
    # on each run and each database. On SQLite it is the order of the scan anyway (the
    # prediction key, then the (prediction_id, source_id) index, whose last column is the id).
    query = query.order_by(Prediction.id, Forecast.source_id, Forecast.id, *([group] if selection.by == "tag" else []))
    result = session.connection().execute(query)
    # The driver's own tuples: these columns need no conversion, and SQLAlchemy's per-row
    # processing would cost a third of the time on a million rows.
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def score_totals(session: Session, selection: Selection, eps: float) -> list[tuple]:
    """Per (group, status): n and the sums `scoring.tally_sums` reads, added up by the database.

    The query groups by the group alone and counts each status with a conditional aggregate
    (FILTER on PostgreSQL, SUM(CASE) elsewhere): grouping by (group, status) made PostgreSQL
    guess 333,333 groups where there were 20,000, sort instead of hash and spill to disk
    (859 -> 571 ms on a million forecasts). The sums cover scored rows only; the rows come
    back per status, as before, with NULL sums for the statuses that are never scored.
    """
    joins, conditions, _status, _latest, group = _counted(selection, updates=has_updates(session))
    connection = session.connection()
    filtered = connection.dialect.name == "postgresql"
    p = Forecast.probability
    o = Prediction.outcome_value
    q = case((p < eps, literal(eps)), (p > 1.0 - eps, literal(1.0 - eps)), else_=p)
    pending = _pending(selection.as_of)
    known = not_(pending)
    by_status = {
        SCORED: and_(known, o.is_not(None)),
        PENDING: pending,
        ANNULLED: and_(known, o.is_(None), Prediction.outcome == "annulled"),
        AMBIGUOUS: and_(known, o.is_(None), Prediction.outcome != "annulled"),
    }
    scored = by_status[SCORED]

    def count_where(condition):
        return func.count().filter(condition) if filtered else func.sum(case((condition, 1), else_=0))

    def sum_scored(expression):
        return func.sum(expression).filter(scored) if filtered else func.sum(case((scored, expression)))

    query = (
        _from(
            select(
                group.label("group_key"),
                *(count_where(condition) for condition in by_status.values()),
                sum_scored((p - o) * (p - o)),
                sum_scored(o),
                sum_scored(o * o),
                sum_scored(p),
                sum_scored(o * func.ln(q) + (1.0 - o) * func.ln(1.0 - q)),
            ),
            joins,
        )
        .where(*conditions)
        .group_by(group)
    )
    _ensure_ln(connection)
    totals: list[tuple] = []
    statuses = list(by_status)
    for row in connection.execute(query):
        key, counts, sums = row[0], row[1:5], tuple(row[5:])
        for status, n in zip(statuses, counts):
            if n:
                totals.append((key, status, int(n), *(sums if status == SCORED else (None,) * len(sums))))
    return totals


def has_updates(session: Session) -> bool:
    """Whether any source has more than one forecast on a prediction (withdrawn ones included).

    When none has, every forecast is its source's latest and the per-forecast NOT EXISTS probe
    can be left out: a quarter of the time of scoring a million forecasts on SQLite, for an
    index-only scan that costs a tenth. The answer errs on the safe side (withdrawn forecasts
    count), so leaving the probe out never changes a result.
    """
    query = select(literal(1)).select_from(Forecast).group_by(Forecast.prediction_id, Forecast.source_id).having(func.count() > 1).limit(1)
    return session.connection().execute(query).first() is not None


def _ensure_ln(connection) -> None:
    """SQLite has ln() only when built with its math functions: supply Python's where missing."""
    if connection.dialect.name != "sqlite":
        return
    try:
        connection.exec_driver_sql("SELECT ln(0.5)").scalar()
    except DBAPIError:
        provide_sqlite_ln(connection)


def provide_sqlite_ln(connection) -> None:
    connection.connection.driver_connection.create_function("ln", 1, math.log, deterministic=True)


def source_names(session: Session, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Source id -> name, for every source (or for those ids)."""
    query = select(Source.id, Source.name)
    if ids is not None:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        if len(wanted) <= 500:
            query = query.where(Source.id.in_(wanted))
    return {row[0]: row[1] for row in session.connection().execute(query)}


# --- the score cache ---------------------------------------------------------------------------
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


def begin_snapshot(session: Session) -> None:
    """Make every read of this session's transaction see one snapshot of the database.

    Call first, before the session reads anything. SQLite already reads one snapshot per
    transaction (WAL, from the first SELECT on); PostgreSQL's default READ COMMITTED takes a
    fresh one per statement, so ask for REPEATABLE READ there.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def cached_score(session: Session, key: str) -> tuple[int | None, str | None]:
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


def store_score(session: Session, key: str, options: str, version: int, payload: str, now) -> bool:
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
    from sqlalchemy import bindparam, text

    from predtrack.models import ScoreCache

    current = "(SELECT version FROM data_version WHERE id = 1)"
    # The first statement writes, so that on SQLite the transaction takes the write lock at once.
    connection.execute(text(f"DELETE FROM score_cache WHERE version <> {current} OR key = :key"), {"key": key})
    stored = connection.execute(
        text(
            "INSERT INTO score_cache (key, options, version, payload, created_at) "
            "SELECT :key, :options, :version, :payload, :now FROM data_version WHERE id = 1 AND version = :version "
            "ON CONFLICT (key) DO UPDATE SET options = excluded.options, version = excluded.version, "
            "payload = excluded.payload, created_at = excluded.created_at"
        ).bindparams(bindparam("now", type_=ScoreCache.__table__.c.created_at.type)),
        {"key": key, "options": options, "version": version, "payload": payload, "now": now},
    ).rowcount
    connection.execute(
        text("DELETE FROM score_cache WHERE key NOT IN (SELECT key FROM score_cache ORDER BY created_at DESC, key LIMIT :cap)"),
        {"cap": CACHE_ROWS},
    )
    return bool(stored)
