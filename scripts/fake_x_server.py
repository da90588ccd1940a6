"""Run the fake X API v2 server (tests/fake_x_server.py) standalone, for manual checks.

    .venv/bin/python scripts/fake_x_server.py [--port 8399] [--username RecessReachOut]

Point a worker at it (any credentials work; the access token's digits before "-" are the
account id tweepy uses):

    REACHOUT_X_API_BASE_URL=http://127.0.0.1:8399 X_CONSUMER_KEY=k X_CONSUMER_SECRET=s \\
    X_ACCESS_TOKEN=1900000000000000999-t X_ACCESS_TOKEN_SECRET=ts REACHOUT_DB=/tmp/fake.db \\
    reachout run --backend live

Controls (JSON): ``GET /_fake/state``, ``GET /_fake/posts``, ``POST /_fake/faults``
``{"items": [{"kind": "drop", "endpoint": "POST /2/tweets"}]}``, ``POST /_fake/mentions`` and
``POST /_fake/search`` ``{"items": [{"text": "@RecessReachOut hello #RecessReachOut"}]}``.
Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fake_x_server import FakeX, FakeXServer


def main(argv: list[str] | None = None) -> None:
    """Parse the options and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=8399, help="loopback port (0: any free)")
    parser.add_argument("--username", default="RecessReachOut", help="the account's @handle")
    args = parser.parse_args(argv)
    with FakeXServer(FakeX(username=args.username), port=args.port) as server:
        print(f"fake X API v2 at {server.url} (account @{args.username}); Ctrl-C stops it")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
