"""``reachout congress-calendar``: Congress's official recess windows (data/congress-calendar.yaml).

``update`` reads the House voting-days feed and the Senate's yearly schedule (files or URLs;
by default the ``congress_calendar`` settings, else the official URLs), prints what changed
and replaces the data file, or leaves it untouched on any error. ``show`` lists the windows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.cli_context import AppContext
from bot.congress_calendar import (
    CHAMBERS,
    HOUSE_URL,
    NAMES,
    SENATE_URL,
    CongressCalendar,
    OfficialWindow,
    load,
)
from bot.errors import DataError


@click.group("congress-calendar")
def congress_calendar() -> None:
    """Congress's official recess windows (data/congress-calendar.yaml): update, show."""


def _file(app: AppContext, output: Path | None) -> Path:
    path = output or app.settings.congress_calendar.file
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


@congress_calendar.command("update")
@click.option("--house", metavar="FILE|URL", help="The House voting-days feed (iCalendar).")
@click.option(
    "--senate",
    metavar="FILE|URL",
    help="The Senate's schedule XML; in a URL, {year} is replaced by each year read.",
)
@click.option(
    "--year",
    "years",
    type=click.IntRange(2000, 2100),
    multiple=True,
    help="Senate year to read (repeatable; default: this year and the next).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of the 'congress_calendar.file' setting.",
)
@click.pass_obj
def congress_calendar_update(
    app: AppContext,
    house: str | None,
    senate: str | None,
    years: tuple[int, ...],
    output: Path | None,
) -> None:
    """Read the official House and Senate schedules and show what changed.

    With neither --house nor --senate both are read from the settings'
    congress_calendar.house_url and senate_url, else from votingdays.house.gov and
    senate.gov. With one of them, only that chamber is read.
    """
    from bot import congress_sources

    settings = app.settings
    if house is None and senate is None:
        house = settings.congress_calendar.house_url or HOUSE_URL
        senate = settings.congress_calendar.senate_url or SENATE_URL
    path = _file(app, output)
    previous = load(path)
    timeouts = (settings.timeouts.connect_seconds, settings.timeouts.read_seconds)
    result = congress_sources.update(
        previous, house=house, senate=senate, years=years, now=datetime.now(UTC), timeouts=timeouts
    )
    for note in result.notes:
        click.echo(note)
    if not result.changed:
        click.echo(f"unchanged: {path} already holds these schedules")
        return
    for line in result.changes:
        click.echo(line)
    congress_sources.write(path, result.calendar)
    click.echo(f"wrote {path}")


def _row(window: OfficialWindow) -> str:
    days = (window.last_day - window.first_day).days + 1
    what = " — ".join(part for part in (window.action, window.note) if part)
    text = f"  {window.first_day} {window.first_day:%a} to {window.last_day} {window.last_day:%a}"
    return f"{text}  {days:>3} {'day' if days == 1 else 'days':<4}  {what}".rstrip()


@congress_calendar.command("show")
@click.option("--chamber", type=click.Choice(["house", "senate"]), help="Only this chamber.")
@click.option("--year", type=click.IntRange(2000, 2100), help="Only windows touching this year.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_obj
def congress_calendar_show(
    app: AppContext, chamber: str | None, year: int | None, fmt: str
) -> None:
    """List the official recess windows, chamber by chamber, with their sources."""
    path = _file(app, None)
    official = load(path)
    if official is None:
        raise DataError(
            f"{path}: no official schedule yet", "run: reachout congress-calendar update"
        )
    chambers: list[str] = [chamber] if chamber else list(CHAMBERS)
    if fmt == "json":
        click.echo(json.dumps(_as_json(official, chambers, year), indent=2, ensure_ascii=False))
        return
    for name in chambers:
        captures = [c for c in official.captures if c.chamber == name]
        if not captures:
            click.echo(f"{NAMES[name]}: no schedule read yet")
            continue
        for capture in captures:
            covered = ", ".join(map(str, capture.years))
            published = f", published {capture.published}" if capture.published else ""
            click.echo(f"{NAMES[name]} {covered} ({capture.source}{published}; "
                       f"read {capture.captured_at:%Y-%m-%d %H:%M} UTC)")  # fmt: skip
        shown = [w for w in official.windows(name) if _touches(w, year)]
        for window in shown:
            click.echo(_row(window))
        click.echo(f"  {len(shown)} window{'s' * (len(shown) != 1)}")


def _touches(window: OfficialWindow, year: int | None) -> bool:
    return year is None or window.first_day.year <= year <= window.last_day.year


def _as_json(official: CongressCalendar, chambers: list[str], year: int | None) -> object:
    return {
        name: {
            "captures": [
                {"source": c.source, "captured_at": f"{c.captured_at:%Y-%m-%dT%H:%M:%SZ}",
                 "published": c.published, "sha256": c.sha256, "years": list(c.years)}
                for c in official.captures if c.chamber == name
            ],
            "windows": [
                {"first_day": str(w.first_day), "last_day": str(w.last_day), "action": w.action,
                 "note": w.note}
                for w in official.windows(name) if _touches(w, year)
            ],
        }
        for name in chambers
    }  # fmt: skip
