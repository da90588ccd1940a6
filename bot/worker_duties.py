"""The worker's jobs besides posting, built the same way for ``reachout run`` and ``simulate``.

`build_duties` makes the collector, the weekly reporter and the daily checks, and returns
them as `Duty` objects (bot.duties): collection on interval triggers, the report on Monday
09:00 campaign time (and a catch-up when the worker takes the lease), and at 06:30 campaign
time (and at start) the checks that the world has not moved under the campaign: the legislator
directory's date against the posts still due (bot.directory_dates) and, when the settings name
its URLs, Congress's official schedule re-read and compared (bot.recess.moved_windows): a
change to a window the campaign relies on is alerted and left for staff to adopt (the calendar
may name the old window); other changes are written to the data file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger

from bot import congress_calendar, congress_sources, recess
from bot.campaign import Calendar
from bot.collector import Collector
from bot.compose import PlannedPost
from bot.directory_dates import directory_alerts
from bot.duties import Duty, collection_duties, report_duty
from bot.errors import DataError
from bot.legislators import Directory
from bot.report import Deliver, Reporter
from bot.report_data import build_report_data
from bot.report_model import ReportData
from bot.report_period import Period
from bot.settings import Settings
from bot.store import Store
from bot.x_models import Account, XClient

log = logging.getLogger("reachout.duties")

Alert = Callable[[str, str, str | None, datetime], None]
"""alert(kind, message, key, now): the poster's `raise_alert` (store, then webhook once)."""
DAILY_CHECKS = "daily-checks"
DAILY_HOUR, DAILY_MINUTE = 6, 30  # campaign time: after the DST switch hours, before posting
DIRECTORY_ALERT, CONGRESS_ALERT = "directory_stale", "congress_window_moved"
CONGRESS_UNREADABLE = "congress_calendar_unreadable"


@dataclass(frozen=True)
class Snapshot:
    """The calendar in force, its composed plan and the directory it was composed with."""

    calendar: Calendar
    posts: Sequence[PlannedPost]
    directory: Directory


@dataclass(frozen=True)
class WorkerParts:
    """What `build_duties` made: the duties, and the parts for ``collect``/``report`` callers."""

    duties: tuple[Duty, ...]
    collector: Collector
    reporter: Reporter


def campaign_days(snapshot: Snapshot) -> tuple[date, date]:
    """Return the campaign's first and last local day: its recess, else its posts' days.

    Raises:
        ValueError: the calendar has neither a recess nor posts.
    """
    recess_days = [d for w in snapshot.calendar.campaign.recess for d in (w.first_day, w.last_day)]
    days = recess_days or [post.local_at.date() for post in snapshot.posts]
    if not days:
        raise ValueError("the calendar has no recess and no posts")
    return min(days), max(days)


def build_duties(
    store: Store,
    x: XClient,
    *,
    account: Account,
    settings: Settings,
    current: Callable[[], Snapshot],
    alert: Alert,
    first_at: datetime,
    reports_dir: Path,
    deliver: Deliver | None = None,
    read_congress: bool = True,
    days: tuple[date, date] | None = None,
) -> WorkerParts:
    """Build the collector, the reporter and the daily checks, and their duties.

    Args:
        store: the database the worker uses (ledger, collection tables, alerts, state).
        x: X, live or sandbox.
        account: our account (``GET /2/users/me``).
        settings: polling, collection, prices, budget, report, congress_calendar settings.
        current: returns the calendar in force, its plan and directory (a calendar edit
            changes what it returns; the campaign's time zone and days are read at build).
        alert: raises an alert (kind, message, key, now).
        first_at: the first fire of the collection intervals (aware): the start.
        reports_dir: the weekly reports' folder.
        deliver: sends a written report (bot.report_delivery.ReportDelivery), or None.
        read_congress: re-read the official schedule daily when its URLs are set (the
            simulation passes False: it never touches the network).
        days: the campaign's first and last local day (default: `campaign_days`).

    Returns:
        The duties and the parts.

    Raises:
        ValueError: the calendar has neither a recess nor posts, and ``days`` is None.
    """
    snapshot = current()
    campaign = snapshot.calendar.campaign
    first_day, last_day = days or campaign_days(snapshot)
    collector = Collector(
        store, x, snapshot.directory, account=account, hashtag=campaign.hashtag,
        search_query=campaign.search_query or f"{campaign.hashtag} -is:retweet",
        collection=settings.collection, polling=settings.polling, prices=settings.prices,
        budget=settings.budget, metrics_days=settings.forecast.metrics_days, alert=alert,
        collect_since=first_at,
    )  # fmt: skip

    def build(period: Period, now: datetime) -> ReportData:
        now_in_force = current()
        return build_report_data(
            store, period, planned=now_in_force.posts, directory=now_in_force.directory,
            account=account.username, campaign=campaign.hashtag or campaign.name,
            prices=settings.prices, budget=settings.budget, now=now,
        )  # fmt: skip

    reporter = Reporter(
        store, reports_dir=reports_dir, timezone=campaign.timezone, campaign_first_day=first_day,
        campaign_last_day=last_day, build=build, alert=alert, deliver=deliver,
        anonymise=settings.report.anonymise_handles,
    )  # fmt: skip
    checks = DailyChecks(settings, current, alert, read_congress=read_congress)
    daily = CronTrigger(hour=DAILY_HOUR, minute=DAILY_MINUTE, timezone=campaign.timezone)
    duties = (
        *collection_duties(collector, settings.polling, first_at),
        report_duty(reporter.run_due, campaign.timezone),
        Duty(DAILY_CHECKS, daily, checks, at_start=True, misfire_grace_seconds=6 * 3600),
    )
    return WorkerParts(duties, collector, reporter)


class DailyChecks:
    """The daily duty: is the directory current for the posts due; did Congress move a recess."""

    def __init__(self, settings: Settings, current: Callable[[], Snapshot], alert: Alert, *,
                 read_congress: bool = True) -> None:  # fmt: skip
        """Build it (settings: congress_calendar and timeouts; current: the plan in force)."""
        self._settings, self._current, self._alert = settings, current, alert
        urls = settings.congress_calendar
        self._read_congress = read_congress and bool(urls.house_url or urls.senate_url)

    def __call__(self, now: datetime) -> list[str]:
        """Run the checks at ``now`` (aware); return the alert messages raised (also alerted).

        Raises:
            StoreError: the alert could not be stored. X and network errors never escape:
                an unreadable official schedule is itself an alert.
        """
        snapshot = self._current()
        due = [post for post in snapshot.posts if post.latest_at_utc >= now]
        raised = []
        stale = directory_alerts(snapshot.directory, due, now)
        if stale:
            message = "; ".join(stale)
            self._alert(DIRECTORY_ALERT, message, None, now)
            raised.append(message)
        if self._read_congress:
            raised += self._congress(snapshot, due, now)
        return raised

    def _congress(self, snapshot: Snapshot, due: Sequence[PlannedPost], now: datetime) -> list[str]:
        setting = self._settings.congress_calendar
        timeouts = self._settings.timeouts
        try:
            old = congress_calendar.load(setting.file)
            update = congress_sources.update(
                old, house=setting.house_url, senate=setting.senate_url, now=now,
                timeouts=(timeouts.connect_seconds, timeouts.read_seconds),
            )  # fmt: skip
        except DataError as exc:
            message = f"the official Congress schedule could not be re-read: {exc}"
            self._alert(CONGRESS_UNREADABLE, message, None, now)
            return [message]
        speaking = recess.recess_posts(due, snapshot.calendar, snapshot.directory)
        changes = recess.moved_windows(
            old or congress_calendar.CongressCalendar(), update.calendar, speaking,
            snapshot.calendar.campaign.recess,
        )  # fmt: skip
        raised = []
        for change in changes:  # not adopted: a calendar naming the old window would not load
            message = recess.alert_message(change) + (
                f"; {setting.file} is left as it was: check the calendar's recess and posts, then "
                "adopt the new schedule with: reachout congress-calendar update"
            )
            self._alert(CONGRESS_ALERT, message, change.message, now)
            raised.append(message)
        if update.changed and not changes:
            congress_sources.write(setting.file, update.calendar)
            log.info("official Congress schedule updated: %s", "; ".join(update.changes))
        return raised
