"""``reachout report``: write the engagement report for a week or a range of days, now.

Reads the calendar (for the time zone, the account and the planned posts), the legislator
directory and the database named by the settings, and writes ``report.html``,
``summary.md``, ``posts.csv``, ``mentions.csv`` and ``legislators.csv`` to
``OUT/<week>/`` (``OUT`` defaults to the ``reports_dir`` setting). ``--deliver`` also sends
it by the webhook and e-mail the settings name. The worker writes the same report on its own
every Monday at 09:00 campaign time (bot.report.Reporter).

A report covers at most a year of days between 2000 and 2100. Without a database yet (the
worker never ran, nothing imported) it writes nothing and exits 1 (ReportError).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.cli_calendar import calendar_option, load
from bot.cli_context import AppContext
from bot.report_period import Period, between, check_limits, parse_week, week_of


def _now() -> datetime:
    """The current time (aware UTC); tests replace it."""
    return datetime.now(UTC)


def choose_period(
    week: str | None, first: date | None, last: date | None, timezone: ZoneInfo, now: datetime
) -> Period:
    """Return the period asked for: ``--week``, ``--from``/``--to``, else the last finished week.

    Raises:
        click.UsageError: --week with --from/--to, or only one of --from and --to.
        click.BadParameter: a week that is not YYYY-Www, a range that ends before it starts,
            a day outside the years 2000 to 2100, or more than a year of days.
    """
    if week and (first or last):
        raise click.UsageError("give either --week or --from/--to, not both")
    if (first is None) != (last is None):
        raise click.UsageError("give both --from and --to (local days, inclusive)")
    try:
        if week:
            return check_limits(parse_week(week, timezone))
        if first and last:
            return check_limits(between(first, last, timezone))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    today = now.astimezone(timezone).date()
    return week_of(today - timedelta(days=7), timezone)


@click.command("report")
@calendar_option
@click.option("--week", metavar="YYYY-Www", help="ISO week, e.g. 2027-W32 (default: last week).")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First local day.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last local day (inclusive).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write OUT/<week>/ in (default: settings reports_dir).",
)
@click.option("--deliver", is_flag=True, help="Also send it by the webhook and e-mail configured.")
@click.pass_obj
def report(
    app: AppContext,
    calendar_file: Path | None,
    week: str | None,
    first: datetime | None,
    last: datetime | None,
    out: Path | None,
    deliver: bool,
) -> None:
    """Write the engagement report (HTML, Markdown summary, CSVs) for a week or a range."""
    from bot.report import ReportError, plural, write_report
    from bot.report_data import build_report_data, iter_collected
    from bot.report_delivery import PASSWORD_SECRET, ReportDelivery
    from bot.settings import load_secrets
    from bot.store import Store

    settings = app.settings
    loaded = load(app, None, calendar_file)
    campaign = loaded.calendar.campaign
    now = _now()
    period = choose_period(week, first and first.date(), last and last.date(), campaign.timezone,
                           now)  # fmt: skip
    if not settings.database.exists():  # never create it here, and write no empty report
        raise ReportError(
            f"no database at {settings.database} yet: nothing was posted or collected, so no "
            "report was written",
            "run the worker (reachout run) or import an archive (reachout import FILE) first",
        )
    with Store.open(settings.database) as store:
        data = build_report_data(
            store, period, planned=loaded.plan.posts, directory=loaded.directory,
            account=campaign.x_username, campaign=campaign.hashtag or campaign.name,
            prices=settings.prices, budget=settings.budget, now=now,
        )  # fmt: skip
        posts = iter_collected(store, period, data.account)
        folder = write_report(data, out or settings.reports_dir, collected=posts,
                              anonymise=settings.report.anonymise_handles)  # fmt: skip
    t = data.totals
    click.echo(f"wrote {folder}/ (report.html, summary.md, posts.csv, mentions.csv, "
               "legislators.csv)")  # fmt: skip
    figures = [
        f"{t.posts_posted:,} of {plural(t.posts_planned, 'post', 'posts')} sent",
        plural(t.mentions, "mention", "mentions"),
        plural(t.hashtag_posts, "hashtag post", "hashtag posts"),
        plural(t.responses, "legislator's response", "legislators' responses"),
        plural(t.states_reached, "state or territory", "states and territories") + " reached",
    ]
    click.echo(f"{period.title}: {', '.join(figures)}")
    if deliver:
        secret = load_secrets(app.environ).get(PASSWORD_SECRET)
        sender = ReportDelivery.from_settings(settings, secret, campaign.hashtag or campaign.name)
        if not sender.channels:
            raise click.UsageError("--deliver: set report.webhook_url or report.smtp_host first")
        summary = (folder / "summary.md").read_text(encoding="utf-8")
        problems = sender(folder, period.label, summary)
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        if problems:
            sys.exit(1)
        click.echo(f"sent by {' and '.join(sender.channels)}")
