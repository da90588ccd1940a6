"""The legislator directory's date: the days it is out of date for, and why.

``data/legislators.yaml`` is a snapshot: it records when its data was built (``built_at``)
and each member's current term (``term_start``, ``term_end``). A Congress begins on
January 3 of an odd year (20th Amendment): every House term and a third of the Senate's end
at noon that day, and the public data catches up over weeks (committee assignments are
emptied at the switch and refilled over one to four months; new members' X handles arrive
weeks later, or never). So for a day the directory can be out of date in four ways:

- a target's term has ended by that day (``term_end <= day``: a term ends at noon on its
  last day, so that whole day counts, to be safe);
- the day falls in a Congress the directory does not hold (its newest House term began in
  an earlier one): targets, committee seats and handles are the old Congress's;
- a targeted committee has no members (emptied at a changeover);
- a target began the term less than :data:`HANDLE_LAG` before the data was built and has
  no X handle in it (it may have arrived since).

Every warning names the refresh command, :data:`REFRESH_COMMAND`. ``compose.plan`` warns
per calendar post (``validate``, ``preview``, ``simulate``); :func:`directory_alerts` is
for the worker, at start and daily. Pure: days in, facts and sentences out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.legislators import Directory, Legislator
from bot.targets import human_list, title

REFRESH_COMMAND = "reachout legislators update"
REFRESH_HINT = f"refresh the directory: {REFRESH_COMMAND}"
HANDLE_LAG = timedelta(days=120)  # new members' handles: weeks, or months, after they start
EXAMPLES = 3  # members named in a message; the rest are counted


def ordinal(number: int) -> str:
    """Return ``119th``, ``121st``, ``122nd``, ``123rd``, ``111th``..."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
    return f"{number}{suffix or 'th'}"


def congress_number(day: date) -> int:
    """Return the Congress in session on a day (the 119th: 2025-01-03 to 2027-01-02).

    Valid from the 74th Congress (1935) on, since Congresses begin on January 3.
    """
    start = day.year if day.year % 2 else day.year - 1
    if day < date(start, 1, 3):
        start -= 2
    return (start - 1789) // 2 + 1


def congress_start(number: int) -> date:
    """Return the day a Congress begins (January 3 of an odd year; the 120th: 2027-01-03)."""
    return date(1789 + 2 * (number - 1), 1, 3)


def term_ended(member: Legislator, day: date) -> bool:
    """Return True when the member's current term has ended by that day (its end day counts)."""
    return member.term_end <= day


@dataclass(frozen=True)
class Staleness:
    """How the directory is out of date for one day and some members.

    Attributes:
        day: the day, e.g. an occurrence's local date.
        congress: the Congress in session that day.
        loaded: the Congress the directory holds (of its newest House term); None if empty.
        ended: of the members asked about, those whose term has ended by ``day``.
        emptied: of the committees asked about, those with no members (ids).
        unhandled: of the members asked about, those without an X handle who began the term
            less than :data:`HANDLE_LAG` before the directory was built.
    """

    day: date
    congress: int
    loaded: int | None
    ended: tuple[Legislator, ...] = ()
    emptied: tuple[str, ...] = ()
    unhandled: tuple[Legislator, ...] = ()

    @property
    def new_congress(self) -> bool:
        """True when the day is in a Congress after the one the directory holds."""
        return self.loaded is not None and self.congress > self.loaded

    @property
    def stale(self) -> bool:
        """True when the directory is out of date in any way for this day."""
        return self.new_congress or bool(self.ended or self.emptied or self.unhandled)

    def note(self) -> str | None:
        """Return one line for the day's post in a preview (None: nothing to note)."""
        reasons = [f"it holds the {ordinal(self.loaded or 0)} Congress"] * self.new_congress
        if self.ended:
            reasons.append(f"term{'s' * (len(self.ended) > 1)} ended: {who(self.ended)}")
        if self.emptied:
            reasons.append(f"no members on {', '.join(self.emptied)}")
        if not reasons:
            return None
        return (
            f"directory out of date for {self.day}: {'; '.join(reasons)} — run: {REFRESH_COMMAND}"
        )


class DirectoryDates:
    """A directory's dates, worked out once: the Congress it holds, its empty committees."""

    def __init__(self, directory: Directory) -> None:
        """Read the directory (data/legislators.yaml as loaded) for its terms and committees."""
        self.directory = directory
        house = [m.term_start for m in directory.members if m.chamber == "house"]
        starts = house or [m.term_start for m in directory.members]
        self.loaded = congress_number(max(starts)) if starts else None
        self._empty: dict[str, bool] = {}

    def staleness(
        self,
        day: date,
        members: Sequence[Legislator] = (),
        committees: Iterable[str] = (),
        *,
        handles: bool = True,
    ) -> Staleness:
        """Return how the directory is out of date for a day.

        Args:
            day: the day (an occurrence's local date).
            members: the members the day's post is about.
            committees: the committees it targets (ids or names, as in the calendar).
            handles: whether the post uses X handles (False for ``tagging: none``).
        """
        ended = tuple(m for m in members if term_ended(m, day))
        ids = dict.fromkeys(c for key in committees for c in self.directory.committee_ids(key))
        for cid in ids:
            if cid not in self._empty:
                self._empty[cid] = not self.directory.by_committee(cid)
        built = self.directory.built_at.date() if self.directory.built_at else None
        unhandled = tuple(
            m
            for m in members
            if handles and not m.x and built and timedelta(0) <= built - m.term_start < HANDLE_LAG
        )
        emptied = tuple(cid for cid in ids if self._empty[cid])
        return Staleness(day, congress_number(day), self.loaded, ended, emptied, unhandled)


def staleness(
    directory: Directory,
    day: date,
    members: Sequence[Legislator] = (),
    committees: Iterable[str] = (),
    *,
    handles: bool = True,
) -> Staleness:
    """Return how the directory is out of date for one day (see :class:`DirectoryDates`)."""
    return DirectoryDates(directory).staleness(day, members, committees, handles=handles)


def directory_facts(directory: Directory, today: date) -> list[str]:
    """Return what a directory's dates mean today, for ``legislators update``.

    Args:
        directory: the directory as built (data/legislators.yaml).
        today: the local date.

    Returns:
        Lines: the Congress it holds and when its House terms end; then, when it applies,
        that a newer Congress has begun, members still listed whose term has ended, and
        committees without members.
    """
    dates = DirectoryDates(directory)
    if dates.loaded is None:
        return []
    built = f" (data of {directory.built_at:%Y-%m-%d})" if directory.built_at else ""
    house = [m.term_end for m in directory.members if m.chamber == "house"]
    ends = f", whose House terms end {max(house)}" if house else ""
    out = [f"the directory holds the {ordinal(dates.loaded)} Congress{built}{ends}"]
    if (congress := congress_number(today)) > dates.loaded:
        out.append(
            f"the {ordinal(congress)} Congress began {congress_start(congress)}: the upstream "
            "data has not caught up yet; run this again in a few days"
        )
    if ended := [m for m in directory.members if term_ended(m, today)]:
        out.append(f"members listed whose term has ended by {today}: {len(ended)} ({who(ended)})")
    empty = [c for c in directory.committees.values() if not directory.by_committee(c.committee_id)]
    if empty:
        full = sum(not c.parent_id for c in empty)
        out.append(
            f"committees without members: {len(empty)}, {full} of them full committees "
            f"({some([c.committee_id for c in empty])})"
        )
    return out


def who(members: Iterable[Legislator], *, dated: bool = True) -> str:
    """Name a few members with their term end and count the rest (``Sen. A and 2 more``)."""
    ordered = sorted(members, key=lambda m: m.term_end)
    ends = {m.term_end for m in ordered}
    shown = [title(m) + (f" ({m.term_end})" if dated and len(ends) > 1 else "") for m in ordered]
    return some(shown) + (f" ({ends.pop()})" if dated and len(ends) == 1 else "")


def some(items: Sequence[str]) -> str:
    """Join the first :data:`EXAMPLES` items for prose, count the rest: ``a, b, c and 4 more``."""
    more = len(items) - EXAMPLES
    return human_list([*items[:EXAMPLES], f"{more} more"] if more > 0 else items)


class DatedPost(Protocol):
    """What :func:`directory_alerts` reads of a planned post (``compose.PlannedPost``)."""

    @property
    def post_id(self) -> str: ...
    @property
    def local_at(self) -> datetime: ...
    @property
    def latest_at_utc(self) -> datetime: ...
    @property
    def tagging(self) -> str: ...
    @property
    def targets(self) -> tuple[str, ...]: ...
    @property
    def tagged(self) -> tuple[str, ...]: ...


@dataclass
class _Seen:
    """What one calendar post's occurrences met."""

    first: date
    last: date
    targets: set[str] = field(default_factory=set)
    ended: dict[str, Legislator] = field(default_factory=dict)
    ended_from: date | None = None
    emptied: set[str] = field(default_factory=set)
    unhandled: dict[str, Legislator] = field(default_factory=dict)
    refused: int = 0


class DateCheck:
    """Collects, occurrence by occurrence, where the directory is out of date; then warns
    once per calendar post, and once for the whole plan when a Congress is missing."""

    def __init__(self, directory: Directory) -> None:
        """Start a check against a directory (data/legislators.yaml as loaded)."""
        self.dates = DirectoryDates(directory)
        self.built_at = directory.built_at
        self.seen: dict[str, _Seen] = {}
        self.new_congress: list[date] = []  # days of occurrences in a Congress not held

    def check(
        self, post: DatedPost, members: Sequence[Legislator], committees: Iterable[str] = ()
    ) -> tuple[str | None, tuple[str, ...]]:
        """Record one occurrence of a targeted post.

        Args:
            post: the occurrence as planned (its local date, tagging and @-tags are read).
            members: its targets.
            committees: the committees its targets name (ids or names).

        Returns:
            (refusal, notes): why it must not be sent (it @-tags someone whose term has
            ended) or None, and lines for its preview.
        """
        day, handles = post.local_at.date(), post.tagging != "none"
        found = self.dates.staleness(day, members, committees, handles=handles)
        seen = self.seen.setdefault(post.post_id, _Seen(day, day))
        seen.first, seen.last = min(seen.first, day), max(seen.last, day)
        seen.targets.update(m.bioguide_id for m in members)
        if not found.stale:
            return None, ()
        self.new_congress += [day] * found.new_congress
        seen.ended.update((m.bioguide_id, m) for m in found.ended)
        if found.ended:
            seen.ended_from = min(seen.ended_from or day, day)
        seen.emptied.update(found.emptied)
        seen.unhandled.update((m.bioguide_id, m) for m in found.unhandled)
        note = found.note()
        notes = (note,) if note else ()
        gone = [m for m in found.ended if m.bioguide_id in post.tagged]
        if not gone:
            return None, notes
        seen.refused += 1
        refusal = (
            f"it @-tags {who(gone)}, out of office by {day}: the legislator directory is "
            f"out of date ({REFRESH_COMMAND})"
        )
        return refusal, (*notes, f"skipped: {refusal}")

    def headline(self, what: str) -> str | None:
        """The plan-wide sentence when occurrences fall in a Congress the directory lacks."""
        if not self.new_congress:
            return None
        first, last = min(self.new_congress), max(self.new_congress)
        congress, n = congress_number(last), len(self.new_congress)
        built = f" (data of {self.built_at:%Y-%m-%d})" if self.built_at else ""
        span = f"on {first}" if first == last else f"from {first} to {last}"
        return (
            f"the legislator directory holds the {ordinal(self.dates.loaded or 0)} "
            f"Congress{built}, but {n} {what}{'s' * (n != 1)} {span} fall{'s' * (n == 1)} in the "
            f"{ordinal(congress)}, which began {congress_start(congress)}: their targets, "
            "committee seats and X handles are the old Congress's"
        )

    def warnings(self) -> list[tuple[str, str, str]]:
        """Return (post id, or "" for the whole plan; message; hint), one per stale post."""
        out: list[tuple[str, str, str]] = []
        if headline := self.headline("targeted occurrence"):
            out.append(("", headline, f"once upstream has the new Congress, {REFRESH_HINT}"))
        for post_id, seen in self.seen.items():
            parts = []
            if seen.ended:
                when = (
                    seen.first if seen.first == seen.last else f"its dates from {seen.ended_from}"
                )
                k, n = len(seen.ended), len(seen.targets)
                some_of = f"all {n}" if k == n else f"{k} of its {n}"
                parts.append(
                    f"the terms of {some_of} targets end by {when}: {who(seen.ended.values())}"
                )
            if seen.refused:
                plural = seen.refused != 1
                parts.append(
                    f"{seen.refused} occurrence{'s' * plural} @-tag{'s' * (not plural)} "
                    "one of them and will be skipped"
                )
            if seen.emptied:
                parts.append(
                    f"committee {', '.join(sorted(seen.emptied))} has no members in the "
                    "directory (emptied when a Congress begins, refilled over 1-4 months)"
                )
            if k := len(seen.unhandled):
                parts.append(
                    f"{k} of its targets began the term less than {HANDLE_LAG.days} days "
                    f"before the directory was built and {'has' if k == 1 else 'have'} no X "
                    f"handle in it: {who(seen.unhandled.values(), dated=False)}"
                )
            if parts:
                out.append((post_id, f"post '{post_id}': " + "; ".join(parts), REFRESH_HINT))
        return out

    def alerts(self) -> list[str]:
        """Return the worker's alert messages, one per kind of problem, each with the command."""
        out = [f"{h} — {REFRESH_HINT}"] if (h := self.headline("due post")) else []
        ended = {b: m for s in self.seen.values() for b, m in s.ended.items()}
        posts = [p for p, s in self.seen.items() if s.ended]
        if ended:
            out.append(
                f"{len(posts)} calendar post{'s' * (len(posts) != 1)} ({some(posts)})"
                f" name {len(ended)} member{'s' * (len(ended) != 1)} out of office by their "
                f"date: {who(ended.values())} — {REFRESH_HINT}"
            )
        if refused := sum(s.refused for s in self.seen.values()):
            out.append(
                f"{refused} approved post{'s' * (refused != 1)} @-tag a member whose term "
                "has ended: skipped until the directory is refreshed "
                f"({REFRESH_COMMAND})"
            )
        unhandled = {b: m for s in self.seen.values() for b, m in s.unhandled.items()}
        if unhandled:
            out.append(
                f"{len(unhandled)} targeted members began their term shortly before the "
                f"directory was built and have no X handle in it: "
                f"{who(unhandled.values(), dated=False)} — {REFRESH_HINT}"
            )
        emptied = sorted({c for s in self.seen.values() for c in s.emptied})
        if emptied:
            out.append(
                f"targeted committees without members: {', '.join(emptied)} — {REFRESH_HINT}"
            )
        return out


def directory_alerts(directory: Directory, posts: Iterable[DatedPost], now: datetime) -> list[str]:
    """Return alert messages for the posts still due that the directory is out of date for.

    For the worker at start and daily: the plan's targeted posts whose ``latest_at_utc``
    is not past, checked against the directory in force.

    Args:
        directory: the legislator directory the plan was composed with.
        posts: the planned posts (``compose.PlannedPost``).
        now: the current time (aware).

    Returns:
        One message per kind of problem (Congress not loaded, terms ended, approved posts
        to be skipped, handles missing, committees empty), each naming
        :data:`REFRESH_COMMAND`; empty when the directory is current for every due post.
    """
    check = DateCheck(directory)
    for post in posts:
        if post.targets and post.latest_at_utc >= now:
            check.check(post, [m for b in post.targets if (m := directory.get(b)) is not None])
    return check.alerts()
