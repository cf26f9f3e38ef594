"""scoring.py against independent computations: scikit-learn, SciPy and NumPy as oracles."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest
from sklearn.metrics import brier_score_loss, log_loss, mean_squared_error

from predtrack import scoring

probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
eps_values = st.sampled_from([0.001, 0.01, 0.05])


def _binary_case(seed: int, n: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    ps = [rng.choice([0.0, 1.0, round(rng.random(), 3), rng.random()]) for _ in range(n)]
    os_ = [float(rng.random() < 0.4) for _ in range(n)]
    return ps, os_


def _sklearn_log_loss(ps, os_, eps) -> float:
    """Mean log loss with fractional outcomes: each item as a YES with weight o and a NO with weight 1 - o."""
    q = np.clip(np.asarray(ps, dtype=float), eps, 1 - eps)
    o = np.asarray(os_, dtype=float)
    y = np.concatenate([np.ones_like(o), np.zeros_like(o)])
    weights = np.concatenate([o, 1 - o])
    keep = weights > 0
    return log_loss(y[keep], np.concatenate([q, q])[keep], sample_weight=weights[keep], labels=[0, 1])


@pytest.mark.parametrize("seed", range(5))
def test_mean_brier_matches_sklearn_on_yes_no_outcomes(seed):
    ps, os_ = _binary_case(seed, 200)
    assert scoring.summarize(ps, os_).brier == pytest.approx(brier_score_loss(os_, ps), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("eps", [0.001, 0.01, 0.1])
def test_mean_log_loss_matches_sklearn_with_clipping(seed, eps):
    ps, os_ = _binary_case(seed, 200)
    clipped = np.clip(ps, eps, 1 - eps)
    assert scoring.summarize(ps, os_, eps).log_loss == pytest.approx(log_loss(os_, clipped, labels=[0, 1]), rel=1e-12)


def test_log_loss_without_clipping_would_be_infinite_for_a_confident_miss():
    # A stated 0% on something that happened: the clip keeps the score finite and documented.
    summary = scoring.summarize([0.0], [1.0], 0.01)
    assert summary.log_loss == pytest.approx(-math.log(0.01))
    assert summary.baseline == pytest.approx(100 * (math.log2(0.01) + 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(probabilities, probabilities), min_size=1, max_size=40), eps_values)
def test_fractional_outcomes_match_the_oracles(pairs, eps):
    ps = [p for p, _ in pairs]
    os_ = [o for _, o in pairs]
    summary = scoring.summarize(ps, os_, eps)
    # Brier with a fractional outcome is the squared distance to it (sklearn's MSE).
    assert summary.brier == pytest.approx(mean_squared_error(os_, ps), abs=1e-12)
    expected_ll = _sklearn_log_loss(ps, os_, eps)
    assert summary.log_loss == pytest.approx(expected_ll, rel=1e-9, abs=1e-12)
    # The baseline score is the same mixture in log2: 100 * (1 - log loss / ln 2).
    assert summary.baseline == pytest.approx(100 * (1 - expected_ll / math.log(2)), rel=1e-9, abs=1e-9)


def test_baseline_score_values_a_reader_can_check():
    eps = 0.01
    assert scoring.baseline(0.5, 1.0, eps) == pytest.approx(0.0)
    assert scoring.baseline(0.5, 0.0, eps) == pytest.approx(0.0)
    assert scoring.baseline(0.25, 1.0, eps) == pytest.approx(-100.0)
    assert scoring.baseline(0.25, 0.0, eps) == pytest.approx(100 * (math.log2(0.75) + 1))
    assert scoring.baseline(1.0, 1.0, eps) == pytest.approx(100 * (math.log2(0.99) + 1))
    # Fractional outcome o: o * B(p) + (1 - o) * B(1 - p).
    o, p = 0.3, 0.8
    expected = o * 100 * (math.log2(p) + 1) + (1 - o) * 100 * (math.log2(1 - p) + 1)
    assert scoring.baseline(p, o, eps) == pytest.approx(expected)
    assert scoring.summarize([p], [o], eps).baseline == pytest.approx(expected)


def test_single_forecast_functions_agree_with_the_summary():
    ps, os_ = _binary_case(11, 50)
    eps = 0.02
    summary = scoring.summarize(ps, os_, eps)
    assert summary.brier == pytest.approx(sum(scoring.brier(p, o) for p, o in zip(ps, os_)) / 50)
    assert summary.log_loss == pytest.approx(sum(scoring.log_loss(p, o, eps) for p, o in zip(ps, os_)) / 50)
    assert summary.baseline == pytest.approx(sum(scoring.baseline(p, o, eps) for p, o in zip(ps, os_)) / 50)


@pytest.mark.parametrize("seed", range(3))
def test_brier_skill_against_coin_and_base_rate(seed):
    ps, os_ = _binary_case(seed, 120)
    p, o = np.asarray(ps), np.asarray(os_)
    brier = np.mean((p - o) ** 2)
    summary = scoring.summarize(ps, os_)
    assert summary.brier_skill_vs_coin == pytest.approx(1 - brier / np.mean((0.5 - o) ** 2))
    assert summary.brier_skill_vs_base_rate == pytest.approx(1 - brier / np.mean((o.mean() - o) ** 2))
    assert scoring.brier_skill(ps, os_, 0.5) == pytest.approx(summary.brier_skill_vs_coin)
    assert scoring.brier_skill(ps, os_, float(o.mean())) == pytest.approx(summary.brier_skill_vs_base_rate)


def test_skill_is_undefined_when_the_reference_is_perfect():
    # Every outcome YES: always forecasting the base rate (1.0) is perfect, so no skill can be measured.
    summary = scoring.summarize([0.9, 0.8], [1.0, 1.0])
    assert summary.brier_skill_vs_base_rate is None
    assert summary.brier_skill_vs_coin == pytest.approx(1 - ((0.01 + 0.04) / 2) / 0.25)
    assert scoring.summarize([], []).brier is None


@pytest.mark.parametrize("successes,n", [(0, 1), (1, 1), (3, 10), (7, 10), (50, 100), (1, 40), (39, 40)])
def test_wilson_interval_matches_scipy(successes, n):
    expected = binomtest(successes, n).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = scoring.wilson_interval(successes, n)
    assert low == pytest.approx(expected.low, abs=1e-9)
    assert high == pytest.approx(expected.high, abs=1e-9)


def test_wilson_interval_of_nothing_is_none():
    assert scoring.wilson_interval(0, 0) is None


def test_calibration_bins_are_not_folded_and_count_everything():
    ps = [0.05, 0.2, 0.2, 0.3, 0.8, 0.8, 0.8, 0.95, 1.0, 0.0]
    os_ = [0, 0, 1, 0, 1, 1, 0, 1, 1, 0]
    bins = scoring.calibration(ps, os_, bins=10)
    assert [b.n for b in bins] == [2, 0, 2, 1, 0, 0, 0, 0, 3, 2]
    # 20% forecasts and 80% forecasts stay apart (a folded chart would merge them).
    assert bins[2].observed == pytest.approx(0.5)
    assert bins[8].observed == pytest.approx(2 / 3)
    assert bins[8].mean_probability == pytest.approx(0.8)
    assert bins[9].mean_probability == pytest.approx(0.975)  # 1.0 is in the last bin
    assert bins[1].observed is None and bins[1].ci_low is None
    low, high = scoring.wilson_interval(2, 3)
    assert (bins[8].ci_low, bins[8].ci_high) == pytest.approx((low, high))
    assert sum(b.n for b in bins) == len(ps)


def test_calibration_matches_pandas_binning():
    pd = pytest.importorskip("pandas")
    rng = random.Random(5)
    ps = [round(rng.random(), 2) for _ in range(500)]
    os_ = [float(rng.random() < p) for p in ps]
    frame = pd.DataFrame({"p": ps, "o": os_})
    frame["bin"] = pd.cut(frame.p, bins=[i / 5 for i in range(6)], right=False, labels=False).fillna(4).astype(int)
    expected = frame.groupby("bin").agg(n=("o", "size"), observed=("o", "mean"), mean_p=("p", "mean"))
    bins = scoring.calibration(ps, os_, bins=5)
    for index, row in expected.iterrows():
        assert bins[index].n == row.n
        assert bins[index].observed == pytest.approx(row.observed)
        assert bins[index].mean_probability == pytest.approx(row.mean_p)


@pytest.mark.parametrize("values", [[0.2, 0.9, 0.4], [0.1, 0.3, 0.6, 0.8], [0.7]])
def test_consensus_median_and_mean(values):
    assert scoring.consensus(values, "median") == pytest.approx(float(np.median(values)))
    assert scoring.consensus(values, "mean") == pytest.approx(float(np.mean(values)))


def test_consensus_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert scoring.consensus([0.1, 0.3, 0.6, 0.9], "median") == pytest.approx(0.45)


def test_consensus_geometric_mean_of_odds():
    from scipy.stats import gmean

    values = [0.2, 0.5, 0.9, 1.0]
    eps = 0.01
    q = np.clip(values, eps, 1 - eps)
    odds = gmean(q / (1 - q))
    assert scoring.consensus(values, "geomean", eps) == pytest.approx(odds / (1 + odds))
    with pytest.raises(ValueError, match="unknown consensus"):
        scoring.consensus(values, "mode")


def test_ranking_does_not_let_one_lucky_forecast_top_the_table():
    rng = random.Random(3)
    steady_ps = [0.8 if rng.random() < 0.5 else 0.2 for _ in range(60)]
    steady_os = [float((p > 0.5) == (rng.random() < 0.85)) for p in steady_ps]
    lucky = scoring.GroupTally(probabilities=[1.0], outcomes=[1.0], predictions=["x"])
    steady = scoring.GroupTally(probabilities=steady_ps, outcomes=steady_os, predictions=list(range(60)))
    rows = scoring.rank_rows([scoring.score_row("lucky", lucky), scoring.score_row("steady", steady)])
    assert rows[0]["group"] == "steady"  # the lucky one has the better raw Brier...
    assert rows[1]["brier"] == 0.0 and rows[0]["brier"] > 0  # ...but one forecast is not evidence
    assert [r["rank"] for r in rows] == [1, 2]
    assert rows[1]["shrunk_brier"] == pytest.approx((0.0 + scoring.SHRINKAGE_PSEUDO_COUNT * 0.25) / (1 + scoring.SHRINKAGE_PSEUDO_COUNT))


def test_groups_with_nothing_scored_go_last_unranked():
    pending = scoring.GroupTally(pending=3)
    scored = scoring.GroupTally(probabilities=[0.6], outcomes=[1.0], predictions=["a"])
    rows = scoring.rank_rows([scoring.score_row("waiting", pending), scoring.score_row("scored", scored)])
    assert [(r["group"], r["rank"]) for r in rows] == [("scored", 1), ("waiting", None)]
    assert rows[1]["pending"] == 3 and rows[1]["brier"] is None


def test_relative_brier_is_own_brier_minus_consensus_on_the_same_predictions():
    consensus_brier = {"a": 0.04, "b": 0.25}
    group = scoring.GroupTally(probabilities=[0.9, 0.5, 0.3], outcomes=[1.0, 0.0, 0.0], predictions=["a", "b", "c"])
    row = scoring.score_row("s", group, consensus_brier=consensus_brier)
    # "c" has no consensus entry and is left out of the comparison.
    expected = ((0.01 - 0.04) + (0.25 - 0.25)) / 2
    assert row["relative_brier"] == pytest.approx(expected)


def test_tally_counts_statuses_and_database_totals_give_the_same_scores():
    rows = [
        ("a", 0.9, "scored", 1.0), ("b", 0.2, "scored", 0.0), ("c", 0.4, "scored", 0.25),
        ("d", 0.5, "pending", None), ("e", 0.5, "ambiguous", None), ("f", 0.5, "annulled", None),
    ]
    tally = scoring.tally(rows, lambda r: "g")["g"]
    assert (tally.pending, tally.ambiguous, tally.annulled) == (1, 1, 1)
    eps = 0.01
    sums = scoring.sums_of([0.9, 0.2, 0.4], [1.0, 0.0, 0.25], eps)
    totals = [("g", "scored", sums.n, sums.brier, sums.outcome, sums.outcome_sq, sums.probability, sums.loglik),
              ("g", "pending", 1, None, None, None, None, None)]
    from_totals = scoring.score_row("g", scoring.tally_sums(totals)["g"], eps=eps)
    from_rows = scoring.score_row("g", tally, eps=eps)
    for key in ("n", "brier", "log_loss", "baseline", "brier_skill_vs_coin", "brier_skill_vs_base_rate", "shrunk_brier", "pending"):
        assert from_totals[key] == pytest.approx(from_rows[key]), key


def test_check_clip_refuses_an_epsilon_that_leaves_no_range():
    for bad in (0, 0.5, -0.1, 1):
        with pytest.raises(ValueError):
            scoring.check_clip(bad)
    assert scoring.check_clip(0.001) == 0.001


@pytest.mark.parametrize("method", ["median", "mean", "geomean"])
def test_numpy_group_tallies_and_consensus_agree_with_the_plain_loops(method):
    rng = random.Random(17)
    statuses = [scoring.SCORED] * 6 + [scoring.PENDING, scoring.AMBIGUOUS, scoring.ANNULLED]
    truth = {}
    for i in range(60):
        status = rng.choice(statuses)
        truth[f"p{i}"] = (status, rng.choice([0.0, 1.0, round(rng.random(), 2)]) if status == scoring.SCORED else None)
    rows = []
    for pid, (status, outcome) in truth.items():
        for source in rng.sample(["a", "b", "c", "d", "e"], rng.randint(1, 5)):
            rows.append((pid, rng.choice([0.0, 1.0, rng.random()]), status, outcome, source))
    eps = 0.02

    plain_consensus = scoring.consensus_rows(rows, method, eps)
    plain_brier = scoring.consensus_briers(plain_consensus)
    plain = {k: scoring.score_row(k, t, eps=eps, consensus_brier=plain_brier) for k, t in scoring.tally(rows, lambda r: r[4]).items()}
    plain_virtual = scoring.score_row("c", scoring.tally(plain_consensus, lambda r: "c")["c"], eps=eps)

    pids, ps, statuses, outcomes, sources = zip(*rows)
    codes = {pid: code for code, pid in enumerate(dict.fromkeys(pids))}
    columns = scoring.columns_of(pids, ps, statuses, outcomes, codes)
    consensus = scoring.consensus_by_prediction(columns, method, eps)
    for pid, p, *_ in plain_consensus:
        assert consensus[codes[pid]] == pytest.approx(p)
    group_codes, labels = scoring.factorize(sources)
    fast = {label: scoring.score_row(label, t, eps=eps) for label, t in zip(labels, scoring.group_tallies(columns, group_codes, len(labels), eps, consensus))}
    virtual = scoring.consensus_columns(columns, consensus)
    fast_virtual = scoring.score_row("c", scoring.group_tallies(virtual, np.zeros(len(virtual.prediction), dtype=np.int64), 1, eps)[0], eps=eps)
    assert set(fast) == set(plain)
    for label in plain:
        for key, value in plain[label].items():
            assert fast[label][key] == pytest.approx(value, abs=1e-12), (label, key)
    for key, value in plain_virtual.items():
        assert fast_virtual[key] == pytest.approx(value, abs=1e-12), key


def test_calibration_of_arrays_matches_the_plain_loop():
    rng = random.Random(23)
    ps = [rng.choice([0.0, 1.0, 0.3, 0.7, round(rng.random(), 2)]) for _ in range(400)]
    os_ = [rng.choice([0.0, 1.0, 0.25]) for _ in ps]
    fast = scoring.calibration_of_arrays(np.array(ps), np.array(os_))
    plain = scoring.calibration(ps, os_)
    assert [b.n for b in fast] == [b.n for b in plain]
    for a, b in zip(fast, plain):
        for field in ("mean_probability", "observed", "ci_low", "ci_high"):
            assert getattr(a, field) == pytest.approx(getattr(b, field)), field
