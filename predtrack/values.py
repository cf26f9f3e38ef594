"""Pure checks and readers for values a user types or a file holds: ids, tags, outcomes,
probabilities, links, email addresses and free text. No database and nothing heavy, so the file readers and the CLI can use them
without loading SQLAlchemy.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Iterable
from urllib.parse import urlsplit

from predtrack.errors import InvalidValue

# The widths of the VARCHAR columns that hold text a user gives, by table.column. SQLite
# ignores a VARCHAR's width while PostgreSQL refuses a longer value with a raw driver error, so
# every reader checks these before anything is written: one file, one behaviour on both.
# models.py and migrations/ declare the same numbers; tests/test_text_limits.py compares them
# with the tables so that they cannot drift apart.
COLUMN_LENGTHS = {
    "prediction.id": 120,
    "prediction.owner": 320,
    "prediction_tag.tag": 100,
    "source.name": 200,
    "source_alias.alias": 200,
    "article.url": 2000,
    "article.outlet": 200,
    "article.author": 200,
    "article.seed": 200,
    "forecast.probability_text": 200,
    "resolution.recorded_by": 200,
    "event.actor": 200,
}

OUTCOME_WORDS = ("yes", "no", "ambiguous", "annulled")
OUTCOME_ACCEPTED = "yes, no, ambiguous, annulled, or a number in [0, 1]"
PROBABILITY_ACCEPTED = "a number in [0, 1], a percentage such as 70%, or an estimative word such as 'likely'"
SOURCE_KINDS = ("person", "organisation", "outlet", "unknown")
# Matched whole (fullmatch): with `$`, a trailing newline would slip through.
ID_PATTERN = re.compile(rf"[a-z0-9][a-z0-9-]{{0,{COLUMN_LENGTHS['prediction.id'] - 1}}}")
ID_ACCEPTED = (f"lowercase letters, digits and hyphens, starting with a letter or digit, "
               f"at most {COLUMN_LENGTHS['prediction.id']} characters")
TAG_PATTERN = re.compile(r"[\w][\w .:/+-]*")
TAG_ACCEPTED = f"letters, digits, spaces and . : / + - (at most {COLUMN_LENGTHS['prediction_tag.tag']} characters)"
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
# What no text may hold: control characters (C0, DEL, C1; PostgreSQL refuses NUL outright) and
# unpaired surrogates (not Unicode: neither database driver can encode them). One-line values
# refuse every control character and the Unicode line and paragraph separators as well;
# multi-line text keeps tab, line feed and carriage return (a CSV saved on Windows ends its
# lines inside a quoted cell with CR LF).
_SINGLE_LINE_REFUSED = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_MULTILINE_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CHARACTER_NAMES = {"\x00": "NUL", "\t": "a tab", "\n": "a line break", "\r": "a carriage return",
                    "\u2028": "a line separator", "\u2029": "a paragraph separator"}
# An error shows a long value by its start: a refused 2,000-character url should not fill the screen.
_SHOWN_LENGTH = 80
_EXCERPT_LENGTH = 40


def shown(value: object) -> object:
    """`value` as an error message quotes it: a text longer than 80 characters cut to its first 40 and '...'."""
    if isinstance(value, str) and len(value) > _SHOWN_LENGTH:
        return value[:_EXCERPT_LENGTH] + "..."
    return value


def text_accepted(max_length: int | None, multiline: bool) -> str:
    """What `check_text` accepts, in words, for the `expected ...` of its errors."""
    if not multiline:
        size = f"one line of at most {max_length} characters" if max_length is not None else "one line of text"
        return f"{size}, without control characters"
    size = f"text of at most {max_length} characters" if max_length is not None else "text"
    return f"{size} without control characters other than tab and line breaks"


def check_text(field: str, value: str | None, max_length: int | None = None, multiline: bool = False) -> str | None:
    """`value` unchanged when both databases can store it as the same text; InvalidValue naming `field` otherwise.

    Refused: control characters (NUL above all, which PostgreSQL cannot store) and unpaired
    surrogates; in a one-line value (`multiline` false: names, tags, ids, links) also tabs and
    line breaks; and more than `max_length` characters, the width of the column that holds it
    (see COLUMN_LENGTHS), which SQLite would store and PostgreSQL refuse. The message says
    which character was found where, or how long the value is. None passes as None.
    """
    if value is None:
        return None
    found = (_MULTILINE_REFUSED if multiline else _SINGLE_LINE_REFUSED).search(value)
    if found is not None:
        char = found.group()
        name = _CHARACTER_NAMES.get(char)
        if name is None:
            name = "an unpaired surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
        raise InvalidValue(field, shown(value), f"{text_accepted(max_length, multiline)}; found {name} "
                                                f"(U+{ord(char):04X}) at character {found.start() + 1}")
    if max_length is not None and len(value) > max_length:
        raise InvalidValue(field, shown(value), f"{text_accepted(max_length, multiline)}; it has {len(value)} characters")
    return value



def check_lookup(field: str, value: str | None) -> str | None:
    """A name, id or search text to look up, refused only when no database could be asked about it (a NUL).

    It is not held to the rule for new values (one line, the column's width): a name stored
    before those rules were checked must stay reachable, to be renamed or merged away.
    """
    return check_text(field, value, None, multiline=True)

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
    if not ID_PATTERN.fullmatch(value or ""):
        raise InvalidValue("id", shown(value), ID_ACCEPTED)
    return value


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags lower-cased, stripped, without duplicates, in the order given; empty ones dropped."""
    cleaned: list[str] = []
    for tag in tags:
        tag = tag.strip().lower()
        if not tag:
            continue
        if len(tag) > COLUMN_LENGTHS["prediction_tag.tag"] or not TAG_PATTERN.fullmatch(tag):
            raise InvalidValue("tag", shown(tag), TAG_ACCEPTED)
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError when the port is not a number in 0..65535
    except ValueError:
        return False
    return bool(
        parts.scheme.lower() in ("http", "https")
        and parts.hostname
        and _HOST_PATTERN.fullmatch(parts.hostname)
        and not any(char.isspace() or not char.isprintable() for char in url)
    )


def _check_link_length(field: str, link: str, accepted: str) -> str:
    """Every link fits an article's url column: a CSV url cell is an article's on one row and evidence on another."""
    limit = COLUMN_LENGTHS["article.url"]
    if len(link) > limit:
        raise InvalidValue(field, shown(link), f"{accepted}, at most {limit} characters; it has {len(link)} characters")
    return link


def check_url(field: str, text: str) -> str:
    """`text` stripped when it is an http or https URL with a host, of at most 2000 characters;
    InvalidValue naming `field` otherwise.

    A bare domain ("example.org/news") is refused rather than guessed at: the link is shown
    and followed as it is stored.
    """
    url = str(text).strip()
    if not _is_http_url(url):
        raise InvalidValue(field, shown(text), URL_ACCEPTED)
    return _check_link_length(field, url, URL_ACCEPTED)


def check_evidence(field: str, text: str) -> str:
    """An evidence link: an http(s) URL as `check_url` accepts, or `seed:FILE`.

    The seed articles have no URL, so the reviewed predictions files cite them by file name.
    """
    link = str(text).strip()
    if not (_SEED_REFERENCE.fullmatch(link) or _is_http_url(link)):
        raise InvalidValue(field, shown(text), EVIDENCE_ACCEPTED)
    return _check_link_length(field, link, EVIDENCE_ACCEPTED)


def check_email(field: str, text: str) -> str:
    """`text` stripped when it is one bare email address of at most 320 characters; InvalidValue naming `field` otherwise."""
    address = str(text).strip()
    # The pattern's local part takes any character but a few; control characters (NUL) are not addresses either.
    if not _EMAIL_PATTERN.fullmatch(address) or not address.isprintable():
        raise InvalidValue(field, shown(text), EMAIL_ACCEPTED)
    limit = COLUMN_LENGTHS["prediction.owner"]
    if len(address) > limit:
        raise InvalidValue(field, shown(text), f"{EMAIL_ACCEPTED}, at most {limit} characters; it has {len(address)} characters")
    return address
