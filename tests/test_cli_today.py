"""The CLI's "today" is the date in `[nag] timezone`, not the machine's date.

The tests never depend on the hour they run at: they use two zones 26 hours apart,
Pacific/Kiritimati (UTC+14) and Etc/GMT+12 (UTC-12), whose dates always differ from each
other, so at any moment at least one of them differs from UTC's date and from the machine's.
Each expected date is computed from the same zone with zoneinfo, before and after the
command, so that a command running across midnight still passes.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

AHEAD = "Pacific/Kiritimati"  # UTC+14
BEHIND = "Etc/GMT+12"  # UTC-12 (POSIX signs are inverted)


def zone_date(zone: str) -> date:
    return datetime.now(timezone.utc).astimezone(ZoneInfo(zone)).date()


def use_timezone(config_file, zone: str) -> None:
    config_file.write_text(f'[user]\nname = "tester"\n\n[nag]\ntimezone = "{zone}"\n', encoding="utf-8")


def stated_by_default(run_cli, config_file, zone: str, claim: str) -> tuple[date, set[date]]:
    """The stated date `add` records without --stated, and the zone's dates around the command."""
    use_timezone(config_file, zone)
    before = zone_date(zone)
    result = run_cli("add", claim, "--by", "Jane Doe", "-p", "0.5", "--json")
    after = zone_date(zone)
    assert result.exit_code == 0, result.output
    stated = date.fromisoformat(json.loads(result.output)["forecasts"][0]["stated"])
    return stated, {before, after}


def test_add_states_forecasts_on_the_configured_timezones_date(run_cli, config_file):
    ahead, expected_ahead = stated_by_default(run_cli, config_file, AHEAD, "Ahead ships")
    behind, expected_behind = stated_by_default(run_cli, config_file, BEHIND, "Behind ships")
    assert ahead in expected_ahead
    assert behind in expected_behind
    # Two different days: whatever the hour, at least one is not UTC's (nor the machine's) date.
    assert ahead > behind


@pytest.mark.parametrize("zone", [AHEAD, BEHIND])
def test_due_and_today_flags_judge_on_the_configured_timezones_date(run_cli, config_file, zone):
    use_timezone(config_file, zone)
    before = zone_date(zone)
    nothing = run_cli("due")
    as_of_today = run_cli("due", "--as-of", "today")
    parsed = run_cli("parse", "within 10 days", "--json")
    after = zone_date(zone)
    assert nothing.exit_code == as_of_today.exit_code == parsed.exit_code == 0
    assert nothing.output.strip() in {f"nothing due on {day.isoformat()}" for day in (before, after)}
    assert as_of_today.output == nothing.output
    assert json.loads(parsed.output)["deadline"] in {(day + timedelta(days=10)).isoformat() for day in (before, after)}


@pytest.mark.parametrize("zone", [AHEAD, BEHIND])
def test_a_deadline_falls_due_the_day_after_in_the_configured_timezone(run_cli, config_file, zone):
    use_timezone(config_file, zone)
    day = zone_date(zone)
    stated = (day - timedelta(days=5)).isoformat()
    for claim, deadline in (("Yesterday ships", day - timedelta(days=1)), ("Today ships", day)):
        result = run_cli("add", claim, "--by", "Jane Doe", "-p", "0.5", "--stated", stated, "--deadline", deadline.isoformat())
        assert result.exit_code == 0, result.output
    due = json.loads(run_cli("due", "--json").output)
    if zone_date(zone) == day:  # the zone's midnight did not pass during the test
        assert [row["id"] for row in due] == ["yesterday-ships"]
        assert due[0]["days_overdue"] == 1


def test_a_date_that_is_today_in_the_timezone_ahead_is_not_in_the_future(run_cli, config_file):
    use_timezone(config_file, AHEAD)
    day = zone_date(AHEAD)  # on or after UTC's date: refused by the machine's clock until UTC's midnight
    result = run_cli("add", "Kiritimati ships", "--by", "Jane Doe", "-p", "0.5", "--stated", day.isoformat(), "--deadline", day.isoformat())
    assert result.exit_code == 0, result.output
    resolved = run_cli("resolve", "kiritimati-ships", "yes", "--on", day.isoformat())
    assert resolved.exit_code == 0, resolved.output


def test_a_date_after_today_in_the_timezone_behind_is_refused_naming_that_today(run_cli, config_file):
    use_timezone(config_file, BEHIND)
    day = zone_date(BEHIND)
    tomorrow = day + timedelta(days=1)  # may still be today, or even past, in UTC
    result = run_cli("add", "Baker ships", "--by", "Jane Doe", "-p", "0.5", "--stated", tomorrow.isoformat())
    if zone_date(BEHIND) == day:
        assert result.exit_code == 1
        assert f"invalid stated date '{tomorrow.isoformat()}': expected a date on or before today ({day.isoformat()})" in result.output
        assert json.loads(run_cli("list", "--status", "all", "--json").output) == []
