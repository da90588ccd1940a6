"""The campaign calendar: its model, the strict loader, and post occurrences in UTC.

:func:`load_calendar` reads the bytes of ``config/calendar.yaml`` (format: docs/calendar.md),
checks all it can without the legislator directory, and returns a :class:`Calendar` or raises
:class:`~bot.errors.CalendarError` with *every* problem at file:line:column and a hint (and
nothing else). Keys and value formats are the table in :mod:`bot.campaign_schema`; the rules
between keys are here. Every occurrence is converted from ``campaign.timezone`` to UTC once,
refusing local times a DST change skips or repeats, so :func:`occurrences` only slices a
sorted list. Pure: no clock, no environment, no disk (except :func:`load_calendar_file`).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from yaml.nodes import MappingNode, Node, ScalarNode

from bot import campaign_schema as schema
from bot import yamlsource
from bot.campaign_schema import RULES, WEEKDAYS, District, json_schema, parse_duration, read_section
from bot.errors import CalendarError, Problem

__all__ = [
    "Calendar", "Campaign", "Caps", "Defaults", "District", "Occurrence", "PostSpec",
    "RecessWindow", "Targets", "json_schema", "load_calendar", "load_calendar_file",
    "occurrences", "parse_duration",
]  # fmt: skip

MAX_CALENDAR_BYTES = 512 * 1024
MAX_POSTS = 5_000
MAX_OCCURRENCES = 50_000
MAX_REPEAT_DAYS = 366
MAX_QUERY = 512  # X recent search: the longest query
MINUTE_GRACE = timedelta(seconds=59)  # a post may go out during its last allowed minute
Tagging = Literal["none", "intent", "approved"]
Position = tuple[int, int]  # 1-based (line, column)
Day = date  # PostSpec has a field named date
Chamber = Literal["senate", "house", "both"]


@dataclass(frozen=True)
class RecessWindow:
    """A recess (district work period): local days, both inclusive."""

    first_day: date
    last_day: date


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


def load_calendar_file(path: Path | str, **limits: int) -> Calendar:
    """Read a calendar file and load it.

    Args:
        path: the YAML file.
        **limits: ``max_bytes``, ``max_posts`` or ``max_occurrences`` (see load_calendar).

    Returns:
        The calendar.

    Raises:
        CalendarError: the file cannot be read, or has problems.
    """
    hint = "check the path (settings: calendar) and that the file is readable"
    max_bytes = limits.get("max_bytes", MAX_CALENDAR_BYTES)
    data = yamlsource.read_file(path, str(path), max_bytes=max_bytes, error=CalendarError,
                                what="the calendar", hint=hint)  # fmt: skip
    return load_calendar(data, str(path), **limits)


def load_calendar(
    data: bytes,
    file: str,
    *,
    max_bytes: int = MAX_CALENDAR_BYTES,
    max_posts: int = MAX_POSTS,
    max_occurrences: int = MAX_OCCURRENCES,
) -> Calendar:
    """Load and validate a calendar, converting every occurrence to UTC.

    Args:
        data: the file's bytes (UTF-8; UTF-16 or UTF-8 with a BOM are read too).
        file: the name used in messages.
        max_bytes: refuse larger files.
        max_posts: refuse more entries under ``posts``.
        max_occurrences: refuse calendars planning more occurrences in all.

    Returns:
        The calendar, with its warnings.

    Raises:
        CalendarError: with every problem found, in file order.
    """
    source = yamlsource.load(data, file, max_bytes=max_bytes, error=CalendarError)
    if source.root is None:
        hint = "restore it: an empty file never means 'delete every post'; the last good one stays"
        raise CalendarError([Problem(file, 0, 0, "the calendar is empty", hint)])
    return _Loader(source, max_posts, max_occurrences).calendar()


def occurrences(
    calendar: Calendar,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    include_disabled: bool = False,
) -> list[Occurrence]:
    """Return the occurrences with start <= at_utc < end, in chronological order.

    Args:
        calendar: a loaded calendar.
        start: aware datetime (any zone), inclusive; None: from the first.
        end: aware datetime, exclusive; None: to the last.
        include_disabled: also return occurrences of posts with ``enabled: false``.

    Returns:
        Occurrences by at_utc, ties in file order.

    Raises:
        ValueError: start or end is naive.
    """
    if any(bound is not None and bound.utcoffset() is None for bound in (start, end)):
        raise ValueError("occurrences() needs aware datetimes")
    schedule = calendar.schedule
    low = 0 if start is None else bisect.bisect_left(schedule, start, key=attrgetter("at_utc"))
    high = (
        len(schedule)
        if end is None
        else bisect.bisect_left(schedule, end, key=attrgetter("at_utc"))
    )
    return [o for o in schedule[low:high] if include_disabled or o.post.enabled]


class _Loader:
    """One pass over a parsed calendar, collecting problems (in the reader) and warnings."""

    def __init__(self, source: yamlsource.Source, max_posts: int, max_occurrences: int) -> None:
        self.source, self.max_posts, self.max_occurrences = source, max_posts, max_occurrences
        self.reader = yamlsource.Reader(source)
        self.warnings: list[Problem] = []
        self.utc_cache: dict[datetime, tuple[datetime, str]] = {}

    def at(self, where: Node | Position, rule: str, warn: bool = False, **fields: object) -> None:
        """Record the problem (or warning) named by a key of RULES at a node or position."""
        message, hint = (part.format(**fields) for part in RULES[rule].split(" — "))
        line, column = where if isinstance(where, tuple) else yamlsource.position(where)
        found = Problem(self.source.file, line, column, message, hint)
        (self.warnings if warn else self.reader.problems).append(found)

    def calendar(self) -> Calendar:
        root, fields = self.source.root, schema.CALENDAR_FIELDS
        _, nodes, _ = read_section(self.reader, root, fields, "the calendar")
        campaign = self.campaign(nodes["campaign"]) if "campaign" in nodes else None
        defaults = self.defaults(nodes["defaults"]) if "defaults" in nodes else Defaults()
        items = self.items(nodes.get("posts"), "posts", self.max_posts)
        posts = self.posts(items, defaults)
        schedule = self.schedule(posts, campaign, nodes.get("posts")) if campaign else ()
        if campaign is None or self.reader.problems:
            raise CalendarError(self.reader.problems or [Problem(self.source.file, 0, 0, "?")])
        if defaults.caps.posts_per_day is not None:
            self.caps_warning(schedule, defaults.caps.posts_per_day, nodes["defaults"])
        warnings = tuple(sorted(self.warnings, key=lambda p: (p.line, p.column)))
        lines = tuple(self.source.text.splitlines())
        return Calendar(
            self.source.file, campaign, defaults, tuple(posts), warnings, schedule, lines
        )

    def items(self, node: Node | None, key: str, limit: int) -> list[Node]:
        """Return a list's items, reporting an empty list and (at once) one over the limit."""
        items = self.reader.sequence(node, key) if node is not None else []
        if node is not None and len(items) > limit:
            self.at(node, "too_many", key=key, count=len(items), limit=limit)
            raise CalendarError(self.reader.problems)
        if node is not None and not items and not isinstance(node, ScalarNode):
            self.at(node, "no_items", key=key)
        return items

    def campaign(self, node: Node) -> Campaign | None:
        values, nodes, _ = read_section(self.reader, node, schema.CAMPAIGN_FIELDS, "campaign")
        items = self.items(nodes.get("recess"), "recess", self.max_posts)
        windows: list[RecessWindow | None] = []
        for index, item in enumerate(items, 1):
            windows.append(self.window(item, index, windows))
        needed = {"name", "hashtag", "timezone", "x_username"}
        if not windows or None in windows or not needed <= values.keys():
            return None
        query = values.setdefault("search_query", f"{values['hashtag']} -is:retweet")
        if len(query) > MAX_QUERY:
            where = nodes.get("search_query", nodes["hashtag"])
            self.at(where, "long_query", length=len(query), limit=MAX_QUERY)
        return Campaign(**values, recess=tuple(w for w in windows if w))

    def window(
        self, node: Node, index: int, earlier: list[RecessWindow | None]
    ) -> RecessWindow | None:
        what = f"recess window {index}"
        values, nodes, _ = read_section(self.reader, node, schema.RECESS_FIELDS, what)
        if len(values) < 2:
            return None
        first, last = values["first_day"], values["last_day"]
        if last < first:
            self.at(nodes["until"], "until_before_from", first=first, last=last)
        overlaps = (
            n for n, w in enumerate(earlier, 1) if w and w.first_day <= last and first <= w.last_day
        )
        if other := next(overlaps, 0):
            self.at(node, "overlap", warn=True, index=index, other=other)
        return RecessWindow(first, last)

    def defaults(self, node: Node) -> Defaults:
        values, nodes, _ = read_section(self.reader, node, schema.DEFAULTS_FIELDS, "defaults")
        if "caps" in nodes:
            caps = read_section(self.reader, nodes["caps"], schema.CAPS_FIELDS, "caps")[0]
            values["caps"] = Caps(**caps)
        return Defaults(**values)

    def posts(self, items: list[Node], defaults: Defaults) -> list[PostSpec]:
        posts: list[PostSpec] = []
        first_lines: dict[str, int] = {}  # post id → line of its first entry
        for index, item in enumerate(items, 1):
            before = len(self.reader.problems)
            post, id_node = self.post(item, index, defaults), schema.peek(item, "id")
            if post is None and len(self.reader.problems) == before:  # never drop one silently
                self.at(item, "dropped", index=index)
            post_id = id_node.value if isinstance(id_node, ScalarNode) else ""
            if id_node and post_id in first_lines:
                self.at(id_node, "same_id", id=post_id, line=first_lines[post_id])
                continue
            first_lines[post_id] = yamlsource.position(item)[0]
            posts += [post] if post else []
        return posts

    def post(self, item: Node, index: int, defaults: Defaults) -> PostSpec | None:
        post_id = schema.peek(item, "id")
        named = isinstance(post_id, ScalarNode) and post_id.value
        what = f"post '{post_id.value}'" if named and post_id else f"post {index}"
        values, nodes, positions = read_section(self.reader, item, schema.POST_FIELDS, what)
        complete = len(values) == len(nodes.keys() - {"targets"})  # every value was readable
        if "targets" in nodes:
            values["targets"] = self.targets(nodes["targets"], what, positions)
        tagging = values.setdefault("tagging", defaults.tagging)
        if tagging == "approved" and "approved_by" not in nodes:
            self.at(nodes.get("tagging", item), "no_approval", what=what)
        elif tagging != "approved" and "approved_by" in nodes:
            self.at(nodes["approved_by"], "unused_approval", warn=True)
        if "text" in nodes and schema.is_folded(nodes["text"]):
            self.at(nodes["text"], "folded", warn=True)
        usable = self.schedule_ok(values, nodes, item, what) and values.get("targets", 1)
        if not usable or not complete or not {"id", "text", "local_time"} <= values.keys():
            return None
        every, skipped = values.get("every", ()), values.get("except_dates", ())
        weekdays = frozenset(range(7) if "day" in every else map(WEEKDAYS.index, every))
        first, last = values.get("first_day"), values.get("last_day")
        for index, day in enumerate(skipped):
            if first and last and not (first <= day <= last and day.weekday() in weekdays):
                self.at(
                    positions[f"except[{index}]"], "unused_except", warn=True, what=what, day=day
                )
        values.update(weekdays=weekdays, except_dates=frozenset(skipped), positions=positions)
        values.setdefault("late_ok", defaults.late_ok)
        line, column = yamlsource.position(item)
        text_line, text_column = schema.text_start(nodes["text"], self.reader)
        if "intent_text" in nodes:
            values["intent_text_at"] = schema.text_start(nodes["intent_text"], self.reader)
        values["spans"] = {
            k: (n.start_mark.line + 1, n.end_mark.line + 1)
            for k, n in nodes.items()
            if k in ("text", "intent_text")
        }
        return PostSpec(
            **values, line=line, column=column, text_line=text_line, text_column=text_column
        )

    def schedule_ok(
        self, values: dict[str, Any], nodes: dict[str, Node], item: Node, what: str
    ) -> bool:
        """Check date / every + from + until; return True when the schedule is usable."""
        before = len(self.reader.problems)
        if "date" in nodes and "every" in nodes:
            self.at(nodes["every"], "date_and_every", what=what)
        elif "date" in nodes:
            for key in (k for k in ("from", "until", "except") if k in nodes):
                self.at(nodes[key], "only_repeating", key=key)
        elif "every" in nodes:
            for key in (k for k in ("from", "until") if k not in nodes):
                self.at(nodes["every"], "needs_range", key=key)
            first, last = values.get("first_day"), values.get("last_day")
            if first and last and last < first:
                self.at(nodes["until"], "until_before_from", first=first, last=last)
            elif first and last and (last - first).days >= MAX_REPEAT_DAYS:
                self.at(nodes["until"], "too_long", what=what, days=MAX_REPEAT_DAYS)
        elif isinstance(item, MappingNode):
            self.at(item, "no_schedule", what=what)
        return len(self.reader.problems) == before

    def targets(self, node: Node, what: str, positions: dict[str, Position]) -> Targets | None:
        values, nodes, where = read_section(
            self.reader, node, schema.TARGETS_FIELDS, f"targets of {what}"
        )
        positions.update({f"targets.{key}": at for key, at in where.items()})
        if isinstance(node, MappingNode) and not node.value:
            self.at(node, "no_targets")
        elif values.get("chamber") == "senate" and "districts" in values:
            self.at(nodes["chamber"], "senate_seats")
        elif len(values) == len(nodes):
            line, column = yamlsource.position(node)
            return Targets(**values, line=line, column=column)
        return None

    def schedule(
        self, posts: list[PostSpec], campaign: Campaign, posts_node: Node | None
    ) -> tuple[Occurrence, ...]:
        zone, planned = campaign.timezone, list[tuple[datetime, int, Occurrence]]()
        for order, post in enumerate(posts):
            days = post.days()
            outside = [day for day in days if not campaign.in_recess(day)]
            if outside:
                many = f" on {len(outside)} day(s), first {outside[0]}" if post.every else ""
                where = post.positions["every" if post.every else "date"]
                self.at(where, "outside_recess", warn=True, what=f"post '{post.id}'", days=many)
            if not days:
                span = f"{' or '.join(post.every)} from {post.first_day} until {post.last_day}"
                self.at(post.positions["every"], "never", what=f"post '{post.id}'", span=span)
            for day in days:
                naive = datetime.combine(day, post.local_time)
                if naive not in self.utc_cache:
                    self.utc_cache[naive] = schema.local_to_utc(naive, zone)
                at_utc, trouble = self.utc_cache[naive]
                if trouble:
                    self.dst_problem(post, naive, trouble, zone)
                else:
                    occurrence = Occurrence(post.id, naive.replace(tzinfo=zone), at_utc, post)
                    planned.append((at_utc, order, occurrence))
            if len(planned) > self.max_occurrences and posts_node is not None:
                self.at(posts_node, "too_many_occurrences", limit=self.max_occurrences)
                break
        planned.sort(key=lambda entry: entry[:2])
        return tuple(entry[2] for entry in planned)

    def dst_problem(self, post: PostSpec, naive: datetime, trouble: str, zone: ZoneInfo) -> None:
        later = naive + timedelta(minutes=30)  # suggest the next half hour that happens once
        while schema.local_to_utc(later, zone)[1]:
            later += timedelta(minutes=30)
        both = (naive.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
        utc = " and ".join(f"{at:%H:%M}" for at in both)
        fix = f"e.g. {later:%H:%M}" + ("" if post.date else f", or add {naive.date()} to except")
        when = f"{naive:%H:%M} on {naive:%A} {naive.date()}"
        self.at(post.positions["time"], trouble, when=when, zone=zone.key, utc=utc, fix=fix)

    def caps_warning(self, schedule: tuple[Occurrence, ...], cap: int, defaults: Node) -> None:
        per_day = Counter(
            o.local_at.date() for o in schedule if o.post.enabled and not o.post.for_each
        )
        over = sorted(day for day, count in per_day.items() if count > cap)
        if over:
            first = f"{over[0]}: {per_day[over[0]]}"
            where = schema.peek(schema.peek(defaults, "caps"), "posts_per_day") or defaults
            self.at(where, "over_cap", warn=True, days=len(over), cap=cap, first=first)
