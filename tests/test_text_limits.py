"""Text a user gives is held to one rule on SQLite and PostgreSQL, before anything is written.

No NUL (PostgreSQL cannot store one) nor other control characters; one line where the value is
a name, a tag, an id or a link; and no more characters than its column holds (SQLite ignores a
VARCHAR's width, PostgreSQL refuses a longer value). A refusal names the option, file key or
CSV column, and the place (`path:line`) in a file, says what is accepted, exits 1 and writes
nothing. A value exactly at its column's width is accepted on both and survives an export and
an import.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect

from predtrack.errors import InvalidValue
from predtrack.values import COLUMN_LENGTHS, check_text

USER_TABLES = ("prediction", "prediction_tag", "forecast", "resolution", "source", "source_alias", "article", "event")
# Bounded columns that take no text from a user as it was typed, and why they need no check here.
NOT_TYPED = {
    "source.kind": "one of person, organisation, outlet, unknown",
    "forecast.probability_kind": "stated or inferred",
    "prediction.outcome": "an outcome word or a number written by predtrack (0.3), at most a dozen characters",
    "resolution.outcome": "as prediction.outcome",
    "event.action": "written by predtrack (add, resolve, import...)",
}
# Columns that hold a prediction id, checked by the rule of prediction.id.
PREDICTION_ID_COLUMNS = ("prediction_tag.prediction_id", "forecast.prediction_id", "resolution.prediction_id", "event.prediction_id")


def one_line(limit: int) -> str:
    return f"expected one line of at most {limit} characters, without control characters"


MULTILINE = "expected text without control characters other than tab and line breaks"
NUL_AT = "found NUL (U+0000) at character {}"
LINE_BREAK_AT = "found a line break (U+000A) at character {}"


# --- the limits are the columns' widths ---------------------------------------------------------


def test_each_limit_is_the_width_its_model_declares():
    from predtrack.models import SQLModel

    for name, limit in COLUMN_LENGTHS.items():
        table, column = name.split(".")
        assert SQLModel.metadata.tables[table].c[column].type.length == limit, name


def test_every_bounded_column_a_user_fills_has_a_limit_checked():
    """A new VARCHAR column for user text must join COLUMN_LENGTHS (or say here why it needs no check)."""
    from sqlalchemy import String

    from predtrack.models import SQLModel

    for table_name in USER_TABLES:
        for column in SQLModel.metadata.tables[table_name].columns:
            name = f"{table_name}.{column.name}"
            if not isinstance(column.type, String) or column.type.length is None:
                continue
            if name in PREDICTION_ID_COLUMNS:
                assert column.type.length == COLUMN_LENGTHS["prediction.id"], name
            else:
                assert name in COLUMN_LENGTHS or name in NOT_TYPED, f"{name} ({column.type}) has no checked limit"


def test_the_migrated_tables_have_the_same_widths(run_cli, backend_url):
    """The migrations, not only the models: autogenerate can miss a changed width."""
    from predtrack import db

    assert run_cli("sources").exit_code == 0  # creates a new SQLite file at head
    engine = db.create_engine_for(backend_url)
    try:
        inspector = inspect(engine)
        widths = {f"{table}.{column['name']}": getattr(column["type"], "length", None)
                  for table in USER_TABLES for column in inspector.get_columns(table)}
    finally:
        engine.dispose()
    assert {name: widths[name] for name in COLUMN_LENGTHS} == COLUMN_LENGTHS


# --- the rule -----------------------------------------------------------------------------------


def refusal(field: str, value: str, limit: int | None = None, multiline: bool = False) -> str:
    with pytest.raises(InvalidValue) as caught:
        check_text(field, value, limit, multiline)
    return str(caught.value)


def test_one_line_values_refuse_control_characters_line_breaks_and_excess_length():
    assert refusal("source", "Jane\x00Doe", 200) == f"invalid source 'Jane\\x00Doe': {one_line(200)}; {NUL_AT.format(5)}"
    assert refusal("source", "Jane\nDoe", 200) == f"invalid source 'Jane\\nDoe': {one_line(200)}; {LINE_BREAK_AT.format(5)}"
    assert refusal("source", "Jane\tDoe", 200) == f"invalid source 'Jane\\tDoe': {one_line(200)}; found a tab (U+0009) at character 5"
    assert refusal("source", "Jane\u2028Doe", 200) == (f"invalid source 'Jane\\u2028Doe': {one_line(200)}; "
                                                      "found a line separator (U+2028) at character 5")
    assert refusal("source", "x" * 201, 200) == f"invalid source '{'x' * 40}...': {one_line(200)}; it has 201 characters"
    assert refusal("deadline", "by Q2\x7f 2027") == ("invalid deadline 'by Q2\\x7f 2027': expected one line of text, without control "
                                                    "characters; found a control character (U+007F) at character 6")
    assert check_text("source", "x" * 200, 200) == "x" * 200
    assert check_text("source", "Zoë" * 66 + "ÅÅ", 200) == "Zoë" * 66 + "ÅÅ"  # characters, not bytes


def test_multiline_text_keeps_tabs_and_line_breaks_but_no_other_control_character():
    text = "First line\n\tindented\r\nlast line"
    assert check_text("quote", text, None, multiline=True) == text
    assert refusal("quote", "said\x00so", multiline=True) == f"invalid quote 'said\\x00so': {MULTILINE}; {NUL_AT.format(5)}"
    assert refusal("quote", "bell\x07", multiline=True) == (f"invalid quote 'bell\\x07': {MULTILINE}; "
                                                           "found a control character (U+0007) at character 5")
    assert refusal("quote", "a\udc80b", multiline=True) == f"invalid quote 'a\\udc80b': {MULTILINE}; found an unpaired surrogate (U+DC80) at character 2"


# --- the commands -------------------------------------------------------------------------------


def contents(url: str) -> dict[str, list[tuple]]:
    """Every row of every table a user fills, in a stable order."""
    from predtrack import db
    from predtrack.models import SQLModel

    engine = db.create_engine_for(url)
    try:
        with engine.connect() as connection:
            return {name: sorted(tuple(str(v) for v in row) for row in connection.execute(SQLModel.metadata.tables[name].select()))
                    for name in USER_TABLES}
    finally:
        engine.dispose()


def refused(result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {message}\n"


def add(run_cli, *extra: str, claim: str = "Meta ships a coding model") -> str:
    result = run_cli("add", claim, "--by", "Jane Doe", "-p", "0.6", "--stated", "2026-04-08", *extra)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def assert_all_refused(run_cli, url: str, cases: list[tuple[tuple[str, ...], str]]) -> None:
    before = contents(url)
    for args, message in cases:
        refused(run_cli(*args), message)
    assert contents(url) == before


def test_add_refuses_bad_text_in_every_option_and_writes_nothing(run_cli, backend_url):
    add(run_cli, "--id", "existing")
    base = ("add", "Meta ships", "-p", "0.5", "--stated", "2026-04-08")
    assert_all_refused(run_cli, backend_url, [
        (("add", "Meta\x00ships", "--by", "A", "-p", "0.5"), f"invalid CLAIM 'Meta\\x00ships': {MULTILINE}; {NUL_AT.format(5)}"),
        ((*base, "--by", "Jane\x00Doe"), f"invalid --by 'Jane\\x00Doe': {one_line(200)}; {NUL_AT.format(5)}"),
        ((*base, "--by", "J" * 201), f"invalid --by '{'J' * 40}...': {one_line(200)}; it has 201 characters"),
        ((*base, "--by", "Jane\nDoe"), f"invalid --by 'Jane\\nDoe': {one_line(200)}; {LINE_BREAK_AT.format(5)}"),
        ((*base, "--by", "A", "--criteria", "YES if\x00"), f"invalid --criteria 'YES if\\x00': {MULTILINE}; {NUL_AT.format(7)}"),
        ((*base, "--by", "A", "--quote", "\x00"), f"invalid --quote '\\x00': {MULTILINE}; {NUL_AT.format(1)}"),
        ((*base, "--by", "A", "--deadline", "by Q2\n2027"),
         f"invalid --deadline 'by Q2\\n2027': expected one line of text, without control characters; {LINE_BREAK_AT.format(6)}"),
        ((*base, "--by", "A", "--tag", "t" * 101),
         f"invalid tag '{'t' * 40}...': expected letters, digits, spaces and . : / + - (at most 100 characters)"),
        ((*base, "--by", "A", "--tag", "a\x00b"), "invalid tag 'a\\x00b': expected letters, digits, spaces and . : / + - (at most 100 characters)"),
        ((*base, "--by", "A", "--id", "x" * 121),
         f"invalid id '{'x' * 40}...': expected lowercase letters, digits and hyphens, starting with a letter or digit, at most 120 characters"),
        ((*base, "--by", "A", "--id", "meta-ships\n"),
         "invalid id 'meta-ships\\n': expected lowercase letters, digits and hyphens, starting with a letter or digit, at most 120 characters"),
        ((*base, "--by", "A", "--owner", "a" * 309 + "@example.org"),
         f"invalid --owner '{'a' * 40}...': expected an email address such as name@example.org, at most 320 characters; it has 321 characters"),
        ((*base, "--by", "A", "--owner", "jane\x00@example.org"), "invalid --owner 'jane\\x00@example.org': expected an email address such as name@example.org"),
        ((*base, "--by", "A", "--article", "https://example.org/" + "a" * 1981),
         "invalid --article 'https://example.org/aaaaaaaaaaaaaaaaaaaa...': expected an http(s) URL with a host, such as "
         "https://example.org/news, at most 2000 characters; it has 2001 characters"),
        ((*base, "--by", "A", "--article", "https://example.org/\x00"),
         "invalid --article 'https://example.org/\\x00': expected an http(s) URL with a host, such as https://example.org/news"),
    ])


def test_forecast_resolve_and_edit_refuse_bad_text_and_change_nothing(run_cli, backend_url):
    pid = add(run_cli, "--id", "meta-ships")
    forecast = ("forecast", pid, "-p", "0.4", "--stated", "2026-04-09")
    resolve = ("resolve", pid, "yes", "--on", "2026-05-01")
    assert_all_refused(run_cli, backend_url, [
        ((*forecast, "--by", "Meta\x00"), f"invalid --by 'Meta\\x00': {one_line(200)}; {NUL_AT.format(5)}"),
        ((*forecast, "--by", "M" * 201), f"invalid --by '{'M' * 40}...': {one_line(200)}; it has 201 characters"),
        ((*forecast, "--by", "Meta\nPlatforms"), f"invalid --by 'Meta\\nPlatforms': {one_line(200)}; {LINE_BREAK_AT.format(5)}"),
        ((*forecast, "--by", "Meta", "--quote", "we\x00will"), f"invalid --quote 'we\\x00will': {MULTILINE}; {NUL_AT.format(3)}"),
        (("forecast", "meta\x00ships", "--by", "Meta", "-p", "0.4"), f"invalid id 'meta\\x00ships': {MULTILINE}; {NUL_AT.format(5)}"),
        (("forecast", pid, "--by", "Jane\x00Doe", "--withdraw"), f"invalid --by 'Jane\\x00Doe': {MULTILINE}; {NUL_AT.format(5)}"),
        ((*resolve, "--note", "it\x00happened"), f"invalid --note 'it\\x00happened': {MULTILINE}; {NUL_AT.format(3)}"),
        ((*resolve, "--by", "R" * 201), f"invalid --by '{'R' * 40}...': {one_line(200)}; it has 201 characters"),
        ((*resolve, "--by", "Jane\nDoe"), f"invalid --by 'Jane\\nDoe': {one_line(200)}; {LINE_BREAK_AT.format(5)}"),
        ((*resolve, "--evidence", "https://example.org/" + "e" * 1981),
         "invalid --evidence 'https://example.org/eeeeeeeeeeeeeeeeeeee...': expected an http(s) URL with a host, such as "
         "https://example.org/news, or seed:FILE for a seed article (which has no URL), at most 2000 characters; it has 2001 characters"),
        (("resolve", "meta\x00ships", "yes"), f"invalid id 'meta\\x00ships': {MULTILINE}; {NUL_AT.format(5)}"),
        (("edit", pid, "--claim", "Meta\x00ships"), f"invalid --claim 'Meta\\x00ships': {MULTILINE}; {NUL_AT.format(5)}"),
        (("edit", pid, "--criteria", "\x00"), f"invalid --criteria '\\x00': {MULTILINE}; {NUL_AT.format(1)}"),
        (("edit", pid, "--deadline", "2027-01-01\x00"),
         f"invalid --deadline '2027-01-01\\x00': expected one line of text, without control characters; {NUL_AT.format(11)}"),
        (("edit", pid, "--claim", "Meta ships twice", "--tag", "t" * 101),
         f"invalid tag '{'t' * 40}...': expected letters, digits, spaces and . : / + - (at most 100 characters)"),
        (("edit", "meta\x00ships", "--claim", "x"), f"invalid id 'meta\\x00ships': {MULTILINE}; {NUL_AT.format(5)}"),
        (("edit", "meta\x00ships", "--deadline", "2027-01-01"), f"invalid id 'meta\\x00ships': {MULTILINE}; {NUL_AT.format(5)}"),
        (("unresolve", "meta\x00ships"), f"invalid id 'meta\\x00ships': {MULTILINE}; {NUL_AT.format(5)}"),
        (("delete", "meta\x00ships", "--yes"), f"invalid id 'meta\\x00ships': {MULTILINE}; {NUL_AT.format(5)}"),
        (("show", "meta\x00ships"), f"invalid id 'meta\\x00ships': {MULTILINE}; {NUL_AT.format(5)}"),
    ])


def test_sources_rename_merge_and_set_refuse_bad_names_and_change_nothing(run_cli, backend_url):
    add(run_cli)
    assert run_cli("forecast", "meta-ships-a-coding-model", "--by", "Meta", "-p", "0.4", "--stated", "2026-04-09").exit_code == 0
    assert_all_refused(run_cli, backend_url, [
        (("sources", "rename", "Meta", "Meta\x00Platforms"), f"invalid NEW 'Meta\\x00Platforms': {one_line(200)}; {NUL_AT.format(5)}"),
        (("sources", "rename", "Meta", "M" * 201), f"invalid NEW '{'M' * 40}...': {one_line(200)}; it has 201 characters"),
        (("sources", "rename", "Meta", "Meta\nPlatforms"), f"invalid NEW 'Meta\\nPlatforms': {one_line(200)}; {LINE_BREAK_AT.format(5)}"),
        (("sources", "rename", "Me\x00ta", "Meta Platforms"), f"invalid source 'Me\\x00ta': {MULTILINE}; {NUL_AT.format(3)}"),
        (("sources", "merge", "Meta\x00", "Jane Doe"), f"invalid source 'Meta\\x00': {MULTILINE}; {NUL_AT.format(5)}"),
        (("sources", "set", "Jane Doe", "--organisation", "O" * 201), f"invalid --organisation '{'O' * 40}...': {one_line(200)}; it has 201 characters"),
        (("sources", "set", "Jane Doe", "--organisation", "Meta\x00"), f"invalid --organisation 'Meta\\x00': {one_line(200)}; {NUL_AT.format(5)}"),
        (("sources", "set", "Jane\x00Doe", "--kind", "person"), f"invalid source 'Jane\\x00Doe': {MULTILINE}; {NUL_AT.format(5)}"),
    ])


def test_searches_refuse_a_nul_with_the_option_named(run_cli, backend_url):
    add(run_cli)
    assert_all_refused(run_cli, backend_url, [
        (("list", "--tag", "ai\x00"), f"invalid --tag 'ai\\x00': {MULTILINE}; {NUL_AT.format(3)}"),
        (("list", "--search", "Meta\x00"), f"invalid --search 'Meta\\x00': {MULTILINE}; {NUL_AT.format(5)}"),
        (("list", "--source", "Meta\x00"), f"invalid --source 'Meta\\x00': {MULTILINE}; {NUL_AT.format(5)}"),
        (("score", "--tag", "ai\x00"), f"invalid --tag 'ai\\x00': {MULTILINE}; {NUL_AT.format(3)}"),
        (("score", "--source", "Meta\x00"), f"invalid --source 'Meta\\x00': {MULTILINE}; {NUL_AT.format(5)}"),
    ])


def test_a_user_name_longer_than_its_column_is_refused_before_anything_is_written(run_cli, backend_url, config_file):
    assert run_cli("sources").exit_code == 0  # a new SQLite file exists before the comparison
    config_file.write_text(f'[user]\nname = "{"u" * 201}"\n', encoding="utf-8")
    before = contents(backend_url)
    # Refused when the config is read, naming the setting: by every command, read-only ones too.
    refused(run_cli("add", "Meta ships", "--by", "A", "-p", "0.5"), f"invalid [user] name '{'u' * 40}...': {one_line(200)}; it has 201 characters")
    refused(run_cli("list"), f"invalid [user] name '{'u' * 40}...': {one_line(200)}; it has 201 characters")
    assert contents(backend_url) == before


# --- the files ----------------------------------------------------------------------------------


BAD_YAML = r'''article:
  title: "Muse Spark"
  outlet: "{long_outlet}"
  author: "Jane\nDoe"
  published: 2026-04-08
predictions:
  - id: muse-spark-ships
    claim: "Muse Spark ships\0"
    deadline: 2027-01-01
    forecasts:
      - source: "{long_source}"
        probability: 0.9
      - source: Meta
        probability: 0.8
        words: "very\0likely"
        quote: "It\u0000 will"
    resolution:
      outcome: yes
      resolved: 2026-05-01
      note: "done\x00"
      by: "Jane\nDoe"
'''.replace("{long_outlet}", "o" * 201).replace("{long_source}", "S" * 201)

BAD_JSON = json.dumps([{
    "article": {"title": "Muse Spark", "seed": "s" * 201, "notes": "fine\nover lines", "published": "2026-04-08"},
    "predictions": [{"id": "muse-spark-json", "claim": "Muse Spark ships", "deadline": "2027-01-01", "tags": ["meta\u0000"],
                     "forecasts": [{"source": "Meta", "organisation": "Meta\nPlatforms", "probability": 0.9, "stated": "2026-04-08",
                                    "quote": "a\u0000b"}]}],
}], indent=2)

BAD_CSV = ("prediction,claim,deadline,source,probability,stated,quote,organisation,resolved_by,outcome,resolved,outlet\n"
           'good,A claim,2027-01-01,Meta,0.5,2026-04-08,,,,,,\n'
           f'nul,A claim,2027-01-01,Me\x00ta,0.5,2026-04-08,,,,,,\n'
           f'long,A claim,2027-01-01,{"S" * 201},0.5,2026-04-08,,,,,,\n'
           'break,A claim,2027-01-01,Meta,0.5,2026-04-08,,"Meta\nPlatforms",,,,\n'
           'quote,A claim,2027-01-01,Meta,0.5,2026-04-08,"said\x00so",,,,,\n'
           f'by,A claim,2027-01-01,,,,,,{"B" * 201},yes,2026-05-01,\n'
           f'outlet,A claim,2027-01-01,Meta,0.5,2026-04-08,,,,,,"Daily\x00News"\n')


@pytest.fixture
def bad_files(tmp_path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    (folder / "bad.json").write_text(BAD_JSON, encoding="utf-8")
    (folder / "bad.csv").write_text(BAD_CSV, encoding="utf-8")
    return folder


def expected_file_errors(folder: Path) -> list[str]:
    yaml, js, csv = folder / "bad.yaml", folder / "bad.json", folder / "bad.csv"
    return [
        f"{js}:5: article: invalid seed '{'s' * 40}...': {one_line(200)}; it has 201 characters",
        f"{js}:14: prediction muse-spark-json: invalid tag 'meta\\x00': expected letters, digits, spaces and . : / + - (at most 100 characters)",
        f"{js}:20: prediction muse-spark-json, forecast by Meta: invalid organisation 'Meta\\nPlatforms': {one_line(200)}; {LINE_BREAK_AT.format(5)}",
        f"{js}:23: prediction muse-spark-json, forecast by Meta: invalid quote 'a\\x00b': {MULTILINE}; {NUL_AT.format(2)}",
        f"{yaml}:3: article: invalid outlet '{'o' * 40}...': {one_line(200)}; it has 201 characters",
        f"{yaml}:4: article: invalid author 'Jane\\nDoe': {one_line(200)}; {LINE_BREAK_AT.format(5)}",
        f"{yaml}:8: prediction muse-spark-ships: invalid claim 'Muse Spark ships\\x00': {MULTILINE}; {NUL_AT.format(17)}",
        f"{yaml}:11: prediction muse-spark-ships, forecast: invalid source '{'S' * 40}...': {one_line(200)}; it has 201 characters",
        f"{yaml}:15: prediction muse-spark-ships, forecast by Meta: invalid words 'very\\x00likely': "
        f"expected text of at most 200 characters without control characters other than tab and line breaks; {NUL_AT.format(5)}",
        f"{yaml}:16: prediction muse-spark-ships, forecast by Meta: invalid quote 'It\\x00 will': {MULTILINE}; {NUL_AT.format(3)}",
        f"{yaml}:20: prediction muse-spark-ships, resolution: invalid note 'done\\x00': {MULTILINE}; {NUL_AT.format(5)}",
        f"{yaml}:21: prediction muse-spark-ships, resolution: invalid by 'Jane\\nDoe': {one_line(200)}; {LINE_BREAK_AT.format(5)}",
        f"{csv}:3: invalid source 'Me\\x00ta': {one_line(200)}; {NUL_AT.format(3)}",
        f"{csv}:4: invalid source '{'S' * 40}...': {one_line(200)}; it has 201 characters",
        f"{csv}:5: invalid organisation 'Meta\\nPlatforms': {one_line(200)}; {LINE_BREAK_AT.format(5)}",
        f"{csv}:7: invalid quote 'said\\x00so': {MULTILINE}; {NUL_AT.format(5)}",
        f"{csv}:8: invalid resolved_by '{'B' * 40}...': {one_line(200)}; it has 201 characters",
        f"{csv}:9: invalid outlet 'Daily\\x00News': {one_line(200)}; {NUL_AT.format(6)}",
    ]


def test_check_names_every_bad_text_in_yaml_json_and_csv_by_its_place(run_cli, bad_files):
    result = run_cli("check", str(bad_files))
    assert result.exit_code == 1
    assert result.stderr == f"{len(expected_file_errors(bad_files))} errors\n"
    errors = result.stdout.splitlines()
    assert sorted(errors) == sorted(expected_file_errors(bad_files))


def test_import_refuses_them_on_both_databases_and_writes_nothing(run_cli, backend_url, bad_files):
    assert run_cli("sources").exit_code == 0  # a new SQLite file exists before the comparison
    before = contents(backend_url)
    result = run_cli("import", str(bad_files))
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert sorted(errors[:-1]) == sorted(expected_file_errors(bad_files))
    assert errors[-1] == f"{len(errors) - 1} errors: nothing imported"
    assert contents(backend_url) == before


# --- at the limit -------------------------------------------------------------------------------


NAME_200 = "Zoë-" * 50  # characters, not bytes: 250 bytes in UTF-8
ORG_200 = "Ø" * 200
WORDS_200 = ("almost certainly " * 12)[:199] + "y"
BY_200 = "R" * 200
OUTLET_200, AUTHOR_200, SEED_200 = "O" * 200, "Å" * 200, "s" * 196 + ".txt"
URL_2000 = "https://example.org/" + "a" * 1980
OWNER_320 = "o" * 308 + "@example.org"
ID_120 = "at-the-limit-" + "x" * 107
TAG_100 = "t" * 100
QUOTE = "First line,\n\tthen an indented one\nand a last."

AT_LIMIT_YAML = f'''article:
  title: "Values at their limits"
  outlet: "{OUTLET_200}"
  author: "{AUTHOR_200}"
  seed: "{SEED_200}"
  published: 2026-04-08
predictions:
  - id: yaml-at-the-limit
    claim: "A claim over\\ntwo lines"
    deadline: 2027-01-01
    forecasts:
      - source: "{NAME_200}"
        source_kind: person
        organisation: "{ORG_200}"
        probability: 0.7
        kind: inferred
        words: "{WORDS_200}"
        quote: "{QUOTE.encode('unicode_escape').decode()}"
    resolution:
      outcome: yes
      resolved: 2026-05-01
      by: "{BY_200}"
      evidence: ["{URL_2000}"]
'''


def test_values_at_their_limits_are_accepted_on_both_and_survive_export_and_import(run_cli, backend_url, tmp_path):
    added = run_cli("add", "A claim at the limits", "--by", NAME_200, "-p", "0.6", "--stated", "2026-04-08", "--id", ID_120,
                    "--tag", TAG_100, "--owner", OWNER_320, "--article", URL_2000, "--quote", QUOTE, "--deadline", "2027-01-01")
    assert added.exit_code == 0, added.output
    assert run_cli("resolve", ID_120, "no", "--on", "2026-05-01", "--by", BY_200, "--note", QUOTE).exit_code == 0
    assert run_cli("sources", "set", NAME_200, "--organisation", ORG_200).exit_code == 0
    path = tmp_path / "at-limit.yaml"
    path.write_text(AT_LIMIT_YAML, encoding="utf-8")
    imported = run_cli("import", str(path))
    assert imported.exit_code == 0, imported.output

    shown = json.loads(run_cli("show", ID_120, "--json").output)
    assert (shown["id"], shown["owner"], shown["tags"]) == (ID_120, OWNER_320, [TAG_100])
    assert (shown["forecasts"][0]["source"], shown["forecasts"][0]["article"], shown["forecasts"][0]["quote"]) == (NAME_200, URL_2000, QUOTE)
    from_file = json.loads(run_cli("show", "yaml-at-the-limit", "--json").output)
    assert from_file["forecasts"][0]["source"] == NAME_200
    sources = {row["name"]: row for row in json.loads(run_cli("sources", "--json").output)}
    assert sources[NAME_200]["organisation"] == ORG_200

    original = contents(backend_url)
    for fmt in ("yaml", "csv", "json"):
        out = tmp_path / f"out-{fmt}"
        assert run_cli("export", "--format", fmt, "--out", str(out)).exit_code == 0
        assert run_cli("check", str(out)).exit_code == 0
        again = run_cli("import", str(out))
        assert again.exit_code == 0, again.output
        assert "predictions 0 added, 0 updated, 2 unchanged; forecasts 0 added, 0 updated; 0 resolutions added" in again.stdout, fmt
        copy = f"sqlite:///{tmp_path / f'copy-{fmt}.db'}"
        assert run_cli("--db", copy, "import", str(out)).exit_code == 0
        assert run_cli("--db", copy, "export", "--format", fmt, "--out", str(tmp_path / f"copy-{fmt}")).exit_code == 0
        for exported in out.iterdir():
            assert (tmp_path / f"copy-{fmt}" / exported.name).read_text(encoding="utf-8") == exported.read_text(encoding="utf-8"), fmt
    assert without_import_events(contents(backend_url)) == without_import_events(original)


def without_import_events(tables: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The tables without the `import` events that an import of unchanged files still logs."""
    return {name: [row for row in rows if not (name == "event" and "import" in row)] for name, rows in tables.items()}
