"""Nag passes delivering email through a real SMTP server (aiosmtpd): recipients, headers, failures."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_nags_support import (  # noqa: E402
    SMTP_PASSWORD,
    SMTP_USER,
    Recorder,
    SmtpServer,
    add_prediction,
    digest_ids,
    free_port,
    mail_settings,
    migrated_engine,
    outbox,
    settings,
    utc,
)

from predtrack import db, nags  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
PASSWORD_ENV = "PREDTRACK_TEST_SMTP_PASSWORD"


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'nags.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = migrated_engine(url)
    yield engine
    engine.dispose()


def email_settings(port: int, **nag):
    return mail_settings(settings(channels=["email"], **nag), port)


def by_recipient(server) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for received in server.messages:
        [rcpt] = received.rcpt_tos
        found.setdefault(rcpt, []).extend(digest_ids(received.text))
    return found


def test_recipients_are_the_team_the_owner_and_after_escalate_after_rounds_escalate_to(engine):
    add_prediction(engine, "owned", date(2026, 11, 20), owner="Owner@Example.org")
    add_prediction(engine, "unowned", date(2026, 11, 22))
    with SmtpServer() as server:
        s = email_settings(server.port, escalate_after=1, escalate_to=["lead@example.org"], repeat_days=7)
        s.mail.to = ["team@example.org", "second@example.org"]
        nags.run_pass(engine, s, utc(2026, 11, 25, 10))
        assert by_recipient(server) == {
            "team@example.org": ["owned", "unowned"],
            "second@example.org": ["owned", "unowned"],
            "owner@example.org": ["owned"],
        }
        server.messages.clear()
        nags.run_pass(engine, s, utc(2026, 11, 28, 10))  # round 2 of "owned" only
        assert by_recipient(server) == {
            "team@example.org": ["owned"], "second@example.org": ["owned"],
            "owner@example.org": ["owned"], "lead@example.org": ["owned"],
        }
    [lead_message] = [m for m in server.messages if m.rcpt_tos == ["lead@example.org"]]
    assert "round 2 (escalated)" in lead_message.text


def test_email_is_multipart_text_and_html_with_a_message_id_per_digest(engine):
    add_prediction(engine, "p", date(2026, 11, 20), claim="Acme ships <b>v2</b> & more")
    with SmtpServer() as server:
        result = nags.run_pass(engine, email_settings(server.port), utc(2026, 11, 25, 10))
    [received] = server.messages
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert "Acme ships <b>v2</b> & more" in received.text
    assert "<strong>Acme ships &lt;b&gt;v2&lt;/b&gt; &amp; more</strong>" in received.html
    [delivery] = result.deliveries
    assert message["Message-ID"] == f"<{delivery.digest_id}@example.org>"
    [row] = outbox(engine)
    assert delivery.digest_id == nags.digest_id_for("email", "team@example.org", 1, row.id, row.id, row.id) == row.digest_id
    assert message["Subject"] == "[predtrack] Resolve: Acme ships <b>v2</b> & more"
    assert message["From"] == "nags@example.org" and message["To"] == "team@example.org"


def test_claim_and_owner_text_cannot_inject_headers_or_recipients(engine):
    evil_claim = "Harmless claim\r\nBcc: evil@example.org\r\nX-Injected: yes"
    add_prediction(engine, "p", date(2026, 11, 20), claim=evil_claim, owner="x@example.org\r\nBcc: evil2@example.org")
    with SmtpServer() as server:
        nags.run_pass(engine, email_settings(server.port), utc(2026, 11, 25, 10))
    [received] = server.messages  # the owner value is no address: it gets nothing
    assert received.rcpt_tos == ["team@example.org"]
    assert received.message["Bcc"] is None and received.message["X-Injected"] is None
    # (A long subject is folded; unfolding leaves the fold's space in front.)
    assert received.message["Subject"].strip() == "[predtrack] Resolve: Harmless claim Bcc: evil@example.org X-Injected: yes"
    header_block = received.raw.split(b"\r\n\r\n", 1)[0].decode()
    assert "\nBcc:" not in header_block and "\nX-Injected:" not in header_block


def test_a_failed_delivery_is_kept_retried_with_backoff_and_resent_with_the_same_message_id(engine):
    add_prediction(engine, "p", date(2026, 11, 20))
    recorder = Recorder(rcpt_reply="451 4.7.1 Greylisted, try again later")
    t = utc(2026, 11, 25, 10)
    with SmtpServer(recorder) as server:
        s = email_settings(server.port)
        first = nags.run_pass(engine, s, t)
        [failed] = first.deliveries
        assert failed.ok is False and "451 4.7.1 Greylisted" in failed.error
        assert failed.retry_after == t + timedelta(minutes=5)
        [row] = outbox(engine)
        assert (row.status, row.claimed_at, row.attempts) == ("pending", None, 1)
        assert "451 4.7.1 Greylisted" in row.last_error
        # Within the backoff nothing is tried; after it, a second failure doubles the wait.
        assert nags.run_pass(engine, s, t + timedelta(minutes=4)).deliveries == []
        [again] = nags.run_pass(engine, s, t + timedelta(minutes=6)).deliveries
        assert again.ok is False and again.retry_after == t + timedelta(minutes=16)
        recorder.rcpt_reply = None
        assert nags.run_pass(engine, s, t + timedelta(minutes=15)).deliveries == []
        [delivered] = nags.run_pass(engine, s, t + timedelta(minutes=16)).deliveries
    assert delivered.ok and delivered.digest_id == failed.digest_id
    [received] = server.messages
    assert received.message["Message-ID"] == f"<{failed.digest_id}@example.org>"
    with db.session(engine) as session:
        history = nags.history(session)
    assert [(a["ok"], a["items"]) for a in history["attempts"]] == [(True, 1), (False, 1), (False, 1)]
    assert nags.run_pass(engine, s, t + timedelta(hours=1)).deliveries == []


def test_one_failing_recipient_does_not_hold_back_the_others(engine):
    add_prediction(engine, "p", date(2026, 11, 20), owner="owner@example.org")

    class RefuseOwner(Recorder):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address == "owner@example.org":
                return "550 5.1.1 No such user"
            return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    with SmtpServer(RefuseOwner()) as server:
        result = nags.run_pass(engine, email_settings(server.port), utc(2026, 11, 25, 10))
    assert sorted((d.recipient, d.ok) for d in result.deliveries) == [("owner@example.org", False), ("team@example.org", True)]
    assert sorted((r.recipient, r.status) for r in outbox(engine)) == [("owner@example.org", "pending"), ("team@example.org", "sent")]


def test_bad_login_is_recorded_without_the_password(engine, monkeypatch, caplog):
    monkeypatch.setenv(PASSWORD_ENV, "not-" + SMTP_PASSWORD)
    add_prediction(engine, "p", date(2026, 11, 20))
    caplog.set_level("DEBUG")
    with SmtpServer(auth=True) as server:
        s = email_settings(server.port)
        s.mail.username, s.mail.password_env = SMTP_USER, PASSWORD_ENV
        [delivery] = nags.run_pass(engine, s, utc(2026, 11, 25, 10)).deliveries
    assert delivery.ok is False
    assert delivery.error.startswith(f"SMTP login as '{SMTP_USER}' refused by 127.0.0.1:{server.port}: 535")
    with db.session(engine) as session:
        stored = repr(nags.history(session, prediction_id="p"))
    for text in (stored, caplog.text, delivery.error):
        assert "not-" + SMTP_PASSWORD not in text and SMTP_PASSWORD not in text


def test_refused_connection_marks_nothing_sent(engine):
    add_prediction(engine, "p", date(2026, 11, 20))
    port = free_port()
    [delivery] = nags.run_pass(engine, email_settings(port), utc(2026, 11, 25, 10)).deliveries
    assert delivery.error == f"cannot connect to SMTP server 127.0.0.1:{port}: connection refused"
    assert [(r.status, r.attempts) for r in outbox(engine)] == [("pending", 1)]


def test_nags_that_fall_due_during_a_backoff_wait_for_it_and_go_out_together(engine):
    add_prediction(engine, "first", date(2026, 11, 20))
    recorder = Recorder(data_reply="421 4.3.2 Service shutting down")
    t = utc(2026, 11, 25, 10)
    with SmtpServer(recorder) as server:
        s = email_settings(server.port)
        [failed] = nags.run_pass(engine, s, t).deliveries
        assert failed.ok is False
        recorder.data_reply = None
        add_prediction(engine, "second", date(2026, 11, 24))
        assert nags.run_pass(engine, s, t + timedelta(minutes=2)).deliveries == []
        [row_first, row_second] = outbox(engine)
        assert (row_second.prediction_id, row_second.claimed_by, row_second.status) == ("second", None, "pending")
        [delivered] = nags.run_pass(engine, s, t + timedelta(minutes=5)).deliveries
    assert delivered.ok and delivered.items == 2
    [received] = server.messages
    assert digest_ids(received.text) == ["first", "second"]
