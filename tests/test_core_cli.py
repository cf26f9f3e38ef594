"""The core commands through the CLI, on SQLite and PostgreSQL: what a user types and sees."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.usefixtures("backend_url")

TODAY = datetime.now(timezone.utc).date()  # the test config names no [nag] timezone: UTC, whatever the machine's


def add(run_cli, claim="Meta acquires a coding-focused AI startup", *extra):
    result = run_cli("add", claim, "--by", "Jane Doe", *extra)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def show(run_cli, pid):
    result = run_cli("show", pid, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_add_prints_a_readable_slug_and_stores_the_forecast(run_cli):
    pid = add(run_cli, "Meta acquires a coding-focused AI startup", "--deadline", "2027-06-30", "-p", "0.6",
              "--stated", "2026-04-08", "--tag", "Meta", "--tag", "acquisition", "--criteria", "An announced acquisition",
              "--quote", "Meta may acquire", "--article", "https://example.org/a", "--owner", "ed@example.org")
    assert pid == "meta-acquires-a-coding-focused-ai-startup"
    data = show(run_cli, pid)
    assert data["claim"] == "Meta acquires a coding-focused AI startup"
    assert data["deadline"] == "2027-06-30"
    assert data["tags"] == ["acquisition", "meta"]
    assert data["owner"] == "ed@example.org"
    assert data["criteria"] == "An announced acquisition"
    assert data["status"] == ("open" if TODAY <= date(2027, 6, 30) else "due")
    assert data["forecasts"] == [
        {"source": "Jane Doe", "probability": 0.6, "probability_kind": "stated", "probability_text": None,
         "stated": "2026-04-08", "quote": "Meta may acquire", "article": "https://example.org/a",
         "article_title": None}
    ]
    assert data["resolution"] is None
    assert [e["action"] for e in data["events"]] == ["add"]
    assert data["events"][0]["actor"] == "tester"


def test_same_claim_twice_gets_a_second_id_and_explicit_duplicate_id_is_refused(run_cli):
    first = add(run_cli, "X ships", "-p", "0.5")
    second = add(run_cli, "X ships", "-p", "0.5")
    assert (first, second) == ("x-ships", "x-ships-2")
    result = run_cli("add", "Another", "--by", "Bob", "--id", "x-ships", "-p", "0.5")
    assert result.exit_code == 1
    assert "prediction id 'x-ships' is taken" in result.output
    assert len(json.loads(run_cli("list", "--status", "all", "--json").output)) == 2


def test_percent_and_words_are_accepted_as_probability(run_cli):
    pid = add(run_cli, "Y ships", "-p", "70%")
    assert show(run_cli, pid)["forecasts"][0]["probability"] == pytest.approx(0.7)
    assert show(run_cli, pid)["forecasts"][0]["probability_kind"] == "stated"
    pid = add(run_cli, "Z ships", "-p", "likely")
    forecast = show(run_cli, pid)["forecasts"][0]
    assert forecast["probability_kind"] == "inferred"
    assert 0.5 < forecast["probability"] < 0.9


def test_no_probability_uses_the_plain_assertion_default_marked_inferred(run_cli):
    from predtrack.likelihood import ASSERTION_DEFAULT

    pid = add(run_cli, "W ships")
    forecast = show(run_cli, pid)["forecasts"][0]
    assert forecast["probability"] == ASSERTION_DEFAULT
    assert forecast["probability_kind"] == "inferred"


@pytest.mark.parametrize(
    "args, message",
    [
        (["add", "Q", "--by", "A", "-p", "1.5"], "probability"),
        (["add", "Q", "--by", "A", "-p", "-0.1"], "probability"),
        (["add", "Q", "--by", "A", "-p", "fairly sure-ish maybe"], "probability"),
        (["add", "Q", "--by", "A", "--stated", "2026-13-01"], "--stated"),
        (["add", "  ", "--by", "A", "-p", "0.5"], "claim"),
        (["add", "Q", "--by", "A", "-p", "0.5", "--stated", "2026-05-01", "--deadline", "2026-04-01"], "deadline"),
        (["add", "Q", "--by", "A", "-p", "0.5", "--deadline", "the twelfth of never"], "deadline"),
        (["add", "Q", "--by", "A", "-p", "0.5", "--id", "Bad Id!"], "id"),
        (["add", "Q", "--by", "A", "-p", "0.5", "--owner", "not-an-email"], "--owner"),
        (["add", "Q", "--by", "A", "-p", "0.5", "--article", "example.org/q"], "--article"),
        (["add", "Q", "--by", "  ", "-p", "0.5"], "source"),
    ],
)
def test_bad_add_input_names_the_field_exits_1_and_writes_nothing(run_cli, args, message):
    result = run_cli(*args)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ")
    assert message in result.output
    assert "Traceback" not in result.output
    assert json.loads(run_cli("list", "--status", "all", "--json").output) == []
    assert json.loads(run_cli("sources", "--json").output) == []


def test_usage_errors_keep_exit_code_2(run_cli):
    assert run_cli("add", "Q").exit_code == 2  # --by missing
    assert run_cli("list", "--status", "sideways").exit_code == 2


def test_forecast_adds_another_source_and_withdraw_hides_it(run_cli):
    pid = add(run_cli, "V ships", "-p", "0.5", "--stated", "2026-04-01")
    result = run_cli("forecast", pid, "--by", "Meta", "-p", "0.8", "--stated", "2026-04-02", "--quote", "we will ship")
    assert result.exit_code == 0, result.output
    assert [f["source"] for f in show(run_cli, pid)["forecasts"]] == ["Jane Doe", "Meta"]
    result = run_cli("forecast", pid, "--by", "Meta", "--withdraw")
    assert result.exit_code == 0
    data = show(run_cli, pid)
    assert [f["source"] for f in data["forecasts"]] == ["Jane Doe"]
    assert [f["source"] for f in data["withdrawn_forecasts"]] == ["Meta"]
    assert run_cli("forecast", "no-such-id", "--by", "Meta", "-p", "0.3").exit_code == 1
    assert run_cli("forecast", pid, "--by", "Meta", "-p", "2").exit_code == 1


def test_resolve_records_outcome_and_reresolve_needs_force_and_keeps_history(run_cli):
    pid = add(run_cli, "U ships", "-p", "0.7", "--stated", "2026-01-01", "--deadline", "2026-03-01")
    result = run_cli("resolve", pid, "yes", "--on", "2026-03-02", "--note", "it shipped", "--evidence", "https://e.org/1")
    assert result.exit_code == 0, result.output
    data = show(run_cli, pid)
    assert data["status"] == "resolved"
    assert data["resolution"]["outcome"] == "yes"
    assert data["resolution"]["date"] == "2026-03-02"
    assert data["resolution"]["evidence"] == ["https://e.org/1"]
    again = run_cli("resolve", pid, "no")
    assert again.exit_code == 1
    assert "already resolved as yes" in again.output and "--force" in again.output
    assert show(run_cli, pid)["resolution"]["outcome"] == "yes"
    forced = run_cli("resolve", pid, "no", "--on", "2026-03-05", "--force", "--note", "retracted")
    assert forced.exit_code == 0, forced.output
    data = show(run_cli, pid)
    assert data["resolution"]["outcome"] == "no"
    assert [r["outcome"] for r in data["resolution_history"]] == ["yes"]
    assert run_cli("unresolve", pid).exit_code == 0
    data = show(run_cli, pid)
    assert data["resolution"] is None
    assert [r["outcome"] for r in data["resolution_history"]] == ["yes", "no"]
    assert [e["action"] for e in data["events"]] == ["add", "resolve", "resolve", "unresolve"]


@pytest.mark.parametrize("outcome, expected", [("ambiguous", "ambiguous"), ("annulled", "annulled"), ("0.25", 0.25), ("1", "yes"), ("0", "no")])
def test_resolve_accepts_every_outcome_form(run_cli, outcome, expected):
    pid = add(run_cli, "T ships", "-p", "0.7")
    assert run_cli("resolve", pid, outcome).exit_code == 0
    assert show(run_cli, pid)["resolution"]["outcome"] == expected


def test_resolve_refuses_bad_outcome_future_date_and_unknown_id(run_cli):
    pid = add(run_cli, "S ships", "-p", "0.7")
    bad = run_cli("resolve", pid, "maybe")
    assert bad.exit_code == 1 and "outcome" in bad.output and "yes, no, ambiguous, annulled" in bad.output
    assert run_cli("resolve", pid, "1.2").exit_code == 1
    future = run_cli("resolve", pid, "yes", "--on", (TODAY + timedelta(days=3)).isoformat())
    assert future.exit_code == 1 and "on or before today" in future.output
    assert run_cli("resolve", pid, "yes", "--on", "yesterdayish").exit_code == 1
    unknown = run_cli("resolve", "nope", "yes")
    assert unknown.exit_code == 1 and "unknown prediction id 'nope'" in unknown.output
    assert show(run_cli, pid)["resolution"] is None


def test_list_status_filters_and_json_keys(run_cli):
    add(run_cli, "Past deadline", "-p", "0.5", "--stated", "2026-01-01", "--deadline", "2026-06-30", "--tag", "a")
    add(run_cli, "Future deadline", "-p", "0.5", "--stated", "2026-01-01", "--deadline", "2099-12-31", "--tag", "b")
    add(run_cli, "No deadline", "-p", "0.5", "--stated", "2026-01-01")
    resolved = add(run_cli, "Resolved one", "-p", "0.5", "--stated", "2026-01-01", "--deadline", "2026-02-01")
    run_cli("resolve", resolved, "no", "--on", "2026-02-02")

    def ids(*args):
        result = run_cli("list", "--as-of", "2026-11-25", "--json", *args)
        assert result.exit_code == 0, result.output
        return [row["id"] for row in json.loads(result.output)]

    assert ids() == ["future-deadline", "no-deadline"]
    assert ids("--status", "due") == ["past-deadline"]
    assert ids("--status", "resolved") == ["resolved-one"]
    assert ids("--status", "all") == ["resolved-one", "past-deadline", "future-deadline", "no-deadline"]
    assert ids("--status", "all", "--tag", "b") == ["future-deadline"]
    assert ids("--status", "all", "--search", "FUTURE") == ["future-deadline"]
    assert ids("--status", "all", "--source", "Nobody") == []
    # On the deadline day itself the event can still happen: open, not due.
    assert run_cli("list", "--as-of", "2026-06-30", "--status", "due", "--json").output.strip() == "[]"
    row = json.loads(run_cli("list", "--status", "due", "--as-of", "2026-11-25", "--json").output)[0]
    assert {"id", "claim", "deadline", "status", "days_overdue", "tags", "owner", "forecasts"} <= set(row)
    assert row["days_overdue"] == (date(2026, 11, 25) - date(2026, 6, 30)).days
    assert set(row["forecasts"][0]) >= {"source", "probability", "probability_kind", "stated"}


def test_due_lists_oldest_first_and_within_looks_ahead(run_cli):
    add(run_cli, "Later", "-p", "0.5", "--stated", "2026-01-01", "--deadline", "2026-10-01")
    add(run_cli, "Earlier", "-p", "0.5", "--stated", "2026-01-01", "--deadline", "2026-09-30")
    add(run_cli, "Soon", "-p", "0.5", "--stated", "2026-01-01", "--deadline", "2026-12-05")
    due = json.loads(run_cli("due", "--as-of", "2026-11-25", "--json").output)
    assert [r["id"] for r in due] == ["earlier", "later"]
    within = json.loads(run_cli("due", "--as-of", "2026-11-25", "--within", "15", "--json").output)
    assert [r["id"] for r in within] == ["earlier", "later", "soon"]
    text = run_cli("due", "--as-of", "2026-11-25").output
    assert "earlier" in text and "56 days overdue" in text and "predtrack resolve" in text
    assert run_cli("due", "--as-of", "2026-01-01").output.strip() == "nothing due on 2026-01-01"


def test_edit_changes_fields_and_logs_old_and_new(run_cli):
    pid = add(run_cli, "R ships", "-p", "0.5", "--stated", "2026-01-01", "--deadline", "2026-06-30", "--tag", "x")
    result = run_cli("edit", pid, "--claim", "R ships worldwide", "--deadline", "2026-12-31", "--tag", "y", "--owner", "o@example.org", "--criteria", "GA")
    assert result.exit_code == 0, result.output
    data = show(run_cli, pid)
    assert (data["claim"], data["deadline"], data["tags"], data["owner"], data["criteria"]) == ("R ships worldwide", "2026-12-31", ["y"], "o@example.org", "GA")
    edit = data["events"][-1]
    assert edit["action"] == "edit"
    assert edit["details"]["deadline"]["old"] == "2026-06-30" and edit["details"]["deadline"]["new"] == "2026-12-31"
    assert run_cli("edit", pid, "--deadline", "2025-01-01").exit_code == 1  # before the stated date
    assert run_cli("edit", pid, "--claim", "").exit_code == 1
    assert run_cli("edit", pid).exit_code == 2
    assert run_cli("edit", "unknown-id", "--claim", "x").exit_code == 1
    assert run_cli("edit", pid, "--deadline", "none").exit_code == 0
    assert show(run_cli, pid)["deadline"] is None


def test_delete_removes_the_prediction_and_the_event_log_keeps_it(run_cli, backend_url):
    pid = add(run_cli, "Mistake", "-p", "0.5")
    assert run_cli("delete", pid, "--yes").exit_code == 0
    assert run_cli("show", pid).exit_code == 1
    from sqlmodel import select

    from predtrack import db
    from predtrack.models import Event

    with db.session(db.engine_for(backend_url)) as session:
        events = session.exec(select(Event).where(Event.prediction_id == pid).order_by(Event.id)).all()
    assert [e.action for e in events] == ["add", "delete"]
    assert json.loads(events[-1].details)["was"]["claim"] == "Mistake"
    assert run_cli("delete", "nothing-here", "--yes").exit_code == 1


def test_sources_rename_merge_and_organisation(run_cli):
    pid = add(run_cli, "P ships", "-p", "0.5")
    assert run_cli("forecast", pid, "--by", "Meta Platforms", "-p", "0.6", "--stated", "2026-01-01").exit_code == 0
    assert run_cli("forecast", pid, "--by", "Meta", "-p", "0.7", "--stated", "2026-01-02").exit_code == 0
    assert run_cli("sources", "merge", "Meta Platforms", "Meta").exit_code == 0
    rows = {r["name"]: r for r in json.loads(run_cli("sources", "--json").output)}
    assert set(rows) == {"Jane Doe", "Meta"}
    assert rows["Meta"]["aliases"] == ["Meta Platforms"] and rows["Meta"]["forecasts"] == 2
    # The alias still finds the source.
    assert run_cli("forecast", pid, "--by", "Meta Platforms", "-p", "0.65", "--stated", "2026-01-03").exit_code == 0
    assert json.loads(run_cli("sources", "--json").output)[1]["forecasts"] == 3
    assert run_cli("sources", "rename", "Jane Doe", "Jane Q. Doe").exit_code == 0
    assert run_cli("sources", "set", "Jane Q. Doe", "--organisation", "Meta", "--kind", "person").exit_code == 0
    rows = {r["name"]: r for r in json.loads(run_cli("sources", "--json").output)}
    assert rows["Jane Q. Doe"]["organisation"] == "Meta" and rows["Jane Q. Doe"]["kind"] == "person"
    assert rows["Jane Q. Doe"]["aliases"] == ["Jane Doe"]
    assert run_cli("sources", "rename", "Jane Q. Doe", "Meta").exit_code == 1  # taken: merge instead
    assert run_cli("sources", "merge", "Nobody", "Meta").exit_code == 1
    assert run_cli("sources", "merge", "Meta", "Meta").exit_code == 1


def test_show_unknown_id_is_one_line(run_cli):
    result = run_cli("show", "missing")
    assert result.exit_code == 1
    assert result.output == "Error: unknown prediction id 'missing': see `predtrack list --status all` for the ids\n"


def test_forecast_correct_fixes_a_typo_in_place_and_logs_the_old_value(run_cli):
    pid = add(run_cli, "Typo ships", "-p", "0.07", "--stated", "2026-04-01")
    result = run_cli("forecast", pid, "--by", "Jane Doe", "-p", "0.7", "--correct")
    assert result.exit_code == 0, result.output
    data = show(run_cli, pid)
    assert [(f["source"], f["probability"], f["stated"]) for f in data["forecasts"]] == [("Jane Doe", 0.7, "2026-04-01")]
    correction = data["events"][-1]
    assert correction["action"] == "correct"
    assert correction["details"]["old"]["probability"] == 0.07 and correction["details"]["new"]["probability"] == 0.7
    missing = run_cli("forecast", pid, "--by", "Nobody", "-p", "0.5", "--correct")
    assert missing.exit_code == 1 and "unknown source 'Nobody'" in missing.output
    assert run_cli("forecast", pid, "--by", "Jane Doe", "-p", "7", "--correct").exit_code == 1
    assert show(run_cli, pid)["forecasts"][0]["probability"] == 0.7


@pytest.mark.parametrize(
    "claim, slug",
    [
        ("Meta’s AI—soon ships", "meta-s-ai-soon-ships"),
        ("Zürich hosts the 2027 Games", "zurich-hosts-the-2027-games"),
        ("!!!", "prediction"),
    ],
)
def test_generated_ids_fold_accents_and_split_on_punctuation(run_cli, claim, slug):
    assert add(run_cli, claim, "-p", "0.5") == slug


def test_a_second_forecast_by_the_same_source_on_the_same_day_is_refused(run_cli):
    pid = add(run_cli, "Twice ships", "-p", "0.5", "--stated", "2026-04-01")
    again = run_cli("forecast", pid, "--by", "Jane Doe", "-p", "0.6", "--stated", "2026-04-01")
    assert again.exit_code == 1
    assert "already has a forecast" in again.output and "--correct" in again.output
    assert run_cli("forecast", pid, "--by", "Jane Doe", "-p", "0.6", "--stated", "2026-04-02").exit_code == 0
    assert [f["probability"] for f in show(run_cli, pid)["forecasts"]] == [0.5, 0.6]


def test_a_stated_date_in_the_future_is_refused(run_cli):
    future = (TODAY + timedelta(days=30)).isoformat()
    result = run_cli("add", "Later", "--by", "A", "-p", "0.5", "--stated", future)
    assert result.exit_code == 1 and "stated date" in result.output and "on or before today" in result.output
    pid = add(run_cli, "Now", "-p", "0.5")
    assert run_cli("forecast", pid, "--by", "B", "-p", "0.4", "--stated", future).exit_code == 1
    assert run_cli("forecast", pid, "--by", "Jane Doe", "-p", "0.4", "--stated", future, "--correct").exit_code == 1
    assert len(show(run_cli, pid)["forecasts"]) == 1
    assert json.loads(run_cli("list", "--status", "all", "--json").output)[0]["id"] == pid


def test_edit_with_empty_criteria_clears_them(run_cli):
    pid = add(run_cli, "Criteria ships", "-p", "0.5", "--criteria", "GA in the US")
    assert run_cli("edit", pid, "--criteria", "  ").exit_code == 0
    assert show(run_cli, pid)["criteria"] is None
