"""Simulation: the worker's own jobs driven by a virtual clock over a range (``reachout simulate``).

Nothing here posts, collects or reports: `Simulation` asks the same APScheduler triggers the
worker uses when each job fires next (a ``DateTrigger`` per post occurrence, the duties'
interval and cron triggers, the resolve interval) and calls the same functions
(`Poster.post_due`, `Poster.resolve_unknown`, each duty's ``run``) with the virtual time, in
time order. Between two jobs the sandbox traffic source produces what supporters and
legislators posted meanwhile. A whole recess runs in seconds, deterministically for a seed.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.compose import PlannedPost
from bot.duties import Duty
from bot.posting import Outcome, Poster
from bot.reconcile import reconcile
from bot.store import Store

RESOLVE_SECONDS = 60.0
"""How often the worker looks for ``unknown`` posts on the account (bot.scheduler.Timings)."""


class TrafficSource(Protocol):
    """What happens on X between two jobs (bot.sandbox.Traffic)."""

    def advance(self, start: datetime, end: datetime) -> object:
        """Produce the posts created in [start, end) (aware UTC) on the sandbox X."""
        ...


class VirtualClock:
    """A clock the simulation moves; the sandbox X and every job read it."""

    def __init__(self, now: datetime) -> None:
        """Start at ``now`` (aware)."""
        self.now = now

    def __call__(self) -> datetime:
        """Return the virtual time (aware UTC)."""
        return self.now


@dataclass
class Run:
    """What a simulation did (counts by job, the posts' outcomes in time order)."""

    start: datetime
    end: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    job_runs: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)  # post, duty, resolve
    name: str = field(compare=False)  # ledger key or duty name
    trigger: BaseTrigger | None = field(compare=False, default=None)


class Simulation:
    """Runs the worker's jobs in virtual time against the sandbox X and a store."""

    def __init__(
        self,
        store: Store,
        poster: Poster,
        posts: Sequence[PlannedPost],
        *,
        clock: VirtualClock,
        duties: Sequence[Duty] = (),
        traffic: TrafficSource | None = None,
        resolve_seconds: float = RESOLVE_SECONDS,
        on_job: Callable[[str, datetime], None] | None = None,
    ) -> None:
        """Build the simulation (nothing runs before `run`).

        Args:
            store: the simulation's own database (never a live one).
            poster: posts through the sandbox X, reading ``clock``.
            posts: the composed plan.
            clock: the virtual clock shared with the sandbox X.
            duties: collection, the weekly report... (bot.duties), on their real triggers.
            traffic: produces supporters' and legislators' posts between jobs.
            resolve_seconds: the interval of the ``unknown`` check, as in the worker.
            on_job: called with (job name, virtual time) before each job (progress).
        """
        self._store, self._poster, self._clock = store, poster, clock
        self._posts = {post.key: post for post in posts}
        self._duties = {duty.name: duty for duty in duties}
        self._traffic, self._on_job = traffic, on_job
        self._resolve = resolve_seconds
        self._heap: list[_Event] = []
        self._seq = itertools.count()
        self._resolve_pending = False

    def run(self, start: datetime, end: datetime) -> Run:
        """Run every job that fires in [start, end] (aware), in time order.

        Returns:
            What ran; the outcomes of each post attempt.

        Raises:
            ValueError: naive or reversed times. StoreError: the database failed.
        """
        if start.utcoffset() is None or end.utcoffset() is None or end < start:
            raise ValueError("start and end must be aware, start <= end")
        result = Run(start, end)
        self._clock.now = start
        diff = reconcile(self._posts.values(), self._store.rows(), start)
        for post in (*diff.add, *diff.run_now, *diff.missed):
            self._at(DateTrigger(run_date=post.at_utc), "post", post.key, start, None)
        for duty in self._duties.values():
            if duty.at_start:
                self._push(start, "duty", duty.name, None)
            self._at(duty.trigger, "duty", duty.name, start, None)
        if self._store.pending_unknown():
            self._schedule_resolve(start)
        previous = start
        while self._heap and self._heap[0].at <= end:
            event = heapq.heappop(self._heap)
            now = max(event.at, previous)
            if self._traffic is not None and now > previous:
                self._traffic.advance(previous, now)
            self._clock.now = previous = now
            if self._on_job is not None:
                self._on_job(event.name, now)
            result.job_runs[event.kind] = result.job_runs.get(event.kind, 0) + 1
            self._fire(event, now, result)
        if self._traffic is not None and end > previous:
            self._traffic.advance(previous, end)
        self._clock.now = end
        return result

    def _fire(self, event: _Event, now: datetime, result: Run) -> None:
        if event.kind == "post":
            outcome = self._poster.post_due(self._posts[event.name], now=now)
            self._after(outcome, now, result)
        elif event.kind == "resolve":
            self._resolve_pending = False
            for outcome in self._poster.resolve_unknown(now=now):
                self._after(outcome, now, result)
            if self._store.pending_unknown():
                self._schedule_resolve(now)
        else:
            duty = self._duties[event.name]
            try:
                duty.run(now)
            except Exception as exc:  # as in the worker: logged, the duty fires again later
                result.failures.append(f"{now:%Y-%m-%d %H:%M} {duty.name}: {exc}")
            if event.trigger is not None:
                self._at(event.trigger, "duty", event.name, now, event.at)

    def _after(self, outcome: Outcome, now: datetime, result: Run) -> None:
        result.outcomes.append(outcome)
        if outcome.retry_at is not None and outcome.key in self._posts:
            self._push(max(outcome.retry_at, now), "post", outcome.key, None)
        if outcome.state == "unknown":
            self._schedule_resolve(now)

    def _schedule_resolve(self, now: datetime) -> None:
        if self._resolve_pending:
            return
        self._resolve_pending = True
        trigger = IntervalTrigger(seconds=self._resolve, start_date=now, timezone=UTC)
        fire = trigger.get_next_fire_time(now, now + timedelta(microseconds=1))
        self._push(fire or now, "resolve", "resolve-unknown", None)

    def _at(
        self,
        trigger: BaseTrigger,
        kind: str,
        name: str,
        now: datetime,
        previous: datetime | None,
    ) -> None:
        """Push the trigger's next fire after ``previous`` (None: its first) as the worker would."""
        fire = trigger.get_next_fire_time(previous, now)
        if previous is not None and fire is not None and fire <= previous:
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        if fire is not None:
            self._push(fire.astimezone(UTC), kind, name, trigger)

    def _push(self, at: datetime, kind: str, name: str, trigger: BaseTrigger | None) -> None:
        heapq.heappush(self._heap, _Event(at.astimezone(UTC), next(self._seq), kind, name, trigger))
