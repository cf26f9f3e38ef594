"""`predtrack schedule`: APScheduler wiring only; the database holds every bit of nag state.

- One in-memory tick job runs a nag pass every minute and once at start-up. `coalesce` and
  `max_instances=1` keep a slow pass from piling up; `misfire_grace_time=None` keeps a late
  tick from being dropped (APScheduler's default grace of 1 s drops it with a warning).
- No per-prediction jobs: a restart, downtime or a second scheduler process neither loses
  nor doubles a nag, because the outbox decides what is due and what was sent.
- The weekly digest needs no job of its own: Monday's passes enqueue it into the outbox
  ([nag] weekly_digest), so it survives downtime like every other nag.
- A cron job writes the quarterly review report at the nag hour on the first day of each
  quarter, when the reports module of this build provides `write_quarterly_report`.
- SIGTERM and Ctrl-C stop the scheduler after the running pass has finished.
"""

from __future__ import annotations

import logging
import signal
from datetime import datetime, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from predtrack.config import Settings

log = logging.getLogger("predtrack.schedule")

TICK_JOB = "nag-tick"
QUARTERLY_JOB = "quarterly-report"


def build_scheduler(tick: Callable[[], None], quarterly: Callable[[], None], settings: Settings, now: datetime):
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BlockingScheduler(timezone=timezone.utc)
    scheduler.add_job(
        tick,
        IntervalTrigger(minutes=1, timezone=timezone.utc),
        id=TICK_JOB,
        name="nag pass",
        next_run_time=now,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
    scheduler.add_job(
        quarterly,
        CronTrigger(month="1,4,7,10", day=1, hour=settings.nag.hour, minute=0, timezone=ZoneInfo(settings.nag.timezone)),
        id=QUARTERLY_JOB,
        name="quarterly report",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
    return scheduler


def make_jobs(settings: Settings, engine, clock: Callable[[], datetime]) -> tuple[Callable[[], None], Callable[[], None]]:
    """The tick (one nag pass) and the quarterly report job; neither lets an error escape."""
    from predtrack import nags

    def tick() -> None:
        now = clock()
        try:
            nags.run_pass(engine, settings, now)
        except Exception as exc:  # noqa: BLE001 - a database outage must not stop the scheduler
            log.error("nag pass at %s failed: %s: %s; the next tick retries", f"{now:%Y-%m-%d %H:%M UTC}", type(exc).__name__, exc)

    def quarterly() -> None:
        now = clock()
        try:
            from predtrack.reports import write_quarterly_report
        except ImportError:
            log.warning("quarterly report skipped: this build has no predtrack.reports.write_quarterly_report")
            return
        try:
            written = write_quarterly_report(engine, settings, now)
        except Exception as exc:  # noqa: BLE001
            log.error("quarterly report at %s failed: %s: %s", f"{now:%Y-%m-%d %H:%M UTC}", type(exc).__name__, exc)
            return
        log.info("quarterly report written: %s", ", ".join(str(p) for p in written or []))

    return tick, quarterly


def run(settings: Settings, engine, clock: Callable[[], datetime] | None = None) -> str:
    """Run until SIGTERM or SIGINT; returns the name of the signal that stopped it."""
    from apscheduler.schedulers.base import STATE_STOPPED

    clock = clock or (lambda: datetime.now(timezone.utc))
    tick, quarterly = make_jobs(settings, engine, clock)
    scheduler = build_scheduler(tick, quarterly, settings, clock())
    stopped_by: list[str] = []

    def stop(signum, _frame) -> None:
        name = signal.Signals(signum).name
        if stopped_by:
            return
        stopped_by.append(name)
        log.info("received %s: stopping once the running pass has finished", name)
        if scheduler.state != STATE_STOPPED:
            scheduler.shutdown(wait=True)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info(
        "scheduler started: a nag pass every minute; quarterly report at %02d:00 %s on the first day of each quarter",
        settings.nag.hour, settings.nag.timezone,
    )
    try:
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    reason = stopped_by[0] if stopped_by else "shutdown"
    log.info("scheduler stopped cleanly (%s)", reason)
    return reason
