"""``reachout validate``, ``preview`` and ``cost``: the calendar as staff see it.

Each reads the calendar named by the FILE argument, else ``--calendar``, else the settings
(``calendar``, or ``REACHOUT_CALENDAR``), composes every post against the legislator
directory, and reports problems as ``FILE:LINE:COLUMN: what is wrong — how to fix it``.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import click

from bot.campaign import Calendar, load_calendar_file
from bot.campaign_schema import STATE_CODES
from bot.cli_context import AppContext
from bot.congress_calendar import CongressCalendar
from bot.congress_calendar import load as load_official
from bot.errors import CalendarError, ConfigError, Problem
from bot.legislators import Directory
from bot.targets import read_do_not_tag
from bot.yamlsource import read_file

if TYPE_CHECKING:  # compose brings Jinja2: imported where used, so other commands start fast
    from bot import compose

calendar_argument = click.argument(
    "file", required=False, type=click.Path(dir_okay=False, path_type=Path)
)
calendar_option = click.option(
    "--calendar", "calendar_file", type=click.Path(dir_okay=False, path_type=Path),
    help="The calendar (default: settings 'calendar', or $REACHOUT_CALENDAR).",
)  # fmt: skip


@dataclass(frozen=True)
class Loaded:
    """A calendar composed against the directory.

    Attributes:
        official: Congress's official schedule (settings ``congress_calendar.file``), or None
            when that file does not exist.
        recess_warnings: posts speaking of the recess outside the official windows
            (:func:`bot.recess.official_warnings`).
        recess_notes: the same, by ledger key, for the preview.
    """

    calendar: Calendar
    plan: compose.Plan
    directory: Directory
    official: CongressCalendar | None = None
    recess_warnings: tuple[Problem, ...] = ()
    recess_notes: Mapping[str, list[str]] = field(default_factory=dict)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load(
    app: AppContext,
    file: Path | None,
    calendar_file: Path | None,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
) -> Loaded:
    """Load, check and compose the calendar (local days first_day..last_day, inclusive).

    Raises:
        CalendarError: the calendar has problems the loader finds.
        ConfigError: the do-not-tag list or the overrides are broken or missing.
        click.UsageError: both FILE and --calendar were given.
    """
    from bot import compose, recess

    if file and calendar_file and file != calendar_file:
        raise click.UsageError("give the calendar either as FILE or as --calendar, not both")
    path = file or calendar_file or app.settings.calendar
    official = load_official(Path(_display(app.settings.congress_calendar.file)))
    calendar = load_calendar_file(_display(path), official=official)
    directory = app.directory()
    settings = app.settings
    policy = compose.Policy(
        settings.caps.tagged_posts_per_day,
        settings.caps.tag_interval_days,
        _do_not_tag(app, directory),
        settings.caps.posts_per_day,
    )
    start, end = _local_range(calendar, first_day, last_day)
    plan = compose.plan(calendar, directory, policy, start=start, end=end)
    if official is None:
        return Loaded(calendar, plan, directory)
    speaking = recess.recess_posts(plan.posts, calendar, directory)
    warnings = tuple(recess.official_warnings(calendar, speaking, official))
    notes = recess.post_notes(speaking, official)
    return Loaded(calendar, plan, directory, official, warnings, notes)


def _do_not_tag(app: AppContext, directory: Directory) -> frozenset[str]:
    """Read the do-not-tag list named by the settings; only the default file may be absent."""
    path, source = app.settings.do_not_tag, app.settings.sources["do_not_tag"]
    if not path.exists() and source == "default":
        return frozenset()
    data = read_file(
        path,
        _display(path),
        max_bytes=256 * 1024,
        error=ConfigError,
        what="the do-not-tag list",
        hint=f"fix the path (set in {source})",
    )
    return read_do_not_tag(data, _display(path), directory)


def _github(problem: Problem, level: str) -> str:
    """Format a problem as a GitHub Actions workflow command."""
    name = problem.file.replace("%", "%25").replace(",", "%2C").replace(":", "%3A")
    where = f"file={name}"
    if problem.line:
        where += f",line={problem.line}" + (f",col={problem.column}" if problem.column else "")
    text = problem.message + (f" — {problem.hint}" if problem.hint else "")
    return f"::{level} {where}::" + text.replace("%", "%25").replace("\n", "%0A")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"


def _money(dollars: float) -> str:
    return f"{'$' + format(dollars, ',.2f'):>10}"


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M %Z}"


@click.command()
@calendar_argument
@calendar_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="github: ::error lines for a staff repository's CI.",
)
@click.pass_obj
def validate(app: AppContext, file: Path | None, calendar_file: Path | None, fmt: str) -> None:
    """Check the calendar: exit 0 when every post is valid, 1 with the problems."""
    try:
        loaded = load(app, file, calendar_file)
        errors, warnings = list(loaded.plan.problems), list(loaded.calendar.warnings)
        warnings += [*loaded.plan.warnings, *loaded.recess_warnings]
    except CalendarError as exc:
        loaded, errors, warnings = None, exc.problems, []
    for level, problems in (("error", errors), ("warning", warnings)):
        for problem in sorted(problems, key=lambda p: (p.line, p.column)):
            line = _github(problem, level) if fmt == "github" else f"{level}: {problem}"
            click.echo(line, err=fmt == "text")
    if errors or loaded is None:
        pronoun = "they are" if len(errors) != 1 else "it is"
        click.echo(
            f"{_count(len(errors), 'error')}: nothing is posted from this calendar until "
            f"{pronoun} fixed.",
            err=True,
        )
        sys.exit(1)
    posts = loaded.plan.posts
    span = f", {_when(posts[0].local_at)} to {_when(posts[-1].local_at)}" if posts else ""
    click.echo(
        f"{loaded.calendar.file}: valid — {_count(len(loaded.calendar.posts), 'post')}, "
        f"{_count(len(posts), 'occurrence')}{span}"
        + (f" ({len(warnings)} warnings)" if warnings else "")
    )


def _wrap(text: str, first: str, rest: str) -> str:
    """Wrap for the terminal without breaking words or URLs."""
    wrapped = textwrap.fill(
        text,
        96,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return wrapped or first


def _local_range(
    calendar: Calendar, start: date | None, end: date | None
) -> tuple[datetime | None, datetime | None]:
    zone = calendar.campaign.timezone
    return (
        datetime.combine(start, time(), zone) if start else None,
        datetime.combine(end + timedelta(days=1), time(), zone) if end else None,
    )


def _as_json(post: compose.PlannedPost) -> dict[str, Any]:
    return {
        "id": post.post_id, "key": post.key, "at": post.local_at.isoformat(),
        "at_utc": post.at_utc.isoformat().replace("+00:00", "Z"),
        "text": post.text, "weighted_length": post.weighted_length, "tagging": post.tagging,
        "targets": list(post.targets), "target_group": post.target_group or None,
        "tagged": list(post.tagged), "intent_url": post.intent_url, "has_url": post.has_url,
        "warnings": list(post.warnings),
    }  # fmt: skip


@click.command()
@calendar_argument
@calendar_option
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First local day.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last local day.")
@click.option("--state", help="Only posts about this state's legislators (USPS code).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_obj
def preview(
    app: AppContext,
    file: Path | None,
    calendar_file: Path | None,
    start: datetime | None,
    end: datetime | None,
    state: str | None,
    fmt: str,
) -> None:
    """Show every post exactly as it will go out: time, text, weighted length, targets."""
    if start and end and start > end:
        raise click.BadParameter("--from is after --to", param_hint="'--from'")
    for value, name in ((start, "--from"), (end, "--to")):
        if value and not 2000 <= value.year <= 2100:
            raise click.BadParameter("use a date between 2000 and 2100", param_hint=f"'{name}'")
    wanted = (state or "").strip().upper()
    if state is not None and wanted not in STATE_CODES:
        raise click.BadParameter(f"{state!r} is not a USPS state code", param_hint="'--state'")
    loaded = load(
        app, file, calendar_file, first_day=start and start.date(), last_day=end and end.date()
    )
    posts = list(loaded.plan.posts)
    if state:
        members = {m.bioguide_id for m in loaded.directory.by_state(wanted)}
        posts = [p for p in posts if p.target_group == wanted or members & set(p.targets)]
    if fmt == "json":
        shown = [_as_json(p) for p in posts]
        for entry in shown:
            entry["warnings"] += loaded.recess_notes.get(entry["key"], [])
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        for post in posts:
            utc = f"{post.at_utc:%H:%M} UTC"
            head = f"{_when(post.local_at)} ({utc})  {post.key.split('@')[0]}"
            head += f"#{post.target_group}" if post.target_group else ""
            click.echo(f"{head}  {post.weighted_length}/280  tagging: {post.tagging}")
            for paragraph in post.text.split("\n"):
                click.echo(_wrap(paragraph, "    ", "    "))
            if post.targets:
                click.echo(f"    targets: {' '.join(post.targets)}")
            if post.intent_url:
                intent = unquote(post.intent_url.partition("?text=")[2])
                click.echo(_wrap(f"intent post: {intent}", "    ", "      "))
            for warning in (*post.warnings, *loaded.recess_notes.get(post.key, ())):
                click.echo(f"    ! {warning}")
            click.echo()
        click.echo(_count(len(posts), "post"))
    for problem in loaded.plan.problems:
        click.echo(f"error: {problem}", err=True)
    if loaded.plan.problems:
        sys.exit(1)


@click.command()
@calendar_argument
@calendar_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_obj
def cost(app: AppContext, file: Path | None, calendar_file: Path | None, fmt: str) -> None:
    """Forecast the campaign's X pay-per-use cost against the budget (exit 1 if over)."""
    from bot.forecast import forecast

    loaded = load(app, file, calendar_file)
    settings = app.settings
    windows = loaded.calendar.campaign.recess
    first = min(w.first_day for w in windows)
    last = max(w.last_day for w in windows)
    recess_days = [
        w.first_day + timedelta(n)
        for w in windows
        for n in range((w.last_day - w.first_day).days + 1)
    ]
    result = forecast(
        loaded.plan.posts,
        first,
        last,
        prices=settings.prices,
        polling=settings.polling,
        expected=settings.forecast,
        budget=settings.budget,
        days=recess_days,
    )
    if fmt == "json":
        click.echo(json.dumps({
            "first_day": str(first), "last_day": str(last), "polls_per_day": result.polls_per_day,
            "lines": [{"label": x.label, "count": x.count, "unit_price": x.unit_price,
                       "dollars": round(x.dollars, 4), "note": x.note} for x in result.lines],
            "total_dollars": round(result.total_dollars, 4),
            "months": [{"month": m.month, "dollars": round(m.dollars, 4), "reads": m.reads,
                        "fits": m.fits} for m in result.months],
            "fits": result.fits,
        }, indent=2))  # fmt: skip
    else:
        days = len(set(recess_days))
        click.echo(
            f"X pay-per-use forecast for {loaded.calendar.file}: {first} to {last} "
            f"({days} days), prices from settings"
        )
        for x in result.lines:
            note = f"  ({x.note})" if x.note else ""
            click.echo(
                f"  {x.label:<24}{x.count:>8,} × ${x.unit_price:<6.3f}= {_money(x.dollars)}{note}"
            )
        click.echo(f"  {'total':<44}{_money(result.total_dollars)}")
        click.echo(f"  {result.polls_per_day} collection polls a day (settings: polling)")
        budget = settings.budget
        click.echo(
            f"budget per month: ${budget.monthly_dollars:,.2f} and "
            f"{budget.monthly_reads:,} reads (0 = no limit)"
        )
        for m in result.months:
            verdict = "fits" if m.fits else "OVER BUDGET"
            click.echo(f"  {m.month}: ${m.dollars:,.2f}, {m.reads:,} reads — {verdict}")
    for problem in loaded.plan.problems:
        click.echo(f"error: {problem}", err=True)
    if loaded.plan.problems or not result.fits:
        sys.exit(1)
