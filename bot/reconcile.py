"""Reconcile: which post occurrences need a date job (pure; used by the worker and simulate).

The calendar says what should happen, the ledger what did. `reconcile` turns the composed plan,
the ledger rows and the jobs already scheduled into a `Diff` the worker applies to APScheduler.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.compose import PlannedPost
from bot.posting import FINAL
from bot.store import LedgerRow


@dataclass(frozen=True)
class Move:
    """A scheduled occurrence whose time changed: its old job goes, a job for ``post`` comes."""

    old_key: str
    post: PlannedPost


@dataclass(frozen=True)
class Diff:
    """What to change in the scheduled jobs so they match the plan and the ledger.

    Attributes:
        add: new occurrences due later: a date job at ``at_utc``.
        run_now: due (``at_utc <= now``) but still within late_ok: a job that runs at once.
        missed: past ``latest_at_utc`` and not final in the ledger: the poster records them
            ``missed`` (or settles an ``unknown`` one first).
        move: scheduled occurrences whose time (and so key) changed in the calendar.
        update: scheduled keys whose text or late_ok changed (the job keeps its time).
        remove: scheduled keys no longer in the plan, or settled in the ledger meanwhile.
    """

    add: tuple[PlannedPost, ...] = ()
    run_now: tuple[PlannedPost, ...] = ()
    missed: tuple[PlannedPost, ...] = ()
    move: tuple[Move, ...] = ()
    update: tuple[PlannedPost, ...] = ()
    remove: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return the counts as one line, e.g. ``"2 new, 1 due now, 0 missed, ..."``."""
        return (
            f"{len(self.add)} new, {len(self.run_now)} due now, {len(self.missed)} missed, "
            f"{len(self.move)} moved, {len(self.update)} changed, {len(self.remove)} removed"
        )


def reconcile(plan_posts: Iterable[PlannedPost], ledger_rows: Iterable[LedgerRow], now: datetime,
              *, scheduled: Mapping[str, PlannedPost] | None = None) -> Diff:  # fmt: skip
    """Decide which occurrences need a date job, which jobs go and which move.

    An occurrence needs a job when its key is not final in the ledger and none is scheduled.
    A scheduled key gone from the plan pairs with a new occurrence of the same post and group
    on the same local day (or, for a one-off post, any day) as a `Move`; the rest are removed.
    So a calendar edit touches exactly the jobs it changes.

    Args:
        plan_posts: the composed plan; ledger_rows: the ledger (final states matter).
        now: the current time, aware.
        scheduled: key → the occurrence its job was made for (None: no jobs yet).

    Returns:
        The diff, each list in plan order.

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.utcoffset() is None:
        raise ValueError(f"naive datetime {now!r}: pass an aware datetime (UTC)")
    jobs = scheduled or {}
    final = {row.key for row in ledger_rows if row.state in FINAL}
    plan = {post.key: post for post in plan_posts}
    lists: tuple[list[PlannedPost], ...] = ([], [], [], [])
    add, run_now, missed, update = lists
    for post in plan.values():
        if post.key in final:
            continue
        if post.key in jobs:
            if jobs[post.key] != post:
                update.append(post)
        else:
            late, due = now > post.latest_at_utc, post.at_utc <= now
            (missed if late else run_now if due else add).append(post)
    gone = [jobs[key] for key in jobs if key not in plan]
    moves = _pair_moves(gone, [*add, *run_now])
    moved = {m.old_key for m in moves} | {m.post.key for m in moves}
    settled = {key for key in jobs if key in plan and key in final}
    return Diff(
        add=tuple(p for p in add if p.key not in moved),
        run_now=tuple(p for p in run_now if p.key not in moved),
        missed=tuple(missed),
        move=tuple(moves),
        update=tuple(update),
        remove=tuple(sorted({post.key for post in gone} - moved | settled)),
    )


def _pair_moves(old: list[PlannedPost], new: list[PlannedPost]) -> list[Move]:
    """Pair vanished occurrences with new ones of the same post and group (time order)."""
    moves: list[Move] = []
    used: set[str] = set()
    for same_day in (True, False):
        olds: dict[tuple[object, ...], list[PlannedPost]] = defaultdict(list)
        news: dict[tuple[object, ...], list[PlannedPost]] = defaultdict(list)
        for posts, index in ((old, olds), (new, news)):
            for post in sorted(posts, key=lambda p: p.at_utc):
                if post.key not in used:
                    day = post.local_at.date() if same_day else None
                    index[(post.post_id, post.target_group, day)].append(post)
        for ident, before in olds.items():
            after = news.get(ident, [])
            if same_day or len(before) == len(after) == 1:
                for was, now_is in zip(before, after, strict=False):  # extras: removed / new
                    moves.append(Move(was.key, now_is))
                    used.update((was.key, now_is.key))
    return moves


def grace_seconds(post: PlannedPost, run_at: datetime) -> int:
    """Return a job's ``misfire_grace_time``: whole seconds from run_at (aware) to latest, >= 1."""
    return max(1, math.ceil((post.latest_at_utc - run_at).total_seconds()))
