"""SMTP delivery against real aiosmtpd servers: AUTH, STARTTLS, implicit TLS, every kind of failure."""

from __future__ import annotations

import logging
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_nags_support import (  # noqa: E402
    SMTP_PASSWORD,
    SMTP_USER,
    Recorder,
    SilentServer,
    SmtpServer,
    free_port,
    mail_settings,
    settings,
    tls_contexts,
)

from predtrack.errors import ConfigError  # noqa: E402
from predtrack.mail import MailError, MailSender, bare_address, check_mail_settings  # noqa: E402

PASSWORD_ENV = "PREDTRACK_TEST_SMTP_PASSWORD"
# The test servers allow AUTH without TLS on 127.0.0.1; aiosmtpd rightly warns about it elsewhere.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _message(subject: str = "hello") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "nags@example.org"
    message["To"] = "team@example.org"
    message["Subject"] = subject
    message.set_content("body text")
    return message


def _mail(port: int, **extra):
    return mail_settings(settings(channels=["email"]), port, **extra).mail


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, SMTP_PASSWORD)
    return SMTP_PASSWORD


def test_plain_send_reaches_the_envelope_recipient_only():
    with SmtpServer() as server, MailSender(_mail(server.port)) as sender:
        sender.send(_message(), "owner@example.org")
    [received] = server.messages
    assert received.rcpt_tos == ["owner@example.org"]
    assert received.mail_from == "nags@example.org"
    assert received.message["Subject"] == "hello"


def test_auth_login_with_the_password_from_the_named_variable(password):
    with SmtpServer(auth=True) as server, MailSender(_mail(server.port, username=SMTP_USER, password_env=PASSWORD_ENV)) as sender:
        sender.send(_message("one"), "a@example.org")
        sender.send(_message("two"), "b@example.org")  # same connection, still logged in
    assert [m.message["Subject"] for m in server.messages] == ["one", "two"]


def test_server_requiring_auth_refuses_a_sender_without_username():
    with SmtpServer(auth=True) as server, MailSender(_mail(server.port)) as sender:
        with pytest.raises(MailError) as caught:
            sender.send(_message(), "a@example.org")
    assert "530" in str(caught.value)
    assert server.messages == []


def test_bad_login_is_a_clear_error_without_the_password(monkeypatch, caplog):
    monkeypatch.setenv(PASSWORD_ENV, "wrong-" + SMTP_PASSWORD)
    caplog.set_level(logging.DEBUG)
    with SmtpServer(auth=True) as server, MailSender(_mail(server.port, username=SMTP_USER, password_env=PASSWORD_ENV, timeout=5)) as sender:
        with pytest.raises(MailError) as caught:
            sender.send(_message(), "a@example.org")
    message = str(caught.value)
    assert message.startswith(f"SMTP login as '{SMTP_USER}' refused by 127.0.0.1:{server.port}: 535")
    assert SMTP_PASSWORD not in message and "wrong-" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert SMTP_PASSWORD not in caplog.text
    assert server.messages == []


def test_starttls_then_auth(tmp_path, password):
    server_tls, client_tls = tls_contexts(tmp_path)
    mail = _mail(0, username=SMTP_USER, password_env=PASSWORD_ENV, starttls=True)
    with SmtpServer(auth=True, tls_context=server_tls) as server:
        mail.port = server.port
        with MailSender(mail, tls_context=client_tls) as sender:
            sender.send(_message("over tls"), "a@example.org")
    assert [m.message["Subject"] for m in server.messages] == ["over tls"]


def test_starttls_refuses_a_certificate_it_does_not_trust(tmp_path, password):
    server_tls, _client = tls_contexts(tmp_path)
    mail = _mail(0, starttls=True)
    with SmtpServer(tls_context=server_tls) as server:
        mail.port = server.port
        with MailSender(mail) as sender, pytest.raises(MailError) as caught:
            sender.send(_message(), "a@example.org")
    assert str(caught.value).startswith(f"TLS with SMTP server 127.0.0.1:{server.port} failed")
    assert server.messages == []


def test_implicit_tls(tmp_path, password):
    server_tls, client_tls = tls_contexts(tmp_path)
    mail = _mail(0, username=SMTP_USER, password_env=PASSWORD_ENV, ssl=True)
    with SmtpServer(auth=True, implicit_tls=server_tls) as server:
        mail.port = server.port
        with MailSender(mail, tls_context=client_tls) as sender:
            sender.send(_message("ssl"), "a@example.org")
    assert [m.message["Subject"] for m in server.messages] == ["ssl"]


@pytest.mark.parametrize(
    ("recorder", "expected"),
    [
        (Recorder(rcpt_reply="450 4.2.1 Mailbox busy, try later"), "refused the recipient: a@example.org: 450 4.2.1 Mailbox busy, try later"),
        (Recorder(rcpt_reply="550 5.1.1 No such user"), "refused the recipient: a@example.org: 550 5.1.1 No such user"),
        (Recorder(data_reply="451 4.3.0 Temporary failure"), "answered 451 4.3.0 Temporary failure"),
        (Recorder(data_reply="554 5.6.0 Message rejected"), "answered 554 5.6.0 Message rejected"),
    ],
    ids=["rcpt-4xx", "rcpt-5xx", "data-4xx", "data-5xx"],
)
def test_server_replies_become_mail_errors(recorder, expected):
    with SmtpServer(recorder) as server, MailSender(_mail(server.port)) as sender:
        with pytest.raises(MailError) as caught:
            sender.send(_message(), "a@example.org")
        # The sender reconnects after a failure: the next message goes through a fresh session.
        recorder.rcpt_reply = recorder.data_reply = None
        sender.send(_message("after"), "a@example.org")
    assert expected in str(caught.value)
    assert [m.message["Subject"] for m in server.messages] == ["after"]


def test_connection_refused():
    port = free_port()  # nothing listens there
    with MailSender(_mail(port)) as sender, pytest.raises(MailError) as caught:
        sender.send(_message(), "a@example.org")
    assert str(caught.value) == f"cannot connect to SMTP server 127.0.0.1:{port}: connection refused"


def test_timeout():
    with SilentServer() as server, MailSender(_mail(server.port, timeout=0.5)) as sender:
        with pytest.raises(MailError) as caught:
            sender.send(_message(), "a@example.org")
    assert str(caught.value) == f"SMTP server 127.0.0.1:{server.port} did not answer within 0.5 s"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a@example.org", "a@example.org"),
        ("Ann Smith <a@example.org>", "a@example.org"),
        ("a@example.org\r\nBcc: evil@example.org", None),
        ("a@example.org\nBcc: evil@example.org", None),
        ("not an address", None),
        ("a@b@example.org", None),
        ("", None),
    ],
)
def test_bare_address(value, expected):
    assert bare_address(value) == expected


def _email_settings(**mail):
    s = settings(channels=["email"])
    s.mail.host = mail.pop("host", "smtp.example.org")
    s.mail.sender = mail.pop("sender", "nags@example.org")
    s.mail.to = mail.pop("to", ["team@example.org"])
    for key, value in mail.items():
        setattr(s.mail, key, value)
    return s


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"host": None}, "[mail] host is missing: the email channel is on ([nag] channels or --channel); set it in the config file or PREDTRACK_MAIL_HOST"),
        ({"sender": None}, "[mail] from is missing: the email channel is on ([nag] channels or --channel); set it in the config file or PREDTRACK_MAIL_FROM"),
        ({"sender": "nags"}, "invalid [mail] from 'nags': expected one email address such as nags@example.org"),
        ({"to": ["team"]}, "invalid [mail] to entry 'team': expected an email address such as team@example.org"),
        ({"ssl": True, "starttls": True}, "invalid [mail] settings: ssl and starttls are both true"),
        ({"username": "u"}, "[mail] password_env is missing: username is set"),
        ({"username": "u", "password_env": "PREDTRACK_TEST_UNSET_PASSWORD"},
         "the environment variable PREDTRACK_TEST_UNSET_PASSWORD ([mail] password_env) is not set: it must hold the SMTP password"),
        ({"port": 0}, "invalid [mail] port 0: expected 1 to 65535"),
    ],
)
def test_check_mail_settings_names_what_is_missing(change, message, monkeypatch):
    monkeypatch.delenv("PREDTRACK_TEST_UNSET_PASSWORD", raising=False)
    with pytest.raises(ConfigError) as caught:
        check_mail_settings(_email_settings(**change))
    assert str(caught.value).startswith(message)


def test_check_mail_settings_passes_complete_settings_and_ignores_mail_when_email_is_off(password):
    check_mail_settings(_email_settings(username=SMTP_USER, password_env=PASSWORD_ENV))
    check_mail_settings(settings(channels=["markdown", "stdout"]))  # no [mail] at all: fine
    with pytest.raises(ConfigError):
        check_mail_settings(settings(channels=["markdown"]), channels=["email"])


def test_after_a_failed_connection_the_next_sends_fail_at_once():
    import time

    with SilentServer() as server, MailSender(_mail(server.port, timeout=1)) as sender:
        with pytest.raises(MailError):
            sender.send(_message(), "a@example.org")
        started = time.monotonic()
        with pytest.raises(MailError) as caught:
            sender.send(_message(), "b@example.org")
        assert time.monotonic() - started < 0.5
    assert str(caught.value) == f"SMTP server 127.0.0.1:{server.port} did not answer within 1 s"
