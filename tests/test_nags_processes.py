"""Real `predtrack nag` processes: two at once deliver every nag exactly once; a killed one loses none."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_nags_support import (  # noqa: E402
    PYTHON,
    REPO,
    Recorder,
    SmtpServer,
    add_prediction,
    digest_ids,
    migrated_engine,
    outbox,
    run_predtrack,
    write_config,
)

pytestmark = pytest.mark.slow
TEAM = ("team@example.org", "second@example.org", "third@example.org")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = migrated_engine(url)
    yield url, engine
    engine.dispose()


def _env(url: str, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDTRACK_")}
    env.update(PREDTRACK_DATABASE_URL=url, PREDTRACK_CONFIG=str(config), PYTHONPATH=str(REPO))
    return env


def _start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, "-m", "predtrack", "nag", *args], env=env, cwd=str(REPO),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_nag_processes_at_once_deliver_every_nag_exactly_once(database, tmp_path):
    url, engine = database
    ids = [f"p{i:02d}" for i in range(40)]
    for i, pid in enumerate(ids):
        add_prediction(engine, pid, date(2026, 11, 1 + i % 20), owner=f"owner{i % 4}@example.org")
    with SmtpServer() as server:
        env = _env(url, write_config(tmp_path / "predtrack.toml", port=server.port, channels=("email", "stdout"), to=TEAM))
        outputs = []
        for as_of in ("2026-11-25T10:00", "2026-11-30T10:00"):  # round 1 or 2, then the next round of some
            racers = [_start(env, "--as-of", as_of) for _ in range(2)]
            for racer in racers:
                out, err = racer.communicate(timeout=180)
                assert racer.returncode == 0, err
                outputs.append(out)
    rows = outbox(engine)
    assert rows and all(r.status == "sent" for r in rows)
    # Every (recipient, round) sent once: one accepted message per outbox row, never two.
    delivered = Counter()
    for received in server.messages:
        [rcpt] = received.rcpt_tos
        for pid in digest_ids(received.text):
            delivered[(rcpt, pid, received.message["Date"])] += 1
    assert max(delivered.values()) == 1
    expected = Counter((r.recipient, r.prediction_id) for r in rows if r.channel == "email")
    assert Counter((rcpt, pid) for rcpt, pid, _ in delivered) == expected
    for pid in ids:
        assert all(expected[(team, pid)] >= 1 for team in TEAM)
    # The stdout channel too: across both processes' output, each row's digest item appears once.
    printed = Counter(pid for out in outputs for pid in digest_ids(out))
    assert printed == Counter(r.prediction_id for r in rows if r.channel == "stdout")
    message_ids = [m.message["Message-ID"] for m in server.messages]
    assert len(message_ids) == len(set(message_ids))


def test_a_process_killed_after_claiming_loses_no_nag(database, tmp_path):
    url, engine = database
    add_prediction(engine, "p", date(2026, 11, 20))
    stall = threading.Event()
    recorder = Recorder(stall_data=stall)
    with SmtpServer(recorder) as server:
        env = _env(url, write_config(tmp_path / "predtrack.toml", port=server.port, channels=("email",), to=TEAM[:1]))
        victim = _start(env, "--as-of", "2026-11-25T10:00")
        try:
            # The process has claimed the row and is in the middle of SMTP DATA: kill it there.
            assert recorder.data_started.wait(timeout=120), victim.stderr.read() if victim.poll() is not None else "no DATA"
        finally:
            victim.send_signal(signal.SIGKILL)
            victim.communicate(timeout=30)
        assert victim.returncode == -signal.SIGKILL
        [row] = outbox(engine)
        assert row.status == "pending" and row.claimed_at is not None
        recorder.stall_data = None
        stall.set()

        within_lease = run_predtrack("nag", "--as-of", "2026-11-25T10:10", env=env)
        assert within_lease.returncode == 0, within_lease.stderr
        assert server.messages == []
        after_lease = run_predtrack("nag", "--as-of", "2026-11-25T10:16", env=env)
        assert after_lease.returncode == 0, after_lease.stderr
        assert "email to team@example.org: sent 1 item" in after_lease.stdout
    [received] = server.messages
    assert digest_ids(received.text) == ["p"]
    assert [r.status for r in outbox(engine)] == ["sent"]
