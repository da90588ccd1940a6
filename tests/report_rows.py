"""Rows for the report tests: the collection tables filled with plain SQL (bot/store_schema.py).

The report reads what bot.store_collected writes; these helpers write the same rows directly
(through ``Store.transaction``) so report tests do not depend on collection, and a fixture
week (:func:`fixture_week`) with a bit of everything the report counts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.legislators import Directory
from bot.report_data import build_report_data
from bot.report_model import ReportData
from bot.report_period import Period, parse_week
from bot.settings import PROJECT_ROOT, Budget, Prices
from bot.store import Store

NEW_YORK = ZoneInfo("America/New_York")
ACCOUNT = "RecessReachOut"
WEEK = "2027-W31"  # Mon 2 Aug – Sun 8 Aug 2027, EDT (UTC-4)
RICK_SCOTT, MOODY, SCHUMER = "S001217", "M001244", "S000148"


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def directory() -> Directory:
    return Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")


def connect(store: Store) -> sqlite3.Connection:
    """A second, independent connection to the same file (for the tests' own SQL counts)."""
    return sqlite3.connect(store.path)


def add_post(
    store: Store,
    post_id: str,
    created_at: datetime,
    *,
    author: str | None = "alice",
    author_id: str | None = None,
    text: str = "Please co-sponsor S. 1249 #RecessReachOut",
    mention: bool = False,
    hashtag: bool = True,
    legislator: str | None = None,
    tags: Sequence[str] = (),
    likes: int | None = 0,
    reposts: int | None = 0,
    replies: int | None = 0,
    quotes: int | None = 0,
    impressions: int | None = None,
    replies_to: str | None = None,
) -> None:
    """Insert one collected post (and its tags) as collection would."""
    stamp = ts(created_at + timedelta(minutes=5))
    with store.transaction("test: adding a post") as conn:
        conn.execute(
            """INSERT INTO collected_posts (post_id, text, author_id, author_username,
            created_at, like_count, reply_count, retweet_count, quote_count, impression_count,
            via_search, has_hashtag, mentions_account, legislator_bioguide_id,
            replies_to_post_id, first_seen_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)""",
            (post_id, text, author_id or f"id-{author}", author, ts(created_at), likes,
             replies, reposts, quotes, impressions, int(hashtag), int(mention), legislator,
             replies_to, stamp, stamp),
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO collected_tags (post_id, bioguide_id) VALUES (?, ?)",
            [(post_id, b) for b in tags],
        )


def add_gap(store: Store, source: str, start: datetime, end: datetime, reason: str,
            estimate: int | None) -> None:  # fmt: skip
    with store.transaction("test: adding a gap") as conn:
        conn.execute(
            """INSERT INTO collection_gaps (source, start_at, end_at, reason, missing_estimate,
            recorded_at) VALUES (?, ?, ?, ?, ?, ?)""",
            (source, ts(start), ts(end), reason, estimate, ts(end)),
        )


def add_error(store: Store, source: str, at: datetime, detail: str = "503") -> None:
    with store.transaction("test: adding an error") as conn:
        conn.execute(
            "INSERT INTO collection_errors (source, at, detail) VALUES (?, ?, ?)",
            (source, ts(at), detail),
        )


def add_request(
    store: Store, at: datetime, cost: float, reads: int, source: str = "search"
) -> None:
    with store.transaction("test: adding a request") as conn:
        conn.execute(
            """INSERT INTO x_requests (at, endpoint, source, posts_returned, billable_reads,
            cost_dollars, status) VALUES (?, ?, ?, ?, ?, ?, 'ok')""",
            (ts(at), "GET /2/tweets/search/recent", source, reads, reads, cost),
        )


def add_cursor(store: Store, source: str, last_success: datetime | None) -> None:
    with store.transaction("test: adding a cursor") as conn:
        conn.execute(
            "INSERT OR REPLACE INTO cursors (source, last_success_at, polls) VALUES (?, ?, 1)",
            (source, ts(last_success) if last_success else None),
        )


def add_metrics(store: Store, x_post_id: str, key: str, likes: int, reposts: int, replies: int,
                quotes: int, impressions: int | None) -> None:  # fmt: skip
    with store.transaction("test: adding metrics") as conn:
        conn.execute(
            """INSERT INTO post_metrics (x_post_id, ledger_key, like_count, retweet_count,
            reply_count, quote_count, impression_count, fetched_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, '2027-08-09T00:00:00Z')""",
            (x_post_id, key, likes, reposts, replies, quotes, impressions),
        )


@dataclass(frozen=True)
class Plan:
    """A planned post (what bot.report_data.Planned asks for)."""

    key: str
    post_id: str
    at_utc: datetime
    target_group: str
    text: str
    has_url: bool = False


def ledger(store: Store, plan: Plan, state: str, *, x_post_id: str | None = None,
           error: str | None = None, now: datetime | None = None) -> None:  # fmt: skip
    """Give a planned post a ledger row in ``state`` through the Store API."""
    occurrence = {"item_id": plan.post_id, "scheduled_at": plan.at_utc, "late_ok_seconds": 1800,
                  "target_group": plan.target_group, "text": plan.text}  # fmt: skip
    at = now or plan.at_utc
    if state == "skipped":
        store.skip(plan.key, reason=error or "cap", now=at, **occurrence)  # type: ignore[arg-type]
        return
    if state == "missed":
        store.mark_missed(plan.key, reason=error or "late", now=at, **occurrence)  # type: ignore[arg-type]
        return
    assert store.claim(plan.key, now=at, **occurrence)  # type: ignore[arg-type]
    if state != "sending":
        store.record(plan.key, state, now=at, x_post_id=x_post_id, error=error)  # type: ignore[arg-type]


def plan_at(text_id: str, when: str, group: str = "", *, has_url: bool = False) -> Plan:
    at = utc(when)
    key = f"{text_id}@{ts(at)}" + (f"#{group}" if group else "")
    return Plan(key, text_id, at, group, f"Post {text_id} {group} #RecessReachOut", has_url)


def build(store: Store, period: Period, planned: Sequence[Plan], now: datetime,
          budget: Budget | None = None) -> ReportData:  # fmt: skip
    return build_report_data(
        store, period, planned=planned, directory=directory(), account=ACCOUNT,
        campaign="#RecessReachOut", prices=Prices(), budget=budget or Budget(), now=now,
    )  # fmt: skip


def week() -> Period:
    return parse_week(WEEK, NEW_YORK)


def fixture_week(store: Store) -> list[Plan]:
    """Fill the store with a varied week 2027-W31 (and some of W30); return the plan.

    Our posts: 2 posted (one with a URL, one with metrics), 1 duplicate, 1 skipped, 1 missed,
    1 rate_limited, 1 planned with no row. Collected: supporters' mentions and hashtag posts
    across the days (two at the local-day edges), tags of three legislators, two responses,
    one post by our own account, posts just outside the week, a gap, errors, requests.
    """
    plans = [
        plan_at("kickoff", "2027-08-02T13:30:00", "FL", has_url=True),
        plan_at("kickoff", "2027-08-02T13:30:00", "NY"),
        plan_at("dup", "2027-08-03T14:00:00"),
        plan_at("capped", "2027-08-04T14:00:00"),
        plan_at("late", "2027-08-05T14:00:00"),
        plan_at("limited", "2027-08-06T14:00:00"),
        plan_at("never", "2027-08-07T14:00:00"),
        plan_at("lastweek", "2027-07-28T14:00:00"),
    ]
    ledger(store, plans[0], "posted", x_post_id="1900000000000000001")
    ledger(store, plans[1], "posted", x_post_id="1900000000000000002")
    ledger(store, plans[2], "duplicate", error="403 duplicate content")
    ledger(store, plans[3], "skipped", error="posts_per_day cap reached")
    ledger(store, plans[4], "missed", error="worker down past late_ok")
    ledger(store, plans[5], "rate_limited", error="429 until 14:15")
    ledger(store, plans[7], "posted", x_post_id="1900000000000000000")
    add_metrics(store, "1900000000000000001", plans[0].key, 40, 7, 3, 1, 2500)
    add_metrics(store, "1900000000000000002", plans[1].key, 5, 1, 0, 0, None)
    day = utc("2027-08-02T04:00:00")  # Mon 2 Aug 00:00 EDT
    n = 0

    def post(offset_hours: float, **kw: object) -> None:
        nonlocal n
        n += 1
        add_post(store, f"20000000000000{n:05d}", day + timedelta(hours=offset_hours), **kw)  # type: ignore[arg-type]

    post(0, author="edge_first", mention=True)  # exactly local midnight: Monday
    post(-0.01, author="edge_before")  # Sunday 23:59:24 EDT: last week
    post(24 * 7 - 0.01, author="edge_last", tags=[RICK_SCOTT])  # Sun 23:59: this week
    post(24 * 7, author="edge_after")  # next Monday 00:00: next week
    for i in range(12):  # supporters over the days, some tagging legislators
        tags = [RICK_SCOTT] if i % 3 == 0 else [MOODY, RICK_SCOTT] if i % 3 == 1 else []
        post(10 + i * 13, author=f"supporter{i % 5}", mention=i % 2 == 0, hashtag=i % 4 != 3,
             tags=tags, likes=i * 3, reposts=i, replies=i % 2)  # fmt: skip
    post(30, author="schumer_fan", tags=[SCHUMER], mention=True, hashtag=False)
    thanks = "Thank you for your advocacy. #RecessReachOut"
    post(50, author="SenRickScott", author_id="131546062", legislator=RICK_SCOTT, mention=True,
         text=thanks, replies_to="1900000000000000001")  # fmt: skip
    post(100, author="SenSchumer", legislator=SCHUMER, hashtag=False, mention=True,
         tags=[RICK_SCOTT], text="Working on it.")  # fmt: skip
    post(20, author=ACCOUNT.lower(), text="our own post #RecessReachOut")  # left out
    post(-30, author="lastweek1", mention=True, tags=[MOODY])  # previous week
    post(-40, author="lastweek2")
    add_gap(store, "mentions", utc("2027-08-04T00:00:00"), utc("2027-08-04T06:00:00"),
            "mentions_cap", 25)  # fmt: skip
    add_gap(
        store, "search", utc("2027-07-20T00:00:00"), utc("2027-07-21T00:00:00"), "search_window", 5
    )  # fmt: skip  (before the week: not counted)
    add_error(store, "search", utc("2027-08-03T10:00:00"))
    add_error(store, "mentions", utc("2027-08-05T10:00:00"))
    add_error(store, "mentions", utc("2027-07-30T10:00:00"))  # previous week
    add_request(store, utc("2027-08-02T12:00:00"), 0.25, 50)
    add_request(store, utc("2027-08-06T12:00:00"), 0.10, 20, "mentions")
    add_request(store, utc("2027-07-31T12:00:00"), 1.00, 200)  # previous week, same month? no
    add_request(store, utc("2027-08-01T12:00:00"), 0.50, 100)  # same month, before the week
    add_cursor(store, "mentions", utc("2027-08-09T13:00:00"))
    add_cursor(store, "search", utc("2027-08-09T13:00:00"))
    return plans


def sql_counts(store: Store, start: datetime, end: datetime, utc_offset: str) -> dict[str, Any]:
    """Count the period [start, end) straight from the tables, written independently of
    bot.report_data: subqueries instead of joins, SQLite's ``date(created_at, utc_offset)``
    for the local day (valid for a period with one UTC offset, e.g. a summer week)."""
    conn = connect(store)
    p = {"s": ts(start), "e": ts(end), "me": ACCOUNT.lower()}
    theirs = """lower(coalesce(author_username, '')) <> :me AND post_id NOT IN
        (SELECT x_post_id FROM ledger WHERE x_post_id IS NOT NULL)"""
    within = f"created_at BETWEEN :s AND :e AND created_at <> :e AND {theirs}"
    posts = f"FROM collected_posts WHERE {within}"
    supporters = f"SELECT post_id {posts} AND legislator_bioguide_id IS NULL"
    ledger_in = "FROM ledger WHERE scheduled_at >= :s AND scheduled_at < :e"
    requests_in = "FROM x_requests WHERE at >= :s AND at < :e"
    gaps_in = "FROM collection_gaps WHERE NOT (end_at <= :s OR start_at >= :e)"

    def one(sql: str) -> Any:
        return conn.execute(sql, p).fetchone()[0]

    def pairs(sql: str) -> dict[Any, Any]:
        return {r[0]: r[1] for r in conn.execute(sql, p)}

    def rows(sql: str) -> dict[Any, tuple[Any, ...]]:
        return {r[0]: tuple(r[1:]) for r in conn.execute(sql, p)}

    counts: dict[str, Any] = {
        "collected": one(f"SELECT count(*) {posts}"),
        "mentions": one(f"SELECT count(*) {posts} AND mentions_account = 1"),
        "hashtag_posts": one(f"SELECT count(*) {posts} AND has_hashtag = 1"),
        "authors": one(f"SELECT count(*) FROM (SELECT DISTINCT author_id {posts})"),
        "responses": one(f"SELECT count(*) {posts} AND legislator_bioguide_id IS NOT NULL"),
        "tags_by_bioguide": pairs(
            f"SELECT bioguide_id, count(*) FROM collected_tags WHERE post_id IN ({supporters})"
            " GROUP BY 1"
        ),
        "taggers_by_bioguide": pairs(
            "SELECT t.bioguide_id, count(DISTINCT c.author_id)"
            " FROM collected_tags t, collected_posts c"
            f" WHERE t.post_id = c.post_id AND c.post_id IN ({supporters}) GROUP BY 1"
        ),
        "responses_by_bioguide": pairs(
            f"SELECT legislator_bioguide_id, count(*) {posts}"
            " AND legislator_bioguide_id IS NOT NULL GROUP BY 1"
        ),
        "per_day": rows(
            f"SELECT date(created_at, '{utc_offset}'), count(*), sum(mentions_account),"
            f" sum(has_hashtag), count(legislator_bioguide_id) {posts} GROUP BY 1"
        ),
        "ledger_by_state": pairs(f"SELECT state, count(*) {ledger_in} GROUP BY 1"),
        "posted_in_period": list(
            conn.execute(
                "SELECT key, text FROM ledger WHERE state = 'posted'"
                " AND posted_at >= :s AND posted_at < :e",
                p,
            )
        ),
        "reads_dollars": one(f"SELECT total(cost_dollars) {requests_in}"),
        "reads": one(f"SELECT total(billable_reads) {requests_in}"),
        "gaps": one(f"SELECT count(*) {gaps_in}"),
        "gap_estimate": one(f"SELECT total(missing_estimate) {gaps_in}"),
        "errors": one("SELECT count(*) FROM collection_errors WHERE at >= :s AND at < :e"),
        "metrics": rows(
            "SELECT l.key, m.like_count, m.retweet_count, m.reply_count, m.quote_count,"
            " m.impression_count FROM ledger l, post_metrics m"
            " WHERE m.x_post_id = l.x_post_id AND l.scheduled_at >= :s AND l.scheduled_at < :e"
        ),
    }
    conn.close()
    return counts
