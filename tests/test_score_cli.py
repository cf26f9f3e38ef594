"""`predtrack score` on real SQLite and PostgreSQL: which forecasts count, groupings, consensus, real data.

Test data goes into the database directly through the models (so each case says exactly what
is stored), or through `predtrack import` of a flat CSV built from the public datasets; the
expected scores are computed inside the tests, independently of predtrack.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math

import pytest

from conftest import requires_datasets
from score_world import Store, d, random_world as _random_world

@pytest.fixture
def store(backend_url):
    return Store(backend_url)


def score(run_cli, *args):
    result = run_cli("score", "--as-of", "2026-11-25", "--json", *args)
    assert result.exit_code == 0, result.output
    return {row["group"]: row for row in json.loads(result.output)}


def test_the_latest_forecast_stated_by_the_day_the_outcome_was_known_counts(store, run_cli):
    store.prediction("p1", outcome="yes", value=1.0, resolved_on=d("2026-06-10"))
    store.forecast("p1", "Alice", 0.3, d("2026-06-01"))
    store.forecast("p1", "Alice", 0.8, d("2026-06-05"))  # her latest before the outcome: counts
    store.forecast("p1", "Alice", 0.99, d("2026-06-11"))  # after the outcome was known: never
    store.forecast("p1", "Bob", 0.6, d("2026-06-08"))
    store.forecast("p1", "Bob", 0.05, d("2026-06-09"), withdrawn=True)  # withdrawn: ignored
    store.forecast("p1", "Dan", 0.7, d("2026-06-10"))  # on the day it became known: counts (<=)
    store.forecast("p1", "Carol", 0.9, d("2026-06-12"))  # only after: not counted at all

    rows = score(run_cli)
    assert rows["Alice"]["n"] == 1 and rows["Alice"]["brier"] == pytest.approx(0.04)
    assert rows["Bob"]["n"] == 1 and rows["Bob"]["brier"] == pytest.approx(0.16)
    assert rows["Dan"]["brier"] == pytest.approx(0.09)
    assert "Carol" not in rows
    assert rows["Alice"]["log_loss"] == pytest.approx(-math.log(0.8))
    assert rows["Alice"]["baseline"] == pytest.approx(100 * (math.log2(0.8) + 1))

    every = score(run_cli, "--all-forecasts")
    assert every["Alice"]["n"] == 2
    assert every["Alice"]["brier"] == pytest.approx((0.49 + 0.04) / 2)
    assert every["Bob"]["n"] == 1


def test_ambiguous_annulled_and_unresolved_are_counted_not_scored(store, run_cli):
    store.prediction("yes-one", outcome="yes", value=1.0, resolved_on=d("2026-06-10"))
    store.prediction("ambiguous-one", outcome="ambiguous", resolved_on=d("2026-06-10"))
    store.prediction("annulled-one", outcome="annulled", resolved_on=d("2026-06-10"))
    store.prediction("overdue-one", deadline=d("2026-05-01"))
    store.prediction("no-deadline", deadline=None)
    for pid in ("yes-one", "ambiguous-one", "annulled-one", "overdue-one", "no-deadline"):
        store.forecast(pid, "Alice", 0.9, d("2026-04-01"))

    row = score(run_cli)["Alice"]
    assert (row["n"], row["ambiguous"], row["annulled"], row["pending"]) == (1, 1, 1, 2)
    assert row["brier"] == pytest.approx(0.01)


def test_as_of_scores_only_what_was_known_then(store, run_cli):
    store.prediction("p1", outcome="no", value=0.0, resolved_on=d("2026-06-10"))
    store.forecast("p1", "Alice", 0.2, d("2026-05-01"))
    store.forecast("p1", "Alice", 0.4, d("2026-06-05"))

    before = run_cli("score", "--as-of", "2026-06-01", "--json")
    row = {r["group"]: r for r in json.loads(before.output)}["Alice"]
    assert (row["n"], row["pending"]) == (0, 1)
    after = score(run_cli)["Alice"]
    assert (after["n"], after["pending"]) == (1, 0)
    assert after["brier"] == pytest.approx(0.16)


def test_since_and_until_select_predictions_by_resolution_date(store, run_cli):
    store.prediction("june", outcome="yes", value=1.0, resolved_on=d("2026-06-10"))
    store.prediction("september", outcome="no", value=0.0, resolved_on=d("2026-09-01"))
    store.prediction("open", deadline=d("2027-01-01"))
    for pid in ("june", "september", "open"):
        store.forecast(pid, "Alice", 0.7, d("2026-05-01"))

    row = score(run_cli, "--since", "2026-07-01")["Alice"]
    assert (row["n"], row["pending"]) == (1, 1)
    assert row["brier"] == pytest.approx(0.49)
    row = score(run_cli, "--since", "2026-06-01", "--until", "2026-06-30")["Alice"]
    assert row["n"] == 1 and row["brier"] == pytest.approx(0.09)


def test_by_outlet_uses_the_forecasts_article_else_the_predictions(store, run_cli):
    times = store.article("The Times", "https://example.org/times")
    post = store.article("The Post", "https://example.org/post")
    store.prediction("p1", outcome="yes", value=1.0, resolved_on=d("2026-06-10"), article=times)
    store.prediction("p2", outcome="no", value=0.0, resolved_on=d("2026-06-10"))
    store.forecast("p1", "Alice", 0.9, d("2026-05-01"))  # no article of its own: the prediction's (Times)
    store.forecast("p1", "Bob", 0.6, d("2026-05-01"), article=post)  # its own article (Post)
    store.forecast("p2", "Bob", 0.3, d("2026-05-01"))  # no article anywhere

    rows = score(run_cli, "--by", "outlet")
    assert rows["The Times"]["n"] == 1 and rows["The Times"]["brier"] == pytest.approx(0.01)
    assert rows["The Post"]["brier"] == pytest.approx(0.16)
    assert rows["(no outlet)"]["brier"] == pytest.approx(0.09)


def test_by_tag_and_by_kind_and_tag_filter(store, run_cli):
    store.prediction("p1", outcome="yes", value=1.0, resolved_on=d("2026-06-10"), tags=("ai", "meta"))
    store.prediction("p2", outcome="no", value=0.0, resolved_on=d("2026-06-10"), tags=("ai",))
    store.prediction("p3", outcome="no", value=0.0, resolved_on=d("2026-06-10"))
    store.forecast("p1", "Alice", 0.8, d("2026-05-01"))
    store.forecast("p2", "Alice", 0.4, d("2026-05-01"), kind="inferred")
    store.forecast("p3", "Alice", 0.5, d("2026-05-01"), kind="inferred")

    by_tag = score(run_cli, "--by", "tag")
    assert by_tag["ai"]["n"] == 2 and by_tag["ai"]["brier"] == pytest.approx((0.04 + 0.16) / 2)
    assert by_tag["meta"]["n"] == 1
    assert by_tag["(untagged)"]["brier"] == pytest.approx(0.25)
    by_kind = score(run_cli, "--by", "kind")
    assert by_kind["stated"]["n"] == 1 and by_kind["inferred"]["n"] == 2
    assert by_kind["inferred"]["brier"] == pytest.approx((0.16 + 0.25) / 2)
    only_meta = score(run_cli, "--tag", "meta")
    assert only_meta["Alice"]["n"] == 1 and only_meta["Alice"]["brier"] == pytest.approx(0.04)
    meta_by_tag = score(run_cli, "--by", "tag", "--tag", "meta")
    assert set(meta_by_tag) == {"meta"}


def _consensus_world(store):
    store.prediction("p1", outcome="yes", value=1.0, resolved_on=d("2026-06-10"))
    store.prediction("p2", outcome="no", value=0.0, resolved_on=d("2026-06-10"))
    store.prediction("p3", outcome="yes", value=1.0, resolved_on=d("2026-06-10"))
    forecasts = {
        "p1": {"Alice": 0.9, "Bob": 0.6, "Carol": 0.7, "Dan": 0.2},
        "p2": {"Alice": 0.3, "Bob": 0.1, "Carol": 0.5},
        "p3": {"Bob": 0.4},
    }
    for pid, by_source in forecasts.items():
        for source, p in by_source.items():
            store.forecast(pid, source, p, d("2026-05-01"))
    return forecasts, {"p1": 1.0, "p2": 0.0, "p3": 1.0}


@pytest.mark.parametrize("method", ["median", "mean", "geomean"])
def test_consensus_is_a_virtual_source_and_relative_brier_compares_on_the_same_predictions(store, run_cli, method):
    forecasts, outcomes = _consensus_world(store)

    def aggregate(values):
        values = sorted(values)
        if method == "median":
            mid = len(values) // 2
            return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
        if method == "mean":
            return sum(values) / len(values)
        logs = [math.log(min(max(v, 0.01), 0.99) / (1 - min(max(v, 0.01), 0.99))) for v in values]
        return 1 / (1 + math.exp(-sum(logs) / len(logs)))

    consensus = {pid: aggregate(list(by_source.values())) for pid, by_source in forecasts.items()}
    consensus_brier = {pid: (consensus[pid] - outcomes[pid]) ** 2 for pid in forecasts}
    rows = score(run_cli, "--consensus", method)
    assert rows["consensus"]["n"] == 3
    assert rows["consensus"]["brier"] == pytest.approx(sum(consensus_brier.values()) / 3)
    for source in ("Alice", "Bob", "Carol", "Dan"):
        mine = [(pid, p) for pid, by_source in forecasts.items() for s, p in by_source.items() if s == source]
        expected = sum((p - outcomes[pid]) ** 2 - consensus_brier[pid] for pid, p in mine) / len(mine)
        assert rows[source]["relative_brier"] == pytest.approx(expected), source


def test_source_filter_and_the_virtual_consensus_source(store, run_cli):
    _consensus_world(store)
    only_alice = score(run_cli, "--source", "Alice")
    assert set(only_alice) == {"Alice"}
    assert "relative_brier" not in only_alice["Alice"]
    only_consensus = score(run_cli, "--source", "consensus")
    assert set(only_consensus) == {"consensus"}
    assert only_consensus["consensus"]["consensus_method"] == "median"
    both = score(run_cli, "--source", "Alice", "--source", "consensus", "--consensus", "mean")
    assert set(both) == {"Alice", "consensus"}
    # Alice is compared with the consensus of every source, not of the shown ones only.
    assert both["Alice"]["relative_brier"] == pytest.approx(score(run_cli, "--consensus", "mean")["Alice"]["relative_brier"])


def test_bad_input_is_one_line_naming_the_value(store, run_cli):
    unknown = run_cli("score", "--source", "Nobody")
    assert unknown.exit_code == 1
    assert unknown.output.strip().splitlines() == ["Error: unknown source 'Nobody': see `predtrack sources` for the names, or use 'consensus'"]
    window = run_cli("score", "--since", "2026-07-01", "--until", "2026-06-01")
    assert window.exit_code == 1
    assert "invalid --since '2026-07-01'" in window.output and "2026-06-01" in window.output
    bad_date = run_cli("score", "--as-of", "soon")
    assert bad_date.exit_code == 1 and "invalid --as-of 'soon'" in bad_date.output
    clip = run_cli("score", "--clip", "0.7")
    assert clip.exit_code == 2 and "--clip" in clip.output
    by = run_cli("score", "--by", "planet")
    assert by.exit_code == 2 and "--by" in by.output


def test_text_table_says_the_scale_and_lists_every_source(store, run_cli):
    _consensus_world(store)
    result = run_cli("score", "--as-of", "2026-11-25", "--consensus", "median")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:6] == ["rank", "source", "n", "brier", "log_loss", "baseline"]
    assert "vs_consensus" in lines[0]
    assert {line.split()[1] for line in lines[1:6]} == {"Alice", "Bob", "Carol", "Dan", "consensus"}
    assert "0-1 scale" in result.output


def test_empty_database_says_there_is_nothing_to_score(run_cli):
    result = run_cli("score")
    assert result.exit_code == 0
    assert "no forecasts to score" in result.output
    assert json.loads(run_cli("score", "--json").output) == []


def _expected_rows(truth, stored, eps):
    """The counting rule, implemented again here: latest non-withdrawn forecast stated <= resolved_on."""
    latest = {}
    for fid, pid, source, p, stated, withdrawn in stored:
        status, value = truth[pid]
        cutoff = d("2026-06-15") if status != "pending" else d("2026-11-25")
        if withdrawn or stated > cutoff:
            continue
        key = (pid, source)
        if key not in latest or (stated, fid) > (latest[key][0], latest[key][1]):
            latest[key] = (stated, fid, p)
    expected = {}
    for (pid, source), (_stated, _fid, p) in latest.items():
        status, o = truth[pid]
        row = expected.setdefault(source, {"n": 0, "brier": 0.0, "ll": 0.0, "pending": 0, "ambiguous": 0, "annulled": 0})
        if status == "scored":
            q = min(max(p, eps), 1 - eps)
            row["n"] += 1
            row["brier"] += (p - o) ** 2
            row["ll"] -= o * math.log(q) + (1 - o) * math.log(1 - q)
        else:
            row[status] += 1
    return expected


@pytest.mark.parametrize("seed", [1, 2])
def test_database_totals_and_row_by_row_scoring_agree_with_an_independent_count(store, run_cli, seed):
    truth, stored = _random_world(store, seed)
    eps = 0.02
    expected = _expected_rows(truth, stored, eps)
    fast = score(run_cli, "--clip", str(eps))  # totals added up by the database
    rows = score(run_cli, "--clip", str(eps), "--consensus", "median")  # every counted forecast read
    assert set(fast) == set(expected)
    for source, want in expected.items():
        for got in (fast[source], rows[source]):
            assert (got["n"], got["pending"], got["ambiguous"], got["annulled"]) == (want["n"], want["pending"], want["ambiguous"], want["annulled"])
            if want["n"]:
                # Database sums are kept to 12 significant digits (scoring.SUM_DIGITS).
                assert got["brier"] == pytest.approx(want["brier"] / want["n"], rel=1e-11, abs=1e-12)
                assert got["log_loss"] == pytest.approx(want["ll"] / want["n"], rel=1e-11, abs=1e-12)
                assert got["baseline"] == pytest.approx(100 * (1 - want["ll"] / want["n"] / math.log(2)), rel=1e-11, abs=1e-9)


def test_sqlite_without_math_functions_gets_ln_from_python(store, run_cli, monkeypatch, backend_url):
    if not backend_url.startswith("sqlite"):
        pytest.skip("only SQLite builds may lack ln()")
    from predtrack import score_data, score_totals

    truth, stored = _random_world(store, 3)
    native = score(run_cli)
    registered = []

    def always_provide(connection):
        registered.append("general")
        score_data.provide_sqlite_ln(connection)

    def always_provide_direct(direct):
        registered.append("totals")
        score_totals.provide_sqlite_ln(direct)

    monkeypatch.setattr(score_data, "_ensure_ln", always_provide)
    monkeypatch.setattr(score_totals, "_ensure_ln", always_provide_direct)
    # --no-cache: the first results are stored, make both paths compute again.
    replaced = score(run_cli, "--no-cache")  # the per-source totals' own SQL
    general = score(run_cli, "--no-cache", "--since", "2000-01-01")  # score_data's query, same selection
    assert registered == ["totals", "general"]
    for source, row in native.items():
        assert replaced[source]["log_loss"] == pytest.approx(row["log_loss"], abs=1e-12)
        assert general[source]["log_loss"] == pytest.approx(row["log_loss"], abs=1e-12)


# --- real data ----------------------------------------------------------------------------------


def _import_csv(run_cli, path):
    result = run_cli("import", str(path))
    assert result.exit_code == 0, result.output


def test_election_2020_scores_match_an_independent_computation(backend_url, run_cli, tmp_path):
    """16 forecasters' state-level win probabilities in 2020 (CC BY-SA 4.0, W. Jake Thompson)."""
    folder = requires_datasets("election2020")
    pd = pytest.importorskip("pandas")
    from sklearn.metrics import brier_score_loss, log_loss

    results = pd.read_csv(folder / "results.csv")
    frames = [pd.read_csv(path) for path in sorted((folder / "forecasts").glob("*.csv"))]
    forecasts = pd.concat(frames).merge(results[["state_abbr", "biden_win"]], on="state_abbr", validate="many_to_one")
    path = tmp_path / "election2020.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prediction", "claim", "deadline", "source", "probability", "stated", "outcome", "resolved", "tags"])
        for row in forecasts.itertuples():
            writer.writerow([
                f"biden-wins-{row.state_abbr.lower()}-2020", f"Biden wins {row.state_name} in the 2020 presidential election",
                "2020-11-03", row.model, repr(float(row.biden)), "2020-11-02", "yes" if row.biden_win else "no", "2020-11-07", "election2020",
            ])
    _import_csv(run_cli, path)

    eps = 0.01
    rows = score(run_cli, "--consensus", "median")
    assert len(rows) == 17  # 16 forecasters and the consensus
    for model, group in forecasts.groupby("model"):
        got = rows[model]
        assert got["n"] == len(group) and got["pending"] == 0
        assert got["brier"] == pytest.approx(brier_score_loss(group.biden_win, group.biden), abs=1e-12)
        clipped = group.biden.clip(eps, 1 - eps)
        expected_ll = log_loss(group.biden_win, clipped, labels=[0, 1])
        assert got["log_loss"] == pytest.approx(expected_ll, rel=1e-9)
        chance_of_outcome = clipped.where(group.biden_win == 1, 1 - clipped)
        assert got["baseline"] == pytest.approx((100 * ((chance_of_outcome.map(math.log2)) + 1)).mean(), rel=1e-9)
    median = forecasts.groupby("state_abbr").agg(p=("biden", "median"), o=("biden_win", "first"))
    assert rows["consensus"]["brier"] == pytest.approx(((median.p - median.o) ** 2).mean(), abs=1e-12)
    assert rows["consensus"]["n"] == len(median)


def test_forecastbench_superforecasters_with_fractional_outcomes(backend_url, run_cli, tmp_path):
    """40 superforecasters on ForecastBench questions (CC BY-SA 4.0, forecastingresearch)."""
    folder = requires_datasets("forecastbench")
    pd = pytest.importorskip("pandas")

    forecasts = pd.read_csv(folder / "fixture_super_individual_forecasts.csv", dtype={"resolution_date": str}, keep_default_na=False)
    resolutions = pd.read_csv(folder / "fixture_resolutions_2025-02-17.csv", dtype={"resolution_date": str}, keep_default_na=False)
    merged = forecasts.merge(resolutions, on=["question_id", "source", "resolution_date"], how="left", validate="many_to_one")

    def pid(row) -> str:
        key = "|".join([row.question_id, row.source, row.resolution_date])
        return "fb-" + hashlib.sha1(key.encode()).hexdigest()[:16]

    merged["pid"] = [pid(row) for row in merged.itertuples()]
    path = tmp_path / "forecastbench.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prediction", "claim", "deadline", "source", "probability", "stated", "outcome", "resolved", "tags"])
        for row in merged.itertuples():
            resolved = not pd.isna(row.resolved_to)
            writer.writerow([
                row.pid, f"ForecastBench {row.source} question {row.question_id} {row.resolution_date or 'market'}",
                row.resolution_date or "none", row.user_id, row.forecast, "2024-07-21",
                repr(float(row.resolved_to)) if resolved else "", (row.resolution_date or "2025-02-17") if resolved else "",
                f"forecastbench;{row.source}",
            ])
    _import_csv(run_cli, path)

    eps = 0.01
    rows = score(run_cli, "--consensus", "median")
    scored = merged[~merged.resolved_to.isna()].copy()
    assert ((scored.resolved_to > 0) & (scored.resolved_to < 1)).any()  # fractional outcomes are in play
    scored["q"] = scored.forecast.clip(eps, 1 - eps)
    scored["brier"] = (scored.forecast - scored.resolved_to) ** 2
    scored["ll"] = -(scored.resolved_to * scored.q.map(math.log) + (1 - scored.resolved_to) * (1 - scored.q).map(math.log))
    pending = merged[merged.resolved_to.isna()].groupby("user_id").size()
    per_user = scored.groupby("user_id").agg(n=("brier", "size"), brier=("brier", "mean"), ll=("ll", "mean"))
    assert len([g for g in rows if g != "consensus"]) == forecasts.user_id.nunique() == 40
    for user, want in per_user.iterrows():
        got = rows[user]
        assert got["n"] == want.n
        assert got["pending"] == pending.get(user, 0)
        assert got["brier"] == pytest.approx(want.brier, abs=1e-12)
        assert got["log_loss"] == pytest.approx(want.ll, rel=1e-9)
        assert got["baseline"] == pytest.approx(100 * (1 - want.ll / math.log(2)), rel=1e-9)

    # The consensus: per item the median of the superforecasters, as the dataset's own aggregate.
    items = scored.groupby("pid").agg(p=("forecast", "median"), o=("resolved_to", "first"))
    items["brier"] = (items.p - items.o) ** 2
    assert rows["consensus"]["n"] == len(items) == 498
    assert rows["consensus"]["brier"] == pytest.approx(items.brier.mean(), abs=1e-12)
    scored = scored.join(items.brier.rename("consensus_brier"), on="pid")
    relative = (scored.brier - scored.consensus_brier).groupby(scored.user_id).mean()
    for user, value in relative.items():
        assert rows[user]["relative_brier"] == pytest.approx(value, abs=1e-12)


def test_help_has_an_example_and_the_documented_default_clip(run_cli):
    from predtrack import scoring
    from predtrack.cli import report_cmds

    assert float(report_cmds.DEFAULT_CLIP_TEXT) == scoring.DEFAULT_CLIP
    for command in ("score", "report"):
        result = run_cli(command, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.output
