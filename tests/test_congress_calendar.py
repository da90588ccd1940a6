"""Congress's official recess windows as data: spans, the data file, what changed."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.congress_calendar import (
    CongressCalendar,
    OfficialWindow,
    WindowChange,
    changes,
    from_yaml,
    load,
    render,
)
from bot.congress_sources import parse_house
from bot.errors import DataError
from tests.conftest import PROJECT_ROOT
from tests.congress_feeds import HOUSE, READ_AT, SENATE, official

SHIPPED = PROJECT_ROOT / "data" / "congress-calendar.yaml"


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("first", "last", "home"),
    [
        ("2026-08-10", "2026-09-11", ("2026-08-08", "2026-09-13")),  # Monday to Friday
        ("2026-07-24", "2026-08-28", ("2026-07-24", "2026-08-30")),  # Friday to Friday
        ("2026-02-26", "2026-03-03", ("2026-02-26", "2026-03-03")),  # Thursday to Tuesday
        ("2026-09-21", "2026-09-21", ("2026-09-19", "2026-09-21")),  # a Monday alone
    ],
)
def test_the_home_span_takes_in_the_weekend_next_to_a_window(
    first: str, last: str, home: tuple[str, str]
) -> None:
    """Members are home on the weekend before a Monday start and after a Friday end."""
    window = OfficialWindow(d(first), d(last), "senate")
    assert home == tuple(str(day) for day in window.home_span())


@pytest.mark.parametrize(
    ("chamber", "day", "expected"),
    [
        ("house", "2026-08-04", ("2026-07-24", "2026-08-30")),
        ("senate", "2026-08-04", None),  # the Senate sits until 2026-08-07
        ("both", "2026-08-12", ("2026-08-08", "2026-08-30")),  # the days both are away
        ("both", "2026-08-04", None),
        ("house", "2026-09-15", None),  # a vote day
        ("senate", "2027-08-04", None),  # not covered
    ],
)
def test_span_is_the_official_window_holding_a_day(
    chamber: str, day: str, expected: tuple[str, str] | None
) -> None:
    """span() answers per chamber, and for both chambers the days both are away."""
    found = official().span(chamber, d(day))
    assert expected == (tuple(str(x) for x in found) if found else None)


def test_coverage_is_the_years_each_schedule_holds() -> None:
    """The House feed covers 2025 and 2026; the Senate file 2026; both: 2026."""
    calendar = official()
    expected = (frozenset({2025, 2026}), frozenset({2026}), frozenset({2026}))
    assert expected == tuple(calendar.years(c) for c in ("house", "senate", "both"))
    assert (True, False) == (
        calendar.covers("house", d("2025-08-04")),
        calendar.covers("both", d("2025-08-04")),
    )


def test_the_data_file_reads_back_what_was_written() -> None:
    """render() then from_yaml() gives the same calendar, notes and validators included."""
    calendar = official()
    house = replace(
        calendar.captures[0], etag='"abc"', last_modified="Mon, 04 May 2026 00:29:03 GMT"
    )
    calendar = calendar.replace([house])
    assert calendar == from_yaml(render(calendar).encode(), "x.yaml")


def test_the_shipped_data_file_holds_the_captures() -> None:
    """data/congress-calendar.yaml holds the windows and hashes of the fixture captures."""
    shipped = load(SHIPPED)
    assert shipped is not None
    expected = official()
    assert expected.windows("house") == shipped.windows("house")
    assert expected.windows("senate") == shipped.windows("senate")
    hashes = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (HOUSE, SENATE)]
    assert hashes == [c.sha256 for c in shipped.captures]


def test_a_missing_data_file_is_none() -> None:
    """No file yet: None (the calendar then cannot name official windows)."""
    assert load(Path("/nonexistent/congress-calendar.yaml")) is None


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("format: 1\ncaptures: [\n", "not valid YAML"),
        ("directory: {format: 1}\n", "not a reachout congress calendar"),
        ("format: 1\ncaptures:\n  - chamber: house\n", "damaged (KeyError"),
        ("format: 1\ncaptures:\n  - {chamber: hall}\n", "damaged (ValueError"),
    ],
)
def test_a_damaged_data_file_is_a_data_error(text: str, phrase: str) -> None:
    """A broken data file says so, and how to regenerate it."""
    with pytest.raises(DataError) as caught:
        from_yaml(text.encode(), "data/congress-calendar.yaml")
    assert phrase in str(caught.value)
    assert "reachout congress-calendar update" in caught.value.hint


W = OfficialWindow


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            [W(d("2026-10-02"), d("2026-11-06"))],
            [W(d("2026-09-16"), d("2026-11-06"))],
            "House district work period now starts 2026-09-16, was 2026-10-02",
        ),
        (
            [W(d("2026-10-02"), d("2026-11-06"))],
            [W(d("2026-10-02"), d("2026-11-13"))],
            "House district work period from 2026-10-02 now ends 2026-11-13, was 2026-11-06",
        ),
        (
            [W(d("2026-10-02"), d("2026-11-06"))],
            [W(d("2026-10-09"), d("2026-11-13"))],
            "House district work period now runs 2026-10-09 to 2026-11-13, was 2026-10-02 to "
            "2026-11-06",
        ),
        (
            [],
            [W(d("2026-10-02"), d("2026-10-06"))],
            "new House district work period: 2026-10-02 to 2026-10-06",
        ),
        (
            [W(d("2026-10-02"), d("2026-10-06"))],
            [],
            "House district work period 2026-10-02 to 2026-10-06 is no longer in the schedule",
        ),
        (
            [W(d("2026-10-02"), d("2026-10-06")), W(d("2026-10-09"), d("2026-10-13"))],
            [W(d("2026-10-02"), d("2026-10-13"))],
            "House district work periods 2026-10-02 to 2026-10-06 and 2026-10-09 to 2026-10-13 are "
            "now 2026-10-02 to 2026-10-13",
        ),
    ],
    ids=["start", "end", "both-ends", "new", "gone", "merged"],
)
def test_window_change_messages(old: list[W], new: list[W], message: str) -> None:
    """Each kind of change reads plainly."""
    assert message == WindowChange("house", tuple(old), tuple(new)).message


def test_changes_name_new_years_and_leave_same_windows_alone() -> None:
    """A first update names the covered years; the same schedules again change nothing."""
    calendar = official()
    assert [
        "House schedule now covers 2025 (12 district work periods)",
        "House schedule now covers 2026 (14 district work periods)",
        "Senate schedule now covers 2026 (14 state work periods)",
    ] == changes(None, calendar)
    assert [] == changes(calendar, calendar)


def test_changes_compare_only_years_both_versions_cover() -> None:
    """A feed that no longer covers 2025 says so once, not once per 2025 window."""
    calendar = official()
    house = calendar.captures[0]
    later = replace(
        house, years=(2026,), windows=tuple(w for w in house.windows if w.last_day.year == 2026)
    )
    assert ["House schedule no longer covers 2025"] == changes(calendar, calendar.replace([later]))


def test_a_house_capture_replaces_the_house_only() -> None:
    """replace() swaps the House capture and keeps each Senate year."""
    calendar = official()
    house = parse_house(HOUSE.read_bytes(), "other.ics", captured_at=READ_AT)
    replaced = calendar.replace([house])
    assert ["other.ics", "senate.xml"] == [c.source for c in replaced.captures]
    assert CongressCalendar() == CongressCalendar().replace([])
