"""Probability language to numbers: "a 70% chance", "one in five", "likely", "will".

The number is the probability of the claim as the sentence states it ("X will not ship until
Q3": the claim is the not-shipping, and "will" asserts it). A stated number wins when it speaks
of chance ("a 70% chance", "7 in 10 odds", "probability 0.7"): kind "stated". A number that
measures something else ("scored 72.3% on HumanEval", "will hit 40% of apps") is no
probability. Otherwise an estimative word is looked up in the shipped table
(predtrack/data/probability_words.json, derived from the zonination/perceptions survey):
kind "inferred". Text with neither gives None; callers then use ASSERTION_DEFAULT and mark
it inferred. The conventions, with examples, are in docs/language.md.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from typing import Mapping

from predtrack.lazy_regex import LazyPattern as _LazyPattern
from predtrack.errors import InvalidValue




# A plain assertion ("Meta will acquire ..."): the table's "will"; a test keeps them equal.
ASSERTION_DEFAULT: float = 0.85

ACCEPTED_PROBABILITY_FORMS = "a number in [0, 1], a percentage such as 70%, or an estimative word such as 'likely'"


@dataclass(frozen=True)
class ProbabilityReading:
    probability: float | None
    text: str | None  # the words matched
    kind: str | None  # "stated" | "inferred" | None
    explanation: str


NO_PROBABILITY = ProbabilityReading(None, None, None, "no probability words found")

# ---------------------------------------------------------------- the word table


@dataclass(frozen=True)
class _Entry:
    phrase: str
    probability: float
    tier: int  # 1 estimative phrase, 2 hedge verb, 3 plain assertion: the lower wins in a sentence
    basis: str


_TIERS = {"estimate": 1, "hedge": 2, "assertion": 3}


def _key(phrase: str) -> str:
    """The lookup form of a phrase: lower case, words joined by single spaces."""
    return " ".join(_WORD_RE.findall(phrase.lower().replace("’", "'")))


_WORD_RE = _LazyPattern(r"[a-z0-9]+(?:'[a-z]+)?|'ll\b")


@functools.cache
def _shipped() -> tuple[dict[str, _Entry], dict[str, tuple[str, ...]]]:
    """form -> entry, and phrase -> its forms, from the packaged JSON (read once, on first use)."""
    from importlib import resources

    raw = json.loads(resources.files("predtrack").joinpath("data/probability_words.json").read_text(encoding="utf-8"))
    by_form: dict[str, _Entry] = {}
    forms_of: dict[str, tuple[str, ...]] = {}
    for item in raw["survey"]:
        basis = f"survey median {item['median']:g} of {item['n']} answers for '{item['survey_phrase']}', probly.csv"
        _add_entry(by_form, forms_of, item, basis)
    for item in raw["extra"]:
        _add_entry(by_form, forms_of, item, f"not in the survey; placed {item['anchor']}")
    return by_form, forms_of


def _add_entry(by_form, forms_of, item, basis):
    entry = _Entry(item["phrase"], float(item["probability"]), _TIERS[item["tier"]], basis)
    forms = tuple(dict.fromkeys(_key(f) for f in [item["phrase"], *item["forms"]]))
    forms_of[_key(item["phrase"])] = forms
    for form in forms:
        by_form[form] = entry


def _overridden(overrides: Mapping[str, float] | None) -> dict[str, _Entry]:
    by_form, forms_of = _shipped()
    table = dict(by_form)
    for phrase, value in (overrides or {}).items():
        key = _key(str(phrase))
        if not key:
            continue
        probability = float(value)
        basis = "[probability.words] in the config"
        shipped = by_form.get(key)
        if shipped is not None:
            # Naming a phrase or one of its forms moves every form of it ("expect" and "expects").
            for form in forms_of[_key(shipped.phrase)]:
                table[form] = _Entry(shipped.phrase, probability, shipped.tier, basis)
        else:
            table[key] = _Entry(key, probability, 1, basis)
    return table


def word_table(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Every phrase and form the reader knows -> probability, with config overrides applied."""
    return {form: entry.probability for form, entry in _overridden(overrides).items()}


@functools.lru_cache(maxsize=32)
def _table_for(frozen: tuple[tuple[str, float], ...]) -> tuple[dict[str, _Entry], dict[str, int]]:
    table = _overridden(dict(frozen))
    # first word -> the most words a phrase starting with it has: most words start none.
    longest: dict[str, int] = {}
    for form in table:
        words = form.split(" ")
        longest[words[0]] = max(longest.get(words[0], 0), len(words))
    return table, longest


def _table(words: Mapping[str, float] | None) -> tuple[dict[str, _Entry], dict[str, int]]:
    frozen = tuple(sorted((str(k), float(v)) for k, v in (words or {}).items()))
    return _table_for(frozen)


# ---------------------------------------------------------------- stated numbers

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1_000_000, "billion": 1_000_000_000,
}
_WORD_NUMBER = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?"
                r"|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                r"seventeen|eighteen|nineteen|a\s+hundred|one\s+hundred|hundred|a\s+thousand|thousand|a\s+million|million|a\s+billion|billion)")
_AMOUNT = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|\.\d+|{_WORD_NUMBER})"
_PCT_SIGN = r"(?:\s?%|\s*(?:percent|per\s*cent|pct|pc)\b)"
_QUALIFIER = (r"(?P<qual>about|around|roughly|approximately|approx\.?|some|nearly|almost|close\s+to|near|just\s+(?:over|under)|"
              r"less\s+than|under|below|more\s+than|over|above|better\s+than|at\s+least|at\s+most|up\s+to|as\s+(?:high|low|much|little)\s+as|"
              r"no\s+more\s+than|no\s+less\s+than|upwards\s+of|perhaps|maybe|only|just|a\s+mere|merely|an\s+estimated|~|≈)")
_PERCENT = rf"(?:(?P<lo>\d{{1,3}}(?:\.\d+)?){_PCT_SIGN}?\s*(?:-|–|to|and)\s*)?(?P<pct>\d{{1,3}}(?:\.\d+)?|{_WORD_NUMBER}){_PCT_SIGN}"
_FRACTION = rf"(?P<a>{_AMOUNT})(?:\s+|-)(?:in|out\s+of)(?:\s+|-)(?P<b>{_AMOUNT})"
_DECIMAL = r"(?P<dec>0?\.\d+|1\.0+)(?![\d.,%])"
_CHANCE_AFTER = (r"(?:chances?|probability|likelihood|odds|likely|sure|certain|certainty|confident|confidence|risk|possibility|shot|"
                 r"probable|prospect)\b")
# "the odds are 30% higher", "the risk is 40% of revenue": a change or a share, not the chance itself.
_NOT_A_LEVEL = (r"(?!\s*(?:higher|lower|more|less|greater|smaller|bigger|larger|above|below|increase|decrease|rise|drop|jump|"
                r"fall|points?|pp|of\s+(?:the|all|its|their|his|her|our|global|total|revenue|sales|gdp|income|profits?)|a\s+year)\b)")
_CHANCE_BEFORE = r"(?:probability|probabilities|chances?|odds|likelihood|risk|confidence)"
_LINK = (r"(?:\s*(?:of|that\s+it\s+happens\s+is|is|are|was|were|at|=|:|≈|~|stands?\s+at|put\s+at|estimated\s+at|"
         r"would\s+be|will\s+be|be|(?:has|have|had)?\s*(?:risen|rose|climbed|jumped|increased|grown|fallen|fell|dropped|"
         r"declined|slipped|surged|edged\s+up|edged\s+down|moved)\s+to)\s*)")

_STATED_AFTER_RE = _LazyPattern(
    rf"""(?<![\w.$£€])(?:{_QUALIFIER}\s+(?:an?\s+)?)?(?:{_PERCENT}|{_FRACTION}|(?P<dec>0?\.\d+))
    (?:\s+|-)?(?:(?:of\s+)?an?\s+)?(?:(?:estimated|overall|annual|cumulative|implied|rough|roughly|better|real|stated|
    independent)\s+)?(?P<word>{_CHANCE_AFTER})""", re.I | re.X)
_STATED_BEFORE_RE = _LazyPattern(
    rf"""(?<![\w-])(?:(?P<word>{_CHANCE_BEFORE})(?:(?P<gap>[^.;!?%]{{0,80}}?){_LINK}|\s*[:=(]?\s*)|\bp\s*[=:]\s*)
    (?:(?:now|currently|still|already|seen\s+as|thought\s+to\s+be|estimated\s+to\s+be)\s+)?
    (?:{_QUALIFIER}\s+)?(?:{_PERCENT}|{_FRACTION}|{_DECIMAL}){_NOT_A_LEVEL}""", re.I | re.X)
_PUT_AT_RE = _LazyPattern(
    rf"""(?<![\w-])(?:put|puts|putting|put\s+the\s+(?:odds|chances?|probability)|gives?|giving|assigns?|assigning|estimates?|pegs?|places?)
    \s+(?:it|this|that|them|the\s+(?:odds|chances?|probability|likelihood))?\s*(?:at|a|an)\s+(?:{_QUALIFIER}\s+)?(?:{_PERCENT}|{_FRACTION})""", re.I | re.X)
_EVEN_RE = _LazyPattern(r"(?<![\w-])(?P<w>fifty[\s-]fifty|50[\s-]?/[\s-]?50|50[-–]50|50:50)(?![\w-])", re.I)
_ODDS_RE = _LazyPattern(
    rf"""(?<![\w-])(?:odds\s+(?:of\s+|are\s+|at\s+)?)?(?P<a>\d+|{_WORD_NUMBER})\s*(?:to|-|:)\s*(?P<b>\d+|{_WORD_NUMBER})
    (?:\s+odds)?\s+(?P<dir>against|on|in\s+favou?r)(?![\w-])""", re.I | re.X)
# "Meta acquires Replit by Q2 2027 (70%)" or "...: 70%" at the very end of a forecast line.
_TRAILING_RE = _LazyPattern(r"(?:\(\s*(?P<p1>\d{1,3}(?:\.\d+)?)\s?%\s*(?:confidence|confident|likely|chance|probability)?\s*\)|[:\-–—]\s*(?P<p2>\d{1,3}(?:\.\d+)?)\s?%)\s*[.!]?\s*$", re.I)
_FUTURE_HINT_RE = _LazyPattern(r"\b(?:will|won't|would|by|before|within|until|expect\w*|going\s+to|predict\w*|forecast\w*)\b", re.I)


def _amount(text: str) -> float | None:
    t = re.sub(r"\s+", " ", text.strip().lower()).replace(",", "")
    try:
        return float(t)
    except ValueError:
        pass
    total, current = 0.0, 0.0
    for token in re.split(r"[\s-]+", t):
        value = _NUMBER_WORDS.get(token)
        if value is None:
            return None
        if value >= 100:
            current = (current or 1) * value
            if value >= 1000:
                total, current = total + current, 0.0
        else:
            current += value
    return total + current


def _fmt(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _from_match(m: re.Match) -> tuple[float, str] | None:
    """(probability, how) from a match of the stated-number patterns, or None when out of range."""
    gd = m.groupdict()
    if gd.get("pct"):
        value = _amount(gd["pct"])
        if value is None:
            return None
        how = f"{value:g}%"
        if gd.get("lo"):
            lo = float(gd["lo"])
            if lo > value:
                return None
            how = f"the middle of {lo:g}-{value:g}%"
            value = (lo + value) / 2
        if not 0 <= value <= 100:
            return None
        return value / 100, how
    if gd.get("a") and gd.get("b"):
        a, b = _amount(gd["a"]), _amount(gd["b"])
        if a is None or b is None or b <= 0 or a > b:
            return None
        return a / b, f"{_fmt(a)} in {_fmt(b)}"
    if gd.get("dec"):
        value = float(gd["dec"])
        if not 0 <= value <= 1:
            return None
        return value, f"{value:g}"
    return None


def _qualified(how: str, m: re.Match) -> str:
    qual = (m.groupdict().get("qual") or "").strip()
    if qual and re.match(r"less|under|below|more|over|above|better|at\s|up\s|as\s|no\s|upwards", qual, re.I):
        return f"{how} ('{qual}' read as the number itself)"
    return how


_NUMBER_HINT_RE = _LazyPattern(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|\w+ty|hundred|thousand|million|billion)\b", re.I)
_CHANCE_HINTS = ("chance", "probab", "likel", "odds", "sure", "certain", "confiden", "risk", "possib", "shot", "bet", "prospect",
                 "%", "percent", "per cent", "pct", "against", "favo", "=", "fifty", "50")


def _stated(text: str) -> ProbabilityReading | None:
    low = text.lower()
    if not any(w in low for w in _CHANCE_HINTS) or _NUMBER_HINT_RE.search(text) is None:
        return None
    found: list[tuple[int, int, float, str]] = []
    for regex in (_STATED_AFTER_RE, _STATED_BEFORE_RE, _PUT_AT_RE):
        for m in regex.finditer(text):
            got = _from_match(m)
            if got is None:
                continue
            if regex is _PUT_AT_RE and any(f[0] < m.end() and m.start() < f[1] for f in found):
                continue  # "gives it a 35% chance": the chance words already say it
            if regex is _STATED_AFTER_RE and m["word"].lower() in ("likely", "probable") and re.search(r"\b(?:less|more|as)\s*$", text[m.start():m.start("word")], re.I):
                continue
            if m.groupdict().get("word") and m["word"].lower() in ("confidence", "confident") and \
                    re.match(r"\s+(?:intervals?|levels?|bands?|bounds?|range)\b", text[m.end():m.end() + 12], re.I):
                continue  # "a 95% confidence interval" is statistics, not a forecast
            found.append((m.start(), m.end(), got[0], _qualified(got[1], m)))
    for m in _EVEN_RE.finditer(text):
        found.append((m.start(), m.end(), 0.5, "even odds"))
    for m in _ODDS_RE.finditer(text):
        a, b = _amount(m["a"]), _amount(m["b"])
        if not a or not b:
            continue
        against = m["dir"].lower() == "against"
        p = b / (a + b) if against else a / (a + b)
        found.append((m.start(), m.end(), p, f"odds of {a:g} to {b:g} {'against' if against else 'on'}"))
    if not found:
        m = _TRAILING_RE.search(text)
        if m and _FUTURE_HINT_RE.search(text[:m.start()]):
            value = float(m["p1"] or m["p2"])
            if 0 <= value <= 100:
                found.append((m.start(), m.end(), value / 100, f"{value:g}% after the forecast"))
    if not found:
        return None
    start, end, probability, how = min(found, key=lambda f: (f[0], -f[1]))
    matched = text[start:end].strip(" :-–—")
    return ProbabilityReading(round(probability, 6), matched, "stated", f"'{matched}' states {how}: {probability:.4g}")


# ---------------------------------------------------------------- estimative words

_NEGATION_RE = _LazyPattern(r"(?:\bnot|n't|\bnever|\bhardly|\bscarcely|\bno\s+longer)\s+(?:(?:very|that|so|too|all\s+that|particularly|especially|terribly|exactly|even)\s+)?$", re.I)
_SENTENCE_END_RE = _LazyPattern(r"[.!?](?=\s|$)")


def _sentence_of(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The text of the sentence around a match: (before it, the sentence, the end mark)."""
    left = 0
    for m in _SENTENCE_END_RE.finditer(text, 0, start):
        left = m.end()
    m = _SENTENCE_END_RE.search(text, end)
    right = m.end() if m else len(text)
    return text[left:start], text[left:right], text[m.start()] if m else ""


def _skip(form: str, text: str, start: int, end: int) -> bool:
    """Uses of a table word that say nothing about chance."""
    before, sentence, mark = _sentence_of(text, start, end)
    if mark == "?":
        return True  # "Will Meta ship by Q3?" asks, it does not forecast
    word = text[start:end]
    prev = before.rstrip().lower()
    after = text[end:end + 20].lower()
    if form == "may" and word[:1] == "M" and (before.strip() or re.match(r"\s*\d", after)):
        return True  # the month
    if form in ("will", "would", "shall") and word[:1] == "W" and not before.strip():
        return True  # a question or a name: "Will Smith"
    if form == "will" and word[:1] == "W" and before.strip():
        return True
    if form == "will" and re.search(r"\b(?:the|free|political|good|ill|at|own|his|her|their|its|a|my|your|our|of|against|with)$", prev):
        return True  # the noun: "political will"
    if form in ("expect", "expected", "anticipated", "predicted") and re.search(r"\b(?:than|as|what|was|were|had|been)$", prev):
        return True  # "faster than expected", "as expected"
    if form == "possible" and re.search(r"\b(?:as|if|where|whenever|wherever|when|best|everything|all|only)$", prev):
        return True  # "as soon as possible", "where possible"
    if form in ("likely", "probable") and re.search(r"\b(?:less|more|as|equally)$", prev):
        return True  # comparisons: "more likely than rivals"
    if form in ("hope", "hopes") and re.search(r"\b(?:no|false|little|new|last|great|white|best|only)$", prev):
        return True
    if form in ("doubt", "doubts") and re.search(r"\b(?:cast|casts|casting|raise|raised|raises|raising|without|no|beyond|little|some|in)$", prev):
        return True  # "cast doubt on", "in doubt"
    if form in ("could", "might", "should", "would") and re.match(r"\s+(?:have|not\s+have|n't\s+have)\b", after):
        return True  # "could have": about the past
    return False


def _pick(hits: list[tuple[int, int, int, _Entry, str]], text: str) -> tuple[int, int, int, _Entry, str]:
    """An estimative phrase ("likely") wins wherever it is; otherwise the first hedge or
    assertion, since it governs the claim ("I expect Meta will", "Meta will buy X, aiming to"),
    unless a hedge qualifies the assertion right after it ("will possibly", "would perhaps")."""
    estimates = [h for h in hits if h[0] == 1]
    if estimates:
        return min(estimates, key=lambda h: h[1])
    ordered = sorted(hits, key=lambda h: h[1])
    first = ordered[0]
    if first[0] == 3 and len(ordered) > 1:
        following = ordered[1]
        gap = text[first[2]:following[1]]
        if following[0] == 2 and len(gap.split()) <= 1:
            return following
    return first


def _words(text: str, table: dict[str, _Entry], longest: dict[str, int]) -> ProbabilityReading | None:
    tokens = [(m.start(), m.end(), m.group(0)) for m in _WORD_RE.finditer(text.lower())]
    hits: list[tuple[int, int, int, _Entry, str]] = []
    i = 0
    while i < len(tokens):
        matched = False
        first = tokens[i][2]
        most = longest.get(first, 1 if first.endswith("'ll") else 0)
        for n in range(min(most, len(tokens) - i), 0, -1):
            words = [t[2] for t in tokens[i:i + n]]
            form = " ".join(words)
            entry = table.get(form)
            if entry is None and n == 1 and words[0].endswith("'ll"):
                entry, form = table.get("'ll"), "'ll"
            if entry is None:
                continue
            start = tokens[i][0] if form != "'ll" else tokens[i][1] - 3
            end = tokens[i + n - 1][1]
            if _skip(form, text, start, end):
                continue
            hits.append((entry.tier, start, end, entry, form))
            i += n
            matched = True
            break
        if not matched:
            i += 1
    if not hits:
        return None
    tier, start, end, entry, form = _pick(hits, text)
    matched_text = text[start:end]
    p = entry.probability
    if entry.tier == 1:
        neg = _NEGATION_RE.search(text[max(0, start - 40):start])
        if neg and not form.startswith(("not ", "probably not")):
            neg_start = max(0, start - 40) + neg.start()
            while neg_start > 0 and (text[neg_start - 1].isalpha() or text[neg_start - 1] == "'"):
                neg_start -= 1  # the whole word: "isn't", not "n't"
            whole = text[neg_start:end].strip()
            return ProbabilityReading(round(1 - p, 6), whole, "inferred",
                                      f"'{whole}': the opposite of '{matched_text}' ({p:.2f}; {entry.basis}): 1 - {p:.2f} = {1 - p:.2f}")
    name = f"'{matched_text}'" if _key(matched_text) == _key(entry.phrase) else f"'{matched_text}' (as '{entry.phrase}')"
    return ProbabilityReading(p, matched_text, "inferred", f"{name} reads as {p:.2f} ({entry.basis})")


# ---------------------------------------------------------------- public


def read_probability(text: str, words: Mapping[str, float] | None = None) -> ProbabilityReading:
    """The probability the text gives its claim. Never raises.

    `words` overrides the shipped table by phrase (the config's [probability.words]); a
    phrase the table lacks is added. Text without probability words gives None values.
    """
    try:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        norm = text.replace("’", "'").replace("\u00a0", " ")
        stated = _stated(norm)
        if stated is not None:
            return stated
        table, longest = _table(words)
        found = _words(norm, table, longest)
        return found if found is not None else NO_PROBABILITY
    except Exception as exc:  # a bug must not turn a sentence into a traceback for the user
        return ProbabilityReading(None, None, None, f"could not read the probability words (internal error: {type(exc).__name__})")


_FILLER = frozenset("a an the it its it's is be of i i'm am we we're are that this chance odds there there's".split())
_PLAIN_PERCENT_RE = _LazyPattern(r"^(?P<n>[+-]?\d+(?:\.\d+)?|[+-]?\.\d+)\s*(?:%|percent|per\s*cent|pct)$", re.I)
_PLAIN_FRACTION_RE = _LazyPattern(rf"^(?P<a>{_AMOUNT})\s*(?:in|out\s+of|/)\s*(?P<b>{_AMOUNT})$", re.I)


def parse_probability_value(value: str | float, words: Mapping[str, float] | None = None) -> tuple[float, str]:
    """A probability from a flag or file field: (number, "stated" | "inferred").

    0.7, "0.7", "70%", "70 percent", "7 in 10" -> (0.7, "stated"); an estimative word or
    phrase ("likely") -> (its table value, "inferred"). Raises InvalidValue otherwise,
    including numbers outside [0, 1] (1.5, -0.1, 150%).
    """
    def bad() -> InvalidValue:
        return InvalidValue("probability", value, ACCEPTED_PROBABILITY_FORMS)

    if isinstance(value, bool) or value is None:
        raise bad()
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isfinite(number) and 0.0 <= number <= 1.0:
            return number, "stated"
        raise bad()
    text = str(value).strip().replace("’", "'")
    if not text:
        raise bad()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if math.isfinite(number) and 0.0 <= number <= 1.0:
            return number, "stated"
        raise bad()
    m = _PLAIN_PERCENT_RE.match(text)
    if m:
        number = float(m["n"])
        if 0.0 <= number <= 100.0:
            return number / 100, "stated"
        raise bad()
    m = _PLAIN_FRACTION_RE.match(text)
    if m:
        a, b = _amount(m["a"]), _amount(m["b"])
        if a is not None and b and 0 <= a <= b:
            return a / b, "stated"
        raise bad()
    if _EVEN_RE.fullmatch(text):
        return 0.5, "stated"
    table, _longest = _table(words)
    entry = table.get(_key(text))
    if entry is not None:
        return entry.probability, "inferred"
    if re.search(r"\d", text) and not re.search(r"[a-z]{3}", text, re.I):
        raise bad()  # "1.5", "150 %", "-3": a number, but no probability
    reading = read_probability(text, words)
    if reading.probability is None or reading.text is None:
        raise bad()
    rest = _key(text.replace(reading.text, " ", 1)).split()
    if any(w not in _FILLER for w in rest):
        raise bad()
    return reading.probability, reading.kind or "inferred"
