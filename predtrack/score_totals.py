"""Per-source score totals, kept current by recomputing only the sources that changed.

`predtrack score` with no filters (by source, every source, the default clip, each source's
latest forecast, as of today) is what people run most, and on a million forecasts adding them
all up again took 2.2 s. Migration 0004 keeps, per (source, status), the count and the sums a
track record needs (`score_totals`), and triggers mark a source dirty whenever one of its
forecasts, or the outcome of a prediction it forecast, changes (`score_totals_dirty`). A
score reads the stored totals, recomputes the dirty sources alone, and stores them back: the
first score after resolving a prediction reads the ten or so sources that forecast it, not a
million forecasts.

The totals count every forecast as of no particular date: every known outcome is known, and
a forecast counts if it was stated on or before the day its outcome became known. That is the
score as of any day on or after the latest date among the counted rows (`horizon`): no
stated or resolution date lies beyond it. A score as of an earlier day (`--as-of` in the
past, or data dated in the future) cannot use them; `usable_as_of` says so and the caller
takes the general path (score_data.score_totals), which this module must agree with: the
tests compare the two on the same data for both databases.

The SQL is written by hand for each database, through the driver (predtrack/direct_db.py),
so that a repeated score does not pay for importing SQLAlchemy. Reading happens in one
snapshot; storing is a separate short write transaction that keeps the result only if the
data has not changed since the snapshot (`data_version`, migration 0003): a writer that came
in between has marked its sources dirty again, and the next score picks them up.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

from predtrack import scoring
from predtrack.direct_db import SQLITE_BUSY_TIMEOUT_MS, DirectConnection

# The totals count every known outcome: as of the last day a date column can hold.
OPEN_ENDED = "9999-12-31"
STORE_LOCK_WAIT_MS = 200  # a store never waits longer than this for a busy writer
# Recomputing a few sources reads their forecasts through the source index, one prediction
# lookup each; past about a fifth of all sources one pass over every forecast is cheaper.
FULL_RECOMPUTE_SHARE = 0.2
FULL_RECOMPUTE_MIN = 500

_STATUS = (
    "CASE WHEN p.outcome IS NULL THEN 'pending' "
    "WHEN p.outcome_value IS NOT NULL THEN 'scored' "
    "WHEN p.outcome = 'annulled' THEN 'annulled' ELSE 'ambiguous' END"
)
# A forecast counts if stated on or before the day its outcome became known (any day, while
# unknown); of a source's counting forecasts on one prediction, the latest (then the last
# recorded) is the one scored: the same rules as predtrack/score_data.py.
_COUNTS = "(p.outcome IS NULL OR p.resolved_on IS NULL OR {f}.stated <= p.resolved_on)"
_LATEST = (
    "NOT EXISTS (SELECT 1 FROM forecast later WHERE later.prediction_id = f.prediction_id "
    "AND later.source_id = f.source_id AND later.id <> f.id AND later.withdrawn_at IS NULL "
    f"AND {_COUNTS.format(f='later')} "
    "AND (later.stated > f.stated OR (later.stated = f.stated AND later.id > f.id)))"
)


def _clipped(eps: float) -> str:
    return f"(CASE WHEN f.probability < {eps!r} THEN {eps!r} WHEN f.probability > {1.0 - eps!r} THEN {1.0 - eps!r} ELSE f.probability END)"


def _totals_sql(direct: DirectConnection, source_count: int | None, latest_only: bool = True) -> str:
    """(source_id, status, n, brier, outcome, outcome_sq, probability, loglik, latest stated, latest resolved).

    `source_count` None: every source, walking predictions first (on SQLite a CROSS JOIN keeps
    that order: grouped by source, its planner otherwise walks forecasts in source order and
    looks each prediction up at random, several times slower). A number: that many source ids
    as parameters, read through the forecast's source index. `latest_only=False` leaves out
    the probe for a later forecast: right only when no source has two on one prediction.
    """
    q = _clipped(scoring.DEFAULT_CLIP)
    if source_count is None:
        join = "prediction p CROSS JOIN forecast f ON f.prediction_id = p.id" if direct.dialect == "sqlite" else "prediction p JOIN forecast f ON f.prediction_id = p.id"
        only = ""
    else:
        join = "forecast f JOIN prediction p ON p.id = f.prediction_id"
        only = f" AND f.source_id IN ({direct.placeholders(source_count)})"
    return (
        f"SELECT f.source_id, {_STATUS} AS status, count(*), "
        "sum((f.probability - p.outcome_value) * (f.probability - p.outcome_value)), "
        "sum(p.outcome_value), sum(p.outcome_value * p.outcome_value), sum(f.probability), "
        f"sum(p.outcome_value * ln({q}) + (1.0 - p.outcome_value) * ln(1.0 - {q})), "
        "max(f.stated), max(p.resolved_on) "
        f"FROM {join} "
        f"WHERE f.withdrawn_at IS NULL AND {_COUNTS.format(f='f')}{' AND ' + _LATEST if latest_only else ''}{only} "
        "GROUP BY f.source_id, status"
    )


_fingerprint: str | None = None


def code_fingerprint() -> str:
    """A digest of the code the totals depend on: totals computed by other code are recomputed."""
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256(repr(scoring.DEFAULT_CLIP).encode())
        for module_file in (__file__, scoring.__file__):
            try:
                digest.update(Path(module_file).read_bytes())
            except OSError:  # no source beside the bytecode: the clip alone has to do
                pass
        _fingerprint = digest.hexdigest()[:16]
    return _fingerprint


@dataclass
class Totals:
    """The current per-source totals, as read (and partly recomputed) in one snapshot.

    `rows`: (source_id, status, n, brier, outcome, outcome_sq, probability, loglik, horizon).
    `recomputed`: the source ids whose rows were computed afresh (None: all of them), which a
    store writes back. `version`: the data version of the snapshot (None: no version row).
    """

    version: int | None
    rows: list[tuple]
    recomputed: list[int] | None
    fresh: list[tuple] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # source id -> name, same snapshot

    @property
    def horizon(self) -> str | None:
        return max((row[8] for row in self.rows if row[8] is not None), default=None)

    def usable_as_of(self, as_of: str) -> bool:
        """Whether these totals are the score as of `as_of` (ISO date): no counted row dated later."""
        horizon = self.horizon
        return horizon is None or horizon <= as_of

    @property
    def changed(self) -> bool:
        return self.recomputed is None or bool(self.recomputed)


def _execute(direct: DirectConnection, sql: str, params=()) -> list[tuple]:
    cursor = direct.raw.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _ensure_ln(direct: DirectConnection) -> None:
    """SQLite has ln() only when built with its math functions: supply Python's where missing."""
    if direct.dialect != "sqlite":
        return
    import sqlite3

    try:
        direct.raw.execute("SELECT ln(0.5)").fetchone()
    except sqlite3.OperationalError:
        provide_sqlite_ln(direct)


def provide_sqlite_ln(direct: DirectConnection) -> None:
    direct.raw.create_function("ln", 1, math.log, deterministic=True)


def _iso(value) -> str | None:
    return None if value is None else value if isinstance(value, str) else value.isoformat()


def _stored_form(computed: list[tuple]) -> list[tuple]:
    """Rows as stored: the sums snapped (scoring.snap_sum, once here rather than on every read) and one horizon date."""
    snap = scoring.snap_sum
    rows = []
    for source_id, status, n, brier, o, o2, p, loglik, stated, resolved in computed:
        dates = [d for d in (_iso(stated), _iso(resolved)) if d is not None]
        rows.append((int(source_id), status, int(n), snap(brier), snap(o), snap(o2), snap(p), snap(loglik), max(dates, default=None)))
    return rows


def _has_updates(direct: DirectConnection) -> bool:
    """Whether any source has two forecasts on one prediction (withdrawn ones too: the safe side).

    When none has, every forecast is its source's latest: over a million forecasts the probe
    for a later one costs 0.4 s on SQLite, this check 0.2 s.
    """
    sql = "SELECT 1 FROM forecast GROUP BY prediction_id, source_id HAVING count(*) > 1 LIMIT 1"
    return bool(_execute(direct, sql))


def compute(direct: DirectConnection, source_ids: list[int] | None = None) -> list[tuple]:
    """Totals computed from the forecasts: for every source, or for `source_ids` only."""
    _ensure_ln(direct)
    if source_ids is not None:
        if not source_ids:
            return []
        if direct.dialect == "postgresql":
            # A few sources' forecasts: starting parallel workers cost 30-50 ms of a 7 ms query.
            # (Transaction-local: `read` runs this inside its snapshot transaction.)
            direct.raw.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        return _stored_form(_execute(direct, _totals_sql(direct, len(source_ids)), tuple(source_ids)))
    return _stored_form(_execute(direct, _totals_sql(direct, None, latest_only=_has_updates(direct))))


def _begin_snapshot(direct: DirectConnection) -> None:
    # SQLite reads one snapshot per transaction already (WAL); PostgreSQL needs REPEATABLE READ.
    direct.raw.execute("BEGIN" if direct.dialect == "sqlite" else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")


def read(direct: DirectConnection, *, use_stored: bool = True) -> Totals:
    """The totals as of the current data, in one snapshot: stored ones with the dirty sources recomputed.

    Recomputes everything when nothing usable is stored (a new database, totals from other
    scoring code, many dirty sources) or when `use_stored` is False (`--no-cache`).
    """
    _begin_snapshot(direct)
    try:
        state = _execute(
            direct,
            "SELECT d.version, s.complete, s.code FROM data_version d "
            "LEFT JOIN score_totals_state s ON s.id = 1 WHERE d.id = 1",
        )
        version = int(state[0][0]) if state else None
        usable = use_stored and bool(state) and bool(state[0][1]) and state[0][2] == code_fingerprint()
        names = {int(row[0]): row[1] for row in _execute(direct, "SELECT id, name FROM source")}
        if not usable:
            fresh = compute(direct)
            return Totals(version, fresh, None, fresh, names)
        dirty = [row[0] for row in _execute(direct, "SELECT source_id FROM score_totals_dirty ORDER BY source_id")]
        stored = _execute(direct, "SELECT source_id, status, n, brier, outcome, outcome_sq, probability, loglik, horizon FROM score_totals")
        known_sources = len({row[0] for row in stored})
        if len(dirty) > max(FULL_RECOMPUTE_MIN, FULL_RECOMPUTE_SHARE * known_sources):
            fresh = compute(direct)
            return Totals(version, fresh, None, fresh, names)
        fresh = compute(direct, dirty)
        dirty_set = set(dirty)
        kept = [row for row in stored if row[0] not in dirty_set]
        return Totals(version, kept + fresh, dirty, fresh, names)
    finally:
        direct.raw.execute("ROLLBACK")  # nothing was written: end the snapshot


def refresh_in_transaction(direct: DirectConnection) -> bool:
    """Bring the totals up to date inside the caller's write transaction, if many sources are dirty.

    For bulk writers (an import): after one, most sources are dirty and the next score would
    add up every forecast again; doing it here, in the import's own transaction, costs the
    import a few percent and leaves the totals current when it commits (or rolls back with
    it). A few dirty sources are left to the next score, which recomputes them cheaply.
    Returns whether it recomputed.
    """
    state = _execute(direct, "SELECT complete, code FROM score_totals_state WHERE id = 1")
    dirty = _execute(direct, "SELECT count(*) FROM score_totals_dirty")[0][0]
    known = _execute(direct, "SELECT count(DISTINCT source_id) FROM score_totals")[0][0]
    current = bool(state) and bool(state[0][0]) and state[0][1] == code_fingerprint()
    if current and dirty <= max(FULL_RECOMPUTE_MIN, FULL_RECOMPUTE_SHARE * known):
        return False
    fresh = compute(direct)
    _replace_all(direct, fresh)
    return True


def _replace_all(direct: DirectConnection, fresh: list[tuple], version: int | None = None) -> None:
    """Every source's totals replaced by `fresh`, nothing dirty, the state complete (within the caller's transaction)."""
    cursor = direct.raw.cursor()
    try:
        cursor.execute("DELETE FROM score_totals")
        cursor.execute("DELETE FROM score_totals_dirty")
        _insert(direct, cursor, fresh)
        _mark_complete(direct, cursor, version)
    finally:
        cursor.close()


def _insert(direct: DirectConnection, cursor, rows: list[tuple]) -> None:
    if rows:
        cursor.executemany(
            "INSERT INTO score_totals (source_id, status, n, brier, outcome, outcome_sq, probability, loglik, horizon) "
            f"VALUES ({direct.placeholders(9)})",
            rows,
        )


def _mark_complete(direct: DirectConnection, cursor, version: int | None) -> None:
    mark = direct.placeholder
    complete = "1" if direct.dialect == "sqlite" else "true"
    if version is None:  # within a writer's transaction: the version it will commit
        cursor.execute(
            f"UPDATE score_totals_state SET complete = {complete}, code = {mark}, "
            "version = (SELECT version FROM data_version WHERE id = 1) WHERE id = 1",
            (code_fingerprint(),),
        )
    else:
        cursor.execute(f"UPDATE score_totals_state SET complete = {complete}, code = {mark}, version = {mark} WHERE id = 1", (code_fingerprint(), version))


def store(direct: DirectConnection, totals: Totals) -> bool:
    """Write back what `read` recomputed, if the data is still at the snapshot's version.

    A short write transaction of its own; waits at most STORE_LOCK_WAIT_MS for another writer
    and gives up then (returns False; the totals stay as they were, which is never wrong:
    the dirty sources stay dirty). On PostgreSQL the version row is locked first, the lock
    every writer of a tracked table takes before its first change (migration 0003), so no
    writer can mark a source dirty between the check and the commit.
    """
    if totals.version is None or not totals.changed:
        return False
    raw = direct.raw
    sqlite = direct.dialect == "sqlite"
    try:
        if sqlite:
            raw.execute(f"PRAGMA busy_timeout = {STORE_LOCK_WAIT_MS}")
            raw.execute("BEGIN IMMEDIATE")
            current = _execute(direct, "SELECT version FROM data_version WHERE id = 1")
        else:
            raw.execute("BEGIN")
            raw.execute(f"SET LOCAL lock_timeout = '{STORE_LOCK_WAIT_MS}ms'")
            current = _execute(direct, "SELECT version FROM data_version WHERE id = 1 FOR UPDATE")
        if not current or int(current[0][0]) != totals.version:
            raw.execute("ROLLBACK")
            return False
        if totals.recomputed is None:
            _replace_all(direct, totals.fresh, totals.version)
        else:
            cursor = raw.cursor()
            try:
                ids = tuple(totals.recomputed)
                cursor.execute(f"DELETE FROM score_totals WHERE source_id IN ({direct.placeholders(len(ids))})", ids)
                cursor.execute(f"DELETE FROM score_totals_dirty WHERE source_id IN ({direct.placeholders(len(ids))})", ids)
                _insert(direct, cursor, totals.fresh)
                _mark_complete(direct, cursor, totals.version)
            finally:
                cursor.close()
        raw.execute("COMMIT")
        return True
    except Exception as error:
        try:
            raw.execute("ROLLBACK")
        except Exception:  # already rolled back by the failure itself
            pass
        if _is_busy(direct, error):
            return False
        raise
    finally:
        if sqlite:
            raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


def _is_busy(direct: DirectConnection, error: Exception) -> bool:
    if direct.dialect == "sqlite":
        import sqlite3

        return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)
    import psycopg

    return isinstance(error, (psycopg.errors.LockNotAvailable, psycopg.errors.SerializationFailure))
