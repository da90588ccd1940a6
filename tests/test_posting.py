"""Posting rules: the fault matrix, unknown posts, the pause, tagging, lateness, caps, races.

Real SQLite files (``Store.open(tmp_path / "r.db")``), SandboxX as X (and once the real tweepy
adapter under `responses`), and an injected ``now``: nothing sleeps, nothing reads the clock.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
import responses

from bot.campaign import load_calendar
from bot.compose import PlannedPost, plan
from bot.errors import XRateLimited
from bot.legislators import Directory
from bot.posting import PAUSED_STATE, TAGGED_STATE, Outcome, Poster
from bot.settings import Caps
from bot.store import LedgerRow, Store
from bot.testing import FIRST_POST_ID, SANDBOX_ACCOUNT, Fault, SandboxX
from bot.twitter_text import weighted_length
from bot.x_client import CREATE_POST, OWN_POSTS, Page, PostResult, TweepyXClient, XPost
from tests.conftest import PROJECT_ROOT

T0 = datetime(2027, 8, 2, 13, 30, tzinfo=UTC)
TEXT = "Congress is home for recess. Ask your members to back H.R. 2283 #RecessReachOut"
ID0, ID1 = str(FIRST_POST_ID), str(FIRST_POST_ID + 1)
NO_CAPS = Caps(posts_per_day=1000, posts_per_15_minutes=100, min_spacing_minutes=0)
SETTLE = timedelta(seconds=30)  # Poster's default settle_seconds


def at(minutes: float) -> datetime:
    """T0 plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def planned(
    item: str = "kickoff",
    *,
    when: datetime = T0,
    late_ok_minutes: float = 30,
    text: str = TEXT,
    group: str = "FL",
    tagged: tuple[str, ...] = (),
) -> PlannedPost:
    """A planned post as compose makes it (key: id@UTC time#group)."""
    return PlannedPost(
        key=f"{item}@{when:%Y-%m-%dT%H:%M:%SZ}#{group}",
        post_id=item,
        local_at=when.astimezone(ZoneInfo("America/New_York")),
        at_utc=when,
        latest_at_utc=when + timedelta(minutes=late_ok_minutes),
        target_group=group,
        text=text,
        weighted_length=weighted_length(text),
        tagging="approved" if tagged else "intent",
        targets=tagged,
        tagged=tagged,
    )


class Clock:
    """The sandbox's clock, moved by the tests in step with ``now``."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    """A store on a real file, the sandbox, a poster, and the alerts the callback received."""

    store: Store
    x: SandboxX
    clock: Clock
    poster: Poster
    alerts: list[tuple[str, str, str | None]] = field(default_factory=list)

    def due(self, post: PlannedPost, minutes: float = 0) -> Outcome:
        """Run the job for a due post at T0 + minutes."""
        self.clock.now = at(minutes)
        return self.poster.post_due(post, now=at(minutes))

    def resolve(self, minutes: float) -> list[Outcome]:
        """Run resolve_unknown at T0 + minutes."""
        self.clock.now = at(minutes)
        return self.poster.resolve_unknown(now=at(minutes))

    def row(self, post: PlannedPost) -> LedgerRow:
        """The post's ledger row (it must exist)."""
        found = self.store.get(post.key)
        assert found is not None
        return found

    def sends(self) -> int:
        """How many times POST /2/tweets was called."""
        return self.x.calls.count(CREATE_POST)

    def alert_kinds(self) -> list[str]:
        """Kinds of the open alerts in the store, oldest first."""
        return [a.kind for a in self.store.open_alerts()]


@pytest.fixture
def make_world(tmp_path: Path) -> Iterator[Callable[..., World]]:
    """Build worlds on tmp_path/r.db; ``wrap`` puts a test double around the sandbox."""
    stores: list[Store] = []

    def build(caps: Caps = NO_CAPS, wrap: Callable[[SandboxX], Any] | None = None) -> World:
        store = Store.open(tmp_path / "r.db")
        stores.append(store)
        clock = Clock()
        sandbox = SandboxX(clock=clock)
        alerts: list[tuple[str, str, str | None]] = []
        client = wrap(sandbox) if wrap else sandbox
        poster = Poster(store, client, caps, alert=lambda *a: alerts.append(a))
        return World(store, sandbox, clock, poster, alerts)

    yield build
    for store in stores:
        store.close()


@pytest.fixture
def world(make_world: Callable[..., World]) -> World:
    """The default world: no caps in the way."""
    return make_world()


def brief(outcome: Outcome) -> tuple[str, str | None, datetime | None]:
    """The parts of an outcome the scheduler acts on."""
    return (outcome.state, outcome.x_post_id, outcome.retry_at)


# --- the fault matrix ------------------------------------------------------------------------

MATRIX = [
    # name, fault, late_ok minutes, tagged, (state, x_post_id, retry_at), posts on X, alerts
    ("201", None, 30, False, ("posted", ID0, None), 1, []),
    ("duplicate", "duplicate", 30, False, ("duplicate", None, None), 1, ["duplicate"]),
    ("429, reset inside late_ok", "rate_limited", 30, False, ("rate_limited", None, at(15)), 0, []),
    ("429, reset after late_ok", "rate_limited", 10, False, ("missed", None, None), 0, ["missed"]),
    ("no connection", "unavailable_before", 30, False, ("unknown", None, T0 + SETTLE), 0, []),
    (
        "timeout after X acted",
        "unavailable_after",
        30,
        False,
        ("unknown", None, T0 + SETTLE),
        1,
        [],
    ),
    ("5xx", "server_error", 30, False, ("unknown", None, T0 + SETTLE), 0, []),
    ("401", "auth", 30, False, ("auth_broken", None, None), 0, ["auth_broken"]),
    (
        "mention refused",
        "mention_refused",
        30,
        True,
        ("skipped", None, None),
        0,
        ["tagged_posting_off"],
    ),
    ("other 4xx", "rejected", 30, False, ("skipped", None, None), 0, ["rejected"]),
]


@pytest.mark.parametrize(
    ("fault", "late_ok", "tagged", "expected", "posts", "alerts"),
    [m[1:] for m in MATRIX],
    ids=[m[0] for m in MATRIX],
)
def test_fault_matrix(
    world: World,
    fault: str | None,
    late_ok: int,
    tagged: bool,
    expected: tuple[str, str | None, datetime | None],
    posts: int,
    alerts: list[str],
) -> None:
    """Each answer of X lands in DESIGN.md's ledger state, with one send and the right alerts."""
    post = planned(late_ok_minutes=late_ok, tagged=("S000148",) if tagged else ())
    if fault == "duplicate":
        world.x.create_post(TEXT)  # the same text went out before
    elif fault is not None:
        world.x.script(fault)
    outcome = world.due(post)
    assert expected == brief(outcome)
    assert expected[0] == world.row(post).state
    assert (posts, 1 + (fault == "duplicate")) == (len(world.x.posts), world.sends())
    assert alerts == world.alert_kinds()
    assert alerts == [kind for kind, _, _ in world.alerts]


def test_a_posted_row_records_the_id_and_time(world: World) -> None:
    """posted keeps X's id, posted_at = now, one attempt; the outcome has no reason."""
    outcome = world.due(planned(), minutes=2)
    row = world.row(planned())
    assert (ID0, at(2), 1, "") == (row.x_post_id, row.posted_at, row.attempts, outcome.reason)


# --- rate limits -----------------------------------------------------------------------------


def test_rate_limited_waits_for_the_reset_then_posts(world: World) -> None:
    """Before X's reset nothing is sent; at the reset the same key is claimed again and posted."""
    post = planned(late_ok_minutes=30)
    world.x.script("rate_limited")
    world.due(post)
    waiting = world.due(post, minutes=5)
    assert ("rate_limited", None, at(15)) == brief(waiting)
    assert 1 == world.sends()
    assert ("posted", ID0, None) == brief(world.due(post, minutes=15))
    assert (2, 2) == (world.sends(), world.row(post).attempts)


def test_a_429_without_a_reset_time_assumes_15_minutes(make_world: Callable[..., World]) -> None:
    """X did not say when: the retry is 15 minutes later (X's windows), inside late_ok here."""

    class NoReset:
        def __init__(self, sandbox: SandboxX) -> None:
            self.sandbox = sandbox

        def __getattr__(self, name: str) -> Any:
            return getattr(self.sandbox, name)

        def create_post(self, text: str) -> PostResult:
            raise XRateLimited(
                "X rate limit reached for POST /2/tweets (reset time not sent)", None
            )

    world = make_world(wrap=NoReset)
    assert ("rate_limited", None, at(15)) == brief(world.due(planned()))


# --- unknown: look before any retry ----------------------------------------------------------


def test_unknown_after_x_acted_is_found_on_the_account_never_posted_twice(world: World) -> None:
    """Timeout after X created the post → unknown → resolve_unknown finds it → posted, 1 post."""
    post = planned()
    world.x.script("unavailable_after")
    world.due(post)
    resolved = world.resolve(minutes=1)
    assert [("posted", ID0, None)] == [brief(o) for o in resolved]
    assert (1, 1, ID0, T0) == (
        len(world.x.posts),
        world.sends(),
        world.row(post).x_post_id,
        world.row(post).posted_at,
    )
    again = world.due(post, minutes=2)
    assert (("posted", ID0, None), 1) == (brief(again), world.sends())


def test_post_due_on_an_unknown_row_checks_the_account_first(world: World) -> None:
    """The scheduler re-running an unknown post finds it instead of sending it again."""
    post = planned()
    world.x.script("unavailable_after")
    world.due(post)
    assert (("posted", ID0, None), 1) == (brief(world.due(post, minutes=1)), world.sends())
    assert [CREATE_POST, "GET /2/users/me", OWN_POSTS] == list(world.x.calls)


def test_unknown_after_a_5xx_is_not_on_the_account_then_sent_once(world: World) -> None:
    """5xx → unknown → resolve finds nothing (may send again) → post_due re-claims, posts once."""
    post = planned()
    world.x.script("server_error")
    world.due(post)
    resolved = world.resolve(minutes=1)
    assert [("unknown", None, at(1))] == [brief(o) for o in resolved]
    assert ("posted", ID0, None) == brief(world.due(post, minutes=1))
    assert (1, 2, 2) == (len(world.x.posts), world.sends(), world.row(post).attempts)


def test_no_connection_is_unknown_then_checked_and_sent(world: World) -> None:
    """X never got it (connect failure): unknown, then own-posts check, then one post."""
    post = planned()
    world.x.script("unavailable_before")
    first = world.due(post)
    assert "checked on the account before any retry" in first.reason
    assert ("posted", ID0, None) == brief(world.due(post, minutes=1))
    assert [CREATE_POST, "GET /2/users/me", OWN_POSTS, CREATE_POST] == list(world.x.calls)


def test_unknown_is_not_judged_before_x_had_time_to_show_the_post(world: World) -> None:
    """Within settle_seconds of the failed send nothing is read or sent; retry_at says when."""
    post = planned()
    world.x.script("server_error")
    world.due(post)
    assert [("unknown", None, T0 + SETTLE)] == [brief(o) for o in world.resolve(minutes=0.25)]
    assert ("unknown", None, T0 + SETTLE) == brief(world.due(post, minutes=0.25))
    assert [CREATE_POST] == list(world.x.calls)


def test_unknown_past_late_ok_and_not_on_the_account_is_missed(world: World) -> None:
    """Absent and too late: missed and alerted, never sent again."""
    post = planned(late_ok_minutes=10)
    world.x.script("server_error")
    world.due(post)
    assert [("missed", None, None)] == [brief(o) for o in world.resolve(minutes=11)]
    assert (1, ["missed"], "missed") == (world.sends(), world.alert_kinds(), world.row(post).state)


def test_a_failed_check_keeps_the_post_unknown_and_sends_nothing(world: World) -> None:
    """The own-posts read failing is no evidence: still unknown, retried a minute later."""
    post = planned()
    world.x.script("server_error", Fault("server_error", OWN_POSTS))
    world.due(post)
    assert ("unknown", None, at(2)) == brief(world.due(post, minutes=1))
    assert ("posted", ID0, None) == brief(world.due(post, minutes=2))
    assert 2 == world.sends()


def test_a_duplicate_after_an_unknown_attempt_is_our_own_post(
    make_world: Callable[..., World],
) -> None:
    """X was slow to show the post, the retry got 403 duplicate: the account is read again and
    the first post is recorded as ours (posted), not as a duplicate."""

    class Lagging:
        """Hides the account's posts from the first own-posts read (X's timeline lag)."""

        def __init__(self, sandbox: SandboxX) -> None:
            self.sandbox, self.reads = sandbox, 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self.sandbox, name)

        def own_posts(self, user_id: str, **kwargs: Any) -> Page:
            self.reads += 1
            page = self.sandbox.own_posts(user_id, **kwargs)
            return Page() if self.reads == 1 else page

    world = make_world(wrap=Lagging)
    post = planned()
    world.x.script("unavailable_after")
    world.due(post)
    assert ("posted", ID0, None) == brief(world.due(post, minutes=1))
    assert (1, 2, []) == (len(world.x.posts), world.sends(), world.alert_kinds())


def test_the_account_check_undoes_x_escapes_and_tco_links(make_world: Callable[..., World]) -> None:
    """X gives text back with &amp; and t.co links: the post is still recognised as ours."""

    class Rewriting:
        def __init__(self, sandbox: SandboxX) -> None:
            self.sandbox = sandbox

        def __getattr__(self, name: str) -> Any:
            return getattr(self.sandbox, name)

        def own_posts(self, user_id: str, **kwargs: Any) -> Page:
            page = self.sandbox.own_posts(user_id, **kwargs)
            posts = tuple(
                replace(
                    p,
                    text=p.text.replace("&", "&amp;").replace(
                        "https://example.org/act", "https://t.co/AbCdEf123"
                    ),
                )
                for p in page.posts
            )
            return replace(page, posts=posts)

    world = make_world(wrap=Rewriting)
    post = planned(text="Q&A tonight: https://example.org/act #RecessReachOut")
    world.x.script("unavailable_after")
    world.due(post)
    assert [("posted", ID0, None)] == [brief(o) for o in world.resolve(minutes=1)]


def died_mid_send(world: World, post: PlannedPost) -> None:
    """A worker claimed ``post`` at T0, its post reached X, and it died before recording it."""
    world.store.claim(
        post.key,
        now=T0,
        item_id=post.post_id,
        scheduled_at=post.at_utc,
        late_ok_seconds=1800,
        target_group="FL",
        text=TEXT,
    )
    world.x.create_post(TEXT)


def test_a_worker_that_died_mid_send_leaves_a_row_that_becomes_unknown(world: World) -> None:
    """A sending row is left alone while its worker may still be waiting for X; once stale
    (10 minutes) it is unknown, the account is checked (after the settle wait, counted from
    then): X had it, so it is posted."""
    post = planned()
    died_mid_send(world, post)
    assert ("sending", None, at(10)) == brief(world.due(post, minutes=1))
    assert [] == world.resolve(minutes=5)
    assert [("unknown", None, at(10) + SETTLE)] == [brief(o) for o in world.resolve(minutes=10)]
    assert [("posted", ID0, None)] == [brief(o) for o in world.resolve(minutes=10.5)]
    assert 1 == len(world.x.posts)


# --- auth: pause everything ------------------------------------------------------------------


def test_auth_failure_pauses_all_posting_until_resumed(world: World) -> None:
    """401 → auth_broken, posting paused, one alert; the next due post is not sent (deferred),
    one past late_ok is missed; after resume both the held post and the broken one go out."""
    first, second, third = (
        planned("a"),
        planned("b", when=at(5), text="Day two: call your senator #RecessReachOut"),
        planned("c", when=at(6), late_ok_minutes=1, text="Day two: call your rep #RecessReachOut"),
    )
    world.x.script("auth")
    world.due(first)
    held = world.due(second, minutes=5)
    assert ("deferred", None, None) == brief(held)
    assert "posting paused" in held.reason
    assert ("auth_broken", None, None) == brief(world.due(first, minutes=5))
    assert ("missed", None, None) == brief(world.due(third, minutes=8))
    assert (1, ["auth_broken", "missed"]) == (world.sends(), world.alert_kinds())
    assert (world.store.get_state(PAUSED_STATE) or "").startswith("auth: ")
    world.poster.resume(now=at(9))
    assert (None, ["missed"]) == (world.store.get_state(PAUSED_STATE), world.alert_kinds())
    assert ("posted", ID0, None) == brief(world.due(second, minutes=9))
    assert ("posted", ID1, None) == brief(world.due(first, minutes=10))
    assert 3 == world.sends()


def test_while_paused_unknown_posts_are_not_checked(world: World) -> None:
    """resolve_unknown reads nothing while paused (the credentials are broken)."""
    world.x.script("server_error")
    world.due(planned())
    world.store.set_state(PAUSED_STATE, "auth: test", T0)
    assert [("unknown", None, None)] == [brief(o) for o in world.resolve(minutes=5)]
    assert [CREATE_POST] == list(world.x.calls)


def test_an_auth_failure_while_checking_pauses_posting(world: World) -> None:
    """The own-posts read answering 401 pauses posting too; the row stays unknown."""
    post = planned()
    world.x.script("server_error", Fault("auth", OWN_POSTS))
    world.due(post)
    assert ("unknown", None, None) == brief(world.due(post, minutes=1))
    assert (["auth_broken"], "unknown") == (world.alert_kinds(), world.row(post).state)
    assert world.store.get_state(PAUSED_STATE) is not None


# --- tagging and length ----------------------------------------------------------------------


def test_mention_refused_turns_tagged_posting_off_but_untagged_posts_still_go(world: World) -> None:
    """After X refuses a mention, the next tagged post is skipped unsent; untagged posts go."""
    world.x.script("mention_refused")
    world.due(planned("a", tagged=("S000148",)))
    tagged = planned(
        "b", when=at(5), text="Thank you @SenatorX #RecessReachOut", tagged=("S000148",)
    )
    untagged = planned("c", when=at(6), text="Call your senator today #RecessReachOut")
    skipped = world.due(tagged, minutes=5)
    assert ("skipped", None, None) == brief(skipped)
    assert skipped.reason.startswith("tagged posting is off: ")
    assert ("posted", ID0, None) == brief(world.due(untagged, minutes=6))
    assert (2, ["tagged_posting_off"]) == (world.sends(), world.alert_kinds())
    assert (world.store.get_state(TAGGED_STATE) or "").startswith("off: ")


def test_a_tag_of_someone_out_of_office_is_skipped_without_calling_x(world: World) -> None:
    """An approved post composed against the shipped directory for August 2027 @-tags Sen.
    Sullivan, whose term ends 2027-01-03: skipped with compose's reason, alerted, never sent."""
    calendar = (
        'campaign: {name: T, hashtag: "#RecessReachOut", timezone: America/New_York,\n'
        "  recess: [{from: 2027-08-02, until: 2027-09-06}], x_username: RecessReachOut}\n"
        'posts:\n  - {id: ak, date: 2027-08-02, time: "09:30", tagging: approved,\n'
        "     approved_by: Jordan, targets: {states: [AK], chamber: senate},\n"
        '     text: "{{ handles }} thank you #RecessReachOut"}\n'
    )
    directory = Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")
    post = plan(load_calendar(calendar.encode(), "cal.yaml"), directory).posts[0]
    assert post.refusal is not None and "Sen. Dan Sullivan" in post.refusal
    outcome = world.due(post)
    assert (("skipped", None, None), post.refusal) == (brief(outcome), outcome.reason)
    assert (0, ["skipped"], "skipped") == (
        world.sends(),
        world.alert_kinds(),
        world.row(post).state,
    )


def test_an_overlong_text_is_skipped_without_calling_x(world: World) -> None:
    """Weighted length over 280 at send time: skipped and alerted, X never called."""
    post = planned(text="a" * 281)
    outcome = world.due(post)
    assert (("skipped", None, None), "weighted length 281 is over 280") == (
        brief(outcome),
        outcome.reason,
    )
    assert (0, ["skipped"]) == (world.sends(), world.alert_kinds())


# --- late_ok ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(30, ("posted", ID0, None)), (30.02, ("missed", None, None))],
    ids=["at latest_at_utc", "one second past it"],
)
def test_never_posted_late(
    world: World, minutes: float, expected: tuple[str, str | None, None]
) -> None:
    """Up to latest_at_utc a post goes out; after it, missed (alerted) and never sent."""
    outcome = world.due(planned(late_ok_minutes=30), minutes=minutes)
    assert expected == brief(outcome)
    assert (expected[0] == "posted", ["missed"] if expected[0] == "missed" else []) == (
        world.sends() == 1,
        world.alert_kinds(),
    )


# --- caps ------------------------------------------------------------------------------------

CAPS = [
    # name, caps, earlier posts at (minutes), due at, late_ok, (state, retry_at), reason words
    (
        "daily cap, waits past late_ok",
        Caps(posts_per_day=2, posts_per_15_minutes=100, min_spacing_minutes=0),
        [0, 1],
        5,
        30,
        ("skipped", None),
        "daily cap",
    ),
    (
        "daily cap, next UTC day is in time",
        Caps(posts_per_day=2, posts_per_15_minutes=100, min_spacing_minutes=0),
        [0, 1],
        5,
        11 * 60,
        ("deferred", datetime(2027, 8, 3, tzinfo=UTC)),
        "(UTC day)",
    ),
    (
        "15-minute window",
        Caps(posts_per_day=100, posts_per_15_minutes=2, min_spacing_minutes=0),
        [0, 5],
        6,
        30,
        ("deferred", at(15) + timedelta(seconds=1)),
        "15 minutes",
    ),
    (
        "15-minute window, past late_ok",
        Caps(posts_per_day=100, posts_per_15_minutes=2, min_spacing_minutes=0),
        [0, 5],
        6,
        5,
        ("skipped", None),
        "15 minutes",
    ),
    (
        "min spacing",
        Caps(posts_per_day=100, posts_per_15_minutes=100, min_spacing_minutes=2),
        [0],
        1,
        30,
        ("deferred", at(2)),
        "spacing",
    ),
    (
        "min spacing, past late_ok",
        Caps(posts_per_day=100, posts_per_15_minutes=100, min_spacing_minutes=2),
        [0],
        1,
        0.5,
        ("skipped", None),
        "spacing",
    ),
    (
        "all clear",
        Caps(posts_per_day=3, posts_per_15_minutes=3, min_spacing_minutes=2),
        [0, 5],
        7,
        30,
        ("posted", None),
        "",
    ),
]


@pytest.mark.parametrize(
    ("caps", "earlier", "due_at", "late_ok", "expected", "words"),
    [c[1:] for c in CAPS],
    ids=[c[0] for c in CAPS],
)
def test_caps(
    make_world: Callable[..., World],
    caps: Caps,
    earlier: list[float],
    due_at: float,
    late_ok: float,
    expected: tuple[str, datetime | None],
    words: str,
) -> None:
    """A cap that can be waited out defers (no row, retry_at); one that cannot skips."""
    world = make_world(caps)
    for n, minutes in enumerate(earlier):
        assert (
            "posted"
            == world.due(planned(f"p{n}", when=at(minutes), text=f"{TEXT} {n}"), minutes).state
        )
    post = planned("late", when=at(due_at), late_ok_minutes=late_ok)
    outcome = world.due(post, due_at)
    assert expected == (outcome.state, outcome.retry_at)
    assert words in outcome.reason
    stored = world.store.get(post.key)
    assert {"deferred": None, "skipped": "skipped", "posted": "posted"}[outcome.state] == (
        stored.state if stored else None
    )
    assert len(earlier) + (outcome.state == "posted") == world.sends()


def test_a_cap_that_outlasts_a_rate_limited_retry_is_missed(
    make_world: Callable[..., World],
) -> None:
    """A row already tried (rate_limited) and then held by a cap past late_ok is missed."""
    world = make_world(Caps(posts_per_day=100, posts_per_15_minutes=100, min_spacing_minutes=30))
    post = planned(late_ok_minutes=20)
    world.x.script(Fault("rate_limited", reset_after_seconds=60))
    world.due(post)
    world.due(planned("other", when=at(1), text="Another prompt #RecessReachOut"), minutes=1)
    assert ("missed", None) == brief(world.due(post, minutes=1.5))[:2]
    assert ["missed"] == world.alert_kinds()


def test_an_unknown_retry_is_not_blocked_by_itself(make_world: Callable[..., World]) -> None:
    """The unknown attempt counts as sent for caps, but its own retry replaces it."""
    world = make_world(Caps(posts_per_day=1, posts_per_15_minutes=1, min_spacing_minutes=5))
    post = planned()
    world.x.script("server_error")
    world.due(post)
    assert ("posted", ID0, None) == brief(world.due(post, minutes=1))


# --- idempotence and races -------------------------------------------------------------------


def test_the_same_key_twice_posts_once(world: World) -> None:
    """A second run for a posted key sends nothing and reports the first post."""
    post = planned()
    first, second = world.due(post), world.due(post, minutes=1)
    assert (("posted", ID0, None), ("posted", ID0, None), 1) == (
        brief(first),
        brief(second),
        world.sends(),
    )
    assert "already posted" == second.reason


@pytest.mark.parametrize("minutes", [2, -20], ids=["moved-later", "moved-earlier"])
def test_a_post_moved_after_it_went_out_is_not_posted_again(world: World, minutes: int) -> None:
    """A calendar edit that retimes a post already sent makes a new key; it is skipped."""
    sent = world.due(planned())
    moved = planned(when=at(minutes), text=TEXT + " (moved)")
    outcome = world.due(moved, minutes=max(minutes, 1))
    assert ("posted", "skipped", ID0, 1) == (
        sent.state,
        outcome.state,
        outcome.x_post_id,
        world.sends(),
    )
    assert f"already posted as {sent.key} (the calendar moved it)" in outcome.reason
    assert "skipped" == world.row(moved).state
    other_group = world.due(planned(when=at(2), group="NY", text=TEXT + " NY"), minutes=2)
    assert ("posted", 2) == (other_group.state, world.sends())


def test_a_second_worker_during_the_send_does_not_post(make_world: Callable[..., World]) -> None:
    """Two Posters on one file: the second runs while the first is inside create_post (a
    deterministic interleaving) and sees the key in flight; one post."""
    other: list[Poster] = []
    seen: list[Outcome] = []

    class Interleaving:
        def __init__(self, sandbox: SandboxX) -> None:
            self.sandbox = sandbox

        def __getattr__(self, name: str) -> Any:
            return getattr(self.sandbox, name)

        def create_post(self, text: str) -> PostResult:
            seen.append(other[0].post_due(planned(), now=T0))
            return self.sandbox.create_post(text)

    first = make_world(wrap=Interleaving)
    second = make_world()
    other.append(Poster(second.store, first.x, NO_CAPS))
    assert ("posted", ID0, None) == brief(first.due(planned()))
    assert [("sending", None, at(10))] == [brief(o) for o in seen]
    assert 1 == len(first.x.posts)


def test_two_posters_racing_on_one_file_post_once(tmp_path: Path) -> None:
    """Two threads, two Store connections, one key, released together: exactly one post."""
    sandbox = SandboxX(clock=lambda: T0)
    stores = [Store.open(tmp_path / "r.db") for _ in range(2)]
    posters = [Poster(s, sandbox, NO_CAPS) for s in stores]
    gate = threading.Barrier(2)
    outcomes: list[Outcome] = []

    def run(poster: Poster) -> None:
        gate.wait()
        outcomes.append(poster.post_due(planned(), now=T0))

    threads = [threading.Thread(target=run, args=(p,)) for p in posters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    row = stores[0].get(planned().key)
    assert (1, 1, "posted", ID0) == (
        len(sandbox.posts),
        sandbox.calls.count(CREATE_POST),
        row.state if row else None,
        row.x_post_id if row else None,
    )
    assert 1 == sum(o.state == "posted" and o.reason == "" for o in outcomes)
    for store in stores:
        store.close()


def test_the_resolve_job_and_a_retry_settling_one_unknown_post_together_both_end_posted(
    make_world: Callable[..., World],
) -> None:
    """The worker's resolve job and the post's retry job (two threads) check one unknown post
    at once and both find it: the later one reports it posted instead of failing on the
    ledger's posted → posted (seen on the real process in tests/test_reliability.py)."""
    inner: list[Outcome] = []
    posters: list[Poster] = []  # the resolve job's poster: the same one, in another thread

    class Interleaving:
        def __init__(self, sandbox: SandboxX) -> None:
            self.sandbox = sandbox

        def __getattr__(self, name: str) -> Any:
            return getattr(self.sandbox, name)

        def own_posts(self, *args: Any, **kwargs: Any) -> Page:
            page = self.sandbox.own_posts(*args, **kwargs)
            if posters:  # the resolve job reads and records while the retry reads
                inner.extend(posters.pop().resolve_unknown(now=at(1)))
            return page

    world = make_world(wrap=Interleaving)
    posters.append(world.poster)
    post = planned()
    world.x.script("unavailable_after")
    world.due(post)
    outcome = world.due(post, minutes=1)
    assert [("posted", ID0, None)] == [brief(o) for o in inner]
    assert ("posted", ID0, None) == brief(outcome)
    assert (1, 1, "posted") == (len(world.x.posts), world.sends(), world.row(post).state)


def test_a_send_the_resolve_job_settles_meanwhile_ends_posted(
    make_world: Callable[..., World],
) -> None:
    """A retry whose send outlasts the stale-send time: the resolve job takes the claim for a
    dead worker's, finds the post and records it; the send then reports it posted instead of
    failing on posted → posted (seen in the soak of tests/test_reliability.py)."""
    posters: list[Poster] = []  # the resolve job's poster: the same one, in another thread

    class SlowSend:
        def __init__(self, sandbox: SandboxX) -> None:
            self.sandbox = sandbox

        def __getattr__(self, name: str) -> Any:
            return getattr(self.sandbox, name)

        def create_post(self, text: str) -> PostResult:
            result = self.sandbox.create_post(text)
            if posters:  # meanwhile, 10 and 11 minutes after the claim: stale, then found
                poster = posters.pop()
                poster.resolve_unknown(now=at(11))
                assert [("posted", ID0, None)] == [
                    brief(o) for o in poster.resolve_unknown(now=at(12))
                ]
            return result

    world = make_world(wrap=SlowSend)
    post = planned()
    world.x.script("server_error")  # the first send: 503, nothing stored
    world.due(post)
    posters.append(world.poster)
    assert ("posted", ID0, None) == brief(world.due(post, minutes=1))
    assert (1, 2, "posted") == (len(world.x.posts), world.sends(), world.row(post).state)


def test_the_account_check_pages_back_past_a_page_of_later_posts(
    make_world: Callable[..., World],
) -> None:
    """A post whose worker died mid-send, checked only days later, after 150 other posts
    (more than one page of the account's posts), is found on the second page: posted, not
    missed (the soak in tests/test_reliability.py found a one-page check missing it)."""
    world = make_world(Caps(posts_per_day=1000, posts_per_15_minutes=1000, min_spacing_minutes=0))
    post = planned()
    died_mid_send(world, post)
    for n in range(150):  # one every 30 minutes: within X's 100 posts per 15 minutes
        later = planned(f"later-{n}", when=at(30 * (n + 1)), text=f"{TEXT} ({n})")
        assert "posted" == world.due(later, minutes=30 * (n + 1)).state
    check = 30 * 151
    assert [("unknown", None, at(check) + SETTLE)] == [brief(o) for o in world.resolve(check)]
    assert [("posted", ID0, None)] == [brief(o) for o in world.resolve(check + 1)]
    assert (151, 151) == (len(world.x.posts), world.sends())
    assert 2 == world.x.calls.count(OWN_POSTS)  # two pages of the account's posts


# --- logs and alerts -------------------------------------------------------------------------


def test_every_outcome_is_one_log_line_with_fields(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """One line per outcome on reachout.posting, key=value text and the same extra fields;
    the post's text is not logged."""
    caplog.set_level(logging.INFO, logger="reachout.posting")
    world.x.script("server_error")
    post = planned()
    world.due(post)
    world.due(post, minutes=1)
    records = [r for r in caplog.records if r.name == "reachout.posting"]
    assert [("unknown", logging.INFO), ("posted", logging.INFO)] == [
        (getattr(r, "state", None), r.levelno) for r in records
    ]
    assert (post.key, ID0, "") == tuple(
        getattr(records[1], f) for f in ("key", "x_post_id", "reason")
    )
    assert f"key={post.key} state=posted x_post_id={ID0}" == records[1].getMessage()
    assert not any(TEXT in r.getMessage() for r in caplog.records)


def test_an_alert_reaches_the_callback_once(world: World) -> None:
    """A duplicate is alerted once: the callback is not called again for the open alert."""
    post = planned()
    world.x.create_post(TEXT)
    world.due(post)
    world.due(post, minutes=1)
    assert [("duplicate", post.key)] == [(kind, key) for kind, _, key in world.alerts]


def test_a_failing_alert_callback_does_not_stop_posting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The webhook raising is logged; the alert is still in the store and the outcome returned."""

    def broken(kind: str, message: str, key: str | None) -> None:
        raise ConnectionError("webhook down")

    with Store.open(tmp_path / "r.db") as store:
        sandbox = SandboxX(clock=lambda: T0)
        sandbox.script("auth")
        outcome = Poster(store, sandbox, NO_CAPS, alert=broken).post_due(planned(), now=T0)
        assert ("auth_broken", ["auth_broken"]) == (
            outcome.state,
            [a.kind for a in store.open_alerts()],
        )
    assert ["the alert callback failed for auth_broken"] == [
        r.getMessage() for r in caplog.records if r.levelno == logging.ERROR
    ]


# --- the real tweepy adapter -----------------------------------------------------------------

USER_ID = "1072250532645998596"
FAKE_SECRETS = ("ck-FAKE-7f3a91", "cs-FAKE-2b8e44", f"{USER_ID}-FAKEat5e1d", "ats-FAKE-9c0d17")


def test_tweepy_adapter_timeout_after_x_acted_is_found_not_resent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Through real tweepy: X creates the post (201) but the answer is lost (ReadTimeout) →
    unknown; a minute later GET /2/users/:id/tweets shows it → posted. One POST in all."""
    caplog.set_level(logging.DEBUG)
    created: list[dict[str, Any]] = []

    def create(request: requests.PreparedRequest) -> tuple[int, dict[str, str], Any]:
        text = json.loads(request.body or b"{}")["text"]
        created.append(
            {
                "id": "1821000000000000007",
                "text": text,
                "created_at": "2027-08-02T13:30:01.000Z",
                "author_id": USER_ID,
                "edit_history_tweet_ids": ["1821000000000000007"],
            }
        )
        return (
            201,
            {},
            requests.ReadTimeout("HTTPSConnectionPool: Read timed out. (read timeout=30.0)"),
        )

    def timeline(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = (
            {"data": created, "meta": {"result_count": len(created)}}
            if created
            else {"meta": {"result_count": 0}}
        )
        return 200, {}, json.dumps(body)

    me = {"data": {"id": USER_ID, "name": "Recess Reach Out", "username": "RecessReachOut"}}
    with (
        responses.RequestsMock(assert_all_requests_are_fired=True) as x_api,
        Store.open(tmp_path / "r.db") as store,
    ):
        x_api.add_callback(responses.POST, "https://api.x.com/2/tweets", callback=create)
        x_api.get("https://api.x.com/2/users/me", json=me)
        x_api.add_callback(
            responses.GET, f"https://api.x.com/2/users/{USER_ID}/tweets", callback=timeline
        )
        client = TweepyXClient(
            consumer_key=FAKE_SECRETS[0],
            consumer_secret=FAKE_SECRETS[1],
            access_token=FAKE_SECRETS[2],
            access_token_secret=FAKE_SECRETS[3],
        )
        poster = Poster(store, client, NO_CAPS)
        first = poster.post_due(planned(), now=T0)
        second = poster.post_due(planned(), now=at(1))
        posts = [c.request for c in x_api.calls if c.request.method == "POST"]
        timeline_query = parse_qs(urlsplit(x_api.calls[-1].request.url or "").query)
    assert ("unknown", None, T0 + SETTLE) == brief(first)
    assert ("posted", "1821000000000000007", None) == brief(second)
    assert 1 == len(posts)
    assert ["2027-08-02T13:25:00Z"] == timeline_query["start_time"]  # first claim minus 5 min
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert [] == [secret for secret in FAKE_SECRETS if secret in logged]


def test_own_posts_of_another_account_do_not_count(world: World) -> None:
    """The check reads the account from GET /2/users/me; posts elsewhere are not ours."""
    world.x.script("server_error")
    world.due(planned())
    assert SANDBOX_ACCOUNT.user_id == world.x.me().user_id
    other = XPost(post_id="5", text=TEXT, author_id="42", author_username="someone")
    world.x.feed_mentions(other)  # the same text, but someone else's post
    assert ("posted", ID0, None) == brief(world.due(planned(), minutes=1))
