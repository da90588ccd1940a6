"""Benchmark: a whole recess of sandbox traffic at the default settings, against a bare feed.

Times, in the same run:

- ``traffic``: `bot.sandbox.Traffic` over the shipped calendar's recess (2027-08-02 to
  2027-09-06, New York), advanced in 15-minute steps (a poll interval), the account posting
  three times a day, the default ``simulation`` settings (300 hashtag posts a day, 6 replies a
  post, 2 legislators' replies a day, 3% faults), on the real directory;
- ``bare``: the same number of posts, made as plain `XPost` objects from one fixed text and
  fed to a SandboxX in one call: the floor of any traffic generator.

Each is repeated and the median kept. Prints a short report, then one JSON object on a line of
its own. Targets: the recess in under 10 s, and at most 100x the bare feed (which makes no
text, entities, rhythm or replies: the ratio watches for regressions, not the floor).

    .venv/bin/python scripts/bench_sandbox.py [--repeat 3] [--step-minutes 15]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import XError
from bot.legislators import Directory
from bot.sandbox import Traffic, TrafficStats
from bot.settings import PROJECT_ROOT, Simulation
from bot.testing import SANDBOX_ACCOUNT, SandboxX
from bot.x_models import XPost

TARGET_SECONDS = 10.0
TARGET_RATIO = 100.0  # set from the first measurement (about 70x), with headroom
NEW_YORK = ZoneInfo("America/New_York")
FIRST = datetime(2027, 8, 2, tzinfo=NEW_YORK)
LAST = datetime(2027, 9, 7, tzinfo=NEW_YORK)  # the end of 2027-09-06
POST_HOURS = (10, 13, 18)


def run_traffic(directory: Directory, step: timedelta) -> tuple[float, TrafficStats, int]:
    """Run the recess; return wall seconds, what was fed, and our posts made."""
    now = FIRST.astimezone(UTC)
    x = SandboxX(clock=lambda: now)
    started = time.perf_counter()
    traffic = Traffic(
        x,
        directory,
        simulation=Simulation(),
        hashtag="#RecessReachOut",
        account=SANDBOX_ACCOUNT,
        timezone=NEW_YORK,
    )
    stats = TrafficStats()
    while now < LAST:
        start, now = now, now + step
        stats += traffic.advance(start, now)
        local = now.astimezone(NEW_YORK)
        if local.hour in POST_HOURS and local.minute == 0:
            with contextlib.suppress(XError):  # injected faults: posting's business
                x.create_post(f"Prompt of {local:%d %B %H:%M}. #RecessReachOut")
    return time.perf_counter() - started, stats, len(x.posts)


def run_bare(count: int) -> float:
    """Make and feed ``count`` fixed posts; return wall seconds."""
    x = SandboxX()
    at = FIRST.astimezone(UTC)
    started = time.perf_counter()
    posts = [
        XPost(
            post_id=x.new_id(),
            text="@SenExample Please co-sponsor S. 1249 #RecessReachOut",
            author_id="12345678",
            author_username="supporter",
            created_at=at,
            conversation_id="1",
            mentions=(("SenExample", "1"),),
            hashtags=("RecessReachOut",),
            public_metrics={"like_count": 1},
            lang="en",
        )
        for _ in range(count)
    ]
    x.feed_search(*posts)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--step-minutes", type=float, default=15)
    args = parser.parse_args(argv)
    data = PROJECT_ROOT / "data"
    directory = Directory.load(data / "legislators.yaml", data / "legislators-overrides.yaml")
    step = timedelta(minutes=args.step_minutes)
    runs = [run_traffic(directory, step) for _ in range(args.repeat)]
    traffic_s = statistics.median(r[0] for r in runs)
    _, stats, ours = runs[0]
    fed = stats.hashtag_posts + stats.replies + stats.legislator_replies
    bare_s = statistics.median(run_bare(fed) for _ in range(args.repeat))
    ratio = traffic_s / bare_s
    ok = traffic_s < TARGET_SECONDS and ratio <= TARGET_RATIO
    days = (LAST - FIRST).days
    print(f"recess: {days} days in {args.step_minutes:g}-minute steps, {ours} posts of ours")
    print(
        f"fed: {stats.hashtag_posts:,} hashtag posts ({stats.quotes:,} quotes), "
        f"{stats.replies:,} replies, {stats.legislator_replies:,} legislators' replies; "
        f"{stats.mentions:,} to mentions, {stats.searchable:,} to search"
    )
    print(f"traffic: {traffic_s:.2f} s (median of {args.repeat}; target < {TARGET_SECONDS:g} s)")
    print(f"bare feed of {fed:,} posts: {bare_s * 1000:.1f} ms")
    print(f"ratio: {ratio:.1f}x (target <= {TARGET_RATIO:g}x): {'ok' if ok else 'over target'}")
    figures = {
        "benchmark": "sandbox",
        "recess_days": days,
        "step_minutes": args.step_minutes,
        "our_posts": ours,
        "posts_fed": fed,
        "mentions_fed": stats.mentions,
        "searchable_fed": stats.searchable,
        "repeat": args.repeat,
        "traffic_seconds": round(traffic_s, 3),
        "posts_per_second": round(fed / traffic_s),
        "bare_seconds": round(bare_s, 4),
        "ratio": round(ratio, 1),
        "target_seconds": TARGET_SECONDS,
        "target_ratio": TARGET_RATIO,
        "ok": ok,
    }
    print(json.dumps(figures))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
