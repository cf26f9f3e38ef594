"""Nag rounds, the outbox and the dispatcher, on real SQLite and PostgreSQL; time is an argument."""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_nags_support import (  # noqa: E402
    add_prediction,
    digest_ids,
    migrated_engine,
    outbox,
    settings,
    update_prediction,
    utc,
)

from predtrack import db, nags  # noqa: E402
from predtrack.errors import Conflict, InvalidValue  # noqa: E402
from predtrack.nags import DueNag  # noqa: E402


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'nags.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = migrated_engine(url)
    yield engine
    engine.dispose()


def run(engine, s, now, **kwargs):
    """One pass; returns (result, [stdout digests])."""
    printed: list[str] = []
    result = nags.run_pass(engine, s, now, stdout=printed.append, **kwargs)
    return result, printed


def due_at(deadline: date, now: datetime, s, resume: datetime | None = None) -> list[DueNag]:
    nag = s.nag
    return nags.due_nags(deadline, nags.nag_day(now, nag), nag, nags.snooze_day(resume, nag) if resume else None)


# --- rounds (pure) --------------------------------------------------------------------------


def test_round_one_falls_due_the_day_after_the_deadline_at_the_nag_hour_in_the_nag_timezone():
    s = settings(hour=9, timezone="Europe/Berlin")
    deadline = date(2026, 11, 30)
    # 2026-12-01 09:00 in Berlin (winter, UTC+1) is 08:00 UTC.
    assert due_at(deadline, utc(2026, 12, 1, 7, 59), s) == []
    assert due_at(deadline, utc(2026, 12, 1, 8, 0), s) == [DueNag("round", 1, date(2026, 12, 1))]
    # The deadline day itself is never due: the event can still happen that day.
    assert due_at(deadline, utc(2026, 11, 30, 22, 59), s) == []


def test_nag_hour_follows_daylight_saving_time():
    s = settings(hour=9, timezone="Europe/Berlin")
    assert nags.nag_time(date(2026, 7, 1), s.nag) == utc(2026, 7, 1, 7, 0)
    assert nags.nag_time(date(2026, 12, 1), s.nag) == utc(2026, 12, 1, 8, 0)


def test_round_n_falls_due_repeat_days_apart_and_only_the_latest_is_due():
    s = settings(hour=9, repeat_days=7)
    deadline = date(2026, 11, 30)
    assert due_at(deadline, utc(2026, 12, 7, 23, 0), s) == [DueNag("round", 1, date(2026, 12, 1))]
    assert due_at(deadline, utc(2026, 12, 8, 9, 0), s) == [DueNag("round", 2, date(2026, 12, 8))]
    # After a month of downtime: round 5 alone, never rounds 1-5 at once.
    assert due_at(deadline, utc(2026, 12, 30, 12, 0), s) == [DueNag("round", 5, date(2026, 12, 29))]
    s.nag.repeat_days = 3
    assert due_at(deadline, utc(2026, 12, 4, 9, 0), s) == [DueNag("round", 2, date(2026, 12, 4))]


def test_heads_up_lead_days_before_the_deadline():
    s = settings(hour=9, lead_days=3)
    deadline = date(2026, 11, 30)
    assert due_at(deadline, utc(2026, 11, 27, 8, 59), s) == []
    assert due_at(deadline, utc(2026, 11, 27, 9, 0), s) == [DueNag("heads-up", 0, date(2026, 11, 27))]
    assert due_at(deadline, utc(2026, 11, 30, 20, 0), s) == [DueNag("heads-up", 0, date(2026, 11, 27))]
    assert due_at(deadline, utc(2026, 12, 1, 9, 0), s) == [DueNag("round", 1, date(2026, 12, 1))]


def test_snooze_moves_the_next_round_to_the_first_nag_hour_after_it_ends():
    s = settings(hour=9, repeat_days=7)
    deadline = date(2026, 11, 30)
    resume = utc(2026, 12, 3, 14, 0)  # snoozed until Thursday afternoon: next nag Friday 09:00
    assert nags.snooze_day(resume, s.nag) == date(2026, 12, 4)
    assert nags.snooze_day(utc(2026, 12, 3, 9, 0), s.nag) == date(2026, 12, 3)
    assert due_at(deadline, utc(2026, 12, 4, 8, 59), s, resume) == []
    assert due_at(deadline, utc(2026, 12, 4, 9, 0), s, resume) == [DueNag("round", 1, date(2026, 12, 4))]
    # Rounds keep counting from the deadline: a week after the snooze it is round 2.
    assert due_at(deadline, utc(2026, 12, 11, 9, 0), s, resume) == [DueNag("round", 2, date(2026, 12, 11))]


def test_weekly_digest_entries_on_mondays_for_everything_due_within_the_week():
    s = settings(hour=9, weekly_digest=True)
    monday = utc(2026, 11, 30, 10, 0)
    assert DueNag("weekly", 0, date(2026, 11, 30)) in due_at(date(2026, 12, 6), monday, s)
    assert due_at(date(2026, 12, 7), monday, s) == []
    assert due_at(date(2026, 12, 6), utc(2026, 12, 1, 10, 0), s) == []  # Tuesday


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3d", timedelta(days=3)),
        ("2w", timedelta(weeks=2)),
        ("1 week", timedelta(weeks=1)),
        ("12h", timedelta(hours=12)),
        ("90 minutes", timedelta(minutes=90)),
    ],
)
def test_snooze_durations(value, expected):
    now = utc(2026, 11, 25, 10, 0)
    assert nags.snooze_until(value, now, settings().nag) == now + expected


def test_snooze_until_a_date_months_or_off():
    now = utc(2026, 11, 25, 10, 0)
    s = settings(hour=9, timezone="Europe/Berlin")
    assert nags.snooze_until("2026-12-02", now, s.nag) == utc(2026, 12, 2, 8, 0)
    assert nags.snooze_until("2 months", now, s.nag) == utc(2027, 1, 25, 10, 0)
    assert nags.snooze_until("off", now, s.nag) is None


@pytest.mark.parametrize("value", ["soon", "-3d", "0d", "3 fortnights", "2026-11-01", "2026-13-01"])
def test_bad_snooze_durations_name_the_field(value):
    with pytest.raises(InvalidValue) as caught:
        nags.snooze_until(value, utc(2026, 11, 25, 10, 0), settings().nag)
    assert str(caught.value).startswith(f"invalid duration {value!r}: expected ")


def test_backoff_doubles_up_to_six_hours():
    assert [nags.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert nags.backoff(30) == timedelta(hours=6)


# --- enqueue: the set-based SQL agrees with the rules -------------------------------------------


def test_enqueued_nags_match_the_rules_for_random_predictions_and_settings(engine):
    rng = random.Random(20261125)
    owners = [None, "owner@example.org", "Boss@Example.org", "team@example.org", "not-an-address", "x@example.org\r\nBcc: evil@example.org"]
    predictions = {}
    for i in range(60):
        deadline = date(2026, 11, 25) + timedelta(days=rng.randint(-45, 12))
        owner = rng.choice(owners)
        predictions[f"p{i}"] = (deadline, owner)
        add_prediction(engine, f"p{i}", deadline, owner=owner, forecasts=())
    add_prediction(engine, "no-deadline", None)
    add_prediction(engine, "resolved", date(2026, 11, 1), outcome="yes", outcome_value=1.0)
    for trial in range(12):
        s = settings(channels=rng.choice([["email"], ["email", "markdown"], ["stdout"]]), hour=rng.randint(0, 23),
                     timezone=rng.choice(["UTC", "Europe/Berlin", "America/New_York"]), repeat_days=rng.randint(1, 9),
                     lead_days=rng.choice([None, 0, 3]), escalate_after=rng.choice([None, 1, 2]),
                     escalate_to=["lead@example.org"], weekly_digest=rng.choice([True, False]))
        s.mail.to = ["team@example.org", "Second@Example.org"]
        now = utc(2026, 11, 16) + timedelta(minutes=rng.randint(0, 30 * 24 * 60))
        with db.session(engine, write=True) as session:
            session.execute(nags.OUTBOX.delete())
            added = nags.enqueue_due(session, s, now, s.nag.channels)
        got = {(r.prediction_id, r.kind, r.round, r.due_on, r.channel, r.recipient) for r in outbox(engine)}
        expected = set()
        day = nags.nag_day(now, s.nag)
        for pid, (deadline, owner) in predictions.items():
            for due in nags.due_nags(deadline, day, s.nag):
                for channel in s.nag.channels:
                    for recipient in nags.recipients_for(channel, due, owner, s):
                        expected.add((pid, due.kind, due.round, due.due_on, channel, recipient))
        assert got == expected, f"trial {trial} at {now}"
        assert added == len(expected)
        assert not any("evil" in key[5] or key[5] == "not-an-address" for key in got)


def test_a_duplicate_enqueue_adds_nothing(engine):
    add_prediction(engine, "p", date(2026, 11, 20))
    s = settings(channels=["stdout", "markdown"])
    for expected in (2, 0):
        with db.session(engine, write=True) as session:
            assert nags.enqueue_due(session, s, utc(2026, 11, 25, 12), s.nag.channels) == expected
    assert len(outbox(engine)) == 2


# --- passes ---------------------------------------------------------------------------------


def test_second_pass_sends_nothing(engine):
    add_prediction(engine, "meta-buys", date(2026, 11, 20), claim="Meta acquires a coding AI startup")
    s = settings()
    now = utc(2026, 11, 25, 10)
    first, printed = run(engine, s, now)
    assert [(d.channel, d.recipient, d.items, d.ok) for d in first.deliveries] == [("stdout", "team", 1, True)]
    assert digest_ids(printed[0]) == ["meta-buys"]
    second, printed_again = run(engine, s, now + timedelta(minutes=1))
    assert second.deliveries == [] and printed_again == []
    assert [r.status for r in outbox(engine)] == ["sent"]


def test_digest_lists_claim_forecasts_deadline_criteria_and_the_resolve_command(engine):
    add_prediction(engine, "meta-buys", date(2026, 11, 20), claim="Meta acquires a coding AI startup by Q2",
                   criteria="Meta announces the acquisition", forecasts=(("Jane Doe", 0.7), ("The Outlet", 0.55)),
                   deadline_text="by 2026-11-20", owner="owner@example.org")
    _, [text] = run(engine, settings(), utc(2026, 11, 25, 10))
    assert "Meta acquires a coding AI startup by Q2" in text
    assert "Jane Doe: 70% (stated, 2026-01-01)" in text and "The Outlet: 55% (stated, 2026-01-01)" in text
    assert "deadline:   2026-11-20 (\"by 2026-11-20\"): 5 days overdue, round 1" in text
    assert "resolve when: Meta announces the acquisition" in text
    assert "resolve with: predtrack resolve meta-buys yes|no --evidence URL" in text
    assert "owner:      owner@example.org" in text


def test_digest_is_capped_at_digest_limit_and_says_how_to_list_the_rest(engine):
    for i in range(5):
        add_prediction(engine, f"p{i}", date(2026, 11, 10 + i))
    result, [text] = run(engine, settings(digest_limit=2), utc(2026, 11, 25, 10))
    assert result.deliveries[0].subject == "[predtrack] 5 predictions to resolve"
    assert digest_ids(text) == ["p0", "p1"]  # most overdue first
    assert "...and 3 more: run `predtrack due` to list them all." in text
    assert [r.status for r in outbox(engine)] == ["sent"] * 5


def test_after_downtime_one_digest_carries_only_the_latest_round(engine):
    add_prediction(engine, "old", date(2026, 10, 1))
    add_prediction(engine, "newer", date(2026, 11, 20))
    s = settings(repeat_days=7)
    result, [text] = run(engine, s, utc(2026, 11, 25, 10))
    assert len(result.deliveries) == 1 and digest_ids(text) == ["old", "newer"]
    assert "55 days overdue, round 8" in text
    assert sorted((r.prediction_id, r.round) for r in outbox(engine)) == [("newer", 1), ("old", 8)]


def test_resolving_stops_nags_and_cancels_pending_ones(engine):
    add_prediction(engine, "p", date(2026, 11, 20))
    s = settings()
    with db.session(engine, write=True) as session:
        nags.enqueue_due(session, s, utc(2026, 11, 25, 10), ["stdout"])
    update_prediction(engine, "p", outcome="no", outcome_value=0.0, resolved_on=date(2026, 11, 25))
    result, printed = run(engine, s, utc(2026, 11, 25, 11))
    assert printed == [] and result.cancelled == 1
    [row] = outbox(engine)
    assert (row.status, row.last_error) == ("cancelled", "resolved")
    later, printed = run(engine, s, utc(2026, 12, 30, 10))
    assert printed == [] and later.enqueued == 0


def test_a_new_deadline_starts_fresh_rounds_that_are_sent(engine):
    add_prediction(engine, "p", date(2026, 11, 20))
    s = settings()
    run(engine, s, utc(2026, 11, 25, 10))
    # What store.edit_prediction does with a new deadline: bump the series.
    update_prediction(engine, "p", deadline=date(2026, 11, 30), nag_series=1)
    assert run(engine, s, utc(2026, 11, 27, 10))[1] == []
    _, [text] = run(engine, s, utc(2026, 12, 1, 10))
    assert digest_ids(text) == ["p"] and "1 day overdue, round 1" in text
    assert [(r.series, r.round, r.status) for r in outbox(engine)] == [(0, 1, "sent"), (1, 1, "sent")]


def test_unresolving_starts_a_fresh_series_even_for_the_same_round(engine):
    add_prediction(engine, "p", date(2026, 11, 20))
    s = settings()
    run(engine, s, utc(2026, 11, 25, 10))
    update_prediction(engine, "p", outcome="yes", outcome_value=1.0)
    update_prediction(engine, "p", outcome=None, outcome_value=None, nag_series=1)  # store.unresolve
    _, [text] = run(engine, s, utc(2026, 11, 25, 12))
    assert digest_ids(text) == ["p"]


def test_snooze_postpones_and_the_rounds_resume_after_it(engine):
    add_prediction(engine, "p", date(2026, 11, 20))
    s = settings(hour=9, repeat_days=7)
    with db.session(engine, write=True) as session:
        nags.enqueue_due(session, s, utc(2026, 11, 25, 10), ["stdout"])  # pending, not yet sent
    with db.session(engine, write=True) as session:
        nags.snooze(session, actor="tester", now=utc(2026, 11, 25, 10, 30), prediction_id="p",
                    until=utc(2026, 11, 28, 10, 30), settings=s)
    assert [(r.status, r.last_error) for r in outbox(engine)] == [("cancelled", "snoozed")]
    for hour in (11, 40, 70):  # up to Saturday 09:00
        assert run(engine, s, utc(2026, 11, 25, 10) + timedelta(hours=hour))[1] == []
    _, [text] = run(engine, s, utc(2026, 11, 29, 9, 0))  # first nag hour after the snooze
    assert digest_ids(text) == ["p"] and "round 2" in text
    assert run(engine, s, utc(2026, 12, 5, 9))[1] == []
    assert digest_ids(run(engine, s, utc(2026, 12, 6, 9))[1][0]) == ["p"]
    from predtrack.models import Event
    from sqlalchemy import select

    with db.session(engine) as session:
        event = session.execute(select(Event).where(Event.action == "snooze")).scalar_one()
    assert (event.prediction_id, event.actor) == ("p", "tester")


def test_snoozing_a_resolved_prediction_is_refused(engine):
    add_prediction(engine, "p", date(2026, 11, 20), outcome="yes", outcome_value=1.0)
    with db.session(engine, write=True) as session, pytest.raises(Conflict) as caught:
        nags.snooze(session, actor="t", now=utc(2026, 11, 25), prediction_id="p", until=utc(2026, 11, 28), settings=settings())
    assert str(caught.value) == "prediction 'p' is resolved (yes): it gets no nags to snooze"


def test_dry_run_shows_the_digest_and_records_nothing(engine, tmp_path):
    add_prediction(engine, "p", date(2026, 11, 20))
    s = settings(channels=["markdown", "stdout"], tmp_path=tmp_path)
    result, printed = run(engine, s, utc(2026, 11, 25, 10), dry_run=True)
    assert printed == []
    assert [(d.channel, d.ok, digest_ids(d.text)) for d in result.deliveries] == [("markdown", None, ["p"]), ("stdout", None, ["p"])]
    assert outbox(engine) == [] and not (tmp_path / "reports").exists()
    assert len(run(engine, s, utc(2026, 11, 25, 10))[0].deliveries) == 2


def test_markdown_digest_goes_to_a_file_named_by_date(engine, tmp_path):
    add_prediction(engine, "first", date(2026, 11, 20), claim="First *claim* <b>")
    s = settings(channels=["markdown"], tmp_path=tmp_path, timezone="Europe/Berlin", hour=9, lead_days=0)
    run(engine, s, utc(2026, 11, 25, 8, 30))
    add_prediction(engine, "second", date(2026, 11, 25))
    run(engine, s, utc(2026, 11, 25, 22, 59))  # 23:59 in Berlin: still the 25th there
    path = tmp_path / "reports" / "nags" / "2026-11-25.md"
    content = path.read_text(encoding="utf-8")
    assert content.startswith("# predtrack nags, 2026-11-25\n")
    assert content.count("\n## ") == 2
    assert "## 09:30 Europe/Berlin: 1 prediction to resolve\n" in content
    assert "## 23:59 Europe/Berlin: 1 coming due\n" in content
    assert "**First \\*claim\\* \\<b\\>**" in content
    assert "`predtrack resolve second yes|no --evidence URL`" in content


def test_an_expired_claim_is_delivered_by_a_later_pass(engine):
    add_prediction(engine, "p", date(2026, 11, 20))
    s = settings()
    t = utc(2026, 11, 25, 10)
    with db.session(engine, write=True) as session:
        nags.enqueue_due(session, s, t, ["stdout"])
    with db.session(engine, write=True) as session:  # a process that claims and then dies
        assert nags.claim(session, t, "dead-process", ["stdout"]) == {("stdout", "team"): 1}
    assert run(engine, s, t + timedelta(minutes=1))[1] == []
    assert run(engine, s, t + nags.LEASE - timedelta(seconds=1))[1] == []
    _, [text] = run(engine, s, t + nags.LEASE + timedelta(seconds=1))
    assert digest_ids(text) == ["p"]
    assert [r.status for r in outbox(engine)] == ["sent"]


def test_a_dead_process_cannot_mark_rows_it_lost(engine):
    add_prediction(engine, "p", date(2026, 11, 20))
    s = settings()
    t = utc(2026, 11, 25, 10)
    with db.session(engine, write=True) as session:
        nags.enqueue_due(session, s, t, ["stdout"])
        nags.claim(session, t, "slow", ["stdout"])
    with db.session(engine) as session:
        slow_digest = nags.load_digest(session, s, t, "slow", "stdout", "team")
    run(engine, s, t + nags.LEASE + timedelta(minutes=1))
    with db.session(engine, write=True) as session:
        assert nags.mark_sent(session, t + nags.LEASE + timedelta(minutes=2), "slow", slow_digest, None) == 0


def test_week_of_passes_at_random_times_with_a_two_day_outage(engine):
    """Expected rounds, each exactly once, at the first pass after it fell due; no burst."""
    rng = random.Random(7)
    s = settings(hour=9, timezone="Europe/Berlin", repeat_days=2)
    start = utc(2026, 11, 23, 0, 0)
    deadlines = {f"p{i}": date(2026, 11, 18) + timedelta(days=i) for i in range(8)}
    for pid, deadline in deadlines.items():
        add_prediction(engine, pid, deadline)
    outage = (start + timedelta(days=3), start + timedelta(days=5))
    times = sorted(start + timedelta(minutes=rng.randint(0, 10 * 24 * 60)) for _ in range(60))
    times = [t for t in times if not outage[0] <= t < outage[1]]
    delivered: list[tuple[datetime, str, int]] = []
    for t in times:
        result, printed = run(engine, s, t)
        assert len(printed) <= 1  # one digest per recipient per pass
        for text in printed:
            ids = digest_ids(text)
            assert len(ids) == len(set(ids))
            for pid in ids:
                delivered.append((t, pid, _round_in(text, pid)))

    def latest_round(deadline: date, t: datetime) -> int:
        # Counted by hand, independently of nags.due_nags: round n falls due on
        # deadline + 1 + 2(n - 1) days at 09:00 Berlin.
        n = 0
        while nags.nag_time(deadline + timedelta(days=1 + 2 * n), s.nag) <= t:
            n += 1
        return n

    expected = []
    for pid, deadline in deadlines.items():
        sent: set[int] = set()
        for t in times:
            n = latest_round(deadline, t)
            if n and n not in sent:
                expected.append((t, pid, n))
                sent.add(n)
    assert sorted(delivered) == sorted(expected)
    assert len({(pid, n) for _, pid, n in delivered}) == len(delivered)  # no duplicates
    first_after_outage = min(t for t in times if t >= outage[1])
    after = [(pid, n) for t, pid, n in delivered if t == first_after_outage]
    assert len(after) == len({pid for pid, _ in after})  # stale rounds coalesced: one per prediction


def _round_in(text: str, pid: str) -> int:
    import re

    block = text.split(f"id:         {pid}\n", 1)[1].split("\n", 1)[0]
    match = re.search(r"round (\d+)", block)
    return int(match.group(1)) if match else 0


def test_weekly_digest_goes_out_on_monday_with_everything_due_within_the_week(engine):
    add_prediction(engine, "overdue", date(2026, 11, 10))
    add_prediction(engine, "this-week", date(2026, 12, 3))
    add_prediction(engine, "next-week", date(2026, 12, 9))
    s = settings(weekly_digest=True, repeat_days=30)
    assert digest_ids(run(engine, s, utc(2026, 11, 25, 10))[1][0]) == ["overdue"]  # Wednesday: the round
    assert run(engine, s, utc(2026, 11, 29, 10))[1] == []  # Sunday: nothing new
    result, [text] = run(engine, s, utc(2026, 11, 30, 9, 1))  # Monday
    assert digest_ids(text) == ["overdue", "this-week"]
    assert result.deliveries[0].subject == "[predtrack] 1 prediction to resolve, 1 coming due"
    assert run(engine, s, utc(2026, 11, 30, 15))[1] == []


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_pass_with_100000_due_predictions_for_three_recipients(request, tmp_path, backend):
    """At issue 7's size: one capped digest per recipient. (The time is measured in benchmarks/, not here.)"""
    from sqlalchemy import insert

    from predtrack.models import Prediction
    from test_nags_support import SmtpServer, mail_settings

    url = f"sqlite:///{tmp_path / 'big.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    engine = migrated_engine(url)
    rows = [
        {"id": f"p{i:06d}", "claim": f"Claim number {i}", "deadline": date(2026, 1, 1) + timedelta(days=i % 300),
         "deadline_vague": False, "created_at": utc(2026, 1, 1), "updated_at": utc(2026, 1, 1), "nag_series": 0}
        for i in range(100_000)
    ]
    with db.session(engine, write=True) as session:
        session.execute(insert(Prediction.__table__), rows)
    with SmtpServer() as server:
        s = mail_settings(settings(channels=["email"]), server.port, to=("a@example.org", "b@example.org", "c@example.org"))
        result = nags.run_pass(engine, s, utc(2026, 11, 25, 12))
    engine.dispose()
    assert sorted((d.recipient, d.items, d.ok) for d in result.deliveries) == [
        ("a@example.org", 100_000, True), ("b@example.org", 100_000, True), ("c@example.org", 100_000, True)]
    assert sorted(m.rcpt_tos[0] for m in server.messages) == ["a@example.org", "b@example.org", "c@example.org"]
    for message in server.messages:
        assert len(digest_ids(message.text)) == 50
        assert "...and 99950 more: run `predtrack due` to list them all." in message.text
