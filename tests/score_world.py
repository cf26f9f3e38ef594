"""Test data for scoring, written into the database directly through the models.

Shared by tests/test_score_cli.py and tests/test_score_totals.py: each case says exactly what
is stored, and the expected scores are computed by the tests themselves.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timezone

NOW = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)


class Store:
    """Writes rows with the models, one short transaction each."""

    def __init__(self, url: str):
        from predtrack import db

        self.db = db
        self.engine = db.engine_for(url)
        self.sources: dict[str, int] = {}

    def _add(self, obj):
        with self.db.session(self.engine, write=True) as session:
            session.add(obj)
            session.flush()
            return obj.id

    def source(self, name: str) -> int:
        from predtrack.models import Source

        if name not in self.sources:
            self.sources[name] = self._add(Source(name=name, created_at=NOW))
        return self.sources[name]

    def article(self, outlet: str | None, url: str) -> int:
        from predtrack.models import Article

        return self._add(Article(url=url, outlet=outlet, title=url))

    def prediction(self, pid, *, outcome=None, value=None, resolved_on=None, deadline=date(2026, 6, 1), article=None, tags=()):
        from predtrack.models import Prediction, PredictionTag

        with self.db.session(self.engine, write=True) as session:
            session.add(
                Prediction(
                    id=pid, claim=f"claim of {pid}", deadline=deadline, outcome=outcome, outcome_value=value,
                    resolved_on=resolved_on, article_id=article, created_at=NOW, updated_at=NOW,
                )
            )
            session.flush()
            for tag in tags:
                session.add(PredictionTag(prediction_id=pid, tag=tag))

    def forecast(self, pid, source, probability, stated, *, kind="stated", article=None, withdrawn=False):
        from predtrack.models import Forecast

        return self._add(
            Forecast(
                prediction_id=pid, source_id=self.source(source), probability=probability, probability_kind=kind,
                stated=stated, article_id=article, withdrawn_at=NOW if withdrawn else None, created_at=NOW,
            )
        )


def d(text: str) -> date:
    return date.fromisoformat(text)


def random_world(store, seed: int):
    """Many sources and predictions, with updates, withdrawals, late forecasts and every status."""
    rng = random.Random(seed)
    truth = {}
    resolved_on = d("2026-06-15")
    for i in range(30):
        pid = f"p{i:02d}"
        kind = rng.choice(["yes", "no", "fraction", "ambiguous", "annulled", "open"])
        if kind == "open":
            store.prediction(pid)
            truth[pid] = ("pending", None)
        elif kind in ("ambiguous", "annulled"):
            store.prediction(pid, outcome=kind, resolved_on=resolved_on)
            truth[pid] = (kind, None)
        else:
            value = {"yes": 1.0, "no": 0.0}.get(kind, round(rng.random(), 3))
            store.prediction(pid, outcome=kind if kind != "fraction" else str(value), value=value, resolved_on=resolved_on)
            truth[pid] = ("scored", value)
    stored = []
    for pid in truth:
        for source in rng.sample(["s1", "s2", "s3", "s4", "s5", "s6"], rng.randint(1, 5)):
            for _ in range(rng.randint(1, 3)):
                p = rng.choice([0.0, 1.0, round(rng.random(), 2)])
                stated = d("2026-06-15") if rng.random() < 0.1 else date(2026, rng.randint(3, 7), rng.randint(1, 28))
                withdrawn = rng.random() < 0.1
                fid = store.forecast(pid, source, p, stated, withdrawn=withdrawn)
                stored.append((fid, pid, source, p, stated, withdrawn))
    return truth, stored


def one_resolved_prediction_csv(folder, prediction_id: str):
    """A flat CSV for `predtrack import`: one prediction, resolved yes, forecast by Carol."""
    path = folder / f"{prediction_id}.csv"
    path.write_text(
        "prediction,claim,deadline,source,probability,stated,outcome,resolved\n"
        f"{prediction_id},{prediction_id.upper()} happens,2026-05-01,Carol,0.8,2026-01-02,yes,2026-05-02\n",
        encoding="utf-8",
    )
    return path
