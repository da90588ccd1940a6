"""The campaign calendar's model: what a valid calendar is, once loaded.

:mod:`bot.campaign` loads ``config/calendar.yaml`` into these (and re-exports them); the
keys and formats are the table in :mod:`bot.campaign_schema`. Every datetime is aware.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from bot.campaign_schema import District
from bot.errors import Problem

MINUTE_GRACE = timedelta(seconds=59)  # a post may go out during its last allowed minute
Tagging = Literal["none", "intent", "approved"]
Position = tuple[int, int]  # 1-based (line, column)
Day = date  # PostSpec has a field named date
Chamber = Literal["senate", "house", "both"]


class OfficialSchedule(Protocol):
    """Congress's official recess windows, as the loader needs them.

    :class:`bot.congress_calendar.CongressCalendar` is one; the loader takes it as an
    argument so that a calendar can name an official window instead of typing its dates.
    """

    @property
    def file(self) -> str:
        """The data file, for messages (``data/congress-calendar.yaml``)."""
        ...

    def covers(self, chamber: str, day: date) -> bool:
        """Return True when the chamber's (``both``: each chamber's) schedule covers the day."""
        ...

    def span(self, chamber: str, day: date) -> tuple[date, date] | None:
        """Return (first, last) day of the chamber's window holding the day, or None."""
        ...


@dataclass(frozen=True)
class RecessWindow:
    """A recess (district work period): local days, both inclusive.

    Attributes:
        official: ``house``, ``senate`` or ``both`` when the window was named as Congress's
            official one (its dates come from the official schedule), else "".
        includes: the day written to name the official window (None when typed).
    """

    first_day: date
    last_day: date
    official: str = ""
    includes: date | None = None


@dataclass(frozen=True)
class Campaign:
    """Who posts, about what, where and when.

    Attributes:
        timezone: the zone of every date and time in the file.
        recess: the recess windows in file order.
        x_username: the account expected to post (no @), checked later against X.
        search_query: X recent-search query for the hashtag.
    """

    name: str
    hashtag: str
    timezone: ZoneInfo
    recess: tuple[RecessWindow, ...]
    x_username: str
    search_query: str = ""

    @property
    def timezone_name(self) -> str:
        """The IANA name of the time zone, e.g. ``America/New_York``."""
        return self.timezone.key

    def in_recess(self, day: date) -> bool:
        """Return True when a local day falls in a recess window."""
        return any(w.first_day <= day <= w.last_day for w in self.recess)


@dataclass(frozen=True)
class Caps:
    """Per-campaign caps (None: only the worker's settings apply)."""

    posts_per_day: int | None = None
    tagged_posts_per_day: int | None = None


@dataclass(frozen=True)
class Defaults:
    """What every post inherits unless it says otherwise."""

    late_ok: timedelta = timedelta(minutes=30)
    tagging: Tagging = "none"
    caps: Caps = field(default_factory=Caps)


@dataclass(frozen=True)
class Targets:
    """Which legislators a post is about; checked for form here, resolved by compose.

    Selection: every member matching *each* filter given (``states`` or ``districts``,
    ``chamber``, ``party``, ``committees``: member of any), plus ``bioguide_ids``, minus
    ``exclude``. With ``bioguide_ids`` and no filter, only those legislators.

    Attributes:
        chamber: None when not written (both chambers).
        line, column: 1-based position of the ``targets`` value.
    """

    states: tuple[str, ...] = ()
    districts: tuple[District, ...] = ()
    chamber: Chamber | None = None
    party: tuple[str, ...] = ()
    committees: tuple[str, ...] = ()
    bioguide_ids: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    line: int = 0
    column: int = 0

    @property
    def has_filters(self) -> bool:
        """True when a filter narrows "every member" (bioguide_ids and exclude do not)."""
        return bool(self.states or self.districts or self.chamber or self.party or self.committees)


@dataclass(frozen=True)
class PostSpec:
    """One calendar entry: a one-off post (``date``) or a repeating one (``every``).

    Attributes:
        id: unique slug; the ledger keys on it.
        text: the Jinja2 template as written (a ``|`` block loses its final newline).
        local_time: time of day in the campaign time zone.
        every: the weekdays as written, e.g. ("monday",) or ("day",); () when one-off.
        weekdays: Monday=0 … Sunday=6 for a repeating post.
        first_day, last_day: a repeating post's range, inclusive.
        tagging, late_ok: the effective values (the post's own, else the defaults).
        about_recess: whether the post speaks of the recess, when the calendar says so
            (None: decided from its text, see :mod:`bot.recess`).
        stagger: with ``for_each``, the time between consecutive posts of one expansion.
        intent_text: the template of the supporter's post behind ``{{ intent_url }}``;
            intent_text_at: 1-based (line, column) of its first character.
        line, column: 1-based position of the entry; text_line, text_column: of the text's
            first character, so template errors can point into the file.
        positions: 1-based (line, column) of each value written, by key; list items as
            ``"except[0]"`` and ``"targets.states[1]"``.
        spans: first and last 1-based file line of ``text`` and ``intent_text``, so template
            errors can be located in folded text too.
    """

    id: str
    text: str
    local_time: time
    date: Day | None = None
    every: tuple[str, ...] = ()
    weekdays: frozenset[int] = frozenset()
    first_day: Day | None = None
    last_day: Day | None = None
    except_dates: frozenset[Day] = frozenset()
    for_each: str | None = None
    stagger: timedelta = timedelta(minutes=5)
    intent_text: str | None = None
    intent_text_at: Position = (0, 0)
    targets: Targets | None = None
    tagging: Tagging = "none"
    approved_by: str | None = None
    late_ok: timedelta = timedelta(minutes=30)
    enabled: bool = True
    about_recess: bool | None = None
    line: int = 0
    column: int = 0
    text_line: int = 0
    text_column: int = 0
    positions: Mapping[str, Position] = field(default_factory=dict, compare=False)
    spans: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False)

    def days(self) -> list[Day]:
        """Return the local days the post goes out on, in order."""
        if self.first_day is None or self.last_day is None:
            return [self.date] if self.date else []
        count = (self.last_day - self.first_day).days + 1
        span = (self.first_day + timedelta(n) for n in range(count))
        return [d for d in span if d.weekday() in self.weekdays and d not in self.except_dates]


@dataclass(frozen=True)
class Occurrence:
    """One planned post: a post spec at one moment.

    Attributes:
        local_at: aware, in the campaign time zone.
        at_utc: the same moment, aware UTC.
    """

    post_id: str
    local_at: datetime
    at_utc: datetime
    post: PostSpec = field(compare=False, repr=False)

    @property
    def key(self) -> str:
        """The ledger key: ``"{post_id}@{at_utc ISO 8601}"``."""
        return f"{self.post_id}@{self.at_utc.isoformat()}"

    @property
    def latest_at_utc(self) -> datetime:
        """The last moment (aware UTC) it may go out: the end of the minute at_utc + late_ok.

        A timer fires some milliseconds after its second, so ``late_ok: 0m`` means "within the
        scheduled minute", not "at the exact instant" (which nothing could meet).
        """
        return self.at_utc + self.post.late_ok + MINUTE_GRACE


@dataclass(frozen=True)
class Calendar:
    """A valid calendar.

    Attributes:
        file: the file name used in messages.
        posts: the entries in file order.
        warnings: problems that do not stop the calendar (a post outside the recess, ...).
        schedule: every occurrence, disabled posts included, by at_utc then file order;
            query it with :func:`occurrences`.
        lines: the file's text lines, for locating problems found later (templates).
    """

    file: str
    campaign: Campaign
    defaults: Defaults
    posts: tuple[PostSpec, ...]
    warnings: tuple[Problem, ...] = ()
    schedule: tuple[Occurrence, ...] = field(default=(), repr=False, compare=False)
    lines: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def post(self, post_id: str) -> PostSpec | None:
        """Return the post with this id, or None."""
        return next((p for p in self.posts if p.id == post_id), None)
