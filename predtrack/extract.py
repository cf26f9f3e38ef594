"""Article text to candidate forecasts, for a person to review.

Pure: text in, candidates out. No database, no network, no model to download. Reading the
article (bytes, HTML, its own title and dates) is `article_text`; the draft for a predictions
file is `extract_draft`. The published date is an argument; deadlines are read relative to it
by `when`, probabilities by `likelihood`.

How a sentence becomes a candidate (rules, not a trained model, so that a reviewer can see
why each candidate was proposed):
- every cue found adds weight: a future modal ("will", "won't", "going to"), an expectation or
  plan verb ("expects", "is expected to", "predicts", "plans to", "hopes to", "is set to"),
  an estimative word ("likely", "probably", "inevitably"), a stated chance ("a 70% chance"),
  a deadline after the published date ("by Q2 2027", "in the coming weeks"); hedges that are
  not forecasts on their own ("may", "could", "would") add half;
- questions, "whether ... will become clearer", "the real test will be ..." and
  "remains to be seen" are framing, never candidates;
- a sentence whose weight reaches 1 is a candidate; `score` is that weight.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from predtrack.article_text import (
    ABBREVIATIONS,
    DATELINE_PREFIX,
    UnreadableArticle,
    find_published_date,
    read_article,
    split_sentences,
)

# --------------------------------------------------------------------------------------
# Sentences: where each one stands in the article

_BULLET = re.compile(r"^\s*(?:[-*•–—▪●]|\d{1,2}[.)])\s+")
# A line that ends like this continues on the next one (hard-wrapped text).
_CONTINUES = re.compile(
    r"(?:,|\b(?:a|an|the|to|of|and|or|but|in|on|at|by|for|with|from|that|which|who|will|would|is|are|was|were|as|than|its|their|his|her|this|these|those|said|says|not))$",
    re.I,
)


@dataclass(frozen=True)
class Sentence:
    text: str
    line: int  # 1-based line of the article text where the sentence starts
    heading: bool = False
    intro: str | None = None  # for a list item: the sentence that introduced the list ("...:")
    previous: str | None = None  # the sentence before it in the same paragraph


def blocks(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each paragraph block; see `_blocks`."""
    return [(line, block) for line, block, _bullet in _blocks(text)]


def _blocks(text: str) -> list[tuple[int, str, bool]]:
    """Paragraph blocks with their first line number: hard-wrapped lines are joined, bullets
    and table cells become blocks of their own.

    A run of lines is hard-wrapped when its lines (but the last) are all about as long as the
    longest, at most 100 characters: then every line continues the one before. Elsewhere a
    line continues the one before when that ends mid-phrase (a comma, "the", "to", ...) or
    the line starts in lower case; otherwise each line (a heading, a paragraph) stands alone.
    """
    result: list[tuple[int, str, bool]] = []
    lines = text.split("\n")
    current_bullet = False
    wrapped = _hard_wrapped_lines(lines)
    current: list[str] = []
    current_line = 0
    for number, raw in enumerate(lines, start=1):
        line = " ".join(raw.split())
        if not line:
            if current:
                result.append((current_line, " ".join(current), current_bullet))
                current = []
            continue
        if line.startswith("|") and line.endswith("|"):
            if current:
                result.append((current_line, " ".join(current), current_bullet))
                current = []
            for cell in line.strip("|").split("|"):
                cell = cell.strip()
                if cell and not re.fullmatch(r"[-:\s]+", cell):
                    result.append((number, cell, False))
            continue
        is_bullet = bool(_BULLET.match(raw))
        line = _BULLET.sub("", line)
        continues = bool(current) and not is_bullet and (
            (number - 1) in wrapped or _CONTINUES.search(current[-1]) is not None or line[:1].islower()
        )
        if continues:
            current.append(line)
            continue
        dateline = DATELINE_PREFIX.match(line)
        # Only an upper-case place ("BRUSSELS —") or one followed by a date is a dateline.
        place = dateline.group(0).split(",")[0].strip(" -—–") if dateline else ""
        if dateline and ((place.isupper() and len(place) >= 4) or re.search(r"\d{4}", dateline.group(0))):
            line = line[dateline.end():]
        if current:
            result.append((current_line, " ".join(current), current_bullet))
        current, current_line, current_bullet = [line], number, is_bullet
    if current:
        result.append((current_line, " ".join(current), current_bullet))
    return result


def _hard_wrapped_lines(lines: list[str]) -> set[int]:
    """1-based numbers of lines that continue on the next line because the text is hard-wrapped."""
    wrapped: set[int] = set()
    run: list[int] = []

    def close(run: list[int]) -> None:
        if len(run) < 3:
            return
        lengths = [len(lines[i - 1].rstrip()) for i in run]
        widest = max(lengths)
        body = run[:-1]
        ended = sum(bool(re.search(r"[.!?:\"”’)]$", lines[i - 1].rstrip())) for i in body)
        if 50 <= widest <= 100 and all(n >= 0.7 * widest for n in lengths[:-1]) and ended <= len(body) / 2:
            wrapped.update(body)

    for number, raw in enumerate(lines, start=1):
        if raw.strip() and not _BULLET.match(raw) and not raw.lstrip().startswith("|"):
            run.append(number)
        else:
            close(run)
            run = []
    close(run)
    return wrapped


def sentences_of(text: str) -> list[Sentence]:
    """Every sentence with where it stands: its line, whether it is a heading, the sentence
    that introduced its list ("the forecast calls for:") and the one before it."""
    out: list[Sentence] = []
    intro: str | None = None
    for line, block, bullet in _blocks(text):
        parts = split_sentences(block)
        is_heading = not bullet and len(parts) == 1 and not re.search(r"[.!?…:\"”,;]$", block) and len(block.split()) <= 20
        previous = None
        for part in parts:
            out.append(Sentence(part, line, is_heading, intro if bullet else None, previous))
            previous = part
        if not bullet:
            intro = parts[-1] if parts and parts[-1].rstrip().endswith(":") else None
    return out


# --------------------------------------------------------------------------------------
# Cues: why a sentence looks like a forecast

_SPEECH = (
    r"said|says|say|told|tells|claimed|claims|claim|predicted|predicts|predict|expected|expects|expect|"
    r"believed|believes|believe|thought|thinks|think|hoped|hopes|hope|promised|promises|warned|warns|warn|"
    r"announced|announces|argued|argues|argue|insisted|insists|estimated|estimates|estimate|forecast|"
    r"forecasts|projected|projects|noted|notes|wrote|writes|stated|states|reported|reports|added|adds|"
    r"suggested|suggests|indicated|indicates|signalled|signaled|signals|vowed|vows|pledged|pledges|"
    r"acknowledged|conceded|admitted|confirmed|confirms|reckons|reckoned|anticipates|anticipated|"
    r"predicting|saying|noting|adding|warning|arguing|claiming|expecting|hoping|promising|announcing|"
    r"stating|insisting|estimating|forecasting|projecting|suggesting|telling"
)

# (name, pattern, weight). Strong cues weigh 1 (a forecast on their own); weak ones 0.5.
_CUES: list[tuple[str, re.Pattern[str], float]] = [
    ("will", re.compile(r"(?<!\bpolitical )(?<!\bfree )(?<!\bgood )(?<!\bill )(?<!\bthe )(?<!\bhis )(?<!\bher )(?<!\btheir )(?<!\bown )(?<!\byou )\bwill\b(?!\s+(?:of|power)\b)", re.I), 1.0),
    ("won't", re.compile(r"\bwon[’']?t\b|\bwill\s+not\b|\bshan[’']?t\b", re.I), 1.0),
    ("'ll", re.compile(r"\b(?!you[’']ll)\w+[’']ll\b", re.I), 1.0),
    # Second person is usually instruction ("you will need"), not a forecast.
    ("you will", re.compile(r"\byou(?:[’']ll|\s+will)\b", re.I), 0.5),
    ("shall", re.compile(r"\bshall\b", re.I), 1.0),
    ("going to", re.compile(r"\b(?:is|are|am|[’']s|[’']re|[’']m)\s+(?:not\s+)?going\s+to\s+(?!(?:the|a|an|my|his|her|their|our|its|school|work|church|bed|court|war)\b)", re.I), 1.0),
    ("expects", re.compile(r"\bexpect(?:s|ed|ing)?\b(?<!\bas expected)(?<!\bthan expected)(?<!\bthan expecting)(?!\s+(?:than|value|returns?)\b)", re.I), 1.0),
    ("predicts", re.compile(r"\bpredict(?:s|ed|ing)?\b(?!\s+(?:the\s+)?past\b)", re.I), 1.0),
    ("forecasts", re.compile(r"\bforecast(?:s|ed|ing|ers?)?\b", re.I), 1.0),
    ("projects", re.compile(r"\b(?:project(?:s|ed|ing)?\s+(?:that|to)|(?:is|are|was|were|be)\s+projected)\b", re.I), 1.0),
    ("anticipates", re.compile(r"\b(?:anticipat(?:es?|ing)|(?:is|are|was|were|be)\s+anticipated|anticipated\s+(?:that|to))\b", re.I), 1.0),
    ("plans", re.compile(r"\b(?:plan(?:s|ned|ning)?\s+(?:to|for|on)\b|plans?\s+calls?\s+for\b|planned\b)", re.I), 1.0),
    ("hopes", re.compile(r"\bhop(?:e|es|ed|ing)\s+(?:to|that)\b", re.I), 1.0),
    ("intends", re.compile(r"\b(?:intend(?:s|ed|ing)?|aim(?:s|ed|ing)?|vow(?:s|ed)?|pledg(?:e|es|ed)|promis(?:e|es|ed))\s+to\b", re.I), 1.0),
    ("is set to", re.compile(r"\b(?:set|poised|slated|scheduled|on track|on course|bound|destined|certain|sure|due)\s+to\s+(?!(?:the|a|an|its|their|his|her|this|that|these|those)\b)(?!\w+ing\b)", re.I), 1.0),
    ("is preparing to", re.compile(r"\bprepar(?:es|ing)\s+to\b", re.I), 1.0),
    ("likely", re.compile(r"(?<!\bmore )(?<!\bmost )(?<!\bless )(?<!\bleast )\b(?:un)?likely\b", re.I), 1.0),
    ("probably", re.compile(r"\bprobabl[ey]\b|\bin all likelihood\b|\balmost certainly\b|\binevitabl[ey]\b|\bcertainly\b|\bundoubtedly\b|\bsurely\b", re.I), 1.0),
    ("chance", re.compile(r"\b\d+(?:\.\d+)?\s*(?:%|percent|per cent)\s+(?:chance|probability|likel|odds|risk)|\b\d+\s+in\s+\d+\s+(?:chance|odds)|\bone[- ]in[- ]\w+\s+(?:chance|odds)|\bchances\s+are\b|\b(?:good|strong|high|slim|small|low|even|real|fair)\s+(?:chance|odds)\b", re.I), 1.0),
    # "their chances of success", "the odds of a deal": a forecast only with something else.
    ("chances of", re.compile(r"\b(?:chances?|odds|probability|likelihood|risk)\s+(?:of|that|for)\b", re.I), 0.5),
    # Hedges and soft signals: a forecast only with something else.
    ("may", re.compile(r"\b(?:may|might|could|possibly|potentially|perhaps|maybe)\b(?!\s+be\s+(?:seen|argued|said)\b)", re.I), 0.5),
    ("was going to", re.compile(r"\b(?:was|were)\s+(?:not\s+)?going\s+to\b", re.I), 0.5),
    ("would", re.compile(r"\bwould\b|\w[’']d\s+(?:be|have)\b", re.I), 0.5),
    ("should", re.compile(r"\bshould\b", re.I), 0.5),
    ("more likely", re.compile(r"\b(?:more|most|less|least)\s+likely\b", re.I), 0.5),
    ("I think", re.compile(r"\b(?:I|we)\s+(?:think|believe|suspect|reckon|bet|doubt|guess)\b", re.I), 0.5),
    ("projections", re.compile(r"\b(?:projections?|outlook|estimates?|expectations?|targets?|guidance|roadmap|timeline)\b", re.I), 0.25),
    ("future", re.compile(r"\b(?:future\s+(?:versions?|releases?|models?|iterations?|updates?|products?)|next\s+(?:version|generation|iteration|release|phase|step)|upcoming|forthcoming|eventually|someday|one day|rolling\s+out|roll\s+out|coming\s+soon)\b", re.I), 0.5),
]
# Reported speech in the past ("X said it would ...") is a forecast as much as "will".
_REPORTED_WOULD = re.compile(
    r"\b(?:%(s)s)\b[^;]*?\b(?:would|could|may|might|should)\b|\b(?:would|could|may|might|should)\b[^;]*?,[\"']?\s+(?:[\w.'-]+\s+){1,6}(?:%(s)s)\b" % {"s": _SPEECH},
    re.I,
)
# "may have peaked", "could have been": modal perfects look back, not ahead.
_MODAL_PERFECT = re.compile(r"\b(?:may|might|could|would|should|must)(?:\s+not)?\s+have\s+(?:been\s+)?\w+", re.I)

# Framing, not a forecast: the sentence says what to watch, not what will happen.
_FRAMING = [
    re.compile(r"\?[\"”’')\]]*$"),
    re.compile(r"^(?:but\s+|and\s+|yet\s+)?whether\b", re.I),
    re.compile(r"\b(?:remains?|is|are)\s+to\s+be\s+seen\b|\btime will tell\b|\bwill\s+(?:be\s+)?(?:watched|watching|worth watching)\b", re.I),
    # A sentence that introduces a list ("The forecast calls for:"); its items are the forecasts.
    re.compile(r":[\"”’')\]]*$"),
    # The text talking about itself: "This guide will show you", "we'll look at".
    re.compile(r"^(?:in\s+)?(?:this|the\s+following|our)\s+(?:guide|article|story|piece|post|tutorial|section|list|review|video|series|report|chapter|episode|newsletter|explainer)\b[^.]{0,40}?\b(?:will|'ll|’ll)\b", re.I),
    re.compile(r"\b(?:we|I)(?:\s+will|['’]ll)\s+(?:look\s+at|explain|show|explore|discuss|walk|cover|examine|review|take\s+a\s+look|dive|answer|break\s+down|go\s+through|update\s+this|keep\s+you\s+posted)\b", re.I),
    # Site chrome: newsletters, cookies, "this story will be updated".
    re.compile(r"\b(?:newsletter|subscribe|subscription|sign\s+up|log\s+in|cookies?|click\s+here|privacy\s+policy|terms\s+of\s+(?:use|service)|all\s+rights\s+reserved|(?:story|article|page|post)\s+(?:will|may)\s+be\s+updated)\b", re.I),
    re.compile(r"^(?:the|a|an|one|our)\s+(?:[\w-]+\s+){0,3}(?:test|question|questions|challenge|issue|key|focus|priority|task|thing to watch|bottom line|takeaway)\s+(?:for\s+(?:[\w’'-]+\s+){1,4})?(?:now\s+)?(?:will|would)\s+be\b", re.I),
]


@dataclass
class Cues:
    score: float
    names: list[str]


def forecast_cues(sentence: str, future_deadline: bool, vague_deadline: bool, heading: bool = False, listed: bool = False) -> Cues:
    """The weight of evidence that a sentence states a forecast, with the cues found.

    A heading weighs half a cue less: it compresses what the body says in full, and headline
    style ("Awareness Will Draw Scrutiny") is loose. Headline future ("Fed to cut rates in
    June") counts as a strong cue there.
    """
    if any(pattern.search(sentence) for pattern in _FRAMING):
        return Cues(0.0, ["framing"])
    names: list[str] = []
    score = 0.0
    strong = False
    sentence = _MODAL_PERFECT.sub(" ", sentence)
    for name, pattern, weight in _CUES:
        if name == "will" and not _will_is_modal(sentence):
            continue
        if pattern.search(sentence):
            names.append(name)
            if weight >= 1:
                strong = True
            score += weight
    if _REPORTED_WOULD.search(sentence) and not strong:
        names.append("reported would")
        score += 0.5
    if future_deadline:
        names.append("vague horizon" if vague_deadline else "future deadline")
        score += 0.75
    if listed:
        # An item of a list introduced by a forecast ("the forecast calls for:").
        names.append("listed under a forecast")
        score += 0.5
    if heading:
        if not strong and re.search(r"^\S.*?\s[Tt]o\s+(?![Bb]e\b)[A-Za-z]", sentence):
            names.append("headline to")
            score += 1.0
        names.append("heading")
        score -= 0.5
    return Cues(round(score, 2), names)


def _looks_like_headline(text: str) -> bool:
    words = [w for w in text.split() if len(w) > 3]
    return bool(words) and sum(w[:1].isupper() for w in words) / len(words) >= 0.6


def _will_is_modal(sentence: str) -> bool:
    """"will" as a verb, not the name "Will" ("Will Smith said") nor a noun ("the will to win")."""
    for found in re.finditer(r"\bwill\b", sentence, re.I):
        word = found.group(0)
        after = sentence[found.end():].lstrip()
        if word == "Will" and after[:1].isupper() and not _looks_like_headline(sentence):
            continue
        return True
    return False


# --------------------------------------------------------------------------------------
# Who stated it

_ROLE_WORDS = (
    "executive spokesperson spokesman spokeswoman official analyst economist expert researcher investor "
    "firm group startup government ministry department agency bank lab team ceo founder co-founder chair "
    "chairman chairwoman president minister director manager coach strategist forecaster pollster poll "
    "observer insider source leader board scientist engineer trader market author writer columnist "
    "editor commentator critic campaign candidate management administration regulator committee council "
    "union fund institute university club league court city country secretary governor mayor senator "
    "voter fan owner lawmaker legislator policymaker planner officer adviser advisor consultant "
    "organizer organiser report study survey"
).split()
# A role noun, singular or plural ("analyst", "analysts", "companies", "central bank").
_ROLE = r"\b(?:(?:%s)s?|compan(?:y|ies)|part(?:y|ies)|central\s+banks?|chief\s+executives?|white\s+house|people\s+familiar\s+with\s+(?:the\s+)?(?:matter|plans?|talks|deal|situation))\b" % "|".join(
    sorted(_ROLE_WORDS, key=len, reverse=True)
)
_NAME_WORD = r"(?:[A-Z][\w&.'’-]*|[A-Z]{2,}\b)"
_ENTITY = (
    r"(?P<entity>"
    r"(?![Oo]n\s)"
    r"(?:(?:a|an|the|its|his|her|their|some|many|most|several|other|two|three)\s+)?"
    r"(?:(?:%(n)s(?:[’']s)?|of|for|and|&|de|van|von|der|senior|top|chief|former|leading|independent|outside|"
    r"wall\s+street|industry|private|public|federal|state|local|market|political|financial|tech|"
    r"technology|many|some|%(role)s)\s+){0,6}"
    r"(?:%(role)s\b|%(n)s)"
    r"(?:\s+(?:at|from|of|with)\s+(?:the\s+)?%(n)s(?:\s+%(n)s){0,3})?"
    r"(?:,\s+(?:%(n)s\s*){1,4},%(described)s)?"
    r")"
)
# At the start of a sentence a name may carry a described appositive:
# "Stephen Gallagher, chief U.S. economist at SocGen, noted that ...". Only there: tried at
# every position of a sentence it would cost too much.
_DESCRIBED_APPOSITIVE = r"|,\s+(?:the\s+|a\s+|an\s+)?(?:[\w.&'’-]+\s+){0,6}?%(role)s(?:\s+(?:at|of|for|with)\s+(?:[\w.&'’-]+\s*){1,4})?,"
_ENTITY_AT_START = _ENTITY % {"n": _NAME_WORD, "role": _ROLE, "described": _DESCRIBED_APPOSITIVE % {"role": _ROLE}}
_ENTITY = _ENTITY % {"n": _NAME_WORD, "role": _ROLE, "described": ""}
_SOURCE_VERB = (
    r"(?:has\s+|have\s+|had\s+|also\s+|repeatedly\s+|previously\s+|now\s+|long\s+|recently\s+|publicly\s+|"
    r"once\s+|already\s+|(?:is|are|was|were)\s+(?=\w+ing\b)|on\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\s+|"
    r"in\s+a\s+(?:statement|report|filing|note|letter|post)\s+|in\s+an\s+interview\s+|this\s+week\s+|last\s+week\s+|earlier\s+)*"
    r"(?P<verb>said|says|say|told|tells|predicts|predicted|predict|expects|expected|expect|forecasts|forecast|"
    r"believes|believed|believe|thinks|thought|think|warned|warns|warn|argues|argued|argue|claims|claimed|claim|"
    r"estimates|estimated|estimate|projects|projected|project|announced|announces|noted|notes|wrote|writes|stated|states|"
    r"insists|insisted|hopes|hoped|hope|plans|planned|plan|planning|intends|intended|intend|aims|aimed|aim|"
    r"preparing|prepares|wants|wanted|want|vowed|vows|pledged|pledges|promised|promises|anticipates|anticipated|"
    r"sees|see|saw|reckons|bets|suggested|suggests|worry|worries|worried|fear|fears|feared|cautioned|cautions|doubt|doubts|noting|saying|adding|predicting|warning|arguing|claiming|"
    r"expecting|hoping|promising|confirmed|confirms|reported|reports|added|adds|signalled|signaled|signals)\b"
)
# Names are matched case-sensitively; only the connecting words ignore case.
_ACCORDING = re.compile(
    r"\b(?i:according\s+to\s+(?:(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}?(?:coverage|reports?|data|estimates?|forecasts?|analysis|projections?|figures|report|study|survey|poll|note|statement|filing)\s+(?:from|by|of|at|among)\s+)?(?:the\s+)?)"
    r"(?P<entity>%(n)s(?:\s+%(n)s){0,4}|(?i:(?:an?\s+|the\s+)?(?:\d[\d,]*\s+)?(?:[\w-]+\s+){0,2}%(role)s))" % {"n": _NAME_WORD, "role": _ROLE},
)
# "The bank's own projections show ..." -> the bank
_POSSESSIVE_OUTLOOK = re.compile(
    r"^(?:[^,]{0,60},\s+)?(?P<entity>(?:the\s+)?[\w&.' -]{2,40}?)['’]s\s+(?:(?:own|latest|updated|new|revised|official|internal|quarterly|annual)\s+){0,2}"
    r"(?:projections?|forecasts?|estimates?|outlook|models?|guidance|polls?|survey|predictions?|baseline)\s+"
    r"(?:show|shows|showed|suggest|suggests|see|sees|point|points|indicate|indicates|imply|implies|call|calls|put|puts|have|has|predict|predicts|expect|expects)\b",
    re.I,
)
# Job titles before a name: the source is the person ("Manager Pep Guardiola" -> "Pep Guardiola").
_TITLE_WORDS = (
    "chief financial operating technology executive officer manager head coach president vice prime minister "
    "secretary director chair chairman chairwoman senator governor mayor general judge justice founder co-founder "
    "economist analyst strategist spokesperson spokesman spokeswoman professor former acting interim deputy "
    "assistant senior lead commissioner chancellor ceo cfo cto coo managing partner portfolio fund "
    "sen. rep. gov. gen. dr. mr. mrs. ms. prof."
).split()
_TITLE_BEFORE_NAME = re.compile(
    r"^(?:(?:%s)\s+)+(?=[A-Z][\w'-]+\s+[A-Z])" % "|".join(re.escape(w) for w in _TITLE_WORDS),
    re.I,
)
_LEADING = re.compile(r"^(?:[^,]{0,60},\s+)?" + _ENTITY_AT_START + r"\s+" + _SOURCE_VERB)
# "The chipmaker expects ...": a described subject that is not a name, at the start only.
_AUXILIARY = r"(?:is|are|was|were|be|been|being|has|have|had|will|would|can|could|may|might|should|must|do|does|did|not|also|now|still|widely|largely|generally)"
_LEADING_DESCRIBED = re.compile(
    r"^(?:[^,]{0,60},\s+)?(?P<entity>(?i:(?:the|a|an)\s+(?:(?!%(aux)s\b)[a-z][\w-]*\s+){0,2}(?!%(aux)s\b)[a-z][\w-]*"
    r"|(?:(?:approximately|about|around|nearly|roughly|more\s+than|fewer\s+than|over|almost|just|only)\s+)?(?:\d[\d,.]*\s*%%?\s+of\s+(?:the\s+)?|\d[\d,]*\s+|some\s+|many\s+|most\s+|several\s+|a\s+majority\s+of\s+(?:the\s+)?|half\s+of\s+(?:the\s+)?)?%(role)s(?:\s+(?:at|in|from|of|on|with)\s+(?:[\w&.-]+\s+){0,2}[\w&.-]+)?)"
    r"(?<!\bthe)(?<!\ba)(?<!\ban)(?<!\bof)(?<!\bat)(?<!\bin)(?<!\bon)(?<!\bfor)(?<!\band)(?<!\bwith))\s+" % {"role": _ROLE, "aux": _AUXILIARY}
    + _SOURCE_VERB
)


def _singular_with_plural_verb(entity: str, verb: str) -> bool:
    """"the median forecast": a singular subject does not take a bare verb form."""
    singular = re.match(r"(?i)(?:the|a|an)\s", entity) and not entity.rstrip().endswith("s")
    bare = not re.search(r"(?:s|ed|ing)$", verb) and verb not in {"said", "told", "thought", "saw", "hoped"}
    return bool(singular and bare)


def _leading_speaker(text: str) -> tuple[str, re.Match] | None:
    """The subject of a leading speech, belief or plan verb, and the match."""
    found = _LEADING.search(text)
    if found:
        entity = _clean_entity(found.group("entity"))
        if entity:
            return entity, found
    found = _LEADING_DESCRIBED.search(text)
    if found and _singular_with_plural_verb(found.group("entity"), found.group("verb")):
        # "The median forecast calls for": "forecast" is a noun there, not the verb.
        found = None
    if found:
        entity = found.group("entity").strip()
        if not re.search(r"\b(?:data|numbers|figures|results|evidence|chart|table|move|shift|decision|deal|release|launch|news|trend)\b", entity, re.I):
            return entity, found
    return None


_ANYWHERE = re.compile(r"(?<![.!?]\s)\b" + _ENTITY + r"\s+" + _SOURCE_VERB)
_TRAILING = re.compile(
    r"[,—–-][\"”’']?\s*" + _ENTITY + r"\s+(?P<verb>said|says|added|adds|noted|notes|wrote|writes|told [\w ]+?|predicted|predicts|warned|warns|argued|argues|claimed|claims|estimated|estimates|explained|explains|believes|thinks|expects|according to [\w ]+?)(?:\s+(?:in|on|at|during|last|this|earlier)\b[^,]{0,60})?\s*[.!]?[\"”’]*\s*$"
)
_TRAILING_INVERTED = re.compile(
    r"[,—–-][\"”’']?\s*(?P<verb>said|says|added|adds|noted|notes|wrote|writes|predicted|predicts|warned|warns|argued|argues|according to)\s+" + _ENTITY + r"(?:,[^.]*)?\s*[.!]?[\"”’]*\s*$"
)
_FIRST_PERSON = re.compile(
    r"(?:^|[,;:—–]\s*|\b(?:and|but|so)\s+)(?:I|we)\s+(?:\w+\s+)?(?:expect|think|believe|predict|forecast|bet|suspect|reckon|anticipate|doubt|estimate|guess|am|'m|’m|are|'re|’re|would|'d|’d|will|see|give|put)\b"
    r"|\b(?:my|our)\s+(?:thesis|view|prediction|forecast|bet|expectation|guess|estimate|call|money)\b"
    r"|\bin\s+(?:my|our)\s+(?:view|opinion|judgment|judgement)\b"
    r"|\bthis\s+(?:article|piece|column|analysis|report|essay|post|newsletter)\s+(?:argues|predicts|expects|forecasts|contends|suggests)\b",
    re.I,
)
# "Expect a Meta acquisition within 12 months." -- the writer speaking to the reader.
_IMPERATIVE_EXPECT = re.compile(r"(?:^|[,;:—–]\s*)(?:(?:so|and|but|still)\s+)?(?:expect|look for|watch for|bet on|count on)\b", re.I)
_PRONOUN_SUBJECT = re.compile(r"^(?:(?:a|an|the|this|that|these|those|it|they|he|she|we|you|i|there|here|some|many|most|no|all|each|every|one|its|his|her|their|our|my|your|such|other|both|either|neither|what|which|who|whose|if|when|while|as|but|and|or|so|yet|in|on|at|by|for|with|from|to|of|after|before|since|until|unless|although|though|because|given|despite|however|meanwhile|still|also|even|just|only|now|then|today|tomorrow|yesterday|longer|short)\b)", re.I)
_GENERIC_SUBJECT = re.compile(r"^(?:the|a|an|this|that|these|those|its|his|her|their|our|my|some|many|most|several|other|two|three)\s+(?!company\b|firm\b|government\b|bank\b|central bank\b|administration\b)", re.I)
_ORG_WORD = re.compile(
    r"\b(?:inc|corp|corporation|co|ltd|llc|plc|group|bank|fund|institute|university|college|agency|ministry|department|"
    r"government|administration|commission|committee|council|party|times|post|journal|news|press|reuters|bloomberg|"
    r"associated|labs?|ai|capital|partners|holdings|technologies|systems|research|company|firm|startup|board|union|"
    r"federal|reserve|fed|imf|opec|nato|who|un|eu|team|club|fc|league|network|media|studio|studios|foundation)\b",
    re.I,
)
_PERSON_ROLE = re.compile(
    r"\b(?:executive|spokesperson|spokesman|spokeswoman|official|analyst|economist|expert|researcher|investor|ceo|"
    r"chief executive|founder|co-founder|chair|chairman|chairwoman|president|minister|director|manager|coach|"
    r"strategist|forecaster|pollster|scientist|engineer|author|writer|columnist|editor|candidate|senator|governor|"
    r"secretary|professor|mayor)\b",
    re.I,
)


@dataclass
class Attribution:
    source: str | None  # None: the article's author or outlet (the default)
    kind: str  # person | organisation | outlet | author
    how: str  # what in the sentence named the source


_HEADLINE_VERBS = re.compile(r"\b(?:Say|Says|Said|Predict|Predicts|Expect|Expects|Warn|Warns|See|Sees|Forecast|Forecasts|Project|Projects|Plan|Plans|Hope|Hopes|Claim|Claims|Believe|Believes|Think|Thinks)\b")


def attribute(sentence: str) -> Attribution:
    """Who states the forecast, as far as the sentence itself says."""
    text = _plain_quotes(sentence)
    if _looks_like_headline(text):
        # Headline case: "Fed to Cut Rates, Economists Say" reads like "..., economists say".
        text = _HEADLINE_VERBS.sub(lambda m: m.group(0).lower(), text)
    # '"We will win," the coach said': the speaker named after a quote comes first.
    for pattern, how in ((_TRAILING, "trailing"), (_TRAILING_INVERTED, "trailing")):
        found = pattern.search(text)
        if found:
            entity = _clean_entity(found.group("entity"))
            if entity:
                return Attribution(entity, _kind_of(entity), how)
    first_person = _FIRST_PERSON.search(text)
    if first_person:
        if _inside_quotes(text, first_person.start()):
            # Someone quoted speaks in the first person; who, the sentence does not say.
            return Attribution(None, "author", "quoted")
        return Attribution(None, "author", "first person")
    found = _ACCORDING.search(text)
    if found:
        entity = _clean_entity(found.group("entity"))
        if entity:
            return Attribution(entity, _kind_of(entity), "according to")
    outlook = _POSSESSIVE_OUTLOOK.search(text)
    if outlook:
        entity = _clean_entity(outlook.group("entity")) or outlook.group("entity").strip()
        return Attribution(entity, _kind_of(entity), "possessive")
    leading = _leading_speaker(text)
    if leading:
        entity = leading[0]
        return Attribution(entity, _kind_of(entity), "subject")
    for found in _ANYWHERE.finditer(text):
        entity = _clean_entity(found.group("entity"))
        if entity and not _PRONOUN_SUBJECT.match(entity) and entity[:1].isupper():
            return Attribution(entity, _kind_of(entity), "speaker")
    if _IMPERATIVE_EXPECT.search(text):
        return Attribution(None, "author", "imperative")
    return Attribution(None, "author", "default")


def _inside_quotes(text: str, position: int) -> bool:
    """Whether a position of a (straight-quoted) text lies between double quotes."""
    return text.count('"', 0, position) % 2 == 1


def _clean_entity(entity: str) -> str | None:
    entity = entity.strip(" ,")
    entity = re.sub(r"^(?:and|but|so|or|then|while|also)\s+", "", entity, flags=re.I)
    # "Meta's chief AI scientist, Yann LeCun," -> keep the named person
    appositive = re.search(r",\s+((?:%s\s*){1,4}),?$" % _NAME_WORD, entity)
    named_first = re.match(r"((?:[A-Z][\w'’.-]+\s+){1,3}[A-Z][\w'’.-]+),\s+[^,]{2,80},?$", entity)
    if named_first:
        # "Stephen Gallagher, chief U.S. economist at SocGen," -> the person
        entity = named_first.group(1).strip()
    elif appositive:
        entity = appositive.group(1).strip()
    if not entity:
        return None
    # A sentence's full stop is not part of a name ("said Jane Smith."), an abbreviation is.
    if entity.endswith(".") and entity.rsplit(None, 1)[-1].rstrip(".").lower() not in ABBREVIATIONS:
        entity = entity[:-1]
    # "the central bank's updated forecasts" -> "the central bank";
    # "Meta's CEO Mark Zuckerberg" -> "Mark Zuckerberg"
    possessive = re.search(r"['’]s\b", entity)
    if possessive:
        owner, owned = entity[: possessive.start()], entity[possessive.end():].strip()
        named = re.search(r"((?:[A-Z][\w'-]+\s+){1,3}[A-Z][\w'-]+)$", owned)
        entity = (named.group(1) if named else owner).strip() or entity
    entity = _TITLE_BEFORE_NAME.sub("", entity)
    # "Bernstein analyst Mark Shmulik" -> "Mark Shmulik"
    titled = re.search(r"\b(?:%s)\s+((?:[A-Z][\w'-]+\s+){1,2}[A-Z][\w'-]+)$" % "|".join(re.escape(w) for w in _TITLE_WORDS if w.isalpha()), entity)
    if titled:
        entity = titled.group(1)
    # "a Gallup survey" -> "Gallup"
    publication = re.fullmatch(r"(?:a|an|the)\s+((?:%s\s+){1,4})(?:survey|poll|report|study|analysis|note|forecast|estimate|projection)s?" % _NAME_WORD, entity)
    if publication:
        entity = publication.group(1).strip()
    if re.fullmatch(r"(?:on\s+)?(?:%s)" % "|".join(_DAYS_AND_MONTHS), entity, re.I):
        return None
    # Bare pronouns and generic nouns are not sources; "the company" is, but only as a guess.
    if re.fullmatch(r"(?:it|they|he|she|we|you|i|this|that|there|which|who|one|some|many|others?)", entity, re.I):
        return None
    if _GENERIC_SUBJECT.match(entity) and not re.search(_ROLE, entity, re.I) and not re.search(r"\b[A-Z]", entity[1:]):
        return None
    if not entity[:1].isupper() and not re.search(_ROLE, entity, re.I):
        return None
    # A capitalised first word that starts the sentence but names nothing ("Startups", "Meanwhile").
    if _PRONOUN_SUBJECT.match(entity) and not re.search(_ROLE, entity, re.I) and not re.search(r"\s[A-Z]", entity):
        return None
    if len(entity.split()) > 10:
        return None
    return entity


def _kind_of(entity: str) -> str:
    if _PERSON_ROLE.search(entity):
        return "person"
    if _ORG_WORD.search(entity) or re.search(_ROLE, entity, re.I):
        return "organisation"
    words = entity.split()
    if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not any(w.isupper() and len(w) > 1 for w in words):
        return "person"
    return "organisation"


# --------------------------------------------------------------------------------------
# The claim: the YES case, without attribution and hedges

_LEAD_CONNECTORS = re.compile(r"^(?:but|and|yet|so|still|however|moreover|furthermore|meanwhile|indeed|also|now|then|in short|in sum|overall|ultimately|finally)\b[,]?\s+", re.I)
_LEAD_GIVEN = re.compile(r"^(?:given\s+(?:that\s+)?|because\s+|since\s+|as\s+|with\s+|despite\s+|although\s+|though\s+|while\s+)[^,]{3,120},\s+", re.I)
_LEAD_ATTRIBUTION = re.compile(
    r"^(?:according\s+to\s+[^,]{2,80}(?:(?:,\s+[^,]{2,60})*?,?\s+and\s+[^,]{2,80})?,\s+"
    r"|(?:I|we)\s+(?:\w+\s+)?(?:expect|think|believe|predict|bet|suspect|reckon|anticipate|am confident|'m confident|’m confident|am sure|'m sure|’m sure)\s+(?:that\s+(?!(?:will|would|could|may|might|is|was|won't|should)\b))?"
    r"|(?:my|our)\s+(?:thesis|view|prediction|forecast|bet|expectation)\s+is\s+(?:clear\s*:\s*|that\s+)?"
    r"|(?:this\s+(?:article|piece|column|analysis|report|essay|post))\s+(?:argues|predicts|expects|forecasts|contends|suggests)\s+(?:that\s+)?"
    r"|(?:expect|look for|watch for)\s+"
    r")",
    re.I,
)
_TRAILING_ATTRIBUTION = re.compile(
    r"[\"']?\s*[,—–-][\"']?\s*(?:(?:according to|said|says|added|noted|wrote|predicted|predicts|warned|argued|claimed|estimated)\s+(?!(?:that|there|it|this|these|those|how|what|why|whether|if)\b)[^,]{2,80}(?:,[^.]*)?"
    r"|[^,]{2,80}\s+(?:said|says|added|noted|wrote|predicted|predicts|warned|argued|claimed|estimated|told\s+[\w ]+?)(?:\s+(?:in|on|at|during|last|this|earlier|late|after|before|when|while|as|to|from)\b[^,]{0,60})?)\s*[.!]?[\"']?\s*$",
    re.I,
)
_HEDGES = [
    (re.compile(r"\s+(?:will|would|could|may|might)\s+(?:very\s+|most\s+|quite\s+)?(?:likely|probably|possibly|almost certainly|certainly|inevitably|undoubtedly|surely)\s+", re.I), " will "),
    (re.compile(r"\s+(?:very\s+|most\s+|quite\s+|highly\s+)?(?:likely|probably|almost certainly|inevitably|undoubtedly|surely)\s+(?=\w+s\b|will\b)", re.I), " "),
    (re.compile(r"\s+(?:is|are|seems?|appears?|looks?)\s+(?:very\s+|highly\s+|quite\s+|increasingly\s+)?(?:likely|unlikely|probable|possible|certain|inevitable|expected)\s*$", re.I), None),
    (re.compile(r"\s+(?:is|are|was|were)\s+(?:likely|expected|set|poised|slated|scheduled|due|bound|certain|sure|projected|forecast|on track)\s+to\s+", re.I), " will "),
    (re.compile(r"\s+(?:is|are)\s+expected\s+(?=(?:in|by|within|before|during|next|this|over|later|soon|early|late|around)\b)", re.I), " will happen "),
    (re.compile(r"\s+(?:could|may|might|would)\s+", re.I), " will "),
    (re.compile(r"^(?:it\s+is|it's|it\s+seems|it\s+appears|it\s+looks)\s+(?:\w+\s+)?(?:certain|likely|unlikely|probable|possible|clear|inevitable|expected|almost certain|virtually certain)\s+that\s+", re.I), ""),
    (re.compile(r"^(?:there\s+is\s+|there's\s+)?(?:an?\s+)?(?:(?:roughly|about|around|nearly|almost|only|just|an\s+estimated|at\s+least|more\s+than|less\s+than)\s+)?(?:\d+(?:\.\d+)?\s*(?:%|percent|per cent)|\w+[- ]in[- ]\w+|good|strong|high|low|slim|small|real|decent|fair)\s+(?:chance|probability|likelihood|risk|odds)\s+(?:of|that)\s+", re.I), ""),
    (re.compile(r"^chances\s+are\s+(?:that\s+)?", re.I), ""),
]


def derive_claim(sentence: str) -> str:
    """A short YES-case statement: the sentence without its attribution, hedges and lead-ins.

    "I expect Meta to acquire X within 12 months" -> "Meta will acquire X within 12 months";
    "Integration into WhatsApp is expected in the coming weeks" -> "Integration into WhatsApp
    will happen in the coming weeks". It is a draft: a person edits it.
    """
    text = _plain_quotes(sentence).strip()
    text = re.sub(r"^[\W_]+(?=[\w\"])", "", text)
    text = _forecast_clause(text)
    # 'X stated, "I expect a cut at each of the next two meetings."' -> the quoted words
    quoted = re.match(r'^[^"]{3,120}?\b(?:said|says|stated|states|added|adds|wrote|writes|noted|notes|warned|warns|argued|argues|predicted|predicts|told\s+[\w ]{2,30}?)\s*[,:]\s*"([^"]{8,})"?\s*[.!]?$', text)
    if quoted:
        text = quoted.group(1).strip()
    previous = None
    while previous != text:
        previous = text
        text = _LEAD_CONNECTORS.sub("", text)
        text = _LEAD_GIVEN.sub("", text)
    # "In the short term, X" -> "X in the short term": the claim starts with its subject.
    text = re.sub(r"^In\s+(?:a|an)\s+[^,]{2,50},\s+(?=[a-z])", "", text)
    when = _LEAD_TIME.match(text)
    if when:
        rest = re.sub(r"[.!]+(?=[\"']*$)", "", text[when.end():]).strip()
        text = f"{rest} {when.group(1)[0].lower()}{when.group(1)[1:]}"
    # "X is now live, with a wider rollout planned over the coming weeks" -> the rollout
    with_plan = re.search(r",\s+with\s+(.{4,80}?)\s+(?:planned|expected|scheduled|slated|due|set|rolling\s+out)\b\s*(.*)$", text, re.I)
    if with_plan and not _has_strong_cue(text[: with_plan.start()]):
        text = f"{with_plan.group(1)} {with_plan.group(2)}".strip()
    # "This article argues A, and predicts B" -> "B"
    also = re.search(r",?\s+and\s+(?:predicts|expects|forecasts|anticipates)\s+(?:that\s+)?(.{8,})$", text, re.I)
    if also and _FIRST_PERSON.search(text):
        text = also.group(1)
    attributed = _LEAD_ATTRIBUTION.match(text)
    if attributed:
        rest = text[attributed.end():]
        # "I expect Meta to acquire ..." -> "Meta will acquire ..."
        to_infinitive = re.match(r"((?:[\w'&.-]+,?\s+){1,6}?)to\s+(\w+)\b(.*)$", rest)
        own_plan = re.match(r"(?i)(I|we)\s", attributed.group(0))
        if own_plan and re.match(r"to\s+\w", rest):
            # "We expect to close the deal" -> "We will close the deal"
            rest = f"{own_plan.group(1)} will {rest[3:]}"
        elif to_infinitive and re.match(r"(?i)(?:I|we)\s|expect\s", attributed.group(0)):
            rest = f"{to_infinitive.group(1)}will {to_infinitive.group(2)}{to_infinitive.group(3)}"
        text = rest
    text = _TRAILING_ATTRIBUTION.sub("", text)
    text = _strip_leading_speaker(text)
    text = _LEAD_GIVEN.sub("", text)
    # "X said that Y will ..." / "X predicts Y will ..." -> "Y will ..."
    reported = re.match(r"^[^,]{2,80}?\s+(?:has\s+|have\s+)?(?:repeatedly\s+|also\s+)?(?:%s)\s+(?:that\s+)(.+)$" % _SPEECH, text, re.I)
    if reported:
        text = reported.group(1)
        text = re.sub(r"\bwould\b", "will", text, count=1)
    # "..., with Meta noting only that it hopes to open-source X" -> "Meta will open-source X"
    noting = re.search(
        r"\b([A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,3})\s+(?:\w+ing|says|said|notes|noted)\s+(?:only\s+)?(?:that\s+)?(?:it|they|he|she)\s+"
        r"[\"']?(?:hopes|plans|intends|aims|expects|wants|is preparing|is planning)\s+to\s+(\w[\w-]*\s+(?!(?:in|by|on|at|for|with|soon|later|next)\b).+)$",
        text,
    )
    if noting:
        text = f"{noting.group(1)} will {noting.group(2)}"
    planned = re.match(r"^(.{2,60}?)\s+(?:says\s+it\s+|said\s+it\s+)?(?:hopes|plans|intends|aims|expects|wants|is preparing|is planning|vows|pledges|promises)\s+to\s+(.+)$", text, re.I)
    if planned and not re.search(r"[,;]", planned.group(1)):
        text = f"{planned.group(1)} will {planned.group(2)}"
    text = re.sub(r"[.!]+(?=[\"']*$)", "", text.strip())
    for pattern, replacement in _HEDGES:
        if replacement is None:
            text = pattern.sub("", text)
        else:
            text = pattern.sub(replacement, text, count=1)
    text = _cut_trailing_clauses(text)
    text = re.sub(r"\s+", " ", text).strip(" ,;:—–-")
    text = re.sub(r"[.!]+[\"']*$", "", text).strip()
    if text.count('"') % 2:
        text = text.replace('"', "")
    if text:
        text = text[0].upper() + text[1:]
    return text


_PLAN_VERBS = {"hopes", "hoped", "hope", "plans", "planned", "plan", "planning", "intends", "intended", "intend", "aims", "aimed", "aim", "preparing", "prepares", "wants", "wanted", "want", "vowed", "vows", "pledged", "pledges", "promised", "promises"}
_BELIEF_VERBS = {"expects", "expected", "expect", "predicts", "predicted", "predict", "forecasts", "forecast", "anticipates", "anticipated", "sees", "see", "saw", "estimates", "estimated", "estimate", "projects", "projected", "believes", "believed", "believe", "thinks", "thought", "think", "reckons", "bets"}
_TO_INFINITIVE = re.compile(r"^((?:[\w'&.$%-]+,?\s+){1,8}?)to\s+(\w+)\b(.*)$")


def _strip_leading_speaker(text: str) -> str:
    """"Pollsters expect turnout to exceed 65%" -> "Turnout will exceed 65%";
    "Officials said the bridge would reopen" -> "The bridge will reopen";
    "The party hopes to win the Senate" -> "The party will win the Senate"."""
    leading = _leading_speaker(text)
    if not leading:
        return text
    entity, lead = leading
    preamble = text[: lead.start("entity")].strip(" ,")
    verb = lead.group("verb").lower()
    rest = text[lead.end():]
    if verb in {"told", "tells", "warned", "warns", "assured", "reminded"}:
        rest = re.sub(r"^\s*(?:[\w'-]+\s+){1,4}?(?=that\b)", "", rest)
    rest = re.sub(
        r"^\s*(?:(?:on\s+\w+|in\s+an?\s+[\w ]{0,30}?(?:statement|interview|note|report|letter|post|briefing|speech)|last\s+week|this\s+week|earlier|yesterday|today|publicly|privately)\b)?,?\s*(?:that,?\s+)?",
        "",
        rest,
    )
    if verb in _PLAN_VERBS:
        plan = re.match(r"^to\s+(.+)$", rest)
        if not plan:
            return text
        claim = f"{lead.group('entity').strip()} will {plan.group(1)}"
    elif verb in _BELIEF_VERBS and re.match(r"^to\s+\w", rest):
        # "The company expects to close the deal" -> "The company will close the deal"
        claim = f"{lead.group('entity').strip()} will {rest[3:]}"
    else:
        plan = re.match(r"^(?:he|she|it|they|we)\s+(?:hopes|plans|intends|aims|wants|is\s+preparing|is\s+planning|expects)\s+to\s+(.+)$", rest, re.I)
        if plan:
            claim = f"{entity} will {plan.group(1)}"
        else:
            believer = re.match(r"^(?:he|she|it|they|we)\s+(?:expects?|predicts?|believes?|thinks?|forecasts?|sees?)\s+(?:that\s+)?", rest, re.I)
            if believer:
                rest = rest[believer.end():]
            belief = verb in _BELIEF_VERBS or believer is not None
            infinitive = _TO_INFINITIVE.match(rest) if belief else None
            if infinitive and not re.search(r"\b(?:will|would|is|are|was|were)\b", infinitive.group(1)):
                rest = f"{infinitive.group(1)}will {infinitive.group(2)}{infinitive.group(3)}"
            if len(rest.split()) < 3:
                return text
            claim = re.sub(r"\bwould\b", "will", rest, count=1)
    if preamble and _LEAD_TIME.match(preamble + ", "):
        claim = f"{claim.rstrip(' .')} {preamble[0].lower()}{preamble[1:]}"
    return claim


_LEAD_TIME = re.compile(
    r"^((?:in\s+the\s+(?:short|medium|long|near)(?:er)?[- ]term|(?:short|medium|long|near)(?:er)?[- ]term|"
    r"over\s+the\s+(?:next|coming)\s+[^,]{2,40}|in\s+the\s+(?:next|coming)\s+[^,]{2,40}|within\s+[^,]{2,40}|"
    r"by\s+[^,]{2,40}|before\s+[^,]{2,40}|(?:later|early|earlier)\s+(?:this|next)\s+\w+|next\s+\w+|this\s+(?:year|quarter|month|week|fall|autumn|spring|summer|winter)|soon))"
    r",\s+",
    re.I,
)
_STRONG_CUES = [pattern for _name, pattern, weight in _CUES if weight >= 1]


def _has_strong_cue(text: str) -> bool:
    return any(pattern.search(text) for pattern in _STRONG_CUES)


def _forecast_clause(text: str) -> str:
    """The clause that carries the forecast when a sentence joins several with ';' or a dash."""
    clauses = [c.strip() for c in text.split(";") if c.strip()]
    if len(clauses) > 1:
        text = next((c for c in clauses if _has_strong_cue(c)), text)
    dashed = re.split(r"\s*—\s*|\s+[–-]\s+", text, maxsplit=1)
    if len(dashed) == 2 and _has_strong_cue(dashed[0]) and len(dashed[0].split()) >= 4:
        text = dashed[0]
    return text


def forecast_span(sentence: str) -> str:
    """The part of a sentence that carries its forecast, verbatim: the clause with the strong
    cue when clauses are joined by ';' or a dash, without trailing commentary clauses."""
    text = _forecast_clause(sentence.strip())
    return _cut_trailing_clauses(text)


def _cut_trailing_clauses(text: str) -> str:
    """Drop the commentary after the claim: ", further widening the gap", ", as rivals ..."."""
    cut = re.search(
        r",\s+(?:(?:further|thereby|possibly|potentially|likely|effectively|ultimately)\s+)?(?!(?:including|according|during|following|regarding|notwithstanding|beginning|starting|pending|implying|suggesting|meaning|signalling|signaling|indicating|bringing|making|taking|leaving\s+(?:it|them)\s+(?:at|on))\b)\w+ing\b.*$"
        r"|,\s+(?:as|because|since|given that)\s+.*$|,\s+(?:up|down)\s+from\b.*$",
        text,
    )
    if cut and len(text[: cut.start()].split()) >= 3:
        return text[: cut.start()]
    return text


def _plain_quotes(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


# --------------------------------------------------------------------------------------
# Candidates


@dataclass
class Candidate:
    sentence: str
    claim: str
    source: str
    source_kind: str
    source_guessed: bool
    deadline: date | None
    earliest: date | None
    deadline_text: str | None
    vague: bool
    deadline_explanation: str | None
    probability: float | None
    probability_kind: str | None
    probability_text: str | None
    probability_explanation: str | None
    stated: date
    score: float
    cues: list[str] = field(default_factory=list)
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("deadline", "earliest", "stated"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


THRESHOLD = 1.0


def extract(
    text: str,
    stated: date,
    *,
    default_source: str | None = None,
    default_source_kind: str = "outlet",
    author: str | None = None,
    horizons: dict[str, str] | None = None,
    words: dict[str, float] | None = None,
) -> list[Candidate]:
    """Candidate forecasts in article text, in reading order.

    `stated` is the published date: deadlines are read relative to it and a date on or
    before it is history, not a forecast. Unattributed forecasts go to `author` (a byline),
    else `default_source` (e.g. the outlet, from --source), else "unknown"; those are
    marked `source_guessed`.
    """
    from predtrack.likelihood import read_probability
    from predtrack.when import read_deadline

    main_organisation = _main_organisation(text)
    seen: set[str] = set()
    candidates: list[Candidate] = []
    for sentence in sentences_of(text):
        body = sentence.text
        key = " ".join(_plain_quotes(body).lower().split())
        if key in seen or len(body.split()) < 4:
            continue
        reading = read_deadline(body, stated, horizons)
        future = reading.deadline is not None and reading.deadline > stated
        listed = sentence.intro is not None and _has_strong_cue(sentence.intro)
        cues = forecast_cues(body, future, bool(reading.vague), sentence.heading, listed)
        if cues.score < THRESHOLD:
            continue
        seen.add(key)
        who = attribute(body)
        if who.source is None and who.how != "first person":
            # A list item speaks with its introduction's voice; a quote that continues
            # ('"A," said X. "B."') with the voice of the sentence before.
            if listed:
                who = _inherited(attribute(sentence.intro), who)
            elif sentence.previous and re.match(r"^[\"“]", body):
                who = _inherited(attribute(sentence.previous), who)
        probability = _probability_of(body, who, read_probability, words)
        source, kind, guessed = _resolve_source(who, author, default_source, default_source_kind, main_organisation)
        candidates.append(
            Candidate(
                sentence=body,
                claim=derive_claim(body) or body.strip(),
                source=source,
                source_kind=kind,
                source_guessed=guessed,
                deadline=reading.deadline if future else None,
                earliest=reading.earliest if future else None,
                deadline_text=reading.text if future else None,
                vague=bool(reading.vague) if future else False,
                deadline_explanation=reading.explanation if future else None,
                probability=probability.probability,
                probability_kind=probability.kind,
                probability_text=probability.text,
                probability_explanation=probability.explanation,
                stated=stated,
                score=cues.score,
                cues=cues.names,
                line=sentence.line,
            )
        )
    return candidates


def _inherited(earlier: Attribution, own: Attribution) -> Attribution:
    if earlier.source is None:
        return own
    return Attribution(earlier.source, earlier.kind, f"inherited ({earlier.how})")


def _probability_of(sentence: str, who: Attribution, read_probability, words) -> Any:
    """The chance the sentence gives its claim, read where the claim is stated.

    From the named source on ("The model will be proprietary, with Meta noting that it hopes
    to open-source future versions": Meta hopes, 0.6, not the writer's "will"), and within
    the clause that carries the forecast ("X will buy Y, aiming to close the gap": the
    purchase is asserted, the aim is not the claim). The whole sentence is the fallback.
    """
    texts = []
    if who.source:
        start = _plain_quotes(sentence).find(who.source)
        if start > 0:
            texts.append(forecast_span(sentence[start:]))
    texts += [forecast_span(sentence), sentence]
    reading = None
    for text in texts:
        reading = read_probability(text, words)
        if reading.probability is not None:
            return reading
    return reading


def _resolve_source(
    who: Attribution,
    author: str | None,
    default_source: str | None,
    default_kind: str,
    main_organisation: str | None,
) -> tuple[str, str, bool]:
    if who.source is not None:
        if re.fullmatch(r"(?:the\s+)?(?:company|firm)", who.source, re.I) and main_organisation:
            return main_organisation, "organisation", True
        return who.source, who.kind, False
    if author:
        return author, "person", who.how != "first person"
    if default_source:
        return default_source, default_kind, who.how != "first person"
    return "unknown", "outlet", True


_DAYS_AND_MONTHS = [
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "tomorrow", "yesterday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
]


def _main_organisation(text: str) -> str | None:
    """The name the article mentions most, to stand for "the company"; a name, not a
    sentence opener ("The", "But") or a date word."""
    names = Counter(re.findall(r"\b([A-Z][a-z]*[A-Z]?[\w-]*)\b", text))
    for name, count in names.most_common(12):
        lowered = name.lower()
        if count < 3 or len(name) < 2 or lowered in _DAYS_AND_MONTHS or lowered in {"ai", "i", "ceo"}:
            continue
        if _PRONOUN_SUBJECT.match(name) or lowered in CLAIM_STOPWORDS:
            continue
        return name
    return None


# Words that carry no meaning in a claim: skipped when naming the main organisation and in ids.
CLAIM_STOPWORDS = {
    "a", "an", "the", "of", "to", "in", "on", "by", "for", "and", "or", "will", "be", "is", "are", "its", "their",
    "with", "that", "this", "at", "as", "from", "e", "g", "eg", "but", "if", "it", "they", "he", "she", "we",
    "what", "why", "how", "when", "where", "who", "more", "most", "new", "first",
}


__all__ = [
    "Candidate",
    "attribute",
    "blocks",
    "derive_claim",
    "extract",
    "forecast_cues",
    "forecast_span",
    "sentences_of",
    "split_sentences",
    # read from here by older callers; their home is predtrack.article_text
    "UnreadableArticle",
    "find_published_date",
    "read_article",
]
