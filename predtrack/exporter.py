"""Write the database back out as predictions files: YAML or JSON documents, or flat CSV rows.

A service (reads only). What is written imports into an empty database as the same data:
predictions with their tags, owners, notes and deadlines (phrase and date), forecasts with
their sources (kind, organisation), probabilities (stated or inferred, and the words), quotes
and articles, withdrawn forecasts, and every resolution with its history.

Not written: the nag bookkeeping (`nag_series`, snoozes), creation times and the event log,
which describe this database rather than the forecasts; and source aliases.

Streams: predictions are read in chunks and documents hold at most CHUNK predictions (an
article with more is split into several documents naming the same article), so exporting a
million forecasts does not hold them all in memory.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any, Iterator

from sqlalchemy import select
from sqlmodel import Session

from predtrack.files import split_notes
from predtrack.flatcsv import NO_DEADLINE
from predtrack.models import OUTCOME_WORDS, Article, Forecast, Prediction, PredictionTag, Resolution, Source

CHUNK = 1000


class _Lookup:
    """Sources and articles by id, loaded once."""

    def __init__(self, session: Session):
        sources = session.execute(select(Source.id, Source.name, Source.kind, Source.organisation_id)).all()
        names = {row.id: row.name for row in sources}
        self.sources = {row.id: (row.name, row.kind, names.get(row.organisation_id)) for row in sources}
        self.articles = {article.id: article for article in session.execute(select(Article)).scalars()}

    def article_dict(self, article_id: int | None) -> dict[str, Any] | None:
        article = self.articles.get(article_id) if article_id is not None else None
        if article is None:
            return None
        return {
            "title": article.title, "outlet": article.outlet, "author": article.author, "published": article.published,
            "url": article.url, "seed": article.seed, "notes": article.notes,
        }


def _chunks(session: Session, order_by_article: bool) -> Iterator[tuple[list[Prediction], dict, dict, dict]]:
    """Predictions in chunks, each with its tags, forecasts and resolutions."""
    order = (Prediction.article_id.is_(None), Prediction.article_id, Prediction.id) if order_by_article else (Prediction.id,)
    ids = list(session.execute(select(Prediction.id).order_by(*order)).scalars())
    for start in range(0, len(ids), CHUNK):
        chunk_ids = ids[start:start + CHUNK]
        predictions = {p.id: p for p in session.execute(select(Prediction).where(Prediction.id.in_(chunk_ids))).scalars()}
        tags: dict[str, list[str]] = defaultdict(list)
        for prediction_id, tag in session.execute(
            select(PredictionTag.prediction_id, PredictionTag.tag).where(PredictionTag.prediction_id.in_(chunk_ids)).order_by(PredictionTag.tag)
        ):
            tags[prediction_id].append(tag)
        forecasts: dict[str, list[Forecast]] = defaultdict(list)
        for forecast in session.execute(
            select(Forecast).where(Forecast.prediction_id.in_(chunk_ids)).order_by(Forecast.stated, Forecast.id)
        ).scalars():
            forecasts[forecast.prediction_id].append(forecast)
        resolutions: dict[str, list[Resolution]] = defaultdict(list)
        for resolution in session.execute(
            select(Resolution).where(Resolution.prediction_id.in_(chunk_ids)).order_by(Resolution.recorded_at, Resolution.id)
        ).scalars():
            resolutions[resolution.prediction_id].append(resolution)
        session.expunge_all()  # keep memory flat over a large export
        yield [predictions[i] for i in chunk_ids], tags, forecasts, resolutions


def _outcome(resolution: Resolution) -> Any:
    if resolution.outcome in OUTCOME_WORDS:
        return resolution.outcome
    return resolution.outcome_value if resolution.outcome_value is not None else resolution.outcome


def _resolution_dict(resolution: Resolution, history: bool) -> dict[str, Any]:
    data = {
        "outcome": _outcome(resolution),
        "resolved": resolution.resolved_on,
        "evidence": json.loads(resolution.evidence or "[]"),
        "note": resolution.note,
        "by": resolution.recorded_by,
        "recorded": resolution.recorded_at,
    }
    if history:
        data["superseded"] = resolution.superseded_at
    return data


def prediction_document(prediction: Prediction, tags: list[str], forecasts: list[Forecast], resolutions: list[Resolution],
                        lookup: _Lookup) -> dict[str, Any]:
    """One prediction in the predictions file shape."""
    notes, deadline_note = split_notes(prediction.notes)
    data: dict[str, Any] = {"id": prediction.id, "claim": prediction.claim, "criteria": prediction.criteria,
                            "deadline": prediction.deadline_text}
    if prediction.deadline is not None:
        data["deadline_date"] = prediction.deadline
    if deadline_note is not None:
        data["deadline_note"] = deadline_note
    data.update(tags=list(tags), owner=prediction.owner, notes=notes)
    items = []
    for forecast in forecasts:
        name, kind, organisation = lookup.sources[forecast.source_id]
        item: dict[str, Any] = {"source": name}
        if kind and kind != "unknown":
            item["source_kind"] = kind
        if organisation:
            item["organisation"] = organisation
        item.update(probability=forecast.probability, kind=forecast.probability_kind)
        if forecast.probability_text:
            item["words"] = forecast.probability_text
        item["stated"] = forecast.stated
        if forecast.quote:
            item["quote"] = forecast.quote
        if forecast.article_id != prediction.article_id:
            item["article"] = lookup.article_dict(forecast.article_id)  # None: stated in no known article
        if forecast.withdrawn_at is not None:
            item["withdrawn"] = forecast.withdrawn_at
        items.append(item)
    data["forecasts"] = items
    current = [r for r in resolutions if r.superseded_at is None]
    earlier = [r for r in resolutions if r.superseded_at is not None]
    data["resolution"] = _resolution_dict(current[-1], history=False) if current else None
    if earlier:
        data["resolution_history"] = [_resolution_dict(r, history=True) for r in earlier]
    return data


def iter_documents(session: Session) -> Iterator[dict[str, Any]]:
    """Documents in the predictions file shape: one per article (split past CHUNK predictions), then those without one."""
    lookup = _Lookup(session)
    current_article: object = object()
    document: dict[str, Any] | None = None
    for predictions, tags, forecasts, resolutions in _chunks(session, order_by_article=True):
        for prediction in predictions:
            if prediction.article_id != current_article or document is None or len(document["predictions"]) >= CHUNK:
                if document is not None:
                    yield document
                current_article = prediction.article_id
                document = {}
                article = lookup.article_dict(prediction.article_id)
                if article is not None:
                    document["article"] = article
                document["predictions"] = []
            document["predictions"].append(
                prediction_document(prediction, tags[prediction.id], forecasts[prediction.id], resolutions[prediction.id], lookup))
    if document is not None:
        yield document
    # Articles that no prediction names (forecast articles are written with their forecasts).
    named = set(session.execute(select(Prediction.article_id).where(Prediction.article_id.is_not(None)).distinct()).scalars())
    named.update(session.execute(select(Forecast.article_id).where(Forecast.article_id.is_not(None)).distinct()).scalars())
    for article_id in sorted(set(lookup.articles) - named):
        yield {"article": lookup.article_dict(article_id), "predictions": []}


def document_file_name(document: dict[str, Any]) -> str:
    """`2026-04-08-muse-spark-cant-code.yaml`, or `no-article.yaml`."""
    from predtrack.values import slugify

    article = document.get("article")
    if not article:
        return "no-article.yaml"
    published = article.get("published")
    stem = slugify(article.get("title") or article.get("seed") or article.get("url") or "article")
    prefix = published.isoformat() if isinstance(published, date) else "undated"
    return f"{prefix}-{stem}.yaml"


def _article_cells(article: dict[str, Any] | None, written: set) -> dict[str, Any]:
    """An article's columns in full the first time, then only what recognises it (url, seed, or title and date)."""
    if not article:
        return {}
    key = article["url"] or article["seed"] or (article["title"], article["published"])
    if key in written:
        if article["url"]:
            return {"url": article["url"]}
        if article["seed"]:
            return {"seed": article["seed"]}
        return {"title": article["title"], "published": article["published"]}
    written.add(key)
    return {
        "url": article["url"], "title": article["title"], "outlet": article["outlet"], "author": article["author"],
        "published": article["published"], "seed": article["seed"], "article_notes": article["notes"],
    }


def iter_csv_rows(session: Session) -> Iterator[dict[str, Any]]:
    """Flat CSV rows: per prediction, a row describing it, a row per forecast, a row per resolution (earlier ones first)."""
    lookup = _Lookup(session)
    articles_written: set = set()
    for predictions, tags, forecasts, resolutions in _chunks(session, order_by_article=False):
        for prediction in predictions:
            base = {"prediction": prediction.id}
            if prediction.deadline is None and prediction.deadline_text is None:
                deadline_cells = {"deadline": NO_DEADLINE}
            else:
                deadline_cells = {"deadline": prediction.deadline_text, "deadline_date": prediction.deadline}
            yield {
                **base, "claim": prediction.claim, "criteria": prediction.criteria, **deadline_cells,
                "tags": tags[prediction.id], "owner": prediction.owner, "notes": prediction.notes,
                **_article_cells(lookup.article_dict(prediction.article_id), articles_written),
            }
            for forecast in forecasts[prediction.id]:
                name, kind, organisation = lookup.sources[forecast.source_id]
                yield {
                    **base, "source": name, "source_kind": kind if kind != "unknown" else None, "organisation": organisation,
                    "probability": forecast.probability, "probability_kind": forecast.probability_kind,
                    "words": forecast.probability_text, "stated": forecast.stated, "quote": forecast.quote,
                    "withdrawn_at": forecast.withdrawn_at, **_article_cells(lookup.article_dict(forecast.article_id), articles_written),
                }
            ordered = sorted(resolutions[prediction.id], key=lambda r: r.superseded_at is None)
            for resolution in ordered:
                yield {
                    **base, "outcome": _outcome(resolution), "resolved": resolution.resolved_on,
                    "evidence": " ".join(json.loads(resolution.evidence or "[]")) or None,
                    "resolution_note": resolution.note, "resolved_by": resolution.recorded_by,
                    "recorded_at": resolution.recorded_at, "superseded_at": resolution.superseded_at,
                }
