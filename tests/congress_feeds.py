"""The captured House and Senate schedules, and edited copies of them, for tests.

The captures are real (tests/fixtures/congress-calendar/, README there); an edit changes
only the events it names, the way the House changes its feed when it moves a recess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime

from bot.congress_calendar import CongressCalendar
from bot.congress_sources import parse_house, parse_senate
from tests.conftest import FIXTURES

CAPTURES = FIXTURES / "congress-calendar"
HOUSE = CAPTURES / "house-voting-days-2026-05-04.ics"
SENATE = CAPTURES / "senate-schedule-2026.xml"
READ_AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
_START = re.compile(r"^DTSTART;VALUE=DATE:(\d{8})$", re.M)


def feed_days(category: str, first: str = "2000-01-01", last: str = "2100-12-31") -> list[date]:
    """Return the days of the captured House feed with an event of this category, in order,
    from first to last (inclusive), read from its raw text."""
    found = set()
    for event in HOUSE.read_text(encoding="utf-8").split("BEGIN:VEVENT")[1:]:
        start = _START.search(event)
        if start and f"\nCATEGORIES:{category}\n" in event:
            found.add(datetime.strptime(start[1], "%Y%m%d").date())
    return sorted(
        day for day in found if date.fromisoformat(first) <= day <= date.fromisoformat(last)
    )


def house_feed(*, cancel: Iterable[date] = (), add: Iterable[date] = ()) -> bytes:
    """Return the captured House feed with vote days cancelled or added.

    Args:
        cancel: days whose ``Vote Day`` event becomes a ``Canceled Vote Day``; each must hold
            one (AssertionError otherwise: the edit would prove nothing).
        add: days that get an extra ``Added Vote Day`` event.
    """
    wanted = {f"{day:%Y%m%d}" for day in cancel}
    head, *events = HOUSE.read_text(encoding="utf-8").split("BEGIN:VEVENT")
    done = set()
    for index, event in enumerate(events):
        start = _START.search(event)
        if start and start[1] in wanted and "\nCATEGORIES:Vote Day\n" in event:
            events[index] = event.replace("CATEGORIES:Vote Day", "CATEGORIES:Canceled Vote Day")
            done.add(start[1])
    assert wanted == done, f"no Vote Day event on {sorted(wanted - done)}"
    text = "BEGIN:VEVENT".join([head, *events])
    extra = "".join(
        f"BEGIN:VEVENT\nUID:added-{day:%Y%m%d}\nDTSTAMP:20260915T120000\n"
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}\nSUMMARY:Added Vote Day\n"
        f"CATEGORIES:Added Vote Day\nEND:VEVENT\n"
        for day in add
    )
    return text.replace("END:VCALENDAR", extra + "END:VCALENDAR").encode("utf-8")


def official(house: bytes | None = None) -> CongressCalendar:
    """Return the captured schedules as a CongressCalendar (the House feed may be edited)."""
    return CongressCalendar(
        (
            parse_house(house or HOUSE.read_bytes(), "house.ics", captured_at=READ_AT),
            parse_senate(SENATE.read_bytes(), "senate.xml", captured_at=READ_AT),
        ),
        "data/congress-calendar.yaml",
    )
