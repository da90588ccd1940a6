"""Duties: the triggers the worker and the simulation share (real APScheduler triggers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.duties import (
    COLLECT_MENTIONS,
    COLLECT_SEARCH,
    REFRESH_METRICS,
    Duty,
    collection_duties,
    report_duty,
)
from bot.settings import Polling

NEW_YORK = ZoneInfo("America/New_York")


class Calls:
    """Records what the collection duties call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, datetime]] = []

    def poll_mentions(self, now: datetime) -> object:
        self.calls.append(("mentions", now))
        return None

    def poll_search(self, now: datetime) -> object:
        self.calls.append(("search", now))
        return None

    def refresh_metrics(self, now: datetime) -> object:
        self.calls.append(("metrics", now))
        return None


def fires(duty: Duty, start: datetime, count: int) -> list[datetime]:
    """The first ``count`` fire times of a duty's trigger, asked as the worker's scheduler does."""
    trigger = duty.trigger
    out: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        out.append(fire.astimezone(UTC))
        previous, now = fire, fire
    return out


def test_collection_duties_fire_from_first_at_every_interval() -> None:
    """Mentions every 30 min, search every 60, metrics every 360, starting at first_at."""
    start = datetime(2027, 8, 2, 4, 0, tzinfo=UTC)
    calls = Calls()
    duties = {d.name: d for d in collection_duties(calls, Polling(30, 60, 360), start)}
    assert [COLLECT_MENTIONS, COLLECT_SEARCH, REFRESH_METRICS] == list(duties)
    assert [start + timedelta(minutes=30 * n) for n in range(3)] == fires(
        duties[COLLECT_MENTIONS], start, 3
    )
    assert [start + timedelta(hours=6 * n) for n in range(2)] == fires(
        duties[REFRESH_METRICS], start, 2
    )
    assert 3600 == duties[COLLECT_SEARCH].misfire_grace_seconds
    duties[COLLECT_SEARCH].run(start)
    assert [("search", start)] == calls.calls


@pytest.mark.parametrize(
    ("after", "expected_utc"),
    [
        (datetime(2027, 8, 2, 12, 0, tzinfo=UTC), datetime(2027, 8, 2, 13, 0, tzinfo=UTC)),
        (datetime(2027, 8, 2, 13, 0, 1, tzinfo=UTC), datetime(2027, 8, 9, 13, 0, tzinfo=UTC)),
        (datetime(2027, 3, 10, 0, 0, tzinfo=UTC), datetime(2027, 3, 15, 13, 0, tzinfo=UTC)),  # EDT
        (datetime(2027, 11, 5, 0, 0, tzinfo=UTC), datetime(2027, 11, 8, 14, 0, tzinfo=UTC)),  # EST
    ],
    ids=["same-monday", "next-monday", "after-spring-forward", "after-fall-back"],
)
def test_the_weekly_report_fires_monday_0900_campaign_time(
    after: datetime, expected_utc: datetime
) -> None:
    """Monday 09:00 New York is 13:00 UTC in summer time and 14:00 UTC in winter."""
    duty = report_duty(lambda now: None, NEW_YORK)
    assert duty.at_start
    assert expected_utc == duty.trigger.get_next_fire_time(None, after).astimezone(UTC)
