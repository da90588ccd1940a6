"""The Collector against the sandbox X: cursors, overlap, gaps, billing, the budget, failures.

The sandbox (bot.testing.SandboxX) honours since_id, until_id, start_time, the 800-mention
cap, the 7-day search window and posts indexed late; the store is a real SQLite file; the
legislator directory is the real one; the clock is a variable.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import store_collected as sc
from bot.collector import BUDGET_ALERT, FAILED_ALERT, SLOW_ALERT, Collector
from bot.legislators import Directory
from bot.settings import PROJECT_ROOT, Budget, Collection, Polling, Prices
from bot.store import Store
from bot.testing import SANDBOX_ACCOUNT, Fault, SandboxX
from bot.x_models import MENTIONS, POSTS_BY_ID, SEARCH_RECENT, XPost

T0 = datetime(2027, 8, 2, 13, 0, tzinfo=UTC)
QUERY = "#RecessReachOut -is:retweet"
ME = SANDBOX_ACCOUNT.username


@pytest.fixture(scope="module")
def directory() -> Directory:
    """The real legislator directory."""
    return Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")


class World:
    """A sandbox X, a store and a collector sharing one clock."""

    def __init__(self, tmp_path: Path, directory: Directory, **options: Any) -> None:
        self.now = T0
        self.x = SandboxX(clock=lambda: self.now)
        self.store = Store.open(tmp_path / "reachout.db")
        self.alerts: list[tuple[str, str | None]] = []
        settings: dict[str, Any] = {
            "collection": Collection(overlap_minutes=10, slow_at_percent=80),
            "polling": Polling(mentions_minutes=30, search_minutes=60, metrics_minutes=360),
            "prices": Prices(),
            "budget": Budget(),
            "metrics_days": 7,
        } | options
        self.collector = Collector(
            self.store, self.x, directory, account=SANDBOX_ACCOUNT, search_query=QUERY,
            hashtag="#RecessReachOut", alert=self.alert, **settings,
        )  # fmt: skip

    def alert(self, kind: str, message: str, key: str | None, now: datetime) -> None:
        self.alerts.append((kind, key))

    def mention(self, minutes_ago: float = 0, text: str = "", **kw: Any) -> XPost:
        """Feed one mention created ``minutes_ago`` before now."""
        post = XPost(
            self.x.new_id(), text or f"@{ME} hello", author_id=kw.pop("author_id", "42"),
            author_username=kw.pop("author_username", "fan"),
            created_at=self.now - timedelta(minutes=minutes_ago), **kw,
        )  # fmt: skip
        self.x.feed_mentions(post)
        return post

    def tagged(self, minutes_ago: float = 0) -> XPost:
        """Feed one campaign-hashtag post to search."""
        post = XPost(
            self.x.new_id(), "Ask them #RecessReachOut", author_id="43", author_username="s",
            created_at=self.now - timedelta(minutes=minutes_ago), hashtags=("RecessReachOut",),
        )  # fmt: skip
        self.x.feed_search(post)
        return post

    def count(self) -> int:
        return sc.count_posts(self.store)

    def later(self, minutes: float) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@pytest.fixture
def world(tmp_path: Path, directory: Directory) -> Iterator[World]:
    """A fresh world per test."""
    w = World(tmp_path, directory)
    yield w
    w.store.close()


def test_repeated_polls_never_duplicate_and_the_cursor_follows_the_newest(world: World) -> None:
    """Five polls over the same and new mentions: one row each, cursor at the newest."""
    posts = [world.mention(5) for _ in range(120)]
    for _ in range(5):
        world.collector.poll_mentions(world.now)
        world.later(30)
        posts.append(world.mention(1))
    world.collector.poll_mentions(world.now)
    cursor = sc.get_cursor(world.store, "mentions")
    assert (len(posts), posts[-1].post_id, 6) == (world.count(), cursor.since_id, cursor.polls)


def test_a_post_indexed_late_is_found_by_the_overlap_window(world: World) -> None:
    """Created before poll 1, indexed after it, older than the cursor: poll 2 still finds it."""
    late = XPost(world.x.new_id(), f"@{ME} late", created_at=world.now - timedelta(minutes=2))
    world.x.feed_mentions(late, visible_at=world.now + timedelta(minutes=1))
    world.mention(1)
    world.collector.poll_mentions(world.now)
    assert sc.get_post(world.store, late.post_id) is None
    world.later(30)
    result = world.collector.poll_mentions(world.now)
    assert (1, 1) == (result.new_posts, result.overlap_requests)
    assert sc.get_post(world.store, late.post_id) is not None


def test_the_overlap_query_is_skipped_when_no_post_can_hide_in_it(world: World) -> None:
    """A cursor post older than the last poll minus the overlap: nothing to re-read."""
    world.mention(60)
    world.collector.poll_mentions(world.now)
    world.later(30)
    world.mention(1)
    assert 0 == world.collector.poll_mentions(world.now).overlap_requests


def test_overlap_rereads_are_free_the_same_utc_day_and_billed_the_next(world: World) -> None:
    """X bills a post once per UTC day: an overlap re-read after midnight is billed again."""
    for _ in range(3):
        world.mention(1)
    world.collector.poll_mentions(world.now)
    same_day = world.collector.poll_mentions(world.later(30))
    world.now = datetime(2027, 8, 2, 23, 55, tzinfo=UTC)
    world.mention(6)
    world.mention(5)
    world.collector.poll_mentions(world.now)
    world.mention(-3)  # at 23:58
    world.now = datetime(2027, 8, 3, 0, 5, tzinfo=UTC)
    next_day = world.collector.poll_mentions(world.now)
    assert [(1, 0), (1, 2)] == [
        (r.overlap_requests, r.billable_reads) for r in (same_day, next_day)
    ]


def test_mentions_and_search_price_reads_differently(world: World) -> None:
    """Mentions are billed at mention_read, search at search_read (2026 prices)."""
    for _ in range(10):
        world.mention()
        world.tagged()
    results = world.collector.cycle(world.now)
    assert [0.01, 0.05, 0.0] == [r.cost_dollars for r in results]


def test_over_800_mentions_since_the_cursor_record_a_gap(world: World) -> None:
    """The sandbox, like X, shows the newest 800: the gap runs from the last poll."""
    world.mention(1)
    world.collector.poll_mentions(world.now)
    world.later(100)
    burst = [world.mention(100 - (i + 1) / 10) for i in range(1000)]  # every 6 s
    result = world.collector.poll_mentions(world.now)
    [gap] = sc.gaps(world.store)
    assert (800, True, 9) == (result.new_posts, result.gap_recorded, result.requests)
    assert (T0, burst[200].created_at) == (gap.start_at, gap.end_at)
    assert gap.missing_estimate in (200, 201)  # 200 missed; estimated from the rate read


def test_a_first_poll_short_of_the_campaign_start_records_the_search_window(
    tmp_path: Path, directory: Directory
) -> None:
    """collect_since 10 days back: search cannot reach the first 3 days."""
    since = T0 - timedelta(days=10)
    w = World(tmp_path, directory, collect_since=since)
    w.collector.poll_search(w.now)
    [gap] = sc.gaps(w.store)
    assert ("search_window", since) == (gap.reason, gap.start_at)
    assert timedelta(days=7) - timedelta(minutes=5) < w.now - gap.end_at < timedelta(days=7)


def test_a_search_cursor_older_than_7_days_reads_by_time_and_records_the_gap(
    world: World,
) -> None:
    """X refuses an old since_id: the poll asks from 7 days back; the days between are a gap."""
    world.tagged(1)
    world.collector.poll_search(world.now)
    world.later(9 * 24 * 60)
    fresh = world.tagged(5)
    result = world.collector.poll_search(world.now)
    [gap] = sc.gaps(world.store)
    assert (1, "search_window", T0) == (result.new_posts, gap.reason, gap.start_at)
    assert fresh.post_id == sc.get_cursor(world.store, "search").since_id


@pytest.mark.parametrize(
    ("kind", "status", "alerted"),
    [("rate_limited", "rate_limited", []), ("server_error", "unavailable", []),
     ("auth", "auth", [(FAILED_ALERT, "mentions")]),
     ("rejected", "rejected", [(FAILED_ALERT, "mentions")])],
)  # fmt: skip
def test_x_failures_are_recorded_never_raised(
    world: World, kind: str, status: str, alerted: list[tuple[str, str]]
) -> None:
    """Each failure keeps the cursor, lands in collection_errors; auth and 4xx also alert."""
    world.mention()
    world.collector.poll_mentions(world.now)
    before = sc.get_cursor(world.store, "mentions")
    world.mention()
    world.x.script(Fault(kind, MENTIONS))
    result = world.collector.poll_mentions(world.later(30))
    after = sc.get_cursor(world.store, "mentions")
    assert result.error is not None
    assert (before.since_id, result.error, alerted) == (after.since_id, after.last_error,
                                                        world.alerts)  # fmt: skip
    logged = world.store.query("t", "SELECT status FROM x_requests ORDER BY id DESC LIMIT 1")
    assert status == logged[0][0]
    assert result.error == sc.recent_errors(world.store)[0][2]


def test_near_the_budget_polls_run_half_as_often(tmp_path: Path, directory: Directory) -> None:
    """At 80 % of the reads budget a poll 30 minutes after the last is skipped; at 60 it runs."""
    w = World(tmp_path, directory, budget=Budget(monthly_reads=100, monthly_dollars=0))
    for _ in range(85):
        w.mention()
    w.collector.poll_mentions(w.now)
    skipped = w.collector.poll_mentions(w.later(30))
    ran = w.collector.poll_mentions(w.later(30))
    assert ("slowed: 85 % of the monthly budget", None) == (
        skipped.skipped_reason,
        ran.skipped_reason,
    )
    assert [(SLOW_ALERT, "2027-08")] == w.alerts


def test_at_the_budget_polling_stops_with_one_alert_and_a_gap(
    tmp_path: Path, directory: Directory
) -> None:
    """Reads reach the dollar budget: every later poll skips; one alert; one growing gap."""
    w = World(tmp_path, directory, budget=Budget(monthly_reads=0, monthly_dollars=0.05))
    for _ in range(50):
        w.mention()
    w.collector.poll_mentions(w.now)
    results = [w.collector.cycle(w.later(60)) for _ in range(3)]
    assert {"budget reached: 100 % of the monthly budget"} == {
        r.skipped_reason for cycle in results for r in cycle
    }
    assert [(BUDGET_ALERT, "2027-08")] == w.alerts
    assert [("budget", T0, w.now)] == [
        (g.reason, g.start_at, g.end_at) for g in sc.gaps(w.store) if g.source == "mentions"
    ]


def test_the_budget_stops_a_poll_between_pages(tmp_path: Path, directory: Directory) -> None:
    """A poll that would overspend stops before the next page; the cursor does not move."""
    w = World(tmp_path, directory, budget=Budget(monthly_reads=150, monthly_dollars=0))
    for _ in range(300):
        w.mention()
    result = w.collector.poll_mentions(w.now)
    assert (2, 200) == (result.requests, w.count())
    assert (None, [(BUDGET_ALERT, "2027-08")]) == (
        sc.get_cursor(w.store, "mentions").since_id,
        w.alerts,
    )


def test_replies_and_quotes_count_only_for_our_ledger_posts(world: World) -> None:
    """A reply to our post is linked to it; a reply to someone else's post is not."""
    ours = world.x.create_post("Congress is home. #RecessReachOut")
    key = "kickoff@2027-08-02T13:00:00Z#all"
    occurrence = {"item_id": "kickoff", "scheduled_at": T0, "late_ok_seconds": 60,
                  "target_group": "all", "text": ours.text}  # fmt: skip
    world.store.claim(key, now=T0, **occurrence)  # type: ignore[arg-type]
    world.store.record(key, "posted", now=T0, x_post_id=ours.post_id)
    reply = world.mention(referenced=(("replied_to", ours.post_id),))
    quote = world.mention(referenced=(("quoted", ours.post_id),))
    other = world.mention(referenced=(("replied_to", "1"),))
    world.collector.poll_mentions(world.now)
    rows = [sc.get_post(world.store, p.post_id) for p in (reply, quote, other)]
    assert [(ours.post_id, None), (None, ours.post_id), (None, None)] == [
        (r.replies_to_post_id, r.quotes_post_id) for r in rows if r
    ]


def test_metrics_refresh_reads_our_recent_posts_and_records_deleted_ones(world: World) -> None:
    """Our post's likes land in post_metrics; a post X no longer has is an error, not a crash."""
    live = world.x.create_post("first post")
    world.x.set_metrics(live.post_id, like_count=7)
    for n, post_id in enumerate((live.post_id, "999")):
        key = f"p{n}"
        occurrence = {"item_id": "p", "scheduled_at": T0, "late_ok_seconds": 60,
                      "target_group": "all", "text": f"post {n}"}  # fmt: skip
        world.store.claim(key, now=T0, **occurrence)  # type: ignore[arg-type]
        world.store.record(key, "posted", now=T0, x_post_id=post_id)
    result = world.collector.refresh_metrics(world.later(60))
    likes = world.store.query("t", "SELECT x_post_id, like_count FROM post_metrics")
    assert (1, [(live.post_id, 7)]) == (result.new_posts, [tuple(r) for r in likes])
    [(source, _, detail)] = sc.recent_errors(world.store)
    assert ("metrics", True) == (source, "999" in detail)
    assert [POSTS_BY_ID] == [c for c in world.x.calls if c == POSTS_BY_ID]


def test_a_failed_search_does_not_touch_the_mentions_cursor(world: World) -> None:
    """Sources are independent: a search 503 leaves mentions complete."""
    world.mention()
    world.tagged()
    world.x.script(Fault("server_error", SEARCH_RECENT))
    mentions, search, _ = world.collector.cycle(world.now)
    assert (None, True) == (mentions.error, search.error is not None)
    assert sc.get_cursor(world.store, "mentions").last_success_at == world.now


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ({"public_metrics": {"like_count": 2**63}}, "like_count 9223372036854775808 is not a"),
        ({"text": "lone \ud800 surrogate"}, "its text holds lone UTF-16 surrogates"),
        ({"post_id": "0"}, None),  # "0" + an id: a leading zero
    ],
    ids=["metric beyond SQLite", "lone surrogate", "leading zero"],
)
def test_a_post_that_cannot_be_stored_is_skipped_and_recorded_never_raised(
    world: World, bad: dict[str, Any], why: str | None
) -> None:
    """Whatever made the post (here the sandbox, fed directly): the poll completes, the
    others are stored, the cursor moves to the newest stored post, the problem is recorded."""
    older = world.mention(3)
    fields = {"post_id": "0" + world.x.new_id()} if "post_id" in bad else bad
    odd = XPost(**{"post_id": world.x.new_id(), "text": f"@{ME} hi", "created_at": world.now,
                   **fields})  # fmt: skip
    world.x.feed_mentions(odd)
    newer = world.mention(0)
    result = world.collector.poll_mentions(world.now)
    [(_, _, detail)] = sc.recent_errors(world.store)
    assert (None, 2, newer.post_id) == (
        result.error, world.count(), sc.get_cursor(world.store, "mentions").since_id
    )  # fmt: skip
    assert sc.get_post(world.store, older.post_id) is not None
    assert detail.startswith("Unreadable post: ")
    assert (why or "is not an X id") in detail
