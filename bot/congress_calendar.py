"""Congress's official recess windows as data: the model, the data file, what changed.

A **House window** is a run of at least :data:`MIN_HOUSE_WEEKDAYS` weekdays with no vote day
in the House voting-days feed (pro-forma sessions, holidays and weekends do not end it); a
**Senate window** is a non-legislative period as the Senate's yearly schedule lists it,
including those with an empty ``<action>``. :mod:`bot.congress_sources` reads both sources.

Windows are days in Washington (America/New_York), both inclusive, Monday to Friday as the
chambers publish them. Members are home on the weekend next to a window too, so
:meth:`OfficialWindow.home_span` takes in the Saturday and Sunday before a window starting on
a Monday and after one ending on a Friday; :meth:`CongressCalendar.span` and
:meth:`CongressCalendar.window_at` use that span. A day outside every year a chamber's
schedule covers is unknown, never "in session".

The windows are kept in ``data/congress-calendar.yaml`` (:func:`render`, :func:`load`), each
capture with its source, capture time (UTC) and content hash. :func:`changes` compares two
versions for people ("House district work period now starts 2026-09-16, was 2026-10-02").
Pure, except :func:`load` reading the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml

from bot.errors import DataError

FORMAT = 1
HOUSE_URL = "https://votingdays.house.gov/voting-days.ics"
SENATE_URL = "https://www.senate.gov/legislative/{year}_schedule.xml"
MIN_HOUSE_WEEKDAYS = 3
"""A House window needs at least this many weekdays in a row with no vote day."""
MAX_FILE_BYTES = 2 * 1024 * 1024
WASHINGTON = ZoneInfo("America/New_York")
Chamber = Literal["house", "senate"]
CHAMBERS: tuple[Chamber, ...] = ("house", "senate")
LABELS = {"house": "House district work period", "senate": "Senate state work period"}
NAMES = {"house": "House", "senate": "Senate", "both": "House and Senate"}
_FILE_HINT = "regenerate it: reachout congress-calendar update"


@dataclass(frozen=True, order=True)
class OfficialWindow:
    """One recess window of one chamber: days in Washington, both inclusive.

    Attributes:
        first_day, last_day: as published (House: the first and last weekday of the run).
        chamber: ``house`` or ``senate``.
        action, note: the Senate's ``<action>`` (e.g. ``State Work Period``, may be empty)
            and ``<note>`` (e.g. ``Labor Day - Sep 7``); empty for the House.
    """

    first_day: date
    last_day: date
    chamber: Chamber = "house"
    action: str = ""
    note: str = ""

    def home_span(self) -> tuple[date, date]:
        """Return (first, last) day members are home: with the weekend next to the window."""
        first = self.first_day - timedelta(days=2 * (self.first_day.weekday() == 0))
        last = self.last_day + timedelta(days=2 * (self.last_day.weekday() == 4))
        return first, last

    def __str__(self) -> str:
        return f"{self.first_day} to {self.last_day}"


@dataclass(frozen=True)
class Capture:
    """One chamber's schedule as read once: the House feed, or one year of the Senate's.

    Attributes:
        chamber: ``house`` or ``senate``.
        source: the URL or file it was read from.
        captured_at: when reachout read it (aware UTC).
        sha256: hex digest of the bytes read.
        published: the source's own date (House: the newest ``DTSTAMP``; Senate: its
            ``approvedDate``), as written, or "".
        years: the years it covers.
        windows: its recess windows in date order.
        etag, last_modified: the HTTP validators it came with ("" for a file).
    """

    chamber: Chamber
    source: str
    captured_at: datetime
    sha256: str
    years: tuple[int, ...]
    windows: tuple[OfficialWindow, ...]
    published: str = ""
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class CongressCalendar:
    """Every capture in ``data/congress-calendar.yaml``: the House feed, Senate years.

    Attributes:
        captures: at most one for the House, one per year for the Senate.
        file: the file it was read from, for messages ("" when built in memory).
    """

    captures: tuple[Capture, ...] = ()
    file: str = field(default="", compare=False)

    def windows(self, chamber: str) -> tuple[OfficialWindow, ...]:
        """Return a chamber's windows (``house`` or ``senate``) in date order."""
        found = (w for c in self.captures if c.chamber == chamber for w in c.windows)
        return tuple(sorted(found))

    def years(self, chamber: str) -> frozenset[int]:
        """Return the years a chamber's schedule covers (``both``: years both cover)."""
        if chamber == "both":
            return self.years("house") & self.years("senate")
        return frozenset(y for c in self.captures if c.chamber == chamber for y in c.years)

    def covers(self, chamber: str, day: date) -> bool:
        """Return True when the chamber's (``both``: each chamber's) schedule covers the day."""
        return day.year in self.years(chamber)

    def window_at(self, chamber: str, day: date) -> OfficialWindow | None:
        """Return the chamber's window whose home span (weekends included) holds the day."""
        spans = ((w, w.home_span()) for w in self.windows(chamber))
        return next((w for w, (first, last) in spans if first <= day <= last), None)

    def span(self, chamber: str, day: date) -> tuple[date, date] | None:
        """Return (first, last) day of the home span holding the day, or None.

        Args:
            chamber: ``house``, ``senate``, or ``both`` (the days both are away).
            day: a day in Washington.
        """
        spans = [self.window_at(c, day) for c in (CHAMBERS if chamber == "both" else (chamber,))]
        if None in spans:
            return None
        pairs = [w.home_span() for w in spans if w]
        return max(first for first, _ in pairs), min(last for _, last in pairs)

    def replace(self, captures: Iterable[Capture]) -> CongressCalendar:
        """Return a calendar with these captures replacing the House one or a Senate year."""
        new = list(captures)
        slots = {_slot(c) for c in new}
        kept = [c for c in self.captures if _slot(c) not in slots]
        return CongressCalendar(tuple(sorted(kept + new, key=_slot)), self.file)


def _slot(capture: Capture) -> tuple[str, int]:
    return (capture.chamber, capture.years[0] if capture.chamber == "senate" else 0)


def washington_day(moment: datetime) -> date:
    """Return the day in Washington of an aware datetime (the schedules' time zone)."""
    return moment.astimezone(WASHINGTON).date()


def digest(data: bytes) -> str:
    """Return the sha256 hex digest recorded with a capture."""
    return hashlib.sha256(data).hexdigest()


# --- data/congress-calendar.yaml ---------------------------------------------------------

_HEADER = """\
# Congress's official recess windows, per chamber: days in Washington, both inclusive.
# Generated by `reachout congress-calendar update` (data/README.md); do not edit by hand.
# House: runs of 3 or more weekdays with no vote day in the voting-days feed (pro-forma
# sessions do not end them). Senate: the non-legislative periods its schedule lists.
"""


def _q(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings are YAML double-quoted scalars


def render(calendar: CongressCalendar) -> str:
    """Return the text of ``data/congress-calendar.yaml`` (deterministic, one window a line)."""
    lines = [_HEADER + f"format: {FORMAT}", "captures:"]
    for c in calendar.captures:
        lines += [f"  - chamber: {c.chamber}", f"    source: {_q(c.source)}",
                  f"    captured_at: {_q(c.captured_at.strftime('%Y-%m-%dT%H:%M:%SZ'))}",
                  f"    published: {_q(c.published)}", f"    sha256: {c.sha256}"]  # fmt: skip
        validators = (("etag", c.etag), ("last_modified", c.last_modified))
        lines += [f"    {key}: {_q(value)}" for key, value in validators if value]
        lines.append(f"    years: [{', '.join(map(str, c.years))}]")
        lines.append("    windows:" + ("" if c.windows else " []"))
        for w in c.windows:
            extra = f", action: {_q(w.action)}, note: {_q(w.note)}" if c.chamber == "senate" else ""
            lines.append(f"      - {{from: {w.first_day}, until: {w.last_day}{extra}}}")
    return "\n".join(lines) + "\n"


def from_yaml(data: bytes, file: str) -> CongressCalendar:
    """Read the text of ``data/congress-calendar.yaml``.

    Raises:
        DataError: not YAML, not in this format, or damaged.
    """
    if len(data) > MAX_FILE_BYTES:
        raise DataError(f"{file}: over {MAX_FILE_BYTES // 2**20} MiB: not our file", _FILE_HINT)
    try:
        doc = yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except ValueError as exc:  # PyYAML's timestamps: a date such as 2026-08-32
        raise DataError(f"{file}: a date is impossible: {exc}", _FILE_HINT) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark else file
        raise DataError(
            f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}", _FILE_HINT
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise DataError(f"{file}: not a reachout congress calendar (format {found!r})", _FILE_HINT)
    try:
        captures = tuple(_capture(c) for c in doc["captures"] or ())
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(f"{file}: damaged ({type(exc).__name__}: {exc})", _FILE_HINT) from None
    return CongressCalendar(captures, file)


def _capture(raw: Mapping[str, Any]) -> Capture:
    chamber = raw["chamber"]
    if chamber not in CHAMBERS:
        raise ValueError(f"chamber {chamber!r}")
    windows = tuple(
        OfficialWindow(date.fromisoformat(str(w["from"])), date.fromisoformat(str(w["until"])),
                       chamber, str(w.get("action", "")), str(w.get("note", "")))
        for w in raw["windows"]
    )  # fmt: skip
    captured = datetime.fromisoformat(str(raw["captured_at"]).replace("Z", "+00:00"))
    if captured.tzinfo is None:
        raise ValueError("captured_at has no time zone")
    return Capture(chamber, str(raw["source"]), captured.astimezone(UTC), str(raw["sha256"]),
                   tuple(int(y) for y in raw["years"]), windows, str(raw.get("published", "")),
                   str(raw.get("etag", "")), str(raw.get("last_modified", "")))  # fmt: skip


def load(path: Path) -> CongressCalendar | None:
    """Read ``data/congress-calendar.yaml``; None when the file does not exist.

    Raises:
        DataError: it exists but cannot be read, or is damaged.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}", _FILE_HINT) from None
    return from_yaml(data, str(path))


# --- what changed ------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowChange:
    """A change to one chamber's windows between two versions of the schedule.

    Attributes:
        chamber: ``house`` or ``senate``.
        old: the windows before, in date order (empty: a new window).
        new: the windows now (empty: the window is gone).
        posts: keys of the campaign's posts that relied on the old windows (filled by
            :func:`bot.recess.moved_windows`).
        outside: of those, the keys now outside every window of the chamber.
    """

    chamber: Chamber
    old: tuple[OfficialWindow, ...]
    new: tuple[OfficialWindow, ...]
    posts: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """The change for people: "House district work period now starts 2026-09-16, was …"."""
        label = LABELS[self.chamber]
        if not self.old:
            return f"new {label}: {self.new[0]}"
        if not self.new:
            return f"{label} {self.old[0]} is no longer in the schedule"
        if len(self.old) == len(self.new) == 1:
            (old,), (new,) = self.old, self.new
            if old.last_day == new.last_day:
                return f"{label} now starts {new.first_day}, was {old.first_day}"
            if old.first_day == new.first_day:
                return f"{label} from {old.first_day} now ends {new.last_day}, was {old.last_day}"
            return f"{label} now runs {new}, was {old}"
        was, now = (" and ".join(map(str, ws)) for ws in (self.old, self.new))
        return f"{label}s {was} are now {now}"


def _clipped(windows: Sequence[OfficialWindow], years: frozenset[int]) -> list[OfficialWindow]:
    return [w for w in windows if w.first_day.year in years or w.last_day.year in years]


def _groups(
    old: list[OfficialWindow], new: list[OfficialWindow]
) -> Iterator[tuple[list[OfficialWindow], list[OfficialWindow]]]:
    """Yield (old, new) groups of windows linked by overlapping days, unchanged ones left out."""
    both = sorted([(w, 0) for w in old if w not in new] + [(w, 1) for w in new if w not in old])
    group: list[tuple[OfficialWindow, int]] = []
    for window, side in both:
        if group and window.first_day > max(w.last_day for w, _ in group):
            yield [w for w, s in group if s == 0], [w for w, s in group if s == 1]
            group = []
        group.append((window, side))
    if group:
        yield [w for w, s in group if s == 0], [w for w, s in group if s == 1]


def window_changes(old: CongressCalendar, new: CongressCalendar) -> list[WindowChange]:
    """Compare the windows of the years both versions cover, chamber by chamber.

    Returns:
        One change per group of overlapping old and new windows that differ (a window moved,
        added, removed, split or merged), House first, in date order.
    """
    found = []
    for chamber in CHAMBERS:
        years = old.years(chamber) & new.years(chamber)
        before, after = _clipped(old.windows(chamber), years), _clipped(new.windows(chamber), years)
        for was, now in _groups(before, after):
            if was or now:
                found.append(WindowChange(chamber, tuple(was), tuple(now)))
    return found


def changes(old: CongressCalendar | None, new: CongressCalendar) -> list[str]:
    """Describe what changed between two versions, one line each, for the update command.

    Returns:
        Years a chamber's schedule now covers or no longer covers, then every
        :class:`WindowChange` message; [] when nothing changed.
    """
    old = old or CongressCalendar()
    lines = []
    for chamber in CHAMBERS:
        before, after = old.years(chamber), new.years(chamber)
        kind = LABELS[chamber].split(" ", 1)[1]
        for year in sorted(after - before):
            count = sum(1 for w in new.windows(chamber) if w.first_day.year == year)
            lines.append(f"{NAMES[chamber]} schedule now covers {year} ({count} {kind}s)")
        lines += [f"{NAMES[chamber]} schedule no longer covers {y}" for y in sorted(before - after)]
    return lines + [change.message for change in window_changes(old, new)]
