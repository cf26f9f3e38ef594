"""Deadline language: the conventions of issue 3, forms with many dates, sentences, non-deadlines."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from predtrack.errors import ConfigError, InvalidValue
from predtrack.when import (
    DEFAULT_HORIZONS,
    DeadlineReading,
    check_horizons,
    parse_deadline_value,
    read_deadline,
)

S = date(2026, 4, 8)  # the seed article's publication date


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def reading(text: str, stated: date = S, horizons=None) -> DeadlineReading:
    return read_deadline(text, stated, horizons)


# ---------------------------------------------------------------- the issue's examples

ISSUE_EXAMPLES = [
    # absolute periods: the last day
    ("by Q2 2027", date(2027, 6, 30)),
    ("2026", date(2026, 12, 31)),
    ("end-2026", date(2026, 12, 31)),
    ("end of 2026", date(2026, 12, 31)),
    ("year-end 2026", date(2026, 12, 31)),
    ("by the end of 2026", date(2026, 12, 31)),
    ("before the end of 2026", date(2026, 12, 31)),
    ("during 2027", date(2027, 12, 31)),
    ("in 2027", date(2027, 12, 31)),
    ("within 2027", date(2027, 12, 31)),
    ("Q3 2026", date(2026, 9, 30)),
    ("Q3 of 2026", date(2026, 9, 30)),
    ("3Q26", date(2026, 9, 30)),
    ("3Q 2026", date(2026, 9, 30)),
    ("2026-Q3", date(2026, 9, 30)),
    ("the third quarter of 2026", date(2026, 9, 30)),
    ("third-quarter 2026", date(2026, 9, 30)),
    ("H1 2027", date(2027, 6, 30)),
    ("1H27", date(2027, 6, 30)),
    ("2H 2026", date(2026, 12, 31)),
    ("first half of 2027", date(2027, 6, 30)),
    ("second half of 2026", date(2026, 12, 31)),
    ("March 2027", date(2027, 3, 31)),
    ("Mar. 2027", date(2027, 3, 31)),
    ("June 30, 2027", date(2027, 6, 30)),
    ("30 June 2027", date(2027, 6, 30)),
    ("2027-06-30", date(2027, 6, 30)),
    ("Sept. 30, 2026", date(2026, 9, 30)),
    # before: the day before the period starts
    ("before 2027", date(2026, 12, 31)),
    ("before July 1, 2027", date(2027, 6, 30)),
    # early / mid / late, end of the decade
    ("early 2027", date(2027, 4, 30)),
    ("mid 2027", date(2027, 8, 31)),
    ("mid-2027", date(2027, 8, 31)),
    ("late 2027", date(2027, 12, 31)),
    ("by the end of the decade", date(2029, 12, 31)),
    # no year: the first such period ending on or after S
    ("by the third quarter", date(2026, 9, 30)),
    ("by March", date(2027, 3, 31)),
    ("by the end of Q1", date(2027, 3, 31)),
    # relative to S
    ("within 12 months", date(2027, 4, 8)),
    ("in 12 months", date(2027, 4, 8)),
    ("in the next 12 months", date(2027, 4, 8)),
    ("over the next 12 months", date(2027, 4, 8)),
    ("12 months from now", date(2027, 4, 8)),
    ("within twelve months", date(2027, 4, 8)),
    ("within a year", date(2027, 4, 8)),
    ("in a couple of years", date(2028, 4, 8)),
    ("within 30 days", date(2026, 5, 8)),
    ("in two weeks", date(2026, 4, 22)),
    ("within two quarters", date(2026, 10, 8)),
    ("this time next year", date(2027, 4, 8)),
    ("around this time next year", date(2027, 4, 8)),
    ("about this time next year", date(2027, 4, 8)),
    ("this year", date(2026, 12, 31)),
    ("by year-end", date(2026, 12, 31)),
    ("by year end", date(2026, 12, 31)),
    ("by the end of the year", date(2026, 12, 31)),
    ("next year", date(2027, 12, 31)),
    ("by the end of next year", date(2027, 12, 31)),
    ("this quarter", date(2026, 6, 30)),
    ("next quarter", date(2026, 9, 30)),
    ("this month", date(2026, 4, 30)),
    ("next month", date(2026, 5, 31)),
]


@pytest.mark.parametrize("text, expected", ISSUE_EXAMPLES)
def test_issue_examples(text, expected):
    r = reading(text)
    assert r.deadline == expected, r.explanation
    assert r.vague is False
    assert r.text == text
    assert expected.isoformat() in r.explanation


def test_six_months_after_august_31_is_february_28():
    assert reading("within six months", date(2026, 8, 31)).deadline == date(2027, 2, 28)
    assert reading("within six months", date(2027, 8, 31)).deadline == date(2028, 2, 29)


def test_ranges_give_earliest_and_deadline():
    r = reading("in 3 to 6 months")
    assert (r.earliest, r.deadline) == (date(2026, 7, 8), date(2026, 10, 8))
    r = reading("The rollout will happen in three to six months.")
    assert (r.earliest, r.deadline, r.text) == (date(2026, 7, 8), date(2026, 10, 8), "in three to six months")
    r = reading("within 18 to 24 months")
    assert (r.earliest, r.deadline) == (date(2027, 10, 8), date(2028, 4, 8))
    r = reading("in a year or two")
    assert (r.earliest, r.deadline) == (date(2027, 4, 8), date(2028, 4, 8))
    r = reading("over the next 12-18 months")
    assert (r.earliest, r.deadline) == (date(2027, 4, 8), date(2027, 10, 8))
    r = reading("in six months to a year")
    assert (r.earliest, r.deadline) == (date(2026, 10, 8), date(2027, 4, 8))
    r = reading("in 2027 or 2028")
    assert (r.earliest, r.deadline) == (date(2027, 1, 1), date(2028, 12, 31))
    r = reading("between 2027 and 2029")
    assert (r.earliest, r.deadline) == (date(2027, 1, 1), date(2029, 12, 31))
    r = reading("in Q3 or Q4 2026")
    assert (r.earliest, r.deadline) == (date(2026, 7, 1), date(2026, 12, 31))
    r = reading("late 2026 or early 2027")
    assert (r.earliest, r.deadline) == (date(2026, 9, 1), date(2027, 4, 30))


def test_single_periods_have_no_earliest():
    for text in ("by Q2 2027", "within 12 months", "in the coming weeks", "next year"):
        assert reading(text).earliest is None, text


VAGUE = [
    ("in the coming days", S + timedelta(days=14), "coming_days"),
    ("over the next few days", S + timedelta(days=14), "coming_days"),
    ("in the coming weeks", S + timedelta(weeks=6), "coming_weeks"),
    ("the next few weeks", S + timedelta(weeks=6), "coming_weeks"),
    ("in the weeks ahead", S + timedelta(weeks=6), "coming_weeks"),
    ("weeks ahead", S + timedelta(weeks=6), "coming_weeks"),
    ("in the coming months", date(2026, 10, 8), "coming_months"),
    ("next few months", date(2026, 10, 8), "coming_months"),
    ("in the coming years", date(2029, 4, 8), "coming_years"),
    ("in the next few years", date(2029, 4, 8), "coming_years"),
    ("soon", date(2026, 7, 8), "soon"),
    ("shortly", date(2026, 7, 8), "soon"),
    ("in the short term", date(2027, 4, 8), "short_term"),
    ("in the near term", date(2027, 4, 8), "short_term"),
    ("short term", date(2027, 4, 8), "short_term"),
    ("in the medium term", date(2029, 4, 8), "medium_term"),
    ("in the long term", date(2036, 4, 8), "long_term"),
    ("over the long run", date(2036, 4, 8), "long_term"),
]


@pytest.mark.parametrize("text, expected, horizon", VAGUE)
def test_vague_horizons(text, expected, horizon):
    r = reading(text)
    assert (r.deadline, r.vague) == (expected, True)
    assert horizon in r.explanation


def test_each_default_horizon_is_documented_and_readable():
    assert set(DEFAULT_HORIZONS) == {"coming_days", "coming_weeks", "coming_months", "coming_years", "soon",
                                     "short_term", "medium_term", "long_term"}
    check_horizons(DEFAULT_HORIZONS)


def test_config_overrides_a_vague_horizon():
    r = reading("Integration is expected in the coming weeks.", horizons={"coming_weeks": "8 weeks"})
    assert (r.deadline, r.vague) == (S + timedelta(weeks=8), True)
    assert "config" in r.explanation
    # the others keep their defaults
    assert reading("soon", horizons={"coming_weeks": "8 weeks"}).deadline == date(2026, 7, 8)


def test_bad_horizon_config_is_reported_by_check_and_ignored_by_the_reader():
    with pytest.raises(ConfigError, match="coming_weekz"):
        check_horizons({"coming_weekz": "8 weeks"})
    with pytest.raises(ConfigError, match="soon"):
        check_horizons({"soon": "a while"})
    r = reading("soon", horizons={"soon": "a while"})
    assert r.deadline == date(2026, 7, 8)


@pytest.mark.parametrize("text", ["eventually", "Meta will eventually open-source it.", "someday", "at some point",
                                  "sooner or later", "in the distant future"])
def test_words_that_name_no_deadline(text):
    r = reading(text)
    assert r.deadline is None
    assert r.vague is True
    assert r.text is not None and r.text.lower() in text.lower()


def test_nothing_at_all_gives_nulls():
    for text in ("", "   ", "Meta released a model.", "!!!", "GPT-5"):
        r = reading(text)
        assert (r.deadline, r.earliest, r.text, r.vague) == (None, None, None, False), text


# ---------------------------------------------------------------- forms with many dates


@pytest.mark.parametrize("year", [2024, 2026, 2027, 2028, 2031])
@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_quarter_forms_across_years(year, quarter):
    end = month_end(year, 3 * quarter)
    ordinal = ["first", "second", "third", "fourth"][quarter - 1]
    yy = year % 100
    forms = [f"Q{quarter} {year}", f"by Q{quarter} {year}", f"{quarter}Q{yy}", f"{quarter}Q {year}", f"{year}-Q{quarter}",
             f"Q{quarter} of {year}", f"Q{quarter}'{yy}", f"the {ordinal} quarter of {year}", f"{ordinal}-quarter {year}",
             f"in the {ordinal} quarter of {year}", f"by the end of Q{quarter} {year}"]
    for form in forms:
        assert read_deadline(form, date(2020, 1, 1)).deadline == end, form
    start = date(year, 3 * quarter - 2, 1)
    assert read_deadline(f"before Q{quarter} {year}", date(2020, 1, 1)).deadline == start - timedelta(days=1)


@pytest.mark.parametrize("year", [2025, 2027, 2030])
def test_half_forms_across_years(year):
    yy = year % 100
    for h, end in ((1, date(year, 6, 30)), (2, date(year, 12, 31))):
        word = "first" if h == 1 else "second"
        for form in (f"H{h} {year}", f"{h}H{yy}", f"{h}H {year}", f"{word} half of {year}", f"the {word} half of {year}",
                     f"{word}-half {year}", f"H{h}'{yy}", f"{year}-H{h}"):
            assert read_deadline(form, date(2020, 1, 1)).deadline == end, form


@pytest.mark.parametrize("year", [2026, 2027, 2028, 2100])
@pytest.mark.parametrize("month", range(1, 13))
def test_month_forms_end_on_the_last_day(year, month):
    name = calendar.month_name[month]
    abbr = calendar.month_abbr[month]
    end = month_end(year, month)
    dotted = f"{abbr}. {year}" if abbr != "May" else f"{abbr} {year}"  # "May." is no abbreviation
    for form in (f"{name} {year}", f"by {name} {year}", dotted, f"{abbr} {year}", f"{name} of {year}",
                 f"the end of {name} {year}", f"{year}-{month:02d}"):
        assert read_deadline(form, date(2020, 1, 1)).deadline == end, form


def test_february_in_leap_and_common_years():
    assert reading("by February 2028").deadline == date(2028, 2, 29)
    assert reading("by February 2027").deadline == date(2027, 2, 28)
    assert reading("by February 2100").deadline == date(2100, 2, 28)  # not a leap year
    assert reading("by February 2000", date(1999, 1, 1)).deadline == date(2000, 2, 29)
    assert reading("Feb. 29, 2028").deadline == date(2028, 2, 29)
    # 29 February 2027 does not exist: no deadline rather than a wrong one
    assert parse_or_none("Feb 29, 2027") is None
    # without a year: the first 29 February on or after the stated date
    assert reading("by February 29", date(2026, 4, 8)).deadline == date(2028, 2, 29)


def parse_or_none(text):
    return read_deadline(text, S).deadline


@pytest.mark.parametrize("day", [date(2026, 9, 30), date(2027, 1, 1), date(2027, 12, 31), date(2028, 2, 29), date(2030, 7, 4)])
def test_date_forms(day):
    month = calendar.month_name[day.month]
    abbr = calendar.month_abbr[day.month]
    forms = [f"{month} {day.day}, {day.year}", f"{month} {day.day} {day.year}", f"{day.day} {month} {day.year}",
             f"{abbr}. {day.day}, {day.year}", day.isoformat(), f"on {month} {day.day}, {day.year}",
             f"by {day.day} {month} {day.year}", f"the {day.day}th of {month} {day.year}" if day.day not in (1, 2, 3) else f"{month} {day.day}, {day.year}",
             f"no later than {month} {day.day}, {day.year}"]
    for form in forms:
        assert read_deadline(form, date(2026, 1, 1)).deadline == day, form
    assert read_deadline(f"before {month} {day.day}, {day.year}", date(2026, 1, 1)).deadline == day - timedelta(days=1)


def test_unambiguous_numeric_dates_only():
    assert reading("by 12/31/2026").deadline == date(2026, 12, 31)
    assert reading("by 31/12/2026").deadline == date(2026, 12, 31)
    assert reading("by 3/4/2027").deadline is None  # March 4 or 3 April: not guessed


def test_periods_without_a_year_take_the_next_one():
    assert reading("by March", date(2026, 3, 31)).deadline == date(2026, 3, 31)  # ends on S: still this one
    assert reading("by March", date(2026, 4, 1)).deadline == date(2027, 3, 31)
    assert reading("in the fourth quarter", date(2026, 12, 31)).deadline == date(2026, 12, 31)
    assert reading("in the first quarter", date(2026, 4, 8)).deadline == date(2027, 3, 31)
    assert reading("by June 30", date(2026, 7, 1)).deadline == date(2027, 6, 30)
    assert reading("by the second half", date(2026, 4, 8)).deadline == date(2026, 12, 31)
    assert reading("by late March", date(2026, 3, 15)).deadline == date(2026, 3, 31)
    assert reading("by early March", date(2026, 3, 15)).deadline == date(2027, 3, 10)
    assert reading("by summer", date(2026, 4, 8)).deadline == date(2026, 8, 31)
    assert reading("by Christmas", date(2026, 12, 26)).deadline == date(2027, 12, 25)


def test_calendar_words():
    assert reading("this week", date(2026, 4, 8)).deadline == date(2026, 4, 12)  # a Wednesday: to Sunday
    assert reading("next week", date(2026, 4, 8)).deadline == date(2026, 4, 19)
    assert reading("by the end of the month", date(2026, 2, 3)).deadline == date(2026, 2, 28)
    assert reading("by the end of next month", date(2028, 1, 15)).deadline == date(2028, 2, 29)
    assert reading("next quarter", date(2026, 11, 25)).deadline == date(2027, 3, 31)
    assert reading("later this year").deadline == date(2026, 12, 31)
    assert reading("early next year").deadline == date(2027, 4, 30)
    assert reading("the year after next").deadline == date(2028, 12, 31)
    assert reading("by the end of the century").deadline == date(2099, 12, 31)
    assert reading("in the 2030s").deadline == date(2039, 12, 31)
    assert reading("by the late 2020s").deadline == date(2029, 12, 31)
    assert reading("tomorrow").deadline == date(2026, 4, 9)
    assert reading("by Friday", date(2026, 4, 8)).deadline == date(2026, 4, 10)
    assert reading("by Thanksgiving", date(2026, 4, 8)).deadline == date(2026, 11, 26)
    assert reading("by the summer of 2027").deadline == date(2027, 8, 31)
    assert reading("in fall 2026").deadline == date(2026, 11, 30)
    assert reading("FY2027").deadline == date(2027, 12, 31)
    assert "fiscal" in reading("FY2027").explanation


def test_until_a_period_is_the_day_before_it_until_a_date_includes_it():
    assert reading("X will not ship until Q3 2026").deadline == date(2026, 6, 30)
    assert reading("We do not expect a recovery until 2028.").deadline == date(2027, 12, 31)
    assert reading("The offer runs until June 30, 2027.").deadline == date(2027, 6, 30)
    assert reading("until the end of 2026").deadline == date(2026, 12, 31)


def test_relative_arithmetic_is_calendar_aware():
    assert read_deadline("within one month", date(2026, 1, 31)).deadline == date(2026, 2, 28)
    assert read_deadline("within one month", date(2028, 1, 31)).deadline == date(2028, 2, 29)
    assert read_deadline("in a year", date(2028, 2, 29)).deadline == date(2029, 2, 28)
    assert read_deadline("within 18 months", date(2026, 8, 31)).deadline == date(2028, 2, 29)
    assert read_deadline("in a year and a half", date(2026, 4, 8)).deadline == date(2027, 10, 8)
    assert read_deadline("within 1.5 years", date(2026, 4, 8)).deadline == date(2027, 10, 8)
    assert read_deadline("within a decade", date(2026, 4, 8)).deadline == date(2036, 4, 8)
    assert read_deadline("in ten business days", date(2026, 4, 8)).deadline == date(2026, 4, 22)
    assert read_deadline("within 48 hours", date(2026, 4, 8)).deadline == date(2026, 4, 10)
    assert read_deadline("in twenty-four months", date(2026, 4, 8)).deadline == date(2028, 4, 8)
    assert read_deadline("in a fortnight", date(2026, 4, 8)).deadline == date(2026, 4, 22)
    assert read_deadline("five years from now", date(2026, 4, 8)).deadline == date(2031, 4, 8)
    assert read_deadline("AGI is five years away", date(2026, 4, 8)).deadline == date(2031, 4, 8)
    assert read_deadline("in two years' time", date(2026, 4, 8)).deadline == date(2028, 4, 8)


# ---------------------------------------------------------------- sentences

SENTENCES = [
    ("Meta will acquire a coding-focused AI startup (e.g., Replit or Sourcegraph) by Q2 2027 to inject specialized "
     "code training into the Superintelligence Lab, aiming to close the HumanEval gap to under 10 points.",
     date(2027, 6, 30), "by Q2 2027"),
    ("OpenAI and Anthropic will each announce coding-specific model variants by Q3 2026, further widening the gap.",
     date(2026, 9, 30), "by Q3 2026"),
    ("Given that Muse Spark only completed a nine-month development cycle, a coding-focused iteration in 2026 seems likely.",
     date(2026, 12, 31), "in 2026"),
    ("Integration into WhatsApp, Instagram, Facebook, Messenger, and Meta's AI glasses is expected in the coming weeks.",
     S + timedelta(weeks=6), "in the coming weeks"),
    ("I expect Meta to acquire a specialized coding AI startup, possibly Replit or Sourcegraph, within the next 12 "
     "months to close this gap.", date(2027, 4, 8), "within the next 12 months"),
    ("Meta spent $14 billion on the Wang deal and will ship a new model by the end of 2026.", date(2026, 12, 31),
     "by the end of 2026"),
    ("Muse Spark scored 72.3% on HumanEval pass@1, and Meta says GPT-5 parity will come in the first half of 2027.",
     date(2027, 6, 30), "in the first half of 2027"),
    ("Analysts expect the deal to close by the end of the first quarter of 2027.", date(2027, 3, 31),
     "by the end of the first quarter of 2027"),
    ("Tesla said it would begin production of the Cybercab in 2026.", date(2026, 12, 31), "in 2026"),
    ("SpaceX aims to land humans on Mars by 2029, Musk said on Tuesday.", date(2029, 12, 31), "by 2029"),
    ("We expect inflation to fall back to 2% by mid-2027.", date(2027, 8, 31), "by mid-2027"),
    ("The merger is expected to close in the second half of 2026, subject to regulatory approval.", date(2026, 12, 31),
     "in the second half of 2026"),
    ("OpenAI could release GPT-6 as early as this summer.", date(2026, 8, 31), "as early as this summer"),
    ("The launch has been delayed to Q1 2027.", date(2027, 3, 31), "to Q1 2027"),
    ("The project, which took two years to complete, will open to the public in spring 2027.", date(2027, 5, 31),
     "in spring 2027"),
    ("Within five years, a majority of code will be written by AI.", date(2031, 4, 8), "Within five years"),
    ("Google plans to have 1 million TPUs online by year-end.", date(2026, 12, 31), "by year-end"),
    ("By 2030, the market for AI chips could reach $400 billion.", date(2030, 12, 31), "By 2030"),
    ("Regulators are likely to rule on the case later this year.", date(2026, 12, 31), "later this year"),
    ("Meta will double its data center capacity over the next two to three years.", date(2029, 4, 8),
     "over the next two to three years"),
    ("It is unlikely that the FDA will approve the drug before March 31, 2027.", date(2027, 3, 30), "before March 31, 2027"),
    ("A decision is expected on or before June 15.", date(2026, 6, 15), "on or before June 15"),
    ("The first deliveries are scheduled for early next year.", date(2027, 4, 30), "for early next year"),
    ("The deal, first announced in 2024, is expected to close in Q3.", date(2026, 9, 30), "in Q3"),
    ("Sales are forecast to rise 5% in 2027, the company said.", date(2027, 12, 31), "in 2027"),
    ("The Fed will probably cut rates twice before the end of the year.", date(2026, 12, 31), "before the end of the year"),
    ("Microsoft will phase out the feature over the next 18 months.", date(2027, 10, 8), "over the next 18 months"),
    ("The company expects to be profitable in 2028 after a $2.3 billion loss in 2025.", date(2028, 12, 31), "in 2028"),
    ("Apple will ship the foldable iPhone in fall 2026, according to analyst Ming-Chi Kuo.", date(2026, 11, 30), "in fall 2026"),
    ("The new model should arrive in a matter of weeks.", S + timedelta(weeks=6), "in a matter of weeks"),
    ("Amazon expects to complete the rollout by the end of 2026 or early 2027.", date(2027, 4, 30),
     "by the end of 2026 or early 2027"),
    ("Nvidia's next chip, Rubin, is slated for 2H26 volume production.", date(2026, 12, 31), "for 2H26"),
    ("The chipmaker will begin mass production in the first half of next year.", date(2027, 6, 30),
     "in the first half of next year"),
    ("Nvidia will report fiscal second-quarter results on August 27.", date(2026, 8, 27), "on August 27"),
    ("The Federal Reserve is expected to cut interest rates at its September meeting.", date(2026, 9, 30), "September"),
    ("Vaccine makers hope to have an updated shot ready by fall.", date(2026, 11, 30), "by fall"),
    ("Officials expect the bridge to reopen by the summer.", date(2026, 8, 31), "by the summer"),
    ("The union gave the company until Friday to respond.", date(2026, 4, 10), "until Friday"),
    ("The firm has 90 days to respond.", date(2026, 7, 7), "has 90 days"),
    ("The project is expected to take about 18 months to complete.", date(2027, 10, 8), "take about 18 months"),
    ("The new rules will apply from 1 January 2027.", date(2027, 1, 1), "from 1 January 2027"),
    ("There's a real possibility the deal falls apart before year-end.", date(2026, 12, 31), "before year-end"),
    ("Tesla's robotaxi service could be operating in 10 cities by year's end.", date(2026, 12, 31), "by year's end"),
    ("The company hopes to break even by the end of its fiscal year.", date(2026, 12, 31), "by the end of its fiscal year"),
    ("Hassabis believes AGI is five to ten years away.", date(2036, 4, 8), "five to ten years away"),
    ("Ukraine and Russia are unlikely to reach a peace deal before the summer.", date(2026, 5, 31), "before the summer"),
    ("Within the next year or two, the technology will be mainstream.", date(2028, 4, 8), "Within the next year or two"),
    ("The tariffs will expire after 90 days unless extended.", date(2026, 7, 7), "after 90 days"),
    ("The company will spin off its cloud unit sometime next year.", date(2027, 12, 31), "sometime next year"),
    ("Sales could top $1 billion in 2027 or 2028.", date(2028, 12, 31), "in 2027 or 2028"),
    ("The rollout will be completed by Q4 FY2026.", date(2026, 12, 31), "by Q4 FY2026"),
    ("The team aims to finish the prototype before Christmas.", date(2026, 12, 24), "before Christmas"),
    ("China is expected to overtake the US as the largest economy sometime in the 2030s.", date(2039, 12, 31),
     "sometime in the 2030s"),
    ("The report, due out next Tuesday, is expected to show a slowdown.", date(2026, 4, 14), "next Tuesday"),
    ("Officials said the bridge may not reopen until spring 2027.", date(2027, 2, 28), "until spring 2027"),
    ("Over the coming 12 months, we expect volatility to remain high.", date(2027, 4, 8), "Over the coming 12 months"),
    ("Mortgage rates are likely to stay above 6% for the rest of the year.", date(2026, 12, 31), "for the rest of the year"),
    ("Apple could launch a foldable iPhone in 1Q2027, according to supply-chain analyst Ming-Chi Kuo.", date(2027, 3, 31),
     "in 1Q2027"),
    ("We now expect the first rate cut in Q1'27.", date(2027, 3, 31), "in Q1'27"),
    ("Samsung's HBM4 output should ramp in 2H'26.", date(2026, 12, 31), "in 2H'26"),
    ("Intel guided for break-even in FY26 Q4.", date(2026, 12, 31), "in FY26 Q4"),
    ("Republicans are favored to keep the House before the 2028 election.", date(2028, 12, 31), "before the 2028 election"),
    ("Musk said Starship would fly to Mars in the 2026 window.", date(2026, 12, 31), "in the 2026 window"),
    ("The S&P 500 will end 2026 at 7,500, strategists predict.", date(2026, 12, 31), "end 2026"),
    ("Bitcoin could hit $150,000 by 2026 year-end.", date(2026, 12, 31), "by 2026 year-end"),
    ('"We\'ll have AGI within five years," Altman told the audience.', date(2031, 4, 8), "within five years"),
    ("Demand should pick up toward the end of the year.", date(2026, 12, 31), "toward the end of the year"),
    ("The company will announce layoffs in early Q3.", date(2026, 7, 31), "in early Q3"),
    ("Elections are due by January 2029 at the latest.", date(2029, 1, 31), "by January 2029"),
    ("The new factory will be up and running by the end of the summer.", date(2026, 8, 31), "by the end of the summer"),
]


@pytest.mark.parametrize("sentence, expected, words", SENTENCES)
def test_deadlines_inside_sentences(sentence, expected, words):
    r = reading(sentence)
    assert (r.deadline, r.text) == (expected, words), r.explanation


NO_DEADLINE_SENTENCES = [
    "Nine months after Mark Zuckerberg brought in Alexandr Wang in a deal that valued Scale AI at roughly $14 billion, "
    "Meta has delivered its first answer.",
    "Meta launched its Superintelligence Lab two years ago.",
    "Given that Muse Spark only completed a nine-month development cycle, the team is tired.",
    "The nine months Wang and MSL spent on Muse Spark were not just spent training a model.",
    "Muse Spark scored 72.3% on HumanEval pass@1, a 12-point improvement over Llama 4's 60.1%.",
    "GPT-5 and Claude 4.0 remain the coding leaders.",
    "Meta expects 2026 revenue of $200 billion.",
    "The company was founded in 2004.",
    "Meta released Muse Spark on April 8, 2026, its first model from the lab.",
    "The firm raised $6.6 billion in October 2024 at a $157 billion valuation.",
    "Nvidia's revenue grew 94% in the past 12 months.",
    "The stock has risen 150% over the last two years.",
    "The bill would take effect 90 days after it is signed into law.",
    "The project has been in development for five years.",
    "Shares fell 12% in 2025 after the company missed its targets.",
    "Intel's 18A process was slated for high-volume production in H2 2025.",
    "It was the first profit in years.",
    "The company has 2,030 employees and a 5-year plan.",
    "The deal closed within two weeks.",
    "He served a three-year term on the board.",
    "Sales rose 20% in the 12 months to June.",
    "Revenue in the first nine months of 2025 rose 12%.",
    "Meta will integrate the startup within six months of the deal closing.",
    "It is too soon to say whether the bet pays off.",
    "The 2026 World Cup will be held in North America.",
    "Prices were higher in March.",
    "Meta Llama 4 has 400 billion parameters and a context of 10 million tokens.",
    "The company reported third-quarter revenue of $12.3 billion, up 14% from a year earlier.",
    "In the three months ended September 30, net income rose 8%.",
    "The 2028 Olympics are in Los Angeles.",
    "Microsoft said on Thursday it would invest $80 billion in AI data centers in fiscal 2025.",
    "The central bank cut rates by 25 basis points on Wednesday.",
    "The EU's Digital Markets Act took effect in 2023.",
    "TSMC's Arizona plant will start volume production of 4nm chips in early 2025.",
    "The project is 18 months behind schedule.",
    "Amazon aims to deliver packages by drone within 30 minutes.",
    "Netflix's ad tier now has 70 million monthly users, up from 40 million a year ago.",
    "GPT-5 was released in August 2025.",
    "It took Apple nine years to reach a $1 trillion valuation.",
    "Experts predict fully autonomous cars won't be common for at least another decade.",
    "It usually takes two years to train a pilot.",
    "He has two years of experience.",
    "The next year will be hard.",
    "After two years of losses, the company will turn a profit.",
    "Sales over the last 12 months are strong.",
    "Meta released Muse Spark on Tuesday.",
    "May be delayed by a week.",
    "Prices march higher in a fall market.",
    "Windows 10 support ends on October 14, 2025.",
    "The outage lasted three hours on Monday.",
    "The company's shares have fallen 30% since January.",
    "Analysts see CY2026 capex rising 40%.",
    "Voters will remember this after the 2028 election.",
]


@pytest.mark.parametrize("sentence", NO_DEADLINE_SENTENCES)
def test_sentences_without_a_deadline(sentence):
    r = reading(sentence)
    assert r.deadline is None, f"{r.text!r}: {r.explanation}"


def test_a_past_period_counts_when_it_is_the_whole_text():
    # inside a sentence "in 2004" is history; typed alone it is read as written
    assert reading("The company was founded in 2004.").deadline is None
    assert reading("2004").deadline == date(2004, 12, 31)
    assert reading("Q2 2025").deadline == date(2025, 6, 30)


def test_text_is_verbatim_from_the_input_with_curly_quotes_and_dashes():
    sentence = "The chips ship in Q3\u2019s window \u2014 by end\u20112026, Nvidia\u2019s CFO said."
    r = reading(sentence)
    assert r.deadline == date(2026, 12, 31)
    assert r.text == "by end\u20112026"
    assert r.text in sentence


def test_explanation_is_one_line_a_person_can_check():
    for text in ("by Q2 2027", "within 12 months", "soon", "eventually", "nothing here", "before 2027", "by March"):
        r = reading(text)
        assert r.explanation and "\n" not in r.explanation
        if r.deadline:
            assert r.deadline.isoformat() in r.explanation
    assert reading("by Q2 2027").explanation == "Q2 2027 ends 2027-06-30"


# ---------------------------------------------------------------- parse_deadline_value


def test_parse_value_accepts_iso_dates_and_phrases():
    assert parse_deadline_value("2027-06-30", S).deadline == date(2027, 6, 30)
    assert parse_deadline_value(" 2027-06-30 ", S).deadline == date(2027, 6, 30)
    assert parse_deadline_value("Q2 2027", S).deadline == date(2027, 6, 30)
    assert parse_deadline_value("within 12 months", S).deadline == date(2027, 4, 8)
    assert parse_deadline_value("in the coming weeks", S).vague is True
    assert parse_deadline_value("2025-01-01", S).deadline == date(2025, 1, 1)  # a past date is taken as given
    assert parse_deadline_value("2026-12-31T00:00:00", S).deadline == date(2026, 12, 31)
    # a span typed alone counts from the stated date
    assert parse_deadline_value("12 months", S).deadline == date(2027, 4, 8)
    assert parse_deadline_value("6 weeks", S).deadline == date(2026, 5, 20)
    r = parse_deadline_value("3-6 months", S)
    assert (r.earliest, r.deadline) == (date(2026, 7, 8), date(2026, 10, 8))
    assert parse_deadline_value("ASAP", S).vague is True
    assert parse_deadline_value("Q2", S).deadline == date(2026, 6, 30)
    assert parse_deadline_value("next year", S).deadline == date(2027, 12, 31)


@pytest.mark.parametrize("value", ["eventually", "none", "None", "no deadline", "never"])
def test_parse_value_no_deadline_is_not_an_error(value):
    r = parse_deadline_value(value, S)
    assert r.deadline is None


@pytest.mark.parametrize("value", ["", "soonish maybe", "2027-02-30", "two years ago", "banana", "Q5 2026", "13/13/2027"])
def test_parse_value_rejects_what_it_cannot_read(value):
    with pytest.raises(InvalidValue) as info:
        parse_deadline_value(value, S)
    assert info.value.field == "deadline"
    assert "YYYY-MM-DD" in str(info.value)
    assert repr(value) in str(info.value)


# ---------------------------------------------------------------- properties

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
_stated = st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_text, _stated)
def test_never_raises_on_arbitrary_text(text, stated):
    r = read_deadline(text, stated)
    assert isinstance(r, DeadlineReading)
    assert "internal error" not in r.explanation
    if r.text is not None:
        assert r.text in text


# Words from every family of patterns, so that random sentences reach every reader.
_words = st.sampled_from(["by", "in", "within", "Q3", "2026", "the", "end", "of", "next", "year", "months", "12", "mid-",
                          "March", "before", "until", "weeks", "coming", "a", "few", "soon", "H2", "3Q26", "late",
                          "early", "$14", "billion", "72.3%", "GPT-5", "ago", "after", "-", ",", "or", "to", "and",
                          "quarter", "September", "second", "half", "first", "summer", "fall", "Friday", "this", "FY27",
                          "Christmas", "2026-27", "2030s", "year-end", "year's", "30", "June", "30,", "2027", "2/29/2028",
                          "2027-06-30", "fiscal", "from", "since", "between", "'27", "May", "may", "eventually", "long",
                          "term", "time", "from now", "days", "away", "for", "past", "last", "has", "take", "will",
                          "was", "expected", "delayed", "until", "decade", "century", "tomorrow", "week", "EOY", "Q4'26",
                          "2H", "1H27", "the 30th", "Sept.", "Dec", "31", "1.5", "a couple of", "twenty-four", "½"])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_words, max_size=14), _stated)
def test_never_raises_on_deadline_like_word_salad(words, stated):
    text = " ".join(words)
    r = read_deadline(text, stated)
    assert "internal error" not in r.explanation
    if r.text is not None:
        assert r.text in text
    if r.earliest is not None:
        assert r.deadline is not None and r.earliest <= r.deadline


_units = st.sampled_from(["days", "weeks", "months", "quarters", "years"])


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=120), _units, st.sampled_from(["within", "in", "in the next", "over the next"]),
       st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_relative_deadlines_are_never_before_the_stated_date(n, unit, lead, stated):
    r = read_deadline(f"Meta will ship it {lead} {n} {unit}.", stated)
    assert r.deadline is not None
    assert r.deadline >= stated
    assert r.vague is False


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["by March", "in the third quarter", "by the end of Q1", "by summer", "by June 30", "by late May",
                        "by Christmas", "this quarter", "next month", "this year", "next year", "by year-end",
                        "in the coming weeks", "soon", "in the long term", "this time next year"]),
       st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_periods_without_a_year_and_relative_words_never_end_before_the_stated_date(text, stated):
    r = read_deadline(text, stated)
    assert r.deadline is not None and r.deadline >= stated


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1950, max_value=2150), st.integers(min_value=1, max_value=4))
def test_before_a_quarter_is_the_day_before_by_it_is_its_last_day(year, quarter):
    stated = date(1949, 1, 1)
    by = read_deadline(f"by Q{quarter} {year}", stated).deadline
    before = read_deadline(f"before Q{quarter} {year}", stated).deadline
    assert by == month_end(year, 3 * quarter)
    assert before == date(year, 3 * quarter - 2, 1) - timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)))
def test_any_date_in_its_usual_forms_reads_as_itself(day):
    month = calendar.month_name[day.month]
    for form in (day.isoformat(), f"{month} {day.day}, {day.year}", f"{day.day} {month} {day.year}", f"by {month} {day.day}, {day.year}"):
        assert read_deadline(form, date(1949, 1, 1)).deadline == day, form
    assert parse_deadline_value(day.isoformat(), date(2026, 1, 1)).deadline == day


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1950, max_value=2150), st.integers(min_value=1, max_value=12))
def test_any_month_ends_on_its_last_day_and_before_it_is_the_day_before_it_starts(year, month):
    name = calendar.month_name[month]
    stated = date(1949, 1, 1)
    assert read_deadline(f"by {name} {year}", stated).deadline == month_end(year, month)
    assert read_deadline(f"before {name} {year}", stated).deadline == date(year, month, 1) - timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=60), st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_n_months_from_the_stated_date_is_calendar_arithmetic(n, stated):
    got = read_deadline(f"within {n} months", stated).deadline
    months = stated.month - 1 + n
    year, month = stated.year + months // 12, months % 12 + 1
    assert got == date(year, month, min(stated.day, calendar.monthrange(year, month)[1]))
