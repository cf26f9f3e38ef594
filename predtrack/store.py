"""Services that change predictions, forecasts, resolutions and sources.

Each function takes a Session and never commits: the command owns the transaction. Every
change appends an Event (who, when, what). Time (`now`) and the acting user (`actor`) are
arguments.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Iterable

from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from predtrack.errors import AlreadyExists, AlreadyResolved, Conflict, InvalidValue, NotFound
from predtrack.values import (
    COLUMN_LENGTHS, SOURCE_KINDS, check_email, check_evidence, check_id, check_lookup, check_probability, check_text, check_url,
    clean_tags,
    parse_outcome, slugify,
)
from predtrack.models import (
    Article,
    Event,
    Forecast,
    Prediction,
    PredictionTag,
    Resolution,
    Source,
    SourceAlias,
)



def log_event(session: Session, actor: str, action: str, prediction_id: str | None, details: dict[str, Any], now: datetime) -> Event:
    """Append one event; the log is never updated or deleted.

    The actor ([user] name, or `resolve --by`) is held to its column here, where every writer
    passes: an unusable name fails the command, and its transaction, on both databases alike.
    """
    check_text("user name", actor, COLUMN_LENGTHS["event.actor"])
    event = Event(at=now, actor=actor, action=action, prediction_id=prediction_id, details=json.dumps(details, default=str, sort_keys=True))
    session.add(event)
    return event


def unique_id(session: Session, base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever is free."""
    taken = set(session.execute(select(Prediction.id).where((Prediction.id == base) | Prediction.id.like(f"{base}-%"))).scalars())
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def check_source_name(field: str, name: str | None) -> str | None:
    """A source name to store: one line of at most 200 characters (values.check_text)."""
    return check_text(field, name, COLUMN_LENGTHS["source.name"])


def check_forecast_text(quote: str | None, probability_text: str | None) -> None:
    """The quote (any text) and the words a probability came from (200 characters); both copied from an article, lines and all."""
    check_text("quote", quote, None, multiline=True)
    check_text("probability words", probability_text, COLUMN_LENGTHS["forecast.probability_text"], multiline=True)


# --- sources ----------------------------------------------------------------------------------


def source_by_name(session: Session, name: str) -> Source | None:
    """The source called `name`, directly or through an alias left by a rename or merge."""
    check_lookup("source", name)
    source = session.execute(select(Source).where(Source.name == name)).scalar_one_or_none()
    if source is not None:
        return source
    alias = session.get(SourceAlias, name)
    if alias is not None:
        return session.get(Source, alias.source_id)
    return None


def require_source(session: Session, name: str) -> Source:
    source = source_by_name(session, name)
    if source is None:
        raise NotFound(f"unknown source {name!r}: see `predtrack sources` for the names")
    return source


def get_or_create_source(session: Session, name: str, now: datetime, kind: str | None = None, organisation: str | None = None) -> Source:
    """The source called `name`, created if new; `kind` and `organisation` fill in what is unknown."""
    name = (name or "").strip()
    if not name:
        raise InvalidValue("source", name, "a non-empty name such as 'Meta' or 'Jane Doe'")
    check_source_name("source", name)
    if kind is not None and kind not in SOURCE_KINDS:
        raise InvalidValue("source kind", kind, ", ".join(SOURCE_KINDS))
    if organisation:
        check_source_name("organisation", organisation.strip())
    source = source_by_name(session, name)
    if source is None:
        source = Source(name=name, kind=kind or "unknown", created_at=now)
        session.add(source)
        session.flush()
    elif kind is not None and source.kind == "unknown":
        source.kind = kind
    if organisation:
        org = get_or_create_source(session, organisation, now, kind="organisation")
        if org.id != source.id and source.organisation_id is None:
            source.organisation_id = org.id
    return source


def set_source(session: Session, *, actor: str, now: datetime, name: str, kind: str | None = None, organisation: str | None = None) -> Source:
    """Set a source's kind and/or organisation (an executive belongs to Meta)."""
    if organisation:
        check_source_name("organisation", organisation.strip())
    source = require_source(session, name)
    changes: dict[str, Any] = {}
    if kind is not None:
        if kind not in SOURCE_KINDS:
            raise InvalidValue("kind", kind, ", ".join(SOURCE_KINDS))
        changes["kind"] = {"old": source.kind, "new": kind}
        source.kind = kind
    if organisation is not None:
        if organisation == "":
            changes["organisation"] = {"old": source.organisation_id, "new": None}
            source.organisation_id = None
        else:
            org = get_or_create_source(session, organisation, now, kind="organisation")
            if org.id == source.id:
                raise InvalidValue("organisation", organisation, "another source than the source itself")
            changes["organisation"] = {"old": source.organisation_id, "new": org.name}
            source.organisation_id = org.id
    log_event(session, actor, "source-set", None, {"source": source.name, **changes}, now)
    return source


def rename_source(session: Session, *, actor: str, now: datetime, old: str, new: str) -> Source:
    """Rename a source; the old name stays an alias so files that use it still import."""
    new = new.strip()
    if not new:
        raise InvalidValue("new name", new, "a non-empty name")
    check_source_name("new name", new)
    source = require_source(session, old)
    existing = source_by_name(session, new)
    if existing is not None and existing.id != source.id:
        raise AlreadyExists(f"a source called {new!r} exists already: use `predtrack sources merge {old!r} {new!r}`")
    previous = source.name
    source.name = new
    session.execute(delete(SourceAlias).where(SourceAlias.alias == new))
    session.flush()
    if session.get(SourceAlias, previous) is None:
        session.add(SourceAlias(alias=previous, source_id=source.id))
    log_event(session, actor, "source-rename", None, {"old": previous, "new": new}, now)
    return source


def merge_sources(session: Session, *, actor: str, now: datetime, alias: str, into: str) -> Source:
    """Move every forecast of `alias` to `into`, and keep `alias` as another name for it."""
    target = require_source(session, into)
    merged = require_source(session, alias)
    if merged.id == target.id:
        raise InvalidValue("source", alias, f"a different source than {into!r}")
    moved = session.execute(update(Forecast).where(Forecast.source_id == merged.id).values(source_id=target.id)).rowcount
    session.execute(update(Source).where(Source.organisation_id == merged.id).values(organisation_id=target.id))
    session.execute(update(SourceAlias).where(SourceAlias.source_id == merged.id).values(source_id=target.id))
    merged_name = merged.name
    session.delete(merged)
    session.flush()
    session.add(SourceAlias(alias=merged_name, source_id=target.id))
    log_event(session, actor, "source-merge", None, {"alias": merged_name, "into": target.name, "forecasts_moved": moved}, now)
    return target


# --- articles ---------------------------------------------------------------------------------


def _clean_article_url(url: str | None) -> str | None:
    """The article link checked (see values.check_url); empty means no article."""
    if url is None or not url.strip():
        return None
    return check_url("article url", url)


def get_or_create_article(session: Session, url: str | None, **fields: Any) -> Article | None:
    if not url:
        return None
    article = session.execute(select(Article).where(Article.url == url)).scalar_one_or_none()
    if article is None:
        article = Article(url=url, **fields)
        session.add(article)
        session.flush()
    return article


# --- predictions and forecasts ----------------------------------------------------------------


def require_prediction(session: Session, prediction_id: str) -> Prediction:
    check_lookup("id", prediction_id)
    prediction = session.get(Prediction, prediction_id)
    if prediction is None:
        raise NotFound(f"unknown prediction id {prediction_id!r}: see `predtrack list --status all` for the ids")
    return prediction


def _check_claim(claim: str | None) -> str:
    claim = (claim or "").strip()
    if not claim:
        raise InvalidValue("claim", claim, "a non-empty statement of what will happen")
    return check_text("claim", claim, None, multiline=True)


def _check_criteria(criteria: str | None) -> str | None:
    """The criteria stripped ('' is none); any text, several lines allowed."""
    return check_text("criteria", (criteria or "").strip() or None, None, multiline=True)


def _check_deadline_text(deadline_text: str | None) -> str | None:
    """The phrase a deadline came from ('by Q2 2027'): one line."""
    return check_text("deadline", deadline_text)


def earliest_stated(session: Session, prediction_id: str) -> date | None:
    """The date of the prediction's first (non-withdrawn) forecast: what deadline phrases count from."""
    check_lookup("id", prediction_id)
    return session.execute(
        select(func.min(Forecast.stated)).where(Forecast.prediction_id == prediction_id, Forecast.withdrawn_at.is_(None))
    ).scalar_one_or_none()


def _check_stated(stated: date, today: date | None) -> None:
    if today is not None and stated > today:
        raise InvalidValue("stated date", stated.isoformat(), f"a date on or before today ({today.isoformat()})")


def _check_deadline(deadline: date | None, stated: date | None) -> None:
    if deadline is not None and stated is not None and deadline < stated:
        raise InvalidValue("deadline", deadline.isoformat(), f"a date on or after the stated date {stated.isoformat()}")


def set_tags(session: Session, prediction_id: str, tags: Iterable[str]) -> list[str]:
    cleaned = clean_tags(tags)
    session.execute(delete(PredictionTag).where(PredictionTag.prediction_id == prediction_id))
    session.add_all(PredictionTag(prediction_id=prediction_id, tag=t) for t in cleaned)
    return cleaned


def tags_of(session: Session, prediction_id: str) -> list[str]:
    return sorted(session.execute(select(PredictionTag.tag).where(PredictionTag.prediction_id == prediction_id)).scalars())


def add_prediction(
    session: Session,
    *,
    actor: str,
    now: datetime,
    claim: str,
    source: str,
    probability: float,
    probability_kind: str,
    stated: date,
    probability_text: str | None = None,
    deadline: date | None = None,
    deadline_text: str | None = None,
    deadline_vague: bool = False,
    criteria: str | None = None,
    quote: str | None = None,
    article_url: str | None = None,
    tags: Iterable[str] = (),
    owner: str | None = None,
    prediction_id: str | None = None,
    today: date | None = None,
) -> Prediction:
    """A new prediction and its first forecast. Raises AlreadyExists for a taken id.

    Every value is checked before anything is written.
    """
    claim = _check_claim(claim)
    criteria = _check_criteria(criteria)
    _check_deadline_text(deadline_text)
    check_forecast_text(quote, probability_text)
    check_source_name("source", (source or "").strip())
    tags = clean_tags(tags)
    check_probability(probability)
    _check_stated(stated, today)
    _check_deadline(deadline, stated)
    article_url = _clean_article_url(article_url)
    if owner is not None:
        owner = check_email("owner", owner)
    if prediction_id is not None:
        check_id(prediction_id)
        if session.get(Prediction, prediction_id) is not None:
            raise AlreadyExists(f"prediction id {prediction_id!r} is taken: choose another --id or leave it out for a generated one")
    else:
        prediction_id = unique_id(session, slugify(claim))
    article = get_or_create_article(session, article_url)
    prediction = Prediction(
        id=prediction_id,
        claim=claim,
        criteria=criteria,
        deadline=deadline,
        deadline_text=deadline_text,
        deadline_vague=deadline_vague,
        owner=owner,
        article_id=article.id if article else None,
        created_at=now,
        updated_at=now,
    )
    session.add(prediction)
    session.flush()
    cleaned = set_tags(session, prediction_id, tags)
    forecast = _new_forecast(session, now, prediction_id, source, probability, probability_kind, probability_text, stated, quote, article)
    log_event(
        session,
        actor,
        "add",
        prediction_id,
        {
            "claim": claim,
            "deadline": deadline,
            "deadline_text": deadline_text,
            "criteria": prediction.criteria,
            "tags": cleaned,
            "owner": owner,
            "forecast": {"source": source, "probability": forecast.probability, "kind": probability_kind, "stated": stated},
        },
        now,
    )
    return prediction


def _new_forecast(session, now, prediction_id, source_name, probability, kind, text, stated, quote, article) -> Forecast:
    if kind not in ("stated", "inferred"):
        raise InvalidValue("probability kind", kind, "stated or inferred")
    source = get_or_create_source(session, source_name, now)
    same_day = session.execute(
        select(Forecast.id).where(
            Forecast.prediction_id == prediction_id, Forecast.source_id == source.id,
            Forecast.stated == stated, Forecast.withdrawn_at.is_(None),
        )
    ).first()
    if same_day is not None:
        # One forecast per source and day: that is its identity in predictions files and imports.
        raise Conflict(
            f"{source.name!r} already has a forecast on {prediction_id!r} stated {stated.isoformat()}: "
            "fix it with `predtrack forecast ID --by SOURCE -p P --correct`, or give another --stated date"
        )
    forecast = Forecast(
        prediction_id=prediction_id,
        source_id=source.id,
        probability=check_probability(probability),
        probability_kind=kind,
        probability_text=text,
        stated=stated,
        quote=quote,
        article_id=article.id if article else None,
        created_at=now,
    )
    session.add(forecast)
    session.flush()
    return forecast


def add_forecast(
    session: Session,
    *,
    actor: str,
    now: datetime,
    prediction_id: str,
    source: str,
    probability: float,
    probability_kind: str,
    stated: date,
    probability_text: str | None = None,
    quote: str | None = None,
    article_url: str | None = None,
    today: date | None = None,
) -> Forecast:
    """Another forecast on a prediction: a second source, or an update by the same source.

    A forecast stated after the outcome became known is stored but never scored.
    """
    check_forecast_text(quote, probability_text)
    _check_stated(stated, today)
    article_url = _clean_article_url(article_url)
    prediction = require_prediction(session, prediction_id)
    article = get_or_create_article(session, article_url)
    forecast = _new_forecast(session, now, prediction.id, source, probability, probability_kind, probability_text, stated, quote, article)
    log_event(session, actor, "forecast", prediction.id, {"source": source, "probability": forecast.probability, "kind": probability_kind, "stated": stated}, now)
    return forecast


def withdraw_forecast(session: Session, *, actor: str, now: datetime, prediction_id: str, source: str) -> int:
    """Withdraw a source's forecasts on a prediction (a mistyped entry); returns how many."""
    require_prediction(session, prediction_id)
    src = require_source(session, source)
    result = session.execute(
        update(Forecast)
        .where(Forecast.prediction_id == prediction_id, Forecast.source_id == src.id, Forecast.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    if result.rowcount == 0:
        raise NotFound(f"{source!r} has no forecast on {prediction_id!r} to withdraw")
    log_event(session, actor, "withdraw", prediction_id, {"source": src.name, "forecasts": result.rowcount}, now)
    return result.rowcount


def correct_forecast(
    session: Session,
    *,
    actor: str,
    now: datetime,
    prediction_id: str,
    source: str,
    probability: float,
    probability_kind: str,
    probability_text: str | None = None,
    stated: date | None = None,
    quote: str | None = None,
    today: date | None = None,
) -> Forecast:
    """Fix a mistyped forecast in place: the source's latest forecast on the prediction.

    Unlike `add_forecast` (an update: the source changed its mind) this rewrites the entry;
    the event log keeps the old values.
    """
    check_forecast_text(quote, probability_text)
    if stated is not None:
        _check_stated(stated, today)
    require_prediction(session, prediction_id)
    src = require_source(session, source)
    forecast = session.execute(
        select(Forecast)
        .where(Forecast.prediction_id == prediction_id, Forecast.source_id == src.id, Forecast.withdrawn_at.is_(None))
        .order_by(Forecast.stated.desc(), Forecast.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if forecast is None:
        raise NotFound(f"{source!r} has no forecast on {prediction_id!r} to correct: add one with `predtrack forecast`")
    old = {"probability": forecast.probability, "kind": forecast.probability_kind, "stated": forecast.stated, "quote": forecast.quote}
    forecast.probability = check_probability(probability)
    forecast.probability_kind = probability_kind
    forecast.probability_text = probability_text
    if stated is not None:
        forecast.stated = stated
    if quote is not None:
        forecast.quote = quote
    new = {"probability": forecast.probability, "kind": forecast.probability_kind, "stated": forecast.stated, "quote": forecast.quote}
    log_event(session, actor, "correct", prediction_id, {"source": src.name, "old": old, "new": new}, now)
    return forecast


def resolve(
    session: Session,
    *,
    actor: str,
    now: datetime,
    prediction_id: str,
    outcome: str | float,
    resolved_on: date,
    today: date,
    note: str | None = None,
    evidence: Iterable[str] = (),
    force: bool = False,
) -> Resolution:
    """Record the outcome. Without `force`, an already resolved prediction raises AlreadyResolved.

    The check and the write are one conditional UPDATE (`WHERE outcome IS NULL`), so when two
    processes resolve the same prediction at once exactly one wins, on SQLite and PostgreSQL.
    Re-resolving with `force` keeps the earlier resolution in history.
    """
    check_lookup("id", prediction_id)
    outcome_text, outcome_value = parse_outcome(outcome)
    check_text("by", actor, COLUMN_LENGTHS["resolution.recorded_by"])
    check_text("note", note, None, multiline=True)
    if resolved_on > today:
        raise InvalidValue("resolution date", resolved_on.isoformat(), f"a date on or before today ({today.isoformat()})")
    evidence = [check_evidence("evidence", e) for e in evidence if e and e.strip()]
    conditions = [Prediction.id == prediction_id]
    if not force:
        conditions.append(Prediction.outcome.is_(None))
    result = session.execute(
        update(Prediction)
        .where(*conditions)
        .values(outcome=outcome_text, outcome_value=outcome_value, resolved_on=resolved_on, updated_at=now)
    )
    if result.rowcount == 0:
        prediction = require_prediction(session, prediction_id)
        raise AlreadyResolved(
            f"prediction {prediction_id!r} is already resolved as {prediction.outcome} on {prediction.resolved_on}: "
            "use --force to replace it (the earlier resolution stays in history)"
        )
    previous = session.execute(
        select(Resolution).where(Resolution.prediction_id == prediction_id, Resolution.superseded_at.is_(None))
    ).scalars().all()
    for old in previous:
        old.superseded_at = now
    resolution = Resolution(
        prediction_id=prediction_id,
        outcome=outcome_text,
        outcome_value=outcome_value,
        resolved_on=resolved_on,
        recorded_by=actor,
        recorded_at=now,
        note=note,
        evidence=json.dumps(evidence),
    )
    session.add(resolution)
    session.flush()
    log_event(
        session,
        actor,
        "resolve",
        prediction_id,
        {
            "outcome": outcome_text,
            "resolved_on": resolved_on,
            "note": note,
            "evidence": evidence,
            "replaced": [{"outcome": r.outcome, "resolved_on": r.resolved_on} for r in previous],
        },
        now,
    )
    return resolution


def unresolve(session: Session, *, actor: str, now: datetime, prediction_id: str) -> None:
    """Take back the current resolution (kept in history); nags start a fresh series."""
    prediction = require_prediction(session, prediction_id)
    if prediction.outcome is None:
        raise Conflict(f"prediction {prediction_id!r} is not resolved")
    old = {"outcome": prediction.outcome, "resolved_on": prediction.resolved_on}
    session.execute(
        update(Resolution).where(Resolution.prediction_id == prediction_id, Resolution.superseded_at.is_(None)).values(superseded_at=now)
    )
    prediction.outcome = None
    prediction.outcome_value = None
    prediction.resolved_on = None
    prediction.nag_series += 1
    prediction.updated_at = now
    log_event(session, actor, "unresolve", prediction_id, {"was": old}, now)


_UNSET: Any = object()


def edit_prediction(
    session: Session,
    *,
    actor: str,
    now: datetime,
    prediction_id: str,
    claim: str | None = None,
    criteria: str | None = None,
    deadline: date | None = _UNSET,
    deadline_text: str | None = None,
    deadline_vague: bool = False,
    tags: list[str] | None = None,
    owner: str | None = _UNSET,
) -> dict[str, Any]:
    """Change what was given; returns {field: {old, new}}. A new deadline starts fresh nag rounds.

    Every value is checked before anything is changed.
    """
    if owner is not _UNSET and owner is not None:
        owner = check_email("owner", owner)
    if claim is not None:
        claim = _check_claim(claim)
    cleaned_criteria = _check_criteria(criteria)  # '' clears the criteria, as with add
    _check_deadline_text(deadline_text)
    if tags is not None:
        tags = clean_tags(tags)
    prediction = require_prediction(session, prediction_id)
    changes: dict[str, Any] = {}
    if claim is not None:
        if claim != prediction.claim:
            changes["claim"] = {"old": prediction.claim, "new": claim}
            prediction.claim = claim
    if criteria is not None:
        if cleaned_criteria != prediction.criteria:
            changes["criteria"] = {"old": prediction.criteria, "new": cleaned_criteria}
            prediction.criteria = cleaned_criteria
    if deadline is not _UNSET and (deadline != prediction.deadline or deadline_text != prediction.deadline_text):
        _check_deadline(deadline, earliest_stated(session, prediction_id))
        changes["deadline"] = {"old": prediction.deadline, "new": deadline, "old_text": prediction.deadline_text, "new_text": deadline_text}
        if deadline != prediction.deadline:
            prediction.nag_series += 1
        prediction.deadline = deadline
        prediction.deadline_text = deadline_text
        prediction.deadline_vague = deadline_vague
    if tags is not None:
        old_tags = tags_of(session, prediction_id)
        new_tags = set_tags(session, prediction_id, tags)
        if sorted(new_tags) != old_tags:
            changes["tags"] = {"old": old_tags, "new": sorted(new_tags)}
    if owner is not _UNSET and owner != prediction.owner:
        changes["owner"] = {"old": prediction.owner, "new": owner}
        prediction.owner = owner
    if changes:
        prediction.updated_at = now
        log_event(session, actor, "edit", prediction_id, changes, now)
    return changes


def delete_prediction(session: Session, *, actor: str, now: datetime, prediction_id: str, snapshot: dict[str, Any]) -> None:
    """Remove a prediction entered by mistake; the event log keeps `snapshot` (what it was)."""
    prediction = require_prediction(session, prediction_id)
    session.delete(prediction)
    session.flush()
    log_event(session, actor, "delete", prediction_id, {"was": snapshot}, now)


def prediction_dict(session: Session, prediction: Prediction, as_of: date, detail: bool = False) -> dict[str, Any]:
    """The `list --json` shape of one prediction (`show --json` with detail=True); see queries.py."""
    from predtrack import queries

    if detail:
        return queries.prediction_detail(session, prediction, as_of)
    return queries.prediction_dicts(session, [prediction], as_of)[0]
