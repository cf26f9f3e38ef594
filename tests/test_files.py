"""The predictions YAML/JSON format: what a file says, and every error with its path:line."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from predtrack import files

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "predictions-format.md"


def doc_block(language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, f"docs/predictions-format.md has no {language} example"
    return match.group(1)


def load(text: str, path: str = "p.yaml") -> files.Loaded:
    return files.load_text(text, path)


GOOD = """\
article:
  title: "A"
  published: 2026-04-08
predictions:
  - id: one
    claim: "Something happens."
    deadline: by Q2 2027
    forecasts:
      - source: Meta
        probability: 0.7
        quote: "It will happen."
"""


def test_the_documented_example_loads_as_documented():
    loaded = load(doc_block("yaml"), "docs.yaml")
    assert loaded.errors == []
    first, second = loaded.predictions
    assert first.id == "meta-acquires-coding-ai-startup-by-q2-2027"
    assert first.deadline == date(2027, 6, 30) and first.deadline_text == "by Q2 2027"
    assert first.tags == ["meta", "acquisition", "coding"]
    assert first.owner == "analyst@example.org"
    # The deadline note is kept as the last paragraph of the notes and split out again.
    assert files.split_notes(first.notes) == ("Stated three times in the article.",
                                              "The same article also says 'within the next 12 months' (2027-04-08).")
    author, wang = first.forecasts
    assert (author.probability, author.kind, author.words, author.stated) == (0.9, "inferred", "will", date(2026, 4, 8))
    assert author.article.seed == "001_c58bee5312f96b29.txt"
    # Words become a number and are kept; the forecast's own article overrides the file's.
    assert wang.kind == "inferred" and wang.words == "likely" and 0.5 < wang.probability < 0.9
    assert wang.organisation == "Meta" and wang.article.url == "https://example.org/interview"
    # "in the coming weeks" is read from the published date; no stated date -> the published one.
    assert second.deadline is not None and second.deadline > date(2026, 4, 8) and second.deadline_vague
    assert second.forecasts[0].stated == date(2026, 4, 8)
    assert second.resolution.outcome == "yes" and second.resolution.outcome_value == 1.0
    assert second.resolution.evidence == ["https://example.org/whatsapp-launch"]
    (earlier,) = second.history
    assert earlier.outcome == "no" and earlier.superseded == datetime(2026, 5, 1, 9, tzinfo=timezone.utc)


def test_yes_and_no_stay_words_and_dates_stay_dates():
    text = GOOD + """    resolution:
      outcome: no
      resolved: 2026-05-01
"""
    (record,) = load(text).predictions
    assert record.resolution.outcome == "no" and record.resolution.outcome_value == 0.0
    assert record.resolution.resolved == date(2026, 5, 1)
    assert isinstance(record.forecasts[0].stated, date)


def test_a_fractional_outcome_is_kept_as_a_number():
    (record,) = load(GOOD + "    resolution: {outcome: 0.37, resolved: 2026-05-01}\n").predictions
    assert (record.resolution.outcome, record.resolution.outcome_value) == ("0.37", 0.37)


def test_deadline_date_wins_over_the_phrase_and_an_unreadable_phrase_needs_it():
    with_date = GOOD.replace("deadline: by Q2 2027", "deadline: when pigs fly\n    deadline_date: 2030-01-01")
    (record,) = load(with_date).predictions
    assert record.deadline == date(2030, 1, 1) and record.deadline_text == "when pigs fly"
    loaded = load(GOOD.replace("deadline: by Q2 2027", "deadline: when pigs fly"))
    assert loaded.predictions == []
    assert len(loaded.errors) == 1 and loaded.errors[0].startswith("p.yaml:7: prediction one: invalid deadline 'when pigs fly'")


def test_a_date_as_deadline_needs_no_date_to_be_read_from_but_a_phrase_does():
    bare = "predictions:\n  - id: one\n    claim: Something happens.\n    deadline: {}\n"
    (record,) = load(bare.format("2027-01-01")).predictions
    assert record.deadline == date(2027, 1, 1)
    (record,) = files.load_text(json.dumps({"predictions": [{"id": "two", "claim": "C", "deadline": "2027-01-01"}]}), "p.json").predictions
    assert record.deadline == date(2027, 1, 1)
    loaded = load(bare.format("by Q2 2027"))
    assert loaded.predictions == []
    assert loaded.errors == ["p.yaml:4: prediction one: the deadline phrase 'by Q2 2027' needs a date to be read from: "
                             "give deadline_date, the article's published date, or a forecast"]


def test_null_deadline_means_no_deadline():
    (record,) = load(GOOD.replace("deadline: by Q2 2027", "deadline: null")).predictions
    assert record.deadline is None and record.deadline_text is None and "deadline" in record.given


def test_every_error_is_listed_with_its_line():
    text = """\
article:
  title: A
  published: 2026-04-08
  colour: blue
predictions:
  - id: Bad Id
    claim: ""
    deadline: by Q2 2027
    forecasts:
      - source: Meta
        probability: 1.7
      - source: Meta
        probability: likely-ish-maybe
  - id: two
    claim: ok
    forecasts: []
"""
    errors = load(text).errors
    assert errors[0] == ("p.yaml:4: unknown key 'colour' in article: expected one of "
                         "title, outlet, author, published, url, seed, notes")
    by_line = {int(e.split(":")[1]) for e in errors}
    assert {4, 6, 7, 11, 13, 14} <= by_line
    assert any(e.startswith("p.yaml:6: prediction: invalid id 'Bad Id'") for e in errors)
    assert any(e.startswith("p.yaml:7:") and "claim" in e for e in errors)
    assert any(e.startswith("p.yaml:11:") and "invalid probability 1.7" in e for e in errors)
    assert any(e.startswith("p.yaml:14: prediction two: deadline is required") for e in errors)


def test_unknown_prediction_and_forecast_keys_name_the_accepted_ones():
    text = GOOD.replace("    claim:", "    clam: x\n    claim:").replace("        quote:", "        quoted: x\n        quote:")
    errors = load(text).errors
    assert errors[0].startswith("p.yaml:6: unknown key 'clam' in prediction: expected one of id, claim, criteria, deadline")
    assert errors[1].startswith("p.yaml:12: unknown key 'quoted' in forecast: expected one of source, source_kind")


def test_missing_fields():
    text = """\
predictions:
  - claim: x
    deadline: 2027-01-01
    forecasts:
      - probability: 0.5
        stated: 2026-01-01
      - source: A
        stated: 2026-01-01
      - source: B
        probability: 0.5
    resolution:
      resolved: 2026-01-01
"""
    errors = load(text).errors
    assert "p.yaml:2: prediction: id is required" in errors
    assert any(e.startswith("p.yaml:5:") and "source is required" in e for e in errors)
    assert any(e.startswith("p.yaml:7:") and "probability is required" in e for e in errors)
    assert any(e.startswith("p.yaml:9:") and "stated is required" in e for e in errors)
    assert any(e.startswith("p.yaml:12:") and "outcome is required" in e for e in errors)


def test_malformed_yaml_names_the_line():
    loaded = load("article:\n  title: A\npredictions:\n  - id: x\n    claim: [unclosed\n    deadline: null\n")
    assert loaded.predictions == []
    assert len(loaded.errors) == 1 and re.match(r"p\.yaml:\d+: malformed YAML", loaded.errors[0])
    assert int(loaded.errors[0].split(":")[1]) >= 5


def test_duplicate_keys_and_empty_files_are_errors():
    assert load("").errors == ["p.yaml:1: empty file: expected the keys article and predictions"]
    dup = load("predictions: []\npredictions: []\n").errors
    assert len(dup) == 1 and dup[0].startswith("p.yaml:") and "malformed YAML" in dup[0]


def test_a_source_has_one_forecast_per_prediction_and_day():
    text = GOOD + "      - source: Meta\n        probability: 0.6\n"
    errors = load(text).errors
    assert errors == ["p.yaml:12: prediction one: a second forecast by Meta stated 2026-04-08 (the first is on line 9); "
                      "a source has one forecast per prediction and day"]


def test_a_forecast_after_the_deadline_is_an_error():
    text = GOOD.replace("deadline: by Q2 2027", "deadline: 2026-01-01")
    errors = load(text).errors
    assert len(errors) == 1 and errors[0].startswith("p.yaml:9:") and "after the deadline 2026-01-01" in errors[0]


def test_duplicate_ids_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    found, errors = files.expand_paths([tmp_path])
    loaded = files.load_paths(found)
    assert errors == []
    assert loaded.errors == [f"{tmp_path / 'b.yaml'}:5: duplicate prediction id 'one': already used at {tmp_path / 'a.yaml'}:5"]


def test_binary_and_missing_files_are_errors_not_tracebacks(tmp_path):
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"article:\n\xff\xfe\x00junk")
    loaded = files.load_paths([binary])
    assert len(loaded.errors) == 1 and loaded.errors[0].startswith(f"{binary}:2: not UTF-8 text")
    (tmp_path / "x.txt").write_text("hello", encoding="utf-8")
    _found, errors = files.expand_paths([tmp_path / "nope.yaml", tmp_path / "x.txt"])
    assert errors == [f"{tmp_path / 'nope.yaml'}:1: no such file or folder",
                      f"{tmp_path / 'x.txt'}:1: not a predictions file: expected a name ending in .yaml, .yml, .json, .csv"]


def test_json_documents_load_with_lines(tmp_path):
    documents = [{"article": {"title": "A", "published": "2026-04-08"},
                  "predictions": [{"id": "one", "claim": "x", "deadline": "2027-01-01",
                                   "forecasts": [{"source": "S", "probability": 2}]}]}]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(documents, indent=2), encoding="utf-8")
    loaded = files.load_paths([path])
    assert len(loaded.errors) == 1
    assert loaded.errors[0].startswith(f"{path}:15: prediction one, forecast by S: invalid probability 2")


def test_dump_then_load_gives_the_same_records():
    loaded = load(doc_block("yaml"), "docs.yaml")
    documents = []
    for record in loaded.predictions:
        notes, deadline_note = files.split_notes(record.notes)
        documents.append({"article": {"title": "A", "published": date(2026, 4, 8), "seed": "s.txt"}, "predictions": [{
            "id": record.id, "claim": record.claim, "criteria": record.criteria, "deadline": record.deadline_text,
            "deadline_date": record.deadline, "deadline_note": deadline_note, "tags": record.tags, "owner": record.owner,
            "notes": notes,
            "forecasts": [{"source": f.source, "probability": f.probability, "kind": f.kind, "words": f.words,
                           "stated": f.stated, "quote": f.quote} for f in record.forecasts],
        }]})
    again = files.load_text(files.dump_yaml(documents), "again.yaml")
    assert again.errors == []
    for before, after in zip(loaded.predictions, again.predictions):
        assert (after.id, after.claim, after.criteria, after.deadline, after.deadline_text, after.tags, after.owner, after.notes) == (
            before.id, before.claim, before.criteria, before.deadline, before.deadline_text, before.tags, before.owner, before.notes)
        assert [(f.source, f.probability, f.kind, f.words, f.stated, f.quote) for f in after.forecasts] == [
            (f.source, f.probability, f.kind, f.words, f.stated, f.quote) for f in before.forecasts]
    assert json.loads(files.dump_json(documents))[0]["predictions"][0]["deadline_date"] == "2027-06-30"


def test_the_seed_prediction_files_check_clean():
    result = files.check_paths([REPO / "predictions"])
    if not result.files:
        pytest.skip("predictions/ holds no files yet")
    assert result.errors == []
    assert result.predictions > 0 and result.forecasts >= result.predictions - 1
