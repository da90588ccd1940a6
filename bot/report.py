"""The weekly engagement report: files in ``reports_dir/<week>/``, and the weekly job.

:func:`write_report` turns a :class:`~bot.report_model.ReportData` into

- ``report.html``: one self-contained page (inline CSS, charts as SVG ``data:`` images, no
  script, a Content-Security-Policy that forbids loading anything), readable offline and
  printed; Jinja2 autoescaping escapes every value after :func:`clean_text` cleaned it;
- ``summary.md``: a few lines for a chat message or an e-mail body, every piece of text
  neutralised for Markdown (:func:`md_escape`);
- ``posts.csv``, ``mentions.csv``, ``legislators.csv``: UTF-8 with a BOM (spreadsheet
  programs then read UTF-8), every text cell cleaned and, when a spreadsheet would run it as
  a formula, prefixed with an apostrophe (:func:`csv_cell`).

The same data gives byte-identical files. The folder appears whole or not at all: files are
written to a hidden sibling folder, then renamed into place.

:class:`Reporter` is the weekly job: ``run_due(now)`` writes every finished ISO week's
report once (recorded in the store's ``state`` table as ``report:<week>``), then delivers
it; the worker runs it at start and on Monday 09:00 campaign time (bot.duties.report_duty).
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import report_charts
from bot.errors import BotError
from bot.report_data import iter_collected
from bot.report_model import CollectedPost, ReportData
from bot.report_period import Period, clean_text, post_url, week_of
from bot.store import Store

log = logging.getLogger("reachout.report")
FILES = ("report.html", "summary.md", "posts.csv", "mentions.csv", "legislators.csv")
PUBLISH_AT = time(9)
"""A week's report is due on the Monday after it, at this local time."""
TOP_LEGISLATORS = 20
MAX_CELL = 32_000  # spreadsheet programs hold at most 32,767 characters in a cell
_FORMULA_START = frozenset("=+-@\t\r＝＋－＠")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_GAP_REASONS = {
    "mentions_cap": "X shows only the newest 800 mentions",
    "search_window": "recent search reaches back only 7 days",
    "budget": "polling stopped at the monthly read budget",
    "pagination": "X repeated a pagination token",
}
FIGURES = (
    ("posts_planned", "posts planned"),
    ("posts_posted", "posts sent"),
    ("mentions", "mentions of our account"),
    ("hashtag_posts", "hashtag posts"),
    ("collected", "all posts collected"),
    ("authors", "distinct accounts posting"),
    ("tags", "tags of legislators in supporters' posts"),
    ("legislators_tagged", "legislators tagged"),
    ("responses", "legislators' responses"),
    ("states_reached", "states and territories reached"),
)


class ReportError(BotError):
    """The report could not be written (the folder is not writable, the disk is full...)."""


class Anonymiser:
    """Shows authors: supporters as "supporter 1", "supporter 2"... when asked to.

    Numbers are given in the order authors are first shown, so they are stable within one
    report. Legislators and our own account always keep their handles.
    """

    def __init__(self, anonymise: bool, account: str) -> None:
        self.anonymise = anonymise
        self._account = account.casefold()
        self._numbers: dict[str, int] = {}

    def _hidden(self, post: CollectedPost) -> bool:
        ours = (post.author_username or "").casefold() == self._account
        return self.anonymise and not post.legislator_bioguide_id and not ours

    def who(self, post: CollectedPost) -> str:
        """The author as the report shows it."""
        if not self._hidden(post):
            return f"@{post.author_username}" if post.author_username else "unknown account"
        key = (post.author_username or f"#{post.post_id}").casefold()
        number = self._numbers.setdefault(key, len(self._numbers) + 1)
        return f"supporter {number}"

    def link(self, post: CollectedPost) -> str | None:
        """The post's link; without the handle in it for a hidden supporter."""
        return post_url(post.post_id) if self._hidden(post) else post.url


def csv_cell(value: Any) -> Any:
    """Return a value safe for a spreadsheet cell.

    Text is cleaned (:func:`clean_text`: line breaks become ``\n``), cut to 32,000
    characters, and prefixed with ``'`` when it starts (after spaces and line breaks) with
    ``=``, ``+``, ``-``, ``@``, tab or carriage return (or their full-width forms): a
    spreadsheet then shows it as text instead of running it.
    Numbers stay numbers; None is empty; booleans are ``yes``/``no``.
    """
    kind = type(value)
    if kind is str:
        text = clean_text(value, MAX_CELL)
        first = text[:1]
        if first in _FORMULA_START or text.lstrip(" \n")[:1] in _FORMULA_START:
            return "'" + text
        return text
    if kind is int or kind is float:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "yes" if value else "no"
    return csv_cell(str(value))


def md_escape(text: str | None, limit: int | None = None) -> str:
    """Return text as inert Markdown on one line.

    Cleans it (:func:`clean_text`, then at most ``limit`` characters), joins lines, writes
    ``&``, ``<`` and ``>`` as HTML entities (Markdown and Slack both read those) and puts a
    backslash before every character that means something in the middle of a Markdown line
    (emphasis, links and images, code, tables, strike-through). Line-start syntax (headings,
    lists, quotes) cannot apply: the text never starts a line of the summary.
    """
    one_line = " ".join(clean_text(text, limit).split())
    entities = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", entities)


def _local(moment: datetime, timezone: ZoneInfo) -> str:
    local = moment.astimezone(timezone)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M %Z}"


def _count(value: Any) -> str:
    return "" if value is None else f"{value:,}"


def plural(count: int, one: str, many: str) -> str:
    """``1 tag``, ``2 tags``: the count (with thousands separators) and the right noun."""
    return f"{count:,} {one if count == 1 else many}"


def _money(dollars: float) -> str:
    return f"${dollars:,.2f}"


def change(now: int, before: int) -> str:
    """The change from the previous period: ``+12 (+15 %)``, ``new``, or ``–``."""
    if before == 0:
        return "new" if now else "–"
    return f"{now - before:+,} ({(now - before) / before:+.0%})".replace("%", " %")


def completeness_notes(data: ReportData) -> tuple[bool, list[str]]:
    """Say plainly how complete the numbers are; return (complete, notes)."""
    c, tz, notes = data.completeness, data.period.timezone, []
    if not c.finished:
        notes.append("This period has not ended yet: the numbers are the story so far.")
    if not c.last_success and data.totals.collected:
        imported = plural(data.totals.collected, "post", "posts")
        notes.append(
            f"No poll of X has run yet: the {imported} counted here came from an import "
            "(reachout import), so they are only what the import held; anything else posted "
            "in this period is not counted."
        )
    elif not c.last_success:
        notes.append(
            "Collection has not run yet: nothing was read from X, so mentions, hashtag posts, "
            "tags and responses are zero because nobody looked, not because nobody posted."
        )
    for source, at in sorted(c.last_success.items()):
        if c.finished and (at is None or at < data.period.end_at):
            when = _local(at, tz) if at else "never"
            notes.append(
                f"{source}: the last complete read was {when}, before the period ended; "
                "anything after that is not counted yet."
            )
    if c.gaps:
        known = f"X estimates about {c.missing_estimate:,} posts were missed"
        unknown = sum(g.missing_estimate is None for g in c.gaps)
        notes.append(
            f"{len(c.gaps)} collection gap(s) overlap this period (below): X would not show "
            f"those posts, so the counts are lower bounds; {known}"
            + (f", more in {unknown} gap(s) X gave no estimate for." if unknown else ".")
        )
    if c.error_count:
        detail = ", ".join(f"{n:,} {source}" for source, n in sorted(c.errors.items()))
        notes.append(
            f"{c.error_count:,} collection error(s) in this period ({detail}): a failed poll is "
            "read again from the same point next time, so it delays posts rather than losing "
            "them; a partial error from X may leave some posts without details."
        )
    if notes:
        return False, notes
    return True, [
        "Collection was complete: no gaps, no errors, and every source was read after the "
        "period ended."
    ]


def budget_note(data: ReportData) -> str:
    """The month's spend against the budget, in words."""
    s = data.spend
    if not s.budget_dollars:
        return f"{s.month}: {_money(s.month_dollars)} so far; the budget sets no dollar limit."
    share = s.month_dollars / s.budget_dollars
    verdict = "over the budget" if share > 1 else "within the budget"
    return (
        f"{s.month}: {_money(s.month_dollars)} of {_money(s.budget_dollars)} so far "
        f"({share:.0%}), {verdict}."
    )


def render_html(data: ReportData, anonymiser: Anonymiser) -> str:
    """Return report.html's text (see the module docstring)."""
    from jinja2 import Environment, StrictUndefined
    from markupsafe import Markup

    def finalize(value: Any) -> Any:  # every {{ }} value: cleaned here, escaped by Jinja
        plain = isinstance(value, str) and not isinstance(value, Markup)
        return clean_text(value) if plain else value

    env = Environment(autoescape=True, undefined=StrictUndefined, finalize=finalize,
                      trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.filters.update(
        local=lambda moment, d: _local(moment, d.period.timezone),
        count=_count,
        money=_money,
        plural=plural,
        short=lambda text, limit: clean_text(text, limit),
    )
    source = resources.files("bot.data").joinpath("report.html.j2").read_text(encoding="utf-8")
    complete, notes = completeness_notes(data)
    figures = [(key, label, getattr(data.totals, key), getattr(data.previous, key))
               for key, label in FIGURES]  # fmt: skip
    charts = {
        "days": report_charts.day_chart(data.spans),
        "legislators": report_charts.legislator_chart(data.legislators),
        "states": report_charts.state_chart(data.states),
    }
    return env.from_string(source).render(
        data=data, charts=charts, figures=figures, change=change, who=anonymiser.who,
        link=anonymiser.link, notes=notes, complete=complete, budget_note=budget_note(data),
        gap_reason=lambda r: _GAP_REASONS.get(r, r), top=TOP_LEGISLATORS,
        previous_label=data.period.previous().label,
    )  # fmt: skip


def summary_markdown(data: ReportData) -> str:
    """Return summary.md: a few lines, short enough for a chat message (under ~3,000 chars)."""
    tz, t, prev = data.period.timezone, data.totals, data.previous
    lines = [f"**{md_escape(data.campaign)} report {md_escape(data.period.title)}**", ""]
    if data.empty:
        lines += ["Nothing happened yet: no posts were planned or sent and nothing was "
                  "collected from X in this period.", ""]  # fmt: skip
    lines.append(f"**Legislators' responses: {t.responses:,}**")
    for r in data.responses[:3]:
        who = md_escape(f"{r.legislator.name} ({r.legislator.seat})", 60)
        link = f" <{r.post.url}>" if r.post.url else ""
        text = md_escape(r.post.text, 140)
        lines.append(f"- {who}, {_local(r.post.created_at, tz)}: “{text}”{link}")
    if len(data.responses) > 3:
        lines.append(f"- and {len(data.responses) - 3:,} more in the report")
    others = ", ".join(f"{n:,} {o}" for o, n in data.outcomes.items() if n and o != "posted")
    sent = f"{t.posts_posted:,} sent of {t.posts_planned:,} planned" + (
        f" ({others})" * bool(others)
    )
    top = ", ".join(md_escape(f"{x.name} ({x.seat}) {x.tags:,}", 60)
                    for x in data.legislators[:3] if x.tags)  # fmt: skip
    metrics = [p.metrics for p in data.posts if p.metrics]
    complete, notes = completeness_notes(data)
    lines += [
        "",
        f"- Our posts: {sent}",
        f"- Mentions: {t.mentions:,} (previous period {prev.mentions:,}) · hashtag posts: "
        f"{t.hashtag_posts:,} (previous {prev.hashtag_posts:,}) · distinct accounts: "
        f"{t.authors:,}",
        f"- Legislators tagged: {t.legislators_tagged:,} ({plural(t.tags, 'tag', 'tags')}) in "
        + plural(t.states_reached, "state or territory", "states and territories")
        + (f"; most tagged: {top}" if top else ""),
        "- Engagement on our posts: "
        + ", ".join(
            plural(sum(getattr(m, many) for m in metrics), one, many)
            for one, many in (
                ("like", "likes"),
                ("repost", "reposts"),
                ("reply", "replies"),
                ("quote", "quotes"),
            )
        ),
        f"- X spend: {_money(data.spend.dollars)} this period; {md_escape(budget_note(data))}",
        "- Data: " + ("complete" if complete else md_escape(" ".join(notes), 400)),
        "",
        "Full report: report.html (tables: posts.csv, mentions.csv, legislators.csv)",
    ]
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([csv_cell(v) for v in row] for row in rows)


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _write_files(
    folder: Path, data: ReportData, collected: Iterable[CollectedPost], anonymiser: Anonymiser
) -> None:
    tz = data.period.timezone

    def local(moment: datetime) -> str:
        return moment.astimezone(tz).isoformat()

    _write_csv(folder / "mentions.csv", (
        "created_local", "created_utc", "post_id", "author", "legislator_bioguide_id",
        "mentions_us", "hashtag", "replies_to_our_post", "quotes_our_post", "tagged_legislators",
        "likes", "reposts", "replies", "quotes", "impressions", "link", "text",
    ), ((
        local(c.created_at), _utc(c.created_at), c.post_id, anonymiser.who(c).lstrip("@"),
        c.legislator_bioguide_id, c.mentions_account, c.has_hashtag, c.replies_to_post_id,
        c.quotes_post_id, " ".join(c.tagged), c.metrics.likes, c.metrics.reposts,
        c.metrics.replies, c.metrics.quotes, c.metrics.impressions, anonymiser.link(c), c.text,
    ) for c in collected))  # fmt: skip
    _write_csv(folder / "posts.csv", (
        "key", "calendar_post", "planned_local", "planned_utc", "audience", "outcome",
        "ledger_state", "reason", "x_post_id", "posted_utc", "link", "likes", "reposts",
        "replies", "quotes", "impressions", "in_calendar", "text",
    ), ((
        p.key, p.item_id, local(p.scheduled_at), _utc(p.scheduled_at), p.target_group,
        p.outcome, p.state, p.reason, p.x_post_id, _utc(p.posted_at), p.url,
        *((m.likes, m.reposts, m.replies, m.quotes, m.impressions) if (m := p.metrics)
          else (None,) * 5), p.in_plan, p.text,
    ) for p in data.posts))  # fmt: skip
    _write_csv(folder / "legislators.csv", (
        "bioguide_id", "name", "chamber", "state", "seat", "tags", "supporters_tagging",
        "responses",
    ), ((t.bioguide_id, t.name, t.chamber, t.state, t.seat, t.tags, t.supporters, t.responses)
        for t in data.legislators))  # fmt: skip
    (folder / "report.html").write_text(render_html(data, anonymiser), encoding="utf-8")
    (folder / "summary.md").write_text(summary_markdown(data), encoding="utf-8")


def write_report(
    data: ReportData,
    reports_dir: Path,
    *,
    collected: Iterable[CollectedPost],
    anonymise: bool = False,
) -> Path:
    """Write the report's five files to ``reports_dir/<period label>/``, replacing any old one.

    Args:
        data: the period's numbers (bot.report_data.build_report_data).
        reports_dir: the reports folder (settings ``reports_dir``); created when missing.
        collected: the period's collected posts for mentions.csv, oldest first
            (bot.report_data.iter_collected).
        anonymise: show supporters as "supporter N" (settings ``report.anonymise_handles``).

    Returns:
        The folder written.

    Raises:
        ReportError: the folder cannot be written; nothing is left half-written, and the
            old report (if any) stays in place.
        StoreError: reading the collected posts failed.
    """
    final = reports_dir / data.period.label
    partial = reports_dir / f".{data.period.label}.partial-{uuid.uuid4().hex[:12]}"
    old: Path | None = None
    try:
        partial.mkdir(parents=True)
        _write_files(partial, data, collected, Anonymiser(anonymise, data.account))
        if final.exists():
            old = final.rename(reports_dir / f".{data.period.label}.old-{uuid.uuid4().hex[:12]}")
        partial.rename(final)
    except OSError as exc:
        raise ReportError(
            f"cannot write the report to {final}: {exc.strerror or exc}",
            "check that the reports_dir setting names a writable folder with free space",
        ) from exc
    finally:  # also on KeyboardInterrupt (Ctrl-C) and SystemExit
        shutil.rmtree(partial, ignore_errors=True)
        if old is not None and not final.exists():  # the new one did not take its place
            with contextlib.suppress(OSError):
                old.rename(final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return final


Builder = Callable[[Period, datetime], ReportData]
Deliver = Callable[[Path, str, str], Sequence[str]]
Alert = Callable[[str, str, str | None, datetime], None]


class Reporter:
    """The weekly job: write each finished week's report once, then deliver it.

    Args:
        store: where ``report:<week>`` records which weeks are done (the ``state`` table).
        reports_dir: the reports folder.
        timezone: the campaign's time zone; a week is Monday to Sunday there.
        campaign_first_day: reports start with the ISO week holding this local day.
        build: ``build(period, now)`` returns the week's ReportData (the worker closes over
            the store, the current plan, the directory and the settings).
        alert: ``alert(kind, message, key, now)``: a failed report or delivery.
        deliver: ``deliver(folder, label, summary)`` returns what failed (empty: all good),
            e.g. bot.report_delivery.ReportDelivery; None delivers nothing.
        anonymise: settings ``report.anonymise_handles``.
        campaign_last_day: no reports for weeks after the one holding this day (None: no end).
    """

    def __init__(
        self,
        store: Store,
        *,
        reports_dir: Path,
        timezone: ZoneInfo,
        campaign_first_day: date,
        build: Builder,
        alert: Alert,
        deliver: Deliver | None = None,
        anonymise: bool = False,
        campaign_last_day: date | None = None,
    ) -> None:
        self._store, self._dir, self._tz = store, reports_dir, timezone
        self._first, self._last = campaign_first_day, campaign_last_day
        self._build, self._alert, self._deliver = build, alert, deliver
        self._anonymise = anonymise
        self._lock = threading.Lock()  # the Monday job and the start-up catch-up may overlap

    def due_weeks(self, now: datetime) -> list[Period]:
        """Every week whose report is due by ``now`` (Monday 09:00 local after it), oldest first."""
        weeks, week = [], week_of(self._first, self._tz)
        last = week_of(self._last, self._tz).first_day if self._last else None
        while self.due_at(week) <= now and (last is None or week.first_day <= last):
            weeks.append(week)
            week = week_of(week.last_day + timedelta(days=1), self._tz)
        return weeks

    def due_at(self, week: Period) -> datetime:
        """When a week's report is due: the Monday after it, 09:00 local, as aware UTC."""
        monday = datetime.combine(week.last_day + timedelta(days=1), PUBLISH_AT, self._tz)
        return monday.astimezone(UTC)

    def run_due(self, now: datetime) -> list[Path]:
        """Write the report of every due week that has none yet; return the folders written.

        A week counts as done (``report:<week>`` in the store) only once its folder is
        complete, so a crash mid-write means it is written again next time, and a written
        week is never written twice. A failure to build or write alerts and is retried at the
        next run; a failed delivery alerts and is not retried (the report stays on disk).
        """
        written: list[Path] = []
        with self._lock:
            for week in self.due_weeks(now):
                name = f"report:{week.label}"
                if self._store.get_state(name) is not None:
                    continue
                folder = self._write(week, now)
                if folder is None:
                    continue
                record = {"folder": str(folder), "written_at": _utc(now)}
                self._store.set_state(name, json.dumps(record), now)
                written.append(folder)
                self._send(folder, week.label, now)
        return written

    def _write(self, week: Period, now: datetime) -> Path | None:
        try:
            data = self._build(week, now)
            posts = iter_collected(self._store, week, data.account)
            return write_report(data, self._dir, collected=posts, anonymise=self._anonymise)
        except Exception as exc:  # a bug or a broken disk must not stop the worker: alert
            log.exception("the report for %s failed", week.label)
            message = f"the report for {week.label} could not be written: {exc}"
            self._alert("report_failed", message, week.label, now)
            return None

    def _send(self, folder: Path, label: str, now: datetime) -> None:
        if self._deliver is None:
            return
        try:
            summary = (folder / "summary.md").read_text(encoding="utf-8")
            problems = list(self._deliver(folder, label, summary))
        except Exception as exc:
            log.exception("delivering the report for %s failed", label)
            problems = [f"{type(exc).__name__}: {exc}"]
        for problem in problems:
            message = f"the report for {label} is in {folder} but was not delivered: {problem}"
            self._alert("report_delivery", message, label, now)
