"""The campaign against Congress's official recess windows.

A post **speaks of the recess** when the calendar says so (``about_recess: true``), or, when
it does not say (``about_recess`` absent), when its ``text`` or ``intent_text`` holds one of
the words of :data:`RECESS_WORDS`: *recess*, *home*, *district work period*, *state work
period* or *in district* / *in-district* (any case, whole words: "homeless" does not count).
``about_recess: false`` silences a false match.

Such a post should go out while the chambers it targets are away from Washington: its day in
Washington must fall in an official window (weekends next to a window included, see
:meth:`bot.congress_calendar.OfficialWindow.home_span`) of each chamber among its targets
(a post with no targets speaks to both). A day the official schedule does not cover yet is
not checked, and is reported once as unchecked.

- :func:`recess_posts` picks those posts out of a plan and names their chambers;
- :func:`official_warnings` and :func:`post_notes` say which fall outside (``validate``,
  ``preview``);
- :func:`moved_windows` compares two versions of the official schedule and names the posts
  relying on a window that moved (the worker's daily re-read alerts with
  :func:`alert_message`).

Pure: no clock, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.campaign import Calendar, PostSpec, RecessWindow
from bot.compose import PlannedPost
from bot.congress_calendar import (
    NAMES,
    CongressCalendar,
    WindowChange,
    washington_day,
    window_changes,
)
from bot.errors import Problem
from bot.legislators import Directory

RECESS_WORDS = re.compile(
    r"\b(?:recess(?:es)?|home|(?:district|state) work periods?|in[- ]district)\b", re.IGNORECASE
)
BOTH = frozenset({"house", "senate"})


def speaks_of_recess(post: PostSpec) -> bool:
    """Return True when a calendar post speaks of the recess (module docstring: the rule)."""
    if post.about_recess is not None:
        return post.about_recess
    return any(RECESS_WORDS.search(text) for text in (post.text, post.intent_text or ""))


@dataclass(frozen=True)
class RecessPost:
    """A planned post that speaks of the recess.

    Attributes:
        key: the ledger key of the planned post.
        post_id: the calendar entry.
        day: its day in Washington (America/New_York).
        chambers: ``house`` and/or ``senate``: the chambers of its targets (both without).
    """

    key: str
    post_id: str
    day: date
    chambers: frozenset[str]


def recess_posts(
    posts: Iterable[PlannedPost], calendar: Calendar, directory: Directory
) -> list[RecessPost]:
    """Pick the planned posts that speak of the recess, with their day and chambers.

    Args:
        posts: planned posts (:func:`bot.compose.plan`), e.g. those still due.
        calendar: the calendar they were planned from.
        directory: resolves each target's chamber.

    Returns:
        In the order given.
    """
    speaking = {post.id for post in calendar.posts if speaks_of_recess(post)}
    found = []
    for planned in posts:
        if planned.post_id in speaking:
            members = (directory.get(bioguide_id) for bioguide_id in planned.targets)
            chambers = frozenset(m.chamber for m in members if m) or BOTH
            found.append(
                RecessPost(planned.key, planned.post_id, washington_day(planned.at_utc), chambers)
            )
    return found


def outside(
    posts: Iterable[RecessPost], official: CongressCalendar
) -> list[tuple[RecessPost, str]]:
    """Return (post, chamber) for each targeted chamber whose official windows miss the post.

    Only days the chamber's schedule covers are judged.
    """
    return [
        (post, chamber)
        for post in posts
        for chamber in sorted(post.chambers)
        if official.covers(chamber, post.day) and official.window_at(chamber, post.day) is None
    ]


def unchecked(posts: Iterable[RecessPost], official: CongressCalendar) -> list[RecessPost]:
    """Return the posts on a day a targeted chamber's schedule does not cover yet."""
    return [p for p in posts if any(not official.covers(c, p.day) for c in p.chambers)]


def _outside(chamber: str) -> str:
    return f"outside the {NAMES[chamber]}'s official recess windows"


def official_warnings(
    calendar: Calendar, posts: Sequence[RecessPost], official: CongressCalendar
) -> list[Problem]:
    """Warn, at each calendar entry, about its posts that fall outside the official windows.

    Args:
        calendar: locates each entry (its ``date`` or ``every``).
        posts: from :func:`recess_posts`.
        official: Congress's official schedule.

    Returns:
        One warning per entry and chamber, in file order, then one for the posts whose days
        the official schedule does not cover yet.
    """
    days: dict[tuple[str, str], list[date]] = {}
    for post, chamber in outside(posts, official):
        days.setdefault((post.post_id, chamber), []).append(post.day)
    found = []
    file = official.file or "the official schedule"
    for (post_id, chamber), missed in days.items():
        spec = calendar.post(post_id)
        line, column = (
            spec.positions.get("every" if spec.every else "date", (0, 0)) if spec else (0, 0)
        )
        first = sorted(set(missed))
        when = (
            f"{first[0]} is"
            if len(first) == 1
            else f"{len(first)} of its days (first {first[0]}) are"
        )
        message = f"post '{post_id}' speaks of the recess, but {when} {_outside(chamber)}"
        hint = f"check the dates: reachout congress-calendar show ({file}); it will still go out"
        found.append(Problem(calendar.file, line, column, message, hint))
    found.sort(key=lambda p: (p.line, p.column))
    if missing := unchecked(posts, official):
        years = ", ".join(sorted({str(p.day.year) for p in missing}))
        gaps = {c for p in missing for c in p.chambers if not official.covers(c, p.day)}
        schedule = "schedules do" if len(gaps) == 2 else "schedule does"
        names = NAMES["both" if len(gaps) == 2 else gaps.pop()]
        message = (
            f"{len(missing)} post(s) speak of the recess in {years}, which the official "
            f"{names} {schedule} not cover yet ({file}): their dates are not checked"
        )
        hint = "run reachout congress-calendar update once Congress publishes them"
        found.append(Problem(calendar.file, 0, 0, message, hint))
    return found


def post_notes(posts: Iterable[RecessPost], official: CongressCalendar) -> dict[str, list[str]]:
    """Return, by ledger key, a note for each targeted chamber whose windows miss the post."""
    notes: dict[str, list[str]] = {}
    for post, chamber in outside(posts, official):
        note = f"speaks of the recess, but {post.day} is {_outside(chamber)}"
        notes.setdefault(post.key, []).append(note)
    return notes


def _holds(window_span: tuple[date, date], day: date) -> bool:
    return window_span[0] <= day <= window_span[1]


def moved_windows(
    old: CongressCalendar,
    new: CongressCalendar,
    posts: Sequence[RecessPost],
    named: Sequence[RecessWindow] = (),
) -> list[WindowChange]:
    """Return the official windows the campaign relies on that moved, with the posts affected.

    A window is relied on when a post speaking of the recess and targeting its chamber falls
    in it (weekends next to it included), or when the calendar's recess names it
    (``official:``). The daily re-read of the official schedule alerts with these.

    Args:
        old: the schedule the campaign was checked against.
        new: the schedule just read.
        posts: the posts still due (:func:`recess_posts`).
        named: the calendar's recess windows (``calendar.campaign.recess``).

    Returns:
        The :class:`~bot.congress_calendar.WindowChange` of each such window, with ``posts``
        (keys of the posts that fell in it) and ``outside`` (those now outside every window
        of the chamber), in date order.
    """
    found = []
    for change in window_changes(old, new):
        spans = [w.home_span() for w in change.old]
        relying = [
            p
            for p in posts
            if change.chamber in p.chambers and any(_holds(s, p.day) for s in spans)
        ]
        named_here = any(
            w.official in (change.chamber, "both")
            and any(first <= w.last_day and w.first_day <= last for first, last in spans)
            for w in named
        )
        if not relying and not named_here:
            continue
        gone = [p.key for p in relying if new.window_at(change.chamber, p.day) is None]
        found.append(replace(change, posts=tuple(p.key for p in relying), outside=tuple(gone)))
    return found


def alert_message(change: WindowChange) -> str:
    """Return the alert for a moved window: the change, then the posts it affects."""
    text = change.message
    if change.posts:
        text += (
            f"; {len(change.posts)} post(s) of the campaign fall in it (first {change.posts[0]})"
        )
    if change.outside:
        shown = ", ".join(change.outside[:5]) + (
            f" and {len(change.outside) - 5} more" if len(change.outside) > 5 else ""
        )
        text += f"; now outside every official window: {shown}"
    return text
