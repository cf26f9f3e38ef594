"""Scores for forecasts: pure functions, no database, no clock.

A forecast is a probability `p` that a prediction resolves YES; its outcome `o` is 1.0 (yes),
0.0 (no) or a fraction in [0, 1] (imported outcomes scored against a market value, say).

- Brier score, 0-1 scale: (p - o)**2, averaged. 0 is perfect, always saying 50% scores 0.25
  on yes/no outcomes. (Some tools double it to a 0-2 scale; we never do.)
- Log loss: -[o ln q + (1 - o) ln(1 - q)] with q = p clipped to [eps, 1 - eps], averaged.
  For a fractional outcome this is a cross-entropy, whose best possible value is the entropy
  of `o`, not 0.
- Baseline score (the Metaculus-style one): 100 (log2 q_outcome + 1), where q_outcome is the
  clipped probability given to what happened: +100 for certainty on the right side, 0 for 50%,
  negative below. For a fractional outcome we take the same mixture as the log loss:
  o * 100 (log2 q + 1) + (1 - o) * 100 (log2 (1 - q) + 1). Higher is better.
- Brier skill score against a reference forecast r: 1 - Brier / Brier(r) on the same outcomes;
  the references are always-50% and the base rate (the mean outcome of the forecasts being
  scored: the group's own frequency in hindsight, the classic "climatology" reference).
  1 is perfect, 0 is no better than the reference, negative is worse; None when the
  reference itself is perfect (every outcome equal to it).
- Calibration: fixed-width bins over [0, 1], not folded at 50%: a 20% forecast and an 80%
  forecast land in different bins. Each bin gives its count, the mean forecast, the observed
  frequency (mean outcome) and a Wilson score interval for that frequency.
- Consensus of several forecasts on one prediction: median (for an even count, the mean of
  the two middle values), mean, or geomean (the geometric mean of the odds p / (1 - p), with
  p clipped to [eps, 1 - eps] so that one 0% or 100% cannot decide it alone).
- Ranking honest about small samples: by the *shrunk Brier*, the group's Brier pulled towards
  what always-50% would have scored on the same predictions, as if the group had made
  `SHRINKAGE_PSEUDO_COUNT` extra coin-flip forecasts: (sum of Brier + k * coin) / (n + k).
  One lucky forecast then ranks close to a coin, and the pull fades as n grows.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Hashable, Iterable, Sequence

if TYPE_CHECKING:  # NumPy is imported where arrays are used: plain scoring must not pay for it
    import numpy as np

# Probabilities in articles are rarely finer than 1%: "certain" is hyperbole, not 1 - 1e-15.
# With 0.01 one confident miss costs a log loss of ln 100 = 4.6 instead of 34.5.
DEFAULT_CLIP = 0.01
# The weight, in forecasts, of the coin-flip prior in the shrunk Brier used for ranking.
SHRINKAGE_PSEUDO_COUNT = 10
RANK_DIGITS = 12  # shrunk Briers equal to this many decimals rank as a tie
SUM_DIGITS = 12  # significant digits kept of a sum added up by a database (see snap_sum)
DEFAULT_BINS = 10
# Two-sided 95% normal quantile, for the Wilson interval.
Z_95 = 1.959963984540054
CONSENSUS_METHODS = ("median", "mean", "geomean")

SCORED = "scored"
PENDING = "pending"
AMBIGUOUS = "ambiguous"
ANNULLED = "annulled"
STATUSES = (SCORED, PENDING, AMBIGUOUS, ANNULLED)


def check_clip(eps: float) -> float:
    """The clipping epsilon must leave a probability range: 0 < eps < 0.5."""
    if not (isinstance(eps, (int, float)) and 0 < eps < 0.5):
        raise ValueError(f"clip epsilon must be in (0, 0.5), got {eps!r}")
    return float(eps)


def clip(p: float, eps: float = DEFAULT_CLIP) -> float:
    return min(max(p, eps), 1.0 - eps)


# --- one forecast ----------------------------------------------------------------------------


def brier(p: float, o: float) -> float:
    """Brier score of one forecast, 0-1 scale."""
    return (p - o) ** 2


def log_loss(p: float, o: float, eps: float = DEFAULT_CLIP) -> float:
    """Natural-log loss of one forecast, p clipped to [eps, 1 - eps]."""
    q = clip(p, eps)
    loss = 0.0
    if o:
        loss -= o * math.log(q)
    if o != 1.0:
        loss -= (1.0 - o) * math.log(1.0 - q)
    return loss


def baseline(p: float, o: float, eps: float = DEFAULT_CLIP) -> float:
    """Metaculus-style baseline score of one forecast: 100 (log2 q_outcome + 1), mixed for fractions."""
    q = clip(p, eps)
    score = 0.0
    if o:
        score += o * (math.log2(q) + 1.0)
    if o != 1.0:
        score += (1.0 - o) * (math.log2(1.0 - q) + 1.0)
    return 100.0 * score


# --- many forecasts --------------------------------------------------------------------------


@dataclass
class Sums:
    """Additive totals from which every mean score follows; the database can compute them too.

    loglik is the sum of o ln q + (1 - o) ln(1 - q) (q clipped), so log loss = -loglik / n and
    the baseline score = 100 (loglik / (n ln 2) + 1).
    """

    n: int = 0
    brier: float = 0.0
    coin: float = 0.0  # sum of (0.5 - o)**2: what always-50% scores
    outcome: float = 0.0
    outcome_sq: float = 0.0
    probability: float = 0.0
    loglik: float = 0.0

    def __iadd__(self, other: "Sums") -> "Sums":
        self.n += other.n
        self.brier += other.brier
        self.coin += other.coin
        self.outcome += other.outcome
        self.outcome_sq += other.outcome_sq
        self.probability += other.probability
        self.loglik += other.loglik
        return self


def sums_of(probabilities: Sequence[float], outcomes: Sequence[float], eps: float = DEFAULT_CLIP) -> Sums:
    """Totals in one pass (this runs over many forecasts: keep it a tight loop)."""
    n = len(probabilities)
    if n != len(outcomes):
        raise ValueError(f"{n} probabilities but {len(outcomes)} outcomes")
    lo, hi = eps, 1.0 - eps
    ln = math.log
    brier_sum = coin_sum = o_sum = o2_sum = p_sum = loglik = 0.0
    for p, o in zip(probabilities, outcomes):
        d = p - o
        brier_sum += d * d
        c = 0.5 - o
        coin_sum += c * c
        o_sum += o
        o2_sum += o * o
        p_sum += p
        q = lo if p < lo else hi if p > hi else p
        if o == 1.0:
            loglik += ln(q)
        elif o == 0.0:
            loglik += ln(1.0 - q)
        else:
            loglik += o * ln(q) + (1.0 - o) * ln(1.0 - q)
    return Sums(n, brier_sum, coin_sum, o_sum, o2_sum, p_sum, loglik)


@dataclass(frozen=True)
class Summary:
    """The mean scores of a set of forecasts. Everything but n is None when n is 0."""

    n: int
    brier: float | None
    log_loss: float | None
    baseline: float | None
    coin_brier: float | None  # what always-50% scores on the same outcomes
    base_rate: float | None  # the observed frequency (mean outcome)
    base_rate_brier: float | None  # what always forecasting the base rate scores
    probability_mean: float | None
    shrunk_brier: float

    @property
    def brier_skill_vs_coin(self) -> float | None:
        return skill(self.brier, self.coin_brier)

    @property
    def brier_skill_vs_base_rate(self) -> float | None:
        return skill(self.brier, self.base_rate_brier)


def summary_of(sums: Sums) -> Summary:
    n = sums.n
    shrunk = shrunk_brier(sums.brier, n, sums.coin)
    if n == 0:
        return Summary(0, None, None, None, None, None, None, None, shrunk)
    base = sums.outcome / n
    return Summary(
        n=n,
        brier=sums.brier / n,
        log_loss=-sums.loglik / n,
        # Each item's "+1" sums to n whatever the mixture weights, hence "+ 1" on the mean.
        baseline=100.0 * (sums.loglik / (n * math.log(2.0)) + 1.0),
        coin_brier=sums.coin / n,
        base_rate=base,
        # mean (base - o)^2 = mean o^2 - base^2; max() absorbs rounding below zero.
        base_rate_brier=max(sums.outcome_sq / n - base * base, 0.0),
        probability_mean=sums.probability / n,
        shrunk_brier=shrunk,
    )


def summarize(probabilities: Sequence[float], outcomes: Sequence[float], eps: float = DEFAULT_CLIP) -> Summary:
    return summary_of(sums_of(probabilities, outcomes, eps))


def mean_brier(probabilities: Sequence[float], outcomes: Sequence[float]) -> float | None:
    return summarize(probabilities, outcomes).brier


def mean_log_loss(probabilities: Sequence[float], outcomes: Sequence[float], eps: float = DEFAULT_CLIP) -> float | None:
    return summarize(probabilities, outcomes, eps).log_loss


def mean_baseline(probabilities: Sequence[float], outcomes: Sequence[float], eps: float = DEFAULT_CLIP) -> float | None:
    return summarize(probabilities, outcomes, eps).baseline


def reference_brier(reference: float, outcomes: Sequence[float]) -> float | None:
    """The Brier score of always forecasting `reference` on these outcomes."""
    if not outcomes:
        return None
    return math.fsum((reference - o) ** 2 for o in outcomes) / len(outcomes)


def skill(score: float | None, reference_score: float | None) -> float | None:
    """Brier skill score 1 - score / reference; None when undefined (no data, perfect reference)."""
    if score is None or reference_score is None or reference_score == 0:
        return None
    return 1.0 - score / reference_score


def brier_skill(probabilities: Sequence[float], outcomes: Sequence[float], reference: float) -> float | None:
    """Brier skill against always forecasting `reference` (0.5, or a base rate)."""
    return skill(summarize(probabilities, outcomes).brier, reference_brier(reference, outcomes))


def shrunk_brier(brier_sum: float, n: int, coin_sum: float, pseudo_count: float = SHRINKAGE_PSEUDO_COUNT) -> float:
    """Brier pulled towards the coin-flip Brier on the same outcomes by `pseudo_count` forecasts.

    `coin_sum / n` is what always-50% scores on these outcomes (0.25 on yes/no); with n = 0 the
    result is 0.25, the coin on an unknown yes/no outcome.
    """
    coin = coin_sum / n if n else 0.25
    return (brier_sum + pseudo_count * coin) / (n + pseudo_count)


# --- calibration -----------------------------------------------------------------------------


def wilson_interval(successes: float, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson score interval for a frequency successes / n; None when n is 0.

    `successes` may be fractional (the sum of fractional outcomes): the formula only needs
    the observed proportion.
    """
    if n <= 0:
        return None
    phat = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (phat + z2 / (2 * n)) / denominator
    half = z * math.sqrt(max(phat * (1.0 - phat), 0.0) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class CalibrationBin:
    lower: float
    upper: float
    n: int
    mean_probability: float | None
    observed: float | None
    ci_low: float | None
    ci_high: float | None

    def as_dict(self) -> dict:
        return {
            "lower": self.lower,
            "upper": self.upper,
            "n": self.n,
            "mean_probability": self.mean_probability,
            "observed": self.observed,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }


def bin_index(p: float, bins: int) -> int:
    # The tiny nudge keeps 0.3 * 10 = 2.9999999999999996-style products in the bin a reader expects.
    return min(int(p * bins + 1e-9), bins - 1)


def calibration(probabilities: Sequence[float], outcomes: Sequence[float], bins: int = DEFAULT_BINS, z: float = Z_95) -> list[CalibrationBin]:
    """`bins` equal-width bins over [0, 1] (the last one includes 1.0), empty bins included."""
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    counts = [0] * bins
    p_sums = [0.0] * bins
    o_sums = [0.0] * bins
    for p, o in zip(probabilities, outcomes):
        i = bin_index(p, bins)
        counts[i] += 1
        p_sums[i] += p
        o_sums[i] += o
    return _bins(bins, counts, p_sums, o_sums, z)


def _bins(bins: int, counts: list[int], p_sums: list[float], o_sums: list[float], z: float) -> list[CalibrationBin]:
    result = []
    for i in range(bins):
        n = counts[i]
        interval = wilson_interval(o_sums[i], n, z)
        result.append(
            CalibrationBin(
                lower=round(i / bins, 10),
                upper=round((i + 1) / bins, 10),
                n=n,
                mean_probability=p_sums[i] / n if n else None,
                observed=o_sums[i] / n if n else None,
                ci_low=interval[0] if interval else None,
                ci_high=interval[1] if interval else None,
            )
        )
    return result


# --- consensus -------------------------------------------------------------------------------


def consensus(probabilities: Sequence[float], method: str = "median", eps: float = DEFAULT_CLIP) -> float:
    """One probability from several sources' forecasts on the same prediction."""
    if not probabilities:
        raise ValueError("consensus of no forecasts")
    if method == "median":
        return float(statistics.median(probabilities))
    if method == "mean":
        return math.fsum(probabilities) / len(probabilities)
    if method == "geomean":
        log_odds = [math.log(q / (1.0 - q)) for q in (clip(p, eps) for p in probabilities)]
        mean = math.fsum(log_odds) / len(log_odds)
        return 1.0 / (1.0 + math.exp(-mean))
    raise ValueError(f"unknown consensus method {method!r}: expected one of {', '.join(CONSENSUS_METHODS)}")


# --- scoring groups --------------------------------------------------------------------------


@dataclass
class GroupTally:
    """What one group (a source, an outlet, a tag...) has: its scored forecasts and the counted rest.

    Either `sums` alone (totals computed by the database) or the scored forecasts one by one in
    `probabilities`, `outcomes` and `predictions` (needed to compare with a consensus).
    """

    sums: Sums | None = None
    # (sum of own Brier - consensus Brier, number compared), when computed elsewhere.
    relative: tuple[float, int] | None = None
    probabilities: list[float] = field(default_factory=list)
    outcomes: list[float] = field(default_factory=list)
    predictions: list[Hashable] = field(default_factory=list)
    pending: int = 0
    ambiguous: int = 0
    annulled: int = 0

    def count(self, status: str, n: int = 1) -> None:
        if status == PENDING:
            self.pending += n
        elif status == AMBIGUOUS:
            self.ambiguous += n
        elif status == ANNULLED:
            self.annulled += n
        else:
            raise ValueError(f"unknown status {status!r}")


def tally(rows: Iterable[tuple], key: Callable[[tuple], Hashable]) -> dict[Hashable, GroupTally]:
    """Bucket forecast rows (prediction_id, probability, status, outcome, ...) by `key(row)`."""
    groups: dict[Hashable, GroupTally] = {}
    for row in rows:
        k = key(row)
        group = groups.get(k)
        if group is None:
            group = groups[k] = GroupTally()
        if row[2] == SCORED:
            group.probabilities.append(row[1])
            group.outcomes.append(row[3])
            group.predictions.append(row[0])
        else:
            group.count(row[2])
    return groups


def _as_float(total: float | None) -> float:
    return total or 0.0


def snap_sum(total: float | None) -> float:
    """A database's sum, rounded to SUM_DIGITS significant digits.

    A database adds floats up in whatever order its plan gives, so the same forecasts can sum
    to values a few units in the last place apart (a full recompute against an incremental
    one, or two PostgreSQL plans). Brier sums of two-decimal probabilities are often exactly
    on a printed rounding boundary (0.1805 to three decimals), where such noise flips the
    printed digit. Rounded, both sums are the same float, and so is everything computed from them.
    """
    return float(f"{total:.{SUM_DIGITS}g}") if total else 0.0


def tally_sums(rows: Iterable[tuple], snapped: bool = False) -> dict[Hashable, GroupTally]:
    """Groups from database totals: rows (group, status, n, brier, outcome, outcome_sq, probability, loglik).

    The coin-flip total is not needed from the database: (0.5 - o)^2 = 0.25 - o + o^2.
    `snapped`: the sums went through `snap_sum` already (stored that way), which spares
    50,000 conversions for 10,000 sources.
    """
    to_float = _as_float if snapped else snap_sum
    groups: dict[Hashable, GroupTally] = {}
    for key, status, n, brier_sum, o_sum, o2_sum, p_sum, loglik in rows:
        group = groups.get(key)
        if group is None:
            group = groups[key] = GroupTally(sums=Sums())
        if status == SCORED:
            n, o_sum, o2_sum = int(n), to_float(o_sum), to_float(o2_sum)
            coin = max(0.25 * n - o_sum + o2_sum, 0.0)
            group.sums += Sums(n, to_float(brier_sum), coin, o_sum, o2_sum, to_float(p_sum), to_float(loglik))
        else:
            group.count(status, int(n))
    return groups


def score_row(
    group: str,
    tally_: GroupTally,
    *,
    eps: float = DEFAULT_CLIP,
    consensus_brier: dict[Hashable, float] | None = None,
) -> dict:
    """The score row of one group: n, Brier, log loss, baseline, skills, shrunk Brier, counts.

    `consensus_brier` maps a prediction to the consensus's Brier on it; `relative_brier` is
    then the mean over the group's scored forecasts of (own Brier - consensus Brier), i.e. the
    group's Brier minus the consensus Brier on the same predictions (negative: better).
    """
    sums = tally_.sums if tally_.sums is not None else sums_of(tally_.probabilities, tally_.outcomes, eps)
    s = summary_of(sums)
    row = {
        "group": group,
        "n": s.n,
        "brier": s.brier,
        "log_loss": s.log_loss,
        "baseline": s.baseline,
        "brier_skill_vs_coin": s.brier_skill_vs_coin,
        "brier_skill_vs_base_rate": s.brier_skill_vs_base_rate,
        "base_rate": s.base_rate,
        "mean_probability": s.probability_mean,
        "shrunk_brier": s.shrunk_brier,
        "pending": tally_.pending,
        "ambiguous": tally_.ambiguous,
        "annulled": tally_.annulled,
    }
    if tally_.relative is not None:
        diffs, compared = tally_.relative
        row["relative_brier"] = diffs / compared if compared else None
    elif consensus_brier is not None:
        diffs = 0.0
        compared = 0
        for p, o, pid in zip(tally_.probabilities, tally_.outcomes, tally_.predictions):
            reference = consensus_brier.get(pid)
            if reference is not None:
                d = p - o
                diffs += d * d - reference
                compared += 1
        row["relative_brier"] = diffs / compared if compared else None
    return row


def rank_rows(rows: list[dict]) -> list[dict]:
    """Order rows best first by shrunk Brier (ties: more forecasts, then name) and number them.

    Rows with nothing scored go last, unranked (rank None), by name.
    """
    # Rounded: two sources with the same forecasts and outcomes tie, whichever order the
    # database happened to add their scores up in (the last bits differ between a full and an
    # incremental sum, and between PostgreSQL's plans), so the table's order is stable.
    scored = sorted((r for r in rows if r["n"]), key=lambda r: (round(r["shrunk_brier"], RANK_DIGITS), -r["n"], str(r["group"])))
    unscored = sorted((r for r in rows if not r["n"]), key=lambda r: str(r["group"]))
    for i, row in enumerate(scored, 1):
        row["rank"] = i
    for row in unscored:
        row["rank"] = None
    return scored + unscored


def consensus_rows(latest_rows: Iterable[tuple], method: str, eps: float = DEFAULT_CLIP) -> list[tuple]:
    """Per prediction one virtual forecast: the consensus of every source's counted forecast.

    Input rows are (prediction_id, probability, status, outcome, ...), one per source and
    prediction; output rows are (prediction_id, consensus, status, outcome), sorted by
    prediction so that the result does not depend on the order the database returned.
    A prediction forecast by a single source has that forecast as its consensus.
    """
    by_prediction: dict[Hashable, tuple[list[float], str, float | None]] = {}
    for row in latest_rows:
        entry = by_prediction.get(row[0])
        if entry is None:
            by_prediction[row[0]] = ([row[1]], row[2], row[3])
        else:
            entry[0].append(row[1])
    return [
        (pid, consensus(sorted(ps), method, eps), status, outcome)
        for pid, (ps, status, outcome) in sorted(by_prediction.items(), key=lambda item: str(item[0]))
    ]


def consensus_briers(rows: Iterable[tuple]) -> dict[Hashable, float]:
    """Prediction -> the consensus's Brier, from consensus rows of scored predictions."""
    return {row[0]: (row[1] - row[3]) ** 2 for row in rows if row[2] == SCORED}


# --- many groups at once (NumPy) ---------------------------------------------------------------
#
# The report scores hundreds of thousands of forecasts by source, outlet and kind, and compares
# each with a per-prediction consensus. The loops above would take seconds; NumPy's bincount
# does each total in one pass in C. Same formulas, same results (tests compare both ways).

STATUS_CODES = {SCORED: 0, PENDING: 1, AMBIGUOUS: 2, ANNULLED: 3}


@dataclass
class Columns:
    """Counted forecasts as arrays: prediction codes 0..n_predictions-1, probability, outcome, status code."""

    prediction: "np.ndarray"
    probability: "np.ndarray"
    outcome: "np.ndarray"  # NaN where not scored
    status: "np.ndarray"
    n_predictions: int


def columns_of(
    predictions: Sequence[Hashable],
    probabilities: Sequence[float],
    statuses: Sequence[str],
    outcomes: Sequence[float | None],
    index: dict[Hashable, int],
) -> Columns:
    """Column tuples of counted forecasts -> Columns; `index` maps every prediction id to its code."""
    import numpy as np

    count = len(predictions)
    prediction = np.fromiter(map(index.__getitem__, predictions), dtype=np.int64, count=count)
    probability = np.array(probabilities, dtype=np.float64).reshape(count)
    status = np.fromiter(map(STATUS_CODES.__getitem__, statuses), dtype=np.int8, count=count)
    outcome = np.array(outcomes, dtype=np.float64).reshape(count)  # None -> NaN
    outcome[status != 0] = np.nan
    return Columns(prediction, probability, outcome, status, len(index))


def consensus_columns(latest: Columns, consensus: "np.ndarray") -> Columns:
    """The virtual source: one forecast per prediction that has any, the consensus of them."""
    import numpy as np

    n = latest.n_predictions
    status = np.full(n, -1, dtype=np.int8)
    status[latest.prediction] = latest.status
    outcome = np.full(n, np.nan)
    outcome[latest.prediction] = latest.outcome
    present = np.flatnonzero(status >= 0)
    return Columns(present.astype(np.int64), consensus[present], outcome[present], status[present], n)


def consensus_by_prediction(columns: Columns, method: str, eps: float = DEFAULT_CLIP) -> "np.ndarray":
    """Per prediction code the consensus of its rows (one per source), NaN where it has none."""
    import numpy as np

    n = columns.n_predictions
    counts = np.bincount(columns.prediction, minlength=n)
    has = counts > 0
    result = np.full(n, np.nan)
    if method == "median":
        order = np.lexsort((columns.probability, columns.prediction))
        ordered = columns.probability[order]
        starts = np.cumsum(counts) - counts
        lower = ordered[(starts + (counts - 1) // 2)[has]]
        upper = ordered[(starts + counts // 2)[has]]
        result[has] = (lower + upper) / 2.0
    elif method == "mean":
        result[has] = np.bincount(columns.prediction, weights=columns.probability, minlength=n)[has] / counts[has]
    elif method == "geomean":
        q = np.clip(columns.probability, eps, 1.0 - eps)
        mean_log_odds = np.bincount(columns.prediction, weights=np.log(q / (1.0 - q)), minlength=n)[has] / counts[has]
        result[has] = 1.0 / (1.0 + np.exp(-mean_log_odds))
    else:
        raise ValueError(f"unknown consensus method {method!r}: expected one of {', '.join(CONSENSUS_METHODS)}")
    return result


def group_tallies(
    columns: Columns,
    codes: "np.ndarray",
    n_groups: int,
    eps: float = DEFAULT_CLIP,
    consensus: "np.ndarray | None" = None,
) -> list[GroupTally]:
    """One GroupTally (with sums, counts and the comparison with `consensus`) per group code."""
    import numpy as np

    scored = columns.status == 0
    g = codes[scored]
    p = columns.probability[scored]
    o = columns.outcome[scored]
    q = np.clip(p, eps, 1.0 - eps)
    brier_terms = (p - o) ** 2
    # o*ln(q) + (1-o)*ln(1-q), without 0 * ln(...) terms for exact yes/no outcomes.
    loglik_terms = np.where(o > 0, o * np.log(q), 0.0) + np.where(o < 1, (1.0 - o) * np.log(1.0 - q), 0.0)

    def total(weights):
        return np.bincount(g, weights=weights, minlength=n_groups)

    n = np.bincount(g, minlength=n_groups)
    brier_sum, o_sum, o2_sum, p_sum, ll_sum = total(brier_terms), total(o), total(o * o), total(p), total(loglik_terms)
    coin_sum = total((0.5 - o) ** 2)
    counts = {
        status: np.bincount(codes[columns.status == code], minlength=n_groups)
        for status, code in STATUS_CODES.items()
        if status != SCORED
    }
    relative = None
    if consensus is not None:
        reference = consensus[columns.prediction[scored]]
        known = ~np.isnan(reference)
        reference_brier = (reference - o) ** 2
        relative = (
            np.bincount(g[known], weights=(brier_terms - reference_brier)[known], minlength=n_groups),
            np.bincount(g[known], minlength=n_groups),
        )
    tallies = []
    for i in range(n_groups):
        tallies.append(
            GroupTally(
                sums=Sums(int(n[i]), float(brier_sum[i]), float(coin_sum[i]), float(o_sum[i]), float(o2_sum[i]), float(p_sum[i]), float(ll_sum[i])),
                relative=(float(relative[0][i]), int(relative[1][i])) if relative is not None else None,
                pending=int(counts[PENDING][i]),
                ambiguous=int(counts[AMBIGUOUS][i]),
                annulled=int(counts[ANNULLED][i]),
            )
        )
    return tallies


def factorize(values: Sequence[Hashable]) -> tuple["np.ndarray", list[Hashable]]:
    """Values -> (codes array, distinct values in first-seen order)."""
    import numpy as np

    uniques = list(dict.fromkeys(values))
    index = {value: code for code, value in enumerate(uniques)}
    return np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values)), uniques


def calibration_of_arrays(probabilities: "np.ndarray", outcomes: "np.ndarray", bins: int = DEFAULT_BINS, z: float = Z_95) -> list[CalibrationBin]:
    """`calibration` for NumPy arrays of scored forecasts (same bins, same numbers)."""
    import numpy as np

    index = np.minimum((probabilities * bins + 1e-9).astype(np.int64), bins - 1)
    counts = np.bincount(index, minlength=bins)
    p_sums = np.bincount(index, weights=probabilities, minlength=bins)
    o_sums = np.bincount(index, weights=outcomes, minlength=bins)
    return _bins(bins, [int(c) for c in counts], [float(x) for x in p_sums], [float(x) for x in o_sums], z)
