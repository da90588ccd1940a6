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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.campaign import Calendar
from bot.compose import PlannedPost
from bot.duties import Duty
from bot.legislators import Directory
from bot.posting import Outcome, Poster
from bot.reconcile import reconcile
from bot.report import write_report
from bot.report_data import build_report_data, iter_collected
from bot.report_model import ReportData
from bot.report_period import between
from bot.sandbox import Traffic
from bot.settings import Settings
from bot.store import BACKEND_STATE, Store
from bot.testing import SandboxX
from bot.worker_duties import Snapshot, build_duties
from bot.x_models import Account, XPost

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
    """What a simulation did.

    Attributes:
        start, end: the virtual range run (aware UTC).
        outcomes: every post attempt's outcome, in time order.
        job_runs: runs by kind (``post``, ``duty``, ``resolve``).
        failures: duties that raised (time, name, error); they ran again at their next fire.
        duty_errors: by duty name, runs that returned an ``error`` (e.g. a poll X failed).
    """

    start: datetime
    end: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    job_runs: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    duty_errors: dict[str, int] = field(default_factory=dict)


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
        self._next_post: dict[str, datetime] = {}  # key → its one pending run (as job id = key)

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
            if event.kind == "post" and self._next_post.get(event.name) != event.at:
                continue  # replaced by a newer run of the same key, as replace_existing does
            if event.kind == "post":
                del self._next_post[event.name]
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
                returned = duty.run(now)
            except Exception as exc:  # as in the worker: logged, the duty fires again later
                result.failures.append(f"{now:%Y-%m-%d %H:%M} {duty.name}: {exc}")
            else:
                if getattr(returned, "error", None):
                    result.duty_errors[duty.name] = result.duty_errors.get(duty.name, 0) + 1
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
        at = at.astimezone(UTC)
        if kind == "post":  # one pending run per key: the worker's job id is the key
            self._next_post[name] = at
        heapq.heappush(self._heap, _Event(at, next(self._seq), kind, name, trigger))


# --- the whole product on the sandbox X: what ``reachout simulate`` runs ------------------------


@dataclass(frozen=True)
class Result:
    """A finished simulation: the outbox, the jobs' run, the summary printed at the end.

    Attributes:
        outbox: every post the account made on the sandbox X, in time order.
        run: the posts' outcomes and the job counts.
        summary: the closing summary's figures and lines (see `summarise`).
        sandbox: the sandbox X as the run left it (what was posted and fed).
    """

    outbox: tuple[XPost, ...]
    run: Run
    summary: dict[str, Any]
    sandbox: SandboxX


def run_simulation(
    *,
    settings: Settings,
    calendar: Calendar,
    posts: Sequence[PlannedPost],
    directory: Directory,
    account: Account,
    database: Path,
    reports_dir: Path,
    first_day: date,
    last_day: date,
    start: datetime,
    end: datetime,
) -> Result:
    """Build the worker's parts on the sandbox X and a fresh database, run them over the range.

    Args:
        settings: caps, polling, prices, budget, collection, report and simulation settings.
        calendar: the campaign (time zone, hashtag, search query).
        posts: the composed plan.
        directory: the legislator directory (traffic and classification).
        account: the sandbox account (its username: the calendar's ``x_username``).
        database: the simulation's SQLite file (created; never a live database).
        reports_dir: where the weekly reports go (``<week>/``).
        first_day, last_day: the local days simulated (reports for the weeks holding them).
        start, end: the virtual time range (aware), ``end`` past the last Monday report.

    Returns:
        The outbox, the run and the summary.

    Raises:
        StoreError: the database cannot be written.
    """
    campaign = calendar.campaign
    clock = VirtualClock(start)
    x = SandboxX(clock=clock, account=account)
    traffic = Traffic(x, directory, simulation=settings.simulation, hashtag=campaign.hashtag,
                      account=account, timezone=campaign.timezone)  # fmt: skip
    with Store.open(database) as store:
        store.set_state(BACKEND_STATE, "sandbox", start)  # never a live worker's ledger
        poster = Poster(store, x, settings.caps, user_id=account.user_id)
        snapshot = Snapshot(calendar, posts, directory)
        parts = build_duties(
            store, x, account=account, settings=settings, current=lambda: snapshot,
            alert=poster.raise_alert, first_at=start, reports_dir=reports_dir,
            read_congress=False, days=(first_day, last_day),
        )  # fmt: skip
        duties, reporter = parts.duties, parts.reporter
        sim = Simulation(store, poster, posts, clock=clock, duties=duties, traffic=traffic)
        run = sim.run(start, end)
        whole = build_report_data(
            store, between(first_day, last_day, campaign.timezone), planned=posts,
            directory=directory, account=account.username,
            campaign=campaign.hashtag or campaign.name, prices=settings.prices,
            budget=settings.budget, now=end,
        )  # fmt: skip
        reports = [str(reports_dir / week.label) for week in reporter.due_weeks(end)]
        overall = write_report(
            whole, reports_dir, anonymise=settings.report.anonymise_handles,
            collected=iter_collected(store, whole.period, account.username),
        )  # fmt: skip
        summary = summarise(whole, run, dict(traffic.faults), reports)
        summary["overall_report"] = str(overall)
        summary["ran_until"] = f"{end.astimezone(campaign.timezone):%Y-%m-%d %H:%M %Z}"
    return Result(x.posts, run, summary, x)


def summarise(
    data: ReportData, run: Run, faults: Mapping[str, int], reports: Sequence[str]
) -> dict[str, Any]:
    """Return the closing summary: figures and one-line texts (the same numbers as the report).

    Args:
        data: the report data over the whole simulated range.
        run: what ran; faults: injected X faults by kind; reports: the report folders written.
    """
    t, outcomes = data.totals, data.outcomes
    states = ", ".join(f"{n:,} {state}" for state, n in sorted(outcomes.items()) if n)
    refused = sorted(
        {f"{p.item_id}: {p.state} — {p.reason}" for p in data.posts if p.state != "posted"}
    )
    responders = sorted({r.legislator.name for r in data.responses})
    spend = data.spend
    return {
        "range": f"{data.period.first_day} to {data.period.last_day}",
        "weeks": len(reports),
        "posts_sent": t.posts_posted,
        "posts_planned": t.posts_planned,
        "outcomes": dict(outcomes),
        "posts_line": f"{t.posts_posted:,} of {t.posts_planned:,} planned posts sent ({states})",
        "refused": refused[:10]
        + ([f"… and {len(refused) - 10} more"] if len(refused) > 10 else []),
        "mentions": t.mentions,
        "hashtag_posts": t.hashtag_posts,
        "collected_line": (
            f"{t.collected:,} posts collected: {t.mentions:,} mentions, {t.hashtag_posts:,} "
            f"hashtag posts, from {t.authors:,} distinct authors; {t.legislators_tagged:,} "
            f"legislators tagged in {t.states_reached:,} states and territories"
        ),
        "responses": t.responses,
        "responded_line": (
            f"{len(responders)} ({', '.join(responders[:8])}{', …' if len(responders) > 8 else ''})"
            if responders
            else "none"
        ),
        "faults": dict(faults),
        "faults_line": (", ".join(f"{n} {kind}" for kind, n in sorted(faults.items())) or "none")
        + (
            f"; {sum(run.duty_errors.values())} polls failed and were caught up by the next"
            if run.duty_errors
            else ""
        ),
        "spend_line": (
            f"${spend.reads_dollars + spend.posts_dollars:,.2f} "
            f"({spend.reads:,} billable reads ${spend.reads_dollars:,.2f}, "
            f"{spend.posts:,} posts ${spend.posts_dollars:,.2f})"
        ),
        "reports": list(reports),
        "job_runs": dict(run.job_runs),
        "failures": list(run.failures),
    }
