"""The SQLite store (the only module that writes SQL): ledger, alerts, lease, heartbeat, state.

``ledger`` has one row per planned post occurrence (DESIGN.md "The ledger"): a worker
*claims* a key before calling X, so no occurrence is posted twice. Times are passed in as
aware datetimes (the store never reads the clock) and stored as UTC ISO 8601 text to the
second (``2027-08-02T13:30:00Z``), so text order is time order. A Store may be shared by
threads (a lock guards its connection); several processes may share one file (WAL journal,
busy timeout, ``BEGIN IMMEDIATE`` writes). Every method raises ValueError for a programming
error (naive datetime, unknown state) and StoreError, with a hint, when the database fails.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypedDict, Unpack

from bot.errors import StoreError
from bot.store_schema import MIGRATIONS as MIGRATIONS

LedgerState = Literal[
    "sending", "posted", "duplicate", "rate_limited", "unknown", "auth_broken", "missed", "skipped"
]
_MOVES = {  # the ledger's state machine: state -> the states it may move to
    "sending": "posted duplicate rate_limited unknown auth_broken missed skipped",
    "rate_limited": "sending missed",
    "unknown": "posted sending missed",  # sending: only once the own-posts check found nothing
    "auth_broken": "sending missed",
    **dict.fromkeys(["posted", "duplicate", "missed", "skipped"], ""),  # final
}
TRANSITIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {state: frozenset(after.split()) for state, after in _MOVES.items()}
)
STATES: tuple[str, ...] = tuple(TRANSITIONS)

SCHEMA_VERSION = len(MIGRATIONS)
BACKEND_STATE = "backend"  # state: the backend (sandbox, live) whose posts this ledger records

_HINTS = (  # (words in SQLite's message, what to do)
    ("locked", "another reachout process kept the database busy; stop the other or retry"),
    ("not a database", "the file is not a reachout database: check the database setting"),
    ("malformed", "the database file is damaged: restore it from a backup"),
    ("full", "the disk holding the database is full: free some space"),
    ("readonly", "the database file or its folder is read-only: check the permissions"),
)
# Posts that went out, or may have (unknown), count for caps and spacing.
_SENT = "state IN ('posted', 'unknown')"
_SENT_AT = "ifnull(posted_at, updated_at)"


class Occurrence(TypedDict):
    """What a ledger row is about (keyword arguments of claim, skip and mark_missed).

    Keys: item_id (calendar item), scheduled_at (aware), late_ok_seconds (how late it may
    still go out, >= 0), target_group (its audience, e.g. a state), text (the exact post).
    """

    item_id: str
    scheduled_at: datetime
    late_ok_seconds: int
    target_group: str
    text: str


@dataclass(frozen=True)
class LedgerRow:
    """One planned post occurrence and what happened to it (datetimes aware, UTC).

    ``key`` is item id + occurrence time + target group (``"kickoff@2027-08-02T13:30:00Z#FL"``),
    the next five fields are its :class:`Occurrence`, ``attempts`` counts claims, ``last_error``
    is the latest error or skip/miss reason, ``posted_at`` when X created the post, and
    ``next_attempt_at`` the earliest retry after a rate limit, when X said.
    """

    key: str
    item_id: str
    scheduled_at: datetime
    late_ok_seconds: int
    target_group: str
    text: str
    state: LedgerState
    x_post_id: str | None
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    posted_at: datetime | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class Alert:
    """Something a human should look at, open until resolved (datetimes aware, UTC)."""

    id: int
    kind: str
    message: str
    key: str | None
    created_at: datetime


@dataclass(frozen=True)
class Lease:
    """The worker lease: who may post, since and until when (aware, UTC)."""

    owner: str
    acquired_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Heartbeat:
    """A worker's latest sign of life (aware, UTC) and a short status text."""

    owner: str
    at: datetime
    info: str


_SELECT_LEDGER = f"SELECT {', '.join(f.name for f in fields(LedgerRow))} FROM ledger WHERE "
_INSERT_LEDGER = """INSERT INTO ledger (key, item_id, scheduled_at, late_ok_seconds,
    target_group, text, state, attempts, last_error, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


class Store:
    """The reachout SQLite database; create it with :meth:`Store.open`."""

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self._conn = connection
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, path: Path | str, *, busy_timeout_ms: int = 5000) -> Store:
        """Open the database (creating folders and file) and apply pending migrations.

        ``path`` may be ``":memory:"``; ``busy_timeout_ms`` is how long a write waits for
        another writer, in milliseconds. Raises StoreError when the file cannot be created or
        opened, is not SQLite, is locked, was written by a newer reachout, or is another
        program's SQLite database (tables but no ``schema_migrations``: it is left as it was).
        """
        name = str(path)
        with _wrapped("opening the database", name):
            if name != ":memory:":
                Path(name).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                name, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
            )
            try:
                conn.row_factory = sqlite3.Row
                # reachout creates schema_migrations with its first tables: a file with
                # tables but not that one is another program's, refused before WAL touches it
                sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
                tables = {str(r[0]) for r in conn.execute(sql) if not r[0].startswith("sqlite_")}
                if tables and "schema_migrations" not in tables:
                    raise StoreError(
                        f"{name} is not a reachout database: it holds {len(tables)} other"
                        f" table{'s' * (len(tables) > 1)} and no reachout schema",
                        "this is not a reachout database: check REACHOUT_DB / the database setting",
                    )
                conn.execute("PRAGMA foreign_keys = ON")  # synchronous stays FULL: claims last
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                except sqlite3.OperationalError:  # two first openers collided: SQLite fails one
                    conn.execute("PRAGMA journal_mode = WAL")  # at once; a retry waits its turn
                with _transaction(conn):
                    _migrate(conn, name)
            except BaseException:
                conn.close()
                raise
        return cls(conn, name)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def claim(
        self,
        key: str,
        *,
        now: datetime,
        retry_unknown: bool = False,
        retry_auth_broken: bool = False,
        **occurrence: Unpack[Occurrence],
    ) -> bool:
        """Claim an occurrence for sending: the one gate in front of every post to X.

        Atomically inserts the row as ``sending`` (attempts 1) if the key is new, or moves a
        ``rate_limited`` row, or one a flag allows, to ``sending`` (attempts + 1, current text
        and late_ok_seconds). Set ``retry_unknown`` only once the account's own recent posts
        showed the post did not go out; ``retry_auth_broken`` once credentials are fixed.

        Returns:
            True when this caller now owns the send; False (do not send) when the key is
            in flight, final, or not retryable without the matching flag.
        """
        retryable = {"rate_limited"} | ({"unknown"} if retry_unknown else set())
        retryable |= {"auth_broken"} if retry_auth_broken else set()
        return self._settle(key, "sending", retryable, None, now, occurrence)

    def record(
        self,
        key: str,
        state: LedgerState,
        *,
        now: datetime,
        x_post_id: str | None = None,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
        posted_at: datetime | None = None,
    ) -> None:
        """Record what happened to a claimed occurrence: a move in :data:`TRANSITIONS`.

        Args:
            x_post_id: the post id X returned (required for ``posted``).
            error: what went wrong, kept in last_error (None keeps the previous one).
            next_attempt_at: earliest retry (aware), e.g. X's rate-limit reset; None clears.
            posted_at: when X created the post, if not now (found by the own-posts check).

        Raises:
            ValueError: ``sending`` (use claim), an unknown state, ``posted`` without an id.
            StoreError: no row for the key, or an illegal transition.
        """
        if state == "sending" or state not in TRANSITIONS:
            raise ValueError(f"record() cannot set state {state!r}; claim() moves to sending")
        if state == "posted" and not x_post_id:
            raise ValueError("state 'posted' needs the x_post_id X returned")
        posted = _ts(posted_at or now) if state == "posted" else None
        retry_at = _ts(next_attempt_at) if next_attempt_at else None
        with self._write(f"recording {state} for {key}") as conn:
            old = _current_state(conn, key)
            if old is None:
                raise StoreError(f"no ledger row for {key}", "claim the occurrence first")
            _check_transition(key, old, state)
            conn.execute(
                "UPDATE ledger SET state = ?, x_post_id = ifnull(?, x_post_id),"
                " last_error = ifnull(?, last_error), next_attempt_at = ?,"
                " posted_at = ifnull(?, posted_at), updated_at = ? WHERE key = ?",
                (state, x_post_id, error, retry_at, posted, _ts(now), key),
            )

    def skip(
        self, key: str, *, reason: str, now: datetime, **occurrence: Unpack[Occurrence]
    ) -> bool:
        """Write a final ``skipped`` row (policy refused the post) with its reason.

        Returns False, changing nothing, when the key already has a row (to skip a claimed
        row: ``record(key, "skipped", error=reason, now=now)``).
        """
        return self._settle(key, "skipped", set(), reason, now, occurrence)

    def mark_missed(
        self, key: str, *, reason: str, now: datetime, **occurrence: Unpack[Occurrence]
    ) -> bool:
        """Mark an occurrence ``missed``: its time plus late_ok passed, and it never went out.

        Inserts the row if the key is new, or moves a ``rate_limited``, ``auth_broken`` or
        ``unknown`` row (the latter once the own-posts check found nothing); else False.
        """
        movable = {"rate_limited", "auth_broken", "unknown"}
        return self._settle(key, "missed", movable, reason, now, occurrence)

    def get(self, key: str) -> LedgerRow | None:
        """Return the ledger row for a key, or None."""
        found = self._query("reading the ledger", _SELECT_LEDGER + "key = ?", (key,))
        return _ledger_row(found[0]) if found else None

    def rows(
        self,
        states: Iterable[LedgerState] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[LedgerRow]:
        """Return rows in ``states`` scheduled in ``[since, until)``, by time, then key.

        None means no filter: all states, or no bound.
        """
        where, params = ["1"], list[str]()
        if states is not None:
            params += (wanted := list(states))
            where.append(f"state IN ({', '.join('?' * len(wanted))})")
        for clause, moment in (("scheduled_at >= ?", since), ("scheduled_at < ?", until)):
            if moment is not None:
                where.append(clause)
                params.append(_ts(moment))
        sql = _SELECT_LEDGER + " AND ".join(where) + " ORDER BY scheduled_at, key"
        return [_ledger_row(r) for r in self._query("reading the ledger", sql, params)]

    def pending_unknown(self) -> list[LedgerRow]:
        """Return ``unknown`` rows (to check against the account's own posts), oldest first."""
        return self.rows(states=["unknown"])

    def counts_by_state(self) -> dict[str, int]:
        """Return how many ledger rows are in each of :data:`STATES` (zeros included)."""
        found = self._query("counting the ledger", "SELECT state, count(*) FROM ledger GROUP BY 1")
        return dict.fromkeys(STATES, 0) | {str(r[0]): int(r[1]) for r in found}

    def posts_sent_between(self, start: datetime, end: datetime) -> int:
        """Count posts that went out in ``[start, end)`` (for caps), at their posted_at.

        An ``unknown`` row (it may have reached X) counts too, at the time it became unknown.
        """
        sql = f"SELECT count(*) FROM ledger WHERE {_SENT} AND {_SENT_AT} >= ? AND {_SENT_AT} < ?"
        return int(self._query("counting posts", sql, (_ts(start), _ts(end)))[0][0])

    def last_posted_at(self) -> datetime | None:
        """Return when the latest post went out, or may have (as posts_sent_between counts)."""
        sql = f"SELECT max({_SENT_AT}) FROM ledger WHERE {_SENT}"
        found: str | None = self._query("reading the last post", sql)[0][0]
        return _dt(found) if found else None

    def add_alert(self, kind: str, message: str, *, now: datetime, key: str | None = None) -> int:
        """Open an alert (kind: a stable name such as ``"missed"``; key: what it is about).

        Returns the new alert's id, or that of the open alert with the same kind and key.
        """
        with self._write(f"adding a {kind} alert") as conn:
            sql = "SELECT id FROM alerts WHERE kind = ? AND key IS ? AND resolved_at IS NULL"
            if old := conn.execute(sql, (kind, key)).fetchone():
                return int(old[0])
            sql = "INSERT INTO alerts (kind, key, message, created_at) VALUES (?, ?, ?, ?)"
            return int(conn.execute(sql, (kind, key, message, _ts(now))).lastrowid or 0)

    def open_alerts(self) -> list[Alert]:
        """Return the unresolved alerts, oldest first."""
        sql = "SELECT id, kind, message, key, created_at FROM alerts WHERE resolved_at IS NULL"
        found = self._query("reading alerts", sql + " ORDER BY id")
        return [Alert(r[0], r[1], r[2], r[3], _dt(r[4])) for r in found]

    def resolve_alert(self, alert_id: int, now: datetime) -> bool:
        """Resolve an open alert; return False when it is unknown or already resolved."""
        sql = "UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL"
        return 1 == self._change(f"resolving alert {alert_id}", sql, (_ts(now), alert_id))

    def acquire_lease(self, owner: str, *, now: datetime, ttl_seconds: float) -> bool:
        """Take the worker lease if it is free, expired (expires_at <= now) or already ours.

        Returns True when ``owner`` (e.g. host name and process id) now holds the lease
        until now + ttl_seconds (> 0), else False.
        """
        times = {"owner": owner, "now": _ts(now), "expires": _ts(now + _ttl(ttl_seconds))}
        sql = """INSERT INTO lease (id, owner, acquired_at, expires_at)
            VALUES (1, :owner, :now, :expires) ON CONFLICT (id)
            DO UPDATE SET acquired_at = iif(owner = :owner, acquired_at, :now), owner = :owner,
            expires_at = :expires WHERE owner = :owner OR expires_at <= :now"""
        return 1 == self._change("acquiring the lease", sql, times)

    def renew_lease(self, owner: str, *, now: datetime, ttl_seconds: float) -> bool:
        """Extend our lease to now + ttl_seconds; False when we do not hold it."""
        sql = "UPDATE lease SET expires_at = ? WHERE owner = ?"
        return 1 == self._change("renewing the lease", sql, (_ts(now + _ttl(ttl_seconds)), owner))

    def release_lease(self, owner: str) -> None:
        """Give up the lease if this owner holds it (at shutdown)."""
        self._change("releasing the lease", "DELETE FROM lease WHERE owner = ?", (owner,))

    def lease(self) -> Lease | None:
        """Return the current lease (possibly expired), or None when nobody holds it."""
        for r in self._query("reading the lease", "SELECT * FROM lease"):
            return Lease(r["owner"], _dt(r["acquired_at"]), _dt(r["expires_at"]))
        return None

    def heartbeat(self, owner: str, *, now: datetime, info: str = "") -> None:
        """Record that a worker is alive (read by the container health check)."""
        sql = "INSERT OR REPLACE INTO heartbeat (id, owner, at, info) VALUES (1, ?, ?, ?)"
        self._change("writing the heartbeat", sql, (owner, _ts(now), info))

    def last_heartbeat(self) -> Heartbeat | None:
        """Return the latest heartbeat, or None when no worker has written one."""
        for r in self._query("reading the heartbeat", "SELECT * FROM heartbeat"):
            return Heartbeat(r["owner"], _dt(r["at"]), r["info"])
        return None

    def get_state(self, name: str) -> str | None:
        """Return a named value (e.g. a since_id cursor), or None when unset."""
        found = self._query("reading state", "SELECT value FROM state WHERE name = ?", (name,))
        return str(found[0][0]) if found else None

    def set_state(self, name: str, value: str | None, now: datetime) -> None:
        """Set a named value, or delete it when value is None."""
        stamp = _ts(now)
        if value is None:
            self._change(f"deleting state {name}", "DELETE FROM state WHERE name = ?", (name,))
        else:
            sql = "INSERT OR REPLACE INTO state (name, value, updated_at) VALUES (?, ?, ?)"
            self._change(f"setting state {name}", sql, (name, value, stamp))

    def _settle(
        self, key: str, state: str, moves: set[str], why: str | None, now: datetime, occ: Occurrence
    ) -> bool:
        """Insert the row in ``state``, or move it there from one of ``moves``, atomically."""
        if (late_ok := occ["late_ok_seconds"]) < 0:
            raise ValueError(f"late_ok_seconds must be >= 0, not {late_ok}")
        stamp, sending = _ts(now), int(state == "sending")
        when, group = _ts(occ["scheduled_at"]), occ["target_group"]
        row = (key, occ["item_id"], when, late_ok, group, occ["text"])
        with self._write(f"writing {state} for {key}") as conn:
            old = _current_state(conn, key)
            if old is None:
                conn.execute(_INSERT_LEDGER, (*row, state, sending, why, stamp, stamp))
                return True
            if old not in moves:
                return False
            _check_transition(key, old, state)
            text = occ["text"] if sending else None  # other moves keep the text that was tried
            conn.execute(
                "UPDATE ledger SET state = ?, attempts = attempts + ?, text = ifnull(?, text),"
                " late_ok_seconds = ifnull(?, late_ok_seconds), next_attempt_at = NULL,"
                " last_error = ifnull(?, last_error), updated_at = ? WHERE key = ?",
                (state, sending, text, late_ok if sending else None, why, stamp, key),
            )
            return True

    @contextmanager
    def transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """Yield the connection inside one ``BEGIN IMMEDIATE`` write transaction.

        For bot.store_collected (the collection tables). ``action`` names the work in the
        StoreError raised when SQLite fails; any exception rolls everything back.
        """
        with self._write(action) as conn:
            yield conn

    def query(self, action: str, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Run one read query and return its rows (sqlite3.Row); StoreError on failure."""
        return self._query(action, sql, params)

    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock, _wrapped(action, self.path), _transaction(self._conn):
            yield self._conn

    def _change(self, action: str, sql: str, params: Any) -> int:
        with self._write(action) as conn:
            return conn.execute(sql, params).rowcount

    def _query(self, action: str, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock, _wrapped(action, self.path):
            return self._conn.execute(sql, tuple(params)).fetchall()


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE (take the write lock now), then COMMIT, or ROLLBACK on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    # applied_at comes from SQLite's clock: an audit note only, never used in logic.
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))"
    )
    applied = {int(r[0]) for r in conn.execute("SELECT number FROM schema_migrations")}
    if unknown := sorted(applied - set(range(1, SCHEMA_VERSION + 1))):
        hint = "upgrade reachout to the version that wrote this database"
        raise StoreError(f"{path} is from a newer reachout (unknown migrations {unknown})", hint)
    for number, statements in enumerate(MIGRATIONS, start=1):
        if number not in applied:
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations (number) VALUES (?)", (number,))


@contextmanager
def _wrapped(action: str, path: str) -> Iterator[None]:
    """Turn sqlite3 errors (and OSError from creating folders) into StoreError with a hint."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        text = str(exc).lower()
        default = "check the database setting and that its folder exists and is writable"
        hint = next((h for needle, h in _HINTS if needle in text), default)
        raise StoreError(f"{action} failed ({path}): {exc}", hint) from exc


def _check_transition(key: str, old: str, new: str) -> None:
    if new not in TRANSITIONS[old]:
        hint = "posted, duplicate, missed and skipped are final; see TRANSITIONS in bot/store.py"
        raise StoreError(f"ledger {key}: cannot move from {old} to {new}", hint)


def _current_state(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT state FROM ledger WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def _ledger_row(row: sqlite3.Row) -> LedgerRow:
    pairs = zip(row.keys(), row, strict=True)  # *_at columns hold times (STYLE.md rule 6)
    values: dict[str, Any] = {k: _dt(v) if k.endswith("_at") and v else v for k, v in pairs}
    return LedgerRow(**values)


def _ttl(ttl_seconds: float) -> timedelta:
    if ttl_seconds <= 0:
        raise ValueError(f"ttl_seconds must be > 0, not {ttl_seconds}")
    return timedelta(seconds=ttl_seconds)


def _ts(moment: datetime) -> str:
    """Return an aware datetime as UTC ISO 8601 text to the second (``…T13:30:00Z``)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime (UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
