"""The reviewed forecast files of the five seed articles, checked as a reader would check them.

These tests read `predictions/*.yaml` directly (not through predtrack's loader), so they keep
the files honest even while the loader changes: every quote is really in the seed article it was
stated in (a forecast's own `article:` when it names one, else its file's), every forecast
names its source and how sure it was, and the forecasts that issue 4 lists are
all there with the deadlines it asks for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[1]
PREDICTIONS_DIR = REPO / "predictions"
SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"

FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*\.yaml$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SOURCE_KINDS = {"person", "organisation", "outlet"}
OUTCOMES = {"yes", "no", "ambiguous", "annulled"}
# The convention for "in the coming weeks" that issue 4 and the team agreed on.
COMING_WEEKS = dt.timedelta(weeks=6)

CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Compare text the way a reader does: curly quotes and line breaks do not matter."""
    return " ".join(text.translate(CURLY).split())


def load_all() -> dict[Path, dict]:
    yaml = YAML(typ="safe")
    return {path: yaml.load(path.read_text(encoding="utf-8")) for path in sorted(PREDICTIONS_DIR.glob("*.yaml"))}


FILES = load_all()


def all_predictions() -> list[tuple[Path, dict, dict]]:
    return [(path, data["article"], prediction) for path, data in FILES.items() for prediction in data["predictions"] or []]


def all_forecasts() -> list[tuple[Path, dict, dict, dict]]:
    return [
        (path, article, prediction, forecast)
        for path, article, prediction in all_predictions()
        for forecast in prediction["forecasts"]
    ]


def stated_in(article: dict, forecast: dict) -> dict | None:
    """The article a forecast was stated in: its own `article:` when it has the key, else its file's."""
    return forecast["article"] if "article" in forecast else article


def by_id() -> dict[str, tuple[Path, dict, dict]]:
    return {prediction["id"]: (path, article, prediction) for path, article, prediction in all_predictions()}


def prediction(prediction_id: str) -> dict:
    found = by_id().get(prediction_id)
    assert found is not None, f"prediction {prediction_id!r} is missing from predictions/"
    return found[2]


def forecasts_with_words(pred: dict, words: str) -> list[dict]:
    return [f for f in pred["forecasts"] if words.lower() in (f.get("words") or "").lower()]


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS_DIR}")
    return {path.name: normalise(path.read_text(encoding="utf-8")) for path in sorted(SEEDS_DIR.glob("*.txt"))}


def test_there_is_one_file_per_seed_article(seeds):
    named = Counter(data["article"]["seed"] for data in FILES.values())
    assert sorted(named) == sorted(seeds)
    assert all(count == 1 for count in named.values()), named


@pytest.mark.parametrize("path", sorted(FILES), ids=lambda p: p.name)
def test_file_is_named_after_its_published_date(path):
    match = FILE_NAME.match(path.name)
    assert match, f"{path.name} is not YYYY-MM-DD-short-slug.yaml"
    published = FILES[path]["article"]["published"]
    assert isinstance(published, dt.date)
    assert match.group(1) == published.isoformat()


def test_prediction_ids_are_unique_readable_slugs():
    ids = [prediction["id"] for _, _, prediction in all_predictions()]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert [i for i in ids if not SLUG.match(i) or len(i) > 120] == []


@pytest.mark.parametrize("prediction_id", sorted(by_id()))
def test_prediction_has_claim_criteria_and_a_resolvable_deadline(prediction_id):
    path, article, pred = by_id()[prediction_id]
    assert pred["claim"].strip() and pred["criteria"].strip()
    assert "YES" in pred["criteria"], "criteria must say what resolves YES"
    deadline, deadline_date = pred.get("deadline"), pred.get("deadline_date")
    if isinstance(deadline, str):
        assert isinstance(deadline_date, dt.date), "a deadline phrase needs the date it resolves to"
    elif isinstance(deadline, dt.date):
        assert deadline_date in (None, deadline)
        # A deadline that no article gave was chosen by us, and the file must say why.
        assert (pred.get("deadline_note") or "").strip()
    else:
        assert deadline is None and deadline_date is None
        assert pred.get("resolution") or (pred.get("deadline_note") or "").strip()
    if deadline_date is not None:
        assert all(deadline_date >= f["stated"] for f in pred["forecasts"])


def test_every_forecast_names_its_source_probability_and_kind():
    problems = []
    for path, article, pred, forecast in all_forecasts():
        where = f"{path.name}:{pred['id']}:{forecast.get('source')}"
        if not (forecast.get("source") or "").strip():
            problems.append(f"{where}: no source")
        if forecast.get("source_kind") not in SOURCE_KINDS:
            problems.append(f"{where}: source_kind {forecast.get('source_kind')!r}")
        probability = forecast.get("probability")
        if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 <= probability <= 1:
            problems.append(f"{where}: probability {probability!r} is not a number in [0, 1]")
        if forecast.get("kind") not in {"stated", "inferred"}:
            problems.append(f"{where}: kind {forecast.get('kind')!r}")
        if forecast.get("kind") == "inferred":
            words = (forecast.get("words") or "").strip()
            if not words or normalise(words).lower() not in normalise(forecast["quote"]).lower():
                problems.append(f"{where}: inferred from words {words!r} that are not in its quote")
        stated = forecast.get("stated")
        own = stated_in(article, forecast)
        if own is None or not isinstance(stated, dt.date) or stated > own["published"]:
            problems.append(f"{where}: stated {stated!r} is not a date on or before its article")
    assert problems == []


def test_every_quote_occurs_verbatim_in_its_seed_article(seeds):
    missing = [
        f"{path.name}:{pred['id']}: {forecast['quote'][:60]!r}"
        for path, article, pred, forecast in all_forecasts()
        if not forecast.get("quote")
        or normalise(forecast["quote"]) not in seeds.get((stated_in(article, forecast) or {}).get("seed"), "")
    ]
    assert missing == []


def test_a_forecast_naming_another_seed_describes_it_as_that_seeds_file_does(seeds):
    """A forecast-level `article:` must be recognised as the same article its own file records."""
    files_by_seed = {data["article"]["seed"]: data["article"] for data in FILES.values()}
    named = [
        (pred["id"], forecast["article"])
        for _, article, pred, forecast in all_forecasts()
        if forecast.get("article") and forecast["article"].get("seed") != article["seed"]
    ]
    assert named, "issue 4's rollout is stated by two articles, so some forecast names another seed"
    for prediction_id, own in named:
        assert own["seed"] in seeds, (prediction_id, own)
        recorded = files_by_seed[own["seed"]]
        assert (own.get("title"), own["published"]) == (recorded["title"], recorded["published"]), prediction_id


def test_no_source_is_counted_twice_on_one_prediction():
    repeated = [
        (pred["id"], source)
        for _, _, pred in all_predictions()
        for source, n in Counter(f["source"] for f in pred["forecasts"]).items()
        if n > 1
    ]
    assert repeated == []


def test_resolutions_rest_only_on_the_seed_articles(seeds):
    for _, article, pred in all_predictions():
        resolution = pred.get("resolution")
        if not resolution:
            continue
        outcome = resolution["outcome"]
        assert outcome in OUTCOMES or (isinstance(outcome, float) and 0 <= outcome <= 1)
        assert isinstance(resolution["resolved"], dt.date)
        assert resolution["resolved"] <= max(a["article"]["published"] for a in FILES.values())
        evidence = resolution["evidence"]
        assert evidence, f"{pred['id']}: a resolution without evidence"
        assert all(e.startswith("seed:") and e.removeprefix("seed:") in seeds for e in evidence), evidence
        assert resolution.get("note", "").strip()


# The forecasts issue 4 names ("At least: ...").


def test_coding_acquisition_by_q2_2027_keeps_the_twelve_month_wording():
    pred = prediction("meta-acquires-coding-ai-startup-by-q2-2027")
    assert pred["deadline"] == "by Q2 2027"
    assert pred["deadline_date"] == dt.date(2027, 6, 30)
    assert "within the next 12 months" in pred["criteria"] + pred.get("notes", "")
    assert "Replit" in pred["claim"] and "Sourcegraph" in pred["claim"]


def test_openai_and_anthropic_coding_variants_are_due_by_q3_2026():
    pred = prediction("openai-and-anthropic-announce-coding-model-variants-by-q3-2026")
    assert "OpenAI" in pred["claim"] and "Anthropic" in pred["claim"]
    assert pred["deadline_date"] == dt.date(2026, 9, 30)
    # Issue 4: due, indeed overdue, on 2026-11-25; nothing in the seeds resolves it.
    assert pred["deadline_date"] < dt.date(2026, 11, 25) and not pred.get("resolution")


def test_open_weights_has_a_chosen_deadline_and_both_sources():
    pred = prediction("meta-releases-open-weights-of-a-muse-model")
    assert isinstance(pred["deadline_date"], dt.date)
    assert pred["deadline_note"].strip()
    sources = {f["source"] for f in pred["forecasts"]}
    assert "Meta" in sources and any(s.startswith("Related report") for s in sources)
    assert [f["source"] for f in forecasts_with_words(pred, "hopes")] == ["Meta"]


def test_coding_focused_muse_iteration_in_2026_seems_likely():
    pred = prediction("meta-ships-coding-focused-muse-iteration-in-2026")
    assert pred["deadline_date"] == dt.date(2026, 12, 31)
    assert forecasts_with_words(pred, "seems likely")


def test_rollout_to_meta_apps_and_glasses_is_one_prediction_stated_by_two_articles(seeds):
    """One event, one prediction: scoring two copies would count the rollout twice."""
    surfaces = ["WhatsApp", "Instagram", "Facebook", "Messenger", "glasses"]
    rollout = [
        (article, pred)
        for _, article, pred in all_predictions()
        if all(s in pred["claim"] for s in surfaces) and "coming weeks" in (pred.get("deadline") or "")
    ]
    assert [pred["id"] for _, pred in rollout] == ["muse-spark-rollout-meta-apps-and-glasses-coming-weeks"]
    article, pred = rollout[0]
    forecasts = pred["forecasts"]
    assert len(forecasts) == 2
    assert len({f["source"] for f in forecasts}) == 2
    own_seeds = [stated_in(article, f)["seed"] for f in forecasts]
    assert len(set(own_seeds)) == 2 and set(own_seeds) <= set(seeds)
    for forecast, seed in zip(forecasts, own_seeds):
        assert normalise(forecast["quote"]) in seeds[seed], (forecast["source"], seed)
        assert "coming weeks" in forecast["quote"]
        assert pred["deadline_date"] == forecast["stated"] + COMING_WEEKS


@pytest.mark.parametrize(
    "prediction_id",
    [
        "muse-spark-enterprise-adoption-limited-to-non-coding",
        "openai-and-anthropic-respond-to-muse-spark-short-term",
        "calls-for-regulation-citing-meta-superintelligence",
    ],
)
def test_the_rest_of_the_issue_list_is_present(prediction_id):
    assert prediction(prediction_id)["forecasts"]


def test_inferred_probabilities_agree_with_the_shipped_word_table():
    """What predtrack itself reads from a forecast's words is the probability in the file."""
    likelihood = pytest.importorskip("predtrack.likelihood", reason="predtrack/likelihood.py not written yet")
    checked, disagree = 0, []
    for _, _, pred, forecast in all_forecasts():
        if forecast["kind"] != "inferred":
            continue
        reading = likelihood.read_probability(forecast["words"])
        if reading.probability is None:
            continue  # words the table lacks ("planned"): the file says how they were read
        checked += 1
        if abs(reading.probability - forecast["probability"]) > 1e-9:
            disagree.append((pred["id"], forecast["words"], forecast["probability"], reading.probability))
    assert disagree == []
    assert checked >= len(all_forecasts()) // 2, "most words should be in the shipped table"


def test_deadline_phrases_resolve_as_predtrack_reads_them():
    """A phrase's date is what predtrack's deadline reader makes of it, read from when it was said."""
    when = pytest.importorskip("predtrack.when", reason="predtrack/when.py not written yet")
    from predtrack.errors import InvalidValue

    checked, disagree = 0, []
    for _, article, pred in all_predictions():
        if not isinstance(pred.get("deadline"), str):
            continue
        said = min([f["stated"] for f in pred["forecasts"]] or [article["published"]])
        try:
            reading = when.parse_deadline_value(pred["deadline"], said)
        except InvalidValue:
            # A phrase the reader does not know ("longer term"): the file must say how it was read.
            assert (pred.get("deadline_note") or "").strip(), pred["id"]
            continue
        checked += 1
        if reading.deadline != pred["deadline_date"]:
            disagree.append((pred["id"], pred["deadline"], pred["deadline_date"], reading.deadline))
    assert disagree == []
    assert checked >= 5
