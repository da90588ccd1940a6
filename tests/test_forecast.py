"""The X pay-per-use forecast: priced lines, months against the budget, polls per day.

Prices and traffic are explicit, small numbers so every figure can be worked out by hand:
a post 0.01, a post with a URL 0.20, a mention read 0.001, a search read 0.005 (US dollars);
10 mentions and 20 hashtag posts a day; our posts' metrics read for 3 days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.campaign import load_calendar
from bot.compose import PlannedPost, plan
from bot.forecast import CostForecast, forecast
from bot.legislators import Directory
from bot.settings import Budget, Forecast, Polling, Prices
from tests.conftest import PROJECT_ROOT

NEW_YORK = ZoneInfo("America/New_York")
PRICES = Prices(post=0.01, post_with_url=0.20, mention_read=0.001, search_read=0.005)
POLLING = Polling(mentions_minutes=30, search_minutes=60)
EXPECTED = Forecast(mentions_per_day=10, hashtag_posts_per_day=20, metrics_days=3)
NO_LIMIT = Budget(monthly_reads=0, monthly_dollars=0)


def planned(day: date, hour: int = 10, *, has_url: bool = False) -> PlannedPost:
    """Return a planned post at hour:00 New York time on day."""
    local_at = datetime(day.year, day.month, day.day, hour, tzinfo=NEW_YORK)
    at_utc = local_at.astimezone(UTC)
    return PlannedPost(
        key=f"p@{at_utc.isoformat()}",
        post_id="p",
        local_at=local_at,
        at_utc=at_utc,
        latest_at_utc=at_utc + timedelta(minutes=30),
        target_group="",
        text=f"post at {local_at.isoformat()}",
        weighted_length=30,
        tagging="none",
        targets=(),
        has_url=has_url,
    )


def run(
    posts: list[PlannedPost],
    first: date,
    last: date,
    *,
    budget: Budget = NO_LIMIT,
    polling: Polling = POLLING,
    expected: Forecast = EXPECTED,
) -> CostForecast:
    """Forecast with the module's prices."""
    return forecast(
        posts, first, last, prices=PRICES, polling=polling, expected=expected, budget=budget
    )


# Aug 30 - Sep 3: 2 August days, 3 September days. One plain post on Aug 30 (metrics read
# Aug 30, 31, Sep 1), one post with a URL on Sep 2 (metrics read Sep 2, 3, 4).
ACROSS_MONTHS = [planned(date(2027, 8, 30)), planned(date(2027, 9, 2), has_url=True)]
FIRST, LAST = date(2027, 8, 30), date(2027, 9, 3)


def test_lines_count_posts_reads_and_metrics() -> None:
    """Posts split by has_url; reads are per-day expectations × days; metrics posts × days."""
    posts = [planned(date(2027, 8, d)) for d in (2, 3, 4)]
    posts += [planned(date(2027, 8, d), has_url=True) for d in (5, 6)]
    result = run(posts, date(2027, 8, 2), date(2027, 8, 6))
    expected = [
        ("posts", 3, 0.01, ""),
        ("posts with a URL", 2, 0.20, "an intent link is a URL"),
        ("mention reads", 50, 0.001, "10/day × 5 days"),
        ("hashtag search reads", 100, 0.005, "20/day × 5 days"),
        ("own-post metrics reads", 15, 0.001, "5 posts × 3 days"),
    ]
    assert expected == [(x.label, x.count, x.unit_price, x.note) for x in result.lines]
    assert [0.03, 0.40, 0.05, 0.50, 0.015] == pytest.approx([x.dollars for x in result.lines])
    assert 0.995 == pytest.approx(result.total_dollars)


def test_no_linked_posts_has_no_url_note() -> None:
    """The intent-link note appears only when some post holds a URL."""
    result = run([planned(date(2027, 8, 2))], date(2027, 8, 2), date(2027, 8, 2))
    assert (0, "") == (result.lines[1].count, result.lines[1].note)


def test_posts_with_a_url_come_from_the_plan() -> None:
    """A composed post holding an intent link is priced as a post with a URL."""
    directory = Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")
    data = b"""\
campaign:
  name: T
  hashtag: "#RecessReachOut"
  timezone: America/New_York
  recess:
    - {from: 2027-08-02, until: 2027-08-06}
  x_username: RecessReachOut
posts:
  - id: linked
    date: 2027-08-03
    time: "10:00"
    targets: {states: [AK], chamber: senate}
    text: "Send yours: {{ intent_url }}"
    intent_text: "{{ handles }} please"
  - id: plain
    date: 2027-08-04
    time: "10:00"
    text: "Call {{ hashtag }}"
"""
    composed = plan(load_calendar(data, "cal.yaml"), directory)
    assert () == composed.problems
    result = run(list(composed.posts), date(2027, 8, 2), date(2027, 8, 6))
    assert [("posts", 1), ("posts with a URL", 1)] == [(x.label, x.count) for x in result.lines[:2]]


def test_months_split_a_recess_spanning_two_months() -> None:
    """Each month gets its own days' reads, its posts and their metrics reads (worked by hand).

    August: reads 2 × (10 + 20) + 2 metrics = 62; dollars 2 × (0.01 + 0.10) + 0.01 + 0.002.
    September: reads 3 × 30 + 1 + 3 metrics = 94; dollars 3 × 0.11 + 0.001 + 0.20 + 0.003.
    """
    result = run(ACROSS_MONTHS, FIRST, LAST)
    assert [("2027-08", 62), ("2027-09", 94)] == [(m.month, m.reads) for m in result.months]
    assert [0.232, 0.534] == pytest.approx([m.dollars for m in result.months])
    assert result.total_dollars == pytest.approx(sum(m.dollars for m in result.months))


def test_month_is_the_local_day_not_utc() -> None:
    """23:00 on Aug 31 in New York is Sep 1 in UTC, and is billed to August."""
    late = planned(date(2027, 8, 31), hour=23)
    assert date(2027, 9, 1) == late.at_utc.date()
    result = run([late], date(2027, 8, 31), date(2027, 8, 31), expected=Forecast(0, 0, 0))
    assert ["2027-08"] == [m.month for m in result.months]
    assert 0.01 == pytest.approx(result.months[0].dollars)


@pytest.mark.parametrize(
    ("budget", "fits"),
    [
        (Budget(monthly_reads=0, monthly_dollars=0), [True, True]),  # 0: no limit
        (Budget(monthly_reads=1000, monthly_dollars=10.0), [True, True]),
        (Budget(monthly_reads=94, monthly_dollars=0), [True, True]),  # at the limit
        (Budget(monthly_reads=1000, monthly_dollars=0.5), [True, False]),  # Sep 0.534
        (Budget(monthly_reads=90, monthly_dollars=10.0), [True, False]),  # Sep 94 reads
        (Budget(monthly_reads=60, monthly_dollars=0), [False, False]),  # Aug 62 reads
        (Budget(monthly_reads=0, monthly_dollars=0.2), [False, False]),  # Aug 0.232
    ],
    ids=[
        "no-limit", "fits", "reads-at-limit", "over-by-dollars", "over-by-reads",
        "both-months-over-reads", "both-months-over-dollars",
    ],
)  # fmt: skip
def test_each_month_against_the_budget(budget: Budget, fits: list[bool]) -> None:
    """A month fits when its dollars and its reads are within the budget (0 = no limit)."""
    result = run(ACROSS_MONTHS, FIRST, LAST, budget=budget)
    assert (fits, all(fits)) == ([m.fits for m in result.months], result.fits)


@pytest.mark.parametrize(
    ("polling", "expected"),
    [
        (Polling(mentions_minutes=30, search_minutes=60), 48 + 24),
        (Polling(mentions_minutes=15, search_minutes=15), 96 + 96),
        (Polling(mentions_minutes=7, search_minutes=1440), 205 + 1),
    ],
)
def test_polls_per_day(polling: Polling, expected: int) -> None:
    """Requests per day follow the polling intervals (they matter for rate limits, not cost)."""
    result = run(ACROSS_MONTHS, FIRST, LAST, polling=polling)
    assert expected == result.polls_per_day
    assert run(ACROSS_MONTHS, FIRST, LAST).total_dollars == pytest.approx(result.total_dollars)
