"""`predtrack nag`, `nags` and `snooze` through the CLI: output, exit codes, JSON."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_nags_support import add_prediction, digest_ids, free_port, migrated_engine, outbox, write_config  # noqa: E402

AS_OF = "2026-11-25T10:00:00+00:00"


@pytest.fixture
def engine(db_url):
    engine = migrated_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def stdout_config(config_file):
    return write_config(config_file, channels=("stdout",))


def test_nag_prints_the_digest_once_then_nothing(run_cli, engine, stdout_config):
    add_prediction(engine, "meta-buys", date(2026, 11, 20), claim="Meta acquires a coding AI startup")
    first = run_cli("nag", "--as-of", AS_OF)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("predtrack: 1 prediction to resolve (as of 2026-11-25 10:00 UTC)\n")
    assert digest_ids(first.stdout) == ["meta-buys"]
    assert "stdout to stdout: sent 1 item (nag-" in first.stdout
    assert first.stdout.rstrip().endswith("nag pass at 2026-11-25 10:00 UTC: 1 nag(s) queued, 1 digest(s) delivered (1 items), 0 failed")
    second = run_cli("nag", "--as-of", "2026-11-25T10:05:00+00:00")
    assert (second.exit_code, second.stdout) == (0, "nothing to send as of 2026-11-25 10:05 UTC\n")


def test_nag_json(run_cli, engine, stdout_config):
    add_prediction(engine, "p", date(2026, 11, 20))
    result = run_cli("nag", "--as-of", "2026-11-25", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-11-25T09:00:00+00:00"  # a date alone: its nag hour
    assert (data["dry_run"], data["queued"]) == (False, 1)
    [delivery] = data["deliveries"]
    assert {k: delivery[k] for k in ("channel", "recipient", "items", "ok", "error")} == {
        "channel": "stdout", "recipient": "team", "items": 1, "ok": True, "error": None}
    assert digest_ids(delivery["text"]) == ["p"]


def test_dry_run_records_nothing(run_cli, engine, stdout_config):
    add_prediction(engine, "p", date(2026, 11, 20))
    result = run_cli("nag", "--as-of", AS_OF, "--dry-run", "--channel", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("--- would send markdown to ")
    assert "reports/nags/2026-11-25.md: [predtrack] Resolve: Claim of p (1 item)" in result.stdout
    assert result.stdout.rstrip().endswith("nothing was recorded")
    assert outbox(engine) == []
    assert run_cli("nags").stdout.startswith("outbox: empty\nno digest has been delivered or tried yet\n")


def test_failed_delivery_exits_1_and_says_when_it_is_retried(run_cli, engine, config_file):
    port = free_port()
    write_config(config_file, port=port, channels=("email",))
    add_prediction(engine, "p", date(2026, 11, 20))
    result = run_cli("nag", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert result.stderr == (
        "email to team@example.org: failed, 1 item kept for a later pass (not before 2026-11-25 10:05 UTC): "
        f"cannot connect to SMTP server 127.0.0.1:{port}: connection refused\n"
    )
    history = run_cli("nags")
    assert history.exit_code == 0
    assert history.stdout.splitlines()[:2] == [
        "outbox: 1 pending",
        f"2026-11-25 10:00 UTC  email     team@example.org  FAILED (1 item): cannot connect to SMTP server 127.0.0.1:{port}: "
        "connection refused; retry after 2026-11-25 10:05 UTC",
    ]


def test_email_channel_without_mail_settings_fails_before_anything_else(run_cli, engine, config_file):
    write_config(config_file, channels=("stdout",))
    add_prediction(engine, "p", date(2026, 11, 20))
    result = run_cli("nag", "--as-of", AS_OF, "--channel", "email")
    assert result.exit_code == 1
    assert result.output == (
        "Error: [mail] host is missing: the email channel is on ([nag] channels or --channel); "
        "set it in the config file or PREDTRACK_MAIL_HOST\n"
    )
    assert outbox(engine) == []


@pytest.mark.parametrize("value", ["tomorrow", "2026-11-31", "25/11/2026"])
def test_bad_as_of_names_the_option(run_cli, stdout_config, value):
    result = run_cli("nag", "--as-of", value)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: invalid --as-of {value!r}: expected an ISO date or time such as 2026-12-01, "
        "2026-12-01T09:30 or 2026-12-01T09:30+01:00\n"
    )


def test_bad_channel_is_a_usage_error(run_cli, stdout_config):
    result = run_cli("nag", "--channel", "sms")
    assert result.exit_code == 2
    assert "Invalid value for '--channel': 'sms' is not one of 'email', 'markdown', 'stdout'." in result.output


def test_nags_history_and_one_predictions_rounds(run_cli, engine, stdout_config):
    add_prediction(engine, "p", date(2026, 11, 20))
    assert run_cli("nag", "--as-of", AS_OF).exit_code == 0
    assert run_cli("nag", "--as-of", "2026-12-02T10:00:00+00:00").exit_code == 0
    result = run_cli("nags", "--prediction", "p")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "outbox: 2 sent"
    assert lines[1].startswith("2026-12-02 10:00 UTC  stdout    team  sent 1 item  nag-")
    assert lines[2].startswith("2026-11-25 10:00 UTC  stdout    team  sent 1 item  nag-")
    assert lines[3:] == [
        "p: round 1 due 2026-11-21 (series 0)  stdout team  sent 2026-11-25 10:00 UTC",
        "p: round 2 due 2026-11-28 (series 0)  stdout team  sent 2026-12-02 10:00 UTC",
    ]
    data = json.loads(run_cli("nags", "--json", "--limit", "1").stdout)
    assert [(a["channel"], a["ok"], a["items"]) for a in data["attempts"]] == [("stdout", True, 1)]
    assert data["outbox"] == [{"status": "sent", "channel": "stdout", "count": 2}]


def test_nags_for_an_unknown_prediction(run_cli, engine):
    result = run_cli("nags", "--prediction", "nope")
    assert result.exit_code == 1
    assert result.output == "Error: unknown prediction id 'nope': see `predtrack list --status all` for the ids\n"


def test_snooze_records_the_time_and_an_event(run_cli, engine, stdout_config):
    add_prediction(engine, "p", date(2026, 11, 20))
    before = datetime.now(timezone.utc)
    result = run_cli("snooze", "p", "3d")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("p: nags snoozed until ")
    from sqlalchemy import select

    from predtrack import db
    from predtrack.models import Event, Prediction

    with db.session(engine) as session:
        prediction = session.get(Prediction, "p")
        event = session.execute(select(Event).where(Event.action == "snooze")).scalar_one()
    assert before + timedelta(days=3) <= prediction.snoozed_until <= datetime.now(timezone.utc) + timedelta(days=3)
    assert (event.prediction_id, event.actor) == ("p", "tester")
    assert json.loads(event.details)["until"] == str(prediction.snoozed_until)
    ended = run_cli("snooze", "p", "off", "--json")
    assert ended.exit_code == 0
    assert json.loads(ended.stdout)["snoozed_until"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("p", "soon"), "Error: invalid duration 'soon': expected a duration such as 3d, 2w, 12h, \"1 week\", "
                        "\"2 months\", a date or time to snooze until (2026-12-01, 2026-12-01T09:00), or off\n"),
        (("nope", "3d"), "Error: unknown prediction id 'nope': see `predtrack list --status all` for the ids\n"),
        (("done", "3d"), "Error: prediction 'done' is resolved (no): it gets no nags to snooze\n"),
    ],
)
def test_snooze_refusals(run_cli, engine, stdout_config, args, message):
    add_prediction(engine, "p", date(2026, 11, 20))
    add_prediction(engine, "done", date(2026, 11, 20), outcome="no", outcome_value=0.0)
    result = run_cli("snooze", *args)
    assert (result.exit_code, result.output) == (1, message)


@pytest.mark.parametrize("command", ["nag", "nags", "snooze", "schedule"])
def test_every_command_has_help_with_an_example(run_cli, command):
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and f"predtrack {command}" in result.output


def test_docs_show_the_real_nag_help():
    from click.testing import CliRunner

    from predtrack.cli import cli

    docs = (Path(__file__).resolve().parents[1] / "docs" / "nags.md").read_text(encoding="utf-8")
    shown = docs.split("$ predtrack nag --help\n", 1)[1].split("```", 1)[0]
    # Width 78 is what click uses in an 80-column terminal.
    real = CliRunner().invoke(cli, ["nag", "--help"], prog_name="predtrack", terminal_width=78).output
    assert shown == real, "docs/nags.md shows an old `predtrack nag --help`: paste the new one"


def test_stdout_digest_lists_each_forecast_on_its_own_line(tmp_path):
    from click.testing import CliRunner

    from predtrack.cli import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["add", "Two voices", "--by", "Alpha", "-p", "0.7", "--stated", "2026-01-01",
                               "--deadline", "2026-06-30", "--id", "two-voices"]).exit_code == 0
    assert runner.invoke(cli, ["forecast", "two-voices", "--by", "Beta", "-p", "0.2", "--stated", "2026-01-02"]).exit_code == 0
    result = runner.invoke(cli, ["nag", "--dry-run", "--channel", "stdout", "--as-of", "2026-11-25T12:00:00+00:00"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    alpha = next(i for i, line in enumerate(lines) if "Alpha" in line)
    assert "Beta" not in lines[alpha]
    assert "Beta" in lines[alpha + 1]
