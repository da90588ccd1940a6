"""The worker process: APScheduler as an in-memory timer, the lease, the calendar watcher, signals.

The only module with timers, threads and signal handlers (STYLE.md rule 3). Nothing about jobs
is persisted (reference/scheduler-and-yaml.md A2, A11): the pure `reconcile` turns the plan,
the ledger and the jobs already scheduled into a `Diff`, which the `Worker` applies to a UTC
``BackgroundScheduler`` with the default in-memory job store. Each due occurrence gets one
``date`` job (id = ledger key, ``coalesce``, ``max_instances=1``, ``misfire_grace_time`` = the
seconds from its run time to ``latest_at_utc``, so APScheduler drops a run that comes later and
the poster records it ``missed``). Jobs call `Poster.post_due`; an outcome's ``retry_at``
becomes a new date job. Jobs and listeners never call the scheduler (A7, A8): they queue
commands for the supervisor loop (`Worker.serve`, main thread), which also renews the lease,
writes the heartbeat and reconciles. Only the lease holder schedules posts (A9); the ledger
claim stops a double post even when two workers believe they lead for a moment.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import queue
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler import events as ev
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.compose import PlannedPost
from bot.duties import Duty
from bot.errors import BotError, SourceError, StoreError
from bot.posting import Outcome, Poster
from bot.reconcile import Diff, grace_seconds, reconcile
from bot.store import Store

log = logging.getLogger("reachout.scheduler")

CALENDAR_ALERT = "calendar_invalid"
"""Alert kind for a calendar edit that was not applied (one open alert, however many edits)."""
WATCH_JOB, RESOLVE_JOB = "calendar-watch", "resolve-unknown"
THREADS = 8  # APScheduler's pool: posts, the watcher and resolve_unknown
_COMMAND_OF_EVENT = {ev.EVENT_JOB_EXECUTED: "done", ev.EVENT_JOB_ERROR: "failed",
                     ev.EVENT_JOB_MISSED: "missed"}  # fmt: skip
LoadPlan = Callable[[], Sequence[PlannedPost]]
"""Loads and composes the calendar; raises a BotError (CalendarError ...) when it is broken."""


def utc_now() -> datetime:
    """Return the current time, aware UTC (the real clock; inject another in tests)."""
    return datetime.now(UTC)


def file_digest(path: Path) -> str:
    """Return the sha256 of a file's bytes, or a marker when it cannot be read (a change too)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"


# --- the worker --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timings:
    """The worker's intervals, in seconds (see each field's comment)."""

    lease_seconds: float = 30.0  # the lease's time to live; renewed every third of it
    heartbeat_seconds: float = 10.0  # how often the heartbeat row is written
    watch_seconds: float = 2.0  # how often the calendar file is hashed
    debounce_seconds: float = 1.0  # a changed file must stay so this long before it loads
    resolve_seconds: float = 60.0  # how often unknown posts are looked for on the account
    reconcile_seconds: float = 60.0  # how often jobs are reconciled with plan and ledger anyway
    drain_seconds: float = 20.0  # at shutdown, how long in-flight posts may still take
    error_retry_seconds: float = 30.0  # a job that raised (database failed) runs again after
    tick_seconds: float = 0.2  # the supervisor's longest wait for a command


@dataclass(frozen=True)
class _Command:
    """Something a job or listener asks the supervisor to do (kind: plan/done/retry/...)."""

    kind: str
    key: str = ""
    outcome: Outcome | None = None
    at: datetime | None = None
    posts: tuple[PlannedPost, ...] = field(default=(), repr=False)


class Worker:
    """The posting worker: a UTC BackgroundScheduler driven by a supervisor loop."""

    def __init__(self, store: Store, poster: Poster, load_plan: LoadPlan, *, owner: str,
                 calendar_path: Path | None = None, clock: Callable[[], datetime] = utc_now,
                 timings: Timings | None = None, duties: Sequence[Duty] = ()) -> None:  # fmt: skip
        """Build the worker (nothing runs before `start` or `serve`).

        Args:
            store: ledger, lease and heartbeat (shared with the poster); poster: posts one
                due occurrence through live X or the sandbox.
            load_plan: loads and composes the calendar; raises BotError when it is broken.
            owner: this worker's name in the lease and heartbeat (host and process id).
            calendar_path: the file to watch for edits (None: the plan never changes).
            clock: returns the current time (aware); timings: intervals (default `Timings()`).
            duties: periodic jobs (collection, the weekly report...) run only while leading;
                those marked ``at_start`` also run once each time this worker takes the lease.
        """
        self._store, self._poster, self._load_plan = store, poster, load_plan
        self._owner, self._clock, self._t = owner, clock, timings or Timings()
        self._calendar_path = calendar_path
        self._seen, self._pending = "", ("", datetime.min.replace(tzinfo=UTC))  # watcher digests
        defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 1}
        pool = {"default": ThreadPoolExecutor(THREADS)}
        self._scheduler = BackgroundScheduler(timezone=UTC, executors=pool, job_defaults=defaults)
        self._queue: queue.SimpleQueue[_Command] = queue.SimpleQueue()
        self._posts: dict[str, PlannedPost] = {}  # the plan in force
        self._jobs: dict[str, PlannedPost] = {}  # keys with a job (or a run in flight)
        self._due: dict[str, datetime] = {}  # supervisor duty → its next time
        self._leader, self._lease_until = False, datetime.min.replace(tzinfo=UTC)
        self._started = self._stopping = self._stop_requested = False
        self._signal, self._inflight, self._cond = "", 0, threading.Condition()
        self._duties = {duty.name: duty for duty in duties}
        self._periodic = {WATCH_JOB, RESOLVE_JOB, *self._duties}  # job ids that are not posts

    def start(self, *, run_jobs: bool = True) -> None:
        """Load the calendar, start APScheduler, take the lease if free, schedule due posts.

        Args:
            run_jobs: False starts APScheduler paused: jobs are scheduled, never run (tests).

        Raises:
            BotError: the calendar cannot be loaded (nothing started), or the database failed.
        """
        if self._calendar_path is not None:
            self._seen = file_digest(self._calendar_path)
        self._posts = {post.key: post for post in self._load_plan()}
        mask = ev.EVENT_JOB_EXECUTED | ev.EVENT_JOB_ERROR | ev.EVENT_JOB_MISSED
        self._scheduler.add_listener(self._on_event, mask | ev.EVENT_JOB_MAX_INSTANCES)
        self._scheduler.start(paused=not run_jobs)
        self._started = True
        try:
            if self._calendar_path is not None:
                self._every(WATCH_JOB, self._watch_job, self._t.watch_seconds)
            self._every(RESOLVE_JOB, self.resolve_job, self._t.resolve_seconds)
            for duty in self._duties.values():
                self._scheduler.add_job(
                    self.duty_job,
                    duty.trigger,
                    args=(duty.name,),
                    id=duty.name,
                    name=duty.name,
                    replace_existing=True,
                    misfire_grace_time=duty.misfire_grace_seconds,
                )
            self.step(self._clock())
        except BaseException:
            self.shutdown()
            raise
        log.info("worker %s started as %s: %d posts planned", self._owner, self.role,
                 len(self._posts))  # fmt: skip

    def serve(self, *, handle_signals: bool = True) -> None:
        """Start, supervise until `stop` (or SIGTERM/SIGINT), then shut down gracefully.

        Args:
            handle_signals: in the main thread, SIGTERM and SIGINT call `stop` meanwhile.

        Raises:
            BotError: the worker could not start.
        """
        previous: dict[signal.Signals, Any] = {}
        if handle_signals and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, self._on_signal)
        try:
            self.start()
            while not self._stop_requested:
                try:
                    first: _Command | None = self._queue.get(timeout=self._t.tick_seconds)
                except queue.Empty:
                    first = None
                try:
                    self._step(self._clock(), first)
                except Exception:  # keep supervising: the lease and heartbeat matter most
                    log.exception("supervisor step failed; continuing")
            log.info("stop requested%s: shutting down", self._signal)
        finally:
            self.shutdown()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def stop(self) -> None:
        """Ask `serve` to shut down (safe from signal handlers and other threads)."""
        self._stop_requested = True
        self._queue.put(_Command("stop"))  # SimpleQueue.put is reentrant: wakes the loop

    def shutdown(self) -> None:
        """Stop taking jobs, let in-flight posts finish (bounded), release the lease.

        Idempotent. A post still in flight after ``drain_seconds`` keeps its ``sending`` row,
        which the next worker treats as ``unknown`` (checked on the account, not re-sent).
        """
        if not self._started:
            return
        self._started = False
        with self._cond:
            self._stopping = True
        self._scheduler.pause()
        deadline = time.monotonic() + self._t.drain_seconds
        with self._cond:
            while self._inflight and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)
            if self._inflight:
                log.warning("%d job(s) still running after the drain", self._inflight)
        self._scheduler.shutdown(wait=False)
        self._leader = False
        try:
            self._store.release_lease(self._owner)
            self._store.heartbeat(self._owner, now=self._clock(), info="role=stopped jobs=0")
        except StoreError as exc:
            log.error("could not release the lease: %s", exc)
        log.info("worker %s stopped", self._owner)

    def step(self, now: datetime) -> None:
        """Apply queued commands, then renew the lease, reconcile and beat when due (now: aware)."""
        self._step(now, None)

    def _step(self, now: datetime, command: _Command | None) -> None:
        while command is not None or not self._queue.empty():
            self._apply(command or self._queue.get_nowait(), now)
            command = None
        if self._stop_requested:
            return
        if self._is_due("lease", now, self._t.lease_seconds / 3):
            self._refresh_lease(now)
        if self._leader and self._is_due("reconcile", now, self._t.reconcile_seconds):
            self._reconcile(now)
        if self._is_due("heartbeat", now, self._t.heartbeat_seconds):
            info = f"role={self.role} jobs={len(self._jobs)}"
            self._store.heartbeat(self._owner, now=now, info=info)

    def _is_due(self, duty: str, now: datetime, every_seconds: float) -> bool:
        if now < self._due.get(duty, now):
            return False
        self._due[duty] = now + timedelta(seconds=every_seconds)
        return True

    def _refresh_lease(self, now: datetime) -> None:
        ttl = self._t.lease_seconds
        try:
            held = self._store.acquire_lease(self._owner, now=now, ttl_seconds=ttl)
        except StoreError as exc:  # keep the role until our lease would have run out
            log.error("could not renew the lease: %s", exc)
            held = self._leader and now < self._lease_until
        else:
            self._lease_until = now + timedelta(seconds=ttl)
        if held and not self._leader:
            self._leader = True
            log.info("worker %s holds the lease: scheduling posts", self._owner)
            self._reconcile(now)
            for duty in self._duties.values():
                if duty.at_start:  # once per lease taken: e.g. catch up a missed weekly report
                    self._scheduler.add_job(
                        self.duty_job,
                        DateTrigger(run_date=now),
                        args=(duty.name,),
                        id=f"{duty.name}@start",
                        misfire_grace_time=None,
                        replace_existing=True,
                    )
        elif not held and self._leader:
            self._leader = False
            for key in list(self._jobs):
                self._unschedule(key)
            log.warning("worker %s lost the lease: standing by, posting nothing", self._owner)

    def _reconcile(self, now: datetime) -> None:
        self._due["reconcile"] = now + timedelta(seconds=self._t.reconcile_seconds)
        diff = reconcile(self._posts.values(), self._store.rows(), now, scheduled=self._jobs)
        for key in diff.remove:
            self._unschedule(key)
        for move in diff.move:
            self._unschedule(move.old_key)
            self._schedule(move.post, move.post.at_utc)
        for post in diff.update:
            job = self._scheduler.get_job(post.key)
            self._jobs[post.key] = post
            if job is not None and job.next_run_time is not None:
                self._schedule(post, job.next_run_time)  # same time, new grace
        for post in (*diff.add, *diff.run_now):
            self._schedule(post, post.at_utc)
        for post in diff.missed:
            self._schedule(post, now, settle=True)
        if diff != Diff():
            log.info("reconciled: %s; %d jobs scheduled", diff.summary(), len(self._jobs))

    def _schedule(self, post: PlannedPost, run_at: datetime, *, settle: bool = False) -> None:
        """Add or replace the date job of a key; ``settle``: run however late (to record it)."""
        grace = None if settle else grace_seconds(post, run_at)
        self._scheduler.add_job(
            self.post_job, DateTrigger(run_date=run_at), args=(post.key,), id=post.key,
            name=f"post {post.key}", misfire_grace_time=grace, coalesce=True, max_instances=1,
            replace_existing=True,
        )  # fmt: skip
        self._jobs[post.key] = post

    def _unschedule(self, key: str) -> None:
        self._jobs.pop(key, None)
        with contextlib.suppress(JobLookupError):  # it ran already, or is running
            self._scheduler.remove_job(key)

    def _apply(self, command: _Command, now: datetime) -> None:
        key, kind = command.key, command.kind
        if kind == "plan":
            self._posts = {post.key: post for post in command.posts}
            if self._leader:
                self._reconcile(now)
            return
        if kind == "stop" or self._stop_requested:
            return
        pending = self._scheduler.get_job(key)  # a newer job for the key wins
        post = self._jobs.get(key)
        if kind == "done" and pending is None:
            retry_at = command.outcome.retry_at if command.outcome else None
            if self._leader and post is not None and retry_at is not None:
                self._schedule(post, retry_at)
            else:
                self._jobs.pop(key, None)
        elif not self._leader or kind == "done":
            return
        elif kind == "retry" and command.at is not None and key in self._posts:
            if pending is None or pending.next_run_time > command.at:
                self._schedule(post or self._posts[key], command.at)
        elif kind == "failed" and post is not None and pending is None:
            self._schedule(post, now + timedelta(seconds=self._t.error_retry_seconds))
        elif kind == "missed" and post is not None and pending is None:
            self._schedule(post, now, settle=True)

    # --- jobs (in APScheduler's threads; they never call the scheduler) ---------------------

    def post_job(self, key: str) -> Outcome | None:
        """The date job of one occurrence (key: its ledger key): post it if this worker leads.

        Returns:
            The poster's outcome; None when standing by, stopping, or the key left the plan.
        """
        post = self._jobs.get(key)
        if post is None or not self._leader or not self._enter():
            return None
        try:
            return self._poster.post_due(post, now=self._clock())
        finally:
            self._leave()

    def resolve_job(self) -> None:
        """The periodic job: settle ``unknown`` posts; those absent and still in time run again."""
        if not self._leader or not self._enter():
            return
        try:
            outcomes = self._poster.resolve_unknown(now=self._clock())
        finally:
            self._leave()
        for outcome in outcomes:
            if outcome.state == "unknown" and outcome.retry_at is not None:
                self._queue.put(_Command("retry", outcome.key, at=outcome.retry_at))

    def duty_job(self, name: str) -> object:
        """Run one duty (by name) with the current time if this worker leads; else None."""
        if not self._leader or not self._enter():
            return None
        try:
            return self._duties[name].run(self._clock())
        finally:
            self._leave()

    def _enter(self) -> bool:
        """Count a job that may call X as in flight; False once shutting down."""
        with self._cond:
            if not self._stopping:
                self._inflight += 1
            return not self._stopping

    def _leave(self) -> None:
        with self._cond:
            self._inflight -= 1
            self._cond.notify_all()

    def check_calendar(self, now: datetime) -> str:
        """Hash the calendar file; on a settled change reload it and queue the new plan.

        A change settles once the same new content was seen on two polls ``debounce_seconds``
        apart (a half-written save is never loaded). A broken edit changes nothing: the last
        good calendar stays in force, every problem is logged, and one ``calendar_invalid``
        alert stays open until a good edit loads.

        Args:
            now: the current time (aware).

        Returns:
            ``"unchanged"``, ``"pending"`` (changed, settling), ``"reloaded"`` or ``"rejected"``.
        """
        if self._calendar_path is None:
            return "unchanged"
        if (digest := file_digest(self._calendar_path)) == self._seen:
            self._pending = ("", now)
            return "unchanged"
        if self._pending[0] != digest:
            self._pending = (digest, now)
        if now - self._pending[1] < timedelta(seconds=self._t.debounce_seconds):
            return "pending"
        self._seen = digest
        try:
            posts = tuple(self._load_plan())
        except BotError as exc:
            for problem in exc.problems if isinstance(exc, SourceError) else [exc]:
                log.error("calendar edit not applied: %s", problem)
            message = f"calendar edit not applied, the last good calendar stays in force: {exc}"
            self._poster.raise_alert(CALENDAR_ALERT, message, None, now)  # store + webhook
            return "rejected"
        for alert in self._store.open_alerts():
            if alert.kind == CALENDAR_ALERT:
                self._store.resolve_alert(alert.id, now)
        self._queue.put(_Command("plan", posts=posts))
        log.info("calendar %s changed: %d posts planned", self._calendar_path, len(posts))
        return "reloaded"

    def _watch_job(self) -> None:
        self.check_calendar(self._clock())

    def _on_event(self, event: Any) -> None:
        """APScheduler listener: log, and queue what the supervisor must do (A7)."""
        key, code = str(event.job_id), event.code
        if code == ev.EVENT_JOB_ERROR:
            log.error("job %s failed: %r", key, event.exception)
        elif code in (ev.EVENT_JOB_MISSED, ev.EVENT_JOB_MAX_INSTANCES):
            why = "came too late for its window" if code == ev.EVENT_JOB_MISSED else "still runs"
            log.warning("job %s %s: this run was skipped", key, why)
        kind = _COMMAND_OF_EVENT.get(code)
        if kind is not None and key.split("@start")[0] not in self._periodic:
            self._queue.put(_Command(kind, key, outcome=getattr(event, "retval", None)))

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signal = f" ({signal.Signals(signum).name})"  # no logging in a signal handler
        self.stop()

    def _every(self, job_id: str, func: Callable[[], None], seconds: float) -> None:
        trigger = IntervalTrigger(seconds=seconds, timezone=UTC)
        self._scheduler.add_job(func, trigger, id=job_id, name=job_id, replace_existing=True,
                                misfire_grace_time=max(1, math.ceil(seconds)))  # fmt: skip

    @property
    def role(self) -> str:
        """``"leader"`` (holds the lease, posts) or ``"standby"``."""
        return "leader" if self._leader else "standby"

    def job_times(self) -> dict[str, datetime]:
        """Return each scheduled post job's next run time (aware UTC), by key."""
        jobs = self._scheduler.get_jobs()
        return {
            j.id: j.next_run_time for j in jobs if j.id.split("@start")[0] not in self._periodic
        }

    def duty_times(self) -> dict[str, datetime]:
        """Return each duty's next fire time (aware UTC), by name (none while paused)."""
        return {j.id: j.next_run_time for j in self._scheduler.get_jobs() if j.id in self._duties}
