"""Reading Congress's official schedules: the House feed, the Senate XML, downloads, update."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
import requests
import responses

from bot.congress_calendar import CongressCalendar, OfficialWindow, changes
from bot.congress_sources import house_windows, parse_house, parse_senate, update
from bot.errors import DataError
from tests.congress_feeds import HOUSE, READ_AT, SENATE, feed_days, house_feed

HOUSE_URL = "https://votingdays.example.test/voting-days.ics"
SENATE_URL = "https://senate.example.test/legislative/{year}_schedule.xml"


def d(text: str) -> date:
    return date.fromisoformat(text)


def days_of(category: str) -> set[date]:
    """Return the days of the captured House feed with an event of this category."""
    return set(feed_days(category))


def house_2026() -> list[tuple[str, str]]:
    capture = parse_house(HOUSE.read_bytes(), "house.ics", captured_at=READ_AT)
    return [(str(w.first_day), str(w.last_day)) for w in capture.windows if w.last_day.year == 2026]


# The 2026 district work periods of the captured feed, read off the feed by hand: the weekdays
# between the last vote day before and the first vote day after (three weekdays at least).
HOUSE_2026 = [
    ("2025-12-19", "2026-01-05"),  # Christmas: last votes 2025-12-18, first 2026-01-06
    ("2026-01-23", "2026-01-30"),  # a cancelled vote day and two pro-forma sessions inside
    ("2026-02-13", "2026-02-23"),  # Presidents' Day week, pro forma on 02-13, 02-17, 02-20
    ("2026-02-26", "2026-03-03"),  # a cancelled Tuesday
    ("2026-03-06", "2026-03-16"),
    ("2026-03-30", "2026-04-13"),  # Easter: four pro-forma sessions inside
    ("2026-05-01", "2026-05-11"),  # four cancelled vote days
    ("2026-05-22", "2026-06-01"),  # Memorial Day
    ("2026-06-12", "2026-06-22"),  # Juneteenth
    ("2026-07-03", "2026-07-10"),  # Independence Day
    ("2026-07-24", "2026-08-28"),  # August
    ("2026-09-04", "2026-09-11"),  # Labor Day
    ("2026-10-02", "2026-11-06"),  # the election
    ("2026-11-23", "2026-11-27"),  # Thanksgiving
    ("2026-12-18", "2026-12-31"),  # the end of the covered years
]


def test_the_house_capture_yields_the_2026_district_work_periods() -> None:
    """Every 2026 district work period of the captured feed, and nothing else."""
    assert HOUSE_2026 == house_2026()


@pytest.mark.parametrize(
    ("first", "last"),
    [("2026-03-30", "2026-04-13"), ("2026-01-23", "2026-01-30"), ("2026-02-13", "2026-02-23")],
)
def test_pro_forma_sessions_do_not_split_a_recess(first: str, last: str) -> None:
    """Pro-forma sessions inside a recess leave it one window (the feed has them there)."""
    inside = {day for day in days_of("Pro Forma Session") if d(first) <= day <= d(last)}
    assert len(inside) >= 2
    assert (first, last) in house_2026()


def test_cancelled_vote_days_are_not_vote_days_and_added_ones_are() -> None:
    """2026-05-04..07 were cancelled (a recess); 2026-04-27..30 were added (no recess)."""
    assert {d("2026-05-04"), d("2026-05-05"), d("2026-05-06")} <= days_of("Canceled Vote Day")
    assert {d("2026-04-27"), d("2026-04-30")} <= days_of("Added Vote Day")
    windows = house_2026()
    assert ("2026-05-01", "2026-05-11") in windows
    assert not [w for w in windows if w[0] <= "2026-04-28" <= w[1]]


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        # Monday and Friday votes: the three weekdays between are a window
        (
            ["2030-01-07", "2030-01-11"],
            [
                ("2030-01-01", "2030-01-04"),
                ("2030-01-08", "2030-01-10"),
                ("2030-01-14", "2030-12-31"),
            ],
        ),
        # a long weekend (Friday and Monday off) is not a recess, nor are two weekdays
        (["2030-01-03", "2030-01-08"], [("2030-01-09", "2030-12-31")]),
        # a weekend inside a run does not end it
        (
            ["2030-01-09", "2030-01-15"],
            [
                ("2030-01-01", "2030-01-08"),
                ("2030-01-10", "2030-01-14"),
                ("2030-01-16", "2030-12-31"),
            ],
        ),
        # before the first and after the last vote day of the covered year
        (["2030-06-03"], [("2030-01-01", "2030-05-31"), ("2030-06-04", "2030-12-31")]),
        # an uncovered year between two covered ones is not a recess
        (
            ["2030-12-30", "2032-01-02"],
            [("2030-01-01", "2030-12-27"), ("2032-01-05", "2032-12-31")],
        ),
    ],
)
def test_house_windows_are_runs_of_weekdays_without_a_vote(
    votes: list[str], expected: list[tuple[str, str]]
) -> None:
    """A window: 3+ weekdays with no vote day, inside the years the feed covers."""
    _, windows = house_windows(d(v) for v in votes)
    assert expected == [(str(w.first_day), str(w.last_day)) for w in windows]


def test_the_senate_capture_yields_every_non_legislative_period() -> None:
    """All 14 periods, the four with an empty <action> (holiday weeks) included."""
    capture = parse_senate(SENATE.read_bytes(), "senate.xml", captured_at=READ_AT)
    expected = [
        ("2026-01-01", "2026-01-02", ""), ("2026-01-19", "2026-01-23", "State Work Period"),
        ("2026-02-16", "2026-02-20", ""), ("2026-03-30", "2026-04-10", "State Work Period"),
        ("2026-05-04", "2026-05-08", "State Work Period"),
        ("2026-05-25", "2026-05-29", "State Work Period"),
        ("2026-06-19", "2026-06-19", "State Work Period"),
        ("2026-06-29", "2026-07-10", "State Work Period"),
        ("2026-08-10", "2026-09-11", "State Work Period"), ("2026-09-21", "2026-09-21", ""),
        ("2026-10-05", "2026-11-06", "State Work Period"), ("2026-11-11", "2026-11-13", ""),
        ("2026-11-23", "2026-11-27", "State Work Period"),
        ("2026-12-21", "2026-12-31", "State Work Period"),
    ]  # fmt: skip
    assert expected == [(str(w.first_day), str(w.last_day), w.action) for w in capture.windows]
    assert ((2026,), "2025-11-21") == (capture.years, capture.published)
    assert "Veterans Day - Nov 11" == capture.windows[11].note


def test_a_capture_records_its_source_time_and_content_hash() -> None:
    """The capture holds where and when it was read, the feed's stamp, and the sha256."""
    capture = parse_house(HOUSE.read_bytes(), "house.ics", captured_at=READ_AT)
    expected = ("house.ics", READ_AT, hashlib.sha256(HOUSE.read_bytes()).hexdigest(), (2025, 2026))
    assert expected == (capture.source, capture.captured_at, capture.sha256, capture.years)
    assert "2026-05-04T00:29:03" == capture.published


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b"<schedule><year>&c;</year></schedule>"
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY e SYSTEM "file:///etc/passwd">]><schedule/>'


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (HOUSE.read_bytes()[:60_000], "not a complete iCalendar feed"),
        (b"<html><body>Service Unavailable</body></html>", "not a complete iCalendar feed"),
        (b"", "not a complete iCalendar feed"),
        (
            HOUSE.read_bytes().replace(
                b"DTSTART;VALUE=DATE:20260217", b"DTSTART;VALUE=DATE:2026021"
            ),
            "DTSTART",
        ),
        (HOUSE.read_bytes().replace(b"Vote Day", b"Other"), "no vote day"),
    ],
    ids=["truncated", "html", "empty", "bad-date", "no-votes"],
)
def test_a_broken_house_feed_is_a_clear_data_error(data: bytes, phrase: str) -> None:
    """Truncated, not iCalendar, a broken date, no vote day: a DataError naming the source."""
    with pytest.raises(DataError) as caught:
        parse_house(data, "house.ics", captured_at=READ_AT)
    assert str(caught.value).startswith("house.ics: ")
    assert phrase in str(caught.value)


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (SENATE.read_bytes()[:2000], "not well-formed XML"),
        (ENTITY_BOMB, "refused: the XML declares a DTD or entities"),
        (EXTERNAL, "refused: the XML declares a DTD or entities"),
        (b"<html><body>Page not found</body></html>", "<html> is not a Senate <schedule>"),
        (b"<schedule><year>2027</year><dates/></schedule>", "lists no non-legislative period"),
        (SENATE.read_bytes().replace(b"2026-03-30", b"2026-3-30"), "not YYYY-MM-DD"),
        (SENATE.read_bytes().replace(b"<year>2026</year>", b"<year>soon</year>"), "not a year"),
    ],
    ids=["truncated", "entity-bomb", "external-entity", "html", "empty", "bad-date", "bad-year"],
)
def test_a_broken_senate_schedule_is_a_clear_data_error(data: bytes, phrase: str) -> None:
    """Truncated, an entity bomb or external entity, not a schedule: a clear DataError."""
    with pytest.raises(DataError) as caught:
        parse_senate(data, "senate.xml", captured_at=READ_AT)
    assert phrase in str(caught.value)


def test_a_moved_recess_in_the_house_feed_gives_the_change_report() -> None:
    """The House starting its autumn recess on 2026-09-16 instead of 2026-10-02 is reported."""
    before = update(None, house=str(HOUSE), senate=None, now=READ_AT).calendar
    moved = house_feed(cancel=feed_days("Vote Day", "2026-09-16", "2026-10-01"))
    later = READ_AT + timedelta(days=1)
    after = parse_house(moved, str(HOUSE), captured_at=later)
    result = before.replace([after])
    assert ["House district work period now starts 2026-09-16, was 2026-10-02"] == changes(
        before, result
    )


def fixture_responses(senate_2027: int = 404) -> None:
    """Serve the captures: the House feed, the Senate's 2026 schedule, 2027 as asked."""
    responses.add(responses.GET, HOUSE_URL, body=HOUSE.read_bytes(), headers={"ETag": '"h1"'})
    responses.add(
        responses.GET, SENATE_URL.format(year=2026), body=SENATE.read_bytes(),
        headers={"Last-Modified": "Fri, 21 Nov 2025 10:00:00 GMT"},
    )  # fmt: skip
    responses.add(responses.GET, SENATE_URL.format(year=2027), status=senate_2027)


@responses.activate
def test_a_year_not_yet_published_is_a_note_not_an_error() -> None:
    """The Senate's 2027 schedule answering 404 is reported as not published yet."""
    fixture_responses()
    result = update(None, house=HOUSE_URL, senate=SENATE_URL, now=READ_AT)
    assert (
        f"Senate 2027: not published yet ({SENATE_URL.format(year=2027)} answered 404 Not Found)"
        in result.notes
    )
    assert {2026} == result.calendar.years("senate")
    assert {2025, 2026} == result.calendar.years("house")
    assert result.changed


@responses.activate
def test_a_404_for_this_year_is_an_error_not_unpublished() -> None:
    """This year's Senate schedule always exists: a 404 for it means a wrong URL (e.g. a typo)."""
    responses.add(responses.GET, SENATE_URL.format(year=2026), status=404)
    with pytest.raises(DataError, match="404") as caught:
        update(None, house=None, senate=SENATE_URL, now=READ_AT)
    assert "check the Senate URL" in str(caught.value.hint)


@responses.activate
def test_a_second_update_uses_conditional_gets_and_changes_nothing() -> None:
    """The validators of the first download go out again; 304 answers leave all as it was."""
    fixture_responses()
    first = update(None, house=HOUSE_URL, senate=SENATE_URL, now=READ_AT).calendar
    responses.reset()
    responses.add(responses.GET, HOUSE_URL, status=304)
    responses.add(responses.GET, SENATE_URL.format(year=2026), status=304)
    responses.add(responses.GET, SENATE_URL.format(year=2027), status=404)
    again = update(first, house=HOUSE_URL, senate=SENATE_URL, now=READ_AT + timedelta(days=1))
    headers = [call.request.headers for call in responses.calls]
    assert '"h1"' == headers[0]["If-None-Match"]
    assert "Fri, 21 Nov 2025 10:00:00 GMT" == headers[1]["If-Modified-Since"]
    assert (False, first, []) == (again.changed, again.calendar, again.changes)
    assert again.notes[0].startswith("House: unchanged since 2026-11-29 12:00 UTC")


def test_the_same_bytes_again_keep_the_previous_capture() -> None:
    """Re-reading an unchanged file keeps its first capture time: nothing to rewrite."""
    first = update(None, house=str(HOUSE), senate=str(SENATE), now=READ_AT)
    again = update(first.calendar, house=str(HOUSE), senate=str(SENATE), now=READ_AT + timedelta(1))
    assert (False, first.calendar) == (again.changed, again.calendar)


@responses.activate
@pytest.mark.parametrize(
    ("failure", "phrase"),
    [
        (requests.ConnectionError("Name or service not known"), "cannot download"),
        (requests.ReadTimeout("read timed out"), "no answer in 5+30 s"),
    ],
    ids=["offline", "timeout"],
)
def test_a_network_failure_is_a_clear_data_error(failure: Exception, phrase: str) -> None:
    """Offline or timed out: a DataError with the URL and a hint, nothing merged."""
    responses.add(responses.GET, HOUSE_URL, body=failure)
    with pytest.raises(DataError) as caught:
        update(None, house=HOUSE_URL, senate=None, now=READ_AT)
    assert phrase in str(caught.value)
    assert HOUSE_URL in str(caught.value)
    assert "--house FILE" in caught.value.hint


@responses.activate
def test_a_house_feed_answering_404_or_500_is_an_error() -> None:
    """The House feed always exists: a 404 or a 500 is an error, not "not published"."""
    responses.add(responses.GET, HOUSE_URL, status=500)
    with pytest.raises(DataError, match="the server answered 500"):
        update(None, house=HOUSE_URL, senate=None, now=READ_AT)
    responses.replace(responses.GET, HOUSE_URL, status=404)
    with pytest.raises(DataError, match="404"):
        update(None, house=HOUSE_URL, senate=None, now=READ_AT)


def test_a_senate_file_of_another_year_than_asked_is_refused() -> None:
    """--year 2027 with the 2026 file is a mistake, said plainly."""
    with pytest.raises(DataError, match="holds the Senate's 2026 schedule, not 2027"):
        update(None, house=None, senate=str(SENATE), years=[2027], now=READ_AT)


def test_reading_one_chamber_keeps_the_other() -> None:
    """A House-only update leaves the Senate's windows as they were."""
    both = update(None, house=str(HOUSE), senate=str(SENATE), now=READ_AT).calendar
    house_only = update(both, house=str(HOUSE), senate=None, now=READ_AT).calendar
    senate = both.windows("senate")
    assert (14, senate) == (len(senate), house_only.windows("senate"))
    assert CongressCalendar() != house_only
    assert OfficialWindow(d("2026-08-10"), d("2026-09-11"), "senate", "State Work Period",
                          "Labor Day - Sep 7") in senate  # fmt: skip


def test_multi_day_timed_and_cancelled_events_are_read_as_days_in_washington() -> None:
    """A 3-day event is three vote days (07-09), a timed one counts on its Washington day
    (01-15 02:00 UTC is 01-14 in the evening, so 01-10..11 is only a long weekend), and an
    event with STATUS:CANCELLED (01-21) counts for nothing."""
    feed = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n"
        "BEGIN:VEVENT\nUID:a\nDTSTAMP:20300101T000000Z\nDTSTART;VALUE=DATE:20300107\n"
        "DTEND;VALUE=DATE:20300110\nCATEGORIES:Vote Day\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:b\nDTSTAMP:20300101T000000Z\nDTSTART:20300115T020000Z\n"
        "CATEGORIES:Vote Day\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:c\nDTSTAMP:20300101T000000Z\nDTSTART;VALUE=DATE:20300121\n"
        "CATEGORIES:Vote Day\nSTATUS:CANCELLED\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    capture = parse_house(feed.encode(), "test.ics", captured_at=READ_AT)
    assert [
        ("2030-01-01", "2030-01-04"),
        ("2030-01-15", "2030-12-31"),
    ] == [(str(w.first_day), str(w.last_day)) for w in capture.windows]
