"""Real ``reachout`` processes for the reliability tests: launch, kill, measure, read the ledger.

A worker here is ``python -m bot run --backend live`` pointed at a `tests.fake_x_server` URL
through ``REACHOUT_X_API_BASE_URL``, with fake OAuth 1.0a credentials (the access token starts
with the fake account's id, as tweepy expects), its own SQLite file and a generated calendar.
Nothing here sleeps for a fixed time: every wait polls a condition up to a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from bot.settings import SECRET_NAMES
from bot.store import LedgerRow, Store
from tests.conftest import PROJECT_ROOT

ACCOUNT_ID = "1900000000000000999"  # tests.fake_x_server.FakeX's default account
CREDENTIALS = {
    "X_CONSUMER_KEY": "fake-key",
    "X_CONSUMER_SECRET": "fake-secret",
    "X_ACCESS_TOKEN": f"{ACCOUNT_ID}-fake-token",
    "X_ACCESS_TOKEN_SECRET": "fake-token-secret",
}
CLIENT: dict[str, Any] = {name.removeprefix("X_").lower(): v for name, v in CREDENTIALS.items()}
"""`bot.x_client.TweepyXClient` keyword arguments with the same fake credentials."""
FAST = ("--resolve-seconds", "0.5", "--settle-seconds", "1", "--stale-sending-seconds", "5")
"""`reachout run` options that settle unknown posts in seconds instead of minutes (a send is
stale after 5 s: more than `worker_env`'s 1 s connect and 3 s read timeouts)."""


def calendar_text(
    texts: Sequence[str], at: datetime, *, late_ok: str | Sequence[str] = "30m", first_id: int = 0
) -> str:
    """Return a calendar (UTC) with one one-off post per text, all at ``at``'s minute.

    Args:
        texts: the posts' texts (each must be unique: X refuses duplicates).
        at: aware; the posts' date and HH:MM in UTC (seconds dropped).
        late_ok: every post's ``late_ok``, or one per text.
        first_id: number of the first post id (``p0000``...).
    """
    moment = at.astimezone(UTC)
    lates = [late_ok] * len(texts) if isinstance(late_ok, str) else list(late_ok)
    posts = "".join(
        f'  - id: p{first_id + n:04d}\n    date: {moment:%Y-%m-%d}\n    time: "{moment:%H:%M}"\n'
        f"    late_ok: {late}\n    text: {_quoted(text)}\n"
        for n, (text, late) in enumerate(zip(texts, lates, strict=True))
    )
    return (
        'campaign:\n  name: reliability test\n  hashtag: "#RecessReachOut"\n  timezone: UTC\n'
        f"  recess:\n    - from: {moment.date() - timedelta(days=1)}\n"
        f"      until: {moment.date() + timedelta(days=2)}\n"
        "  x_username: RecessReachOut\ndefaults:\n  tagging: none\nposts:\n" + posts
    )


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def worker_env(db: Path, calendar: Path, base_url: str, **overrides: str) -> dict[str, str]:
    """Return the environment of a live worker on the fake server (caps lifted, fast timeouts).

    Args:
        db: the SQLite file; calendar: the calendar file; base_url: the fake server's URL.
        overrides: more ``REACHOUT_*`` variables (they win).
    """
    names = {*SECRET_NAMES, *(f"{n}_FILE" for n in SECRET_NAMES), "REACHOUT_SETTINGS"}
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("REACHOUT_")}
    env |= CREDENTIALS | {
        "REACHOUT_DB": str(db),
        "REACHOUT_REPORTS_DIR": str(db.parent / "reports"),
        "REACHOUT_CALENDAR": str(calendar),
        "REACHOUT_X_API_BASE_URL": base_url,
        "REACHOUT_TIMEOUTS_CONNECT_SECONDS": "1",
        "REACHOUT_TIMEOUTS_READ_SECONDS": "3",
        "REACHOUT_CAPS_POSTS_PER_DAY": "100000",
        "REACHOUT_CAPS_POSTS_PER_15_MINUTES": "100000",
        "REACHOUT_CAPS_MIN_SPACING_MINUTES": "0",
        "REACHOUT_LOG_LEVEL": "info",
        "PYTHONUNBUFFERED": "1",
    }
    return env | overrides


@dataclass
class Worker:
    """One ``reachout run --backend live`` process; its stderr goes to a file."""

    proc: subprocess.Popen[bytes]
    log: Path
    _log_file: IO[bytes]

    @classmethod
    def start(
        cls,
        env: Mapping[str, str],
        log: Path,
        *args: str,
        command: Sequence[str] = ("run", "--backend", "live"),
    ) -> Worker:
        """Start ``python -m bot COMMAND ARGS`` (default: ``run --backend live``) in the
        project folder."""
        log_file = log.open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *command, *args],
            cwd=PROJECT_ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
        )
        return cls(proc, log, log_file)

    @property
    def pid(self) -> int:
        """Return the process id."""
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL it (no cleanup of any kind) and reap it."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log_file.close()

    def terminate(self, timeout_seconds: float) -> tuple[int, float]:
        """SIGTERM it; return (exit code, seconds it took to exit). Killed after the timeout."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(timeout=10)
        self._log_file.close()
        return code, time.monotonic() - started

    def wait_started(self, timeout_seconds: float = 30) -> None:
        """Wait until it logs that its worker started (its signal handlers are in place)."""
        wait_for(
            lambda: " started as " in self.stderr() or self.proc.poll() is not None,
            timeout_seconds,
            "the worker to start",
        )
        if self.proc.poll() is not None:
            raise AssertionError(f"the worker exited ({self.proc.returncode}):\n{self.stderr()}")

    def alive(self) -> bool:
        """Return True while it runs.

        Raises:
            AssertionError: it exited (with its log), so a wait for it can stop at once.
        """
        if self.proc.poll() is not None:
            raise AssertionError(f"the worker exited ({self.proc.returncode}):\n{self.stderr()}")
        return True

    def stay_alive(self, seconds: float) -> None:
        """Let it run ``seconds``.

        Raises:
            AssertionError: it exited meanwhile (with its log).
        """
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the worker exited ({self.proc.returncode}):\n{self.stderr()}"
                )
            time.sleep(min(0.02, max(deadline - time.monotonic(), 0)))

    def ensure_stopped(self) -> None:
        """Kill it if still running (test cleanup)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if not self._log_file.closed:
            self._log_file.close()

    def stderr(self) -> str:
        """Return what it logged so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def rss_kib(self) -> int:
        """Return its resident memory (``VmRSS`` of /proc/PID/status), KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS line")

    def open_fds(self) -> int:
        """Return how many file descriptors it holds open (/proc/PID/fd)."""
        return len(list(Path(f"/proc/{self.pid}/fd").iterdir()))


def until(condition: Callable[[], Any], timeout_seconds: float, every_seconds: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something truthy (returned) or the time is up
    (its last falsy result is returned)."""
    deadline = time.monotonic() + timeout_seconds
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(every_seconds)
    return result


def wait_for(
    condition: Callable[[], Any], timeout_seconds: float, what: str, every_seconds: float = 0.05
) -> Any:
    """Poll ``condition`` until it returns something truthy; return that.

    Raises:
        AssertionError: naming ``what``, when the deadline passes first.
    """
    if result := until(condition, timeout_seconds, every_seconds):
        return result
    raise AssertionError(f"timed out after {timeout_seconds:g} s waiting for {what}")


def status(env: Mapping[str, str]) -> dict[str, Any]:
    """Return ``reachout status --format json`` run in ``env``, parsed."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "status", "--format", "json", "--limit", "1000"],
        cwd=PROJECT_ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def ledger(db: Path) -> dict[str, LedgerRow]:
    """Return the ledger rows by key ({} while the database does not exist)."""
    if not db.exists():
        return {}
    with Store.open(db) as store:
        return {row.key: row for row in store.rows()}


def alerts(db: Path) -> list[tuple[str, str | None]]:
    """Return the open alerts as (kind, key)."""
    with Store.open(db) as store:
        return [(alert.kind, alert.key) for alert in store.open_alerts()]


def lease_owner(db: Path) -> str | None:
    """Return the owner of an unexpired lease, or None."""
    if not db.exists():
        return None
    with Store.open(db) as store:
        lease = store.lease()
    if lease is None or lease.expires_at <= datetime.now(UTC):
        return None
    return lease.owner
