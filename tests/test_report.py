"""bot.report: the files (numbers, hostile text, empty week, determinism) and the weekly job.

Real SQLite file, rows written with SQL (tests/report_rows.py), the real legislator
directory, the real weekly APScheduler trigger (bot.duties.report_duty) asked for its fire
times with an injected clock.
"""

from __future__ import annotations

import csv
import html.parser
import io
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.duties import report_duty
from bot.report import (
    FILES,
    Reporter,
    ReportError,
    completeness_notes,
    csv_cell,
    md_escape,
    summary_markdown,
    write_report,
)
from bot.report_data import iter_collected
from bot.report_model import CollectedPost, LegislatorTally, Metrics, ReportData, Response
from bot.report_period import Period, between, parse_week
from bot.store import Store
from tests.conftest import PROJECT_ROOT
from tests.report_rows import (
    ACCOUNT,
    NEW_YORK,
    RICK_SCOTT,
    add_cursor,
    add_error,
    add_gap,
    add_post,
    build,
    fixture_week,
    sql_counts,
    utc,
    week,
)

AFTER_WEEK = utc("2027-08-09T14:00:00")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "reachout.db")


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """The reports folder (reports_dir)."""
    return tmp_path / "reports"


def write(store: Store, data: ReportData, out: Path, anonymise: bool = False) -> Path:
    posts = iter_collected(store, data.period, data.account)
    return write_report(data, out, collected=posts, anonymise=anonymise)


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name} has no UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def attributes(page: str, name: str) -> dict[str, str]:
    """``data-<name>="key">value<`` cells of report.html, as key -> value (commas removed)."""
    found = re.findall(rf'data-{name}="([^"]*)">([^<]*)<', page)
    return {key: value.replace(",", "") for key, value in found}


# --- numbers ---------------------------------------------------------------------------------


def test_every_number_in_the_files_equals_an_independent_sql_count(
    store: Store, reports: Path
) -> None:
    """report.html's figures, days, tags and outcomes, summary.md's lines and every CSV row
    equal counts the test makes in SQL over the same rows."""
    plans = fixture_week(store)
    data = build(store, week(), plans, AFTER_WEEK)
    folder = write(store, data, reports / "reports")
    period = data.period
    sql = sql_counts(store, period.start_at, period.end_at, "-4 hours")
    prev = sql_counts(store, period.previous().start_at, period.start_at, "-4 hours")
    page = (folder / "report.html").read_text(encoding="utf-8")
    figures, previous = attributes(page, "figure"), attributes(page, "previous")
    for name, counts in (("figure", sql), ("previous", prev)):
        shown = figures if name == "figure" else previous
        expected = {
            "collected": counts["collected"], "mentions": counts["mentions"],
            "hashtag_posts": counts["hashtag_posts"], "authors": counts["authors"],
            "responses": counts["responses"], "tags": sum(counts["tags_by_bioguide"].values()),
            "legislators_tagged": len(counts["tags_by_bioguide"]),
            "posts_posted": counts["ledger_by_state"].get("posted", 0),
        }  # fmt: skip
        assert {k: str(v) for k, v in expected.items()} == {k: shown[k] for k in expected}
    day_mentions = attributes(page, "day-mentions")
    assert 7 == len(day_mentions)
    assert {d: str(sql["per_day"].get(d, (0, 0))[1]) for d in day_mentions} == day_mentions
    assert {b: str(n) for b, n in sql["tags_by_bioguide"].items()} == attributes(page, "tags")
    outcomes = attributes(page, "outcome")
    assert str(sql["ledger_by_state"]["posted"]) == outcomes["posted"]
    assert str(sql["ledger_by_state"]["skipped"]) == outcomes["skipped"]
    assert f"${sql['reads_dollars']:.2f}" == attributes(page, "spend")["reads"]

    mentions = read_csv(folder / "mentions.csv")
    assert sql["collected"] == len(mentions)
    assert sql["mentions"] == sum(r["mentions_us"] == "yes" for r in mentions)
    assert sql["hashtag_posts"] == sum(r["hashtag"] == "yes" for r in mentions)
    legislators = read_csv(folder / "legislators.csv")
    assert sql["tags_by_bioguide"] == {r["bioguide_id"]: int(r["tags"]) for r in legislators
                                       if r["tags"] != "0"}  # fmt: skip
    assert sql["responses_by_bioguide"] == {
        r["bioguide_id"]: int(r["responses"]) for r in legislators if r["responses"] != "0"
    }
    posts = read_csv(folder / "posts.csv")
    states = dict(sql["ledger_by_state"])
    assert states == {s: sum(r["ledger_state"] == s for r in posts) for s in states}
    assert {
        k: tuple("" if v is None else str(v) for v in m) for k, m in sql["metrics"].items()
    } == {
        r["key"]: (r["likes"], r["reposts"], r["replies"], r["quotes"], r["impressions"])
        for r in posts
        if r["likes"]
    }
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert f"Mentions: {sql['mentions']} (previous period {prev['mentions']})" in summary
    assert f"Legislators' responses: {sql['responses']}**" in summary
    assert f"distinct accounts: {sql['authors']}" in summary
    assert f"{sql['ledger_by_state']['posted']} sent of 7 planned" in summary


def test_the_report_folder_holds_the_five_files(store: Store, reports: Path) -> None:
    """reports_dir/<week>/ gets report.html, summary.md and the three CSVs, nothing else."""
    folder = write(store, build(store, week(), fixture_week(store), AFTER_WEEK), reports)
    assert reports / "2027-W31" == folder
    assert sorted(FILES) == sorted(p.name for p in folder.iterdir())
    assert [folder] == list(reports.iterdir())  # no partial or old folders left behind


# --- hostile text ----------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1)) ![x](javascript:alert(2))",
    '<a href="javascript:alert(1)">link</a>',
    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x3C;b&#x3E;",
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "abc\u202edcba\u202c \u2066iso\u2069 \u202a\u202b\u202d",
    "lone \ud800 high and \udfff low surrogates",
    "NUL\x00inside",
    "*bold* _it_ `code` | table | ~strike~ <@U123> <!channel>",
    "A" * 10_000,
]


def hostile_data(store: Store) -> tuple[ReportData, list[CollectedPost]]:
    """The fixture week with hostile text in every text the report shows."""
    data = build(store, week(), fixture_week(store), AFTER_WEEK)
    when = utc("2027-08-03T15:00:00")
    posts = [
        CollectedPost(f"50000000000000{n:05d}", when + timedelta(minutes=n), f"h{n}", text,
                      Metrics(likes=100 - n), True, True, None, None, None, (RICK_SCOTT,))
        for n, text in enumerate(HOSTILE)
    ]  # fmt: skip
    evil = LegislatorTally(RICK_SCOTT, HOSTILE[0] + HOSTILE[12], "senate", "FL", None, 1, 1, 1)
    responses = tuple(Response(p._replace(legislator_bioguide_id=RICK_SCOTT), evil, False)
                      for p in posts)  # fmt: skip
    data = replace(
        data,
        campaign="#R " + HOSTILE[0] + HOSTILE[2] + HOSTILE[12],
        posts=tuple(
            replace(p, text=HOSTILE[n % len(HOSTILE)], reason=HOSTILE[n % 5])
            for n, p in enumerate(data.posts)
        ),
        top_posts=tuple(posts),
        responses=responses,
        legislators=(evil, *data.legislators),
    )
    return data, posts


class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs


BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def test_hostile_text_is_inert_in_html(store: Store, reports: Path) -> None:
    """Script tags, javascript: links, entities, bidi overrides, NUL, lone surrogates and a
    10,000-character text come out as escaped text: no script, no event handler, no link
    but ours, no control character, and the page is valid UTF-8."""
    data, posts = hostile_data(store)
    folder = write_report(data, reports, collected=posts)
    page = (folder / "report.html").read_bytes().decode("utf-8")  # strict: no surrogates
    parser = _Elements()
    parser.feed(page)
    assert "script" not in parser.tags
    assert not [name for name, _ in parser.attrs if name.startswith("on")]
    links = [value or "" for name, value in parser.attrs if name == "href"]
    assert links and all(link.startswith("https://x.com/") for link in links)
    images = [value or "" for name, value in parser.attrs if name == "src"]
    assert all(src.startswith("data:image/svg+xml;base64,") for src in images)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, escaped
    assert "&amp;lt;script&amp;gt;" in page  # an entity in the text stays text
    assert not BAD_CHARACTERS.search(page)
    assert "A" * 1001 not in page and "A" * 900 in page  # long text cut in the page
    assert "default-src 'none'" in page  # the browser loads and runs nothing else


def test_hostile_text_is_inert_in_markdown(store: Store) -> None:
    """summary.md: no raw < or >, no Markdown link, emphasis or code from user text, no
    control characters; still short enough for a chat message."""
    data, _ = hostile_data(store)
    summary = summary_markdown(data)
    user_part = summary.split("**Legislators' responses")[1]
    links = re.findall(r"<(https://[^>]+)>", user_part)
    assert links and all(link.startswith("https://x.com/") for link in links)
    without_links = re.sub(r"<https://x\.com/[^>]+>", "", summary)
    assert "<" not in without_links and ">" not in without_links
    assert "](" not in summary.replace("\\](", "")
    assert not re.search(r"(?<!\\)[`_|~\[]", user_part.replace("**", "")), user_part
    assert not BAD_CHARACTERS.search(summary)
    assert len(summary) < 3000


@pytest.mark.parametrize("text", HOSTILE)
def test_md_escape_each_hostile_text(text: str) -> None:
    """Every hostile text becomes one inert Markdown line without control characters."""
    escaped = md_escape(text, 200)
    assert "\n" not in escaped and "<" not in escaped and ">" not in escaped
    assert not BAD_CHARACTERS.search(escaped)
    assert not re.search(r"(?<!\\)[*`_|~\[\]]", escaped)


def test_hostile_text_is_inert_in_csv(store: Store, reports: Path) -> None:
    """No cell a spreadsheet would run as a formula, no control characters; long text kept."""
    data, posts = hostile_data(store)
    folder = write_report(data, reports, collected=posts)
    cells: list[str] = []
    for name in ("posts.csv", "mentions.csv", "legislators.csv"):
        for row in read_csv(folder / name):
            cells += row.values()
    assert cells
    formula = [c for c in cells if c.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert [] == formula
    assert not [c for c in cells if BAD_CHARACTERS.search(c)]
    texts = [r["text"] for r in read_csv(folder / "mentions.csv")]
    assert "A" * 10_000 in texts  # a long post is kept whole in the CSV
    assert '\'=HYPERLINK("http://evil.example","click")' in texts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\n=1"),  # the CR becomes a line break, the = is still caught
        ("\r\n =1", "'\n =1"),
        ("\n@x", "'\n@x"),
        ("line2\rline3", "line2\nline3"),  # a line break, not two lines run together
        ("  =1", "'  =1"),
        ("＝1+1", "'＝1+1"),
        ("a=1", "a=1"),
        ("x\x00y", "xy"),
        (-3, -3),
        (2.5, 2.5),
        (None, ""),
        (True, "yes"),
    ],
)
def test_csv_cell(value: Any, expected: Any) -> None:
    """Formula-like text gets a leading apostrophe; numbers stay numbers."""
    assert expected == csv_cell(value)


# --- empty week, determinism, anonymising ----------------------------------------------------


def test_an_empty_week_renders_nothing_happened_yet(store: Store, reports: Path) -> None:
    """An empty store gives a clear "nothing happened yet" report, not an error."""
    data = build(store, week(), [], AFTER_WEEK)
    folder = write(store, data, reports)
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="nothing-yet"' in page and "Nothing happened yet" in page
    assert "No legislator responded in this period." in page
    assert "Collection has not run yet" in page
    assert "Nothing happened yet" in (folder / "summary.md").read_text(encoding="utf-8")
    for name in ("posts.csv", "mentions.csv", "legislators.csv"):
        assert [] == read_csv(folder / name)
    assert set(attributes(page, "figure").values()) == {"0"}


def test_same_data_gives_byte_identical_files_across_processes(store: Store, reports: Path) -> None:
    """Two writes of the same data, one in another Python process, are byte-identical
    (charts included: no dates, fixed SVG ids)."""
    plans = fixture_week(store)
    first = write(store, build(store, week(), plans, AFTER_WEEK), reports / "a")
    second = write(store, build(store, week(), plans, AFTER_WEEK), reports / "b")
    script = (  # the same store file; the plan rebuilt the same way in a throwaway store
        "from pathlib import Path\n"
        "from bot.store import Store\n"
        "from tests.report_rows import build, fixture_week, utc, week\n"
        "from tests.test_report import write\n"
        f"store = Store.open({store.path!r})\n"
        "plans = fixture_week(Store.open(':memory:'))\n"
        "data = build(store, week(), plans, utc('2027-08-09T14:00:00'))\n"
        f"write(store, data, Path({str(reports / 'c')!r}))\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, check=True)
    third = reports / "c" / "2027-W31"
    for name in FILES:
        content = (first / name).read_bytes()
        assert content == (second / name).read_bytes(), name
        assert content == (third / name).read_bytes(), name
    assert b"<svg" not in (first / "report.html").read_bytes()  # charts are data: images
    assert (first / "report.html").read_bytes().count(b"data:image/svg+xml;base64,") == 3


def test_anonymised_supporters_are_numbered_stably(store: Store, reports: Path) -> None:
    """With anonymise_handles, supporters become "supporter N" (the same N everywhere in one
    report, numbered by first appearance), links lose the handle, legislators keep theirs."""
    data = build(store, week(), fixture_week(store), AFTER_WEEK)
    folder = write(store, data, reports, anonymise=True)
    rows = read_csv(folder / "mentions.csv")
    conn_rows = {r["post_id"]: r for r in rows}
    handles = {p.post_id: p.author_username for p in iter_collected(store, week(), ACCOUNT)}
    label_of: dict[str, str] = {}
    for post_id, row in conn_rows.items():
        if row["legislator_bioguide_id"]:
            assert handles[post_id] == row["author"]
            assert f"/{handles[post_id]}/status/" in row["link"]
            continue
        assert row["author"].startswith("supporter ")
        assert row["author"] == label_of.setdefault(handles[post_id] or "", row["author"])
        assert f"https://x.com/i/web/status/{post_id}" == row["link"]
    assert len(set(label_of.values())) == len(label_of)  # different people, different numbers
    numbers = [int(r["author"].split()[1]) for r in rows if r["author"].startswith("supp")]
    assert list(range(1, len(label_of) + 1)) == sorted(set(numbers))
    page = (folder / "report.html").read_text(encoding="utf-8")
    for handle in {h for p, h in handles.items() if not conn_rows[p]["legislator_bioguide_id"]}:
        assert f"@{handle}" not in page and f"/{handle}/" not in page
    top = re.findall(r"<td>(supporter \d+)</td>", page)
    by_label = {r["author"] for r in rows}
    assert top and set(top) <= by_label
    plain = write(store, data, reports / "plain", anonymise=False)
    assert not [r for r in read_csv(plain / "mentions.csv") if r["author"].startswith("supporter ")]


# --- writing safely --------------------------------------------------------------------------


def test_a_failure_mid_write_leaves_the_old_report_and_no_debris(
    store: Store, reports: Path
) -> None:
    """If writing fails halfway, the previous report stays as it was and no partial folder
    is left; an unwritable folder is a ReportError with a hint."""
    data = build(store, week(), fixture_week(store), AFTER_WEEK)
    folder = write(store, data, reports)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken() -> Any:
        yield from iter_collected(store, data.period, ACCOUNT)
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        write_report(data, reports, collected=broken())
    assert before == {p.name: p.read_bytes() for p in folder.iterdir()}
    assert [folder] == list(reports.iterdir())
    blocker = reports / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ReportError) as caught:
        write_report(data, blocker, collected=[])
    assert "reports_dir" in caught.value.hint


def test_a_failed_replace_puts_the_old_report_back(
    store: Store, reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the new folder cannot take the old one's place (the last rename fails), the old
    report is put back as it was and no hidden folder is left."""
    data = build(store, week(), fixture_week(store), AFTER_WEEK)
    folder = write(store, data, reports)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    rename = Path.rename

    def failing(self: Path, target: Any) -> Path:
        if ".partial-" in self.name:
            raise OSError(28, "No space left on device")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", failing)
    with pytest.raises(ReportError, match="No space left"):
        write(store, data, reports)
    monkeypatch.undo()
    assert [folder] == list(reports.iterdir())
    assert before == {p.name: p.read_bytes() for p in folder.iterdir()}


def test_replacing_a_report_leaves_no_old_copy(store: Store, reports: Path) -> None:
    """Writing a week again replaces its folder whole and removes the old copy's backup."""
    write(store, build(store, week(), [], AFTER_WEEK), reports)
    folder = write(store, build(store, week(), fixture_week(store), AFTER_WEEK), reports)
    assert [folder] == list(reports.iterdir())  # no .<week>.old-* nor .partial-* folder
    assert "Nothing happened yet" not in (folder / "summary.md").read_text(encoding="utf-8")


# --- long periods, wording -------------------------------------------------------------------


def test_a_year_is_shown_per_month(store: Store, reports: Path) -> None:
    """A year's report has one chart bar group and one table row per calendar month (not
    366), and the months' counts add up to the year's."""
    fixture_week(store)
    year = between(date(2027, 1, 1), date(2027, 12, 31), NEW_YORK)
    data = build(store, year, [], AFTER_WEEK)
    page = (write(store, data, reports) / "report.html").read_text(encoding="utf-8")
    mentions = attributes(page, "day-mentions")
    assert [f"2027-{m:02d}-01" for m in range(1, 13)] == list(mentions)
    assert data.totals.mentions == sum(int(n) for n in mentions.values()) > 0
    august = between(date(2027, 8, 1), date(2027, 8, 31), NEW_YORK)
    assert (
        str(sql_counts(store, august.start_at, august.end_at, "-4 hours")["mentions"])
        == (mentions["2027-08-01"])
    )
    assert 'alt="Mentions and hashtag posts per month"' in page
    assert "<td>Aug 2027</td>" in page


def test_one_is_singular_and_states_include_territories(store: Store, reports: Path) -> None:
    """One tag, one state, one like read "1 tag", "1 state or territory", "1 like"; several
    read in the plural; DC's delegate counts as a state or territory reached."""
    norton = "N000147"  # Eleanor Holmes Norton, DC's delegate
    add_post(store, "7000000000000000001", utc("2027-08-03T15:00:00"), tags=[norton])
    data = build(store, week(), [], AFTER_WEEK)
    summary = summary_markdown(data)
    assert "Legislators tagged: 1 (1 tag) in 1 state or territory" in summary
    page = (write(store, data, reports) / "report.html").read_text(encoding="utf-8")
    assert "Posts by 1 distinct account (" in page
    assert "States and territories reached: 1" in page
    assert "<td>states and territories reached</td>" in page
    assert "1 states" not in summary + page and "1 tags" not in summary + page
    add_post(store, "7000000000000000002", utc("2027-08-04T15:00:00"), author="bob",
             tags=[norton, RICK_SCOTT])  # fmt: skip
    summary = summary_markdown(build(store, week(), [], AFTER_WEEK))
    assert "Legislators tagged: 2 (3 tags) in 2 states and territories" in summary


def test_imported_posts_without_a_poll_are_not_called_zero(store: Store) -> None:
    """Posts from an import with no poll of X ever run: the note says where the counts come
    from instead of calling them zero because nobody looked."""
    for n in range(3):
        add_post(store, f"800000000000000000{n}", utc("2027-08-03T15:00:00"), author=f"a{n}")
    complete, notes = completeness_notes(build(store, week(), [], AFTER_WEEK))
    assert not complete
    assert any("the 3 posts counted here came from an import" in note for note in notes), notes
    assert not [note for note in notes if "nobody looked" in note]


# --- the weekly job --------------------------------------------------------------------------


class Job:
    """A Reporter on a real store with the real weekly trigger; counts builds and alerts."""

    def __init__(self, store: Store, reports: Path, fail: set[str] | None = None) -> None:
        self.store, self.fail, self.built = store, fail or set(), list[str]()
        self.alerts: list[tuple[str, str, str | None]] = []
        self.delivered: list[str] = []
        self.reporter = Reporter(
            store, reports_dir=reports, timezone=NEW_YORK, campaign_first_day=date(2027, 8, 2),
            build=self.build, alert=self.alert, deliver=self.deliver,
        )  # fmt: skip
        self.trigger = report_duty(self.reporter.run_due, NEW_YORK).trigger

    def build(self, period: Period, now: datetime) -> ReportData:
        self.built.append(period.label)
        if period.label in self.fail:
            self.fail.discard(period.label)
            raise OSError("disk full")
        return build(self.store, period, [], now)

    def alert(self, kind: str, message: str, key: str | None, now: datetime) -> None:
        self.alerts.append((kind, key, message))  # type: ignore[arg-type]

    def deliver(self, folder: Path, label: str, summary: str) -> list[str]:
        self.delivered.append(label)
        return ["webhook failed (HTTP 500)"] if label == "2027-W33" else []

    def fire_after(self, now: datetime) -> datetime:
        fire: datetime = self.trigger.get_next_fire_time(None, now)
        return fire

    def run(self, now: datetime) -> list[str]:
        return [p.name for p in self.reporter.run_due(now)]


def test_the_weekly_job_catches_up_a_missed_monday_once(store: Store, reports: Path) -> None:
    """Driven by the real Monday 09:00 trigger and an injected clock: each finished week is
    written once; a Monday missed while the worker was down is caught up at start, once;
    running again (a restart, the Monday fire after a catch-up) writes nothing twice."""
    job = Job(store, reports)
    start = utc("2027-08-02T12:00:00")  # Mon 2 Aug 08:00 EDT: the campaign's first day
    assert [] == job.run(start)  # at start: no finished week yet
    first = job.fire_after(start)
    assert utc("2027-08-02T13:00:00") == first  # Mon 2 Aug 09:00 EDT: the week before is
    assert [] == job.run(first)  # not the campaign's
    fire = job.fire_after(first + timedelta(seconds=1))
    assert utc("2027-08-09T13:00:00") == fire  # Mon 9 Aug 09:00 EDT
    assert ["2027-W31"] == job.run(fire)
    assert [] == job.run(fire + timedelta(minutes=1))  # the same Monday again: nothing
    # The worker is down from Tue 10 Aug until Tue 17 Aug: Monday 16 Aug 09:00 is missed.
    missed = job.fire_after(fire + timedelta(days=1))
    restart = utc("2027-08-17T14:00:00")
    assert missed < restart
    assert ["2027-W32"] == job.run(restart)  # caught up at start
    assert [] == job.run(restart)  # a second start (another lease) does not rewrite it
    next_fire = job.fire_after(restart)
    assert utc("2027-08-23T13:00:00") == next_fire
    assert ["2027-W33"] == job.run(next_fire)
    assert [] == job.run(next_fire + timedelta(hours=2))
    assert ["2027-W31", "2027-W32", "2027-W33"] == job.built  # each built exactly once
    assert ["2027-W31", "2027-W32", "2027-W33"] == job.delivered
    assert ["2027-W31", "2027-W32", "2027-W33"] == sorted(p.name for p in reports.iterdir())
    for label in job.built:
        assert store.get_state(f"report:{label}") is not None


def test_a_failed_week_is_not_marked_done_and_is_written_next_time(
    store: Store, reports: Path
) -> None:
    """A crash while building or writing alerts, marks nothing and leaves no folder; the
    next run writes the week (once)."""
    job = Job(store, reports, fail={"2027-W31"})
    monday = utc("2027-08-09T13:00:00")
    assert [] == job.run(monday)
    assert [("report_failed", "2027-W31")] == [a[:2] for a in job.alerts]
    assert (None, False) == (store.get_state("report:2027-W31"), reports.exists())
    assert ["2027-W31"] == job.run(monday + timedelta(hours=1))
    assert [] == job.run(monday + timedelta(hours=2))
    assert ["2027-W31", "2027-W31"] == job.built


def test_a_failed_delivery_alerts_and_the_report_stays(store: Store, reports: Path) -> None:
    """A delivery failure is an alert naming the folder; the week counts as done (not resent)."""
    job = Job(store, reports)
    written = job.run(utc("2027-08-23T13:00:00"))
    assert ["2027-W31", "2027-W32", "2027-W33"] == written
    assert [("report_delivery", "2027-W33")] == [a[:2] for a in job.alerts]
    assert str(reports / "2027-W33") in job.alerts[0][2]  # type: ignore[operator]
    assert (reports / "2027-W33" / "report.html").exists()
    assert [] == job.run(utc("2027-08-23T14:00:00"))
    assert 3 == len(job.delivered)


@pytest.mark.parametrize("label", ["2027-W10", "2027-W44", "2027-W45", "2027-W31"])
def test_a_week_is_due_when_the_monday_trigger_fires_across_dst(
    store: Store, reports: Path, label: str
) -> None:
    """The week's due time is the real trigger's first fire after the week ends (Monday
    09:00 local, in EST or EDT), including the weeks of both DST changes."""
    job = Job(store, reports)
    period = parse_week(label, NEW_YORK)
    assert job.fire_after(period.end_at) == job.reporter.due_at(period)
    assert 9 == job.reporter.due_at(period).astimezone(NEW_YORK).hour


def test_reports_stop_after_the_campaign_s_last_week(store: Store, reports: Path) -> None:
    """With a last day, no report is due for weeks after the one holding it."""
    reporter = Reporter(
        store, reports_dir=reports, timezone=NEW_YORK, campaign_first_day=date(2027, 8, 2),
        campaign_last_day=date(2027, 8, 10), build=lambda p, n: build(store, p, [], n),
        alert=lambda *a: None,
    )  # fmt: skip
    assert ["2027-W31", "2027-W32"] == [
        p.label for p in reporter.due_weeks(utc("2027-09-30T00:00:00"))
    ]


def test_a_real_post_shows_in_the_job_s_report(store: Store, reports: Path) -> None:
    """The job's files hold what is in the store (mentions.csv from the collected posts)."""
    add_post(store, "6000000000000000001", utc("2027-08-03T15:00:00"), author="carol", mention=True)
    Job(store, reports).run(utc("2027-08-09T13:00:00"))
    rows = read_csv(reports / "2027-W31" / "mentions.csv")
    assert [("6000000000000000001", "carol")] == [(r["post_id"], r["author"]) for r in rows]


# --- completeness, said plainly --------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "cursor_at", "gap", "errors", "complete", "phrase"),
    [
        ("2027-08-09T14:00:00", "2027-08-09T13:00:00", None, 0, True, "Collection was complete"),
        ("2027-08-09T14:00:00", None, None, 0, False, "Collection has not run yet"),
        ("2027-08-09T14:00:00", "2027-08-08T20:00:00", None, 0, False,
         "search: the last complete read was Sun 8 Aug 16:00 EDT, before the period ended"),
        ("2027-08-09T14:00:00", "2027-08-09T13:00:00", 25, 0, False,
         "1 collection gap(s) overlap this period (below): X would not show those posts, so "
         "the counts are lower bounds; X estimates about 25 posts were missed."),
        ("2027-08-09T14:00:00", "2027-08-09T13:00:00", -1, 0, False,
         "more in 1 gap(s) X gave no estimate for"),
        ("2027-08-09T14:00:00", "2027-08-09T13:00:00", None, 2, False,
         "2 collection error(s) in this period (2 search)"),
        ("2027-08-05T14:00:00", "2027-08-05T13:00:00", None, 0, False, "has not ended yet"),
    ],
)  # fmt: skip
def test_completeness_is_said_plainly(
    store: Store, now: str, cursor_at: str | None, gap: int | None, errors: int,
    complete: bool, phrase: str,
) -> None:  # fmt: skip
    """Gaps, errors, stale or missing collection and an unfinished week each get a sentence
    saying what they mean for the numbers; only a clean week is called complete."""
    if cursor_at:
        add_cursor(store, "search", utc(cursor_at))
    if gap is not None:
        add_gap(store, "search", utc("2027-08-03T00:00:00"), utc("2027-08-03T05:00:00"),
                "search_window", None if gap < 0 else gap)  # fmt: skip
    for n in range(errors):
        add_error(store, "search", utc("2027-08-04T00:00:00") + timedelta(hours=n))
    data = build(store, week(), [], utc(now))
    found_complete, notes = completeness_notes(data)
    assert complete == found_complete
    assert any(phrase in note for note in notes), notes
