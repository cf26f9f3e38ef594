"""Probability language: stated chances, numbers that are no chance, estimative words, the table."""

from __future__ import annotations

import csv
import json
import statistics
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from predtrack.errors import InvalidValue
from predtrack.likelihood import (
    ASSERTION_DEFAULT,
    ProbabilityReading,
    parse_probability_value,
    read_probability,
    word_table,
)

PROBLY = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "probability-words" / "probly.csv"


def shipped_table() -> dict:
    return json.loads(resources.files("predtrack").joinpath("data/probability_words.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- stated numbers

STATED = [
    ("There is a 70% chance Meta buys a startup.", 0.7, "70% chance"),
    ("Meta is 70 percent likely to buy a startup.", 0.7, "70 percent likely"),
    ("a 70% probability", 0.7, "70% probability"),
    ("I am 70% sure Meta will buy Replit.", 0.7, "70% sure"),
    ("7 in 10 odds", 0.7, "7 in 10 odds"),
    ("a one-in-five chance", 0.2, "one-in-five chance"),
    ("probability 0.7", 0.7, "probability 0.7"),
    ("with probability .7", 0.7, "probability .7"),
    ("p = 0.35", 0.35, "p = 0.35"),
    ("We give it a 35 per cent chance.", 0.35, "35 per cent chance"),
    ("a 0.7 chance", 0.7, "0.7 chance"),
    ("seventy percent chance", 0.7, "seventy percent chance"),
    ("a one in a million chance", 1e-6, "one in a million chance"),
    ("a nine out of ten chance", 0.9, "nine out of ten chance"),
    ("The chances are 7 in 10 that the deal closes.", 0.7, "chances are 7 in 10"),
    ("I'd put the odds at 70 percent.", 0.7, "odds at 70 percent"),
    ("The probability that Meta acquires a startup by 2027 is 60%.", 0.6, "probability that Meta acquires a startup by 2027 is 60%"),
    ("There is a 30 percent risk of recession next year.", 0.3, "30 percent risk"),
    ("The odds of a rate cut in June have risen to 70%, according to CME FedWatch.", 0.7, "odds of a rate cut in June have risen to 70%"),
    ("Forecasters see a 60-70% chance of a cut.", 0.65, "60-70% chance"),
    ("fifty-fifty", 0.5, "fifty-fifty"),
    ("It's 50/50 whether they ship.", 0.5, "50/50"),
    ("odds of 3 to 1 against", 0.25, "odds of 3 to 1 against"),
    ("Polymarket gives it a 35% chance.", 0.35, "35% chance"),
    ("Meta acquires Replit by Q2 2027 (70%)", 0.7, "(70%)"),
    ("Meta will acquire Replit by Q2 2027: 70%", 0.7, "70%"),
    ("less than a 10% chance", 0.1, "less than a 10% chance"),
    ("a 100% chance", 1.0, "100% chance"),
    ("a 0% chance", 0.0, "0% chance"),
    ("The chances of a soft landing are now about 60 percent.", 0.6, "chances of a soft landing are now about 60 percent"),
    ("The bank puts the probability of a recession at 45%.", 0.45, "probability of a recession at 45%"),
    ("Traders now see a roughly 80% chance the Fed cuts in September.", 0.8, "roughly 80% chance"),
    ("Bookmakers give him a one in three chance of winning.", 1 / 3, "one in three chance"),
    ("We see roughly a 1-in-4 chance of a recession in the next 12 months.", 0.25, "roughly a 1-in-4 chance"),
    ("Markets are pricing in an 85% probability of a cut at the September meeting.", 0.85, "85% probability"),
    ("with 70% confidence", 0.7, "70% confidence"),
    ("Analysts estimate the probability of a default at 10-15%.", 0.125, "probability of a default at 10-15%"),
    ("There's a 2-in-3 likelihood of a cut.", 2 / 3, "2-in-3 likelihood"),
    ("Prediction markets put the odds of a shutdown at 65 percent.", 0.65, "odds of a shutdown at 65 percent"),
]


@pytest.mark.parametrize("text, expected, words", STATED)
def test_stated_numbers(text, expected, words):
    r = read_probability(text)
    assert r.kind == "stated", r.explanation
    assert r.probability == pytest.approx(expected)
    assert r.text == words
    assert r.text in text


def test_a_stated_number_wins_over_words():
    r = read_probability("Meta will likely buy Replit; I put it at a 62% chance.")
    assert (r.probability, r.kind) == (0.62, "stated")


NOT_CHANCE = [
    "Muse Spark scored 72.3% on HumanEval pass@1, a 12-point improvement over Llama 4's 60.1%.",
    "Muse Spark beats Llama 4 on reasoning (MMLU: 90.2% vs 86.7%).",
    "a 12-point improvement",
    "Meta owns a 49% stake in Scale AI, valued at roughly $14 billion.",
    "HumanEval pass@1: 72.3%",
    "Nine out of ten developers use GPT-5.",
    "The model has a 95% confidence interval of 2 to 4 degrees.",
    "a 150% chance",
    "Inflation fell to 2.4% in March.",
]


@pytest.mark.parametrize("text", NOT_CHANCE)
def test_numbers_that_measure_something_else_are_no_probability(text):
    r = read_probability(text)
    assert r.kind != "stated", r.explanation


def test_a_number_that_is_no_chance_leaves_the_assertion():
    r = read_probability("Agents will hit 40% of apps by 2027.")
    assert (r.probability, r.kind, r.text) == (ASSERTION_DEFAULT, "inferred", "will")


# ---------------------------------------------------------------- estimative words


def test_survey_order_is_kept():
    order = ["almost certainly", "highly likely", "likely", "about even", "unlikely", "almost no chance"]
    values = [read_probability(f"It is {w} to happen.").probability for w in order]
    assert values == sorted(values, reverse=True)
    assert len(set(values)) == len(values)


WORDS = [
    ("Meta will acquire a coding-focused AI startup by Q2 2027.", "will"),
    ("a coding-focused iteration in 2026 seems likely.", "seems likely"),
    ("Integration is expected in the coming weeks.", "expected"),
    ("I expect Meta to acquire a startup within 12 months.", "expect"),
    ("I believe this stems from Meta's training data strategy.", "I believe"),
    ("The model should ship by March.", "should"),
    ("Meta may open-source it.", "may"),
    ("Meta might open-source it.", "might"),
    ("Meta could open-source it.", "could"),
    ("Meta hopes to open-source future versions.", "hopes to"),
    ("We hope the rollout finishes soon.", "hope"),
    ("Meta will possibly buy Replit.", "possibly"),
    ("Meta is confident the model will lead.", "is confident"),
    ("The deal will almost certainly close.", "almost certainly"),
    ("A cut is highly likely.", "highly likely"),
    ("It is unlikely that the FDA approves it.", "unlikely"),
    ("There is almost no chance of that.", "almost no chance"),
    ("They'll ship it in May.", "'ll"),
    ("Apple won't ship a foldable until 2027.", "won't"),
    ("It is more likely than not.", "more likely than not"),
    ("I'd give it even odds.", "even odds"),
    ("It's a coin flip whether the bill passes this session.", "coin flip"),
    ("The deal is all but certain to close by Friday.", "all but certain"),
    ("We are highly confident the launch will happen before the end of Q2.", "highly confident"),
    ("There is little chance that prices will fall before 2027.", "little chance"),
    ("Analysts doubt the company can hit its target by year-end.", "doubt"),
    ("A rate cut in December looks increasingly likely.", "increasingly likely"),
    ("Apple is widely expected to announce the device at its fall event.", "widely expected"),
    ("The satellite is scheduled to launch on 15 March 2027.", "scheduled to"),
    ("The government has pledged to reach net zero by 2050.", "pledged to"),
    ("I think there's a better-than-even chance that Apple releases a foldable by 2027.", "better-than-even"),
    ("Regulators probably won't approve the merger.", "probably won't"),
    ("I doubt they will ship on time.", "I doubt"),
    ("Nobody expects the Fed to cut in June.", "Nobody expects"),
    ("Odds are the stock will rebound.", "Odds are"),
    ("Chances are slight that the bill passes.", "Chances are slight"),
    ("It remains to be seen whether the bill will pass.", "remains to be seen"),
    ("I'm not sure the deal will happen.", "not sure"),
    ("There is some chance the project will be cancelled.", "some chance"),
    ("The company is certain to face fines.", "is certain"),
]


@pytest.mark.parametrize("text, words", WORDS)
def test_estimative_words_are_inferred(text, words):
    r = read_probability(text)
    assert r.kind == "inferred", r.explanation
    assert r.text == words
    assert r.probability == pytest.approx(word_table()[" ".join(words.lower().replace("-", " ").split())])


def test_words_the_survey_lacks_are_ordered_sensibly():
    t = word_table()
    assert t["will"] == ASSERTION_DEFAULT
    assert t["almost certainly"] > t["will"] > t["likely"]
    assert t["expect"] >= t["likely"] > t["seems likely"] > t["better than even"]
    assert t["may"] == t["about even"]
    assert t["about even"] > t["might"] == t["could"] > t["possibly"] > t["probably not"]
    assert t["is confident"] > t["likely"]
    assert t["i believe"] == t["we believe"]


def test_negation_turns_an_estimate_around():
    r = read_probability("That isn't very likely.")
    assert r.probability == pytest.approx(1 - word_table()["very likely"])
    assert r.text == "isn't very likely"
    assert read_probability("It is not likely.").probability == word_table()["unlikely"]


def test_negated_claims_keep_the_assertion():
    # The number is for the claim as stated: "X will not ship until Q3" asserts the not-shipping.
    r = read_probability("X will not ship until Q3.")
    assert (r.probability, r.kind) == (ASSERTION_DEFAULT, "inferred")


def test_the_estimate_beats_the_verb_and_the_first_verb_governs():
    assert read_probability("Meta will likely buy Replit.").text == "likely"
    assert read_probability("I expect Meta will buy Replit.").text == "expect"
    assert read_probability("Meta will buy Replit by Q2 2027, aiming to close the gap.").text == "will"


@pytest.mark.parametrize("text", [
    "Will Meta ship by Q3?",
    "Or will Muse Spark become another footnote in the AI arms race?",
    "Meta released Muse Spark on Tuesday.",
    "The launch is planned for May 2027.",
    "The company grew faster than expected last year.",
    "The political will is lacking.",
    "Ship it as soon as possible.",
    "Muse Spark is competitive at certain tasks.",
    "",
    "12345",
])
def test_no_probability(text):
    r = read_probability(text)
    assert (r.probability, r.kind) == (None, None), r.explanation


def test_config_words_override_and_extend_the_table():
    r = read_probability("The deal is likely to close.", {"likely": 0.8})
    assert r.probability == 0.8
    assert "config" in r.explanation
    # overriding a phrase moves all its forms
    assert read_probability("Analysts expected it.", {"expect": 0.9}).probability == 0.9
    assert read_probability("It is a slam dunk.", {"slam dunk": 0.97}).probability == 0.97
    assert word_table({"Slam Dunk": 0.97})["slam dunk"] == 0.97
    assert word_table()["likely"] == 0.7  # the shipped table is untouched


# ---------------------------------------------------------------- the shipped table


def test_table_carries_the_attribution():
    source = shipped_table()["source"]
    assert source["file"] == "probly.csv"
    assert "zonination/perceptions" in source["repository"]
    assert source["license"] == "MIT"
    assert "Copyright (c) 2016 Zoni Nation" in source["copyright"]
    assert "Permission is hereby granted" in source["license_text"]


def test_every_extra_word_has_a_reason():
    table = shipped_table()
    phrases = {e["phrase"] for e in table["extra"]}
    for word in ("will", "expect", "should", "may", "might", "could", "hope", "possibly", "seems likely", "is confident"):
        assert word in phrases or any(word in e["forms"] for e in table["extra"]), word
    for entry in table["extra"]:
        assert len(entry["reason"]) > 30 and entry["anchor"], entry["phrase"]
    assert "i believe" in next(e for e in table["survey"] if e["phrase"] == "we believe")["forms"]


@pytest.mark.skipif(not PROBLY.is_file(), reason=f"survey data not found at {PROBLY}")
def test_table_medians_and_counts_match_the_survey():
    with PROBLY.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, answers = rows[0], rows[1:]
    survey = {e["survey_phrase"]: e for e in shipped_table()["survey"]}
    assert set(survey) == set(header)
    for i, phrase in enumerate(header):
        values = [float(r[i]) for r in answers if r[i].strip()]
        assert survey[phrase]["n"] == len(values) == 46
        assert survey[phrase]["median"] == statistics.median(values)
        assert survey[phrase]["probability"] == pytest.approx(statistics.median(values) / 100)
        assert word_table()[phrase.lower()] == pytest.approx(statistics.median(values) / 100)


# ---------------------------------------------------------------- parse_probability_value


@pytest.mark.parametrize("value, expected", [
    (0.7, 0.7), ("0.7", 0.7), ("70%", 0.7), ("70 %", 0.7), ("70 percent", 0.7), ("70 per cent", 0.7), ("7 in 10", 0.7),
    ("7 out of 10", 0.7), ("one in five", 0.2), (0, 0.0), (1, 1.0), ("1", 1.0), ("0%", 0.0), ("100%", 1.0), ("50-50", 0.5),
    ("a 70% chance", 0.7),
])
def test_parse_value_stated(value, expected):
    assert parse_probability_value(value) == (pytest.approx(expected), "stated")


@pytest.mark.parametrize("value", ["likely", "Likely", " highly likely ", "almost certainly", "will", "very unlikely", "toss-up"])
def test_parse_value_words_are_inferred(value):
    p, kind = parse_probability_value(value)
    assert kind == "inferred"
    assert p == word_table()[" ".join(value.strip().lower().replace("-", " ").split())]


def test_parse_value_uses_config_words():
    assert parse_probability_value("likely", {"likely": 0.66}) == (0.66, "inferred")


@pytest.mark.parametrize("value", [1.5, -0.1, "1.5", "-0.1", "150%", "-5%", "banana", "", "nan", "inf", float("nan"), True,
                                   "70", "Meta will buy Replit by 2027", "3 in 2"])
def test_parse_value_rejects(value):
    with pytest.raises(InvalidValue) as info:
        parse_probability_value(value)
    assert info.value.field == "probability"
    assert "a number in [0, 1], a percentage such as 70%, or an estimative word such as 'likely'" in str(info.value)


# ---------------------------------------------------------------- properties


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_never_raises_on_arbitrary_text(text):
    r = read_probability(text)
    assert isinstance(r, ProbabilityReading)
    assert "internal error" not in r.explanation
    if r.probability is not None:
        assert 0.0 <= r.probability <= 1.0
        assert r.kind in ("stated", "inferred")
        assert r.text and r.text in text.replace("\u2019", "'").replace("\u00a0", " ")


_chancey = st.sampled_from(["a", "70%", "chance", "of", "odds", "probability", "is", "likely", "not", "very", "will",
                            "1", "in", "5", "one-in-five", "0.7", "percent", "150%", "-", "(", ")", ":", "may", "May",
                            "?", "won't", "certainly", "risk", "at", "put", "the"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_chancey, max_size=14))
def test_chance_like_word_salad_gives_a_probability_in_range_or_none(words):
    r = read_probability(" ".join(words))
    assert "internal error" not in r.explanation
    assert r.probability is None or 0.0 <= r.probability <= 1.0


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_parse_value_accepts_every_number_in_range(x):
    assert parse_probability_value(x) == (x, "stated")
    assert parse_probability_value(repr(x)) == (pytest.approx(x), "stated")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.floats(max_value=-1e-9, allow_nan=False), st.floats(min_value=1.000001, allow_nan=False)))
def test_parse_value_rejects_every_number_out_of_range(x):
    with pytest.raises(InvalidValue):
        parse_probability_value(x)


def test_docs_show_the_shipped_survey_table():
    docs = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    for entry in shipped_table()["survey"]:
        row = f"| {entry['phrase']} | {entry['median']:g} | {entry['n']} | {entry['probability']:g} |"
        assert row in docs, row
    for entry in shipped_table()["extra"]:
        assert f"| {entry['probability']:g} | {entry['anchor']} |" in docs, entry["phrase"]
