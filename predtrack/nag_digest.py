"""Rendering a nag digest: subject, plain text, Markdown, HTML, and the email message.

Claim text and every other stored value only ever reach the message body (HTML-escaped there)
and, flattened to one line, the subject, whose value `email.policy.SMTP` encodes: no stored
value can add a header or a recipient.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from predtrack.mail import bare_address
from predtrack.nags import Digest, DigestItem

SUBJECT_CLAIM_CHARS = 90


@dataclass
class Rendered:
    subject: str
    text: str
    markdown: str
    html: str


def one_line(value: Any) -> str:
    """VALUE with every run of whitespace and control characters turned into one space."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]", " ", str(value)).split())


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def percent(probability: float) -> str:
    value = probability * 100
    return f"{value:.0f}%" if abs(value - round(value)) < 0.05 else f"{value:.1f}%"


def due_phrase(item: DigestItem) -> str:
    if item.days_overdue > 0:
        return f"{plural(item.days_overdue, 'day')} overdue"
    if item.days_overdue == 0:
        return "the deadline is today"
    return f"the deadline is in {plural(-item.days_overdue, 'day')}"


def forecast_phrase(forecast: dict[str, Any]) -> str:
    how = "stated" if forecast["kind"] == "stated" else "inferred"
    if forecast.get("text"):
        how += f" from \u201c{one_line(forecast['text'])}\u201d"
    return f"{one_line(forecast['source'])}: {percent(forecast['probability'])} ({how}, {forecast['stated'].isoformat()})"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md(value: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def summary(digest: Digest) -> str:
    parts = []
    if digest.overdue:
        parts.append(f"{plural(digest.overdue, 'prediction')} to resolve")
    if digest.upcoming:
        parts.append(f"{digest.upcoming} coming due")
    return ", ".join(parts) or "nothing due"


def subject(digest: Digest) -> str:
    if digest.total == 1 and digest.items:
        claim = one_line(digest.items[0].claim)
        if len(claim) > SUBJECT_CLAIM_CHARS:
            claim = claim[: SUBJECT_CLAIM_CHARS - 1].rstrip() + "\u2026"
        return f"[predtrack] {'Resolve' if digest.overdue else 'Coming due'}: {claim}"
    return f"[predtrack] {summary(digest)}"


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters.update(one_line=one_line, due_phrase=due_phrase, forecast_phrase=forecast_phrase, md=md)
    return env


def render(digest: Digest) -> Rendered:
    env = _environment()
    local = digest.local_now
    context = {
        "digest": digest,
        "subject": subject(digest),
        "summary": summary(digest),
        "heading": f"predtrack: {summary(digest)} (as of {local:%Y-%m-%d %H:%M} {digest.timezone})",
    }
    return Rendered(
        subject=context["subject"],
        text=env.get_template("nag_digest.txt.j2").render(context),
        markdown=env.get_template("nag_digest.md.j2").render(context),
        html=env.get_template("nag_digest.html.j2").render(context),
    )


def message_id(digest: Digest, sender: str) -> str:
    address = bare_address(sender) or ""
    domain = re.sub(r"[^A-Za-z0-9.-]", "", address.rpartition("@")[2]) or "predtrack.invalid"
    return f"<{digest.digest_id}@{domain}>"


def email_message(rendered: Rendered, digest: Digest, sender: str) -> EmailMessage:
    """A multipart/alternative (text + HTML) message; its Message-ID depends on the digest only."""
    message = EmailMessage(policy=SMTP)
    message["From"] = bare_address(sender) or one_line(sender)
    message["To"] = digest.recipient
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(digest.now)
    message["Message-ID"] = message_id(digest, sender)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def append_markdown(path: Path, rendered: Rendered, digest: Digest) -> None:
    """Add the digest to the day's file, which is created with a title on the first digest.

    The section goes in with one write to a file opened for appending, so a reader never sees
    half a digest; a new day's file appears whole through a rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    section = rendered.markdown if rendered.markdown.endswith("\n") else rendered.markdown + "\n"
    if not path.exists():
        title = f"# predtrack nags, {digest.local_now:%Y-%m-%d}\n"
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(title)
            try:
                os.link(temporary, path)  # fails if another process created the file meanwhile
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    with open(path, "a", encoding="utf-8") as out:
        out.write("\n" + section)
