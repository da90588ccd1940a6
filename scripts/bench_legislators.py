"""Benchmark the legislator directory against a bare YAML load, and time a cold CLI call.

Measures, in one run (median of several repetitions each):

- ``bare``: ``yaml.load(open(file), Loader=yaml.CSafeLoader)`` of ``data/legislators.yaml``;
- ``directory``: ``Directory.load`` of the same file plus the shipped overrides, then 1,000
  mixed queries (seeded random: state, district, chamber, party, committee id or name,
  bioguide id, X handle, X id, combined ``select``);
- ``cold list``: wall time of ``python -m bot legislators list --state FL`` in a new process.

Targets: directory ≤ 1.5 × bare; cold list under 0.5 s. Prints a summary, then one JSON
object on a line of its own. Usage: ``.venv/bin/python scripts/bench_legislators.py``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.legislators import Directory

ROOT = Path(__file__).resolve().parent.parent
DIRECTORY = ROOT / "data" / "legislators.yaml"
OVERRIDES = ROOT / "data" / "legislators-overrides.yaml"
TARGET_RATIO, TARGET_COLD_SECONDS = 1.5, 0.5


Query = tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]


def plan_queries(directory: Directory, count: int, seed: int) -> list[Query]:
    """Return ``count`` queries (method, args, kwargs) drawn at random (seeded) from the data."""
    rng = random.Random(seed)
    members = directory.members
    committees = list(directory.committees.values())
    house = [m for m in members if m.chamber == "house"]
    with_x = [m for m in members if m.x]
    with_id = [m for m in members if m.x_id]
    d = Directory
    plan: list[Query] = []
    for _ in range(count):
        m, h, c = rng.choice(members), rng.choice(house), rng.choice(committees)
        x, i = rng.choice(with_x).x or "", rng.choice(with_id).x_id or ""
        states = rng.sample(directory.states, 3)
        choices: list[Query] = [
            (d.by_state, (m.state.lower(),), {}),
            (d.by_district, (h.state, h.district or 0), {}),
            (d.by_chamber, (rng.choice(["senate", "house"]),), {}),
            (d.by_party, (rng.choice(["D", "republican", "Ind"]),), {}),
            (d.by_committee, (c.committee_id.lower(),), {}),
            (d.by_committee, (c.name.upper(),), {}),
            (d.get, (m.bioguide_id,), {}),
            (d.by_x_handle, ("@" + x.swapcase(),), {}),
            (d.by_x_id, (i,), {}),
            (d.find, (rng.choice([m.bioguide_id, "@" + x, i]),), {}),
            (d.select, (), {"states": states, "chamber": "senate"}),
            (d.select, (), {"committees": [c.committee_id], "party": "D", "exclude": ["@" + x]}),
        ]
        plan.append(rng.choice(choices))
    return plan


def run_queries(directory: Directory, plan: list[Query]) -> list[object]:
    """Answer every planned query on a directory."""
    return [method(directory, *args, **kwargs) for method, args, kwargs in plan]


def median_seconds(actions: list[Callable[[], object]], repetitions: int) -> list[float]:
    """Return each action's median wall time in seconds, running them interleaved."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(repetitions):
        for action, spent in zip(actions, times, strict=True):
            start = time.perf_counter()
            action()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def cold_list_seconds(repetitions: int) -> float:
    """Return the median wall time of `reachout legislators list --state FL` in a new process."""
    command = [sys.executable, "-m", "bot", "legislators", "list", "--state", "FL"]

    def once() -> None:
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=60)

    once()  # warm the OS file cache and .pyc files; a "cold process", not a cold disk
    return median_seconds([once], repetitions)[0]


def main() -> None:
    """Run the benchmark and print the summary and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()

    plan = plan_queries(Directory.load(DIRECTORY, OVERRIDES), args.queries, args.seed)

    def bare() -> object:
        with open(DIRECTORY) as file:  # exactly the baseline the brief names
            return yaml.load(file, Loader=yaml.CSafeLoader)

    def directory_and_queries() -> object:
        return run_queries(Directory.load(DIRECTORY, OVERRIDES), plan)

    loaded = Directory.load(DIRECTORY, OVERRIDES)
    actions = [bare, directory_and_queries, lambda: run_queries(loaded, plan)]
    bare_s, directory_s, queries_s = median_seconds(actions, args.repetitions)
    cold_s = cold_list_seconds(args.cold_runs)
    ratio = directory_s / bare_s
    print(f"bare CSafeLoader load:               {bare_s * 1000:8.1f} ms")
    print(f"Directory.load + {args.queries} queries:     {directory_s * 1000:8.1f} ms")
    print(f"  of which the queries:              {queries_s * 1000:8.1f} ms")
    print(f"ratio: {ratio:.2f} (target <= {TARGET_RATIO})")
    target = f"(target < {TARGET_COLD_SECONDS * 1000:.0f} ms)"
    print(f"cold `legislators list --state FL`:  {cold_s * 1000:8.1f} ms {target}")
    figures = {
        "file_bytes": DIRECTORY.stat().st_size,
        "members": len(loaded.members),
        "repetitions": args.repetitions,
        "queries": args.queries,
        "seed": args.seed,
        "bare_load_s": round(bare_s, 4),
        "directory_load_and_queries_s": round(directory_s, 4),
        "queries_only_s": round(queries_s, 4),
        "ratio": round(ratio, 3),
        "ratio_target": TARGET_RATIO,
        "ratio_ok": ratio <= TARGET_RATIO,
        "cold_list_fl_s": round(cold_s, 4),
        "cold_runs": args.cold_runs,
        "cold_target_s": TARGET_COLD_SECONDS,
        "cold_ok": cold_s < TARGET_COLD_SECONDS,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
