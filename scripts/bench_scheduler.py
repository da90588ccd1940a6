"""Benchmark: 200 posts due within 20 seconds on the real scheduler, against the sandbox.

Runs `bot.scheduler.Worker` (real APScheduler, real SQLite file in a temporary folder, the
real clock) with ``--posts`` planned posts spread evenly over ``--seconds`` seconds, starting
two seconds from now, and stops it once every post is on the sandbox (or a deadline passes).
Reports each post's lateness (the sandbox's creation time minus the planned time), duplicate
sends, posts that never went out, and the worker's resident memory at the end. Prints a short
report, then one JSON object on a line of its own. Target: lateness p99 < 0.5 s, no duplicates.

The sandbox enforces X's 100 posts per 15 minutes; this benchmark measures the scheduler, so it
lifts that limit (and the posting caps) for the run.

    .venv/bin/python scripts/bench_scheduler.py [--posts 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType

from bot import testing
from bot.compose import PlannedPost
from bot.posting import Poster
from bot.scheduler import Timings, Worker, utc_now
from bot.settings import Caps
from bot.store import Store
from bot.testing import SandboxX
from bot.twitter_text import weighted_length
from bot.x_models import CREATE_POST

TARGET_P99_SECONDS = 0.5
LEAD_SECONDS = 2.0  # the first post is due this long after the worker starts
NO_CAPS = Caps(posts_per_day=100_000, posts_per_15_minutes=100_000, min_spacing_minutes=0)


def planned_posts(count: int, seconds: float) -> list[PlannedPost]:
    """``count`` posts due evenly over ``seconds`` seconds, from LEAD_SECONDS from now."""
    start = utc_now() + timedelta(seconds=LEAD_SECONDS)
    step = seconds / max(count - 1, 1)
    posts = []
    for n in range(count):
        at = start + timedelta(seconds=n * step)
        text = f"Benchmark post {n}: ask your members to back H.R. 2283 #RecessReachOut"
        posts.append(
            PlannedPost(
                key=f"bench-{n}@{at.isoformat()}", post_id=f"bench-{n}", local_at=at, at_utc=at,
                latest_at_utc=at + timedelta(minutes=30), target_group="", text=text,
                weighted_length=weighted_length(text), tagging="none", targets=(),
            )
        )  # fmt: skip
    return posts


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def resident_mb() -> tuple[float, float]:
    """Return (current VmRSS, peak RSS) of this process in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024, peak
    except OSError:
        pass
    return peak, peak


def main() -> int:
    """Run the benchmark; exit 1 when the target is missed or a post is lost or doubled."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    limits = dict(testing.ENDPOINT_LIMITS) | {CREATE_POST: 1_000_000}
    testing.ENDPOINT_LIMITS = MappingProxyType(limits)  # this run only: see the docstring

    posts = planned_posts(args.posts, args.seconds)
    sandbox = SandboxX(clock=utc_now)
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "b.db") as store:
        poster = Poster(store, sandbox, NO_CAPS)
        worker = Worker(store, poster, lambda: posts, owner="bench", timings=Timings())

        def stop_when_done() -> None:
            deadline = time.monotonic() + LEAD_SECONDS + args.seconds + 10
            while len(sandbox.posts) < len(posts) and time.monotonic() < deadline:
                time.sleep(0.05)
            worker.stop()

        started = time.monotonic()
        threading.Thread(target=stop_when_done, daemon=True).start()
        worker.serve()  # main thread: Ctrl-C stops it gracefully
        wall = time.monotonic() - started
        states = Counter(row.state for row in store.rows())
    rss, peak = resident_mb()

    planned_at = {p.text: p.at_utc for p in posts}
    lateness = [
        (post.created_at - planned_at[post.text]).total_seconds()
        for post in sandbox.posts
        if post.created_at is not None
    ]
    sends = Counter(p.text for p in sandbox.posts)
    duplicates = (
        sum(n - 1 for n in sends.values()) + sandbox.calls.count(CREATE_POST) - len(sandbox.posts)
    )
    missing = len(posts) - len(sends)
    p50 = percentile(lateness, 0.50) if lateness else float("nan")
    p99 = percentile(lateness, 0.99) if lateness else float("nan")
    ok = missing == 0 and duplicates == 0 and p99 < TARGET_P99_SECONDS
    result = {
        "benchmark": "scheduler",
        "posts": len(posts),
        "window_seconds": args.seconds,
        "posted": len(sends),
        "missing": missing,
        "duplicates": duplicates,
        "ledger_states": dict(states),
        "lateness_p50_seconds": round(p50, 4),
        "lateness_p99_seconds": round(p99, 4),
        "lateness_max_seconds": round(max(lateness, default=float("nan")), 4),
        "target_p99_seconds": TARGET_P99_SECONDS,
        "rss_mb": round(rss, 1),
        "peak_rss_mb": round(peak, 1),
        "wall_seconds": round(wall, 2),
        "ok": ok,
    }
    print(
        f"{len(sends)}/{len(posts)} posted, {duplicates} duplicates, lateness p50 {p50:.3f} s, "
        f"p99 {p99:.3f} s (target < {TARGET_P99_SECONDS} s), RSS {rss:.1f} MB"
    )
    print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
