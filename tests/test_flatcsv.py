"""The flat CSV format: rows grouped into predictions, and every bad row named by its line."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from predtrack.flatcsv import COLUMNS, CORE_COLUMNS, FlatCsvReader, write_rows

HEADER = ",".join(CORE_COLUMNS) + "\n"


def read(tmp_path: Path, text: str, name: str = "f.csv", max_errors: int = 1000):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with FlatCsvReader(max_errors=max_errors) as reader:
        reader.add_file(path)
        records = {r.id: r for r in reader.records()}
        return records, reader.all_errors, path


def test_rows_of_one_prediction_in_any_order(tmp_path):
    text = HEADER + (
        "p1,,,Economist,0.56,2020-11-02,,,,,,\n"
        "p2,Other claim,2021-01-01,A,70%,2020-11-02,,,,,,\n"
        "p1,,,,,,yes,2020-12-14,,,,https://example.org/certified\n"
        "p1,Biden wins Georgia,2020-11-03,FiveThirtyEight,0.58,2020-11-02,,,election; US-2020,YES if Biden,\"he said, \"\"58\"\"\",https://example.org/538\n"
        "p1,,,,,,,,extra,,,\n"
    )
    records, errors, _ = read(tmp_path, text)
    assert errors == []
    p1 = records["p1"]
    assert p1.claim == "Biden wins Georgia" and p1.criteria == "YES if Biden"
    assert p1.deadline == date(2020, 11, 3) and p1.deadline_text == "2020-11-03"
    assert p1.tags == ["election", "us-2020", "extra"]
    assert p1.article.url == "https://example.org/538"
    assert [(f.source, f.probability, f.kind, f.stated) for f in p1.forecasts] == [
        ("Economist", 0.56, "stated", date(2020, 11, 2)), ("FiveThirtyEight", 0.58, "stated", date(2020, 11, 2))]
    assert p1.forecasts[1].quote == 'he said, "58"'
    assert p1.forecasts[0].article is None and p1.forecasts[1].article.url == "https://example.org/538"
    # A resolution-only row's url is evidence.
    assert (p1.resolution.outcome, p1.resolution.resolved, p1.resolution.evidence) == (
        "yes", date(2020, 12, 14), ["https://example.org/certified"])
    assert records["p2"].forecasts[0].probability == 0.7


def test_words_and_phrases_are_read(tmp_path):
    text = HEADER + "p,Claim,within 12 months,A,likely,2026-04-08,,,,,,\n"
    records, errors, _ = read(tmp_path, text)
    assert errors == []
    forecast = records["p"].forecasts[0]
    assert forecast.kind == "inferred" and forecast.words == "likely" and 0.5 < forecast.probability < 0.9
    assert records["p"].deadline == date(2027, 4, 8) and records["p"].deadline_text == "within 12 months"


def test_a_row_that_is_both_a_forecast_and_a_resolution(tmp_path):
    records, errors, _ = read(tmp_path, HEADER + "p,Claim,2020-11-03,A,0.3,2020-11-01,0.25,2020-11-04,,,,\n")
    assert errors == []
    assert len(records["p"].forecasts) == 1
    assert (records["p"].resolution.outcome, records["p"].resolution.outcome_value) == ("0.25", 0.25)


def test_the_word_none_means_no_deadline(tmp_path):
    records, errors, _ = read(tmp_path, HEADER + "p,Claim,none,A,0.3,2020-11-01,,,,,,\n")
    assert errors == []
    assert records["p"].deadline is None and "deadline" in records["p"].given


def test_claims_and_deadlines_given_twice_must_agree(tmp_path):
    text = HEADER + (
        "p,Claim one,2027-06-30,A,0.5,2026-04-08,,,,,,\n"
        "p,Claim two,by Q2 2027,B,0.5,2026-04-08,,,,,,\n"      # same date from a phrase: agrees
        "p,,2027-07-01,C,0.5,2026-04-08,,,,,,\n"
    )
    records, errors, path = read(tmp_path, text)
    assert records == {}
    assert errors == [
        f"{path}:3: prediction p: claim 'Claim two' differs from 'Claim one' on line 2",
        f"{path}:4: prediction p: deadline '2027-07-01' differs from '2027-06-30' on line 2",
    ]


def test_every_bad_row_is_named_by_its_line(tmp_path):
    text = HEADER + (
        "ok,Claim,2027-01-01,A,0.5,2026-04-08,,,,,,\n"
        "Bad Id,Claim,2027-01-01,A,0.5,2026-04-08,,,,,,\n"
        "p,Claim,2027-01-01,A,1.3,2026-04-08,,,,,,\n"
        "p2,Claim,2027-01-01,A,0.5,08/04/2026,,,,,,\n"
        "p3,Claim,when pigs fly,A,0.5,2026-04-08,,,,,,\n"
        "p4,Claim,2027-01-01,,0.5,2026-04-08,,,,,,\n"
        "p5,Claim,2027-01-01,,,,maybe,2026-05-01,,,,\n"
        "p6,Claim,2027-01-01,,,,yes,,,,,\n"
        "p7,Claim,2027-01-01,A,0.5,2026-04-08,,,bad|tag!,,,\n"
        "p8,Claim,2027-01-01,A,0.5,2026-04-08,,,,,,,extra cell\n"
    )
    records, errors, path = read(tmp_path, text)
    assert list(records) == ["ok"]
    assert [e.split(": ", 1)[0] for e in errors] == [f"{path}:{n}" for n in range(3, 12)]
    assert "invalid id 'Bad Id'" in errors[0]
    assert "invalid probability '1.3'" in errors[1]
    assert "invalid stated '08/04/2026'" in errors[2]
    assert "invalid deadline 'when pigs fly'" in errors[3]
    assert "probability given without a source" in errors[4]
    assert "invalid outcome 'maybe'" in errors[5]
    assert "an outcome needs the date it became known" in errors[6]
    assert "invalid tag" in errors[7] and "separated by ';'" in errors[7]
    assert "the row has 13 cells but the header names 12 columns" in errors[8]


def test_lines_count_quoted_line_breaks(tmp_path):
    text = HEADER + 'p,"A claim\nover two lines",2027-01-01,A,0.5,2026-04-08,,,,,,\np,,,B,2,2026-04-08,,,,,,\n'
    _records, errors, path = read(tmp_path, text)
    assert len(errors) == 1 and errors[0].startswith(f"{path}:4: invalid probability '2'")


def test_unknown_columns_name_the_accepted_ones(tmp_path):
    _records, errors, path = read(tmp_path, "prediction,claim,colour\np,x,blue\n")
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:1: unknown column 'colour': the accepted columns are prediction, claim, deadline, source")
    _records, errors, path = read(tmp_path, "p1,Claim,2027-01-01\n", name="noheader.csv")
    assert errors[0].startswith(f"{path}:1: unknown columns 'p1', 'claim', '2027-01-01'".replace("'claim', ", ""))


def test_missing_optional_columns_are_fine(tmp_path):
    records, errors, _ = read(tmp_path, "prediction,source,probability,stated\np,A,0.4,2026-01-01\n")
    assert errors == [] and records["p"].claim is None and records["p"].forecasts[0].probability == 0.4


def test_conflicting_resolutions_and_duplicate_forecasts(tmp_path):
    text = HEADER + (
        "p,Claim,2027-01-01,A,0.5,2026-04-08,,,,,,\n"
        "p,,,A,0.6,2026-04-08,,,,,,\n"
        "p,,,,,,yes,2027-01-02,,,,\n"
        "p,,,,,,no,2027-01-02,,,,\n"
    )
    _records, errors, path = read(tmp_path, text)
    assert errors[0] == (f"{path}:3: prediction p: a second forecast by A stated 2026-04-08 (the first is on line 2); "
                         "a source has one forecast per prediction and day")
    assert errors[1].startswith(f"{path}:5: prediction p: outcome no resolved 2027-01-02 contradicts yes")


def test_empty_binary_and_malformed_files(tmp_path):
    _r, errors, path = read(tmp_path, "", name="empty.csv")
    assert errors == [f"{path}:1: empty file: expected a header row naming the columns, e.g. {', '.join(CORE_COLUMNS)}"]
    binary = tmp_path / "bin.csv"
    binary.write_bytes(HEADER.encode() + b"p,\xff\xfe,2027-01-01\n")
    with FlatCsvReader() as reader:
        reader.add_file(binary)
        assert len(reader.errors) == 1 and reader.errors[0].startswith(f"{binary}:2: not UTF-8 text")
    _r, errors, path = read(tmp_path, HEADER + "p,Claim,2027-01-01,,,,,,,,,\np,\"quoted\"junk,x\n", name="bad.csv")
    assert len(errors) == 1 and errors[0].startswith(f"{path}:3: malformed CSV")
    _r, errors, path = read(tmp_path, HEADER + "p,\"never closed,x\nq,y\n", name="open.csv")
    assert len(errors) == 1 and errors[0].startswith(f"{path}:2: malformed CSV")


def test_errors_beyond_the_cap_are_counted(tmp_path):
    text = HEADER + "".join(f"p{i},Claim,2027-01-01,A,9,2026-04-08,,,,,,\n" for i in range(30))
    _r, errors, _ = read(tmp_path, text, max_errors=5)
    assert len(errors) == 6 and errors[-1] == "... and 25 more errors"


def test_written_rows_read_back_the_same(tmp_path):
    rows = [
        {"prediction": "p", "claim": "Claim, with comma", "deadline": "by Q2 2027", "deadline_date": date(2027, 6, 30),
         "tags": ["a", "b"], "criteria": "Line one\nline two", "owner": "x@example.org", "notes": "n",
         "url": "https://example.org/a", "title": "Title", "published": date(2026, 4, 8)},
        {"prediction": "p", "source": "S", "source_kind": "person", "organisation": "Org", "probability": 0.123456789,
         "probability_kind": "inferred", "words": "probably", "stated": date(2026, 4, 8), "quote": 'a "quote"'},
        {"prediction": "p", "outcome": "no", "resolved": date(2026, 5, 1), "evidence": "https://e.org/1 https://e.org/2",
         "resolution_note": "note", "resolved_by": "Jane"},
    ]
    buffer = io.StringIO()
    assert write_rows(rows, buffer) == 3
    assert buffer.getvalue().splitlines()[0] == ",".join(COLUMNS)
    records, errors, _ = read(tmp_path, buffer.getvalue())
    assert errors == []
    p = records["p"]
    assert (p.claim, p.deadline, p.deadline_text, p.tags, p.criteria, p.owner) == (
        "Claim, with comma", date(2027, 6, 30), "by Q2 2027", ["a", "b"], "Line one\nline two", "x@example.org")
    assert (p.article.title, p.article.published) == ("Title", date(2026, 4, 8))
    (forecast,) = p.forecasts
    assert (forecast.probability, forecast.kind, forecast.words, forecast.organisation, forecast.quote) == (
        0.123456789, "inferred", "probably", "Org", 'a "quote"')
    assert p.resolution.evidence == ["https://e.org/1", "https://e.org/2"] and p.resolution.by == "Jane"


@pytest.mark.parametrize("separator", [";"])
def test_tags_are_separated_by_semicolons(tmp_path, separator):
    records, errors, _ = read(tmp_path, HEADER + f"p,Claim,2027-01-01,,,,,,meta{separator} AI ,,,\n")
    assert errors == [] and records["p"].tags == ["meta", "ai"]
