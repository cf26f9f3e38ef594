"""`predtrack report`: contents, golden files, escaping, stability, atomic writes, real Chromium.

Golden files live in tests/golden/. After an intended change to the report, regenerate them
with `PREDTRACK_REGENERATE_GOLDEN=1 pytest tests/test_report.py` and review the diff. The HTML
golden file has each chart replaced by `<svg/>` (the SVG bytes belong to matplotlib's version);
the charts are checked for stability and presence separately.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("PREDTRACK_REGENERATE_GOLDEN") == "1"
AS_OF = "2026-11-25"
NOW = datetime(2026, 10, 5, 12, tzinfo=timezone.utc)
EARLY = datetime(2026, 1, 10, 12, tzinfo=timezone.utc)
NASTY_CLAIM = "Meta ships <script>document.title='pwned'</script> | a `code` *bold* [x](y)\nsecond line"


def d(text: str) -> date:
    return date.fromisoformat(text)


def build_world(url: str) -> None:
    """A quarter with something in every section, and text that tries to break out of Markdown and HTML."""
    from predtrack import db
    from predtrack.models import Article, Forecast, Prediction, PredictionTag, Resolution, Source

    engine = db.engine_for(url)
    with db.session(engine, write=True) as s:
        planet = Article(url="https://example.org/planet", outlet="The Daily <Planet>", title="Planet")
        wired = Article(url="https://example.org/wired", outlet="Wired & Co", title="Wired")
        s.add_all([planet, wired])
        s.flush()
        sources = {}
        for name in ("Alice Analyst", "Bob <b>Bold</b>", "Meta", "Carol | Pipes"):
            sources[name] = Source(name=name, created_at=NOW)
            s.add(sources[name])
        s.flush()

        def prediction(pid, *, created=NOW, deadline=d("2026-10-10"), outcome=None, value=None, resolved_on=None,
                       article=None, claim=None, owner=None, vague=False, deadline_text=None, tags=()):
            s.add(Prediction(
                id=pid, claim=claim or f"Claim of {pid}", deadline=deadline, outcome=outcome, outcome_value=value,
                resolved_on=resolved_on, article_id=article.id if article else None, created_at=created, updated_at=created,
                owner=owner, deadline_vague=vague, deadline_text=deadline_text,
            ))
            s.flush()
            for tag in tags:
                s.add(PredictionTag(prediction_id=pid, tag=tag))
            if outcome is not None:
                s.add(Resolution(
                    prediction_id=pid, outcome=outcome, outcome_value=value, resolved_on=resolved_on, recorded_by="tester",
                    recorded_at=NOW, note="Confirmed by *press* release | see <link>" if pid == "resolved-yes-q4" else None,
                    evidence=json.dumps(["https://example.org/news?a=1&b=2", "javascript:alert(1)"] if pid == "resolved-yes-q4" else []),
                ))

        def forecast(pid, source, p, stated, kind="stated", article=None):
            s.add(Forecast(
                prediction_id=pid, source_id=sources[source].id, probability=p, probability_kind=kind, stated=stated,
                article_id=article.id if article else None, created_at=NOW,
            ))
            s.flush()

        prediction("resolved-yes-q4", claim=NASTY_CLAIM, outcome="yes", value=1.0, resolved_on=d("2026-10-15"), article=planet, tags=("ai",))
        forecast("resolved-yes-q4", "Alice Analyst", 0.8, d("2026-09-01"))
        forecast("resolved-yes-q4", "Alice Analyst", 0.9, d("2026-10-01"))
        forecast("resolved-yes-q4", "Bob <b>Bold</b>", 0.3, d("2026-09-15"), article=wired)
        forecast("resolved-yes-q4", "Carol | Pipes", 0.95, d("2026-10-20"))
        forecast("resolved-yes-q4", "Meta", 0.7, d("2026-10-15"), kind="inferred")
        prediction("resolved-no-q4", outcome="no", value=0.0, resolved_on=d("2026-11-20"), article=wired)
        forecast("resolved-no-q4", "Alice Analyst", 0.2, d("2026-10-02"))
        forecast("resolved-no-q4", "Bob <b>Bold</b>", 0.6, d("2026-10-02"))
        forecast("resolved-no-q4", "Meta", 0.5, d("2026-10-02"), kind="inferred")
        prediction("resolved-fraction-q3", created=EARLY, deadline=d("2026-07-31"), outcome="0.4", value=0.4, resolved_on=d("2026-08-01"))
        forecast("resolved-fraction-q3", "Alice Analyst", 0.5, d("2026-02-01"))
        forecast("resolved-fraction-q3", "Bob <b>Bold</b>", 0.35, d("2026-02-01"))
        prediction("ambiguous-q4", outcome="ambiguous", resolved_on=d("2026-11-01"))
        forecast("ambiguous-q4", "Bob <b>Bold</b>", 0.6, d("2026-10-03"))
        prediction("overdue-old", created=EARLY, deadline=d("2026-03-31"), owner="ops@example.org")
        forecast("overdue-old", "Alice Analyst", 0.6, d("2026-01-10"))
        forecast("overdue-old", "Meta", 0.75, d("2026-01-10"), kind="inferred")
        prediction("overdue-recent", deadline=d("2026-11-10"))
        forecast("overdue-recent", "Carol | Pipes", 0.4, d("2026-10-05"))
        prediction("coming-q1", deadline=d("2027-02-15"))
        forecast("coming-q1", "Alice Analyst", 0.55, d("2026-10-05"))
        prediction("no-deadline", deadline=None)
        forecast("no-deadline", "Bob <b>Bold</b>", 0.5, d("2026-10-05"))
        prediction("vague-weeks", deadline=d("2026-12-20"), vague=True, deadline_text="in the coming weeks")
        forecast("vague-weeks", "Meta", 0.9, d("2026-10-05"), kind="inferred")


def write_report(run_cli, out: Path, *args: str) -> dict[str, Path]:
    result = run_cli("report", "--quarter", "2026Q4", "--as-of", AS_OF, "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.output.split()]
    return {p.suffix.lstrip("."): p for p in paths}


def without_charts(html: str) -> str:
    return re.sub(r"<svg\b.*?</svg>", "<svg/>", html, flags=re.DOTALL)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run PREDTRACK_REGENERATE_GOLDEN=1 pytest tests/test_report.py"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from the golden file; if the change is intended, regenerate with "
        "PREDTRACK_REGENERATE_GOLDEN=1 pytest tests/test_report.py and review the diff"
    )


@pytest.fixture
def world(backend_url):
    build_world(backend_url)
    return backend_url


def test_report_matches_the_golden_files_on_every_backend(world, run_cli, tmp_path):
    paths = write_report(run_cli, tmp_path / "reports")
    assert sorted(paths) == ["html", "json", "md"]
    assert {p.name for p in paths.values()} == {"2026-Q4.md", "2026-Q4.html", "2026-Q4.json"}
    check_golden("report-2026-Q4.md", paths["md"].read_text(encoding="utf-8"))
    check_golden("report-2026-Q4.json", paths["json"].read_text(encoding="utf-8"))
    check_golden("report-2026-Q4.html", without_charts(paths["html"].read_text(encoding="utf-8")))


def test_report_json_holds_what_the_review_needs(world, run_cli, tmp_path):
    report = json.loads(write_report(run_cli, tmp_path, "--format", "json")["json"].read_text())
    assert report["period"] == {"name": "2026-Q4", "label": "Q4 2026", "since": "2026-10-01", "until": "2026-12-31"}
    assert report["headline"] == {
        "tracked": 9, "came_due": 4, "resolved": 3, "overdue": 2, "new": 7, "unresolved": 5,
        "forecasts": 17, "sources": 4, "scored_forecasts": 8, "pending_forecasts": 6, "unscored_forecasts": 1,
    }
    # Action list: oldest first, each with its commands.
    assert [p["id"] for p in report["action_list"]] == ["overdue-old", "overdue-recent"]
    assert report["action_list"][0]["resolve_yes"] == "predtrack resolve overdue-old yes"
    assert report["action_list"][0]["days_overdue"] == (d(AS_OF) - d("2026-03-31")).days
    # Resolved this quarter, with who forecast what and whether it counted.
    resolved = {p["id"]: p for p in report["resolved"]}
    assert set(resolved) == {"resolved-yes-q4", "resolved-no-q4", "ambiguous-q4"}
    yes = resolved["resolved-yes-q4"]
    assert yes["evidence"] == ["https://example.org/news?a=1&b=2", "javascript:alert(1)"]
    counted = {(f["source"], f["probability"]): (f["counted"], f["brier"], f["not_counted_because"]) for f in yes["forecasts"]}
    assert counted[("Alice Analyst", 0.9)] == (True, pytest.approx(0.01), None)
    assert counted[("Alice Analyst", 0.8)] == (False, None, "superseded by a later forecast")
    assert counted[("Carol | Pipes", 0.95)] == (False, None, "stated after the outcome was known")
    assert counted[("Meta", 0.7)][0] is True  # stated on the day the outcome became known
    # Track record: cumulative, ranked, with the consensus and relative scores.
    by_source = {row["group"]: row for row in report["track_record"]["by_source"]}
    assert by_source["Alice Analyst"]["n"] == 3
    assert by_source["Alice Analyst"]["brier"] == pytest.approx((0.01 + 0.04 + 0.01) / 3)
    assert by_source["Bob <b>Bold</b>"]["ambiguous"] == 1
    assert by_source["Carol | Pipes"]["n"] == 0 and by_source["Carol | Pipes"]["rank"] is None
    assert report["track_record"]["consensus"]["n"] == 3
    outlets = {row["group"] for row in report["track_record"]["by_outlet"]}
    assert outlets == {"The Daily <Planet>", "Wired & Co", "(no outlet)"}
    assert {row["group"] for row in report["track_record"]["by_kind"]} == {"stated", "inferred"}
    assert report["calibration"]["overall"]["n"] == 8
    assert sum(b["n"] for b in report["calibration"]["overall"]["bins"]) == 8
    assert [c["source"] for c in report["calibration"]["sources"]] == ["Alice Analyst", "Bob <b>Bold</b>", "Meta"]
    assert [p["id"] for p in report["coming_due"]["predictions"]] == ["coming-q1"]
    assert {p["id"]: p["problem"] for p in report["to_fix"]} == {"no-deadline": "no deadline", "vague-weeks": "vague deadline"}
    assert report["scoring"]["brier_scale"] == "0-1" and report["scoring"]["ranking"] == "shrunk Brier"


def test_markdown_escapes_claims_so_they_render_as_text_and_keep_tables_whole(world, run_cli, tmp_path):
    markdown_it = pytest.importorskip("markdown_it", reason="renders the Markdown like a code host: pip install markdown-it-py")
    text = write_report(run_cli, tmp_path, "--format", "md")["md"].read_text()
    assert "<script" not in text and "<b>" not in text and "<Planet>" not in text
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in html
    assert "Meta ships &lt;script&gt;document.title=" in html
    assert "<em>bold</em>" not in html and "<strong>bold</strong>" not in html  # *bold* stays literal
    assert "| a `code` *bold* [x](y) second line" in _text_of(html)
    separators = [line for line in text.splitlines() if line.startswith("|") and set(line) <= set("|-:")]
    assert html.count("<table>") == len(separators)  # each table is parsed as a table
    # Every table row has as many cells as its header: no claim or name split a table.
    for table in re.findall(r"<table>.*?</table>", html, flags=re.DOTALL):
        header = len(re.findall(r"<th\b", table.split("</thead>")[0]))
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], flags=re.DOTALL):
            assert len(re.findall(r"<td\b", row)) == header
    assert "Carol | Pipes" in _text_of(html)
    assert "`predtrack resolve overdue-old yes`" in text
    assert "0–1 scale" in text


def _text_of(html: str) -> str:
    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data):
            self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return "".join(parser.parts)


def test_html_is_self_contained_and_escapes_every_text(world, run_cli, tmp_path):
    html = write_report(run_cli, tmp_path, "--format", "html")["html"].read_text()
    assert "<script" not in html  # no script of ours, and none from the data
    assert "&lt;script&gt;document.title=" in html
    assert "Bob &lt;b&gt;Bold&lt;/b&gt;" in html and "The Daily &lt;Planet&gt;" in html
    # No network: nothing loaded from anywhere; the only URLs are evidence links to click.
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html)
    assert "@import" not in html and not re.search(r"url\((?!#)", html)  # only references inside the page
    hrefs = [h for h in re.findall(r'href="([^"]*)"', html) if not h.startswith("#")]
    assert hrefs == ["https://example.org/news?a=1&amp;b=2"]  # javascript: is shown, not linked
    assert html.count("<svg") == 2  # overall, and one panel per source with scored forecasts
    grid = html[html.rindex("<svg"):]
    for title in ("Alice Analyst (n=3)", "Bob &lt;b&gt;Bold&lt;/b&gt; (n=3)", "Meta (n=2)"):
        assert title in grid
    assert "0–1 scale" in html


def test_same_data_gives_the_same_bytes(world, run_cli, tmp_path):
    first = write_report(run_cli, tmp_path / "a")
    second = write_report(run_cli, tmp_path / "b")
    for fmt in ("md", "html", "json"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


def test_report_with_nothing_resolved_says_what_is_pending_and_overdue(run_cli, db_url, tmp_path):
    from predtrack import db
    from predtrack.models import Forecast, Prediction, Source

    with db.session(db.engine_for(db_url), write=True) as s:
        source = Source(name="Jane Doe", created_at=NOW)
        s.add(source)
        s.add(Prediction(id="late-one", claim="Something late", deadline=d("2026-09-30"), created_at=NOW, updated_at=NOW))
        s.add(Prediction(id="open-one", claim="Something open", deadline=d("2027-03-01"), created_at=NOW, updated_at=NOW))
        s.flush()
        s.add(Forecast(prediction_id="late-one", source_id=source.id, probability=0.7, stated=d("2026-04-01"), created_at=NOW))
        s.add(Forecast(prediction_id="open-one", source_id=source.id, probability=0.4, stated=d("2026-04-01"), created_at=NOW))
    paths = write_report(run_cli, tmp_path)
    text = paths["md"].read_text()
    assert "No forecast has been scored yet: 2 forecasts by 1 source are waiting for 2 unresolved predictions, 1 of them past their deadline" in text
    assert "| Jane Doe | 2 |" in text
    assert "late-one" in text.split("## Action list")[1].split("## Resolved")[0]
    assert "No prediction was resolved in this period; 1 is waiting in the action list." in text
    assert "open-one" in text.split("## Coming due next: Q1 2027")[1]
    assert "| Rank |" not in text  # no empty score tables
    html = paths["html"].read_text()
    assert "No forecast has been scored yet" in html and "<svg" not in html


def test_report_on_an_empty_database(run_cli, tmp_path):
    paths = write_report(run_cli, tmp_path)
    text = paths["md"].read_text()
    assert "Nothing is overdue" in text
    assert "No forecast has been scored yet: 0 forecasts by 0 sources" in text
    assert json.loads(paths["json"].read_text())["headline"]["tracked"] == 0


def test_default_period_and_folder_come_from_as_of_and_the_config(run_cli, config_file, tmp_path):
    config_file.write_text('[user]\nname = "tester"\n[reports]\ndir = "review-packs"\n', encoding="utf-8")
    result = run_cli("report", "--as-of", "2026-05-02", "--format", "md")
    assert result.exit_code == 0, result.output
    assert result.output.split() == [str(Path("review-packs") / "2026-Q2.md")]
    assert (tmp_path / "review-packs" / "2026-Q2.md").read_text().startswith("# Quarterly review: Q2 2026")
    custom = run_cli("report", "--since", "2026-01-01", "--until", "2026-06-30", "--as-of", AS_OF, "--format", "json", "--out", str(tmp_path / "x"))
    assert custom.exit_code == 0, custom.output
    data = json.loads((tmp_path / "x" / "2026-01-01_2026-06-30.json").read_text())
    assert data["coming_due"]["period"]["since"] == "2026-07-01" and data["coming_due"]["period"]["until"] == "2026-12-28"
    assert oct(os.stat(tmp_path / "x" / "2026-01-01_2026-06-30.json").st_mode & 0o777) == "0o644"


def test_bad_report_options(run_cli, tmp_path):
    quarter = run_cli("report", "--quarter", "2026Q5")
    assert quarter.exit_code == 1
    assert quarter.output.strip() == "Error: invalid quarter '2026Q5': expected a quarter such as 2026Q4 or 2026-Q4"
    both = run_cli("report", "--quarter", "2026Q4", "--since", "2026-01-01", "--until", "2026-02-01")
    assert both.exit_code == 2
    half = run_cli("report", "--since", "2026-01-01")
    assert half.exit_code == 2 and "--since and --until go together" in half.output
    backwards = run_cli("report", "--since", "2026-03-01", "--until", "2026-02-01")
    assert backwards.exit_code == 1 and "invalid --since '2026-03-01'" in backwards.output
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    unwritable = run_cli("report", "--as-of", AS_OF, "--out", str(blocked / "sub"))
    assert unwritable.exit_code == 1
    assert unwritable.output.startswith("Error: cannot write the report into") and len(unwritable.output.strip().splitlines()) == 1


def test_a_failed_render_writes_nothing_and_keeps_the_old_files(run_cli, tmp_path, monkeypatch):
    first = write_report(run_cli, tmp_path)
    before = {fmt: p.read_bytes() for fmt, p in first.items()}
    from predtrack import reports

    def broken(context):
        raise RuntimeError("chart failed")

    monkeypatch.setitem(reports.RENDERERS, "html", broken)
    with pytest.raises(RuntimeError):
        run_cli("report", "--quarter", "2026Q4", "--as-of", "2026-12-01", "--out", str(tmp_path))
    assert {fmt: p.read_bytes() for fmt, p in first.items()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary files left


def test_write_quarterly_report_reviews_the_quarter_just_ended(world, tmp_path):
    from predtrack import db, reports
    from predtrack.config import load_settings

    settings = load_settings()
    settings.reports_dir = tmp_path / "scheduled"
    now = datetime(2027, 1, 1, 9, tzinfo=timezone.utc)
    written = reports.write_quarterly_report(db.engine_for(world), settings, now)
    assert sorted(p.name for p in written) == ["2026-Q4.html", "2026-Q4.json", "2026-Q4.md"]
    data = json.loads((tmp_path / "scheduled" / "2026-Q4.json").read_text())
    assert data["as_of"] == "2027-01-01"
    with db.session(db.engine_for(world)) as session:
        again = reports.write_quarterly_report(None, settings, now, session, quarter="2026Q3", formats=["md"])
    assert [p.name for p in again] == ["2026-Q3.md"]


def test_at_most_a_dozen_sources_get_a_calibration_chart(run_cli, db_url, tmp_path):
    from predtrack import db
    from predtrack.models import Forecast, Prediction, Source

    with db.session(db.engine_for(db_url), write=True) as s:
        s.add(Prediction(id="p", claim="c", deadline=d("2026-10-01"), outcome="yes", outcome_value=1.0, resolved_on=d("2026-10-02"), created_at=NOW, updated_at=NOW))
        s.add(Prediction(id="q", claim="c", deadline=d("2026-10-01"), outcome="no", outcome_value=0.0, resolved_on=d("2026-10-02"), created_at=NOW, updated_at=NOW))
        for i in range(14):
            source = Source(name=f"source {i:02d}", created_at=NOW)
            s.add(source)
            s.flush()
            s.add(Forecast(prediction_id="p", source_id=source.id, probability=0.5 + i / 30, stated=d("2026-09-01"), created_at=NOW))
            if i < 3:  # the three with two scored forecasts come first
                s.add(Forecast(prediction_id="q", source_id=source.id, probability=0.3, stated=d("2026-09-01"), created_at=NOW))
    paths = write_report(run_cli, tmp_path)
    data = json.loads(paths["json"].read_text())
    names = [c["source"] for c in data["calibration"]["sources"]]
    assert len(names) == 12 and names[:3] == ["source 00", "source 01", "source 02"]
    html = paths["html"].read_text()
    grid = html[html.rindex("<svg"):]
    assert re.findall(r"source \d\d \(n=\d\)", grid) == [f"source {i:02d} (n={2 if i < 3 else 1})" for i in range(12)]


# --- a real browser -----------------------------------------------------------------------------


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("Chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    return path


def _chromium_args(profile: Path) -> list[str]:
    return [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
    ]


def test_html_report_in_headless_chromium(world, run_cli, tmp_path):
    html = write_report(run_cli, tmp_path / "out", "--format", "html")["html"]
    result = subprocess.run(
        _chromium_args(tmp_path / "profile") + ["--dump-dom", html.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags: list[str] = []
            self.title = ""
            self._in_title = False
            self.text: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self._in_title = tag == "title"

        def handle_endtag(self, tag):
            self._in_title = False

        def handle_data(self, data):
            if self._in_title:
                self.title += data
            self.text.append(data)

    page = Page()
    page.feed(dom)
    text = "".join(page.text)
    assert page.title == "Quarterly review: Q4 2026"  # the claim's script never ran
    assert "script" not in page.tags
    assert "Meta ships <script>document.title='pwned'</script> | a `code` *bold* [x](y)" in text
    assert page.tags.count("table") >= 5 and "td" in page.tags
    assert page.tags.count("svg") == 2 and "path" in page.tags
    assert "Alice Analyst" in text and "Track record" in text


def test_html_report_screenshot_renders(world, run_cli, tmp_path):
    html = write_report(run_cli, tmp_path / "out", "--format", "html")["html"]
    shot = tmp_path / "report.png"
    result = subprocess.run(
        _chromium_args(tmp_path / "profile") + ["--window-size=1280,2400", f"--screenshot={shot}", html.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a page with content, not a blank one
