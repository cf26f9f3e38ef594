"""Pure checks and readers for values a user types or a file holds: ids, tags, outcomes,
probabilities, links and email addresses. No database and nothing heavy, so the file readers and the CLI can use them
without loading SQLAlchemy.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Iterable
from urllib.parse import urlsplit

from predtrack.errors import InvalidValue

OUTCOME_WORDS = ("yes", "no", "ambiguous", "annulled")
OUTCOME_ACCEPTED = "yes, no, ambiguous, annulled, or a number in [0, 1]"
PROBABILITY_ACCEPTED = "a number in [0, 1], a percentage such as 70%, or an estimative word such as 'likely'"
SOURCE_KINDS = ("person", "organisation", "outlet", "unknown")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
ID_ACCEPTED = "lowercase letters, digits and hyphens, starting with a letter or digit, at most 120 characters"
TAG_PATTERN = re.compile(r"^[\w][\w .:/+-]*$")
SLUG_WORDS = 8
URL_ACCEPTED = "an http(s) URL with a host, such as https://example.org/news"
EVIDENCE_ACCEPTED = f"{URL_ACCEPTED}, or seed:FILE for a seed article (which has no URL)"
EMAIL_ACCEPTED = "an email address such as name@example.org"
# A host name's labels: letters (any script), digits and inner hyphens; a trailing dot is a
# fully qualified name. IP literals pass too: [::1] through the `:` branch, 10.0.0.1 as labels.
_HOST_PATTERN = re.compile(r"(?:[^\W_](?:[\w-]*[^\W_])?)(?:\.[^\W_](?:[\w-]*[^\W_])?)*\.?|[0-9a-f:.]*:[0-9a-f:.]*", re.I)
# Deliberately plainer than RFC 5322: one bare address, the shape nags can mail, with no
# spaces, quotes, angle brackets or commas that could smuggle in a display name or a second
# recipient; the domain needs a dot (name@example.org).
_EMAIL_LABEL = r"[^\W_](?:(?:[^\W_]|-)*[^\W_])?"
_EMAIL_PATTERN = re.compile(rf"[^\s@<>()\[\],;:\"\\]+@{_EMAIL_LABEL}(?:\.{_EMAIL_LABEL})+")
_SEED_REFERENCE = re.compile(r"seed:[\w.-]+")


def parse_outcome(value: str | float | int | bool) -> tuple[str, float | None]:
    """An outcome as (text, value): yes -> ("yes", 1.0), "0.3" -> ("0.3", 0.3), ambiguous -> ("ambiguous", None)."""
    if isinstance(value, bool):  # YAML 1.1 readers turn `yes` into True
        return ("yes", 1.0) if value else ("no", 0.0)
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().lower()
        aliases = {"y": "yes", "true": "yes", "n": "no", "false": "no", "annul": "annulled", "void": "annulled"}
        text = aliases.get(text, text)
        if text in OUTCOME_WORDS:
            return text, {"yes": 1.0, "no": 0.0}.get(text)
        try:
            number = float(text)
        except ValueError:
            raise InvalidValue("outcome", value, OUTCOME_ACCEPTED) from None
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        raise InvalidValue("outcome", value, OUTCOME_ACCEPTED)
    if number == 1.0:
        return "yes", 1.0
    if number == 0.0:
        return "no", 0.0
    return format(number, "g"), number


def check_probability(value: float, field: str = "probability") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not 0.0 <= value <= 1.0:
        raise InvalidValue(field, value, PROBABILITY_ACCEPTED)
    return float(value)


def slug_words(text: str) -> list[str]:
    """The lower-case ASCII words of `text` for an id: accents folded ("Zürich" -> "zurich"),
    any other character a separator ("Meta’s AI—soon" -> meta, s, ai, soon)."""
    kept = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.category(char).startswith("M"):
            continue  # a combining accent: fold it into its letter
        kept.append(char if char.isascii() else " ")
    return re.findall(r"[a-z0-9]+", "".join(kept).lower())


def slugify(text: str) -> str:
    """A readable id from a claim: 'Meta acquires Replit by Q2 2027' -> 'meta-acquires-replit-by-q2-2027'."""
    slug = "-".join(slug_words(text)[:SLUG_WORDS])[:80].strip("-")
    return slug or "prediction"


def check_id(value: str) -> str:
    if not ID_PATTERN.match(value or ""):
        raise InvalidValue("id", value, ID_ACCEPTED)
    return value


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags lower-cased, stripped, without duplicates, in the order given; empty ones dropped."""
    cleaned: list[str] = []
    for tag in tags:
        tag = tag.strip().lower()
        if not tag:
            continue
        if len(tag) > 100 or not TAG_PATTERN.match(tag):
            raise InvalidValue("tag", tag, "letters, digits, spaces and . : / + - (at most 100 characters)")
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def check_url(field: str, text: str) -> str:
    """`text` stripped when it is an http or https URL with a host; InvalidValue naming `field` otherwise.

    A bare domain ("example.org/news") is refused rather than guessed at: the link is shown
    and followed as it is stored.
    """
    url = str(text).strip()
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError when the port is not a number in 0..65535
    except ValueError:
        raise InvalidValue(field, text, URL_ACCEPTED) from None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or not _HOST_PATTERN.fullmatch(parts.hostname)
        or any(char.isspace() or not char.isprintable() for char in url)
    ):
        raise InvalidValue(field, text, URL_ACCEPTED)
    return url


def check_evidence(field: str, text: str) -> str:
    """An evidence link: an http(s) URL as `check_url` accepts, or `seed:FILE`.

    The seed articles have no URL, so the reviewed predictions files cite them by file name.
    """
    link = str(text).strip()
    if _SEED_REFERENCE.fullmatch(link):
        return link
    try:
        return check_url(field, link)
    except InvalidValue:
        raise InvalidValue(field, text, EVIDENCE_ACCEPTED) from None


def check_email(field: str, text: str) -> str:
    """`text` stripped when it is one bare email address; InvalidValue naming `field` otherwise."""
    address = str(text).strip()
    if not _EMAIL_PATTERN.fullmatch(address):
        raise InvalidValue(field, text, EMAIL_ACCEPTED)
    return address
