"""Article links, evidence links and owner addresses: one rule for the CLI and the files.

A bad value is refused with a message naming the option (or file key), the value and what is
accepted; the command exits 1 and nothing is written.
"""

from __future__ import annotations

import json

import pytest

from predtrack.errors import InvalidValue
from predtrack.values import check_email, check_evidence, check_url

URL_ACCEPTED = "expected an http(s) URL with a host, such as https://example.org/news"
EMAIL_ACCEPTED = "expected an email address such as name@example.org"


# --- the rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "https://example.org/news", "http://example.org", "HTTPS://Example.org/a?b=c#d", "http://localhost:8080/x",
    "https://[::1]/x", "https://bücher.example/x", "  https://example.org/padded  ",
])
def test_http_urls_with_a_host_are_accepted(text):
    assert check_url("--article", text) == text.strip()


@pytest.mark.parametrize("text", [
    "example.org/news", "www.example.org", "ftp://example.org/file", "mailto:jane@example.org", "javascript:alert(1)",
    "https://", "https:///path", "https://exa mple.org", "https://example.org/a\nb", "https://example.org:99999",
    "https://-example.org", "https://example..org", "see the article", "",
])
def test_anything_else_is_refused_naming_the_field_the_value_and_what_is_accepted(text):
    with pytest.raises(InvalidValue) as caught:
        check_url("--article", text)
    assert str(caught.value) == f"invalid --article {text!r}: {URL_ACCEPTED}"


def test_evidence_is_an_http_url_or_a_seed_article():
    assert check_evidence("--evidence", "https://example.org/news") == "https://example.org/news"
    assert check_evidence("--evidence", "seed:004_d117f6e1bff59b79.txt") == "seed:004_d117f6e1bff59b79.txt"
    for text in ("example.org/news", "seed:", "seed:../secrets", "it was in the news"):
        with pytest.raises(InvalidValue) as caught:
            check_evidence("--evidence", text)
        assert str(caught.value) == (f"invalid --evidence {text!r}: {URL_ACCEPTED}, "
                                     "or seed:FILE for a seed article (which has no URL)")


@pytest.mark.parametrize("text", ["name@example.org", "Jane.Doe+nags@Mail.Example.co.uk", "ed@bücher.example", " ed@example.org "])
def test_plain_email_addresses_are_accepted(text):
    assert check_email("--owner", text) == text.strip()


@pytest.mark.parametrize("text", [
    "jane", "jane@", "@example.org", "jane@localhost", "jane@example.", "jane@-example.org", "jane@exa_mple.org",
    "a@b@example.org", "Jane Doe <jane@example.org>", "jane@example.org, bob@example.org", "jane doe@example.org",
    "x@example.org\r\nBcc: evil@example.org", "",
])
def test_anything_but_one_bare_address_is_refused(text):
    with pytest.raises(InvalidValue) as caught:
        check_email("--owner", text)
    assert str(caught.value) == f"invalid --owner {text!r}: {EMAIL_ACCEPTED}"


# --- the commands -------------------------------------------------------------------------------


def show(run_cli, pid: str) -> dict:
    result = run_cli("show", pid, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def add(run_cli, *extra: str) -> str:
    result = run_cli("add", "Meta ships a coding model", "--by", "Jane Doe", "-p", "0.6", "--stated", "2026-04-08", *extra)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def refused(result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {message}\n"


def test_add_refuses_a_bad_article_or_owner_and_writes_nothing(run_cli):
    refused(run_cli("add", "Q", "--by", "A", "-p", "0.5", "--article", "example.org/q"),
            f"invalid --article 'example.org/q': {URL_ACCEPTED}")
    refused(run_cli("add", "Q", "--by", "A", "-p", "0.5", "--owner", "Jane Doe <jane@example.org>"),
            f"invalid --owner 'Jane Doe <jane@example.org>': {EMAIL_ACCEPTED}")
    assert json.loads(run_cli("list", "--status", "all", "--json").output) == []
    assert json.loads(run_cli("sources", "--json").output) == []


def test_add_accepts_good_links_and_addresses(run_cli):
    pid = add(run_cli, "--article", "https://news.example.org/meta?id=7", "--owner", "jane.doe+nags@example.org")
    data = show(run_cli, pid)
    assert data["owner"] == "jane.doe+nags@example.org"
    assert data["forecasts"][0]["article"] == "https://news.example.org/meta?id=7"


def test_forecast_refuses_a_bad_article_and_writes_nothing(run_cli):
    pid = add(run_cli)
    refused(run_cli("forecast", pid, "--by", "Meta", "-p", "0.4", "--stated", "2026-04-09", "--article", "the Meta blog"),
            f"invalid --article 'the Meta blog': {URL_ACCEPTED}")
    assert [f["source"] for f in show(run_cli, pid)["forecasts"]] == ["Jane Doe"]
    assert json.loads(run_cli("sources", "--json").output)[0]["name"] == "Jane Doe"
    good = run_cli("forecast", pid, "--by", "Meta", "-p", "0.4", "--stated", "2026-04-09", "--article", "http://meta.example.com/blog")
    assert good.exit_code == 0, good.output
    assert show(run_cli, pid)["forecasts"][1]["article"] == "http://meta.example.com/blog"


def test_edit_refuses_a_bad_owner_and_changes_nothing_else_either(run_cli):
    pid = add(run_cli, "--owner", "ed@example.org")
    refused(run_cli("edit", pid, "--claim", "Meta ships two coding models", "--owner", "ed"),
            f"invalid --owner 'ed': {EMAIL_ACCEPTED}, or '' to clear it")
    data = show(run_cli, pid)
    assert (data["claim"], data["owner"]) == ("Meta ships a coding model", "ed@example.org")
    assert [e["action"] for e in data["events"]] == ["add"]
    assert run_cli("edit", pid, "--owner", "Ops@Example.org").exit_code == 0
    assert show(run_cli, pid)["owner"] == "Ops@Example.org"
    assert run_cli("edit", pid, "--owner", "").exit_code == 0
    assert show(run_cli, pid)["owner"] is None


def test_resolve_refuses_any_bad_evidence_link_and_records_nothing(run_cli):
    pid = add(run_cli)
    refused(run_cli("resolve", pid, "yes", "--on", "2026-05-01", "--evidence", "https://example.org/ok", "--evidence", "www.example.org/launch"),
            f"invalid --evidence 'www.example.org/launch': {URL_ACCEPTED}, or seed:FILE for a seed article (which has no URL)")
    data = show(run_cli, pid)
    assert data["resolution"] is None and data["status"] == "open"
    good = run_cli("resolve", pid, "yes", "--on", "2026-05-01", "--evidence", "https://example.org/ok", "--evidence", "seed:001_c58bee5312f96b29.txt")
    assert good.exit_code == 0, good.output
    assert show(run_cli, pid)["resolution"]["evidence"] == ["https://example.org/ok", "seed:001_c58bee5312f96b29.txt"]


# --- the files ----------------------------------------------------------------------------------

BAD_YAML = """\
article:
  title: Muse Spark
  url: www.example.org/muse-spark
  published: 2026-04-08
predictions:
  - id: muse-spark-ships
    claim: Muse Spark ships in WhatsApp
    deadline: by Q2 2027
    owner: jane
    forecasts:
      - source: Meta
        probability: 0.7
        article:
          title: Interview
          url: ftp://example.org/interview
    resolution:
      outcome: yes
      resolved: 2026-05-01
      evidence:
        - https://example.org/launch
        - the launch event
"""

BAD_CSV = """\
prediction,claim,deadline,source,probability,stated,outcome,resolved,url,owner,evidence
good,Claim,2027-01-01,A,0.5,2026-04-08,,,https://example.org/a,ed@example.org,
bad-url,Claim,2027-01-01,A,0.5,2026-04-08,,,example.org/a,,
bad-owner,Claim,2027-01-01,A,0.5,2026-04-08,,,,ed at example.org,
bad-evidence,Claim,2027-01-01,,,,yes,2026-05-01,,,https://example.org/ok not-a-link
"""


def test_a_predictions_file_is_held_to_the_same_rules_with_every_place_named(run_cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_YAML, encoding="utf-8")
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:3: article: invalid url 'www.example.org/muse-spark': {URL_ACCEPTED}",
        f"{path}:9: prediction muse-spark-ships: invalid owner 'jane': {EMAIL_ACCEPTED}",
        f"{path}:15: prediction muse-spark-ships, forecast by Meta: article: invalid url 'ftp://example.org/interview': {URL_ACCEPTED}",
        f"{path}:21: prediction muse-spark-ships, resolution: invalid evidence 'the launch event': {URL_ACCEPTED}, "
        "or seed:FILE for a seed article (which has no URL)",
    ]
    assert run_cli("import", str(path)).exit_code == 1
    assert json.loads(run_cli("list", "--status", "all", "--json").output) == []


def test_a_flat_csv_is_held_to_the_same_rules_with_every_row_named(run_cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    result = run_cli("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:3: invalid url 'example.org/a': {URL_ACCEPTED}",
        f"{path}:4: invalid owner 'ed at example.org': {EMAIL_ACCEPTED}",
        f"{path}:5: invalid evidence 'not-a-link': {URL_ACCEPTED}, or seed:FILE for a seed article (which has no URL)",
        "3 errors: nothing imported",
    ]
    assert json.loads(run_cli("list", "--status", "all", "--json").output) == []
    path.write_text("\n".join(BAD_CSV.splitlines()[:2]) + "\n", encoding="utf-8")
    assert run_cli("import", str(path)).exit_code == 0
    data = show(run_cli, "good")
    assert (data["owner"], data["forecasts"][0]["article"]) == ("ed@example.org", "https://example.org/a")
