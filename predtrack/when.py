"""Deadline language to dates: "by Q2 2027", "within 12 months", "in the coming weeks".

A deadline is the last day (inclusive) on which the event can happen for the prediction to
come true. Every reading is relative to `stated`, the date the words were said; nothing here
reads the clock. The conventions, with examples, are in docs/language.md.

`read_deadline` looks for the deadline expression inside a whole sentence and never raises.
It is careful about numbers that are no deadline ("2026 revenue", "a nine-month development
cycle", "two years ago") and about periods that already ended when the words were said
("founded in 2004"). `parse_deadline_value` reads a flag or file field and raises
InvalidValue when it finds nothing.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Iterator, Mapping

from predtrack.lazy_regex import LazyPattern as _LazyPattern
from predtrack.errors import ConfigError, InvalidValue




# Vague horizons: name -> duration added to the stated date. Each is a key of the
# `[deadlines.vague]` table of the config file, where it can be overridden.
DEFAULT_HORIZONS: dict[str, str] = {
    # "in the coming days", "next few days", "within days", "any day now", "imminently"
    "coming_days": "14 days",
    # "in the coming weeks", "next few weeks", "the weeks ahead", "within weeks"
    "coming_weeks": "6 weeks",
    # "in the coming months", "next few months", "in a few months", "within months"
    "coming_months": "6 months",
    # "in the coming years", "next few years", "in the years ahead", "within years"
    "coming_years": "3 years",
    # "soon", "shortly", "before long", "in the near future"
    "soon": "3 months",
    # "in the short term", "in the near term", "in the not-too-distant future"
    "short_term": "1 year",
    # "in the medium term", "in the mid term"
    "medium_term": "3 years",
    # "in the long term", "in the long run", "in the coming decades"
    "long_term": "10 years",
}

ACCEPTED_DEADLINE_FORMS = (
    "a date as YYYY-MM-DD, a period such as 'Q2 2027', 'H1 2027', 'March 2027', '2027' or "
    "'end of 2026', a span such as 'within 12 months', or 'none'"
)


@dataclass(frozen=True)
class DeadlineReading:
    deadline: date | None  # last day (inclusive) the event can happen; None = no deadline
    earliest: date | None  # for ranges ("3 to 6 months"), else None
    text: str | None  # the words matched, verbatim from the input
    vague: bool  # True when the words name no definite period
    explanation: str  # one line a person can check


NO_DEADLINE = DeadlineReading(None, None, None, False, "no deadline words found")


def _rd(**kwargs):
    # dateutil costs ~10 ms to import: load it on first use, not when predtrack starts.
    from dateutil.relativedelta import relativedelta

    return relativedelta(**kwargs)


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class _Period:
    start: date
    end: date
    label: str
    months: int = 0  # length in whole months (0: a day or days); decides early/mid/late
    decade: bool = False


def _span(year: int, month: int, months: int, label: str) -> _Period:
    start = date(year, month, 1)
    end = start + _rd(months=months - 1, day=31)
    return _Period(start, end, label, months)


MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
_MONTH_NUMBER = {name[:3].lower(): i + 1 for i, name in enumerate(MONTH_NAMES)}
_SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}


def _year(y: int) -> _Period:
    return _span(y, 1, 12, str(y))


def _quarter(y: int, q: int) -> _Period:
    return _span(y, 3 * q - 2, 3, f"Q{q} {y}")


def _half(y: int, h: int) -> _Period:
    return _span(y, 6 * h - 5, 6, f"H{h} {y}")


def _month(y: int, m: int) -> _Period:
    return _span(y, m, 1, f"{MONTH_NAMES[m - 1]} {y}")


def _season(y: int, name: str) -> _Period:
    first = _SEASONS[name]
    p = _span(y, first, 3, "")
    # Meteorological seasons (northern hemisphere); winter YEAR runs December YEAR to February.
    return _Period(p.start, p.end, f"{name} {y} ({p.start:%B} to {p.end:%B})", 3)


def _decade(first_year: int) -> _Period:
    return _Period(date(first_year, 1, 1), date(first_year + 9, 12, 31), f"the {first_year}s", 120, True)


def _day(d: date, label: str | None = None) -> _Period:
    return _Period(d, d, label or d.isoformat())


def _part(p: _Period, which: str) -> _Period:
    """early / mid / late: the first, middle or last third of a period."""
    index = {"early": 0, "mid": 1, "late": 2}[which]
    if p.decade:
        offsets = [(0, 2), (3, 6), (7, 9)][index]
        y0 = p.start.year
        return _Period(date(y0 + offsets[0], 1, 1), date(y0 + offsets[1], 12, 31), f"the {which} {y0}s", 36)
    if p.months >= 3 and p.months % 3 == 0:
        step = p.months // 3
        start = p.start + _rd(months=step * index)
        end = start + _rd(months=step - 1, day=31)
        return _Period(start, end, f"{which} {p.label} ({start:%B} to {end:%B})" if step > 1 else f"{which} {p.label} ({start:%B})", step)
    if p.months == 1:
        first_day, last_day = [(1, 10), (11, 20), (21, 31)][index]
        start = p.start + _rd(day=first_day)
        end = p.start + _rd(day=last_day)
        return _Period(start, end, f"{which} {p.label} ({start.day} to {end.day} {start:%B})")
    return p


# ---------------------------------------------------------------- shared patterns

_FLAGS = re.I | re.X
Y4 = r"(?:19|20|21)\d\d"
_NOT_AFTER_YEAR = r"(?![\w%]|[.,:/]\d|-\d|\s*(?:%|percent|per\s+cent))"
# Not inside a word, a number, an amount or a version ("GPT-2030"); "end-2026" is fine.
_NOT_BEFORE = r"(?<![\w$£€#@.,/:'])(?<![\d$£€#@.,/:'_]-)"
MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
         r"(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?)")
ORDINAL = r"(?:first|second|third|fourth|1st|2nd|3rd|4th|final|last)"
_ORDINAL_NUMBER = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
                   "4th": 4, "final": 4, "last": 4}
WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

_SMALL_NUMBERS = {
    "zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "couple": 2, "half": 0.5,
}
NUM = (r"(?:\d{1,4}(?:\.\d+)?(?:\s?½)?|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
       r"(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine)\b)?|zero|one|two|three|four|five|six|"
       r"seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|"
       r"nineteen|a\s+couple(?:\s+of)?|couple\s+of|a\s+dozen|dozen|half\s+an?|an?)")
UNIT = (r"(?:(?:business|working|calendar)\s+days?|days?|weeks?|fortnights?|months?|mos\.?|"
        r"quarters?|qtrs?\.?|years?|yrs?\.?|decades?|centur(?:y|ies)|hours?|hrs?\.?)\b")
_HALF = r"(?:\s+and\s+a\s+half)"


def _number(words: str) -> float | None:
    w = re.sub(r"\s+", " ", words.strip().lower())
    w = w.replace(" of", "")
    if not w:
        return None
    half = 0.5 if w.endswith("½") else 0.0
    w = w.rstrip("½ ").strip()
    try:
        return float(w) + half
    except ValueError:
        pass
    total = 0.0
    tokens = re.split(r"[\s-]+", w)
    if len(tokens) > 1 and tokens[0] in ("a", "an"):
        tokens = tokens[1:]  # "a couple", "a dozen"
    for token in tokens:
        value = _SMALL_NUMBERS.get(token)
        if value is None:
            return None
        total = total * value if token == "half" and total else total + value
    if w.startswith("half"):
        return 0.5
    return total


def _unit_name(unit: str) -> str:
    u = unit.lower().rstrip(".")
    if "business" in u or "working" in u:
        return "business_day"
    for prefix, name in (("day", "day"), ("calendar", "day"), ("week", "week"), ("fortnight", "fortnight"),
                         ("mo", "month"), ("q", "quarter"), ("y", "year"), ("decade", "decade"),
                         ("centur", "century"), ("h", "hour")):
        if u.startswith(prefix):
            return name
    return u


def _add(stated: date, amount: float, unit: str) -> date:
    """stated + amount units, calendar-aware (2026-08-31 + 6 months = 2027-02-28)."""
    if unit == "business_day":
        d, left = stated, int(round(amount))
        while left > 0:
            d += timedelta(days=1)
            if d.weekday() < 5:
                left -= 1
        return d
    if unit == "hour":
        return stated + timedelta(days=-(-int(round(amount)) // 24))
    if unit in ("day", "week", "fortnight"):
        days = amount * {"day": 1, "week": 7, "fortnight": 14}[unit]
        return stated + timedelta(days=int(round(days)))
    months = amount * {"month": 1, "quarter": 3, "year": 12, "decade": 120, "century": 1200}[unit]
    whole = int(months)
    extra_days = int(round((months - whole) * 30))
    return stated + _rd(months=whole, days=extra_days)


def _duration_words(amount: float, unit: str) -> str:
    shown = int(amount) if float(amount).is_integer() else amount
    name = unit.replace("_", " ")
    return f"{shown} {name}{'' if shown == 1 else 's'}"


_DURATION_RE = _LazyPattern(rf"^\s*(?P<n>{NUM}){_HALF}?\s+(?P<unit>{UNIT})\s*$", _FLAGS)


def _parse_duration(value: str) -> tuple[float, str] | None:
    m = _DURATION_RE.match(value or "")
    if not m:
        return None
    n = _number(m.group("n"))
    if n is None:
        return None
    if re.search(_HALF, m.group(0), re.I):
        n += 0.5
    return n, _unit_name(m.group("unit"))


def _horizon_table(horizons: Mapping[str, str] | None) -> tuple[dict[str, tuple[float, str, str]], list[str]]:
    frozen = tuple(sorted((str(k), str(v)) for k, v in (horizons or {}).items()))
    return _horizon_table_for(frozen)


@functools.lru_cache(maxsize=32)
def _horizon_table_for(frozen: tuple[tuple[str, str], ...]) -> tuple[dict[str, tuple[float, str, str]], list[str]]:
    horizons = dict(frozen)
    table: dict[str, tuple[float, str, str]] = {}
    problems: list[str] = []
    for name, text in DEFAULT_HORIZONS.items():
        n, unit = _parse_duration(text)  # type: ignore[misc]
        table[name] = (n, unit, "default")
    for name, text in (horizons or {}).items():
        key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
        parsed = _parse_duration(str(text))
        if key not in DEFAULT_HORIZONS:
            problems.append(f"unknown [deadlines.vague] name {name!r}: expected one of {', '.join(DEFAULT_HORIZONS)}")
        elif parsed is None:
            problems.append(f"invalid [deadlines.vague] {name} {text!r}: expected a duration such as '6 weeks' or '3 months'")
        else:
            table[key] = (parsed[0], parsed[1], "config")
    return table, problems


def check_horizons(horizons: Mapping[str, str] | None) -> None:
    """Raise ConfigError naming the first unknown horizon or unreadable duration."""
    _table, problems = _horizon_table(horizons)
    if problems:
        raise ConfigError(problems[0])


# ---------------------------------------------------------------- period cores
# A core is the period itself ("Q2 2027", "March", "next year"); modifiers ("the end of",
# "mid-") and triggers ("by", "before", "in") are read from the words just before it.


@dataclass
class _Core:
    start: int
    end: int
    # year -> period, for cores that name their year or are fixed by `stated`, `year` is ignored
    build: Callable[[int], _Period | None]
    has_year: bool  # False: "March", "the third quarter": the first one ending on/after stated
    kind: str
    bare_ok: bool  # can stand without a trigger inside a sentence ("Q3 2026", not "2026")
    needs_capital: str | None = None  # a month or weekday word that must be capitalised in prose


def _month_number(word: str) -> int:
    return _MONTH_NUMBER[word.lower().rstrip(".")[:3]]


_ISO_DATE_RE = _LazyPattern(rf"{_NOT_BEFORE}(?P<y>{Y4})(?P<sep>[-/])(?P<m>[01]\d)(?P=sep)(?P<d>[0-3]\d)(?![\w/-]|\.\d)", _FLAGS)
_NUMERIC_DATE_RE = _LazyPattern(rf"{_NOT_BEFORE}(?P<a>[0-3]?\d)(?P<sep>[/.])(?P<b>[0-3]?\d)(?P=sep)(?P<y>{Y4})(?![\w/]|\.\d)", _FLAGS)
_MDY_RE = _LazyPattern(
    rf"""{_NOT_BEFORE}(?:(?:{WEEKDAY}),?\s+)?(?P<mon>{MONTH})\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:%]|\.\d|\s*(?:%|percent|[ap]\.?m\b))
    (?:,?\s+(?P<y>{Y4}){_NOT_AFTER_YEAR})?""", _FLAGS)
_DMY_RE = _LazyPattern(
    rf"""{_NOT_BEFORE}(?:(?:{WEEKDAY}),?\s+)?(?:the\s+)?(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{MONTH})(?![\w])
    (?:,?\s+(?P<y>{Y4}){_NOT_AFTER_YEAR})?""", _FLAGS)
_MONTH_YEAR_RE = _LazyPattern(
    rf"""{_NOT_BEFORE}(?P<mon>{MONTH})(?:\s+of|,)?\s+(?:(?P<y>{Y4})|'(?P<yy>\d\d)){_NOT_AFTER_YEAR}""", _FLAGS)
_ISO_MONTH_RE = _LazyPattern(rf"{_NOT_BEFORE}(?P<y>{Y4})-(?P<m>0[1-9]|1[0-2])(?![\w/-]|\.\d)", _FLAGS)
_MONTH_RE = _LazyPattern(rf"{_NOT_BEFORE}(?P<mon>{MONTH})(?![\w-])", _FLAGS)
_QUARTER_RES = [
    # Q3 2026, Q3 of 2026, Q3'26, Q3 FY2026, Q3-2026, Q3 (no year)
    _LazyPattern(rf"""{_NOT_BEFORE}(?:the\s+)?(?:(?:fiscal|calendar)\s+)?q(?P<q>[1-4])
        (?:(?:\s*(?:of\s+|,\s*|-|/|\s)(?:(?P<fy>fy|cy|fiscal(?:\s+year)?|calendar(?:\s+year)?)\s*'?)?(?P<y>{Y4}))
          |\s*'(?P<yy>\d\d)|\s*(?P<fy2>fy|cy)\s*'?(?P<yy2>\d\d)
          |\s+(?:of\s+)?(?P<rel>this|next|the\s+current|the\s+coming)\s+(?:fiscal\s+|calendar\s+)?year)?
        {_NOT_AFTER_YEAR}""", _FLAGS),
    # FY26 Q4, FY2026-Q4, fiscal 2026 Q4
    _LazyPattern(rf"{_NOT_BEFORE}(?P<fy>fy|cy|fiscal(?:\s+year)?)\s*'?(?:(?P<y>{Y4})|(?P<yy>\d\d))\s*[-/]?\s*q(?P<q>[1-4])(?!\w)", _FLAGS),
    # 3Q26, 3Q 2026, 3Q'26
    _LazyPattern(rf"{_NOT_BEFORE}(?P<q>[1-4])q(?:\s*'?(?P<yy>\d\d)|\s*(?P<y>{Y4}))?{_NOT_AFTER_YEAR}", _FLAGS),
    # 2026-Q3, 2026 Q3, 2026Q3
    _LazyPattern(rf"{_NOT_BEFORE}(?P<y>{Y4})\s?[-/]?\s?q(?P<q>[1-4])(?!\w)", _FLAGS),
    # the third quarter of 2026, third-quarter 2026, the fourth quarter of next year
    _LazyPattern(rf"""{_NOT_BEFORE}(?:the\s+)?(?P<ord>{ORDINAL})[\s-]+(?:(?:fiscal|calendar)\s+)?quarter
        (?:,?\s+(?:of\s+)?(?:(?P<fy>fiscal|calendar)(?:\s+year)?\s+)?(?P<y>{Y4}){_NOT_AFTER_YEAR}
          |\s+of\s+(?P<rel>this|next|the\s+current|the\s+coming)\s+(?:fiscal\s+|calendar\s+)?year
          |\s+of\s+the\s+(?:fiscal\s+|calendar\s+)?year)?(?![\w-])""", _FLAGS),
    # 2026's third quarter, next year's first quarter
    _LazyPattern(rf"""{_NOT_BEFORE}(?:(?P<y>{Y4})|(?P<rel>this|next)\s+year)['’]s\s+(?P<ord>{ORDINAL})\s+(?:fiscal\s+)?quarter(?!\w)""", _FLAGS),
]
_MONTH_QUARTER_RE = _LazyPattern(rf"{_NOT_BEFORE}(?:the\s+)?(?P<mon>{MONTH})\s+quarter(?:\s+of\s+(?P<y>{Y4}))?(?!\w)", _FLAGS)
_HALF_RES = [
    _LazyPattern(rf"""{_NOT_BEFORE}(?:the\s+)?h(?P<h>[12])(?:\s*(?:of\s+|,\s*|-|/|\s)(?:(?:fy|cy|fiscal|calendar)\s*'?)?(?P<y>{Y4})
        |\s*'(?P<yy>\d\d)|\s*(?:fy|cy)\s*'?(?P<yy2>\d\d)|\s+(?:of\s+)?(?P<rel>this|next)\s+year)?{_NOT_AFTER_YEAR}""", _FLAGS),
    _LazyPattern(rf"{_NOT_BEFORE}(?P<h>[12])h(?:\s*'?(?P<yy>\d\d)|\s*(?P<y>{Y4}))?{_NOT_AFTER_YEAR}", _FLAGS),
    _LazyPattern(rf"{_NOT_BEFORE}(?P<y>{Y4})\s?[-/]?\s?h(?P<h>[12])(?!\w)", _FLAGS),
    _LazyPattern(rf"""{_NOT_BEFORE}(?:the\s+)?(?P<ord>first|second|1st|2nd|back|latter|front|last)[\s-]+half
        (?:,?\s+(?:of\s+)?(?:(?:fiscal|calendar)(?:\s+year)?\s+)?(?P<y>{Y4}){_NOT_AFTER_YEAR}
          |\s+of\s+(?P<rel>this|next|the\s+current|the\s+coming)\s+(?:fiscal\s+|calendar\s+)?year
          |\s+of\s+the\s+(?:fiscal\s+|calendar\s+)?year)?(?![\w-])""", _FLAGS),
    _LazyPattern(rf"""{_NOT_BEFORE}(?:(?P<y>{Y4})|(?P<rel>this|next)\s+year)['’]s\s+(?P<ord>first|second|back|latter|front)\s+half(?!\w)""", _FLAGS),
    # the first six months of 2027
    _LazyPattern(rf"""{_NOT_BEFORE}the\s+(?P<ord>first|last)\s+(?P<n>six|6)\s+months\s+of\s+(?:(?P<y>{Y4}){_NOT_AFTER_YEAR}|(?P<rel>this|next)\s+year|the\s+year)""", _FLAGS),
]
_SEASON_RE = _LazyPattern(
    rf"""{_NOT_BEFORE}(?:the\s+)?(?P<s>spring|summer|fall|autumn|winter)(?:\s+(?:of\s+)?(?:(?P<y>{Y4}){_NOT_AFTER_YEAR}|'(?P<yy>\d\d)(?!\w)))?(?![\w-])""", _FLAGS)
_YEAR_RE = _LazyPattern(
    rf"""{_NOT_BEFORE}(?P<pre>(?:the\s+)?(?:(?:fiscal|calendar)(?:\s+year)?|fy|cy|year)\s*'?\s*)?(?P<y>{Y4}){_NOT_AFTER_YEAR}""", _FLAGS)
_SHORT_YEAR_RE = _LazyPattern(r"(?<![\w$£€#@.,/:-])(?P<pre>(?:fy|cy)\s*'?|')(?P<yy>\d\d)(?![\w%]|[.,:/]\d|'s)", _FLAGS)
_YEAR_RANGE_RE = _LazyPattern(rf"{_NOT_BEFORE}(?P<y>{Y4})\s?[-–/]\s?(?P<yy>{Y4}|\d\d)(?![\w%-]|[.,:/]\d)", _FLAGS)
_DECADE_RE = _LazyPattern(rf"{_NOT_BEFORE}(?:the\s+)?(?:(?P<y>(?:19|20|21)\d0)|'(?P<yy>\d0))['’]?s(?!\w)", _FLAGS)
_RELCAL_RE = _LazyPattern(
    r"""(?<![\w-])(?P<which>this|next|the\s+current|current|the\s+coming|the\s+next|the\s+upcoming|upcoming|the\s+present)\s+
    (?P<what>(?:fiscal\s+|calendar\s+)?year|quarter|month|week|weekend|decade|century|half|summer|spring|fall|autumn|winter)(?![\w-])""", _FLAGS)
_THE_UNIT_RE = _LazyPattern(r"(?<![\w-])(?:(?:the|its|their|our|this|the\s+company['’]s)\s+)?(?:(?:fiscal|calendar|financial)\s+)?(?P<what>year|quarter|month|week|decade|century|day)(?![\w-])", _FLAGS)
_YEAR_AFTER_NEXT_RE = _LazyPattern(r"(?<![\w-])the\s+year\s+after\s+next(?!\w)", _FLAGS)
_YEAR_END_RE = _LazyPattern(r"(?<![\w-])(?:year[\s-]?end|end[\s-]year|(?:the\s+)?year['’]?s\s+end|eoy|ye)(?:\s*(?P<y>" + Y4 + r")" + _NOT_AFTER_YEAR + r"|\s*'(?P<yy>\d\d)(?!\w))?(?![\w-])", _FLAGS)
_YEAR_YEAR_END_RE = _LazyPattern(rf"{_NOT_BEFORE}(?P<y>{Y4})(?:\s+year[\s-]?end|['’]s\s+end)(?![\w-])", _FLAGS)
_DAY_WORD_RE = _LazyPattern(
    r"""(?<![\w-])(?P<w>today|tonight|tomorrow|the\s+day\s+after\s+tomorrow|(?:the\s+)?end\s+of\s+(?:the\s+)?(?:business\s+)?day|eod|cob|close\s+of\s+business|this\s+time\s+next\s+(?:week|month|year))(?![\w-])""", _FLAGS)
_HOLIDAY_RE = _LazyPattern(
    rf"""(?<![\w-])(?P<h>christmas(?:\s+day|\s+eve)?|xmas|thanksgiving|black\s+friday|easter|halloween|new\s+year['’]?s?(?:\s+(?:eve|day))?|the\s+(?:end-of-year\s+)?holidays|the\s+holiday\s+season)(?:\s+(?:of\s+)?(?P<y>{Y4}){_NOT_AFTER_YEAR})?(?![\w-])""", _FLAGS)
_WEEKDAY_RE = _LazyPattern(rf"(?<![\w-])(?:(?P<which>next|this(?:\s+coming)?|coming)\s+)?(?P<wd>{WEEKDAY})(?![\w-])", _FLAGS)
_CENTURY_RE = _LazyPattern(r"(?<![\w-])(?:the\s+|this\s+)century(?![\w-])", _FLAGS)


_DIGIT_RE = _LazyPattern(r"\d")
_MONTH_HINT_RE = _LazyPattern(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.I)
_QUARTER_HINT_RE = _LazyPattern(r"[1-4]q|q[1-4]")
_HALF_HINT_RE = _LazyPattern(r"[12]h|h[12]")


def _next_weekday(stated: date, weekday: int, strictly_after: bool) -> date:
    days = (weekday - stated.weekday()) % 7
    if strictly_after and days == 0:
        days = 7
    return stated + timedelta(days=days)


def _holiday(name: str, y: int) -> _Period:
    n = re.sub(r"\s+", " ", name.lower().replace("’", "'"))
    if n.startswith(("christmas", "xmas")):
        d = date(y, 12, 24 if n.endswith("eve") else 25)
    elif n.startswith("thanksgiving") or n.startswith("black"):
        from dateutil.relativedelta import TH

        d = date(y, 11, 1) + _rd(weekday=TH(+4))
        if n.startswith("black"):
            d += timedelta(days=1)
    elif n.startswith("easter"):
        from dateutil.easter import easter

        d = easter(y)
    elif n.startswith("halloween"):
        d = date(y, 10, 31)
    elif n.startswith("new year"):
        d = date(y, 12, 31) if n.endswith("eve") else date(y + 1, 1, 1) if not n.endswith("day") else date(y, 1, 1)
        if n.endswith("day"):
            return _day(d, f"New Year's Day {y}")
        return _day(d, f"New Year's Eve {y}" if n.endswith("eve") else f"New Year {y + 1}")
    else:  # the holidays, the holiday season
        return _Period(date(y, 11, 15), date(y, 12, 31), f"the {y} holiday season (to 31 December)")
    return _day(d, f"{name.strip()} {y}")


def _parse_day(y: int, month_word: str, day: str) -> date:
    # dateutil's parser validates the day for the month and year (29 February in leap years).
    from dateutil import parser

    return parser.parse(f"{MONTH_NAMES[_month_number(month_word) - 1]} {int(day)} {y}").date()


def _cores(text: str, stated: date) -> Iterator[_Core]:
    """Every period expression in the text, before modifiers and triggers are considered."""
    # Cheap tests first: most sentences hold no digit, month or quarter, and each skipped
    # pattern saves a scan of the whole sentence.
    low = text.lower()
    digits = _DIGIT_RE.search(text) is not None
    months = _MONTH_HINT_RE.search(text) is not None
    quarters = "quarter" in low or _QUARTER_HINT_RE.search(low) is not None
    halves = "half" in low or "six months" in low or _HALF_HINT_RE.search(low) is not None
    if digits:
        for m in _ISO_DATE_RE.finditer(text):
            y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
            yield _Core(m.start(), m.end(), lambda _y, y=y, mo=mo, d=d: _day(date(y, mo, d)), True, "date", True)
    if digits:
        for m in _NUMERIC_DATE_RE.finditer(text):
            a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
            # Only unambiguous forms: 6/30/2027 or 30/6/2027, never 3/4/2027.
            if a > 12 and 1 <= b <= 12:
                day_month = (a, b)
            elif b > 12 and 1 <= a <= 12:
                day_month = (b, a)
            elif a == b and 1 <= a <= 12:
                day_month = (a, b)
            else:
                continue
            yield _Core(m.start(), m.end(), lambda _y, y=y, dm=day_month: _day(date(y, dm[1], dm[0])), True, "date", True)
    if digits and months:
        for regex in (_MDY_RE, _DMY_RE):
            for m in regex.finditer(text):
                if not 1 <= int(m["d"]) <= 31:
                    continue
                if m["y"]:
                    y = int(m["y"])
                    yield _Core(m.start(), m.end(), lambda _y, y=y, mw=m["mon"], d=m["d"]: _day(_parse_day(y, mw, d)), True, "date", True)
                else:
                    yield _Core(m.start(), m.end(), lambda y, mw=m["mon"], d=m["d"]: _day(_parse_day(y, mw, d)), False, "date", False,
                                needs_capital=m["mon"])
    if digits and months:
        for m in _MONTH_YEAR_RE.finditer(text):
            y = int(m["y"]) if m["y"] else 2000 + int(m["yy"])
            yield _Core(m.start(), m.end(), lambda _y, y=y, mo=_month_number(m["mon"]): _month(y, mo), True, "month", True,
                        needs_capital=m["mon"] if m["yy"] else None)
    if digits:
        for m in _ISO_MONTH_RE.finditer(text):
            yield _Core(m.start(), m.end(), lambda _y, y=int(m["y"]), mo=int(m["m"]): _month(y, mo), True, "month", True)
    if months:
        for m in _MONTH_RE.finditer(text):
            yield _Core(m.start(), m.end(), lambda y, mo=_month_number(m["mon"]): _month(y, mo), False, "month", False,
                        needs_capital=m["mon"])
    if quarters:
        for regex in _QUARTER_RES:
            for m in regex.finditer(text):
                gd = m.groupdict()
                q = int(gd["q"]) if gd.get("q") else _ORDINAL_NUMBER[gd["ord"].lower()]
                fiscal = bool(gd.get("fy") or gd.get("fy2"))
                y = _year_of(gd, stated)
                if y is None:
                    yield _Core(m.start(), m.end(), lambda yr, q=q: _quarter(yr, q), False, "quarter", False)
                else:
                    yield _Core(m.start(), m.end(), lambda _y, y=y, q=q, f=fiscal: _fiscal(_quarter(y, q), f), True, "quarter",
                                bool(gd.get("y") or gd.get("yy") or gd.get("yy2")))
    if months and "quarter" in low:
        for m in _MONTH_QUARTER_RE.finditer(text):
            mo = _month_number(m["mon"])
            build = functools.partial(_quarter_ending, mo)
            if m["y"]:
                yield _Core(m.start(), m.end(), lambda _y, y=int(m["y"]), b=build: b(y), True, "quarter", True)
            else:
                yield _Core(m.start(), m.end(), build, False, "quarter", False, needs_capital=m["mon"])
    if halves:
        for regex in _HALF_RES:
            for m in regex.finditer(text):
                gd = m.groupdict()
                if gd.get("h"):
                    h = int(gd["h"])
                else:
                    h = 1 if gd["ord"].lower() in ("first", "1st", "front") else 2
                y = _year_of(gd, stated)
                if y is None:
                    yield _Core(m.start(), m.end(), lambda yr, h=h: _half(yr, h), False, "half", False)
                else:
                    yield _Core(m.start(), m.end(), lambda _y, y=y, h=h: _half(y, h), True, "half",
                                bool(gd.get("y") or gd.get("yy") or gd.get("yy2")))
    if any(w in low for w in _SEASONS):
        for m in _SEASON_RE.finditer(text):
            name = m["s"].lower()
            if m["y"] or m["yy"]:
                y = int(m["y"]) if m["y"] else 2000 + int(m["yy"])
                yield _Core(m.start(), m.end(), lambda _y, y=y, n=name: _season(y, n), True, "season", True)
            else:
                yield _Core(m.start(), m.end(), lambda yr, n=name: _season(yr, n), False, "season", False)
    if digits:
        for m in _YEAR_RE.finditer(text):
            y = int(m["y"])
            fiscal = bool(m["pre"] and re.search(r"fiscal|fy", m["pre"], re.I))
            yield _Core(m.start(), m.end(), lambda _y, y=y, f=fiscal: _fiscal(_year(y), f), True, "year", bool(m["pre"]))
    if digits:
        for m in _SHORT_YEAR_RE.finditer(text):
            y = 2000 + int(m["yy"])
            fiscal = "f" in m["pre"].lower()
            yield _Core(m.start(), m.end(), lambda _y, y=y, f=fiscal: _fiscal(_year(y), f), True, "year", m["pre"] != "'")
    if digits:
        for m in _YEAR_RANGE_RE.finditer(text):
            y, yy = int(m["y"]), int(m["yy"])
            if len(m["yy"]) == 2 and yy <= 12 and m.group(0)[4:].strip()[:1] == "-":
                continue  # 2026-07 is July 2026
            y2 = yy if len(m["yy"]) == 4 else (y // 100) * 100 + yy
            if y2 <= y or y2 - y > 10:
                continue
            yield _Core(m.start(), m.end(), lambda _y, y=y, y2=y2: _Period(date(y, 1, 1), date(y2, 12, 31), f"{y} to {y2}", 12 * (y2 - y + 1)),
                        True, "range", True)
    if digits:
        for m in _DECADE_RE.finditer(text):
            y = int(m["y"]) if m["y"] else 2000 + int(m["yy"])
            yield _Core(m.start(), m.end(), lambda _y, y=y: _decade(y), True, "decade", True)
    if any(w in low for w in ("this", "next", "current", "coming", "upcoming", "present")):
        for m in _RELCAL_RE.finditer(text):
            yield from _relcal(m, stated)
    if "after next" in low:
        for m in _YEAR_AFTER_NEXT_RE.finditer(text):
            y = stated.year + 2
            yield _Core(m.start(), m.end(), lambda _y, y=y: _year(y), True, "relcal", True)
    if any(w in low for w in ("year", "quarter", "month", "week", "decade", "century", "day")):
        for m in _THE_UNIT_RE.finditer(text):
            what = m["what"].lower()
            # "the year", "the quarter": only with a modifier or trigger (checked later); the current one.
            if what == "year":
                p = _year(stated.year)
            elif what == "quarter":
                p = _quarter(stated.year, (stated.month - 1) // 3 + 1)
            elif what == "month":
                p = _month(stated.year, stated.month)
            elif what == "week":
                p = _Period(stated - timedelta(days=stated.weekday()), _next_weekday(stated, 6, False), "this week")
            elif what == "day":
                p = _day(stated, "today")
            elif what == "decade":
                p = _decade(stated.year // 10 * 10)
            else:
                first = stated.year // 100 * 100
                p = _Period(date(first, 1, 1), date(first + 99, 12, 31), "this century", 1200)
            label = p.label if what in ("week", "day", "century") else f"this {what} ({p.label})"
            yield _Core(m.start(), m.end(), lambda _y, p=p, label=label: _Period(p.start, p.end, label, p.months, p.decade), True, "the_unit", False)
    if "century" in low:
        for m in _CENTURY_RE.finditer(text):
            first = stated.year // 100 * 100
            yield _Core(m.start(), m.end(), lambda _y, f=first: _Period(date(f, 1, 1), date(f + 99, 12, 31), "this century", 1200),
                        True, "the_unit", False)
    if "end" in low or "ye" in low or "eoy" in low:
        for m in _YEAR_END_RE.finditer(text):
            if m["y"] or m["yy"]:
                y = int(m["y"]) if m["y"] else 2000 + int(m["yy"])
            else:
                y = stated.year
            word = m.group(0).lower()
            if word.strip() == "ye":
                continue  # "ye" alone is a word, not year-end
            yield _Core(m.start(), m.end(), lambda _y, y=y: _day(date(y, 12, 31), f"the end of {y}"), True, "yearend", True)
    if digits and "end" in low:
        for m in _YEAR_YEAR_END_RE.finditer(text):
            y = int(m["y"])
            yield _Core(m.start(), m.end(), lambda _y, y=y: _day(date(y, 12, 31), f"the end of {y}"), True, "yearend", True)
    if any(w in low for w in ("today", "tonight", "tomorrow", "end of", "eod", "cob", "close of business", "this time next")):
        for m in _DAY_WORD_RE.finditer(text):
            w = re.sub(r"\s+", " ", m["w"].lower())
            if w.startswith("this time next"):
                unit = w.rsplit(" ", 1)[1]
                d = _add(stated, 1, unit)
                label = f"{stated.isoformat()} plus 1 {unit}"
            elif w.startswith("tomorrow"):
                d, label = stated + timedelta(days=1), f"tomorrow ({stated + timedelta(days=1)})"
            elif w.startswith("the day after"):
                d, label = stated + timedelta(days=2), f"the day after tomorrow ({stated + timedelta(days=2)})"
            else:
                d, label = stated, f"the stated day ({stated})"
            yield _Core(m.start(), m.end(), lambda _y, d=d, label=label: _day(d, label), True, "dayword",
                        not w.startswith(("today", "tonight")))
    if any(w in low for w in ("christmas", "xmas", "thanksgiving", "black friday", "easter", "halloween", "new year", "holiday")):
        for m in _HOLIDAY_RE.finditer(text):
            name = m["h"]
            if m["y"]:
                yield _Core(m.start(), m.end(), lambda _y, y=int(m["y"]), n=name: _holiday(n, y), True, "holiday", True)
            else:
                yield _Core(m.start(), m.end(), lambda y, n=name: _holiday(n, y), False, "holiday", False)
    if "day" in low:
        for m in _WEEKDAY_RE.finditer(text):
            wd = _WEEKDAYS[m["wd"].lower()[:3]]
            day_name = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][wd]
            after = (m["which"] or "").lower() == "next"  # "next Tuesday": strictly after the stated day
            yield _Core(m.start(), m.end(),
                        lambda _y, wd=wd, n=day_name, a=after: _day(_next_weekday(stated, wd, a),
                                                                    f"the first {n} {'after' if a else 'on or after'} {stated.isoformat()}"),
                        True, "weekday", bool(m["which"]), needs_capital=m["wd"])


def _quarter_ending(month: int, year: int) -> _Period:
    """"The September quarter": the three months ending with that month."""
    end_month = _month(year, month)
    start = end_month.start - _rd(months=2)
    return _Period(start, end_month.end, f"the quarter ending {end_month.end:%B %Y}", 3)


def _fiscal(p: _Period, fiscal: bool) -> _Period:
    if not fiscal:
        return p
    return _Period(p.start, p.end, f"{p.label} (a fiscal period, read as the calendar one)", p.months, p.decade)


def _year_of(gd: dict, stated: date) -> int | None:
    if gd.get("y"):
        return int(gd["y"])
    if gd.get("yy"):
        return 2000 + int(gd["yy"])
    if gd.get("yy2"):
        return 2000 + int(gd["yy2"])
    rel = (gd.get("rel") or "").lower()
    if rel:
        return stated.year + (1 if rel.endswith("next") else 0)
    return None


def _relcal(m: re.Match, stated: date) -> Iterator[_Core]:
    which = re.sub(r"\s+", " ", m["which"].lower())
    what = re.sub(r"\s+", " ", m["what"].lower()).replace("fiscal ", "").replace("calendar ", "")
    the_next = which in ("the next", "the coming", "the upcoming", "upcoming")
    nxt = which in ("next",) or the_next
    if the_next and what in ("year", "month", "week", "decade", "century"):
        return  # "in the next year" is a span of 12 months: the relative reader handles it
    y = stated.year
    if what == "year":
        p = _year(y + nxt)
        label = f"{'next' if nxt else 'this'} year ({p.label})"
    elif what == "quarter":
        q = (stated.month - 1) // 3 + 1
        first = date(y, 3 * q - 2, 1) + _rd(months=3 * nxt)
        p = _quarter(first.year, (first.month - 1) // 3 + 1)
        label = f"{'next' if nxt else 'this'} quarter ({p.label})"
    elif what == "half":
        h = 1 if stated.month <= 6 else 2
        first = date(y, 6 * h - 5, 1) + _rd(months=6 * nxt)
        p = _half(first.year, 1 if first.month == 1 else 2)
        label = f"{'next' if nxt else 'this'} half ({p.label})"
    elif what == "month":
        first = date(y, stated.month, 1) + _rd(months=nxt)
        p = _month(first.year, first.month)
        label = f"{'next' if nxt else 'this'} month ({p.label})"
    elif what == "week":
        monday = stated - timedelta(days=stated.weekday()) + timedelta(days=7 * nxt)
        p = _Period(monday, monday + timedelta(days=6), f"{'next' if nxt else 'this'} week (to Sunday {monday + timedelta(days=6)})")
    elif what == "weekend":
        sunday = _next_weekday(stated, 6, False) + timedelta(days=7 * nxt)
        p = _Period(sunday - timedelta(days=1), sunday, f"{'next' if nxt else 'this'} weekend (to Sunday {sunday})")
    elif what == "decade":
        first_year = y // 10 * 10 + 10 * nxt
        p = _decade(first_year)
        label = f"{'next' if nxt else 'this'} decade ({p.label})"
    elif what == "century":
        first_year = y // 100 * 100 + 100 * nxt
        p = _Period(date(first_year, 1, 1), date(first_year + 99, 12, 31), f"{'next' if nxt else 'this'} century", 1200)
    else:
        # next summer: the first starting after the stated day; this summer: the one around the
        # stated day, else this calendar year's (in September "this summer" is the one just past).
        seasons = [_season(yr, what) for yr in range(y - 1, y + 2)]
        if nxt:
            p = next(x for x in seasons if x.start > stated)
        else:
            p = next((x for x in seasons if x.start <= stated <= x.end), seasons[1])
        label = f"{which} {what}: {p.label}"
    if what not in ("week", "weekend", "century"):
        p = _Period(p.start, p.end, label, p.months, p.decade)
    yield _Core(m.start(), m.end(), lambda _y, p=p: p, True, "relcal", True)


# ---------------------------------------------------------------- words around a core

_MODIFIER_RE = _LazyPattern(
    r"""(?:(?<=[^\w-])|^)(?P<mod>
        (?:the\s+)?(?:very\s+)?(?:end|close)\s+of\s+(?:the\s+)?
      | (?:the\s+)?(?:middle|midpoint)\s+of\s+(?:the\s+)?
      | (?:the\s+)?(?:start|beginning|outset|dawn|turn)\s+of\s+(?:the\s+)?
      | (?:the\s+)?(?:rest|remainder|balance|course)\s+of\s+(?:the\s+)?
      | (?:the\s+)?early\s+part\s+of\s+(?:the\s+)?
      | (?:the\s+)?(?:later|latter|last)\s+part\s+of\s+(?:the\s+)?
      | (?:the\s+)?(?:early|late|mid|end)(?:\s*-\s*|\s+)
      | mid
      | later\s+
      | earlier\s+
    )$""", _FLAGS)

_TRIGGER_RE = _LazyPattern(
    r"""(?:(?<=[^\w-])|^)(?P<trig>
        no\s+later\s+than|not\s+later\s+than|at\s+the\s+latest\s+by|on\s+or\s+before|by|before|prior\s+to|ahead\s+of
      | up\s+until|until|till|til|'til|through|thru|throughout|to
      | (?:some|any)\s*time(?:\s+(?:in|during|around))?|later\s+in|early\s+in|late\s+in|toward|towards|
        in|during|within|inside|for|over|at|on|around|about|circa|across|into|as\s+of
      | as\s+early\s+as|as\s+soon\s+as|as\s+late\s+as
      | from|since|after|starting(?:\s+in|\s+from)?|beginning\s+in|effective(?:\s+from)?|following|past|beyond|not\s+before|no\s+sooner\s+than
      | between
    )\s+(?:(?:about|around|roughly|approximately|sometime\s+in)\s+)?$""", _FLAGS)

_DEADLINE_TRIGGERS = {"by", "on or before", "no later than", "not later than", "at the latest by", "within", "inside", "through",
                      "thru", "throughout", "as late as"}
_BEFORE_TRIGGERS = {"before", "prior to", "ahead of", "until", "till", "til", "'til", "up until"}
_NOT_DEADLINE_TRIGGERS = {"since", "after", "following", "past", "beyond", "not before", "no sooner than"}
# "The rules apply from 1 January 2027": the event is the start, so the deadline is the first day.
_START_TRIGGERS = {"from", "starting", "starting in", "starting from", "beginning in", "as of", "effective", "effective from"}
_DELAY_VERB_RE = _LazyPattern(r"\b(?:delay\w*|postpon\w*|push\w*(?:\s+back)?|mov\w*(?:\s+back)?|slip\w*|shift\w*|defer\w*|reschedul\w*|extend\w*|brought\s+forward|bring\s+forward|pull\w*\s+forward|back)\s+$", re.I)

# Words after a year or period that make it a label, not a time: "2026 revenue", "Q3 2026 earnings".
_LABEL_NOUN_RE = _LazyPattern(
    r"""^\s+(?:revenue|revenues|sales|earnings|results|report|reports|guidance|profit|profits|loss|losses|numbers|
    figures|budget|budgets|season|call|filing|data|estimates?|shipments|deliveries|capex|spending|outlook|
    target|targets|levels?|model|models|version|release|election|elections|midterms?|census|olympics|world\s+cup|
    edition|lineup|roadmap|cohort|class|vintage|campaign|survey|study|award|awards|prices?|rates?|total|totals|
    high|low|average|peak|figure|valuation|round|ipo|contract|plan|plans|agreement|deal|law|act|bill|rules?|
    standard|standards|emissions|pledge|goal|goals|ambitions?|forecasts?|projections?|expectations?|dollars|
    run-rate|run\s+rate|quarterly|annual|fiscal|financial|full-year|full\s+year|window|deadline|conference|summit|
    games|tournament|championship|cycle|race|primaries|primary|session|term)\b""", _FLAGS)

_EVENT_NOUN_RE = _LazyPattern(
    r"\s+(?:meeting|event|conference|summit|hearing|election|vote|deadline|launch|release|update|session|review|"
    r"announcement|keynote|report|decision|auction|sale|showcase|expo|board\s+meeting|policy\s+meeting)\b", re.I)

# Words that make a clause speak of the future (or of a plan, a forecast, a condition).
_FUTURE_WORDS = frozenset(
    """will won't wont would wouldn't shall gonna likely unlikely could may might should must can cannot can't due
    slated scheduled poised upcoming future possibly probably until unless if goal deadline think roadmap timeline
    timetable guidance outlook expect expects expected expecting expectation expectations plan plans planned planning
    aim aims aimed aiming intend intends intended intending intention forecast forecasts forecasted forecasting
    predict predicts predicted predicting prediction predictions projected projects projecting projection projections
    hope hopes hoped hoping hopefully promise promises promised promising target targets targeted targeting pledge
    pledges pledged pledging vow vows vowed vowing seek seeks seeking want wants wanted wanting anticipate anticipates
    anticipated anticipating commit commits committed commitment need needs needed delay delays delayed postpone
    postpones postponed estimate estimates estimated bet bets betting wager wagers believe believes believed envisage
    envisages envisaged envision envisions envisioned aspire aspires aspiration aspirations ambition ambitions""".split()
)
_FUTURE_PHRASE_RE = _LazyPattern(r"\b(?:going\s+to|set\s+to|on\s+track|bound\s+to|in\s+order\s+to|is\s+to|are\s+to)\b|\w'll\b", re.I)
_TOKEN_RE = _LazyPattern(r"[a-z][a-z'-]*")
_IRREGULAR_PAST = (
    "was|were|had|did|wasn't|weren't|hadn't|didn't|ago|began|became|came|went|took|made|saw|grew|rose|fell|sold|"
    "bought|built|spent|won|lost|said|told|gave|got|brought|found|left|paid|ran|held|kept|led|met|wrote|shrank|"
    "drew|drove|chose|spoke|broke|stood|sent|fought|caught|taught|thought|felt|heard|knew|threw|flew|grown|"
    "risen|fallen|taken|given|shown|known|done|gone|seen|begun|become|beaten|beat|earlier|previously|"
    "launched|released|announced|unveiled|introduced|founded|acquired|completed|reported|posted|delivered"
)
_PAST_WORDS = frozenset(_IRREGULAR_PAST.split("|"))
_NOT_PAST_ED = frozenset(
    """expected planned scheduled slated anticipated projected forecasted predicted proposed rumored rumoured
    targeted tipped pencilled penciled pegged earmarked delayed postponed pushed moved deferred rescheduled
    extended committed pledged promised vowed intended designed aimed required needed based advanced
    limited detailed focused specialized specialised dedicated integrated automated sophisticated unprecedented
    experienced talented skilled established related combined estimated supposed prepared positioned guided
    speed embed proceed succeed exceed indeed hundred kindred sacred naked wicked crooked rugged ragged beloved
    learned aged biased interested concerned involved united red need seed feed breed bleed greed steed weed
    tied allied applied supplied varied worried hoped wanted decided agreed tasked charged mandated
    obligated scaled dubbed named called titled codenamed priced valued sized""".split()
)
_CLAUSE_BOUNDARY_RE = _LazyPattern(
    r"""[.!?;:](?:\s|$)|\s[-–—]\s|[—–()\[\]"“”\n]|,\s|
    \s(?:and|but|while|whereas|although|though|because|so|which|who|that|when|after|before|once)\s""", _FLAGS)


def _clause_around(text: str, start: int, end: int) -> tuple[str, str]:
    window_start = max(0, start - 240)
    before = text[window_start:start]
    last = None
    for last in _CLAUSE_BOUNDARY_RE.finditer(before):
        pass
    if last is not None:
        before = before[last.end():]
    after = text[end:end + 240]
    first = _CLAUSE_BOUNDARY_RE.search(after)
    if first is not None:
        after = after[:first.start()]
    return before, after


def _tense(text: str, start: int, end: int) -> str:
    """'future', 'past' or 'neutral': how the clause around a time expression speaks."""
    before, after = _clause_around(text, start, end)
    around = f"{before} {after}".lower()
    words = _TOKEN_RE.findall(around)
    if any(w in _FUTURE_WORDS for w in words) or _FUTURE_PHRASE_RE.search(around):
        return "future"
    for w in words:
        if w in _PAST_WORDS:
            return "past"
        # a past participle ("launched"), but not a hyphenated adjective ("coding-focused") or "speed"
        if len(w) >= 5 and w.endswith("ed") and "-" not in w and "'" not in w and not w.endswith("eed") and w not in _NOT_PAST_ED:
            return "past"
    return "neutral"


# ---------------------------------------------------------------- candidates


@dataclass
class _Candidate:
    start: int
    end: int
    deadline: date | None
    earliest: date | None
    vague: bool
    explanation: str
    rank: int  # 5 deadline words, 4 "in"/"during", 3 bare, 2 vague, 1 no deadline
    future: bool = False
    period_start: date | None = None
    year_from: Callable[[int], _Candidate | None] | None = None
    range_only: bool = False  # "2028" in "in 2027 or 2028": no reading alone, the end of a range


_RANK_DEADLINE, _RANK_IN, _RANK_BARE, _RANK_VAGUE, _RANK_NONE = 5, 4, 3, 2, 1


def _resolve(core: _Core, stated: date, transform: Callable[[_Period], _Period]) -> tuple[_Period, bool] | None:
    """The period, transformed; for a period without a year, the first one ending on or after stated."""
    if core.has_year:
        return transform(core.build(stated.year)), False
    for y in range(stated.year - 1, stated.year + 9):
        try:
            p = core.build(y)
        except ValueError:  # 29 February in a common year
            continue
        if p is None:
            continue
        p = transform(p)
        if p.end >= stated:
            return p, True
    return None


def _modifier_transform(mod: str | None, trig: str | None) -> tuple[Callable[[_Period], _Period], str]:
    if not mod:
        return (lambda p: p), ""
    m = mod.replace(" -", "-").replace("- ", "-").removeprefix("the ").removeprefix("very ")
    if m.startswith(("end", "close")):
        return (lambda p: _day(p.end, f"the end of {p.label}")), "end"
    if m.startswith(("middle", "midpoint", "mid")):
        return (lambda p: _part(p, "mid")), "mid"
    if m.startswith(("start", "beginning", "outset", "dawn", "turn")):
        if m.startswith("turn"):
            return (lambda p: _day(p.start, f"the turn of {p.label}")), "start"
        if trig in ("by", "before", "prior to", "ahead of", "until", "till"):
            return (lambda p: _day(p.start, f"the start of {p.label}")), "start"
        return (lambda p: _part(p, "early")), "early"
    if m.startswith(("rest", "remainder", "balance", "course", "later ", "later")):
        return (lambda p: p), "rest"
    if m.startswith("early"):
        return (lambda p: _part(p, "early")), "early"
    if m.startswith(("late", "latter", "last")):
        return (lambda p: _part(p, "late")), "late"
    if m.startswith("earlier"):
        return (lambda p: p), "earlier"
    return (lambda p: p), ""


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower()).strip()


def _period_candidates(text: str, stated: date, whole: str) -> list[_Candidate]:
    out: list[_Candidate] = []
    # "August" inside "August 2025" is no reading of its own, even when August 2025 is rejected.
    # Sorted by start (longest first), a core is inside a longer one when an earlier core reaches past its end.
    outer: _Core | None = None
    cores = []
    for c in sorted(_cores(text, stated), key=lambda c: (c.start, -c.end)):
        if outer is not None and c.end <= outer.end and (outer.end - outer.start) > (c.end - c.start):
            continue
        cores.append(c)
        if outer is None or c.end > outer.end:
            outer = c
    for core in cores:
        cand = _period_candidate(text, stated, core, whole)
        if cand is not None:
            out.append(cand)
    return out


def _words_before(text: str, core: _Core) -> tuple[int, str | None, str | None]:
    """(start of the whole expression, modifier, trigger) for the words just before a core."""
    before_text = text[max(0, core.start - 60):core.start]
    mod_match = _MODIFIER_RE.search(before_text)
    mod = _norm(mod_match["mod"]) if mod_match else None
    span_start = core.start - (len(before_text) - mod_match.start()) if mod_match else core.start
    if mod and core.kind in ("date", "dayword", "weekday", "yearend") and not re.match(r"(?:the )?(?:end|close) of", mod):
        mod, span_start = None, core.start  # "early June 30" makes no sense; "the end of June 30" is harmless
    trig_text = text[max(0, span_start - 40):span_start]
    trig_match = _TRIGGER_RE.search(trig_text)
    trig = _norm(trig_match["trig"]) if trig_match else None
    if trig_match:
        span_start -= len(trig_text) - trig_match.start()
    return span_start, mod, trig


_MAY_VERB_RE = _LazyPattern(
    r"\s+(?:be|have|not|also|well|yet|still|need|want|take|come|go|see|get|make|help|even|never|only|just|already|"
    r"face|lose|win|find|use|seem|prove|end|slip|soon|do|become|result|lead|require|allow|mean)\b", re.I)
_STRONG_TRIGGERS = ("by", "before", "until", "till", "no later than", "not later than", "on or before")


def _prose_rejects(text: str, core: _Core, mod: str | None, trig: str | None, span_start: int) -> bool:
    """True when, inside a sentence, the core is no deadline: a label, a verb, a bare year..."""
    word = core.needs_capital
    after = text[core.end:core.end + 40]
    if word is not None and not word[:1].isupper():
        return True  # "march", "may", "sat": verbs; articles capitalise months and days
    if word is not None and word.lower() == "may" and _MAY_VERB_RE.match(after):
        return True  # "May be delayed": the verb at the start of a sentence
    if core.kind == "season" and re.match(r"\s+of\s+(?!(?:19|20|21)\d\d)", after, re.I):
        return True  # "the fall of Rome"
    event = (core.kind in ("month", "season") and not core.has_year and not trig and not mod
             and re.search(r"\b(?:its|the|their|his|her|our|this|next|a)\s+$", text[max(0, core.start - 8):core.start], re.I)
             and _EVENT_NOUN_RE.match(after))  # "at its September meeting": the next September
    if not event and not core.bare_ok and not trig and not mod:
        return True  # "2026", "March", "the third quarter" need a deadline word in prose
    if core.kind == "the_unit" and (mod == "earlier" or (not mod and trig not in _UNIT_TRIGGERS)):
        return True  # "the year" only as "the end of the year", "within the year", ...
    if core.kind == "weekday" and not core.bare_ok and trig not in _STRONG_TRIGGERS:
        return True  # "on Tuesday" in news is mostly the day something happened
    if core.kind == "year" and not trig and mod == "later":
        return True
    if _LABEL_NOUN_RE.match(after) and trig not in _STRONG_TRIGGERS:
        return True  # "2026 revenue", "Q3 2026 earnings"
    if trig == "to" and not _DELAY_VERB_RE.search(text[max(0, span_start - 40):span_start]):
        return True  # "grow to 2026 levels"; but "delayed to 2027" is a deadline
    if core.kind == "year" and not mod and trig in ("on", "at", "into", "across", "about", "around", "circa"):
        return True
    return False


_UNIT_TRIGGERS = ("later in", "within", "during", "throughout", "over", "through", "for")


def _period_deadline(p: _Period, core: _Core, trig: str | None, mod_kind: str) -> tuple[date, str]:
    # "before July 1" is June 30, but "before the end of 2026" and "until June 30" include the day named.
    inclusive_day = mod_kind == "end" or core.kind == "yearend" or (trig in ("until", "till", "til", "'til", "up until") and p.start == p.end)
    if trig in _START_TRIGGERS:
        return p.start, (f"{trig} {p.label}: it starts {p.start.isoformat()}" if p.start != p.end else f"{trig} {p.label}: {p.start.isoformat()}")
    if trig in _BEFORE_TRIGGERS and not inclusive_day:
        deadline = p.start - timedelta(days=1)
        return deadline, f"the day before {p.label} starts is {deadline.isoformat()}"
    if p.start != p.end:
        return p.end, f"{p.label} ends {p.end.isoformat()}"
    return p.end, f"{p.label} is {p.end.isoformat()}" if p.label != p.end.isoformat() else f"the date {p.end.isoformat()}"


_EVENT_IN_YEAR_RE = _LazyPattern(
    r"(?:^|(?<=\W))(?P<trig>by|before|until|ahead\s+of|in|for|during|after|since)\s+(?:the|its|their|this|next|a|an)\s+$", re.I)


def _event_in_year(text: str, core: _Core) -> tuple[int, str] | None:
    """"before the 2028 election", "in the 2026 window": (start, trigger) of an event in a year."""
    if core.kind != "year" or not _LABEL_NOUN_RE.match(text[core.end:core.end + 40]):
        return None
    m = _EVENT_IN_YEAR_RE.search(text[max(0, core.start - 30):core.start])
    if m is None:
        return None
    return core.start - (min(core.start, 30) - m.start()), _norm(m["trig"])


def _period_candidate(text: str, stated: date, core: _Core, whole: str, forced_year: int | None = None) -> _Candidate | None:
    span_start, mod, trig = _words_before(text, core)
    event = _event_in_year(text, core) if not mod and not trig else None
    if event is not None:
        # The event's day within the year is unknown: any such trigger reads as "by the end of the year".
        span_start, trig = event
        if trig in _NOT_DEADLINE_TRIGGERS:
            return None
        label_end = core.end + _LABEL_NOUN_RE.match(text[core.end:core.end + 40]).end()
        p = core.build(stated.year)
        deadline = p.end
        if deadline < stated and whole != _norm(text[span_start:label_end]):
            return None
        explanation = f"an event in {p.label} ('{text[core.start:label_end].strip()}'): the end of {p.label}, {deadline.isoformat()}"
        rank = _RANK_DEADLINE if trig in _DEADLINE_TRIGGERS or trig in _BEFORE_TRIGGERS else _RANK_IN
        return _Candidate(span_start, label_end, deadline, None, False, explanation, rank, future=_tense(text, span_start, label_end) == "future")
    span_end = core.end
    alone = whole == _norm(text[span_start:span_end]).strip(" .,;:!?\"'()")
    range_only = False
    if not alone and not trig and not mod and core.kind in ("year", "month", "quarter", "half", "season") and \
            re.search(r"(?:^|[\s\w])(?:-|\s(?:to|through|thru|or|and))\s*$", text[max(0, core.start - 10):core.start]):
        range_only = True  # "2028" in "in 2027 or 2028": only the end of a range, judged in _merge_ranges
    elif not alone and _prose_rejects(text, core, mod, trig, span_start):
        return None
    if trig in _NOT_DEADLINE_TRIGGERS or mod == "earlier":
        return None
    transform, mod_kind = _modifier_transform(mod, trig)
    try:
        if forced_year is not None and not core.has_year:
            p, anchored = transform(core.build(forced_year)), False
        else:
            resolved = _resolve(core, stated, transform)
            if resolved is None:
                return None
            p, anchored = resolved
    except (ValueError, OverflowError, KeyError):
        return None
    deadline, explanation = _period_deadline(p, core, trig, mod_kind)
    if anchored:
        explanation = f"no year given, so the first one ending on or after {stated.isoformat()}: {explanation}"
    if trig in _DEADLINE_TRIGGERS or trig in _BEFORE_TRIGGERS or trig in ("as early as", "as soon as"):
        rank = _RANK_DEADLINE
    elif trig:
        rank = _RANK_IN
    else:
        rank = _RANK_BARE
    cand = _Candidate(span_start, span_end, deadline, None, False, explanation, rank,
                      period_start=p.start, range_only=range_only)
    if not core.has_year:
        cand.year_from = lambda y, core=core: _period_candidate(text, stated, core, whole, forced_year=y)
    if alone:
        cand.rank += 10  # the whole text is this expression: accept it as written
        return cand
    if deadline < stated:
        return None  # history: "founded in 2004", "this summer" said in September
    if core.kind in ("relcal", "dayword", "weekday") or (mod and mod.startswith("later")):
        cand.future = True  # "next year", "tomorrow", "later this year" look forward by themselves
        return cand
    tense = _tense(text, span_start, span_end)
    if tense == "past":
        return None
    cand.future = tense == "future"
    if deadline < stated:
        return None
    return cand


# ---------------------------------------------------------------- relative spans

_REL_PRE = r"""(?:with)?in(?:\s+the)?(?:\s+(?:next|coming|following))?|inside(?:\s+of)?(?:\s+the\s+next)?
    |(?:over|during|for|across|throughout)\s+the\s+(?:next|coming)|the\s+(?:next|coming)|next
    |(?:no|not)\s+later\s+than|(?:some|any)\s*time\s+in(?:\s+the\s+next)?
    |has|have|gets?|given|giving|takes?|taking|last|lasts|lasting|needs?|requires?|after"""
# "has 90 days to respond", "is expected to take 18 months": a span that starts now.
_VERB_PRE = frozenset("has have get gets given giving take takes taking last lasts lasting need needs require requires after".split())
_REL_APPROX = r"""(?:about|around|roughly|approximately|approx\.?|some|just|only|under|less\s+than|fewer\s+than|no\s+more\s+than|
    at\s+most|up\s+to|as\s+little\s+as|as\s+few\s+as|maybe|perhaps|another|a\s+further|an\s+additional|the\s+next|at\s+least|
    more\s+than|over|upwards\s+of|as\s+many\s+as|nearly|almost|close\s+to)"""
_RANGE_SEP = r"(?:-|–|—|to|or|and)"
_DUR = rf"{NUM}{_HALF}?\s+(?:more\s+|additional\s+|further\s+|full\s+|long\s+)?{UNIT}{_HALF}?"
_RELATIVE_RE = _LazyPattern(
    rf"""(?<![\w-])(?:(?P<pre>{_REL_PRE})\s+(?:(?P<approx>{_REL_APPROX})\s+)?)?(?P<between>between\s+)?
    (?P<dur>
        {NUM}{_HALF}?\s*{_RANGE_SEP}\s*{_DUR}
      | {_DUR}\s+or\s+{NUM}(?![\w-]|\s*{UNIT})
      | {_DUR}(?:\s*{_RANGE_SEP}\s*{_DUR})?
    )
    (?P<post>(?:\s+(?:or\s+so|or\s+less|at\s+(?:the\s+)?most|tops))?
        (?:\s+(?:from\s+(?:now|today|(?:the\s+)?(?:date\s+of\s+)?(?:this|the)\s+(?:announcement|article|report|writing|interview))
              |hence|out|away|down\s+the\s+(?:road|line)|time)
          |['’]\s*time)(?![\w-]))?""", _FLAGS)
# "in the next year", "over the coming decade", "the year ahead": one unit from now ("or two": a range).
_NEXT_UNIT_RE = _LazyPattern(
    rf"""(?<![\w-])(?P<pre>(?:(?:with)?in|over|during|for|across|throughout|inside(?:\s+of)?)\s+)?the\s+
    (?:(?:next|coming|upcoming)\s+(?P<unit>day|week|fortnight|month|year|decade|century)(?:\s+or\s+(?:so\b|(?P<n2>{NUM})(?![\w-])))?
      |(?P<unit2>week|month|year|decade)\s+ahead)(?![\w-])""", _FLAGS)
_NUM_OR_UNIT_RE = _LazyPattern(rf"(?P<n>{NUM}){_HALF}?(?:\s+(?:more\s+|additional\s+|further\s+|full\s+|long\s+)?(?P<unit>{UNIT}))?(?P<half>{_HALF})?", _FLAGS)
_LOOKBACK_AFTER_RE = _LazyPattern(
    rf"""^\s*(?:[-–]|ago|after|afterwards?|later|earlier|before|since|prior|previously|back|of|old|long|into|in\s+a\s+row|running|
    straight|ahead\s+of|following|to\s+(?:the\s+end|end|{MONTH}|\d)|through|until|till|behind|late|early|delay|lag|gap|apart|older|younger|
    beforehand|on\s+from|out\s+from|removed|past|in\s+(?:prison|jail)|sentence|term|contract|deal|lease|warranty|subscription|
    plan|free|trial|per|a\s+year|each|every|old)\b""", _FLAGS)
_LOOKBACK_BEFORE_RE = _LazyPattern(r"\b(?:past|last|previous|prior|first|preceding|recent|initial|final|those|these|over|spent|took|after|for|every|each|per|than)\s+$", re.I)


def _alone_text(text: str, m: re.Match) -> bool:
    return _norm(text).strip(" .,;:!?\"'()") == _norm(m.group(0))


def _next_unit_candidates(text: str, stated: date, whole: str) -> list[_Candidate]:
    out = []
    for m in _NEXT_UNIT_RE.finditer(text):
        unit = (m["unit"] or m["unit2"]).lower()
        if not m["pre"] and not m["unit2"] and whole != _norm(m.group(0)):
            continue  # "the next year will be hard": a subject, not a deadline
        if re.match(r"\s*(?:of|'s)\b", text[m.end():m.end() + 5], re.I):
            continue
        try:
            deadline = _add(stated, 1, unit)
            earliest = None
            if m["n2"]:
                n2 = _number(m["n2"])
                if n2 is None or n2 <= 1 or n2 > 100:
                    continue
                earliest, deadline = deadline, _add(stated, n2, unit)
        except (ValueError, OverflowError):
            continue
        if earliest:
            explanation = f"{stated.isoformat()} plus 1 to {_duration_words(_number(m['n2']) or 1, unit)}: from {earliest.isoformat()} to {deadline.isoformat()}"
        else:
            explanation = f"{stated.isoformat()} plus 1 {unit} is {deadline.isoformat()}"
        out.append(_Candidate(m.start(), m.end(), deadline, earliest, False, explanation, _RANK_DEADLINE, future=True))
    return out


def _relative_candidates(text: str, stated: date) -> list[_Candidate]:
    out = []
    for m in _RELATIVE_RE.finditer(text):
        pre = _norm(m["pre"] or "")
        post = _norm(m["post"] or "")
        # "12 months" typed alone (a --deadline value) means 12 months from the stated date
        forward_post = bool(re.search(r"from|hence|out|away|down|time", post)) or (not pre and _alone_text(text, m))
        if not pre and not forward_post:
            continue
        if pre.startswith(("in the", "within the")) and not re.search(r"next|coming|following", pre):
            continue  # "in the 12 months to June" looks back
        if pre.startswith(("in", "within", "inside")) and "next" not in pre and _LOOKBACK_BEFORE_RE.search(text[max(0, m.start() - 20):m.start()]) and not forward_post:
            continue
        if not forward_post and _LOOKBACK_AFTER_RE.match(text[m.end():m.end() + 30]):
            continue
        verb_pre = pre in _VERB_PRE
        if verb_pre and re.search(r"\b(?:the|this|past|over|in|for|during|of|its|their)\s+$", text[max(0, m.start() - 8):m.start()], re.I):
            continue  # "the last 12 months"
        if pre == "after" and re.search(r"\b(?:shortly|soon|just|only|even|right|immediately|months|years|weeks|days)\s+$", text[max(0, m.start() - 14):m.start()], re.I):
            continue
        approx = _norm(m["approx"] or "")
        if approx in ("at least", "more than", "over", "upwards of", "as many as"):
            continue  # names an earliest time, not a deadline
        pieces = []
        last_unit = None
        for piece in _NUM_OR_UNIT_RE.finditer(m["dur"]):
            n = _number(piece["n"])
            if n is None:
                continue
            if piece["half"] or re.search(_HALF, piece.group(0), re.I):
                n += 0.5
            unit = _unit_name(piece["unit"]) if piece["unit"] else None
            pieces.append([n, unit])
            last_unit = unit or last_unit
        if not pieces or last_unit is None:
            continue
        # "3 to 6 months": the first number takes the unit that follows; "a year or two" the one before.
        for i, piece in enumerate(pieces):
            if piece[1] is None:
                piece[1] = next((p[1] for p in pieces[i + 1:] if p[1]), None) or next((p[1] for p in reversed(pieces[:i]) if p[1]), last_unit)
        if len(pieces) > 2:
            pieces = [pieces[0], pieces[-1]]
        try:
            dates = [(_add(stated, n, unit), n, unit) for n, unit in pieces]
        except (ValueError, OverflowError):
            continue
        if any(n > 1000 for n, _u in pieces):
            continue
        dates.sort(key=lambda t: t[0])
        deadline = dates[-1][0]
        earliest = dates[0][0] if len(dates) > 1 and dates[0][0] != deadline else None
        words = [_duration_words(n, unit) for _d, n, unit in dates]
        if earliest:
            explanation = f"{stated.isoformat()} plus {words[0]} to {words[-1]}: from {earliest.isoformat()} to {deadline.isoformat()}"
        else:
            explanation = f"{stated.isoformat()} plus {words[-1]} is {deadline.isoformat()}"
        forward = forward_post or "next" in pre or "coming" in pre or "following" in pre or "later" in pre
        rank = _RANK_DEADLINE if forward or pre.startswith(("within", "inside", "no later", "not later")) else _RANK_IN
        cand = _Candidate(m.start(), m.end(), deadline, earliest, False, explanation, rank, future=forward)
        if not forward:
            tense = _tense(text, m.start(), m.end())
            if tense == "past":
                continue
            if verb_pre and pre not in ("has", "have", "get", "gets", "given", "giving") and tense != "future" and not _alone_text(text, m):
                continue  # "it takes two years to train a pilot" is a habit, not a deadline
            cand.future = tense == "future"
        out.append(cand)
    return out


# ---------------------------------------------------------------- vague horizons

_VAGUE_UNIT = r"(?P<u>hours|days|weeks|months|quarters|years|decades)"
_VAGUE_RES = [
    _LazyPattern(rf"""(?<![\w-])(?:(?:in|over|during|within|for|across|throughout)\s+)?(?:the\s+)?(?:coming|upcoming|next\s+(?:few|several|many)|following\s+few)
        \s+(?:few\s+|several\s+)?{_VAGUE_UNIT}(?![\w-])""", _FLAGS),
    _LazyPattern(rf"""(?<![\w-])(?:(?:in|within|inside|over)\s+(?:the\s+next\s+)?|(?:the\s+)?next\s+)(?:a\s+few|few|several|a\s+handful\s+of|a\s+matter\s+of|a\s+number\s+of|mere|a\s+few\s+more)\s+{_VAGUE_UNIT}(?![\w-])""", _FLAGS),
    _LazyPattern(rf"""(?<![\w-])(?:a\s+few|several|a\s+handful\s+of|some)\s+{_VAGUE_UNIT}\s+(?:from\s+now|down\s+the\s+(?:road|line)|away|out|hence)(?![\w-])""", _FLAGS),
    _LazyPattern(rf"""(?<![\w-])(?:in\s+the\s+|over\s+the\s+|during\s+the\s+|the\s+)?{_VAGUE_UNIT}\s+(?:ahead|to\s+come)(?![\w-])""", _FLAGS),
    _LazyPattern(rf"""(?<![\w-])within\s+{_VAGUE_UNIT}(?![\w-])""", _FLAGS),
]
_VAGUE_UNIT_HORIZON = {"hours": "coming_days", "days": "coming_days", "weeks": "coming_weeks", "months": "coming_months",
                       "quarters": "coming_months", "years": "coming_years", "decades": "long_term"}
_VAGUE_WORDS_RE = _LazyPattern(
    r"""(?<![\w-])(?P<w>soon|shortly|asap|as\s+soon\s+as\s+possible|before\s+long|in\s+short\s+order|sooner\s+rather\s+than\s+later|in\s+the\s+(?:very\s+)?near\s+future|
    any\s*time\s+soon|imminently|any\s+day\s+now|any\s+moment\s+now|in\s+the\s+not[\s-]+(?:too[\s-]+)?distant\s+future|
    in\s+the\s+next\s+little\s+while|(?:in|over|for|during)\s+the\s+(?:short|near|medium|mid|long|longer)[\s-](?:term|run|haul)
    |(?:the\s+)?(?:short|near|medium|mid|long)[\s-]term(?=\s*(?:[.,;:!?)]|$)))(?![\w-])""", _FLAGS)


_UNIT_HINT_RE = _LazyPattern(r"da?ys?\b|week|fortnight|mo(?:nth)?s?\b|quarter|qtr|ye?a?rs?\b|decade|centur|hours?\b|hrs?\b")
_VAGUE_HINTS = ("coming", "next", "few", "several", "ahead", "come", "within", "soon", "shortly", "term", "run", "haul",
                "near", "imminent", "any day", "any moment", "short order", "matter of", "handful", "distant", "while",
                "before long", "number of", "mere", "asap")
_NONE_HINTS = ("eventually", "some day", "someday", "one day", "some point", "some stage", "sooner or later", "future",
               "due course", "down the", "these days")


def _vague_word_horizon(w: str) -> str:
    w = _norm(w).replace("-", " ")
    if "term" in w or "run" in w or "haul" in w:
        for key, name in (("short", "short_term"), ("near", "short_term"), ("medium", "medium_term"), ("mid", "medium_term"),
                          ("long", "long_term")):
            if re.search(rf"\b{key}", w):
                return name
    if "distant" in w:
        return "short_term"
    if w in ("imminently", "any day now", "any moment now"):
        return "coming_days"
    return "soon"


def _vague_candidates(text: str, stated: date, horizons: dict[str, tuple[float, str, str]]) -> list[_Candidate]:
    out = []
    found: list[tuple[int, int, str]] = []
    for regex in _VAGUE_RES:
        for m in regex.finditer(text):
            if re.match(r"\s*(?:ago|after|later|earlier|before|since|of\b|past)", text[m.end():m.end() + 12], re.I):
                continue
            if re.search(r"\b(?:for|past|last|previous|recent)\s+$", text[max(0, m.start() - 12):m.start()], re.I) and "ahead" not in m.group(0).lower() and "coming" not in m.group(0).lower():
                continue
            if "to come" in _norm(m.group(0)) and re.search(r"\bfor\s+$", text[max(0, m.start() - 6):m.start()], re.I):
                continue
            found.append((m.start(), m.end(), _VAGUE_UNIT_HORIZON[m["u"].lower()]))
    for m in _VAGUE_WORDS_RE.finditer(text):
        w = _norm(m["w"])
        if w in ("soon", "shortly"):
            if re.search(r"\b(?:as|how|too|so)\s+$", text[max(0, m.start() - 5):m.start()], re.I):
                continue
            if re.match(r"\s*(?:after|afterwards?|thereafter|before|-|as\b|to\s+be|enough\s+to)", text[m.end():m.end() + 14], re.I):
                continue
        found.append((m.start(), m.end(), _vague_word_horizon(w)))
    for start, end, name in found:
        n, unit, origin = horizons[name]
        try:
            deadline = _add(stated, n, unit)
        except (ValueError, OverflowError):
            continue
        where = "[deadlines.vague] in the config" if origin == "config" else "default; [deadlines.vague] in the config overrides it"
        explanation = (f"vague: {name.replace('_', ' ')} is read as {_duration_words(n, unit)} ({name}, {where}): "
                       f"{stated.isoformat()} plus {_duration_words(n, unit)} is {deadline.isoformat()}")
        out.append(_Candidate(start, end, deadline, None, True, explanation, _RANK_VAGUE, future=True))
    return out


# ---------------------------------------------------------------- words that name no deadline

_NONE_RE = _LazyPattern(
    r"""(?<![\w-])(?P<w>eventually|someday|some\s+day|one\s+day|one\s+of\s+these\s+days|at\s+some\s+(?:point|stage)(?:\s+in\s+the\s+future)?|
    sooner\s+or\s+later|in\s+the\s+(?:distant\s+|far\s+|long[\s-]term\s+)?future|in\s+due\s+course|down\s+the\s+(?:road|line))(?![\w-])""", _FLAGS)
_NONE_WHOLE_RE = _LazyPattern(r"^(?:none|no\s+deadline|no\s+date|never|n/?a|tbd|tba|unknown|open[\s-]ended|indefinite(?:ly)?|no|null|-|—|eventually|someday|some\s+day)$", re.I)


def _none_candidates(text: str) -> list[_Candidate]:
    out = []
    for m in _NONE_RE.finditer(text):
        w = _norm(m["w"])
        if w == "one day" and (re.search(r"\b(?:in|within|for|every|per|a|the|each|only|just|than|by|after|of|on)\s+$", text[max(0, m.start() - 8):m.start()], re.I)
                               or re.match(r"\s*(?:-|of|after|before|later|ago|earlier|to|when|in|at|trip|pass|event|sale)\b", text[m.end():m.end() + 10], re.I)):
            continue
        if w.startswith("down the") and re.search(r"\b(?:years?|months?|weeks?|days?)\s+$", text[max(0, m.start() - 10):m.start()], re.I):
            continue
        out.append(_Candidate(m.start(), m.end(), None, None, True, f"'{m.group(0)}' names no deadline", _RANK_NONE))
    return out


# ---------------------------------------------------------------- choosing


def _merge_ranges(text: str, cands: list[_Candidate]) -> list[_Candidate]:
    """'2027 or 2028', 'between Q3 and Q4 2026', 'late 2026 to early 2027': one reading, with earliest."""
    dated = sorted((c for c in cands if c.period_start is not None), key=lambda c: c.start)
    starts = [c.start for c in dated]
    merged = []
    for a in dated:
        # only the readings that start within a few characters after this one ends
        for b in dated[bisect.bisect_right(starts, a.end):bisect.bisect_right(starts, a.end + 12)]:
            between = text[a.end:b.start]
            if not re.fullmatch(r"\s*(?:-|–|—|to|through|thru|until|till|or|and|/)\s*(?:the\s+)?(?:end\s+of\s+)?", between, re.I):
                continue
            if between.strip().lower() == "and" and not re.search(r"between\s+(?:the\s+)?", text[max(0, a.start - 12):a.end], re.I):
                continue
            first = a
            if a.year_from is not None and b.deadline is not None:
                redone = a.year_from(b.deadline.year)
                if redone is not None and redone.period_start is not None:
                    first = redone
            if b.deadline is None or first.period_start is None or first.period_start > b.deadline:
                continue
            if a.range_only:
                continue
            merged.append(_Candidate(a.start, b.end, b.deadline, first.period_start, False,
                                     f"a range: from {first.period_start.isoformat()} (start of the first) to {b.deadline.isoformat()} ({b.explanation})",
                                     a.rank, future=a.future or b.future, period_start=first.period_start))
    return cands + merged


def _choose(cands: list[_Candidate]) -> _Candidate | None:
    """The reading of a sentence: overlapping candidates keep the longest ("by the end of Q3
    2026" over "Q3 2026"); then deadline words beat "in", which beats a bare period, vague words
    and no-deadline words; then a future clause; then the first in the text."""
    kept: list[_Candidate] = []  # no two overlap, ordered by start
    kept_starts: list[int] = []
    for c in sorted((c for c in cands if not c.range_only), key=lambda c: (-(c.end - c.start), -c.rank)):
        i = bisect.bisect_right(kept_starts, c.start)
        if (i > 0 and kept[i - 1].end > c.start) or (i < len(kept) and kept[i].start < c.end):
            continue
        kept.insert(i, c)
        kept_starts.insert(i, c.start)
    if not kept:
        return None
    return max(kept, key=lambda c: (c.rank, c.future, -c.start))


_TEXT_TRANSLATION = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
                                   "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2011": "-", "\u2010": "-"})


def _normalise(text: str) -> str:
    # One character for one, so that offsets in the normalised text are offsets in the original.
    return text.translate(_TEXT_TRANSLATION)


def _as_date(stated) -> date:
    if isinstance(stated, datetime):
        return stated.date()
    return stated


def _read(text: str, stated: date, horizons: Mapping[str, str] | None) -> DeadlineReading:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    stated = _as_date(stated)
    norm = _normalise(text)
    whole = _norm(norm).strip(" .,;:!?\"'()")
    if not whole:
        return NO_DEADLINE
    if _NONE_WHOLE_RE.match(whole):
        return DeadlineReading(None, None, text.strip(), True, f"'{text.strip()}' names no deadline")
    table, problems = _horizon_table(horizons)
    low = norm.lower()
    cands = _period_candidates(norm, stated, whole)
    if _UNIT_HINT_RE.search(low):
        cands += _relative_candidates(norm, stated)
        if "next" in low or "coming" in low or "ahead" in low:
            cands += _next_unit_candidates(norm, stated, whole)
    if any(w in low for w in _VAGUE_HINTS):
        cands += _vague_candidates(norm, stated, table)
    if any(w in low for w in _NONE_HINTS):
        cands += _none_candidates(norm)
    for c in cands:
        if whole == _norm(norm[c.start:c.end]).strip(" .,;:!?\"'()") and c.rank < 10:
            c.rank += 10
    cands = _merge_ranges(norm, cands)
    best = _choose(cands)
    if best is None:
        return NO_DEADLINE
    explanation = best.explanation
    if best.vague and problems:
        explanation += f" (config ignored: {problems[0]})"
    return DeadlineReading(best.deadline, best.earliest, text[best.start:best.end], best.vague, explanation)


def read_deadline(text: str, stated: date, horizons: Mapping[str, str] | None = None) -> DeadlineReading:
    """The deadline named in `text` (a phrase or a whole sentence), read relative to `stated`.

    Never raises: text without deadline words gives a reading with every field None and
    vague False. Periods that ended before `stated` are no deadline inside a sentence
    ("founded in 2004"), but are read as written when they are the whole text ("Q2 2025").
    `horizons` overrides DEFAULT_HORIZONS by name ({"coming_weeks": "8 weeks"}); an unknown
    name or unreadable duration is ignored here (check_horizons reports it).
    """
    try:
        return _read(text, stated, horizons)
    except Exception as exc:  # a bug must not turn a sentence into a traceback for the user
        return DeadlineReading(None, None, None, False, f"could not read the deadline words (internal error: {type(exc).__name__})")


def parse_deadline_value(value: str, stated: date, horizons: Mapping[str, str] | None = None) -> DeadlineReading:
    """A deadline from a flag or file field: an ISO date or any phrase read_deadline reads.

    "none", "eventually" and the like give a reading with deadline None. Raises
    InvalidValue("deadline", value, <accepted forms>) when no deadline can be read.
    """
    if isinstance(value, date):
        d = _as_date(value)
        return DeadlineReading(d, None, d.isoformat(), False, f"the date {d.isoformat()}")
    text = "" if value is None else str(value)
    stripped = text.strip()
    try:
        d = date.fromisoformat(stripped) if len(stripped) <= 10 else datetime.fromisoformat(stripped).date()
    except ValueError:
        pass
    else:
        return DeadlineReading(d, None, stripped, False, f"the date {d.isoformat()}")
    reading = read_deadline(stripped, stated, horizons)
    if reading.deadline is None and not (reading.vague and reading.text):
        raise InvalidValue("deadline", value, ACCEPTED_DEADLINE_FORMS)
    return reading
