"""Reading an article: bytes to plain text (one block per line), with the title, byline,
outlet, url and published date the article states about itself.

Pure: bytes in, an `Article` out; no network. `extract` finds forecasts in the text. The
paragraph sentence splitter lives here, not in `extract`, because the title guess needs it and
this module must not import `extract` (which builds on this one: the splitter, the dateline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html import unescape as html_unescape
from html.parser import HTMLParser

from predtrack.errors import PredtrackError

# --------------------------------------------------------------------------------------
# Errors


class UnreadableArticle(PredtrackError):
    """The article is empty, binary, or not text in any encoding we can read."""


# --------------------------------------------------------------------------------------
# Reading an article: bytes -> text (+ what the page says about itself)


@dataclass
class Article:
    """An article as plain text (one block per line) with what it says about itself."""

    text: str
    title: str | None = None
    author: str | None = None
    outlet: str | None = None
    published: date | None = None
    published_text: str | None = None
    url: str | None = None
    is_html: bool = False


# Bytes that never appear in text; a few in a file mean it is binary or mis-decoded.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def decode_article(data: bytes) -> str:
    """Bytes to text: a BOM wins, then UTF-8, then the charset an HTML page declares, then
    Windows-1252 (what most non-UTF-8 English web text is). Binary data is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableArticle("the article is not text: it starts like UTF-16 but does not decode") from None
    if b"\x00" in data:
        raise UnreadableArticle("the article is binary (it contains NUL bytes), not text or HTML")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
        declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", data[:4096], re.I)
        for encoding in ([declared.group(1).decode("ascii")] if declared else []) + ["cp1252"]:
            try:
                text = data.decode(encoding)
                break
            except (UnicodeDecodeError, LookupError):
                continue
        if text is None:
            raise UnreadableArticle("the article is not text: it is neither UTF-8 nor Windows-1252")
    sample = text[:20000]
    if sample and len(_CONTROL_CHARS.findall(sample)) > max(2, len(sample) // 100):
        raise UnreadableArticle("the article is binary (too many control characters), not text or HTML")
    return text


_HTML_SIGNS = re.compile(r"<(?:!doctype\s+html|html|head|body|article|p|div|h[1-6]|br|title|meta)\b", re.I)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_SIGNS.search(text[:5000]))


class _TextFromHTML(HTMLParser):
    """Visible text with one block per line; keeps the title, byline and date the page declares."""

    SKIP = {"script", "style", "noscript", "template", "svg", "nav", "aside", "footer", "form", "button", "select", "iframe", "head"}
    BLOCK = {
        "p", "div", "section", "article", "main", "header", "br", "li", "ul", "ol", "tr", "td", "th",
        "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figure", "figcaption",
        "dd", "dt", "dl", "hr", "address", "caption",
    }
    VOID = {"br", "hr", "img", "meta", "link", "input", "source", "area", "base", "col", "embed", "wbr", "track", "param"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.skip_stack: list[str] = []
        self.in_title = False
        self.title_parts: list[str] = []
        self.in_h1 = False
        self.h1_parts: list[str] = []
        self.h1: str | None = None
        self.meta: dict[str, str] = {}
        self.time_datetime: str | None = None
        self.in_ld_json = False
        self.ld_json: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and "content" in a and key not in self.meta:
                self.meta[key] = a["content"].strip()
            return
        if tag == "link" and "canonical" in a.get("rel", "").lower() and a.get("href"):
            self.meta.setdefault("canonical", a["href"])
            return
        if tag == "title":
            self.in_title = True
            return
        if tag == "script" and "ld+json" in a.get("type", "").lower():
            self.in_ld_json = True
        if tag == "body" and "head" in self.skip_stack:
            # </head> is optional in HTML: the body ends the head either way.
            self.skip_stack.remove("head")
            self.skip_depth -= 1
        if tag == "time" and a.get("datetime") and self.time_datetime is None:
            self.time_datetime = a["datetime"]
        if tag in self.SKIP and tag not in self.VOID:
            self.skip_depth += 1
            self.skip_stack.append(tag)
            return
        if tag == "h1" and self.h1 is None:
            self.in_h1 = True
        if tag in self.BLOCK and not self.skip_depth:
            self.parts.append("\n")
        if tag == "li" and not self.skip_depth:
            self.parts.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
            return
        if tag == "script":
            self.in_ld_json = False
        if self.skip_stack and tag == self.skip_stack[-1]:
            self.skip_stack.pop()
            self.skip_depth -= 1
            return
        if tag == "h1" and self.in_h1:
            self.in_h1 = False
            self.h1 = " ".join("".join(self.h1_parts).split()) or None
        if tag in self.BLOCK and not self.skip_depth:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.in_ld_json:
            self.ld_json.append(data)
            return
        if self.skip_depth:
            return
        if self.in_h1:
            self.h1_parts.append(data)
        self.parts.append(data)

    def text(self) -> str:
        lines = [" ".join(line.split()) for line in "".join(self.parts).split("\n")]
        return "\n".join(line for line in lines if line)


def read_article(data: bytes) -> Article:
    """Bytes of a plain-text or HTML article to an Article; raise UnreadableArticle."""
    if not data.strip():
        raise UnreadableArticle("the article is empty")
    raw = decode_article(data).replace("\r\n", "\n").replace("\r", "\n")
    if looks_like_html(raw):
        article = _article_from_html(raw)
    else:
        article = _article_from_text(raw)
    if not article.text.strip():
        raise UnreadableArticle("the article has no text (nothing left after removing markup)")
    return article


def _article_from_html(raw: str) -> Article:
    parser = _TextFromHTML()
    try:
        parser.feed(raw)
        parser.close()
    except Exception:  # html.parser is lenient; this is only a guard against odd input
        pass
    text = parser.text()
    meta = parser.meta
    title = meta.get("og:title") or parser.h1 or " ".join("".join(parser.title_parts).split()) or None
    ld = "".join(parser.ld_json)
    author = meta.get("author") or meta.get("article:author") or meta.get("byl") or _json_name(ld, "author") or None
    if author and author.lower().startswith("by "):
        author = author[3:].strip()
    if author and author.startswith("http"):
        author = None
    outlet = meta.get("og:site_name") or meta.get("application-name") or _json_name(ld, "publisher") or None
    url = meta.get("og:url") or meta.get("canonical") or None
    published, published_text = None, None
    for candidate in (
        meta.get("article:published_time"),
        meta.get("datepublished"),
        meta.get("date"),
        meta.get("dc.date"),
        meta.get("pubdate"),
        _json_date(ld, "datePublished"),
        parser.time_datetime,
    ):
        published = _iso_prefix_date(candidate)
        if published:
            published_text = candidate
            break
    from_text = _article_from_text(text)
    if published is None:
        published, published_text = from_text.published, from_text.published_text
    return Article(
        text=text,
        title=title or from_text.title,
        author=author or from_text.author,
        outlet=outlet,
        published=published,
        published_text=published_text,
        url=url,
        is_html=True,
    )


def _json_name(ld: str, key: str) -> str | None:
    """`"author": {"name": "Jo"}`, `"author": [{"name": "Jo"}]` or `"author": "Jo"` in JSON-LD."""
    found = re.search(r'"%s"\s*:\s*(?:\[\s*)?(?:\{[^{}]*?"name"\s*:\s*"([^"]+)"|"([^"]+)")' % key, ld)
    if not found:
        return None
    name = html_unescape(found.group(1) or found.group(2)).strip()
    return None if name.startswith("http") else name or None


def _json_date(ld: str, key: str) -> str | None:
    found = re.search(r'"%s"\s*:\s*"([^"]+)"' % key, ld)
    return found.group(1) if found else None


def _iso_prefix_date(value: str | None) -> date | None:
    if not value:
        return None
    found = re.match(r"\s*(\d{4}-\d{2}-\d{2})", value)
    if not found:
        return None
    try:
        return date.fromisoformat(found.group(1))
    except ValueError:
        return None


# Lines that are site chrome, never a title.
_CHROME = re.compile(
    r"^(?:skip to (?:main )?content|faq|menu|home|search|subscribe|sign in|log in|share|advertisement|"
    r"comments?|loading comments.*|add a comment|discussion|related stories|more in \w+|\d+ min read)$",
    re.I,
)


def _article_from_text(raw: str) -> Article:
    lines = [" ".join(line.split()) for line in raw.split("\n")]
    head = [line for line in lines if line][:15]
    return Article(
        text="\n".join(lines).strip(),
        title=_guess_title(head),
        author=_find_byline(head),
        published=(found := find_published_date(lines))[0],
        published_text=found[1],
    )


def _guess_title(head: list[str]) -> str | None:
    for line in head[:8]:
        if _CHROME.match(line) or _BYLINE.match(line) or _DATE_LINE.match(line):
            continue
        words = line.split()
        if 3 <= len(words) <= 25 and not line.endswith((".", ":")):
            return line
    for line in head:
        if not _CHROME.match(line):
            first = split_sentences(line)
            title = first[0] if first else line
            return title if len(title) <= 150 else title[:147].rstrip() + "..."
    return None


_BYLINE = re.compile(
    r"^(?:by|written by|words by|story by)\s+"
    r"(?P<name>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|del|van|von|der|da|di|la|le|bin|al|and|&))*)",
    re.I,
)


def _find_byline(head: list[str]) -> str | None:
    for line in head:
        found = _BYLINE.match(line)
        if found is None:
            # "Posted on 15 October 2024 by Jo Writer", "April 8, 2026 | By Jo Writer"
            later = re.search(r"(?:[|·•]\s*|\d{4},?\s+|\bposted\b[^|]*?\s)(by\s.*)$", line, re.I)
            found = _BYLINE.match(later.group(1)) if later else None
        if found:
            name = re.sub(r"\s+(?:and|&)$", "", found.group("name")).strip()
            # "By Jane Doe" but not "By the end of the year ..."
            if name[:1].isupper() and len(name.split()) <= 8:
                return name
    return None


# --------------------------------------------------------------------------------------
# The published date an article states about itself

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE = (
    r"(?:(?P<m1>%(m)s)\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{4})"
    r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m2>%(m)s),?\s+(?P<y2>\d{4})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))" % {"m": _MONTH}
)
_PUBLISHED = re.compile(r"\b(?P<label>published|posted|first published|updated|last updated|date)\s*(?:on|at|:)?\s*(?:the\s+)?(?:\w+day,?\s+)?(?:the\s+)?" + _DATE, re.I)
_DATE_LINE = re.compile(r"^(?:[^\w]*(?:\w+day,?\s+)?" + _DATE + r")\b", re.I)
_DATELINE = re.compile(r"^[A-Z][A-Za-z.' ]{1,40}(?:,\s*[A-Z][A-Za-z.]{1,15})?(?:\s*\([A-Za-z .]+\))?,\s*(?:\w+day,?\s+)?" + _DATE + r"\s*(?:[-—–]|/)", re.I)
# The place (and date, agency) that opens a wire story's first paragraph; not part of the sentence.
DATELINE_PREFIX = re.compile(
    r"^(?:[A-Z][A-Z.' ]{1,40}|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)(?:,\s*[A-Z][A-Za-z.]{1,15})?(?:\s*\([A-Za-z .]+\))?"
    r"(?:,\s*(?:\w+day,?\s+)?" + _DATE.replace("(?P<", "(?P<dl_") + r")?\s*(?:—|–|-{1,2})\s+(?=[A-Z])",
    re.I,
)


def _date_from_match(found: re.Match) -> date | None:
    g = found.groupdict()
    try:
        if g.get("y1"):
            return date(int(g["y1"]), _MONTHS[g["m1"].lower().rstrip(".")], int(g["d1"]))
        if g.get("y2"):
            return date(int(g["y2"]), _MONTHS[g["m2"].lower().rstrip(".")], int(g["d2"]))
        if g.get("y3"):
            return date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
    except (ValueError, KeyError):
        return None
    return None


def find_published_date(lines: list[str]) -> tuple[date | None, str | None]:
    """The date an article says it was published, from its head only.

    Accepted: "Published April 8, 2026" (also posted/updated; published wins), a short line
    near the top that is or starts with a date ("April 8, 2026 | 10:00 ET", "By Jane Doe |
    8 April 2026"), a dateline ("SAN FRANCISCO, April 8, 2026 -"). A date in the body
    ("Meta released Muse Spark on April 8, 2026") is an event, not the publication date.
    """
    head = [line for line in lines if line.strip()][:20]
    updated: tuple[date | None, str | None] = (None, None)
    for line in head:
        for found in _PUBLISHED.finditer(line):
            day = _date_from_match(found)
            if day is None:
                continue
            if "updated" in found.group("label").lower():
                updated = updated if updated[0] else (day, found.group(0))
                continue
            return day, found.group(0)
    if updated[0]:
        return updated
    for line in head[:12]:
        short = len(line.split()) <= 14
        found = _DATELINE.match(line) or (_DATE_LINE.match(line) if short else None)
        if found is None and short and (_BYLINE.match(line) or "|" in line or "·" in line):
            found = re.search(_DATE, line, re.I)
        if found:
            day = _date_from_match(found)
            if day:
                return day, found.group(0).strip(" -—–/")
    return None, None


# --------------------------------------------------------------------------------------
# Sentences of one paragraph

# Words whose full stop ends no sentence; `extract` keeps it on a name that ends with one.
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "inc", "ltd", "co", "corp", "plc", "llc",
    "vs", "etc", "e.g", "i.e", "al", "approx", "est", "fig", "no", "nos", "vol", "gov", "sen", "rep",
    "gen", "lt", "col", "capt", "sgt", "rev", "hon", "pres", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.u", "a.i", "ph.d", "p.m", "a.m",
    "dept", "univ", "assn", "bros", "mass", "calif", "wash", "fla", "ariz", "ore", "pa", "va", "ga",
}
_BOUNDARY = re.compile(r"([.!?…]+)([\"”’')\]]*)(\s+)(?=[\"“‘'(\[]?[A-Z0-9])")


def split_sentences(block: str) -> list[str]:
    """Split one paragraph into sentences; abbreviations, initials and decimals stay whole."""
    sentences: list[str] = []
    start = 0
    for found in _BOUNDARY.finditer(block):
        end = found.end(2)
        before = block[start:found.start(1)]
        last_word = before.rsplit(None, 1)[-1] if before.split() else ""
        token = last_word.lstrip("\"“‘'([").lower()
        if found.group(1) == ".":
            if token in ABBREVIATIONS or re.fullmatch(r"[a-z]", token) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", token):
                continue
        sentence = block[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = found.end(3)
    rest = block[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences
