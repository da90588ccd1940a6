"""The worker: reconcile tables, DST, two workers on one database, the real scheduler, edits.

Pure tests inject ``now``; worker tests start APScheduler paused (``run_jobs=False``) and drive
the job functions and the supervisor with an injected clock. The few tests of the real
scheduler run posts due 0.2-1.5 s ahead and wait on the sandbox with a deadline, never a
fixed sleep. Real SQLite files, SandboxX as X.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import compose
from bot.campaign import load_calendar_file
from bot.compose import PlannedPost
from bot.duties import Duty
from bot.legislators import Directory
from bot.posting import Poster
from bot.reconcile import Diff, Move, reconcile
from bot.scheduler import CALENDAR_ALERT, Timings, Worker, utc_now
from bot.settings import Caps
from bot.store import LedgerRow, LedgerState, Store
from bot.testing import Fault, SandboxX
from bot.twitter_text import weighted_length
from bot.x_models import CREATE_POST, PostResult

T0 = datetime(2027, 8, 2, 13, 30, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
NO_CAPS = Caps(posts_per_day=1000, posts_per_15_minutes=100, min_spacing_minutes=0)
EMPTY_DIRECTORY = Directory([], {}, None)


def planned(
    item: str, when: datetime = T0, *, late_ok_minutes: float = 30, text: str | None = None
) -> PlannedPost:
    """A planned post as compose makes it (key: id@UTC time)."""
    body = text or f"{item} at {when:%H:%M:%S.%f}: ask your members to back H.R. 2283"
    return PlannedPost(
        key=f"{item}@{when.isoformat()}",
        post_id=item,
        local_at=when.astimezone(NEW_YORK),
        at_utc=when,
        latest_at_utc=when + timedelta(minutes=late_ok_minutes),
        target_group="",
        text=body,
        weighted_length=weighted_length(body),
        tagging="none",
        targets=(),
    )


def ledger(post: PlannedPost, state: LedgerState) -> LedgerRow:
    """A ledger row for a post in some state."""
    return LedgerRow(
        post.key, post.post_id, post.at_utc, 1800, "", post.text, state,
        "1" if state == "posted" else None, 1, None, T0, T0, None, None,
    )  # fmt: skip


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def wait_until(done: Callable[[], bool], seconds: float) -> bool:
    """Poll ``done`` every 20 ms until it holds or the deadline passes."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def make_worker(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Build workers on tmp_path/r.db (each with its own connection, as two processes)."""
    built: list[tuple[Worker, Store]] = []

    def build(
        posts: Sequence[PlannedPost] | Callable[[], Sequence[PlannedPost]],
        x: SandboxX,
        *,
        clock: Callable[[], datetime] = utc_now,
        owner: str = "w1",
        calendar_path: Path | None = None,
        settle_seconds: float = 30.0,
        alert: Callable[[str, str, str | None], None] | None = None,
        duties: Sequence[Duty] = (),
        **timings: float,
    ) -> Worker:
        store = Store.open(tmp_path / "r.db")
        poster = Poster(store, x, NO_CAPS, settle_seconds=settle_seconds, alert=alert)
        load = posts if callable(posts) else lambda: posts
        worker = Worker(store, poster, load, owner=owner, calendar_path=calendar_path,
                        clock=clock, timings=Timings(**timings), duties=duties)  # fmt: skip
        built.append((worker, store))
        return worker

    yield build
    for worker, store in built:
        worker.shutdown()
        store.close()


# --- reconcile: a table -----------------------------------------------------------------------

P_NEW = planned("new", T0 + timedelta(hours=1))
P_DUE = planned("due", T0 - timedelta(minutes=10))
P_LATE = planned("late", T0 - timedelta(minutes=31))
P_DONE = planned("done", T0 + timedelta(hours=1))
P_WAIT = planned("waiting", T0 + timedelta(minutes=5))
P_0930 = planned("moved", T0)
P_1000 = planned("moved", T0 + timedelta(minutes=30))
P_EDIT = planned("new", T0 + timedelta(hours=1), text="a new text for the same occurrence")

RECONCILE = [
    # name, plan, ledger rows, scheduled, expected diff
    ("new", [P_NEW], [], [], Diff(add=(P_NEW,))),
    ("past due, within late_ok: run now", [P_DUE], [], [], Diff(run_now=(P_DUE,))),
    ("past late_ok: missed", [P_LATE], [], [], Diff(missed=(P_LATE,))),
    ("final in the ledger: ignored", [P_DONE], [ledger(P_DONE, "posted")], [], Diff()),
    ("missed in the ledger: ignored", [P_LATE], [ledger(P_LATE, "missed")], [], Diff()),
    ("rate limited, not final: needs a job", [P_WAIT], [ledger(P_WAIT, "rate_limited")], [],
     Diff(add=(P_WAIT,))),
    ("scheduled and unchanged", [P_NEW], [], [P_NEW], Diff()),
    ("removed from the calendar", [], [], [P_NEW], Diff(remove=(P_NEW.key,))),
    ("time changed: moved", [P_1000], [], [P_0930], Diff(move=(Move(P_0930.key, P_1000),))),
    ("text changed: updated", [P_EDIT], [], [P_NEW], Diff(update=(P_EDIT,))),
    ("posted by another worker: job removed", [P_NEW], [ledger(P_NEW, "posted")], [P_NEW],
     Diff(remove=(P_NEW.key,))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("plan", "rows", "scheduled", "expected"),
    [case[1:] for case in RECONCILE],
    ids=[case[0] for case in RECONCILE],
)
def test_reconcile(
    plan: list[PlannedPost], rows: list[LedgerRow], scheduled: list[PlannedPost], expected: Diff
) -> None:
    """Each situation of an occurrence leads to the one job change it needs, at T0."""
    jobs = {post.key: post for post in scheduled}
    assert expected == reconcile(plan, rows, T0, scheduled=jobs)


def test_reconcile_refuses_a_naive_now() -> None:
    """Every decision takes an aware ``now``."""
    with pytest.raises(ValueError, match="naive"):
        reconcile([P_NEW], [], datetime(2027, 8, 2, 13, 30))


def test_a_calendar_edit_mid_recess_moves_exactly_the_affected_jobs() -> None:
    """Daily 09:30 → 10:00 from day 3 on: the future occurrences move, nothing else changes."""
    days = [T0 + timedelta(days=n) for n in range(5)]
    daily = [planned("daily", day) for day in days]
    other = [planned("other", day + timedelta(hours=3)) for day in days]
    now = days[2] - timedelta(hours=1)  # day 3, before its post
    rows = [ledger(post, "posted") for post in daily[:2] + other[:2]]
    scheduled = {post.key: post for post in daily[2:] + other[2:]}
    edited = daily[:2] + [planned("daily", day + timedelta(minutes=30)) for day in days[2:]]
    diff = reconcile(edited + other, rows, now, scheduled=scheduled)
    expected = tuple(Move(old.key, new) for old, new in zip(daily[2:], edited[2:], strict=True))
    assert Diff(move=expected) == diff
    assert "0 new, 0 due now, 0 missed, 3 moved, 0 changed, 0 removed" == diff.summary()


def test_a_one_off_post_moved_to_another_day_is_a_move() -> None:
    """A post that occurs once and changes its date pairs across days."""
    before, after = planned("once", T0), planned("once", T0 + timedelta(days=2))
    diff = reconcile([after], [], T0 - timedelta(days=1), scheduled={before.key: before})
    assert Diff(move=(Move(before.key, after),)) == diff


# --- DST: real DateTriggers ------------------------------------------------------------------

DST_CALENDAR = """\
campaign:
  name: DST
  hashtag: "#RecessReachOut"
  timezone: America/New_York
  recess:
    - from: 2027-03-12
      until: 2027-03-16
    - from: 2027-11-05
      until: 2027-11-09
  x_username: RecessReachOut
posts:
  - id: spring
    every: day
    from: 2027-03-12
    until: 2027-03-16
    time: "09:00"
    text: "{{ date }}: call your members about H.R. 2283"
  - id: fall
    every: day
    from: 2027-11-05
    until: 2027-11-09
    time: "09:00"
    text: "{{ date }}: ask your senators to back S. 1249"
"""
DST_EXPECTED = {  # local 09:00 every day; UTC moves with the offset
    "spring@2027-03-12T14:00:00+00:00": "2027-03-12 14:00",  # EST
    "spring@2027-03-13T14:00:00+00:00": "2027-03-13 14:00",
    "spring@2027-03-14T13:00:00+00:00": "2027-03-14 13:00",  # EDT from 02:00 that Sunday
    "spring@2027-03-15T13:00:00+00:00": "2027-03-15 13:00",
    "spring@2027-03-16T13:00:00+00:00": "2027-03-16 13:00",
    "fall@2027-11-05T13:00:00+00:00": "2027-11-05 13:00",  # EDT
    "fall@2027-11-06T13:00:00+00:00": "2027-11-06 13:00",
    "fall@2027-11-07T14:00:00+00:00": "2027-11-07 14:00",  # EST from 02:00 that Sunday
    "fall@2027-11-08T14:00:00+00:00": "2027-11-08 14:00",
    "fall@2027-11-09T14:00:00+00:00": "2027-11-09 14:00",
}


def file_plan(path: Path) -> Callable[[], Sequence[PlannedPost]]:
    """Load and compose a calendar file as the worker's plan (raises CalendarError)."""

    def load() -> Sequence[PlannedPost]:
        plan = compose.plan(load_calendar_file(path), EMPTY_DIRECTORY)
        plan.raise_for_problems()
        return plan.posts

    return load


def test_dst_daily_0900_new_york_runs_at_the_right_utc_instants(
    tmp_path: Path, make_worker: Callable[..., Worker]
) -> None:
    """09:00 New York is 14:00Z before and 13:00Z after 2027-03-14, and back on 2027-11-07."""
    path = tmp_path / "calendar.yaml"
    path.write_text(DST_CALENDAR, encoding="utf-8")
    now = datetime(2027, 3, 1, tzinfo=UTC)
    worker = make_worker(file_plan(path), SandboxX(), clock=Clock(now))
    worker.start(run_jobs=False)
    shown = {key: f"{at.astimezone(UTC):%Y-%m-%d %H:%M}" for key, at in worker.job_times().items()}
    assert DST_EXPECTED == shown
    for post in file_plan(path)():
        fire = DateTrigger(run_date=post.at_utc).get_next_fire_time(None, now)
        assert DST_EXPECTED[post.key] == f"{fire.astimezone(UTC):%Y-%m-%d %H:%M}"
        assert (9, 0) == (fire.astimezone(NEW_YORK).hour, fire.astimezone(NEW_YORK).minute)


# --- two workers, one database ---------------------------------------------------------------


def test_two_workers_one_leader_then_takeover_and_no_double_post(
    make_worker: Callable[..., Worker],
) -> None:
    """The leader posts, the standby does not; past the ttl the standby leads; one post a key."""
    clock = Clock(T0)
    x = SandboxX(clock=clock)
    posts = [planned(f"p{n}", T0 + timedelta(minutes=n)) for n in range(3)]
    first = make_worker(posts, x, clock=clock, owner="A", lease_seconds=30)
    second = make_worker(posts, x, clock=clock, owner="B", lease_seconds=30)
    first.start(run_jobs=False)
    second.start(run_jobs=False)
    assert ("leader", "standby") == (first.role, second.role)
    assert ({p.key for p in posts}, set()) == (set(first.job_times()), set(second.job_times()))

    assert "posted" == getattr(first.post_job(posts[0].key), "state", None)
    assert None is second.post_job(posts[0].key)  # a standby never posts

    clock.now = T0 + timedelta(seconds=31)  # the leader stopped renewing; its lease ran out
    second.step(clock.now)
    assert "leader" == second.role
    assert {posts[1].key, posts[2].key} == set(second.job_times())

    clock.now = T0 + timedelta(minutes=1)  # both run p1: the old leader does not know yet
    outcomes = [second.post_job(posts[1].key), first.post_job(posts[1].key)]
    assert ["posted", "posted"] == [getattr(o, "state", None) for o in outcomes]
    first.step(clock.now)
    assert ("standby", {}) == (first.role, first.job_times())
    clock.now = T0 + timedelta(minutes=2)
    assert None is first.post_job(posts[2].key)
    assert "posted" == getattr(second.post_job(posts[2].key), "state", None)

    assert sorted(p.text for p in posts) == sorted(p.text for p in x.posts)
    assert 3 == x.calls.count(CREATE_POST)


# --- the real scheduler ----------------------------------------------------------------------


def serve_in_thread(worker: Worker) -> threading.Thread:
    """Run ``worker.serve`` in a thread (signals are the main thread's business)."""
    thread = threading.Thread(target=worker.serve, kwargs={"handle_signals": False}, daemon=True)
    thread.start()
    return thread


def test_real_scheduler_posts_every_due_item_exactly_once(
    tmp_path: Path, make_worker: Callable[..., Worker]
) -> None:
    """Posts due 0.2-1.4 s ahead go out once each, on time; stop() drains and frees the lease."""
    now = utc_now()
    posts = [planned(f"r{n}", now + timedelta(seconds=0.2 + 0.3 * n)) for n in range(5)]
    missed = planned("gone", now - timedelta(seconds=90), late_ok_minutes=1)
    x = SandboxX(clock=utc_now)
    worker = make_worker([*posts, missed], x, tick_seconds=0.05)
    thread = serve_in_thread(worker)
    try:
        assert wait_until(lambda: len(x.posts) == len(posts), 4.0)
    finally:
        worker.stop()
        thread.join(5)
    assert not thread.is_alive()
    assert sorted(p.text for p in posts) == sorted(p.text for p in x.posts)
    assert len(posts) == x.calls.count(CREATE_POST)
    by_text = {p.text: p for p in x.posts}
    lateness = [(by_text[p.text].created_at or now) - p.at_utc for p in posts]
    assert all(timedelta(0) <= late < timedelta(seconds=1) for late in lateness), lateness
    with Store.open(tmp_path / "r.db") as store:
        assert ["posted"] * len(posts) == [getattr(store.get(p.key), "state", "") for p in posts]
        assert "missed" == getattr(store.get(missed.key), "state", "")
        assert None is store.lease()
        heartbeat = store.last_heartbeat()
        assert heartbeat is not None and "role=stopped" in heartbeat.info


@pytest.mark.parametrize(
    ("fault", "sends"),
    [
        (Fault("rate_limited", reset_after_seconds=0.3), 2),
        (Fault("unavailable_before"), 2),  # unknown: checked on the account, then sent again
        (Fault("unavailable_after"), 1),  # unknown: found on the account, never sent again
    ],
    ids=["429", "no-connection", "timeout-after-X-acted"],
)
def test_real_scheduler_reschedules_at_retry_at(
    tmp_path: Path, make_worker: Callable[..., Worker], fault: Fault, sends: int
) -> None:
    """An outcome with retry_at becomes a new date job: the post ends up on X exactly once."""
    post = planned("retry", utc_now() + timedelta(seconds=0.2))
    x = SandboxX(clock=utc_now)
    x.script(fault)
    worker = make_worker([post], x, tick_seconds=0.05, settle_seconds=0.3)
    thread = serve_in_thread(worker)
    try:
        assert wait_until(lambda: x.calls.count(CREATE_POST) >= sends and _state(tmp_path, post)
                          == "posted", 4.0)  # fmt: skip
    finally:
        worker.stop()
        thread.join(5)
    assert [post.text] == [p.text for p in x.posts]
    assert sends == x.calls.count(CREATE_POST)


def _state(tmp_path: Path, post: PlannedPost) -> str:
    with Store.open(tmp_path / "r.db") as store:
        return getattr(store.get(post.key), "state", "")


class SlowX(SandboxX):
    """A sandbox whose POST /2/tweets waits until the test releases it."""

    def __init__(self) -> None:
        super().__init__(clock=utc_now)
        self.entered, self.release = threading.Event(), threading.Event()

    def create_post(self, text: str) -> PostResult:
        self.entered.set()
        self.release.wait(5)
        return super().create_post(text)


def test_stop_lets_the_post_in_flight_finish(
    tmp_path: Path, make_worker: Callable[..., Worker]
) -> None:
    """stop() waits for a post being sent; the row ends posted, then the worker exits."""
    post = planned("slow", utc_now() + timedelta(seconds=0.1))
    x = SlowX()
    worker = make_worker([post], x, tick_seconds=0.05)
    thread = serve_in_thread(worker)
    assert x.entered.wait(3)
    worker.stop()
    thread.join(0.2)
    assert thread.is_alive()  # draining: the post is still in flight
    x.release.set()
    thread.join(3)
    assert not thread.is_alive()
    assert "posted" == _state(tmp_path, post)


def test_the_drain_is_bounded(
    tmp_path: Path, make_worker: Callable[..., Worker], caplog: pytest.LogCaptureFixture
) -> None:
    """A post stuck longer than drain_seconds does not hold the shutdown; its row stays sending."""
    post = planned("stuck", utc_now() + timedelta(seconds=0.1))
    x = SlowX()
    worker = make_worker([post], x, tick_seconds=0.05, drain_seconds=0.2)
    thread = serve_in_thread(worker)
    try:
        assert x.entered.wait(3)
        worker.stop()
        thread.join(2)
        assert not thread.is_alive()
        assert "sending" == _state(tmp_path, post)  # the next worker checks it as unknown
        assert "still running" in caplog.text
    finally:
        x.release.set()
    assert wait_until(lambda: _state(tmp_path, post) == "posted", 3)  # it finishes on its own


# --- calendar edits while running ------------------------------------------------------------

EDIT_HEADER = """\
campaign:
  name: Edits
  hashtag: "#RecessReachOut"
  timezone: America/New_York
  recess:
    - from: 2027-08-02
      until: 2027-09-06
  x_username: RecessReachOut
posts:
"""
GOOD = """\
  - id: kickoff
    date: 2027-08-02
    time: "09:30"
    text: "Congress is home: ask your members to back H.R. 2283"
  - id: midweek
    date: 2027-08-04
    time: "12:00"
    text: "Midweek: meet your members in the district"
  - id: thanks
    date: 2027-08-06
    time: "17:45"
    text: "Thank you for every call this week"
"""


def test_a_broken_edit_keeps_the_jobs_and_opens_one_alert(
    tmp_path: Path, make_worker: Callable[..., Worker], caplog: pytest.LogCaptureFixture
) -> None:
    """Broken edits change no job, log every problem, keep one alert; a fixed edit moves one job."""
    path = tmp_path / "calendar.yaml"
    path.write_text(EDIT_HEADER + GOOD, encoding="utf-8")
    clock = Clock(datetime(2027, 8, 1, tzinfo=UTC))
    delivered: list[str] = []
    worker = make_worker(file_plan(path), SandboxX(clock=clock), clock=clock,
                         calendar_path=path, debounce_seconds=1,
                         alert=lambda kind, message, key: delivered.append(kind))  # fmt: skip
    worker.start(run_jobs=False)
    jobs = worker.job_times()
    assert 3 == len(jobs)

    def settle(text: str) -> list[str]:
        path.write_text(text, encoding="utf-8")
        seen = [worker.check_calendar(clock.now)]
        clock.now += timedelta(seconds=2)
        seen.append(worker.check_calendar(clock.now))
        worker.step(clock.now)
        return seen

    broken = GOOD.replace('"12:00"', '"25:00"').replace(
        '"Thank you for every call this week"', "Thank you #RecessReachOut callers"
    )
    with caplog.at_level(logging.ERROR, logger="reachout.scheduler"):
        assert ["pending", "rejected"] == settle(EDIT_HEADER + broken)
    assert jobs == worker.job_times()
    assert 2 <= sum("calendar edit not applied" in r.getMessage() for r in caplog.records)
    assert ["pending", "rejected"] == settle(EDIT_HEADER + broken.replace("kickoff", "kick off"))
    assert jobs == worker.job_times()
    with Store.open(tmp_path / "r.db") as store:
        assert [CALENDAR_ALERT] == [a.kind for a in store.open_alerts()]
    assert [CALENDAR_ALERT] == delivered  # delivered once (webhook), however many broken edits

    assert ["pending", "reloaded"] == settle(EDIT_HEADER + GOOD.replace('"12:00"', '"13:00"'))
    moved = worker.job_times()
    assert {k: v for k, v in jobs.items() if not k.startswith("midweek")} == {
        k: v for k, v in moved.items() if not k.startswith("midweek")
    }
    assert ["midweek@2027-08-04T17:00:00+00:00"] == [k for k in moved if k.startswith("midweek")]
    with Store.open(tmp_path / "r.db") as store:
        assert [] == store.open_alerts()
    assert "unchanged" == worker.check_calendar(clock.now)


# --- duties: periodic jobs of the leader -------------------------------------------------------


def test_duties_run_only_on_the_leader_and_at_start_once_per_lease(
    make_worker: Callable[..., Worker],
) -> None:
    """A duty runs with the clock's time on the leader only; at_start ones also at takeover."""
    clock = Clock(T0)
    x = SandboxX(clock=clock)
    runs: list[tuple[str, datetime]] = []

    def duties() -> list[Duty]:
        def record(name: str) -> Callable[[datetime], object]:
            return lambda now: runs.append((name, now))

        every = IntervalTrigger(minutes=30, start_date=T0, timezone=UTC)
        weekly = CronTrigger(day_of_week="mon", hour=9, timezone="America/New_York")
        return [Duty("poll", every, record("poll")), Duty("report", weekly, record("report"), True)]

    first = make_worker([], x, clock=clock, owner="A", duties=duties(), lease_seconds=30)
    second = make_worker([], x, clock=clock, owner="B", duties=duties(), lease_seconds=30)
    first.start(run_jobs=False)
    second.start(run_jobs=False)
    assert {"poll", "report"} == set(first.duty_times())
    assert {} == first.job_times()  # duties are not post jobs
    first.duty_job("poll")
    second.duty_job("poll")  # standing by: does nothing
    assert [("poll", T0)] == runs

    clock.now = T0 + timedelta(seconds=31)  # A stopped renewing: B takes the lease
    second.step(clock.now)
    assert "report@start" in {job.id for job in second._scheduler.get_jobs()}
    second.duty_job("report")
    assert [("poll", T0), ("report", clock.now)] == runs


def test_a_failing_duty_is_logged_and_keeps_its_trigger(make_worker: Callable[..., Worker]) -> None:
    """An exception in a duty neither stops the worker nor removes the duty's next run."""
    clock = Clock(T0)

    def broken(now: datetime) -> object:
        raise RuntimeError("boom")

    every = IntervalTrigger(minutes=30, start_date=T0, timezone=UTC)
    worker = make_worker(
        [], SandboxX(clock=clock), clock=clock, duties=[Duty("poll", every, broken)]
    )
    worker.start(run_jobs=False)
    with pytest.raises(RuntimeError):
        worker.duty_job("poll")
    worker.step(clock.now)
    assert {"poll"} == set(worker.duty_times())
    assert "leader" == worker.role
