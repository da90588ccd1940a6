"""Congress's official schedules at their source: read, parse, download, update the data file.

- The House voting-days feed (iCalendar, :data:`~bot.congress_calendar.HOUSE_URL`): one
  all-day event per day, ``CATEGORIES`` ``Vote Day``, ``Added Vote Day``, ``Canceled Vote
  Day``, ``Pro Forma Session``, ``Travel Day`` or a holiday. District work periods are not
  labelled: they are the runs of weekdays with no vote day (:func:`house_windows`), so a
  pro-forma session inside a recess does not end it. Every year the feed has a vote day in
  is covered (the House publishes a whole year at a time). Parsed with ``icalendar``.
- The Senate's yearly schedule (XML, :data:`~bot.congress_calendar.SENATE_URL`, one file
  per year, the next one published in late November or December): each ``<date>`` is a
  non-legislative period, including those with an empty ``<action>`` (holiday weeks).
  Parsed with ``defusedxml``, refusing any DTD (entity bombs, external entities).

:func:`update` reads each source (a file, or a URL with a conditional GET using the
ETag/Last-Modified kept with the previous capture, with the ``timeouts`` setting), and
returns the new :class:`~bot.congress_calendar.CongressCalendar` with notes and the change
report; a Senate year not published yet (404) is a note, not an error. :func:`write` replaces
the data file atomically. Any error raises :class:`~bot.errors.DataError` before anything
is written, so the previous data stays as it was. Side effects: network and disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from bot import __version__
from bot.congress_calendar import (
    LABELS,
    MIN_HOUSE_WEEKDAYS,
    WASHINGTON,
    Capture,
    CongressCalendar,
    OfficialWindow,
    changes,
    digest,
    render,
)
from bot.errors import DataError

MAX_FEED_BYTES = 8 * 1024 * 1024
FIRST_YEAR, LAST_YEAR = 2000, 2100
_VOTE, _ADDED, _CANCELED = "vote day", "added vote day", "canceled vote day"
_FEED_HINT = "check --house (the feed is https://votingdays.house.gov/voting-days.ics)"
_XML_HINT = "check --senate (e.g. https://www.senate.gov/legislative/2026_schedule.xml)"
_OFFLINE_HINT = "check the network connection, or read a saved copy: --house FILE, --senate FILE"


# --- the House feed ----------------------------------------------------------------------


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(WASHINGTON).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    raise ValueError(f"not a date: {value!r}")


def _categories(event: Any) -> set[str]:
    found = event.get("CATEGORIES")
    groups = found if isinstance(found, list) else [found] if found is not None else []
    return {str(c).strip().lower() for group in groups for c in getattr(group, "cats", [group])}


def house_vote_days(data: bytes, source: str) -> tuple[set[date], str]:
    """Read the House feed: the days with a vote day, and the newest ``DTSTAMP``.

    A day holds a vote when an event on it is a ``Vote Day`` or an ``Added Vote Day``, unless
    a ``Canceled Vote Day`` is on it too (an added vote day always counts). Events with
    ``STATUS:CANCELLED`` are left out.

    Raises:
        DataError: not iCalendar, a broken event, no vote day at all, or a year outside
            2000-2100.
    """
    import icalendar

    if len(data) > MAX_FEED_BYTES:
        raise DataError(
            f"{source}: over {MAX_FEED_BYTES // 2**20} MiB: not the House feed", _FEED_HINT
        )
    try:
        feed = icalendar.Calendar.from_ical(data)
        events = list(feed.walk("VEVENT"))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise DataError(f"{source}: not a complete iCalendar feed ({reason})", _FEED_HINT) from None
    kinds: dict[date, set[str]] = {}
    stamps: list[str] = []
    for number, event in enumerate(events, 1):
        uid = str(event.get("UID", f"number {number}"))
        if event.errors:
            name, message = event.errors[0]
            raise DataError(f"{source}: event {uid}: {name}: {message}", _FEED_HINT)
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        try:
            first = _day(event.decoded("DTSTART"))
            until = event.decoded("DTEND") if "DTEND" in event else first + timedelta(1)
            local = (
                until.astimezone(WASHINGTON)
                if isinstance(until, datetime) and until.tzinfo
                else until
            )
            timed = isinstance(local, datetime) and local.time() != time()
            end = _day(until) + timedelta(timed)  # a date DTEND is exclusive, a time inclusive
        except (KeyError, ValueError, TypeError) as exc:
            raise DataError(
                f"{source}: event {uid}: no usable DTSTART/DTEND ({exc})", _FEED_HINT
            ) from None
        if not FIRST_YEAR <= first.year <= LAST_YEAR or not 0 <= (end - first).days <= 366:
            raise DataError(
                f"{source}: event {uid}: dates {first} to {end} make no sense", _FEED_HINT
            )
        stamp = event.decoded("DTSTAMP") if "DTSTAMP" in event else None
        if isinstance(stamp, datetime):
            stamps.append(stamp.isoformat())
        for offset in range(max((end - first).days, 1)):
            kinds.setdefault(first + timedelta(offset), set()).update(_categories(event))
    votes = {d for d, k in kinds.items() if _ADDED in k or (_VOTE in k and _CANCELED not in k)}
    if not votes:
        raise DataError(
            f"{source}: no vote day in the feed: not the House's voting days", _FEED_HINT
        )
    return votes, max(stamps, default="")


def house_windows(vote_days: Iterable[date]) -> tuple[tuple[int, ...], tuple[OfficialWindow, ...]]:
    """Turn vote days into the covered years and the House's recess windows.

    Args:
        vote_days: every day with a vote (Washington days).

    Returns:
        (the years with a vote day, sorted; the runs of at least MIN_HOUSE_WEEKDAYS weekdays
        with no vote day inside those years, as first and last weekday of each run).
    """
    votes = set(vote_days)
    years = tuple(sorted({d.year for d in votes}))
    if not years:
        return (), ()
    windows: list[OfficialWindow] = []
    run: list[date] = []
    day, last = date(years[0], 1, 1), date(years[-1], 12, 31)
    while day <= last:
        covered = day.year in years
        if not covered or day in votes:
            if len(run) >= MIN_HOUSE_WEEKDAYS:
                windows.append(OfficialWindow(run[0], run[-1], "house"))
            run = []
        elif day.weekday() < 5:
            run.append(day)
        day += timedelta(1)
    if len(run) >= MIN_HOUSE_WEEKDAYS:
        windows.append(OfficialWindow(run[0], run[-1], "house"))
    return years, tuple(windows)


def parse_house(data: bytes, source: str, *, captured_at: datetime, **http: str) -> Capture:
    """Read the House voting-days feed into a capture (see the module docstring).

    Args:
        data: the feed's bytes (``text/calendar``).
        source: the URL or file name, for the record and for messages.
        captured_at: when it was read (aware; stored in UTC).
        **http: ``etag`` and ``last_modified`` from the response, if any.

    Raises:
        DataError: the bytes are not a usable House feed.
    """
    votes, stamp = house_vote_days(data, source)
    years, windows = house_windows(votes)
    return Capture("house", source, captured_at.astimezone(UTC), digest(data), years, windows,
                   published=stamp, **http)  # fmt: skip


# --- the Senate schedule -----------------------------------------------------------------


def parse_senate(data: bytes, source: str, *, captured_at: datetime, **http: str) -> Capture:
    """Read one year of the Senate's schedule XML into a capture.

    Args:
        data: the XML's bytes (``{YEAR}_schedule.xml``).
        source: the URL or file name.
        captured_at: when it was read (aware; stored in UTC).
        **http: ``etag`` and ``last_modified`` from the response, if any.

    Raises:
        DataError: not well-formed XML, a DTD or entity declaration (refused: an XML bomb
            or an external entity), not a ``<schedule>``, a bad date, or no period listed.
    """
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if len(data) > MAX_FEED_BYTES:
        raise DataError(
            f"{source}: over {MAX_FEED_BYTES // 2**20} MiB: not a Senate schedule", _XML_HINT
        )
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        what = type(exc).__name__
        raise DataError(
            f"{source}: refused: the XML declares a DTD or entities ({what})", _XML_HINT
        ) from None
    except ParseError as exc:
        raise DataError(f"{source}: not well-formed XML ({exc})", _XML_HINT) from None
    if root.tag != "schedule":
        raise DataError(f"{source}: <{root.tag}> is not a Senate <schedule>", _XML_HINT)
    year_text = (root.findtext("year") or "").strip()
    if not year_text.isdigit() or not FIRST_YEAR <= int(year_text) <= LAST_YEAR:
        raise DataError(f"{source}: <year> {year_text!r} is not a year", _XML_HINT)
    windows = []
    for number, element in enumerate(root.iterfind("dates/date"), 1):
        text = {
            k: (element.findtext(k) or "").strip()
            for k in ("beginDate", "endDate", "action", "note")
        }
        try:
            first, last = date.fromisoformat(text["beginDate"]), date.fromisoformat(text["endDate"])
        except ValueError:
            where = f"<date> {number} ({text['beginDate']!r} to {text['endDate']!r})"
            raise DataError(f"{source}: {where}: not YYYY-MM-DD dates", _XML_HINT) from None
        if last < first or (last - first).days > 366:
            raise DataError(
                f"{source}: <date> {number}: {first} to {last} makes no sense", _XML_HINT
            )
        windows.append(OfficialWindow(first, last, "senate", text["action"], text["note"]))
    if not windows:
        raise DataError(f"{source}: the schedule lists no non-legislative period", _XML_HINT)
    return Capture("senate", source, captured_at.astimezone(UTC), digest(data), (int(year_text),),
                   tuple(sorted(windows)), published=(root.findtext("approvedDate") or "").strip(),
                   **http)  # fmt: skip


# --- downloads and the update ------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """What one GET brought.

    Attributes:
        status: ``new`` (200: data holds the body), ``unchanged`` (304 Not Modified), or
            ``missing`` (404: for a Senate year, not published yet).
        etag, last_modified: the response's validators ("" when absent).
    """

    url: str
    status: Literal["new", "unchanged", "missing"]
    data: bytes = b""
    etag: str = ""
    last_modified: str = ""


def is_url(text: str) -> bool:
    """Return True for an http:// or https:// URL (anything else is a file name)."""
    return text.startswith(("http://", "https://"))


def download(
    url: str, *, timeouts: tuple[float, float], etag: str = "", last_modified: str = ""
) -> Download:
    """GET a schedule with requests, conditionally when validators are given.

    Args:
        url: the schedule's URL.
        timeouts: (connect, read) seconds (settings ``timeouts``).
        etag, last_modified: validators of the previous capture, sent as If-None-Match and
            If-Modified-Since.

    Returns:
        The download (a 304 or a 404 is a status, not an error).

    Raises:
        DataError: offline, timed out, another HTTP status, or a body over 8 MiB.
    """
    import requests

    headers = {"User-Agent": f"reachout/{__version__} (Congress schedule update)"}
    headers |= {"If-None-Match": etag} if etag else {}
    headers |= {"If-Modified-Since": last_modified} if last_modified else {}
    try:
        with requests.get(url, headers=headers, timeout=timeouts, stream=True) as response:
            if response.status_code in (304, 404):
                status: Any = "unchanged" if response.status_code == 304 else "missing"
                return Download(url, status)
            if response.status_code != 200:
                answer = f"{response.status_code} {response.reason}"
                raise DataError(f"{url}: the server answered {answer}", "retry later")
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise DataError(f"{url}: over {MAX_FEED_BYTES // 2**20} MiB: not a schedule")
            found = (response.headers.get(h, "") for h in ("ETag", "Last-Modified"))
            return Download(url, "new", bytes(body), *found)
    except requests.Timeout:
        raise DataError(
            f"{url}: no answer in {timeouts[0]:g}+{timeouts[1]:g} s", _OFFLINE_HINT
        ) from None
    except requests.RequestException as exc:
        reason = str(exc.args[0] if exc.args else exc)[:200]
        raise DataError(f"cannot download {url}: {reason}", _OFFLINE_HINT) from None


def read_file(name: str) -> bytes:
    """Read a saved schedule (at most 8 MiB).

    Raises:
        DataError: missing, unreadable, not a regular file, or too large.
    """
    path = Path(name)
    try:
        if not path.is_file():
            raise DataError(f"{name}: no such file", "give a saved schedule, or its URL")
        if path.stat().st_size > MAX_FEED_BYTES:
            raise DataError(f"{name}: over {MAX_FEED_BYTES // 2**20} MiB: not a schedule")
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"{name}: cannot read: {exc.strerror}", "check the path") from None


@dataclass
class Update:
    """What :func:`update` found.

    Attributes:
        calendar: the new version (equal to the previous one when nothing changed).
        notes: one line per source read: what it holds, unchanged, or not published yet.
        changes: what changed for people (:func:`bot.congress_calendar.changes`).
        changed: True when the data file should be rewritten.
    """

    calendar: CongressCalendar
    notes: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    changed: bool = False


def update(
    previous: CongressCalendar | None,
    *,
    house: str | None,
    senate: str | None,
    years: Sequence[int] = (),
    now: datetime,
    timeouts: tuple[float, float] = (5.0, 30.0),
) -> Update:
    """Read the official schedules and merge them into the previous version.

    Args:
        previous: the current data file's content, or None.
        house: the House feed's file or URL; None leaves the House as it was.
        senate: a Senate schedule's file or URL; a URL may hold ``{year}``, read for each of
            ``years``. None leaves the Senate as it was.
        years: the Senate years to read (default: the year of ``now`` and the next one).
            With a file or a URL without ``{year}``, the file must hold one of them.
        now: aware; the capture time, and the default years (in Washington).
        timeouts: (connect, read) seconds.

    Returns:
        The merged calendar, notes and changes. A capture whose bytes did not change keeps
        its previous capture time.

    Raises:
        DataError: a source cannot be read or parsed (nothing is merged).
    """
    old = previous or CongressCalendar()
    captured: list[Capture] = []
    notes: list[str] = []
    if house is not None:
        kept = next((c for c in old.captures if c.chamber == "house"), None)
        result = _read(house, kept, now, timeouts, parse_house, "House")
        notes.append(result[1])
        captured += [result[0]] if result[0] else []
    if senate is not None:
        this_year = now.astimezone(WASHINGTON).year
        per_year = is_url(senate) and "{year}" in senate
        wanted = tuple(years) or (this_year, this_year + 1)
        plan = (
            [(y, senate.replace("{year}", str(y))) for y in wanted] if per_year else [(0, senate)]
        )
        for year, source in plan:
            mine = (c for c in old.captures if c.chamber == "senate")
            kept = next(
                (c for c in mine if (c.years[0] == year if year else c.source == source)), None
            )
            label, future = f"Senate {year or ''}", year > this_year
            capture, note = _read(source, kept, now, timeouts, parse_senate, label,
                                  unpublished_ok=future)  # fmt: skip
            if capture and years and capture.years[0] not in years:
                asked = ", ".join(map(str, years))
                held = f"the Senate's {capture.years[0]} schedule"
                raise DataError(f"{source} holds {held}, not {asked}", "check --year and --senate")
            notes.append(note)
            captured += [capture] if capture else []
    new = old.replace(captured)
    lines = changes(previous, new)
    return Update(new, notes, lines, previous is None or new != previous)


def _read(
    source: str,
    kept: Capture | None,
    now: datetime,
    timeouts: tuple[float, float],
    parse: Any,
    what: str,
    *,
    unpublished_ok: bool = False,
) -> tuple[Capture | None, str]:
    """Read one source; return (its capture, or None when unchanged or not published; a note).

    A 404 means "not published yet" only for a year still to come (``unpublished_ok``); for
    the House feed, this year's or a past year's schedule it is an error (a wrong URL).
    """
    what = what.strip()
    same = kept is not None and kept.source == source
    if is_url(source):
        got = download(source, timeouts=timeouts, etag=kept.etag if same and kept else "",
                       last_modified=kept.last_modified if same and kept else "")  # fmt: skip
        if got.status == "missing":
            if not unpublished_ok:
                hint = _FEED_HINT if what == "House" else "check the Senate URL (and its {year})"
                raise DataError(f"{source}: the server answered 404 Not Found", hint)
            return None, f"{what}: not published yet ({source} answered 404 Not Found)"
        if got.status == "unchanged" and kept is not None:
            return None, f"{what}: unchanged since {kept.captured_at:%Y-%m-%d %H:%M} UTC ({source})"
        data, http = got.data, {"etag": got.etag, "last_modified": got.last_modified}
    else:
        data, http = read_file(source), {}
    if same and kept is not None and kept.sha256 == digest(data):
        return None, f"{what}: unchanged since {kept.captured_at:%Y-%m-%d %H:%M} UTC ({source})"
    capture: Capture = parse(data, source, captured_at=now, **http)
    label = LABELS[capture.chamber].split(" ", 1)[1]
    span = "–".join(dict.fromkeys((str(capture.years[0]), str(capture.years[-1]))))
    name = what if capture.chamber == "house" else f"Senate {capture.years[0]}"
    return capture, f"{name}: {len(capture.windows)} {label}s in {span} ({source})"


def write(path: Path, calendar: CongressCalendar) -> None:
    """Write the data file through a temporary file in the same folder and ``Path.replace``.

    Raises:
        DataError: it cannot be written (the existing file is left as it was).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(render(calendar), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(f"{path}: cannot write: {exc.strerror}", "check the folder") from None
