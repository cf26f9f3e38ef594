"""Helpers shared by the nag tests: predictions made with the models, real SMTP servers.

No tests here. The SMTP servers are aiosmtpd Controllers on 127.0.0.1 with a free port; they
record every message they accept, and can require AUTH, speak TLS, refuse, or stall.
"""

from __future__ import annotations

import asyncio
import email
import re
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SMTP_USER = "nagger"
SMTP_PASSWORD = "s3cret-Pa55word"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def settings(channels=("stdout",), tmp_path: Path | None = None, **nag: Any):
    from predtrack.config import Settings

    s = Settings()
    s.nag.channels = list(channels)
    s.nag.timezone = nag.pop("timezone", "UTC")
    for key, value in nag.items():
        setattr(s.nag, key, value)
    if tmp_path is not None:
        s.reports_dir = tmp_path / "reports"
    return s


def mail_settings(s, port: int, to=("team@example.org",), **mail: Any):
    s.mail.host = "127.0.0.1"
    s.mail.port = port
    s.mail.sender = "nags@example.org"
    s.mail.to = list(to)
    s.mail.timeout = mail.pop("timeout", 5)
    for key, value in mail.items():
        setattr(s.mail, key, value)
    return s


def migrated_engine(url: str):
    from predtrack import db

    engine = db.create_engine_for(url)
    if db.current_revision(engine) != db.SCHEMA_HEAD:
        db.upgrade(engine, "head")
    return engine


def add_prediction(engine, prediction_id: str, deadline: date | None, *, owner: str | None = None, claim: str | None = None,
                   criteria: str | None = "An official announcement", forecasts=(("Jane Doe", 0.7),), **fields: Any) -> None:
    from sqlalchemy import select

    from predtrack import db
    from predtrack.models import Forecast, Prediction, Source

    with db.session(engine, write=True) as session:
        session.add(Prediction(id=prediction_id, claim=claim or f"Claim of {prediction_id}", criteria=criteria,
                               deadline=deadline, owner=owner, created_at=utc(2026, 1, 1), updated_at=utc(2026, 1, 1), **fields))
        session.flush()
        for name, probability in forecasts:
            source = session.execute(select(Source).where(Source.name == name)).scalar_one_or_none()
            if source is None:
                source = Source(name=name, kind="person")
                session.add(source)
                session.flush()
            session.add(Forecast(prediction_id=prediction_id, source_id=source.id, probability=probability,
                                 probability_kind="stated", stated=date(2026, 1, 1)))


def update_prediction(engine, prediction_id: str, **values: Any) -> None:
    from sqlalchemy import update

    from predtrack import db
    from predtrack.models import Prediction

    with db.session(engine, write=True) as session:
        session.execute(update(Prediction).where(Prediction.id == prediction_id).values(**values))


def outbox(engine) -> list:
    from sqlalchemy import select

    from predtrack import db
    from predtrack.models import NagOutbox

    with db.session(engine) as session:
        return list(session.execute(select(NagOutbox).order_by(NagOutbox.id)).scalars())


ITEM_ID = re.compile(r"^\s+id:\s+(\S+)\s*$", re.MULTILINE)


def digest_ids(text: str) -> list[str]:
    """The prediction ids listed in a plain-text digest."""
    return ITEM_ID.findall(text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Any
    raw: bytes

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


@dataclass
class Recorder:
    """An aiosmtpd handler: accepts and records, or answers RCPT/DATA with a set reply."""

    rcpt_reply: str | None = None
    data_reply: str | None = None
    stall_data: threading.Event | None = None  # when set: DATA waits until the event is set
    data_started: threading.Event = field(default_factory=threading.Event)
    messages: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        stall = self.stall_data
        if stall is not None:
            while not stall.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 gave up"
        if self.data_reply:
            return self.data_reply
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, envelope.original_content or envelope.content))
        return "250 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    if isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode():
        return AuthResult(success=True)
    # handled=False makes the server answer 535; a bare failure would leave the client hanging.
    return AuthResult(success=False, handled=False)


class SmtpServer:
    """A real SMTP server on 127.0.0.1: `with SmtpServer(auth=True) as server: server.port`."""

    def __init__(self, recorder: Recorder | None = None, *, auth: bool = False, tls_context=None, implicit_tls=None):
        from aiosmtpd.controller import Controller

        self.recorder = recorder or Recorder()
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if auth:
            # With STARTTLS the server refuses AUTH before TLS, as real servers do.
            kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=tls_context is not None)
        if tls_context is not None:
            kwargs.update(tls_context=tls_context, require_starttls=True)
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, ssl_context=implicit_tls, **kwargs)

    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.recorder.stall_data is not None:
            self.recorder.stall_data.set()
        self.controller.stop()


class SilentServer:
    """Accepts TCP connections and never says a word: an SMTP server that times out."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def __enter__(self) -> "SilentServer":
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with the openssl command."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def tls_contexts(directory: Path):
    """(server context, client context that trusts the server's certificate)."""
    import ssl

    cert, key = self_signed_certificate(directory)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


def write_config(path: Path, *, port: int | None = None, channels=("email",), to=("team@example.org",), extra: str = "") -> Path:
    lines = ["[user]", 'name = "tester"', "", "[nag]", f"channels = {list(channels)!r}".replace("'", '"'), 'timezone = "UTC"', "hour = 9", ""]
    if port is not None:
        lines += ["[mail]", 'host = "127.0.0.1"', f"port = {port}", 'from = "nags@example.org"',
                  f"to = {list(to)!r}".replace("'", '"'), "timeout = 10", ""]
    lines += ["[reports]", f'dir = "{path.parent / "reports"}"', "", extra]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_predtrack(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "predtrack", *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=str(REPO))
