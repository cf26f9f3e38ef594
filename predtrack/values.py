"""Pure checks and readers for values a user types or a file holds: ids, tags, outcomes,
probabilities. No database and nothing heavy, so the file readers and the CLI can use them
without loading SQLAlchemy.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Iterable

from predtrack.errors import InvalidValue

OUTCOME_WORDS = ("yes", "no", "ambiguous", "annulled")
OUTCOME_ACCEPTED = "yes, no, ambiguous, annulled, or a number in [0, 1]"
PROBABILITY_ACCEPTED = "a number in [0, 1], a percentage such as 70%, or an estimative word such as 'likely'"
SOURCE_KINDS = ("person", "organisation", "outlet", "unknown")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
ID_ACCEPTED = "lowercase letters, digits and hyphens, starting with a letter or digit, at most 120 characters"
TAG_PATTERN = re.compile(r"^[\w][\w .:/+-]*$")
SLUG_WORDS = 8


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
