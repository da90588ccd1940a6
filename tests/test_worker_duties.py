"""The worker's duties as `reachout run` builds them: names, triggers, the daily checks."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses

from bot import compose, congress_sources
from bot.campaign import load_calendar_file
from bot.legislators import Directory
from bot.posting import Poster
from bot.scheduler import Timings, Worker
from bot.settings import DEFAULT_SETTINGS_FILE, CongressCalendar, Settings, load_settings
from bot.store import Store
from bot.testing import SANDBOX_ACCOUNT, SandboxX
from bot.worker_duties import (
    CONGRESS_ALERT,
    CONGRESS_UNREADABLE,
    DAILY_CHECKS,
    DIRECTORY_ALERT,
    DailyChecks,
    Snapshot,
    build_duties,
)
from bot.x_models import XPost
from tests.conftest import PROJECT_ROOT
from tests.congress_feeds import SENATE, feed_days, house_feed, official
from tests.test_recess import calendar as recess_calendar
from tests.test_recess import item

SETTINGS = load_settings(DEFAULT_SETTINGS_FILE, {})
START = datetime(2027, 8, 2, 4, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def shipped() -> Snapshot:
    """The shipped calendar composed over the real directory."""
    directory = Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")
    cal = load_calendar_file(PROJECT_ROOT / "config" / "calendar.yaml")
    policy = compose.Policy(5, 7, frozenset(), 40)
    return Snapshot(cal, compose.plan(cal, directory, policy).posts, directory)


def test_run_and_simulate_share_these_duties(shipped: Snapshot, tmp_path: Path) -> None:
    """Collection every 30/60/360 min, the Monday report and the daily checks, in campaign time."""
    with Store.open(tmp_path / "r.db") as store:
        x = SandboxX(clock=lambda: START)
        alerts: list[tuple[str, str]] = []
        parts = build_duties(
            store, x, account=SANDBOX_ACCOUNT, settings=SETTINGS, current=lambda: shipped,
            alert=lambda kind, message, key, now: alerts.append((kind, message)),
            first_at=START, reports_dir=tmp_path / "reports",
        )  # fmt: skip
    duties = {duty.name: duty for duty in parts.duties}
    names = ["collect-mentions", "collect-search", "metrics", "weekly-report", DAILY_CHECKS]
    assert names == list(duties)
    daily = duties[DAILY_CHECKS].trigger.get_next_fire_time(None, START)
    assert datetime(2027, 8, 2, 10, 30, tzinfo=UTC) == daily.astimezone(UTC)  # 06:30 EDT
    assert [True, True] == [duties["weekly-report"].at_start, duties[DAILY_CHECKS].at_start]


def test_the_leading_worker_collects_through_its_duty(shipped: Snapshot, tmp_path: Path) -> None:
    """A mention fed to the sandbox is stored when the worker runs its mentions duty."""
    clock = [START]
    x = SandboxX(clock=lambda: clock[0])
    x.feed_mentions(XPost(x.new_id(), "@RecessReachOut called my senator #RecessReachOut",
                          author_id="42", created_at=START - timedelta(minutes=5)))  # fmt: skip
    with Store.open(tmp_path / "r.db") as store:
        poster = Poster(store, x, SETTINGS.caps, user_id=SANDBOX_ACCOUNT.user_id)
        parts = build_duties(
            store, x, account=SANDBOX_ACCOUNT, settings=SETTINGS, current=lambda: shipped,
            alert=poster.raise_alert, first_at=START, reports_dir=tmp_path / "reports",
        )  # fmt: skip
        worker = Worker(store, poster, lambda: shipped.posts, owner="w", clock=lambda: clock[0],
                        timings=Timings(), duties=parts.duties)  # fmt: skip
        worker.start(run_jobs=False)
        try:
            result = worker.duty_job("collect-mentions")
        finally:
            worker.shutdown()
        assert 1 == getattr(result, "new_posts", None)
        assert [(1,)] == [
            tuple(r) for r in store.query("t", "SELECT count(*) FROM collected_posts")
        ]


def test_daily_checks_alert_once_when_the_directory_is_older_than_the_posts(
    shipped: Snapshot,
) -> None:
    """August 2027 posts against a directory of the 119th Congress: one alert naming the fix."""
    raised: list[tuple[str, str]] = []
    checks = DailyChecks(SETTINGS, lambda: shipped, lambda k, m, key, now: raised.append((k, m)))
    messages = checks(START)
    assert [DIRECTORY_ALERT] == [kind for kind, _ in raised]
    assert "reachout legislators update" in messages[0]
    late = datetime(2027, 12, 1, tzinfo=UTC)  # every post is past: nothing left to warn about
    assert [] == DailyChecks(SETTINGS, lambda: shipped, lambda *a: None)(late)


def congress_settings(tmp_path: Path) -> tuple[Settings, Path]:
    data = tmp_path / "congress-calendar.yaml"
    congress_sources.write(data, official())
    urls = CongressCalendar(data, "https://votingdays.house.gov/voting-days.ics",
                            "https://www.senate.gov/legislative/{year}_schedule.xml")  # fmt: skip
    return dataclasses.replace(SETTINGS, congress_calendar=urls), data


@responses.activate
def test_daily_checks_alert_when_congress_moves_a_recess_the_campaign_relies_on(
    tmp_path: Path,
) -> None:
    """The House moves its autumn recess two weeks earlier: the alert names the posts in it,
    and the data file is left for staff to adopt (the calendar may name the old window)."""
    settings, data = congress_settings(tmp_path)
    before = data.read_bytes()
    captured = official()
    directory = Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")
    cal = recess_calendar(item("home", "2026-10-05", "Your members are home this recess."),
                          captured, includes="2026-10-05")  # fmt: skip
    posts = compose.plan(cal, directory, compose.Policy(5, 7, frozenset(), 40)).posts
    moved = house_feed(cancel=feed_days("Vote Day", "2026-09-16", "2026-10-01"))
    responses.get("https://votingdays.house.gov/voting-days.ics", body=moved)
    for year in (2026, 2027):
        url = f"https://www.senate.gov/legislative/{year}_schedule.xml"
        if year == 2026:
            responses.get(url, body=SENATE.read_bytes())
        else:
            responses.get(url, status=404)
    raised: list[tuple[str, str, str | None]] = []
    checks = DailyChecks(settings, lambda: Snapshot(cal, posts, directory),
                         lambda k, m, key, now: raised.append((k, m, key)))  # fmt: skip
    checks(datetime(2026, 9, 1, 12, tzinfo=UTC))
    congress = [r for r in raised if r[0] == CONGRESS_ALERT]
    assert 1 == len(congress)
    assert "now starts 2026-09-16, was 2026-10-02" in congress[0][1]
    assert posts[0].key in congress[0][1]
    assert "reachout congress-calendar update" in congress[0][1]
    assert before == data.read_bytes()  # not adopted behind the staff's back


@responses.activate
def test_an_unreachable_official_schedule_is_an_alert_not_a_crash(
    shipped: Snapshot, tmp_path: Path
) -> None:
    """The House feed failing keeps the old data file and raises one alert."""
    settings, data = congress_settings(tmp_path)
    before = data.read_bytes()
    responses.get("https://votingdays.house.gov/voting-days.ics", status=503)
    raised: list[str] = []
    checks = DailyChecks(settings, lambda: shipped, lambda k, m, key, now: raised.append(k))
    checks(START)
    assert CONGRESS_UNREADABLE in raised
    assert before == data.read_bytes()
