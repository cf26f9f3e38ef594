"""Read-side services: list, due, show, sources. Take a Session; never write.

Status of a prediction on an as-of date:
- resolved: it has an outcome;
- due: unresolved and its deadline has passed (deadline < as-of: the event can no longer
  happen in time);
- open: unresolved and its deadline is today or later, or it has no deadline.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Iterable

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from predtrack.errors import InvalidValue
from predtrack.models import Article, Event, Forecast, Prediction, PredictionTag, Resolution, Source

STATUSES = ("open", "due", "resolved", "all")
_LIST_COLUMNS = (
    Prediction.id,
    Prediction.claim,
    Prediction.criteria,
    Prediction.deadline,
    Prediction.deadline_text,
    Prediction.deadline_vague,
    Prediction.owner,
    Prediction.outcome,
    Prediction.outcome_value,
    Prediction.resolved_on,
)


def status_of(prediction: Any, as_of: date) -> str:
    if prediction.outcome is not None:
        return "resolved"
    if prediction.deadline is not None and prediction.deadline < as_of:
        return "due"
    return "open"


def days_overdue(prediction: Any, as_of: date) -> int:
    """Days since the deadline passed (0 unless due): due on the day after the deadline is 1."""
    if prediction.outcome is None and prediction.deadline is not None and prediction.deadline < as_of:
        return (as_of - prediction.deadline).days
    return 0


def _status_condition(status: str, as_of: date):
    unresolved = Prediction.outcome.is_(None)
    if status == "resolved":
        return Prediction.outcome.is_not(None)
    if status == "due":
        return and_(unresolved, Prediction.deadline < as_of)
    if status == "open":
        return and_(unresolved, or_(Prediction.deadline.is_(None), Prediction.deadline >= as_of))
    return None


def list_predictions(
    session: Session,
    *,
    as_of: date,
    status: str = "open",
    source: str | None = None,
    tag: str | None = None,
    search: str | None = None,
    due_within: int | None = None,
    limit: int | None = None,
) -> list[Any]:
    """Predictions (rows of _LIST_COLUMNS) matching the filters: due ones oldest deadline first, others by deadline then id."""
    if status not in STATUSES:
        raise InvalidValue("status", status, ", ".join(STATUSES))
    # Plain rows, not ORM objects: building 10,000 entities cost twice the time of the rows.
    query = select(*_LIST_COLUMNS)
    if due_within is not None:
        # What needs resolving now, or will within DAYS: unresolved, deadline before as-of + DAYS.
        query = query.where(Prediction.outcome.is_(None), Prediction.deadline < as_of + timedelta(days=due_within))
    else:
        condition = _status_condition(status, as_of)
        if condition is not None:
            query = query.where(condition)
    if source:
        from predtrack.store import source_by_name

        src = source_by_name(session, source)
        source_ids = [src.id] if src else []
        query = query.where(Prediction.id.in_(select(Forecast.prediction_id).where(Forecast.source_id.in_(source_ids), Forecast.withdrawn_at.is_(None))))
    if tag:
        query = query.where(Prediction.id.in_(select(PredictionTag.prediction_id).where(PredictionTag.tag == tag.strip().lower())))
    if search:
        pattern = f"%{search.strip().lower()}%"
        from sqlalchemy import func

        query = query.where(or_(func.lower(Prediction.claim).like(pattern), func.lower(func.coalesce(Prediction.criteria, "")).like(pattern), Prediction.id.like(pattern)))
    query = query.order_by(Prediction.deadline.is_(None), Prediction.deadline, Prediction.id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query))


def _forecasts_by_prediction(session: Session, ids: list[str], include_withdrawn: bool = False) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        query = (
            select(
                Forecast.prediction_id,
                Forecast.probability,
                Forecast.probability_kind,
                Forecast.probability_text,
                Forecast.stated,
                Forecast.quote,
                Forecast.withdrawn_at,
                Source.name,
                Article.url,
                Article.title,
                Article.seed,
            )
            .join(Source, Source.id == Forecast.source_id)
            .outerjoin(Article, Article.id == Forecast.article_id)
            .where(Forecast.prediction_id.in_(chunk))
            .order_by(Forecast.stated, Forecast.id)
        )
        if not include_withdrawn:
            query = query.where(Forecast.withdrawn_at.is_(None))
        for forecast in session.execute(query):
            source_name, url, title, seed = forecast.name, forecast.url, forecast.title, forecast.seed
            entry = {
                "source": source_name,
                "probability": forecast.probability,
                "probability_kind": forecast.probability_kind,
                "probability_text": forecast.probability_text,
                "stated": forecast.stated,
                "quote": forecast.quote,
                "article": url,
                # Seed articles have no url: the title (or seed file) says where it was stated.
                "article_title": title or (f"seed {seed}" if seed else None),
            }
            if include_withdrawn:
                entry["withdrawn"] = forecast.withdrawn_at
            result[forecast.prediction_id].append(entry)
    return result


def _tags_by_prediction(session: Session, ids: list[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = defaultdict(list)
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for pid, tag in session.execute(select(PredictionTag.prediction_id, PredictionTag.tag).where(PredictionTag.prediction_id.in_(chunk)).order_by(PredictionTag.tag)):
            result[pid].append(tag)
    return result


def _resolution_dict(resolution: Resolution) -> dict[str, Any]:
    return {
        "outcome": resolution.outcome if resolution.outcome_value is None or resolution.outcome in ("yes", "no") else resolution.outcome_value,
        "date": resolution.resolved_on,
        "note": resolution.note,
        "evidence": json.loads(resolution.evidence or "[]"),
        "recorded_by": resolution.recorded_by,
        "recorded_at": resolution.recorded_at,
    }


def prediction_dicts(session: Session, predictions: Iterable[Any], as_of: date) -> list[dict[str, Any]]:
    """The `list --json` shape for many predictions (ORM objects or rows with the same names),
    with two queries in all, not one per prediction."""
    predictions = list(predictions)
    ids = [p.id for p in predictions]
    forecasts = _forecasts_by_prediction(session, ids)
    tags = _tags_by_prediction(session, ids)
    return [
        {
            "id": p.id,
            "claim": p.claim,
            "criteria": p.criteria,
            "deadline": p.deadline,
            "deadline_text": p.deadline_text,
            "vague": p.deadline_vague,
            "status": status_of(p, as_of),
            "days_overdue": days_overdue(p, as_of),
            "tags": tags.get(p.id, []),
            "owner": p.owner,
            "outcome": p.outcome if p.outcome_value is None or p.outcome in ("yes", "no") else p.outcome_value,
            "resolved_on": p.resolved_on,
            "forecasts": forecasts.get(p.id, []),
        }
        for p in predictions
    ]


def prediction_detail(session: Session, prediction: Prediction, as_of: date) -> dict[str, Any]:
    """The `show --json` shape: the list keys plus resolution, its history, events, article."""
    data = prediction_dicts(session, [prediction], as_of)[0]
    data["notes"] = prediction.notes
    data["created_at"] = prediction.created_at
    data["snoozed_until"] = prediction.snoozed_until
    withdrawn = [f for f in _forecasts_by_prediction(session, [prediction.id], include_withdrawn=True).get(prediction.id, []) if f["withdrawn"]]
    data["withdrawn_forecasts"] = withdrawn
    resolutions = list(session.execute(select(Resolution).where(Resolution.prediction_id == prediction.id).order_by(Resolution.recorded_at, Resolution.id)).scalars())
    current = [r for r in resolutions if r.superseded_at is None]
    data["resolution"] = _resolution_dict(current[-1]) if current else None
    data["resolution_history"] = [dict(_resolution_dict(r), superseded_at=r.superseded_at) for r in resolutions if r.superseded_at is not None]
    article = session.get(Article, prediction.article_id) if prediction.article_id else None
    data["article"] = (
        {"title": article.title, "outlet": article.outlet, "author": article.author, "published": article.published, "url": article.url}
        if article
        else None
    )
    events = session.execute(select(Event).where(Event.prediction_id == prediction.id).order_by(Event.at, Event.id)).scalars()
    data["events"] = [{"at": e.at, "actor": e.actor, "action": e.action, "details": json.loads(e.details)} for e in events]
    return data


def source_rows(session: Session) -> list[dict[str, Any]]:
    """Every source with its kind, organisation, aliases and forecast counts."""
    from sqlalchemy import func

    from predtrack.models import SourceAlias

    organisation = Source.__table__.alias("organisation")
    counts = (
        select(Forecast.source_id, func.count().label("forecasts"), func.count(func.distinct(Forecast.prediction_id)).label("predictions"))
        .where(Forecast.withdrawn_at.is_(None))
        .group_by(Forecast.source_id)
        .subquery()
    )
    rows = session.execute(
        select(Source.id, Source.name, Source.kind, organisation.c.name, func.coalesce(counts.c.forecasts, 0), func.coalesce(counts.c.predictions, 0))
        .outerjoin(organisation, organisation.c.id == Source.organisation_id)
        .outerjoin(counts, counts.c.source_id == Source.id)
        .order_by(Source.name)
    ).all()
    aliases: dict[int, list[str]] = defaultdict(list)
    for alias, source_id in session.execute(select(SourceAlias.alias, SourceAlias.source_id).order_by(SourceAlias.alias)):
        aliases[source_id].append(alias)
    return [
        {"name": name, "kind": kind, "organisation": org, "aliases": aliases.get(sid, []), "forecasts": n_forecasts, "predictions": n_predictions}
        for sid, name, kind, org, n_forecasts, n_predictions in rows
    ]
