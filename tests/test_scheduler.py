"""`predtrack schedule`: the APScheduler wiring, and the real process stopped by SIGTERM and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_nags_support import PYTHON, REPO, add_prediction, digest_ids, migrated_engine, outbox, settings, write_config  # noqa: E402

from predtrack import scheduler  # noqa: E402


def test_one_tick_job_every_minute_from_start_up_that_is_never_dropped():
    now = datetime(2026, 11, 25, 10, 0, 30, tzinfo=timezone.utc)
    sched = scheduler.build_scheduler(lambda: None, lambda: None, settings(hour=9, timezone="Europe/Berlin"), now)
    tick = sched.get_job(scheduler.TICK_JOB)
    assert tick.trigger.interval == timedelta(minutes=1)
    assert tick.next_run_time == now  # runs at start-up
    assert (tick.coalesce, tick.max_instances, tick.misfire_grace_time) == (True, 1, None)
    assert str(sched.timezone) == "UTC"
    assert {job.id for job in sched.get_jobs()} == {scheduler.TICK_JOB, scheduler.QUARTERLY_JOB}


def test_quarterly_report_job_fires_on_the_first_day_of_each_quarter_at_the_nag_hour():
    now = datetime(2026, 11, 25, 10, tzinfo=timezone.utc)
    sched = scheduler.build_scheduler(lambda: None, lambda: None, settings(hour=9, timezone="Europe/Berlin"), now)
    job = sched.get_job(scheduler.QUARTERLY_JOB)
    assert job.misfire_grace_time is None and job.coalesce
    fire = job.trigger.get_next_fire_time(None, now)
    fires = []
    for _ in range(4):
        fires.append(fire.astimezone(timezone.utc))
        fire = job.trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    assert fires == [
        datetime(2027, 1, 1, 8, tzinfo=timezone.utc),  # 09:00 in Berlin, winter
        datetime(2027, 4, 1, 7, tzinfo=timezone.utc),  # summer time
        datetime(2027, 7, 1, 7, tzinfo=timezone.utc),
        datetime(2027, 10, 1, 7, tzinfo=timezone.utc),
    ]


def test_quarterly_job_writes_the_review_of_the_quarter_just_ended(tmp_path, caplog):
    pytest.importorskip("predtrack.reports", reason="the reports module is not part of this build")
    engine = migrated_engine(f"sqlite:///{tmp_path / 'q.db'}")
    s = settings(tmp_path=tmp_path)
    _tick, quarterly = scheduler.make_jobs(s, engine, lambda: datetime(2027, 1, 1, 9, tzinfo=timezone.utc))
    caplog.set_level("INFO", logger="predtrack.schedule")
    quarterly()
    written = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert written and all(name.startswith("2026-Q4") for name in written)
    assert "quarterly report written: " in caplog.text


def test_tick_survives_a_database_it_cannot_open(tmp_path, caplog):
    from predtrack import db

    broken = db.create_engine_for(f"sqlite:///{tmp_path / 'missing-schema.db'}")  # no tables at all
    tick, _quarterly = scheduler.make_jobs(settings(), broken, lambda: datetime(2026, 11, 25, 10, tzinfo=timezone.utc))
    caplog.set_level("INFO", logger="predtrack.schedule")
    tick()  # logs, does not raise: the next tick retries
    assert "nag pass at 2026-11-25 10:00 UTC failed: OperationalError" in caplog.text
    assert "the next tick retries" in caplog.text


def _wait_for(path: Path, text: str, process: subprocess.Popen, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        if text in content:
            return content
        if process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"{text!r} not in {path.name} after {timeout} s (exit code {process.poll()}): {path.read_text() if path.exists() else ''}")


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_scheduler_process_runs_a_pass_at_start_up_and_stops_cleanly(tmp_path, stop_signal):
    url = f"sqlite:///{tmp_path / 'schedule.db'}"
    engine = migrated_engine(url)
    # The process reads the real clock: a deadline well before today is due whatever today is.
    add_prediction(engine, "long-overdue", date.today() - timedelta(days=30))
    config = write_config(tmp_path / "predtrack.toml", channels=("stdout", "markdown"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDTRACK_")}
    env.update(PREDTRACK_DATABASE_URL=url, PREDTRACK_CONFIG=str(config), PYTHONPATH=str(REPO))
    out_path, err_path = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        process = subprocess.Popen([PYTHON, "-m", "predtrack", "schedule"], env=env, cwd=str(tmp_path), stdout=out, stderr=err)
        try:
            _wait_for(err_path, "nag pass at", process)
            process.send_signal(stop_signal)
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    log = err_path.read_text()
    assert process.returncode == 0, log
    assert f"scheduler stopped cleanly ({signal.Signals(stop_signal).name})" in log
    assert "2 digest(s) delivered (2 items)" in log
    assert "Traceback" not in log
    assert digest_ids(out_path.read_text()) == ["long-overdue"]
    assert [r.status for r in outbox(engine)] == ["sent", "sent"]
    assert list((tmp_path / "reports" / "nags").glob("*.md"))


def test_schedule_refuses_to_start_without_mail_settings_when_email_is_on(run_cli, config_file):
    write_config(config_file, channels=("email",))
    result = run_cli("schedule")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: [mail] host is missing: the email channel is on ([nag] channels or --channel); "
        "set it in the config file or PREDTRACK_MAIL_HOST"
    )
