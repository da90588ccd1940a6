"""Report periods (ISO weeks or ranges of local days) and making strangers' text safe to show.

A :class:`Period` is a run of whole local days in the campaign time zone; its UTC bounds are
the local midnights, so a week holding a DST change is 167 or 169 hours long and every post
falls in the local day it was written on. :func:`clean_text` is the first step before any
collected text (or anything else read from the store) reaches a report: what it removes can
hide or reorder text (bidi overrides), break files (NUL, lone surrogates) or mislead a
spreadsheet; each output format then escapes what is left for itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"(\d{4})-[Ww](\d{2})")
FIRST_YEAR, LAST_YEAR = 2000, 2100
"""Reports are for days in these years (inclusive): the years a campaign calendar may use."""
MAX_DAYS = 366
"""A report covers at most this many days (a year): longer ranges are split into several."""
_LINE_BREAK = re.compile("\r\n?")  # CRLF (Windows) or a lone CR (old Mac): a line break
# Bidi embeddings, overrides and isolates (the "Trojan Source" characters); C0 controls but
# tab and newline; DEL; C1 controls; lone surrogates (cannot be encoded as UTF-8).
_UNSAFE = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class Period:
    """Whole local days ``first_day`` .. ``last_day`` (inclusive) in a time zone.

    Attributes:
        first_day: the first local day.
        last_day: the last local day (inclusive).
        timezone: the campaign time zone (IANA).
        label: ``2027-W32`` for an ISO week, else ``2027-08-02_2027-08-15``; a folder name.
    """

    first_day: date
    last_day: date
    timezone: ZoneInfo
    label: str

    @property
    def start_at(self) -> datetime:
        """The first local midnight, as aware UTC (inclusive)."""
        return local_midnight(self.first_day, self.timezone)

    @property
    def end_at(self) -> datetime:
        """The local midnight after the last day, as aware UTC (exclusive)."""
        return local_midnight(self.last_day + timedelta(days=1), self.timezone)

    @property
    def days(self) -> tuple[date, ...]:
        """Every local day of the period, in order."""
        count = (self.last_day - self.first_day).days + 1
        return tuple(self.first_day + timedelta(days=n) for n in range(count))

    @property
    def is_week(self) -> bool:
        """True for an ISO week (Monday to Sunday)."""
        return bool(_WEEK.fullmatch(self.label))

    @property
    def title(self) -> str:
        """For people: ``2027-W32 (2 Aug – 8 Aug 2027)`` or ``2 Aug – 15 Aug 2027``.

        Both years show when they differ: ``28 Dec 2026 – 3 Jan 2027``.
        """
        first, last = self.first_day, self.last_day
        start = _day(first) if first.year == last.year else f"{_day(first)} {first.year}"
        span = f"{start} – {_day(last)} {last.year}"
        return f"{self.label} ({span})" if self.is_week else span

    def previous(self) -> Period:
        """The period of the same length just before this one (the previous week)."""
        length = timedelta(days=len(self.days))
        if self.is_week:
            return week_of(self.first_day - length, self.timezone)
        return between(self.first_day - length, self.last_day - length, self.timezone)


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def local_midnight(day: date, timezone: ZoneInfo) -> datetime:
    """Return the start of a local day as aware UTC (correct on DST change days)."""
    return datetime.combine(day, time(), tzinfo=timezone).astimezone(UTC)


def week_of(day: date, timezone: ZoneInfo) -> Period:
    """Return the ISO week (Monday to Sunday, local days) holding ``day``."""
    year, week, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    return Period(monday, monday + timedelta(days=6), timezone, f"{year}-W{week:02d}")


def parse_week(text: str, timezone: ZoneInfo) -> Period:
    """Return the ISO week written as ``2027-W32``.

    Raises:
        ValueError: not ``YYYY-Www`` (``w`` too), a year outside FIRST_YEAR..LAST_YEAR, or a
            week the year does not have (W00, W54...).
    """
    found = _WEEK.fullmatch(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not an ISO week: write it as YYYY-Www, e.g. 2027-W32")
    if not FIRST_YEAR <= int(found[1]) <= LAST_YEAR:
        raise ValueError(f"{found[1]} is outside the years a report can cover "
                         f"({FIRST_YEAR} to {LAST_YEAR})")  # fmt: skip
    try:
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise ValueError(f"{found[1]} has no week {found[2]}") from None
    return week_of(monday, timezone)


def check_limits(period: Period) -> Period:
    """Return the period when a report can be made for it.

    Raises:
        ValueError: a day outside the years FIRST_YEAR..LAST_YEAR, or more than MAX_DAYS days.
    """
    for day in (period.first_day, period.last_day):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(
                f"{day} is outside the years a report can cover ({FIRST_YEAR} to {LAST_YEAR})"
            )
    count = (period.last_day - period.first_day).days + 1
    if count > MAX_DAYS:
        raise ValueError(
            f"a report covers at most a year ({MAX_DAYS} days); {period.first_day} to "
            f"{period.last_day} is {count:,} days: split it into shorter ranges"
        )
    return period


def between(first_day: date, last_day: date, timezone: ZoneInfo) -> Period:
    """Return the local days first_day..last_day (inclusive) as a Period.

    Raises:
        ValueError: last_day is before first_day.
    """
    if last_day < first_day:
        raise ValueError(f"the range ends ({last_day}) before it starts ({first_day})")
    return Period(first_day, last_day, timezone, f"{first_day}_{last_day}")


def clean_text(text: str | None, limit: int | None = None) -> str:
    """Remove what may hide, reorder or break text; optionally shorten it (with "…").

    Line breaks become ``\n`` (CRLF and a lone CR included); then removes bidi
    embedding/override/isolate controls, control characters except tab and newline (NUL
    included), and lone surrogates. ``limit`` counts code points.
    """
    cleaned = _UNSAFE.sub("", _LINE_BREAK.sub("\n", text)) if text else ""
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: max(limit - 1, 0)].rstrip() + "…"
    return cleaned


_POST_ID = re.compile(r"[0-9]{1,25}")
_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")


def post_url(post_id: str | None, username: str | None = None) -> str | None:
    """Return a post's link on x.com, or None when the id is not a numeric X id.

    ``https://x.com/<username>/status/<id>`` when the handle is a valid X handle, else
    ``https://x.com/i/web/status/<id>``: only our own pattern ever becomes a link.
    """
    if not post_id or not _POST_ID.fullmatch(post_id):
        return None
    if username and _HANDLE.fullmatch(username):
        return f"https://x.com/{username}/status/{post_id}"
    return f"https://x.com/i/web/status/{post_id}"
