"""The campaign calendar: the strict loader, and post occurrences in UTC.

:func:`load_calendar` reads the bytes of ``config/calendar.yaml`` (format: docs/calendar.md),
checks all it can without the legislator directory, and returns a :class:`Calendar` or raises
:class:`~bot.errors.CalendarError` with *every* problem at file:line:column and a hint (and
nothing else). Keys and value formats are the table in :mod:`bot.campaign_schema`; the rules
between keys are here. Every occurrence is converted from ``campaign.timezone`` to UTC once,
refusing local times a DST change skips or repeats, so :func:`occurrences` only slices a
sorted list. A recess window may name Congress's official one (``official: house`` and
``includes: 2026-08-03``) when the loader is given the official schedule. The model
(:class:`Calendar` ...) is :mod:`bot.campaign_model`, re-exported here. Pure: no clock, no
environment, no disk (except :func:`load_calendar_file`).
"""

from __future__ import annotations

import bisect
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from yaml.nodes import MappingNode, Node, ScalarNode

from bot import campaign_schema as schema
from bot import yamlsource
from bot.campaign_model import (
    Calendar,
    Campaign,
    Caps,
    Defaults,
    Occurrence,
    OfficialSchedule,
    Position,
    PostSpec,
    RecessWindow,
    Targets,
)  # fmt: skip
from bot.campaign_schema import RULES, WEEKDAYS, District, json_schema, parse_duration, read_section
from bot.errors import CalendarError, Problem

__all__ = [
    "Calendar", "Campaign", "Caps", "Defaults", "District", "Occurrence", "OfficialSchedule",
    "PostSpec", "RecessWindow", "Targets", "json_schema", "load_calendar", "load_calendar_file",
    "occurrences", "parse_duration",
]  # fmt: skip

MAX_CALENDAR_BYTES = 512 * 1024
MAX_POSTS = 5_000
MAX_OCCURRENCES = 50_000
MAX_REPEAT_DAYS = 366
MAX_QUERY = 512  # X recent search: the longest query


def load_calendar_file(
    path: Path | str, *, official: OfficialSchedule | None = None, **limits: int
) -> Calendar:
    """Read a calendar file and load it.

    Args:
        path: the YAML file.
        official: Congress's official schedule, for recess windows that name one.
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
    return load_calendar(data, str(path), official=official, **limits)


def load_calendar(
    data: bytes,
    file: str,
    *,
    max_bytes: int = MAX_CALENDAR_BYTES,
    max_posts: int = MAX_POSTS,
    max_occurrences: int = MAX_OCCURRENCES,
    official: OfficialSchedule | None = None,
) -> Calendar:
    """Load and validate a calendar, converting every occurrence to UTC.

    Args:
        data: the file's bytes (UTF-8; UTF-16 or UTF-8 with a BOM are read too).
        file: the name used in messages.
        official: Congress's official schedule (``data/congress-calendar.yaml``); needed
            only by a recess window written ``official: house`` + ``includes: DAY``.
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
    return _Loader(source, max_posts, max_occurrences, official).calendar()


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

    def __init__(
        self,
        source: yamlsource.Source,
        max_posts: int,
        max_occurrences: int,
        official: OfficialSchedule | None = None,
    ) -> None:
        self.source, self.max_posts, self.max_occurrences = source, max_posts, max_occurrences
        self.official = official
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
        typed, named = nodes.keys() & {"from", "until"}, nodes.keys() & {"official", "includes"}
        if typed and named:
            self.at(nodes.get("official") or nodes["includes"], "recess_both", what=what)
        elif len(typed | named) != 2:
            self.at(node, "recess_form", what=what)
        if len(values) < 2 or (typed and named) or len(typed | named) != 2:
            return None
        if named:
            window = self.official_window(values["official"], values["includes"], nodes, what)
        else:
            window = RecessWindow(values["first_day"], values["last_day"])
            if window.last_day < window.first_day:
                first, last = window.first_day, window.last_day
                self.at(nodes["until"], "until_before_from", first=first, last=last)
        overlaps = (
            n for n, w in enumerate(earlier, 1)
            if w and window and w.first_day <= window.last_day and window.first_day <= w.last_day
        )  # fmt: skip
        if other := next(overlaps, 0):
            self.at(node, "overlap", warn=True, index=index, other=other)
        return window

    def official_window(
        self, chamber: str, day: date, nodes: dict[str, Node], what: str
    ) -> RecessWindow | None:
        """Resolve ``official`` + ``includes`` against Congress's official schedule."""
        name = {"house": "House", "senate": "Senate", "both": "House and Senate"}[chamber]
        file = self.official.file if self.official else "data/congress-calendar.yaml"
        if self.official is None:
            self.at(nodes["official"], "no_official", what=what, chamber=name, file=file)
        elif not self.official.covers(chamber, day):
            self.at(nodes["includes"], "official_uncovered", chamber=name, file=file, year=day.year)
        elif (span := self.official.span(chamber, day)) is None:
            self.at(nodes["includes"], "not_official", day=day, chamber=name, file=file)
        else:
            return RecessWindow(span[0], span[1], chamber, day)
        return None

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
