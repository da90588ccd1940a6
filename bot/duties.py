"""Duties: the worker's periodic jobs besides posting, each an APScheduler trigger and a function.

A `Duty` pairs a real APScheduler trigger (interval polls, the Monday report, daily checks)
with the function it runs, called with the current time. The worker (bot.scheduler) adds each
as a job that runs only while it holds the lease; ``reachout simulate`` asks the same triggers
when each fires next (``trigger.get_next_fire_time(previous, now)``) and calls the same
functions with the virtual time. So the two share every decision about *when*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.settings import Polling


@dataclass(frozen=True)
class Duty:
    """A periodic job the leading worker runs.

    Attributes:
        name: the job id, e.g. ``collect-mentions`` (unique; never a ledger key).
        trigger: when it fires (an APScheduler 3 trigger; times are aware).
        run: the job: called with the current time (aware UTC); its return value is logged
            at debug level only. It handles X's errors itself; an exception is logged and
            the duty runs again at its next fire time.
        at_start: also run once as soon as this worker takes the lease (catch-up).
        misfire_grace_seconds: how late a fire may still run (APScheduler
            ``misfire_grace_time``); a later one is skipped (coalesced into the next).
    """

    name: str
    trigger: BaseTrigger
    run: Callable[[datetime], object]
    at_start: bool = False
    misfire_grace_seconds: int = 60


class Polls(Protocol):
    """What the collection duties call (bot.collector.Collector); each takes the time now."""

    def poll_mentions(self, now: datetime) -> object:
        """Poll ``GET /2/users/:id/mentions`` once."""
        ...

    def poll_search(self, now: datetime) -> object:
        """Poll ``GET /2/tweets/search/recent`` once."""
        ...

    def refresh_metrics(self, now: datetime) -> object:
        """Refresh our recent posts' public metrics (``GET /2/tweets?ids=``)."""
        ...


COLLECT_MENTIONS, COLLECT_SEARCH, REFRESH_METRICS = "collect-mentions", "collect-search", "metrics"
WEEKLY_REPORT = "weekly-report"
REPORT_WEEKDAY, REPORT_HOUR = "mon", 9  # Monday 09:00 campaign time: never 00:00-03:00 (DST)


def collection_duties(collector: Polls, polling: Polling, first_at: datetime) -> list[Duty]:
    """Return the three collection duties on interval triggers.

    Args:
        collector: runs the polls.
        polling: the intervals, in minutes (settings ``polling``).
        first_at: the first fire time of each (aware); later fires follow every interval.
            The worker passes its start time, the simulation the start of its range.

    Returns:
        Duties ``collect-mentions``, ``collect-search`` and ``metrics``; a fire later than
        one interval is skipped (the next poll reads everything since the cursor anyway).
    """
    duties = []
    for name, minutes, run in (
        (COLLECT_MENTIONS, polling.mentions_minutes, collector.poll_mentions),
        (COLLECT_SEARCH, polling.search_minutes, collector.poll_search),
        (REFRESH_METRICS, polling.metrics_minutes, collector.refresh_metrics),
    ):
        trigger = IntervalTrigger(minutes=minutes, start_date=first_at, timezone=UTC)
        duties.append(Duty(name, trigger, run, misfire_grace_seconds=minutes * 60))
    return duties


def report_duty(run_due: Callable[[datetime], object], timezone: ZoneInfo) -> Duty:
    """Return the weekly report duty: Monday 09:00 in the campaign's time zone, and at start.

    Args:
        run_due: writes every finished week's report that is not written yet
            (bot.report.Reporter.run_due), so a missed Monday is caught up once.
        timezone: the campaign's time zone (the week runs Monday to Sunday there).
    """
    trigger = CronTrigger(day_of_week=REPORT_WEEKDAY, hour=REPORT_HOUR, minute=0, timezone=timezone)
    return Duty(WEEKLY_REPORT, trigger, run_due, at_start=True, misfire_grace_seconds=6 * 3600)
