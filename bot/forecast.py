"""The X pay-per-use forecast for a planned campaign (``reachout cost``).

X charges per request (2026): a post, more for a post holding a URL, and per post *read*
(a mention read through the owned mentions timeline, a post read through recent search, our
own posts' metrics), with reads of the same post de-duplicated within a UTC day. Since the
collector reads each new post about once (paging back only to the saved ``since_id``), the
forecast counts one read per expected post, not one per poll; the polling interval sets how
many requests are made, which matters for rate limits, not for the bill.

Pure: every figure comes from the plan and the settings passed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.compose import PlannedPost
from bot.settings import Budget, Forecast, Polling, Prices


@dataclass(frozen=True)
class Line:
    """One priced line: count × unit price (US dollars) = dollars."""

    label: str
    count: int
    unit_price: float
    note: str = ""

    @property
    def dollars(self) -> float:
        """The line's cost in US dollars."""
        return self.count * self.unit_price


@dataclass(frozen=True)
class Month:
    """One calendar month of the campaign against the monthly budget.

    Attributes:
        month: ``YYYY-MM`` (campaign time zone).
        dollars: forecast spend in US dollars; reads: posts read (mentions + search + metrics).
    """

    month: str
    dollars: float
    reads: int
    fits: bool


@dataclass(frozen=True)
class CostForecast:
    """The forecast: priced lines, the total, each month against the budget."""

    first_day: date
    last_day: date
    lines: tuple[Line, ...]
    months: tuple[Month, ...]
    polls_per_day: int

    @property
    def total_dollars(self) -> float:
        """All lines, in US dollars."""
        return sum(line.dollars for line in self.lines)

    @property
    def fits(self) -> bool:
        """True when every month fits the budget."""
        return all(m.fits for m in self.months)


def forecast(
    posts: Sequence[PlannedPost],
    first_day: date,
    last_day: date,
    *,
    prices: Prices,
    polling: Polling,
    expected: Forecast,
    budget: Budget,
    days: Sequence[date] = (),
) -> CostForecast:
    """Forecast what a campaign costs on X.

    Args:
        posts: the planned posts (from :func:`bot.compose.plan`).
        first_day, last_day: the campaign's local days, inclusive (collection runs daily).
        prices: US dollars per post, per post with a URL and per post read.
        polling: minutes between mention and search polls.
        expected: expected mentions and hashtag posts per day; days of metrics refresh.
        budget: monthly reads and dollars (0: no limit).
        days: the local days collection runs (default: every day first_day..last_day); a
            campaign with several recess windows collects only in them.

    Returns:
        The priced lines, and each month against the budget.
    """
    span = (last_day - first_day).days + 1
    days = sorted(set(days)) or [first_day + timedelta(n) for n in range(span)]
    plain = [p for p in posts if not p.has_url]
    linked = [p for p in posts if p.has_url]
    per_month: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])

    def add(day: date, dollars: float, reads: float = 0) -> None:
        per_month[f"{day:%Y-%m}"][0] += dollars
        per_month[f"{day:%Y-%m}"][1] += reads

    for post in posts:
        add(post.local_at.date(), prices.post_with_url if post.has_url else prices.post)
        for n in range(expected.metrics_days):
            add(post.local_at.date() + timedelta(n), prices.mention_read, 1)
    for day in days:
        add(day, expected.mentions_per_day * prices.mention_read, expected.mentions_per_day)
        add(
            day, expected.hashtag_posts_per_day * prices.search_read, expected.hashtag_posts_per_day
        )
    n_days = len(days)
    lines = (
        Line("posts", len(plain), prices.post),
        Line(
            "posts with a URL",
            len(linked),
            prices.post_with_url,
            "an intent link is a URL" if linked else "",
        ),
        Line(
            "mention reads",
            expected.mentions_per_day * n_days,
            prices.mention_read,
            f"{expected.mentions_per_day}/day × {n_days} days",
        ),
        Line(
            "hashtag search reads",
            expected.hashtag_posts_per_day * n_days,
            prices.search_read,
            f"{expected.hashtag_posts_per_day}/day × {n_days} days",
        ),
        Line(
            "own-post metrics reads",
            len(posts) * expected.metrics_days,
            prices.mention_read,
            f"{len(posts)} posts × {expected.metrics_days} days",
        ),
    )
    months = tuple(
        Month(
            month,
            dollars,
            round(reads),
            (not budget.monthly_dollars or dollars <= budget.monthly_dollars)
            and (not budget.monthly_reads or reads <= budget.monthly_reads),
        )
        for month, (dollars, reads) in sorted(per_month.items())
    )
    polls = 24 * 60 // max(polling.mentions_minutes, 1) + 24 * 60 // max(polling.search_minutes, 1)
    return CostForecast(first_day, last_day, lines, months, polls)
