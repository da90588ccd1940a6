"""``reachout congress-calendar`` and the official windows in ``validate`` and ``preview``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import requests
import responses
from click.testing import CliRunner

from bot.cli import main
from bot.congress_calendar import load
from tests.conftest import PROJECT_ROOT
from tests.congress_feeds import HOUSE, SENATE, feed_days, house_feed

SHIPPED = PROJECT_ROOT / "data" / "congress-calendar.yaml"
HOUSE_URL = "https://votingdays.example.test/voting-days.ics"
SENATE_URL = "https://senate.example.test/legislative/{year}_schedule.xml"


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``reachout ARGS`` in-process; return (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Settings pointing the official schedule at tmp_path (no file there yet)."""
    return {"REACHOUT_CONGRESS_CALENDAR_FILE": str(tmp_path / "congress-calendar.yaml")}


def test_update_from_the_captures_writes_the_file_and_reports_it(env: dict[str, str]) -> None:
    """A first update names what each source holds and the years now covered; again: unchanged."""
    args = ["congress-calendar", "update", "--house", str(HOUSE), "--senate", str(SENATE)]
    code, out, err = run(args, env)
    assert (0, "") == (code, err)
    assert [
        f"House: 26 district work periods in 2025–2026 ({HOUSE})",
        f"Senate 2026: 14 state work periods in 2026 ({SENATE})",
        "House schedule now covers 2025 (12 district work periods)",
        "House schedule now covers 2026 (14 district work periods)",
        "Senate schedule now covers 2026 (14 state work periods)",
    ] == out.splitlines()[:-1]
    written = load(Path(env["REACHOUT_CONGRESS_CALENDAR_FILE"]))
    shipped = load(SHIPPED)
    assert written is not None and shipped is not None
    assert shipped.windows("house") == written.windows("house")
    code, out, _ = run(args, env)
    assert (0, True) == (code, out.splitlines()[-1].startswith("unchanged: "))


def test_a_moved_recess_is_reported_as_such(env: dict[str, str], tmp_path: Path) -> None:
    """The House feed cancelling its votes of 2026-09-16..10-01 prints the one change."""
    run(["congress-calendar", "update", "--house", str(HOUSE), "--senate", str(SENATE)], env)
    moved = tmp_path / "moved.ics"
    moved.write_bytes(house_feed(cancel=feed_days("Vote Day", "2026-09-16", "2026-10-01")))
    code, out, _ = run(["congress-calendar", "update", "--house", str(moved)], env)
    assert 0 == code
    assert [
        f"House: 26 district work periods in 2025–2026 ({moved})",
        "House district work period now starts 2026-09-16, was 2026-10-02",
    ] == out.splitlines()[:-1]


@responses.activate
def test_update_from_the_urls_reports_a_year_not_published(env: dict[str, str]) -> None:
    """The settings' URLs are read; the Senate's 2027 answering 404 is a note, exit 0."""
    responses.add(responses.GET, HOUSE_URL, body=HOUSE.read_bytes())
    responses.add(responses.GET, SENATE_URL.format(year=2026), body=SENATE.read_bytes())
    responses.add(responses.GET, SENATE_URL.format(year=2027), status=404)
    env |= {
        "REACHOUT_CONGRESS_CALENDAR_HOUSE_URL": HOUSE_URL,
        "REACHOUT_CONGRESS_CALENDAR_SENATE_URL": SENATE_URL,
    }
    code, out, err = run(["congress-calendar", "update", "--year", "2026", "--year", "2027"], env)
    assert (0, "") == (code, err)
    not_published = (
        f"Senate 2027: not published yet ({SENATE_URL.format(year=2027)} answered 404 Not Found)"
    )
    assert not_published in out.splitlines()
    assert 3 == len(responses.calls)


@pytest.mark.parametrize(
    ("failure", "phrase"),
    [
        (requests.ConnectionError("Failed to resolve"), "error: cannot download"),
        (requests.ConnectTimeout("timed out"), "no answer in 5+30 s"),
    ],
    ids=["offline", "timeout"],
)
@responses.activate
def test_a_network_failure_leaves_the_previous_file_untouched(
    env: dict[str, str], failure: Exception, phrase: str
) -> None:
    """Offline: one plain error with a hint, exit 1, the previous data byte for byte."""
    path = Path(env["REACHOUT_CONGRESS_CALENDAR_FILE"])
    shutil.copyfile(SHIPPED, path)
    responses.add(responses.GET, HOUSE_URL, body=failure)
    code, out, err = run(["congress-calendar", "update", "--house", HOUSE_URL], env)
    assert (1, "") == (code, out)
    assert phrase in err and "hint: check the network connection" in err
    assert "Traceback" not in err
    assert SHIPPED.read_bytes() == path.read_bytes()


@pytest.mark.parametrize(
    ("option", "data", "phrase"),
    [
        ("--house", HOUSE.read_bytes()[:50_000], "not a complete iCalendar feed"),
        ("--senate", SENATE.read_bytes()[:1_500], "not well-formed XML"),
        ("--senate", b'<!DOCTYPE s [<!ENTITY a "a">]><schedule>&a;</schedule>', "refused"),
    ],
    ids=["truncated-ics", "truncated-xml", "entity"],
)
def test_a_broken_schedule_leaves_the_previous_file_untouched(
    env: dict[str, str], tmp_path: Path, option: str, data: bytes, phrase: str
) -> None:
    """Truncated or hostile input: a clear error naming the file, the data unchanged."""
    path = Path(env["REACHOUT_CONGRESS_CALENDAR_FILE"])
    shutil.copyfile(SHIPPED, path)
    broken = tmp_path / "broken"
    broken.write_bytes(data)
    code, _, err = run(["congress-calendar", "update", option, str(broken)], env)
    assert 1 == code
    assert err.startswith(f"error: {broken}: ") and phrase in err
    assert SHIPPED.read_bytes() == path.read_bytes()


def test_show_lists_the_windows_and_says_when_there_are_none(env: dict[str, str]) -> None:
    """show prints each chamber's windows; with no file, a plain error naming update."""
    code, _, err = run(["congress-calendar", "show"], env)
    assert (1, True) == (code, "run: reachout congress-calendar update" in err)
    shutil.copyfile(SHIPPED, env["REACHOUT_CONGRESS_CALENDAR_FILE"])
    code, out, _ = run(["congress-calendar", "show", "--chamber", "house", "--year", "2026"], env)
    lines = out.splitlines()
    assert (0, "  15 windows") == (code, lines[-1])
    assert "  2026-07-24 Fri to 2026-08-28 Fri   36 days" in lines
    code, out, _ = run(["congress-calendar", "show", "--format", "json"], env)
    shown = json.loads(out)
    assert (26, 14) == (len(shown["house"]["windows"]), len(shown["senate"]["windows"]))


CALENDAR = """\
campaign:
  name: Test
  hashtag: "#RecessReachOut"
  timezone: America/New_York
  recess:
    - {official: house, includes: 2026-08-04}
  x_username: RecessReachOut
posts:
  - id: house-home
    date: 2026-08-04
    time: "10:00"
    text: "Florida: your representatives are home this week. {{ hashtag }}"
    targets: {states: [FL], chamber: house}
  - id: senate-home
    date: 2026-08-04
    time: "11:00"
    text: "Florida: your senators are home this week. {{ hashtag }}"
    targets: {states: [FL], chamber: senate}
"""


def test_validate_and_preview_warn_about_a_post_outside_the_official_windows(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The Senate sits on 2026-08-04: validate warns at the post, preview under it."""
    shutil.copyfile(SHIPPED, env["REACHOUT_CONGRESS_CALENDAR_FILE"])
    calendar = tmp_path / "calendar.yaml"
    calendar.write_text(CALENDAR, encoding="utf-8")
    code, out, err = run(["validate", str(calendar)], env)
    assert (0, True) == (code, out.rstrip().endswith("(1 warnings)"))
    expected = (
        f"warning: {calendar}:15:11: post 'senate-home' speaks of the recess, but 2026-08-04 is "
        "outside the Senate's official recess windows — check the dates: reachout "
        "congress-calendar show"
    )
    warned = [line for line in err.splitlines() if "speaks of the recess" in line]
    assert (1, True) == (len(warned), warned[0].startswith(expected))
    code, out, _ = run(["preview", str(calendar)], env)
    notes = [line.strip() for line in out.splitlines() if "speaks of the recess" in line]
    assert (
        0,
        ["! speaks of the recess, but 2026-08-04 is outside the Senate's official recess windows"],
    ) == (code, notes)


def test_a_calendar_naming_an_official_window_needs_the_file(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Without data/congress-calendar.yaml, official: is an error naming the update command."""
    calendar = tmp_path / "calendar.yaml"
    calendar.write_text(CALENDAR, encoding="utf-8")
    code, _, err = run(["validate", str(calendar)], env)
    assert 1 == code
    assert f"error: {calendar}:6:18: recess window 1 names the official House window" in err
    assert "run: reachout congress-calendar update" in err
