"""SMTP delivery: plain, STARTTLS or implicit TLS (`ssl`), with AUTH when a username is set.

Credentials: the password is read from the environment variable that `[mail] password_env`
names, only when connecting. It never reaches a log line or an error message: every failure
is rebuilt as a MailError from the server's reply code and text, with the password scrubbed
out in case a server echoes it, and without the original exception chained.

One MailSender keeps one connection open across the digests of a pass and reconnects after a
failure, so a pass with fifty recipients does not open fifty connections.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import parseaddr

from predtrack.config import MailSettings, Settings
from predtrack.errors import ConfigError, PredtrackError


class MailError(PredtrackError):
    """An SMTP delivery failed (refused, timed out, 4xx/5xx, bad login); the message is safe to log."""


def bare_address(text: str | None) -> str | None:
    """The single address in TEXT ("a@b.org" or "Ann <a@b.org>"), or None when TEXT is not one.

    CR, LF and other control characters make a value unusable: that is what keeps a stored
    owner or a config entry from smuggling extra headers or recipients into a message.
    """
    if not text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    _name, address = parseaddr(text)
    address = address.strip()
    if address.count("@") != 1 or " " in address or address.startswith("@") or address.endswith("@"):
        return None
    return address


def check_mail_settings(settings: Settings, channels: list[str] | None = None) -> None:
    """Raise ConfigError naming what is missing when the email channel is on; else do nothing.

    Called by `predtrack nag` and `predtrack schedule` before anything else, so that a
    half-configured [mail] section fails at start-up rather than at the first nag.
    """
    channels = settings.nag.channels if channels is None else channels
    if "email" not in channels:
        return
    mail = settings.mail
    hint = "the email channel is on ([nag] channels or --channel)"
    if not mail.host:
        raise ConfigError(f"[mail] host is missing: {hint}; set it in the config file or PREDTRACK_MAIL_HOST")
    if not mail.sender:
        raise ConfigError(f"[mail] from is missing: {hint}; set it in the config file or PREDTRACK_MAIL_FROM")
    if bare_address(mail.sender) is None:
        raise ConfigError(f"invalid [mail] from {mail.sender!r}: expected one email address such as nags@example.org")
    for entry in mail.to:
        if bare_address(entry) is None:
            raise ConfigError(f"invalid [mail] to entry {entry!r}: expected an email address such as team@example.org")
    for entry in settings.nag.escalate_to:
        if bare_address(entry) is None:
            raise ConfigError(f"invalid [nag] escalate_to entry {entry!r}: expected an email address such as lead@example.org")
    if not 0 < mail.port < 65536:
        raise ConfigError(f"invalid [mail] port {mail.port!r}: expected 1 to 65535")
    if mail.ssl and mail.starttls:
        raise ConfigError(
            "invalid [mail] settings: ssl and starttls are both true: expected one of them "
            "(ssl for implicit TLS, usually port 465; starttls, usually port 587)"
        )
    if mail.timeout <= 0:
        raise ConfigError(f"invalid [mail] timeout {mail.timeout!r}: expected seconds greater than 0")
    if mail.password_env and not mail.username:
        raise ConfigError("[mail] username is missing: password_env is set, and AUTH needs a username")
    if mail.username:
        if not mail.password_env:
            raise ConfigError(
                "[mail] password_env is missing: username is set; name the environment variable "
                "that holds the SMTP password (e.g. password_env = \"PREDTRACK_SMTP_PASSWORD\")"
            )
        if mail.password() is None:
            raise ConfigError(
                f"the environment variable {mail.password_env} ([mail] password_env) is not set: "
                "it must hold the SMTP password"
            )


class MailSender:
    """Sends messages through the configured SMTP server; raises MailError on any failure."""

    def __init__(self, mail: MailSettings, tls_context: ssl.SSLContext | None = None):
        self.mail = mail
        # Tests hand in a context that trusts their own certificate; users get the system's.
        self.tls_context = tls_context
        self._smtp: smtplib.SMTP | None = None
        # Once connecting or logging in has failed, the rest of the pass fails at once with the
        # same error instead of waiting out one timeout per recipient.
        self._cannot_connect: str | None = None

    @property
    def where(self) -> str:
        return f"{self.mail.host}:{self.mail.port}"

    def __enter__(self) -> "MailSender":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Deliver MESSAGE to RECIPIENT (the envelope recipient; headers are the caller's)."""
        if self._cannot_connect is not None:
            raise MailError(self._cannot_connect)
        password = self.mail.password()
        connected = False
        try:
            smtp = self._connection(password)
            connected = True
            smtp.send_message(message, from_addr=bare_address(self.mail.sender), to_addrs=[recipient])
        except Exception as exc:  # noqa: BLE001 - every failure becomes one safe MailError
            self._drop()
            error = _scrub(self._describe(exc, recipient), password)
            if not connected:
                self._cannot_connect = error
            raise MailError(error) from None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except Exception:  # noqa: BLE001 - the server may already have gone
                smtp.close()

    def _context(self) -> ssl.SSLContext:
        return self.tls_context or ssl.create_default_context()

    def _connection(self, password: str | None) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        host, port, timeout = self.mail.host or "", self.mail.port, self.mail.timeout
        if self.mail.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=self._context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            smtp.ehlo()
            if self.mail.starttls:
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.mail.username:
                smtp.login(self.mail.username, password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except Exception:  # noqa: BLE001
                pass

    def _describe(self, exc: Exception, recipient: str) -> str:
        where = self.where
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return f"SMTP login as {self.mail.username!r} refused by {where}: {_reply(exc)}"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            replies = "; ".join(f"{addr}: {_reply_parts(*reply)}" for addr, reply in exc.recipients.items())
            return f"SMTP server {where} refused the recipient: {replies or recipient}"
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return f"SMTP server {where} refused the sender {exc.sender!r}: {_reply(exc)}"
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return f"SMTP server {where} does not support what [mail] asks for: {exc}"
        if isinstance(exc, smtplib.SMTPResponseException):
            return f"SMTP server {where} answered {_reply(exc)}"
        if isinstance(exc, (socket.timeout, TimeoutError)) or isinstance(exc.__context__, (socket.timeout, TimeoutError)):
            return f"SMTP server {where} did not answer within {self.mail.timeout:g} s"
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return f"SMTP server {where} closed the connection unexpectedly"
        if isinstance(exc, ssl.SSLError):
            return f"TLS with SMTP server {where} failed: {exc.reason or exc}"
        if isinstance(exc, ConnectionRefusedError):
            return f"cannot connect to SMTP server {where}: connection refused"
        if isinstance(exc, socket.gaierror):
            return f"cannot connect to SMTP server {where}: unknown host"
        if isinstance(exc, OSError):
            return f"cannot connect to SMTP server {where}: {exc.strerror or exc}"
        return f"sending through SMTP server {where} failed: {type(exc).__name__}: {exc}"


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _reply_parts(exc.smtp_code, exc.smtp_error)


def _reply_parts(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}"


def _scrub(text: str, password: str | None) -> str:
    if password:
        text = text.replace(password, "***")
    return text
