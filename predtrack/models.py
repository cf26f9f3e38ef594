"""Database tables (SQLModel). See DESIGN.md for the words.

Conventions:
- Datetimes are timezone-aware UTC; deadlines and stated/resolved dates are plain dates.
- A prediction carries its *current* outcome (`outcome`, `outcome_value`, `resolved_on`)
  besides the full history in `resolution`: the due query and scoring over a million rows
  then read one table, and a resolve is one conditional UPDATE (`WHERE outcome IS NULL`)
  that lets exactly one of two racing processes win.
- `event` rows are never updated or deleted, and carry no foreign key, so they outlive a
  deleted prediction and keep what it was.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Named constraints make Alembic batch migrations on SQLite (which rebuild tables) reliable.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from predtrack.values import OUTCOME_WORDS  # noqa: E402,F401  (re-exported for older imports)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Source(SQLModel, table=True):
    """Who made a forecast: a person, an organisation or an outlet."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    kind: str = Field(default="unknown", max_length=20)  # person | organisation | outlet | unknown
    organisation_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("source.id", ondelete="SET NULL"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow)


class SourceAlias(SQLModel, table=True):
    """Another name for a source ("Meta Platforms" for "Meta"), left behind by a merge or rename."""

    __tablename__ = "source_alias"
    alias: str = Field(sa_column=Column(String(200), primary_key=True))
    source_id: int = Field(sa_column=Column(Integer, ForeignKey("source.id", ondelete="CASCADE"), nullable=False, index=True))


class Article(SQLModel, table=True):
    """Where forecasts were stated."""

    id: int | None = Field(default=None, primary_key=True)
    url: str | None = Field(default=None, sa_column=Column(String(2000), nullable=True, unique=True))
    title: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    outlet: str | None = Field(default=None, max_length=200)
    author: str | None = Field(default=None, max_length=200)
    published: date | None = None
    seed: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Prediction(SQLModel, table=True):
    """A claim about the future that can be resolved."""

    __table_args__ = (
        # The due query: unresolved and deadline before the as-of date.
        Index("ix_prediction_open_deadline", "outcome", "deadline"),
    )

    id: str = Field(sa_column=Column(String(120), primary_key=True))
    claim: str = Field(sa_column=Column(Text, nullable=False))
    criteria: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    deadline: date | None = None
    deadline_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    deadline_vague: bool = False
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    owner: str | None = Field(default=None, max_length=320)
    article_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("article.id", ondelete="SET NULL"), nullable=True, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Current resolution (history in `resolution`); NULL outcome = unresolved.
    outcome: str | None = Field(default=None, max_length=20)
    outcome_value: float | None = None  # 1.0 yes, 0.0 no, fraction; NULL for ambiguous/annulled
    resolved_on: date | None = None
    # Nag bookkeeping: a new deadline or an unresolve starts a fresh series of nag rounds.
    nag_series: int = 0
    snoozed_until: datetime | None = None


class PredictionTag(SQLModel, table=True):
    __tablename__ = "prediction_tag"
    prediction_id: str = Field(sa_column=Column(String(120), ForeignKey("prediction.id", ondelete="CASCADE"), primary_key=True))
    tag: str = Field(sa_column=Column(String(100), primary_key=True, index=True))


class Forecast(SQLModel, table=True):
    """One source's probability that a prediction resolves YES, stated on a date."""

    # Covering: scoring reads every forecast's columns from this index alone, never the table
    # (migration 0003; 1.38 -> 1.08 s for the score query over a million forecasts on SQLite).
    __table_args__ = (
        Index("ix_forecast_prediction_source", "prediction_id", "source_id", "stated", "probability", "withdrawn_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    prediction_id: str = Field(sa_column=Column(String(120), ForeignKey("prediction.id", ondelete="CASCADE"), nullable=False))
    source_id: int = Field(sa_column=Column(Integer, ForeignKey("source.id", ondelete="RESTRICT"), nullable=False, index=True))
    probability: float
    probability_kind: str = Field(default="stated", max_length=10)  # stated | inferred
    probability_text: str | None = Field(default=None, max_length=200)  # the words it came from
    stated: date
    quote: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    article_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("article.id", ondelete="SET NULL"), nullable=True)
    )
    withdrawn_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Resolution(SQLModel, table=True):
    """Every resolution ever recorded; the current one has `superseded_at` NULL."""

    id: int | None = Field(default=None, primary_key=True)
    prediction_id: str = Field(sa_column=Column(String(120), ForeignKey("prediction.id", ondelete="CASCADE"), nullable=False, index=True))
    outcome: str = Field(max_length=20)  # yes | no | ambiguous | annulled | a number as text
    outcome_value: float | None = None
    resolved_on: date
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    evidence: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))  # JSON list of URLs
    superseded_at: datetime | None = None


class Event(SQLModel, table=True):
    """Append-only log of every change: who, when, what."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=40)  # add, forecast, resolve, unresolve, edit, delete, import, ...
    prediction_id: str | None = Field(default=None, sa_column=Column(String(120), nullable=True, index=True))
    details: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))  # JSON


__all__ = [
    "Article",
    "Event",
    "Forecast",
    "MetaData",
    "OUTCOME_WORDS",
    "Prediction",
    "PredictionTag",
    "Resolution",
    "Source",
    "SourceAlias",
    "UniqueConstraint",
    "utcnow",
]


# --- Nags (outbox) ---


class NagOutbox(SQLModel, table=True):
    """One nag to deliver: a prediction, a round of it, a channel and a recipient.

    The unique key is what "once" means: a duplicate enqueue is a no-op. `series` and
    `deadline` tell a fresh series of rounds (new deadline, unresolve) from the old one;
    `due_on` is the local date the round fell due (rounds after a snooze fall on other dates).
    status: pending -> sent | superseded (a newer round of the same prediction went out in
    the same digest) | cancelled (resolved, rescheduled, snoozed, or an unusable address).
    A pending row with `claimed_at` set is being delivered; the claim expires after a lease.
    """

    __tablename__ = "nag_outbox"
    __table_args__ = (
        UniqueConstraint(
            "prediction_id", "channel", "recipient", "series", "deadline", "kind", "due_on",
            name="uq_nag_outbox_key",
        ),
        # Only pending rows are ever looked up by channel and recipient (claim, digest, mark), and
        # sent ones pile up: a partial index stays small, and a claim does not touch it.
        Index(
            "ix_nag_outbox_pending", "channel", "recipient",
            sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    prediction_id: str = Field(sa_column=Column(String(120), ForeignKey("prediction.id", ondelete="CASCADE"), nullable=False))
    series: int
    deadline: date
    kind: str = Field(max_length=10)  # heads-up | round | weekly
    round: int  # 1, 2, ... for kind=round: how many rounds overdue the prediction is; 0 otherwise
    due_on: date
    channel: str = Field(max_length=10)  # email | markdown | stdout
    recipient: str = Field(max_length=320)  # an address, or "team" for markdown and stdout
    status: str = Field(default="pending", max_length=12)
    enqueued_at: datetime
    claimed_at: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=120)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sent_at: datetime | None = None
    digest_id: str | None = Field(default=None, max_length=80)


class NagAttempt(SQLModel, table=True):
    """One try at delivering one digest: what `predtrack nags` shows, and where backoff comes from."""

    __tablename__ = "nag_attempt"
    __table_args__ = (Index("ix_nag_attempt_recipient", "channel", "recipient", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    channel: str = Field(max_length=10)
    recipient: str = Field(max_length=320)
    digest_id: str = Field(max_length=80)
    items: int  # predictions in the digest, including those past digest_limit
    ok: bool
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    retry_after: datetime | None = None
    process: str = Field(max_length=120)
    target: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # e.g. the markdown file


__all__ += ["NagAttempt", "NagOutbox"]


# --- Score cache ---

from sqlalchemy import BigInteger  # noqa: E402  (kept with the tables that use it)


class DataVersion(SQLModel, table=True):
    """One row whose `version` database triggers bump on every change to what a score reads.

    The triggers (migration 0003) cover forecast, prediction, prediction_tag, source,
    source_alias, article and resolution, so no writer (the CLI, a bulk import, direct SQL)
    can change a score without moving the version.
    """

    __tablename__ = "data_version"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(sa_column=Column(BigInteger, nullable=False, default=0))


class ScoreCache(SQLModel, table=True):
    """A computed `predtrack score` result, valid only while `data_version` still holds `version`.

    `key` is a digest of `options`, the canonical text of everything the result depends on
    (options, as-of date, the scoring code); a digest keeps the primary key short whatever
    the number of sources named.
    """

    __tablename__ = "score_cache"

    key: str = Field(sa_column=Column(String(64), primary_key=True))
    options: str = Field(sa_column=Column(Text, nullable=False))
    version: int = Field(sa_column=Column(BigInteger, nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))  # JSON: the score rows
    created_at: datetime


class ScoreTotals(SQLModel, table=True):
    """Per (source, status): what `predtrack score` adds up, kept current incrementally (migration 0004).

    Every counted forecast as of no particular date; `horizon` is the latest stated or
    resolution date among the rows (ISO text), so that a score as of an earlier day knows it
    cannot use them. Written only by predtrack/score_totals.py.
    """

    __tablename__ = "score_totals"

    source_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    status: str = Field(sa_column=Column(String(10), primary_key=True))
    n: int
    brier: float | None = None
    outcome: float | None = None
    outcome_sq: float | None = None
    probability: float | None = None
    loglik: float | None = None
    horizon: str | None = Field(default=None, sa_column=Column(String(10), nullable=True))


class ScoreTotalsDirty(SQLModel, table=True):
    """A source whose `score_totals` rows no longer hold: marked by triggers, cleared by a score."""

    __tablename__ = "score_totals_dirty"

    source_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))


class ScoreTotalsState(SQLModel, table=True):
    """One row: whether `score_totals` covers every source, and which scoring code computed it."""

    __tablename__ = "score_totals_state"

    id: int = Field(default=1, primary_key=True)
    complete: bool = False
    code: str = Field(default="", sa_column=Column(String(64), nullable=False))
    version: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


__all__ += ["DataVersion", "ScoreCache", "ScoreTotals", "ScoreTotalsDirty", "ScoreTotalsState"]
