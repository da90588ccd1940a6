"""Benchmark: the weekly report for a week holding 1,000,000 collected posts, against the raw
SQL behind it, in the same run and on the same database.

Fills a fresh SQLite file (bot.store schema) with a deterministic week 2027-W31: N supporter
posts (mentions and hashtag posts, 40 % tagging one or two legislators of the real directory,
~N/10 distinct authors), legislators' responses, our posts with metrics, reads, gaps and
errors. Then times, with the file just written (so in the page cache):

- ``report``: ``build_report_data`` + ``write_report`` (all five files: mentions.csv lists
  every post, report.html draws three charts), as ``reachout report`` does;
- ``sql``: every SELECT the report ran, captured with sqlite3's trace callback (parameters
  inlined) and replayed on a plain connection, rows fetched and dropped: the floor any
  report over these tables pays. ``aggregate sql`` is the same without mentions.csv's
  paged listing.

Each is run ``--repeat`` times and the median kept (the default, 1, takes a few minutes for
a million posts on a small machine; most of it is filling the database). Prints a short
report, then one JSON object on a line of its own. Target: report at most 3x the SQL behind it.

    .venv/bin/python scripts/bench_report.py [--posts 1000000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.legislators import Directory
from bot.report import write_report
from bot.report_data import build_report_data, iter_collected
from bot.report_period import parse_week
from bot.settings import PROJECT_ROOT, Budget, Prices
from bot.store import Store

TARGET_RATIO = 3.0
ZONE = ZoneInfo("America/New_York")
WEEK = parse_week("2027-W31", ZONE)
ACCOUNT = "RecessReachOut"


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fill(store: Store, posts: int, directory: Directory, seed: int = 2027) -> None:
    """Write the benchmark week: posts, tags, responses, ledger, metrics, reads, gaps."""
    rng = random.Random(seed)
    members = [m.bioguide_id for m in directory.members]
    start, seconds = WEEK.start_at, int((WEEK.end_at - WEEK.start_at).total_seconds())
    authors = max(posts // 10, 1)
    tags: list[tuple[str, str]] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        for n in range(posts):
            post_id = str(1_800_000_000_000_000_000 + n)
            created = ts(start + timedelta(seconds=rng.randrange(seconds)))
            author = rng.randrange(authors)
            responder = members[n % len(members)] if n % 5000 == 0 else None
            if rng.random() < 0.4 and responder is None:
                tags.extend((post_id, b) for b in set(rng.sample(members, rng.choice((1, 2)))))
            text = f"Supporter post {n}: please co-sponsor S. 1249 #RecessReachOut"
            yield (post_id, text, f"u{author}", f"user{author}", created,
                   rng.randrange(50), rng.randrange(5), rng.randrange(10), rng.randrange(3),
                   None, int(rng.random() < 0.6), int(rng.random() < 0.3), responder,
                   created, created)  # fmt: skip

    with store.transaction("bench: posts") as conn:
        conn.executemany(
            """INSERT INTO collected_posts (post_id, text, author_id, author_username,
            created_at, like_count, reply_count, retweet_count, quote_count, impression_count,
            has_hashtag, mentions_account, legislator_bioguide_id, first_seen_at, updated_at,
            via_search) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)""",
            rows(),
        )
        conn.executemany("INSERT INTO collected_tags (post_id, bioguide_id) VALUES (?, ?)", tags)
        for _ in range(5000):
            read_at = ts(start + timedelta(seconds=rng.randrange(seconds)))
            conn.execute(
                """INSERT INTO x_requests (at, endpoint, source, posts_returned, billable_reads,
                cost_dollars, status) VALUES (?, 'GET /2/tweets/search/recent', 'search',
                100, 100, 0.5, 'ok')""",
                (read_at,),
            )
        for n in range(3):
            gap = start + timedelta(days=2 * n)
            conn.execute(
                """INSERT INTO collection_gaps (source, start_at, end_at, reason,
                missing_estimate, recorded_at) VALUES ('mentions', ?, ?, 'mentions_cap', 40, ?)""",
                (ts(gap), ts(gap + timedelta(hours=2)), ts(gap)),
            )
            conn.execute(
                "INSERT INTO collection_errors (source, at, detail) VALUES ('search', ?, '503')",
                (ts(gap),),
            )
    for n in range(100):  # our posts: 100 in the week, each with metrics
        at = start + timedelta(hours=n * 1.6)
        key = f"bench-{n}@{ts(at)}"
        store.claim(key, now=at, item_id=f"bench-{n}", scheduled_at=at, late_ok_seconds=1800,
                    target_group="FL", text=f"Our post {n} #RecessReachOut")  # fmt: skip
        x_id = str(1_900_000_000_000_000_000 + n)
        store.record(key, "posted", now=at, x_post_id=x_id)
        with store.transaction("bench: metrics") as conn:
            conn.execute(
                """INSERT INTO post_metrics (x_post_id, ledger_key, like_count, retweet_count,
                reply_count, quote_count, impression_count, fetched_at)
                VALUES (?, ?, 10, 2, 1, 0, 900, ?)""",
                (x_id, key, ts(at)),
            )


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000, help="collected posts")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of each (median)")
    args = parser.parse_args()
    directory = Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")
    now = WEEK.end_at + timedelta(hours=13)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        began = time.perf_counter()
        store = Store.open(Path(tmp) / "bench.db")
        fill(store, args.posts, directory)
        setup_seconds = time.perf_counter() - began
        out = Path(tmp) / "reports"

        def report() -> Path:
            data = build_report_data(
                store, WEEK, planned=[], directory=directory, account=ACCOUNT,
                campaign="#RecessReachOut", prices=Prices(), budget=Budget(), now=now,
            )  # fmt: skip
            posts = iter_collected(store, WEEK, ACCOUNT)
            return write_report(data, out, collected=posts)

        captured: list[str] = []
        store._conn.set_trace_callback(captured.append)  # the SQL the report runs
        report_times = [median_seconds(report, 1)]  # the first run also captures its SQL
        store._conn.set_trace_callback(None)
        folder = out / WEEK.label
        selects = [s for s in captured if s.lstrip().upper().startswith("SELECT")]
        listing = [s for s in selects if "LIMIT 5000" in s]
        aggregates = [s for s in selects if s not in listing]
        raw = sqlite3.connect(store.path)

        def replay(statements: list[str]) -> Callable[[], None]:
            def run() -> None:
                for statement in statements:
                    raw.execute(statement).fetchall()

            return run

        sql_seconds = median_seconds(replay(selects), args.repeat)
        aggregate_seconds = median_seconds(replay(aggregates), args.repeat)
        report_times += [median_seconds(report, 1) for _ in range(args.repeat - 1)]
        report_seconds = statistics.median(report_times)
        with open(folder / "mentions.csv", encoding="utf-8-sig", newline="") as f:
            rows = sum(1 for _ in csv.reader(f)) - 1
        sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
        raw.close()
        store.close()
    ratio = report_seconds / sql_seconds
    print(f"week 2027-W31 holding {args.posts:,} collected posts (setup {setup_seconds:.1f} s)")
    print(f"  report (build + 5 files)   {report_seconds:8.2f} s   mentions.csv rows {rows:,}")
    print(f"  SQL behind it ({len(selects)} SELECTs)  {sql_seconds:8.2f} s")
    print(f"  of which aggregates ({len(aggregates)})    {aggregate_seconds:8.2f} s")
    print(f"  ratio report / SQL         {ratio:8.2f}x   (target <= {TARGET_RATIO:.0f}x)")
    print(json.dumps({
        "benchmark": "report", "posts": args.posts, "mentions_csv_rows": rows,
        "report_seconds": round(report_seconds, 3), "sql_seconds": round(sql_seconds, 3),
        "aggregate_sql_seconds": round(aggregate_seconds, 3),
        "ratio": round(ratio, 2),
        "ratio_vs_aggregates": round(report_seconds / aggregate_seconds, 2),
        "target_ratio": TARGET_RATIO, "within_target": ratio <= TARGET_RATIO,
        "setup_seconds": round(setup_seconds, 1), "selects": len(selects), "file_bytes": sizes,
    }))  # fmt: skip
    sys.exit(0)


if __name__ == "__main__":
    main()
