"""`predtrack parse`: JSON contract, readable output, config overrides, bad input."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from click.testing import CliRunner

from predtrack.cli import cli

KEYS = {"deadline", "earliest", "deadline_text", "vague", "explanation", "probability", "probability_text", "probability_kind"}


def run(*args: str):
    return CliRunner().invoke(cli, ["parse", *args])


def parse_json(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_for_the_seed_prediction():
    data = parse_json("Meta will acquire a coding-focused AI startup by Q2 2027", "--stated", "2026-04-08")
    assert set(data) == KEYS
    assert data["deadline"] == "2027-06-30"
    assert data["earliest"] is None
    assert data["deadline_text"] == "by Q2 2027"
    assert data["vague"] is False
    assert data["probability"] == 0.85
    assert data["probability_text"] == "will"
    assert data["probability_kind"] == "inferred"
    assert isinstance(data["explanation"], str) and "2027-06-30" in data["explanation"] and "\n" not in data["explanation"]


def test_json_stated_probability_and_range():
    data = parse_json("a 70% chance in 3 to 6 months", "--stated", "2026-04-08")
    assert (data["deadline"], data["earliest"]) == ("2026-10-08", "2026-07-08")
    assert (data["probability"], data["probability_kind"], data["probability_text"]) == (0.7, "stated", "70% chance")


def test_json_vague():
    data = parse_json("Integration is expected in the coming weeks.", "--stated", "2026-04-08")
    assert data["deadline"] == (date(2026, 4, 8) + timedelta(weeks=6)).isoformat()
    assert data["vague"] is True
    assert data["probability_kind"] == "inferred"


def test_text_with_neither_gives_nulls_and_exit_0():
    data = parse_json("Meta released a model on Tuesday.", "--stated", "2026-04-08")
    assert {k: data[k] for k in KEYS - {"explanation", "vague"}} == {k: None for k in KEYS - {"explanation", "vague"}}
    assert data["vague"] is False


def test_stated_defaults_to_today():
    data = parse_json("within 10 days")
    today = datetime.now(timezone.utc).date()  # the test config names no [nag] timezone: UTC, whatever the machine's
    assert data["deadline"] == (today + timedelta(days=10)).isoformat()


def test_readable_output():
    result = run("I expect Meta to buy Replit within 12 months.", "--stated", "2026-04-08")
    assert result.exit_code == 0
    assert "deadline:     2027-04-08 from \"within 12 months\"" in result.output
    assert "2026-04-08 plus 12 months is 2027-04-08" in result.output
    assert "probability:  0.75 (inferred) from \"expect\"" in result.output
    result = run("nothing here", "--stated", "2026-04-08")
    assert result.exit_code == 0
    assert "deadline:     none" in result.output and "probability:  none" in result.output


def test_bad_stated_date_exits_1_naming_the_value():
    result = run("by Q2 2027", "--stated", "2026-02-30")
    assert result.exit_code == 1
    assert "--stated" in result.output and "'2026-02-30'" in result.output and "YYYY-MM-DD" in result.output
    assert "Traceback" not in result.output


def test_missing_text_is_a_usage_error():
    assert run().exit_code == 2


def test_config_overrides_horizons_and_words(config_file):
    config_file.write_text('[deadlines.vague]\ncoming_weeks = "8 weeks"\n\n[probability.words]\nlikely = 0.8\n', encoding="utf-8")
    data = parse_json("A cut is likely in the coming weeks.", "--stated", "2026-04-08")
    assert data["deadline"] == (date(2026, 4, 8) + timedelta(weeks=8)).isoformat()
    assert data["probability"] == 0.8


def test_bad_horizon_in_config_exits_1(config_file):
    config_file.write_text('[deadlines.vague]\ncoming_weeks = "a while"\n', encoding="utf-8")
    result = run("in the coming weeks", "--stated", "2026-04-08")
    assert result.exit_code == 1
    assert "coming_weeks" in result.output and "'a while'" in result.output


def test_help_has_an_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and "predtrack parse" in result.output
