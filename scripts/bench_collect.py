"""Benchmark: collection ingest speed against raw SQLite, and X API economy over a day of polls.

1. **Ingest.** ``--posts`` synthetic mentions as X API v2 page JSON (100
   posts a page, ``includes.users``, entities, public metrics, as X sends them) go through
   `bot.collector.Collector.poll_mentions`: a stand-in X client parses each page with
   `bot.x_models.page_from_json` (what the live client does after tweepy), and the collector
   classifies against the real legislator directory, upserts, bills reads per UTC day and logs
   requests, one transaction a page, 7 pages a poll. The baseline, in the same run on the same
   page texts: ``json.loads`` and one ``sqlite3`` ``executemany`` a page of the same
   ``collected_posts`` rows into a database with the same schema and pragmas (WAL, synchronous
   FULL: one commit a page on both sides). Only the parsing and storing is timed (making the
   page texts is not). Ratio target <= 2. A run takes about a minute on 2 cores (longer when
   they are busy); ``--posts 200000`` for a quick one.
2. **API economy.** The sandbox X receives ``--mentions`` new mentions (default 5,000) over one
   day, 2 % of them indexed 3 minutes late, polled every ``polling.mentions_minutes``. The
   floor is ⌈n/100⌉ requests per poll for the n mentions that became visible since the last
   poll (1 when none: asking is a request); overlap re-queries are counted separately (a late
   mention counts in the floor of the poll it became visible for, though the overlap query is
   what reads it, so the ratio can dip below 1). Request ratio target <= 1.05; billable
   reads against mentions (1.0 = each read billed once), and every mention must be stored.

Prints a short report, then one JSON object on a line of its own.

    .venv/bin/python scripts/bench_collect.py [--posts 1000000] [--mentions 5000]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot import store_collected as sc
from bot.collector import Collector
from bot.legislators import Directory
from bot.settings import PROJECT_ROOT, Budget, Collection, Polling, Prices
from bot.store import MIGRATIONS, Store
from bot.testing import SANDBOX_ACCOUNT, SandboxX
from bot.x_models import Page, XPost, page_from_json

TARGET_INGEST_RATIO = 2.0
TARGET_REQUEST_RATIO = 1.05
PAGES_PER_POLL = 7  # 700 mentions a poll: under X's 800 cap, so no gap is expected
T0 = datetime(2027, 8, 2, 4, 0, tzinfo=UTC)
ME = SANDBOX_ACCOUNT
NO_BUDGET = Budget(monthly_reads=0, monthly_dollars=0)
COLUMNS = (
    "post_id", "text", "author_id", "author_username", "created_at", "conversation_id",
    "in_reply_to_user_id", "lang", "like_count", "reply_count", "retweet_count", "quote_count",
    "impression_count", "bookmark_count", "via_mentions", "via_search", "via_import",
    "has_hashtag", "mentions_account", "legislator_bioguide_id", "replies_to_post_id",
    "quotes_post_id", "first_seen_at", "updated_at",
)  # fmt: skip
METRICS = COLUMNS[8:14]


def page_text(first: int, count: int, newest_at: datetime, legislators: Sequence[Any]) -> str:
    """A mentions page of ``count`` posts, ids first+count-1 down to first, one a second."""
    posts, users = [], []
    for n in range(count):
        number = first + count - 1 - n
        author = str(2_000_000_000 + number % 50_000)
        tags = [{"start": 0, "end": 15, "username": ME.username, "id": ME.user_id}]
        if number % 10 == 0:  # one in ten also tags a legislator
            member = legislators[number % len(legislators)]
            tags.append({"start": 16, "end": 30, "username": member.x, "id": member.x_id})
        created = (newest_at - timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        posts.append(
            {
                "id": str(number), "edit_history_tweet_ids": [str(number)],
                "text": f"@{ME.username} I asked my senators to back H.R. 2283 #RecessReachOut {n}",
                "author_id": author, "created_at": created, "conversation_id": str(number),
                "entities": {"mentions": tags,
                             "hashtags": [{"start": 60, "end": 75, "tag": "RecessReachOut"}]},
                "public_metrics": {"retweet_count": 0, "reply_count": 1, "like_count": n % 7,
                                   "quote_count": 0, "bookmark_count": 0, "impression_count": 40},
                "lang": "en",
            }
        )  # fmt: skip
        users.append({"id": author, "name": f"Supporter {author}", "username": f"s{author}"})
    meta = {"result_count": count, "newest_id": posts[0]["id"], "oldest_id": posts[-1]["id"]}
    return json.dumps({"data": posts, "includes": {"users": users}, "meta": meta})


class PageFeed:
    """A stand-in X client serving prepared page texts to the collector, parsed as X's are."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.rate_limits: dict[str, Any] = {}

    def mentions(self, user_id: str, **params: Any) -> Page:
        if params.get("until_id") or not self.texts:  # the overlap re-query: nothing late
            return Page()
        body = json.loads(self.texts.pop(0))
        if self.texts:  # more pages in this poll, as X's meta says
            body["meta"]["next_token"] = f"next-{len(self.texts)}"
        return page_from_json(body)


def ingest(posts: int, directory: Directory, folder: Path) -> dict[str, Any]:
    """Time the collector and the raw baseline on the same page texts."""
    legislators = [m for m in directory.members if m.x and m.x_id]
    feed = PageFeed()
    store = Store.open(folder / "collector.db")
    collector = Collector(
        store, feed, directory, account=ME, search_query="#RecessReachOut -is:retweet",  # type: ignore[arg-type]  # reads only
        hashtag="#RecessReachOut", collection=Collection(), polling=Polling(), prices=Prices(),
        budget=NO_BUDGET, metrics_days=7, alert=lambda *a: None,
    )  # fmt: skip
    raw = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    raw.execute("PRAGMA foreign_keys = ON")
    raw.execute("PRAGMA journal_mode = WAL")
    for statement in (s for migration in MIGRATIONS for s in migration):
        raw.execute(statement)
    insert = f"INSERT INTO collected_posts VALUES ({', '.join('?' * len(COLUMNS))})"
    ours = baseline = 0.0
    done, now = 0, T0
    while done < posts:
        now += timedelta(minutes=30)
        texts: list[str] = []
        for _ in range(PAGES_PER_POLL):
            count = min(100, posts - done)
            if count <= 0:
                break
            newest_at = now - timedelta(seconds=2 + 100 * len(texts))
            texts.insert(0, page_text(1_000_000_000 + done, count, newest_at, legislators))
            done += count
        texts.reverse()  # newest page first, as X pages
        feed.texts = list(texts)
        started = time.perf_counter()
        result = collector.poll_mentions(now)
        ours += time.perf_counter() - started
        if result.error:
            raise SystemExit(f"collector failed: {result.error}")
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        started = time.perf_counter()
        for text in texts:
            body = json.loads(text)
            users = {u["id"]: u["username"] for u in body["includes"]["users"]}
            rows = [
                (p["id"], p["text"], p["author_id"], users.get(p["author_id"]),
                 p["created_at"][:19] + "Z", p["conversation_id"], None, p["lang"],
                 *(p["public_metrics"].get(m) for m in METRICS), 1, 0, 0, 1, 1, None, None,
                 None, stamp, stamp)
                for p in body["data"]
            ]  # fmt: skip
            raw.execute("BEGIN")
            raw.executemany(insert, rows)
            raw.execute("COMMIT")
        baseline += time.perf_counter() - started
    stored = sc.count_posts(store)
    base_rows = raw.execute("SELECT count(*) FROM collected_posts").fetchone()[0]
    store.close()
    raw.close()
    if stored != posts or base_rows != posts:
        raise SystemExit(f"stored {stored} (collector), {base_rows} (baseline) of {posts}")
    return {
        "posts": posts,
        "seconds": round(ours, 2),
        "baseline_seconds": round(baseline, 2),
        "ratio": round(ours / baseline, 3),
        "posts_per_second": round(posts / ours),
        "baseline_posts_per_second": round(posts / baseline),
        "target_ratio": TARGET_INGEST_RATIO,
    }


def economy(mentions: int, directory: Directory, folder: Path, seed: int) -> dict[str, Any]:
    """A day of mention polls on the sandbox: requests and reads against the floor."""
    polling = Polling()
    step = timedelta(minutes=polling.mentions_minutes)
    clock = [T0]
    x = SandboxX(clock=lambda: clock[0])
    store = Store.open(folder / "economy.db")
    collector = Collector(
        store, x, directory, account=ME, search_query="#RecessReachOut -is:retweet",
        hashtag="#RecessReachOut", collection=Collection(), polling=polling, prices=Prices(),
        budget=NO_BUDGET, metrics_days=7, alert=lambda *a: None,
    )  # fmt: skip
    rng = random.Random(seed)
    day = timedelta(days=1)
    times = sorted(T0 + day * rng.random() for _ in range(mentions))
    late = set(rng.sample(range(mentions), mentions // 50))
    visible = [t + timedelta(minutes=3) if i in late else t for i, t in enumerate(times)]
    fed = 0
    requests = overlap = reads = floor = 0
    seen_before = 0
    polls = int(day / step)
    for number in range(1, polls + 2):
        now = T0 + number * step
        clock[0] = now
        while fed < mentions and times[fed] <= now:  # posted by now (visible later if late)
            post = XPost(x.new_id(), f"@{ME.username} thanks", author_id="7",
                         author_username="fan", created_at=times[fed])  # fmt: skip
            x.feed_mentions(post, visible_at=visible[fed])
            fed += 1
        visible_now = sum(1 for v in visible[:fed] if v <= now)
        new = visible_now - seen_before
        seen_before = visible_now
        floor += max(1, math.ceil(new / 100))
        result = collector.poll_mentions(now)
        requests += result.requests - result.overlap_requests
        overlap += result.overlap_requests
        reads += result.billable_reads
    stored = sc.count_posts(store)
    store.close()
    return {
        "mentions": mentions,
        "late_indexed": len(late),
        "polls": polls + 1,
        "requests": requests,
        "floor_requests": floor,
        "request_ratio": round(requests / floor, 4),
        "overlap_requests": overlap,
        "billable_reads": reads,
        "read_ratio": round(reads / mentions, 4),
        "stored": stored,
        "target_request_ratio": TARGET_REQUEST_RATIO,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000, help="mentions to ingest")
    parser.add_argument("--mentions", type=int, default=5_000, help="mentions over the day")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args(argv)
    directory = Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as folder:
        started = time.perf_counter()
        speed = ingest(args.posts, directory, Path(folder))
        day = economy(args.mentions, directory, Path(folder), args.seed)
        wall = time.perf_counter() - started
    ok = (
        speed["ratio"] <= TARGET_INGEST_RATIO
        and day["request_ratio"] <= TARGET_REQUEST_RATIO
        and day["stored"] == day["mentions"]
    )
    print(
        f"ingest {speed['posts']:,} mentions: {speed['seconds']} s ({speed['posts_per_second']:,}"
        f"/s), raw executemany {speed['baseline_seconds']} s: ratio {speed['ratio']} "
        f"(target <= {TARGET_INGEST_RATIO})"
    )
    print(
        f"a day of polls, {day['mentions']:,} mentions ({day['late_indexed']} indexed late): "
        f"{day['requests']} requests vs floor {day['floor_requests']} (ratio "
        f"{day['request_ratio']}, target <= {TARGET_REQUEST_RATIO}), {day['overlap_requests']} "
        f"overlap re-queries, {day['billable_reads']:,} billable reads, {day['stored']:,} stored"
    )
    print(json.dumps({"benchmark": "collect", "ingest": speed, "economy": day,
                      "wall_seconds": round(wall, 1), "ok": ok}))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
