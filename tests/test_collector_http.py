"""Collection through the real tweepy adapter under `responses`: the issue's acceptance cases.

`TweepyXClient` (fake credentials) runs unchanged; `tests.x_timeline.Timeline` answers the
mentions, search and lookup endpoints in X's payload shape; the store is a real SQLite file in
tmp_path; the legislator directory is the real one; ``now`` is injected, nothing sleeps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import responses

from bot import store_collected as sc
from bot.collector import Collector
from bot.legislators import Directory
from bot.settings import PROJECT_ROOT, Budget, Collection, Polling, Prices
from bot.store import Store
from bot.x_client import TWEET_FIELDS
from bot.x_models import Account
from tests.conftest import FIXTURES
from tests.x_timeline import (
    LOOKUP_URL,
    MENTIONS_URL,
    SEARCH_URL,
    USER_ID,
    Timeline,
    make_client,
    post_json,
)

T0 = datetime(2027, 8, 2, 13, 0, tzinfo=UTC)
ACCOUNT = Account(USER_ID, "TweepyDev", "Tweepy Dev")
QUERY = "#RecessReachOut -is:retweet"
RICK_SCOTT_ID = "131546062"  # S001217 in data/legislators.yaml (@SenRickScott)
SUPPORTER = "1900000000000000100"
FIRST_ID = 1_900_000_000_000_000_000


@pytest.fixture(scope="module")
def directory() -> Directory:
    """The real legislator directory."""
    return Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")


class World:
    """A store, two fake timelines behind responses, and the collector over real tweepy."""

    def __init__(self, tmp_path: Path, mock: responses.RequestsMock, directory: Directory):
        self.now = T0
        self.mentions = Timeline(lambda: self.now, cap=800)
        self.search = Timeline(lambda: self.now)
        self.mentions.register(mock, MENTIONS_URL)
        self.search.register(mock, SEARCH_URL)
        self.lookup = Timeline(lambda: self.now)
        self.lookup.register(mock, LOOKUP_URL)
        self.store = Store.open(tmp_path / "reachout.db")
        self.alerts: list[tuple[str, str, str | None]] = []
        self.next_id = FIRST_ID
        self.collector = Collector(
            self.store, make_client(), directory, account=ACCOUNT, search_query=QUERY,
            hashtag="#RecessReachOut", collection=Collection(overlap_minutes=10),
            polling=Polling(), prices=Prices(), budget=Budget(), metrics_days=7,
            alert=lambda kind, message, key, now: self.alerts.append((kind, message, key)),
        )  # fmt: skip

    def post(
        self, minutes_ago: float, text: str = "@TweepyDev thanks", **kw: Any
    ) -> dict[str, Any]:
        """A new post (next id), created ``minutes_ago`` before now, by a supporter."""
        self.next_id += 1
        author = kw.pop("author_id", SUPPORTER)
        at = self.now - timedelta(minutes=minutes_ago)
        return post_json(self.next_id, at, text, author, **kw)

    def row_ids(self) -> list[str]:
        """Every collected post id, as stored (one row per post)."""
        return [r[0] for r in self.store.query("t", "SELECT post_id FROM collected_posts")]


@pytest.fixture
def world(tmp_path: Path, directory: Directory) -> Iterator[World]:
    """A fresh world per test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        w = World(tmp_path, mock, directory)
        yield w
        w.store.close()


def test_polls_ask_x_for_exactly_the_fields_the_report_needs(world: World) -> None:
    """Mentions and search send max_results=100, expansions=author_id and the listed fields."""
    world.collector.poll_mentions(world.now)
    world.collector.poll_search(world.now)
    expected = {
        "max_results": "100",
        "expansions": "author_id",
        "tweet.fields": TWEET_FIELDS,
        "user.fields": "username,name",
    }
    fields = (
        "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,entities,"
        "public_metrics,lang"
    )
    assert fields == TWEET_FIELDS
    for query in (world.mentions.queries[0], world.search.queries[0]):
        assert expected == {k: query[k] for k in expected}
    assert QUERY == world.search.queries[0]["query"]


def test_a_post_indexed_after_a_poll_is_collected_by_the_next(world: World) -> None:
    """A post created just before poll 1 but indexed after it is read by poll 2's overlap."""
    first = world.post(0.5)
    late = world.post(1.0)  # older than `first`, so poll 2's since_id would skip it
    late["id"], first["id"] = first["id"], late["id"]
    world.mentions.add(first, "early_bird")
    world.mentions.add(late, "late_one", visible_at=world.now + timedelta(minutes=5))
    world.collector.poll_mentions(world.now)
    assert [first["id"]] == world.row_ids()

    world.now += timedelta(minutes=30)
    newer = world.post(3)
    world.mentions.add(newer, "someone")
    result = world.collector.poll_mentions(world.now)

    assert sorted([first["id"], late["id"], newer["id"]]) == sorted(world.row_ids())
    assert (2, 1) == (result.new_posts, result.overlap_requests)
    [overlap] = [q for q in world.mentions.queries if "until_id" in q]
    assert {"until_id": first["id"], "start_time": "2027-08-02T12:50:00Z"} == {
        k: overlap[k] for k in ("until_id", "start_time")
    }
    flags = world.store.query("t", "SELECT overlap FROM x_requests ORDER BY overlap")
    assert [0, 0, 1] == [r[0] for r in flags]


def test_1500_mentions_between_polls_keep_800_and_record_the_gap(world: World) -> None:
    """X shows the newest 800: those are stored, the rest is a gap with an estimate."""
    start = world.post(10)
    world.mentions.add(start, "first")
    world.collector.poll_mentions(world.now)
    world.now += timedelta(minutes=30)
    burst = [world.post(30 - (i + 1) / 50) for i in range(1500)]  # evenly, one every 1.2 s
    for body in burst:
        world.mentions.add(body, "crowd")

    result = world.collector.poll_mentions(world.now)

    newest_800 = {b["id"] for b in burst[-800:]}
    assert newest_800 | {start["id"]} == set(world.row_ids())
    assert (800, True) == (result.new_posts, result.gap_recorded)
    [gap] = sc.gaps(world.store)
    oldest_read = datetime.fromisoformat(burst[-800]["created_at"])
    assert ("mentions_cap", T0, oldest_read) == (gap.reason, gap.start_at, gap.end_at)
    assert gap.missing_estimate is not None and 690 <= gap.missing_estimate <= 710
    unseen = (oldest_read - T0) / (world.now - T0)
    assert 1 - unseen == sc.completeness(sc.gaps(world.store), T0, world.now)


def test_a_post_from_mentions_and_search_is_one_row_with_metrics_updated(world: World) -> None:
    """Upsert by post id: both sources flag one row; later reads update metrics in place."""
    body = world.post(2, "@TweepyDev met my senator #RecessReachOut", hashtags=["RecessReachOut"])
    world.mentions.add(body, "supporter_example")
    world.collector.poll_mentions(world.now)
    world.now += timedelta(minutes=30)
    world.search.add(dict(body, public_metrics={**body["public_metrics"], "like_count": 40}), "s")
    world.collector.poll_search(world.now)
    for _ in range(3):
        world.now += timedelta(hours=1)
        world.collector.poll_mentions(world.now)
        world.collector.poll_search(world.now)

    row = sc.get_post(world.store, body["id"])
    assert [body["id"]] == world.row_ids()
    assert row is not None
    assert (True, True, True, 40) == (row.via_mentions, row.via_search, row.has_hashtag,
                                      row.like_count)  # fmt: skip


def test_a_legislator_who_changed_handle_is_recognised_by_numeric_id(world: World) -> None:
    """Author and tagged accounts are matched by X id first: a new handle changes nothing."""
    reply = world.post(1, "@TweepyDev thank you", author_id=RICK_SCOTT_ID)
    tagging = world.post(
        0.5, "@RickScottNew please act", mentions=[("RickScottNew", RICK_SCOTT_ID)]
    )
    impostor = world.post(0.2, "not him", author_id="999999999")
    world.mentions.add(reply, "RickScottNew")
    world.mentions.add(tagging, "supporter")
    world.mentions.add(impostor, "SenRickScott")  # someone took the old handle
    world.collector.poll_mentions(world.now)

    rows = [sc.get_post(world.store, b["id"]) for b in (reply, tagging, impostor)]
    assert [("S001217", ()), (None, ("S001217",)), (None, ())] == [
        (r.legislator_bioguide_id, r.tagged_bioguide_ids) for r in rows if r
    ]


def _rate_limited(world: World, reset_at: datetime, skip: int) -> None:
    """X's 429 (transcribed body) with the reset header, ``skip`` requests from now."""
    examples = json.loads((FIXTURES / "x-api" / "x-api-error-bodies.json").read_text("utf-8"))
    body = next(e for e in examples["examples"] if e["name"] == "rate_limited_429")["body"]
    headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(reset_at.timestamp()))}
    world.mentions.fail_next(429, body, headers, skip=skip)


def test_429_mid_pagination_keeps_the_cursor_and_resumes_without_loss(world: World) -> None:
    """Page 1 is committed, page 2 a 429: the cursor stays; the next poll gets all, once."""
    seed = world.post(60)
    world.mentions.add(seed, "first")
    world.collector.poll_mentions(world.now)
    before = sc.get_cursor(world.store, "mentions")
    world.now += timedelta(minutes=30)
    new = [world.post(25 - i / 20) for i in range(250)]
    for body in new:
        world.mentions.add(body, "crowd")
    _rate_limited(world, world.now + timedelta(minutes=15), skip=1)  # the second page
    failed = world.collector.poll_mentions(world.now)

    after = sc.get_cursor(world.store, "mentions")
    assert (before.since_id, 101) == (after.since_id, len(world.row_ids()))
    assert failed.error is not None and "rate limit" in failed.error
    assert after.last_error == failed.error

    world.now += timedelta(minutes=30)
    resumed = world.collector.poll_mentions(world.now)
    ids = world.row_ids()
    assert sorted({b["id"] for b in [seed, *new]}) == sorted(ids)
    assert (None, max(new, key=lambda b: int(b["id"]))["id"]) == (
        resumed.error,
        sc.get_cursor(world.store, "mentions").since_id,
    )
    billed = world.store.query("t", "SELECT sum(billable_reads) FROM x_requests")[0][0]
    assert len(ids) == billed  # page 1 read twice the same UTC day: billed once


def test_a_repeated_pagination_token_stops_the_poll(world: World) -> None:
    """X answering the same next_token again ends the loop; the period is a pagination gap."""
    for i in range(350):
        world.search.add(
            world.post(100 - i / 10, "#RecessReachOut go", hashtags=["RecessReachOut"]), "a"
        )
    world.search.repeat_token = True
    result = world.collector.poll_search(world.now)
    assert (2, True) == (result.requests, result.gap_recorded)
    assert ["pagination"] == [g.reason for g in sc.gaps(world.store)]


def test_partial_errors_in_a_200_are_recorded_not_fatal(world: World) -> None:
    """The transcribed partial-errors body: its post is stored, its error kept."""
    examples = json.loads((FIXTURES / "x-api" / "x-api-error-bodies.json").read_text("utf-8"))
    body = next(e for e in examples["examples"] if e["name"] == "partial_errors_200")["body"]
    body["data"][0]["created_at"] = "2027-08-02T12:00:00.000Z"  # polls ask for it; X sends it
    with responses.RequestsMock() as mock:
        mock.get(MENTIONS_URL, json=body)
        result = world.collector.poll_mentions(world.now)
    assert (None, ["123"]) == (result.error, world.row_ids())
    [(_, _, detail)] = sc.recent_errors(world.store)
    assert "Could not find tweet with id: [456]." in detail


def test_metrics_of_our_recent_posts_are_read_in_batches_of_100(world: World) -> None:
    """150 posts sent in the last 7 days: two lookups; an older post is not read again."""
    sent = []
    for n in range(151):
        body = world.post(60 + n, f"our post {n}", author_id=USER_ID, metrics={"like_count": n})
        world.lookup.add(body, "TweepyDev")
        sent.append(body)
    posted_at = [world.now - timedelta(hours=1)] * 150 + [world.now - timedelta(days=8)]
    for n, (body, at) in enumerate(zip(sent, posted_at, strict=True)):
        key = f"post-{n}"
        occurrence = {"item_id": "p", "scheduled_at": at, "late_ok_seconds": 60,
                      "target_group": "all", "text": body["text"]}  # fmt: skip
        world.store.claim(key, now=at, **occurrence)
        world.store.record(key, "posted", now=at, x_post_id=body["id"])

    result = world.collector.refresh_metrics(world.now)

    assert (2, 150) == (result.requests, result.new_posts)
    assert [100, 50] == [len(q["ids"].split(",")) for q in world.lookup.queries]
    likes = world.store.query("t", "SELECT like_count FROM post_metrics ORDER BY like_count")
    assert list(range(150)) == [r[0] for r in likes]


def test_a_search_cursor_older_than_7_days_is_not_sent(world: World) -> None:
    """X refuses a since_id beyond 7 days: the poll asks by start_time, 7 days back."""
    world.search.add(world.post(1, "#RecessReachOut", hashtags=["RecessReachOut"]), "a")
    world.collector.poll_search(world.now)
    world.now += timedelta(days=9)
    world.search.add(world.post(5, "#RecessReachOut again", hashtags=["RecessReachOut"]), "b")
    result = world.collector.poll_search(world.now)
    query = world.search.queries[-1]
    assert (None, "2027-08-04T13:02:00Z", 1) == (
        query.get("since_id"), query.get("start_time"), result.new_posts
    )  # fmt: skip


def test_bad_posts_in_a_polled_page_are_skipped_recorded_and_the_cursor_moves(
    world: World,
) -> None:
    """A page with a bad id, a year-1 date, a 2**63 like count and a lone surrogate: the
    poll completes, stores what it can (cleaned), records the rest, and moves the cursor."""
    good = world.post(5)
    huge = world.post(4, metrics={"like_count": 2**63})
    surrogate = world.post(3, "lone \ud800 @TweepyDev")
    bad_id = dict(world.post(2), id="abc<script>")
    bad_date = dict(world.post(1), created_at="0001-01-01T00:00:00+01:00")
    data = [bad_date, bad_id, surrogate, huge, good][::-1]  # newest first, as X sends them
    body = {"data": data, "includes": {"users": [{"id": SUPPORTER, "username": "fan",
                                                  "name": "Fan"}]}}  # fmt: skip
    with responses.RequestsMock() as mock:
        mock.get(MENTIONS_URL, json=body)
        result = world.collector.poll_mentions(world.now)
    stored = sc.get_post(world.store, surrogate["id"])
    huge_row = sc.get_post(world.store, huge["id"])
    errors = [detail for _, _, detail in sc.recent_errors(world.store)]
    assert (None, sorted([good["id"], huge["id"], surrogate["id"]])) == (
        result.error, sorted(world.row_ids())
    )  # fmt: skip
    assert ("lone \ufffd @TweepyDev", None) == (
        stored.text if stored else None, huge_row.like_count if huge_row else "missing"
    )  # fmt: skip
    assert surrogate["id"] == sc.get_cursor(world.store, "mentions").since_id
    assert [True, True] == [
        any(f"Unreadable post: post {n} of the page" in e for e in errors) for n in (4, 5)
    ]


def test_a_body_nested_too_deeply_fails_the_poll_and_the_cycle_goes_on(world: World) -> None:
    """JSON 5,000 deep (RecursionError in any JSON parser): recorded as X failing the
    mentions poll, never raised; search and metrics still run."""
    with responses.RequestsMock() as mock:
        mock.get(MENTIONS_URL, body="[" * 5000 + "]" * 5000, content_type="application/json")
        mock.get(SEARCH_URL, json={"meta": {"result_count": 0}})
        results = world.collector.cycle(world.now)
    assert [True, False, False] == [r.error is not None for r in results]
    assert "with a body reachout cannot read" in (results[0].error or "")
    assert results[0].error == sc.get_cursor(world.store, "mentions").last_error


@pytest.mark.parametrize(("source", "pages"), [("mentions", 8), ("search", 100)])
def test_endless_new_pagination_tokens_stop_the_poll(world: World, source: str, pages: int) -> None:
    """X sending a new next_token with every page: the poll stops after 8 pages (mentions)
    or 100 (search), records why, and a gap only where posts can be missing (a first
    mentions poll has no start to measure from: no zero-length gap)."""
    served: list[int] = []

    def endless(request: Any) -> tuple[int, dict[str, str], str]:
        served.append(1)
        post = world.post(len(served), "#RecessReachOut @TweepyDev")
        meta = {"result_count": 1, "next_token": f"t{len(served)}"}
        return 200, {}, json.dumps({"data": [post], "meta": meta})

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, MENTIONS_URL if source == "mentions" else SEARCH_URL,
                          callback=endless)  # fmt: skip
        poll = (
            world.collector.poll_mentions if source == "mentions" else world.collector.poll_search
        )
        result = poll(world.now)
    [(_, _, detail)] = sc.recent_errors(world.store)
    gaps = [(g.reason, g.start_at < g.end_at) for g in sc.gaps(world.store)]
    assert (pages, pages, None) == (result.requests, sc.count_posts(world.store), result.error)
    assert f"stopped after {pages} pages: X kept sending pagination tokens" == detail
    assert ([] if source == "mentions" else [("pagination", True)]) == gaps
