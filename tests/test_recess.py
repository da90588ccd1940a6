"""The campaign against Congress's official recess windows: warnings, notes, moved windows."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from bot.campaign import Calendar, PostSpec, load_calendar
from bot.compose import plan
from bot.congress_calendar import CongressCalendar
from bot.legislators import Directory
from bot.recess import (
    RecessPost,
    alert_message,
    moved_windows,
    official_warnings,
    post_notes,
    recess_posts,
    speaks_of_recess,
)
from tests.conftest import PROJECT_ROOT
from tests.congress_feeds import feed_days, house_feed, official


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture(scope="module")
def directory() -> Directory:
    """The real legislator directory, without staff overrides."""
    return Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")


@pytest.fixture(scope="module")
def captured() -> CongressCalendar:
    """The captured House and Senate schedules (2025-2026)."""
    return official()


HEAD = """\
campaign:
  name: Test
  hashtag: "#RecessReachOut"
  timezone: {zone}
  recess:
    - {{official: house, includes: {includes}}}
  x_username: RecessReachOut
posts:
"""


def calendar(
    posts: str,
    captured: CongressCalendar,
    zone: str = "America/New_York",
    includes: str = "2026-08-04",
) -> Calendar:
    """Load a 2026 calendar whose recess is the official House window holding ``includes``."""
    text = HEAD.format(zone=zone, includes=includes) + posts
    return load_calendar(text.encode(), "cal.yaml", official=captured)


def item(post_id: str, day: str, text: str, extra: str = "", at: str = "10:00") -> str:
    """Return one post item (extra: more YAML lines, indented by four spaces)."""
    return f'  - id: {post_id}\n    date: {day}\n    time: "{at}"\n    text: "{text}"\n{extra}'


@pytest.mark.parametrize(
    ("text", "about", "expected"),
    [
        ("Congress is home! {{ hashtag }}", None, True),
        ("Your senators are in recess this week", None, True),
        ("Meet them in-district: {{ hashtag }}", None, True),
        ("Ask for a meeting in district", None, True),
        ("It is the August District Work Period", None, True),
        ("Thank you for your work on H.R. 2283", None, False),
        ("Homeless shelters need support", None, False),  # whole words only
        ("Call today: co-sponsor S. 1249", True, True),  # the calendar marks it
        ("Welcome home, Senator", False, False),  # the calendar says it does not
    ],
)
def test_a_post_speaks_of_the_recess_by_its_words_or_by_the_calendar(
    text: str, about: bool | None, expected: bool
) -> None:
    """recess, home, work period, in district, or about_recess: true; about_recess wins."""
    spec = PostSpec("a", text, time(10), about_recess=about)
    assert expected == speaks_of_recess(spec)


def test_posts_outside_the_official_windows_of_their_chambers_are_warned(
    directory: Directory, captured: CongressCalendar
) -> None:
    """On 2026-08-04 the House is away but the Senate sits (until 2026-08-07): posts that
    speak of the recess to senators (or to everyone) are warned, at their date."""
    posts = (
        item("house-home", "2026-08-04", "Florida: your representatives are home. {{ hashtag }}",
             "    targets: {states: [FL], chamber: house}\n")
        + item("senate-home", "2026-08-04", "Florida: your senators are home. {{ hashtag }}",
               "    targets: {states: [FL], chamber: senate}\n", at="11:00")
        + item("everyone", "2026-08-04", "Congress is in recess! {{ hashtag }}", at="12:00")
        + item("no-words", "2026-08-04", "Call your senators about S. 1249. {{ hashtag }}",
               "    targets: {states: [FL], chamber: senate}\n", at="13:00")
        + item("flagged", "2026-09-15", "Call your representative today. {{ hashtag }}",
               "    targets: {states: [FL], chamber: house}\n    about_recess: true\n")
        + item("silenced", "2026-09-15", "Welcome home! {{ hashtag }}",
               "    targets: {states: [FL], chamber: house}\n    about_recess: false\n", at="11:00")
    )  # fmt: skip
    cal = calendar(posts, captured)
    speaking = recess_posts(plan(cal, directory).posts, cal, directory)
    found = [str(p) for p in official_warnings(cal, speaking, captured)]
    assert [
        "cal.yaml:15:11: post 'senate-home' speaks of the recess, but 2026-08-04 is outside the "
        "Senate's official recess windows — check the dates: reachout congress-calendar show "
        "(data/congress-calendar.yaml); it will still go out",
        "cal.yaml:20:11: post 'everyone' speaks of the recess, but 2026-08-04 is outside the "
        "Senate's official recess windows — check the dates: reachout congress-calendar show "
        "(data/congress-calendar.yaml); it will still go out",
        "cal.yaml:29:11: post 'flagged' speaks of the recess, but 2026-09-15 is outside the "
        "House's official recess windows — check the dates: reachout congress-calendar show "
        "(data/congress-calendar.yaml); it will still go out",
    ] == found


def test_a_repeating_post_is_warned_once_per_chamber_with_its_days_counted(
    directory: Directory, captured: CongressCalendar
) -> None:
    """Every weekday 2026-08-03..14 to senators: the Senate is away from 2026-08-08 (home
    span of the window starting Monday 2026-08-10), so five days are outside."""
    posts = (
        "  - id: daily\n    every: day\n    from: 2026-08-03\n    until: 2026-08-14\n"
        '    time: "10:00"\n    text: "Senators are home, {{ date }}! {{ hashtag }}"\n'
        "    targets: {states: [FL], chamber: senate}\n"
    )
    cal = calendar(posts, captured)
    speaking = recess_posts(plan(cal, directory).posts, cal, directory)
    found = [p.message for p in official_warnings(cal, speaking, captured)]
    assert [
        "post 'daily' speaks of the recess, but 5 of its days (first 2026-08-03) are outside "
        "the Senate's official recess windows"
    ] == found


def test_the_day_is_washington_s(directory: Directory, captured: CongressCalendar) -> None:
    """22:30 in Los Angeles on Friday 2026-08-07 is Saturday in Washington: the weekend
    before the Senate's window, so inside; 20:30 is still Friday, so outside."""
    posts = item("late", "2026-08-07", "Home this weekend! {{ hashtag }}",
                 "    targets: {states: [CA], chamber: senate}\n", at="22:30") + item(
        "early", "2026-08-07", "Home soon! {{ hashtag }}",
        "    targets: {states: [CA], chamber: senate}\n", at="20:30")  # fmt: skip
    cal = calendar(posts, captured, zone="America/Los_Angeles")
    speaking = recess_posts(plan(cal, directory).posts, cal, directory)
    assert [(d("2026-08-08"), "late"), (d("2026-08-07"), "early")] == sorted(
        ((p.day, p.post_id) for p in speaking), reverse=True
    )
    notes = post_notes(speaking, captured)
    assert [
        "speaks of the recess, but 2026-08-07 is outside the Senate's official recess windows"
    ] == [n for key, ns in notes.items() if key.startswith("early") for n in ns]
    assert not [key for key in notes if key.startswith("late")]


def test_chambers_come_from_the_targets_and_no_targets_means_both(
    directory: Directory, captured: CongressCalendar
) -> None:
    """A House seat speaks to the House, a state's members to both, no targets to both."""
    posts = (
        item("seat", "2026-08-04", "Home! {{ hashtag }}", "    targets: {districts: [FL-21]}\n")
        + item("state", "2026-08-04", "Home! {{ hashtag }}", "    targets: {states: [FL]}\n",
               at="11:00")
        + item("all", "2026-08-04", "Home! Call Congress. {{ hashtag }}", at="12:00")
    )  # fmt: skip
    cal = calendar(posts, captured)
    speaking = recess_posts(plan(cal, directory).posts, cal, directory)
    expected = {"seat": {"house"}, "state": {"house", "senate"}, "all": {"house", "senate"}}
    assert expected == {p.post_id: set(p.chambers) for p in speaking}


def test_days_the_schedules_do_not_cover_are_reported_once_as_unchecked(
    directory: Directory, captured: CongressCalendar
) -> None:
    """A 2027 post cannot be checked yet: one note says so, naming the update command."""
    posts = item("later", "2027-08-04", "Congress is home! {{ hashtag }}")
    cal = calendar(posts, captured)
    speaking = recess_posts(plan(cal, directory).posts, cal, directory)
    (only,) = official_warnings(cal, speaking, captured)
    assert (0, "run reachout congress-calendar update once Congress publishes them") == (
        only.line, only.hint,
    )  # fmt: skip
    assert only.message.startswith(
        "1 post(s) speak of the recess in 2027, which the official House and Senate schedules "
        "do not cover yet"
    )


OCTOBER_POST = RecessPost(
    "home@2026-10-05T14:00:00+00:00", "home", d("2026-10-05"), frozenset({"house"})
)
LATE_OCTOBER_POST = RecessPost(
    "home@2026-10-20T14:00:00+00:00", "home", d("2026-10-20"), frozenset({"house"})
)
SENATE_POST = RecessPost(
    "senate@2026-10-05T14:00:00+00:00", "senate", d("2026-10-05"), frozenset({"senate"})
)


def test_a_recess_starting_earlier_names_the_posts_relying_on_it(
    captured: CongressCalendar,
) -> None:
    """The House cancelling 2026-09-16..10-01: its autumn window starts two weeks early; the
    posts in it are named, none is left outside."""
    moved = official(house_feed(cancel=feed_days("Vote Day", "2026-09-16", "2026-10-01")))
    (change,) = moved_windows(captured, moved, [OCTOBER_POST, LATE_OCTOBER_POST, SENATE_POST])
    assert "House district work period now starts 2026-09-16, was 2026-10-02" == change.message
    assert ((OCTOBER_POST.key, LATE_OCTOBER_POST.key), ()) == (change.posts, change.outside)


def test_a_recess_starting_later_names_the_post_now_outside(captured: CongressCalendar) -> None:
    """Vote days added 2026-10-05..08: the window now starts 2026-10-09, and the post of
    2026-10-05 that says members are home is now wrong: the alert names it."""
    added = [d("2026-10-05") + timedelta(n) for n in range(4)]
    moved = official(house_feed(add=added))
    (change,) = moved_windows(captured, moved, [OCTOBER_POST, LATE_OCTOBER_POST])
    assert (OCTOBER_POST.key,) == change.outside
    assert (
        "House district work period now starts 2026-10-09, was 2026-10-02; 2 post(s) of the "
        "campaign fall in it (first home@2026-10-05T14:00:00+00:00); now outside every official "
        "window: home@2026-10-05T14:00:00+00:00"
    ) == alert_message(change)


def test_a_window_nobody_relies_on_moves_silently(captured: CongressCalendar) -> None:
    """A change in March does not concern a campaign posting in October."""
    moved = official(house_feed(add=[d("2026-03-10")]))
    assert [] == moved_windows(captured, moved, [OCTOBER_POST])
    assert moved.windows("house") != captured.windows("house")


def test_a_window_the_campaign_names_is_relied_on_without_posts(captured: CongressCalendar) -> None:
    """recess: {official: house, includes: 2026-10-05} relies on the autumn window, posts or not."""
    posts = item("x", "2026-10-06", "Call today {{ hashtag }}")
    named = calendar(posts, captured, includes="2026-10-05").campaign.recess
    moved = official(house_feed(add=[d("2026-10-05")]))
    assert [] == moved_windows(captured, moved, [])
    (change,) = moved_windows(captured, moved, [], named=named)
    assert ((), "House district work period now starts 2026-10-06, was 2026-10-02") == (
        change.posts, change.message,
    )  # fmt: skip
