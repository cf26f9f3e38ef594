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

    The sums over pending, ambiguous and annulled rows are meaningless (no outcome) and come
    back as NULL; only n matters for them.

    Two shapes of one query, each the faster on its database (a million forecasts):
    - PostgreSQL groups by the group alone and counts each status with `count(*) FILTER`:
      grouped by (group, status) it guessed 333,333 groups where there were 20,000, sorted
      instead of hashing, and spilled to disk (859 -> 571 ms).
    - SQLite sorts for any GROUP BY; there the conditional aggregates cost more than they
      save (the status conditions are tested nine times per row: 1.5 -> 1.8-2.0 s), so it
      groups by (group, status), computing the status once per row.
    """
    joins, conditions, status, _latest, group = _counted(selection, updates=has_updates(session))
    connection = session.connection()
    p = Forecast.probability
    o = Prediction.outcome_value
    q = case((p < eps, literal(eps)), (p > 1.0 - eps, literal(1.0 - eps)), else_=p)
    sums = [(p - o) * (p - o), o, o * o, p, o * func.ln(q) + (1.0 - o) * func.ln(1.0 - q)]
    _ensure_ln(connection)
    if connection.dialect.name != "postgresql":
        query = (
            _from(select(group.label("group_key"), status.label("status"), func.count(), *(func.sum(x) for x in sums)), joins)
            .where(*conditions)
            # By the output names: the status CASE is then computed once per row, not twice.
            .group_by("group_key", "status")
        )
        return [tuple(row) for row in connection.execute(query)]

    pending = _pending(selection.as_of)
    known = not_(pending)
    by_status = {
        SCORED: and_(known, o.is_not(None)),
        PENDING: pending,
        ANNULLED: and_(known, o.is_(None), Prediction.outcome == "annulled"),
        AMBIGUOUS: and_(known, o.is_(None), Prediction.outcome != "annulled"),
    }
    query = (
        _from(
            select(
                group.label("group_key"),
                *(func.count().filter(condition) for condition in by_status.values()),
                *(func.sum(x).filter(by_status[SCORED]) for x in sums),
            ),
            joins,
        )
        .where(*conditions)
        .group_by(group)
    )
    totals: list[tuple] = []
    for row in connection.execute(query):
        key, counts, scored_sums = row[0], row[1:5], tuple(row[5:])
        for status_name, n in zip(by_status, counts):
            if n:
                totals.append((key, status_name, int(n), *(scored_sums if status_name == SCORED else (None,) * len(sums))))
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

