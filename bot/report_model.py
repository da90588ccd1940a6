"""The weekly report's data model: frozen values built by bot.report_data, shown by bot.report.

Times are aware UTC; days are local days in the campaign time zone; money is US dollars.
Text fields hold what the store holds (staff's or strangers' text): every output format
cleans and escapes it (bot.report_period.clean_text, then autoescaping / CSV / Markdown rules).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple, Protocol

from bot.report_period import Period, post_url

OUTCOMES = ("posted", "refused", "missed", "skipped", "pending", "upcoming", "no record")
"""What became of a post, in report order; ``refused``: X refused it (duplicate content,
credentials); ``pending``: being sent or retried; ``no record``: its time passed and the
ledger has no row (the worker was not running)."""


class Planned(Protocol):
    """A planned post (bot.compose.PlannedPost, or the simulation's own)."""

    @property
    def key(self) -> str: ...
    @property
    def post_id(self) -> str: ...
    @property
    def at_utc(self) -> datetime: ...
    @property
    def target_group(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def has_url(self) -> bool: ...


class Metrics(NamedTuple):
    """Public metrics of a post as last read (impressions None when X did not say)."""

    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    impressions: int | None = None


@dataclass(frozen=True)
class PostOutcome:
    """One of our posts in the period: what was planned and what happened (times aware UTC).

    ``outcome`` is one of :data:`OUTCOMES`, ``state`` the ledger state ("" without a row),
    ``reason`` why it did not go out, ``in_plan`` False for a ledger row the current
    calendar no longer holds, ``metrics`` None until read.
    """

    key: str
    item_id: str
    scheduled_at: datetime
    target_group: str
    text: str
    outcome: str
    state: str
    reason: str
    x_post_id: str | None
    posted_at: datetime | None
    url: str | None
    metrics: Metrics | None
    in_plan: bool


class CollectedPost(NamedTuple):
    """A post read from X (``created_at`` aware UTC); ``tagged``: bioguide ids it @-tags.

    A NamedTuple, not a dataclass: a week may hold a million of these, streamed into
    mentions.csv, and a tuple is several times cheaper to make.
    """

    post_id: str
    created_at: datetime
    author_username: str | None
    text: str
    metrics: Metrics
    mentions_account: bool
    has_hashtag: bool
    legislator_bioguide_id: str | None
    replies_to_post_id: str | None
    quotes_post_id: str | None
    tagged: tuple[str, ...]

    @property
    def url(self) -> str | None:
        """Its link on x.com (None for an id that is not numeric)."""
        return post_url(self.post_id, self.author_username)


@dataclass(frozen=True)
class DayCount:
    """One local day: posts collected, mentions, hashtag posts, legislators' responses."""

    day: date
    collected: int
    mentions: int
    hashtag_posts: int
    responses: int


DAILY_UP_TO = 60
"""A period of up to this many days is shown per day; longer ones per ISO week."""
WEEKLY_UP_TO = 182
"""A period of up to this many days is shown per ISO week; longer ones per calendar month."""


@dataclass(frozen=True)
class SpanCount:
    """A run of local days shown as one row or bar: a day, an ISO week or a calendar month.

    Weeks and months are cut to the period at its ends. ``unit`` is ``day``, ``week`` or
    ``month``; the counts are summed over the days (see :class:`DayCount`).
    """

    unit: str
    first_day: date
    last_day: date
    collected: int
    mentions: int
    hashtag_posts: int
    responses: int

    @property
    def label(self) -> str:
        """``Mon 2 Aug``, ``2 Aug – 8 Aug`` (a week) or ``Aug 2027`` (a month)."""
        first, last = self.first_day, self.last_day
        if self.unit == "month":
            return f"{first:%b %Y}"
        if self.unit == "week":
            return f"{first.day} {first:%b} – {last.day} {last:%b}"
        return f"{first:%a} {first.day} {first:%b}"


def group_days(days: Sequence[DayCount]) -> tuple[SpanCount, ...]:
    """Sum days into spans: per day up to DAILY_UP_TO days, per ISO week up to WEEKLY_UP_TO,
    else per calendar month (a year is 12 or 13 bars, not 366); in day order."""
    unit = "day" if len(days) <= DAILY_UP_TO else "week" if len(days) <= WEEKLY_UP_TO else "month"
    groups: dict[tuple[int, int], list[DayCount]] = {}
    for d in days:
        if unit == "day":
            key = (d.day.toordinal(), 0)
        elif unit == "week":
            key = (d.day.isocalendar().year, d.day.isocalendar().week)
        else:
            key = (d.day.year, d.day.month)
        groups.setdefault(key, []).append(d)
    return tuple(
        SpanCount(unit, group[0].day, group[-1].day, sum(d.collected for d in group),
                  sum(d.mentions for d in group), sum(d.hashtag_posts for d in group),
                  sum(d.responses for d in group))
        for group in groups.values()
    )  # fmt: skip


@dataclass(frozen=True)
class Totals:
    """The period's headline figures (compared with the previous period)."""

    posts_planned: int = 0
    posts_posted: int = 0
    collected: int = 0
    mentions: int = 0
    hashtag_posts: int = 0
    authors: int = 0
    tags: int = 0
    legislators_tagged: int = 0
    responses: int = 0
    states_reached: int = 0


@dataclass(frozen=True)
class LegislatorTally:
    """A legislator's period: supporter posts tagging them, distinct taggers, responses."""

    bioguide_id: str
    name: str
    chamber: str
    state: str
    district: int | None
    tags: int
    supporters: int
    responses: int

    @property
    def seat(self) -> str:
        """``FL-Sen``, ``NY-12``, ``AK-AL``, or ``?`` for someone not in the directory."""
        if not self.state:
            return "?"
        if self.chamber == "senate":
            return f"{self.state}-Sen"
        return f"{self.state}-{self.district or 'AL'}"


@dataclass(frozen=True)
class StateTally:
    """A state's period: legislators tagged, tags, responses ("" = not in the directory)."""

    state: str
    legislators_tagged: int
    tags: int
    responses: int


@dataclass(frozen=True)
class Response:
    """A legislator's post in the period: the headline of the report."""

    post: CollectedPost
    legislator: LegislatorTally
    to_our_post: bool


@dataclass(frozen=True)
class Gap:
    """A span collection could not read (aware UTC) and X's estimate of posts missed."""

    source: str
    start_at: datetime
    end_at: datetime
    reason: str
    missing_estimate: int | None


@dataclass(frozen=True)
class Completeness:
    """Whether the period's numbers can be trusted.

    Attributes:
        gaps: collection gaps overlapping the period.
        errors: collection errors in the period, by source.
        last_success: per source, the last successful poll (aware UTC) or None.
        finished: the period ended before the report was made.
    """

    gaps: tuple[Gap, ...]
    errors: Mapping[str, int]
    last_success: Mapping[str, datetime | None]
    finished: bool

    @property
    def error_count(self) -> int:
        """All collection errors in the period."""
        return sum(self.errors.values())

    @property
    def missing_estimate(self) -> int:
        """Posts X estimated we missed, summed over the gaps that said."""
        return sum(g.missing_estimate or 0 for g in self.gaps)


@dataclass(frozen=True)
class Spend:
    """X pay-per-use spend in US dollars: the period and its month to date, against the budget.

    ``month`` is the campaign-local calendar month holding the period's last day, from its
    first day to the period's end.
    """

    reads_dollars: float
    reads: int
    posts_dollars: float
    posts: int
    month: str
    month_reads_dollars: float
    month_reads: int
    month_posts_dollars: float
    budget_dollars: float
    budget_reads: int

    @property
    def dollars(self) -> float:
        """The period's total."""
        return self.reads_dollars + self.posts_dollars

    @property
    def month_dollars(self) -> float:
        """The month's total so far."""
        return self.month_reads_dollars + self.month_posts_dollars


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, for one period (built by :func:`build_report_data`)."""

    period: Period
    generated_at: datetime
    campaign: str
    account: str
    posts: tuple[PostOutcome, ...]
    outcomes: Mapping[str, int]
    days: tuple[DayCount, ...]
    totals: Totals
    previous: Totals
    legislators: tuple[LegislatorTally, ...]
    states: tuple[StateTally, ...]
    responses: tuple[Response, ...]
    top_posts: tuple[CollectedPost, ...]
    completeness: Completeness
    spend: Spend
    notes: tuple[str, ...] = field(default=())

    @property
    def spans(self) -> tuple[SpanCount, ...]:
        """The days grouped for showing: per day, ISO week or month (:func:`group_days`)."""
        return group_days(self.days)

    @property
    def empty(self) -> bool:
        """Nothing planned, posted or collected in the period: "nothing happened yet"."""
        return not self.posts and not self.totals.collected
