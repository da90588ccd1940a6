"""Benchmark: load + validate + expand a 2,000-post calendar, against PyYAML's C loader.

Generates a deterministic calendar (one-off, weekly and daily posts, some with targets), then
times, in the same run and on the same text:

- ``reachout``: ``load_calendar`` (strict parse, validation, every occurrence converted to UTC)
  followed by ``occurrences()`` over the whole calendar;
- ``pyyaml``: ``yaml.load(text, Loader=yaml.CSafeLoader)`` (typed loading, no checks at all).

Each is repeated and the median kept. Prints a short report, then one JSON object on a line of
its own. Target: reachout at most 3x PyYAML's C loader.

    .venv/bin/python scripts/bench_calendar.py [--posts 2000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

import yaml

from bot.campaign import load_calendar, occurrences
from bot.compose import plan
from bot.legislators import Directory
from bot.settings import PROJECT_ROOT

TARGET_RATIO = 3.0
HEADER = """\
# yaml-language-server: $schema=./calendar.schema.json
campaign:
  name: "#RecessReachOut — benchmark calendar"
  hashtag: "#RecessReachOut"
  timezone: America/New_York
  recess:
    - from: 2027-08-02
      until: 2027-09-06
  x_username: RecessReachOut
defaults:
  late_ok: 30m
  tagging: intent
posts:
"""
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
STATES = ("FL", "NY", "TX", "CA", "PA", "OH")


def make_calendar(posts: int) -> str:
    """Return a valid calendar of this many posts: 50% one-off, 35% weekly, 15% daily."""
    first = date(2027, 8, 2)
    lines = [HEADER]
    for n in range(posts):
        kind = n % 20
        hour, minute = 8 + n % 12, (n * 7) % 60
        lines.append(f"  - id: post-{n:05d}\n")
        if kind < 10:
            lines.append(f"    date: {first + timedelta(days=n % 36)}\n")
        elif kind < 17:
            start = first + timedelta(days=n % 14)
            lines.append(f"    every: {WEEKDAYS[n % 5]}\n    from: {start}\n")
            lines.append(f"    until: {start + timedelta(days=21)}\n")
        else:
            start = first + timedelta(days=n % 20)
            lines.append(f"    every: day\n    from: {start}\n    until: {start + timedelta(6)}\n")
        lines.append(f'    time: "{hour:02d}:{minute:02d}"\n')
        lines.append(
            f'    text: "Prompt {n}, {{{{ date }}}}: call your members of Congress. '
            f'{{{{ hashtag }}}}"\n'
        )
        if n % 4 == 0:
            lines.append(f"    targets: {{states: [{STATES[n % 6]}], chamber: senate}}\n")
    return "".join(lines)


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    """Return the median wall time of run() over repeat calls, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when the ratio misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    text = make_calendar(args.posts)
    data = text.encode("utf-8")
    calendar = load_calendar(data, "bench.yaml")
    planned = len(occurrences(calendar))

    def ours() -> object:
        return occurrences(load_calendar(data, "bench.yaml"))

    def pyyaml() -> object:
        return yaml.load(text, Loader=yaml.CSafeLoader)  # the baseline: PyYAML's safe C loader

    ours()  # warm caches (zoneinfo, regexes) before timing either side
    reachout_s = median_seconds(ours, args.repeat)
    pyyaml_s = median_seconds(pyyaml, args.repeat)
    ratio = reachout_s / pyyaml_s
    print(f"calendar: {args.posts:,} posts, {planned:,} occurrences, {len(data):,} bytes")
    print(
        f"reachout load+validate+occurrences: {reachout_s * 1000:.1f} ms (median of {args.repeat})"
    )
    print(f"yaml.load CSafeLoader:              {pyyaml_s * 1000:.1f} ms (median of {args.repeat})")
    verdict = "ok" if ratio <= TARGET_RATIO else "over target"
    print(f"ratio: {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x): {verdict}")
    figures = {
        "benchmark": "calendar",
        "posts": args.posts,
        "occurrences": planned,
        "bytes": len(data),
        "repeat": args.repeat,
        "reachout_ms": round(reachout_s * 1000, 2),
        "pyyaml_csafe_ms": round(pyyaml_s * 1000, 2),
        "ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "ok": ratio <= TARGET_RATIO,
    }
    # Composition (render, weighted length, policy) on top, reported beside the target figure.
    directory = Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")
    composed = plan(calendar, directory)
    if composed.problems:
        print(f"the generated calendar has problems: {composed.problems[0]}", file=sys.stderr)
        return 2

    def with_compose() -> object:
        return plan(load_calendar(data, "bench.yaml"), directory)

    compose_s = median_seconds(with_compose, max(3, args.repeat // 2))
    print(
        f"... plus composing {len(composed.posts):,} posts:    {compose_s * 1000:.1f} ms "
        f"({compose_s / pyyaml_s:.1f}x)"
    )
    figures |= {
        "composed_posts": len(composed.posts),
        "with_compose_ms": round(compose_s * 1000, 2),
        "ratio_with_compose": round(compose_s / pyyaml_s, 2),
    }
    print(json.dumps(figures))
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
