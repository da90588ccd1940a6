"""The SQLite store: ledger states and claims, leases, alerts, state, migrations, errors.

Every test uses a real SQLite file in tmp_path (one uses ``:memory:``) and an injected clock.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast, get_args
from zoneinfo import ZoneInfo

import pytest

from bot.errors import StoreError
from bot.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    STATES,
    TRANSITIONS,
    Alert,
    Heartbeat,
    Lease,
    LedgerRow,
    LedgerState,
    Occurrence,
    Store,
)

T0 = datetime(2027, 8, 2, 13, 30, tzinfo=UTC)
KEY = "kickoff@2027-08-02T13:30:00Z#FL"
TEXT = "Congress is home for recess. Ask your members to back H.R. 2283 #RecessReachOut"

# The ledger's state machine as DESIGN.md states it, written out independently of the code.
ALLOWED = {
    ("sending", "posted"),
    ("sending", "duplicate"),
    ("sending", "rate_limited"),
    ("sending", "unknown"),
    ("sending", "auth_broken"),
    ("sending", "missed"),
    ("sending", "skipped"),
    ("rate_limited", "sending"),
    ("rate_limited", "missed"),
    ("unknown", "posted"),
    ("unknown", "sending"),
    ("unknown", "missed"),
    ("auth_broken", "sending"),
    ("auth_broken", "missed"),
}
ILLEGAL = sorted(
    (old, new) for old in STATES for new in STATES if new != "sending" and (old, new) not in ALLOWED
)


def at(minutes: float) -> datetime:
    """T0 plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def occ(*, scheduled_at: datetime = T0, late_ok_seconds: int = 900, text: str = TEXT) -> Occurrence:
    """An occurrence of the kickoff item for Florida."""
    return Occurrence(
        item_id="kickoff",
        scheduled_at=scheduled_at,
        late_ok_seconds=late_ok_seconds,
        target_group="FL",
        text=text,
    )


def put(store: Store, key: str, state: str, now: datetime = T0) -> None:
    """Bring a new ledger row into ``state`` the way the worker would (claim, then record)."""
    assert store.claim(key, now=now, **occ())
    if state != "sending":
        post_id = "1790000000000000001" if state == "posted" else None
        store.record(key, cast(LedgerState, state), now=now, x_post_id=post_id)


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, standing in for another process or an older reachout."""
    return sqlite3.connect(path, isolation_level=None)


def sql(path: Path, statement: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run one statement on the file with a plain connection, closed afterwards."""
    with closing(raw(path)) as conn:
        return list(conn.execute(statement, params).fetchall())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the database goes: a folder that does not exist yet."""
    return tmp_path / "var" / "reachout.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """A store on a real file."""
    with Store.open(db_path) as opened:
        yield opened


# --- opening, settings, migrations, errors --------------------------------------------------


def test_open_creates_folders_and_turns_on_wal_foreign_keys_and_busy_timeout(
    store: Store, db_path: Path
) -> None:
    """The file and its folder are created; WAL, foreign keys and a busy timeout are on."""
    assert db_path.is_file()
    conn = store._conn  # the store's own connection: foreign_keys is per connection
    assert "wal" == conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert 1 == conn.execute("PRAGMA foreign_keys").fetchone()[0]
    assert 5000 == conn.execute("PRAGMA busy_timeout").fetchone()[0]
    assert "wal" == sql(db_path, "PRAGMA journal_mode")[0][0]


def test_migrations_are_recorded_and_applying_them_again_changes_nothing(db_path: Path) -> None:
    """Every migration number is recorded once; reopening applies nothing twice."""
    Store.open(db_path).close()
    first = sql(db_path, "SELECT * FROM schema_migrations ORDER BY 1")
    Store.open(db_path).close()
    again = sql(db_path, "SELECT * FROM schema_migrations ORDER BY 1")
    assert list(range(1, SCHEMA_VERSION + 1)) == [number for number, _ in first]
    assert first == again


def test_two_workers_opening_a_new_file_at_once_migrate_it_once(db_path: Path) -> None:
    """Two stores opened at the same moment on a fresh file both work; migrations run once."""
    start = threading.Barrier(2)
    opened: list[Store] = []

    def work() -> None:
        start.wait()
        opened.append(Store.open(db_path))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for each in opened:
        each.close()
    numbers = sql(db_path, "SELECT number FROM schema_migrations ORDER BY 1")
    assert (2, [(n,) for n in range(1, SCHEMA_VERSION + 1)]) == (len(opened), numbers)


def test_a_version_1_file_migrates_forward_and_keeps_its_rows(db_path: Path) -> None:
    """A database written by a reachout that knew only migration 1 keeps its ledger rows."""
    db_path.parent.mkdir()
    old = raw(db_path)  # what reachout with only migration 1 wrote
    for statement in MIGRATIONS[0]:
        old.execute(statement)
    old.execute("CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, applied_at TEXT)")
    old.execute("INSERT INTO schema_migrations VALUES (1, '2027-07-01T00:00:00Z')")
    old.execute(
        "INSERT INTO ledger (key, item_id, scheduled_at, late_ok_seconds, target_group, text,"
        " state, x_post_id, attempts, created_at, updated_at, posted_at) VALUES (?, 'kickoff',"
        " '2027-08-02T13:30:00Z', 900, 'FL', ?, 'posted', '42', 1, ?, ?, ?)",
        (KEY, TEXT, "2027-08-02T13:30:00Z", "2027-08-02T13:30:05Z", "2027-08-02T13:30:05Z"),
    )
    old.close()
    with Store.open(db_path) as store:
        row = store.get(KEY)
        assert row is not None
        assert ("posted", "42", at(5 / 60), TEXT) == (
            row.state,
            row.x_post_id,
            row.posted_at,
            row.text,
        )
        assert 1 == store.add_alert("missed", "a post was missed", now=T0)
    applied = sql(db_path, "SELECT * FROM schema_migrations ORDER BY 1")
    assert (1, "2027-07-01T00:00:00Z") == applied[0]
    assert list(range(1, SCHEMA_VERSION + 1)) == [number for number, _ in applied]


def test_a_database_from_a_newer_reachout_is_refused_with_a_hint_to_upgrade(db_path: Path) -> None:
    """An unknown migration number means a newer version wrote the file: refuse, do not guess."""
    Store.open(db_path).close()
    sql(db_path, "INSERT INTO schema_migrations (number) VALUES (?)", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError) as caught:
        Store.open(db_path)
    assert f"[{SCHEMA_VERSION + 1}]" in str(caught.value)
    assert "upgrade reachout" in caught.value.hint


def test_a_file_that_is_not_sqlite_gives_a_store_error_with_a_hint(tmp_path: Path) -> None:
    """Opening a text file as the database raises StoreError (no sqlite3 error leaks)."""
    path = tmp_path / "calendar.yaml"
    path.write_text("items:\n  - id: kickoff\n" * 200, encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    assert "not a reachout database" in caught.value.hint
    assert isinstance(caught.value.__cause__, sqlite3.DatabaseError)
    assert not isinstance(caught.value, sqlite3.Error)


def test_a_folder_that_cannot_be_created_gives_a_store_error(tmp_path: Path) -> None:
    """A database path below a regular file fails as a StoreError, not an OSError."""
    (tmp_path / "plain-file").write_text("", encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        Store.open(tmp_path / "plain-file" / "reachout.db")
    assert isinstance(caught.value.__cause__, OSError)


def test_a_database_locked_by_another_writer_gives_a_store_error_and_rolls_back(
    db_path: Path,
) -> None:
    """A write while another process holds the write lock fails with a hint; later writes work."""
    with ExitStack() as stack, Store.open(db_path, busy_timeout_ms=0) as store:
        other = stack.enter_context(closing(raw(db_path)))
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError) as caught:
            store.claim(KEY, now=T0, **occ())
        assert "locked" in str(caught.value)
        assert "another reachout process" in caught.value.hint
        other.execute("ROLLBACK")
        assert True is store.claim(KEY, now=T0, **occ())


def test_an_in_memory_store_works_for_quick_checks() -> None:
    """``:memory:`` opens, migrates and claims."""
    with Store.open(":memory:") as store:
        assert True is store.claim(KEY, now=T0, **occ())


def test_a_closed_store_raises_store_error(db_path: Path) -> None:
    """Using a store after its with-block raises StoreError, not sqlite3.ProgrammingError."""
    with Store.open(db_path) as store:
        pass
    with pytest.raises(StoreError):
        store.get(KEY)


# --- the ledger -----------------------------------------------------------------------------


def test_the_transition_table_is_the_one_in_the_design() -> None:
    """TRANSITIONS allows exactly the moves DESIGN.md describes; four states are final."""
    actual = {(old, new) for old, targets in TRANSITIONS.items() for new in targets}
    assert ALLOWED == actual
    assert set(get_args(LedgerState)) == set(STATES)
    assert {"posted", "duplicate", "missed", "skipped"} == {s for s in STATES if not TRANSITIONS[s]}


@pytest.mark.parametrize(("old", "new"), sorted(ALLOWED))
def test_every_allowed_transition_is_applied(store: Store, old: str, new: str) -> None:
    """Each allowed move works: to sending through claim (with the flags), else record."""
    put(store, KEY, old)
    if new == "sending":
        assert store.claim(KEY, now=at(1), retry_unknown=True, retry_auth_broken=True, **occ())
    else:
        post_id = "99" if new == "posted" else None
        store.record(KEY, cast(LedgerState, new), now=at(1), x_post_id=post_id)
    row = store.get(KEY)
    assert row is not None
    assert (new, at(1)) == (row.state, row.updated_at)


@pytest.mark.parametrize(("old", "new"), ILLEGAL)
def test_every_illegal_transition_raises_and_changes_nothing(
    store: Store, old: str, new: str
) -> None:
    """A move outside the table raises StoreError and leaves the row as it was."""
    put(store, KEY, old)
    before = store.get(KEY)
    with pytest.raises(StoreError, match=f"cannot move from {old} to {new}"):
        store.record(KEY, cast(LedgerState, new), now=at(1), x_post_id="99")
    assert before == store.get(KEY)


@pytest.mark.parametrize(
    ("state", "retry_unknown", "retry_auth_broken", "expected"),
    [
        ("sending", True, True, False),
        ("posted", True, True, False),
        ("duplicate", True, True, False),
        ("missed", True, True, False),
        ("skipped", True, True, False),
        ("rate_limited", False, False, True),
        ("unknown", False, False, False),
        ("unknown", False, True, False),
        ("unknown", True, False, True),
        ("auth_broken", False, False, False),
        ("auth_broken", True, False, False),
        ("auth_broken", False, True, True),
    ],
)
def test_claim_reclaims_only_retryable_rows(
    store: Store, state: str, retry_unknown: bool, retry_auth_broken: bool, expected: bool
) -> None:
    """rate_limited is retryable; unknown and auth_broken only with their flag; others never."""
    put(store, KEY, state)
    actual = store.claim(
        KEY, now=at(1), retry_unknown=retry_unknown, retry_auth_broken=retry_auth_broken, **occ()
    )
    row = store.get(KEY)
    assert row is not None
    assert (expected, 2 if expected else 1) == (actual, row.attempts)
    assert ("sending" if expected else state) == row.state


def test_claim_inserts_a_sending_row_once(store: Store, db_path: Path) -> None:
    """The first claim wins; the same key claimed again, here or by another store, loses."""
    assert True is store.claim(KEY, now=T0, **occ())
    assert False is store.claim(KEY, now=at(1), **occ())
    with Store.open(db_path) as other:
        assert False is other.claim(KEY, now=at(2), **occ())
    expected = LedgerRow(
        key=KEY,
        item_id="kickoff",
        scheduled_at=T0,
        late_ok_seconds=900,
        target_group="FL",
        text=TEXT,
        state="sending",
        x_post_id=None,
        attempts=1,
        last_error=None,
        created_at=T0,
        updated_at=T0,
        posted_at=None,
        next_attempt_at=None,
    )
    assert expected == store.get(KEY)


def test_a_reclaim_counts_the_attempt_and_takes_the_current_text(store: Store) -> None:
    """Retrying after a rate limit: attempts 2, new text and window, retry time cleared."""
    store.claim(KEY, now=T0, **occ())
    store.record(KEY, "rate_limited", now=T0, error="429", next_attempt_at=at(15))
    assert store.claim(KEY, now=at(15), **occ(text="Edited text", late_ok_seconds=1800))
    row = store.get(KEY)
    assert row is not None
    expected = ("sending", 2, "Edited text", 1800, None, "429", T0)
    assert expected == (
        row.state,
        row.attempts,
        row.text,
        row.late_ok_seconds,
        row.next_attempt_at,
        row.last_error,
        row.created_at,
    )


def test_record_keeps_the_post_id_times_and_errors(store: Store) -> None:
    """Outcomes store X's post id, posted_at (given or now), the error and the retry time."""
    put(store, "a", "sending")
    store.record(
        "a", "rate_limited", now=at(1), error="429 Too Many Requests", next_attempt_at=at(16)
    )
    put(store, "b", "unknown")
    store.record("b", "posted", now=at(30), x_post_id="77", posted_at=at(0.5))
    a, b = store.get("a"), store.get("b")
    assert a is not None and b is not None
    assert ("429 Too Many Requests", at(16), None) == (a.last_error, a.next_attempt_at, a.posted_at)
    assert ("posted", "77", at(0.5), at(30)) == (b.state, b.x_post_id, b.posted_at, b.updated_at)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.record(KEY, "sending", now=T0), "claim"),
        (lambda s: s.record(KEY, "bogus", now=T0), "bogus"),
        (lambda s: s.record(KEY, "posted", now=T0), "x_post_id"),
        (lambda s: s.claim("k", now=T0, **occ(late_ok_seconds=-1)), "late_ok_seconds"),
        (lambda s: s.acquire_lease("w", now=T0, ttl_seconds=0), "ttl_seconds"),
        (lambda s: s.claim("k", now=datetime(2027, 8, 2), **occ()), "naive"),
        (lambda s: s.claim("k", now=T0, **occ(scheduled_at=datetime(2027, 8, 2))), "naive"),
        (lambda s: s.posts_sent_between(datetime(2027, 8, 2), T0), "naive"),
        (lambda s: s.heartbeat("w", now=datetime(2027, 8, 2)), "naive"),
        (lambda s: s.set_state("x", "1", datetime(2027, 8, 2)), "naive"),
    ],
)
def test_programming_errors_raise_value_error(
    store: Store, call: Callable[[Store], object], message: str
) -> None:
    """Naive datetimes, bad states and impossible values are ValueErrors, before any write."""
    put(store, KEY, "sending")
    with pytest.raises(ValueError, match=message):
        call(store)


def test_record_without_a_claim_raises_store_error(store: Store) -> None:
    """Recording an outcome for a key that was never claimed is refused."""
    with pytest.raises(StoreError, match="no ledger row"):
        store.record(KEY, "posted", now=T0, x_post_id="1")


def test_skip_writes_a_final_row_only_for_a_new_key(store: Store) -> None:
    """A skipped row holds its reason, is final and blocks claims; a claimed row is not skipped."""
    assert True is store.skip(KEY, reason="daily cap reached", now=T0, **occ())
    assert False is store.skip(KEY, reason="again", now=at(1), **occ())
    assert False is store.claim(KEY, now=at(2), **occ())
    put(store, "claimed", "sending")
    assert False is store.skip("claimed", reason="too long", now=at(1), **occ())
    skipped, claimed = store.get(KEY), store.get("claimed")
    assert skipped is not None and claimed is not None
    assert ("skipped", "daily cap reached", 0) == (
        skipped.state,
        skipped.last_error,
        skipped.attempts,
    )
    assert "sending" == claimed.state


@pytest.mark.parametrize(
    ("state", "expected", "after"),
    [
        (None, True, "missed"),
        ("rate_limited", True, "missed"),
        ("auth_broken", True, "missed"),
        ("unknown", True, "missed"),
        ("sending", False, "sending"),
        ("posted", False, "posted"),
        ("duplicate", False, "duplicate"),
        ("skipped", False, "skipped"),
        ("missed", False, "missed"),
    ],
)
def test_mark_missed(store: Store, state: str | None, expected: bool, after: str) -> None:
    """A new key or a retryable row becomes missed; in-flight and final rows are left alone."""
    if state is not None:
        put(store, KEY, state)
    assert expected is store.mark_missed(KEY, reason="15 minutes late", now=at(20), **occ())
    row = store.get(KEY)
    assert row is not None
    assert after == row.state


def test_datetimes_are_stored_as_utc_text_and_read_back_aware(store: Store, db_path: Path) -> None:
    """A New York time is stored as UTC ISO 8601 with Z, to the second, and read back in UTC."""
    new_york = datetime(2027, 8, 2, 9, 30, 0, 123456, tzinfo=ZoneInfo("America/New_York"))
    store.claim(KEY, now=new_york, **occ(scheduled_at=new_york))
    stored = sql(db_path, "SELECT scheduled_at, created_at FROM ledger")[0]
    assert ("2027-08-02T13:30:00Z", "2027-08-02T13:30:00Z") == stored
    row = store.get(KEY)
    assert row is not None
    assert (T0, UTC) == (row.scheduled_at, row.scheduled_at.tzinfo)


def test_ledger_rows_are_frozen(store: Store) -> None:
    """A LedgerRow is a value: it cannot be changed behind the store's back."""
    put(store, KEY, "sending")
    row = store.get(KEY)
    assert row is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.state = "posted"  # type: ignore[misc]


def test_queries_filter_count_and_order(store: Store) -> None:
    """rows() filters by state and [since, until); counts include every state."""
    for minutes, key, state in [(30, "c", "posted"), (0, "a", "unknown"), (10, "b", "sending")]:
        store.claim(key, now=T0, **occ(scheduled_at=at(minutes)))
        if state != "sending":
            store.record(key, cast(LedgerState, state), now=T0, x_post_id="5")
    store.skip("d", reason="cap", now=T0, **occ(scheduled_at=at(20)))
    assert ["a", "b", "d", "c"] == [r.key for r in store.rows()]
    assert ["a", "c"] == [r.key for r in store.rows(states=["posted", "unknown"])]
    assert ["b", "d"] == [r.key for r in store.rows(since=at(10), until=at(30))]
    assert [] == store.rows(states=[])
    assert ["a"] == [r.key for r in store.pending_unknown()]
    expected = dict.fromkeys(STATES, 0) | {"posted": 1, "unknown": 1, "sending": 1, "skipped": 1}
    assert expected == store.counts_by_state()


def test_posts_sent_between_and_last_posted_at_count_posts_that_may_have_gone_out(
    store: Store,
) -> None:
    """Posted rows count at posted_at, unknown ones when they became unknown; [start, end)."""
    assert (0, None) == (store.posts_sent_between(T0, at(60)), store.last_posted_at())
    for minutes, key, state in [(0, "a", "posted"), (5, "b", "posted"), (9, "c", "unknown")]:
        put(store, key, state, now=at(minutes))
    put(store, "d", "rate_limited", now=at(12))
    put(store, "e", "sending", now=at(13))
    assert 3 == store.posts_sent_between(T0, at(15))
    assert 2 == store.posts_sent_between(at(5), at(15))
    assert 1 == store.posts_sent_between(T0, at(5))
    assert at(9) == store.last_posted_at()


@pytest.mark.parametrize("shared", [False, True], ids=["two-stores", "one-shared-store"])
def test_racing_claims_from_two_threads_claim_each_key_exactly_once(
    db_path: Path, shared: bool
) -> None:
    """Two workers (two stores on one file, or one store in two threads) race on 200 keys."""
    keys = [f"item-{i}@2027-08-02T13:30:00Z#FL" for i in range(200)]
    first = Store.open(db_path)
    stores = [first, first if shared else Store.open(db_path)]
    start = threading.Barrier(2)
    won: list[list[str]] = [[], []]

    def work(n: int) -> None:
        start.wait()
        won[n] = [k for k in keys if stores[n].claim(k, now=T0, **occ())]

    threads = [threading.Thread(target=work, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for opened in stores:
        opened.close()
    assert sorted(keys) == sorted(won[0] + won[1])
    assert set() == set(won[0]) & set(won[1])


# --- lease and heartbeat --------------------------------------------------------------------


def test_lease_is_exclusive_until_it_expires_then_taken_over(store: Store, db_path: Path) -> None:
    """Worker b (another store) waits while a holds and renews the lease, then takes it over."""
    with Store.open(db_path) as other:
        assert True is store.acquire_lease("a", now=T0, ttl_seconds=60)
        assert False is other.acquire_lease("b", now=at(0.5), ttl_seconds=60)
        assert True is store.renew_lease("a", now=at(0.5), ttl_seconds=60)
        assert False is other.renew_lease("b", now=at(0.5), ttl_seconds=60)
        assert False is other.acquire_lease("b", now=at(1.4), ttl_seconds=60)
        assert Lease("a", T0, at(1.5)) == store.lease()
        assert True is other.acquire_lease("b", now=at(1.5), ttl_seconds=60)
        assert Lease("b", at(1.5), at(2.5)) == store.lease()
        assert False is store.renew_lease("a", now=at(1.6), ttl_seconds=60)
        assert True is other.acquire_lease("b", now=at(2), ttl_seconds=60)
        assert Lease("b", at(1.5), at(3)) == other.lease()
        store.release_lease("a")
        assert "b" == getattr(store.lease(), "owner", None)
        other.release_lease("b")
        assert None is store.lease()
        assert True is store.acquire_lease("a", now=at(2), ttl_seconds=60)


def test_heartbeat_keeps_the_latest_beat(store: Store) -> None:
    """There is no heartbeat until a worker writes one; the latest beat wins."""
    assert None is store.last_heartbeat()
    store.heartbeat("worker-1", now=T0, info="starting")
    store.heartbeat("worker-1", now=at(1), info="12 jobs scheduled")
    assert Heartbeat("worker-1", at(1), "12 jobs scheduled") == store.last_heartbeat()


# --- alerts and named state -----------------------------------------------------------------


def test_an_open_alert_is_not_added_twice(store: Store) -> None:
    """Same kind and key while open: the same id. Resolved, or another key: a new alert."""
    first = store.add_alert("missed", "kickoff FL was missed", now=T0, key=KEY)
    assert first == store.add_alert("missed", "kickoff FL was missed again", now=at(1), key=KEY)
    other = store.add_alert("missed", "kickoff TX was missed", now=at(1), key="kickoff#TX")
    paused = store.add_alert("auth_broken", "X refused the credentials", now=at(2))
    assert paused == store.add_alert("auth_broken", "still refused", now=at(3))
    assert [
        Alert(first, "missed", "kickoff FL was missed", KEY, T0),
        Alert(other, "missed", "kickoff TX was missed", "kickoff#TX", at(1)),
        Alert(paused, "auth_broken", "X refused the credentials", None, at(2)),
    ] == store.open_alerts()
    assert True is store.resolve_alert(first, at(4))
    assert False is store.resolve_alert(first, at(5))
    assert False is store.resolve_alert(12345, at(5))
    again = store.add_alert("missed", "kickoff FL was missed", now=at(6), key=KEY)
    assert again not in {first, other, paused}
    assert [other, paused, again] == [a.id for a in store.open_alerts()]


def test_named_state_is_set_replaced_and_deleted(store: Store) -> None:
    """get_state returns None until set, the latest value after, and None once deleted."""
    assert None is store.get_state("since_id:mentions")
    store.set_state("since_id:mentions", "1790000000000000001", T0)
    store.set_state("since_id:mentions", "1790000000000000002", at(1))
    assert "1790000000000000002" == store.get_state("since_id:mentions")
    store.set_state("since_id:mentions", None, at(2))
    assert None is store.get_state("since_id:mentions")


def test_another_programs_sqlite_database_is_refused_and_left_as_it_was(db_path: Path) -> None:
    """Tables but no schema_migrations: StoreError with a hint, no table added, no WAL."""
    db_path.parent.mkdir()
    sql(db_path, "CREATE TABLE contacts (name TEXT)")
    with pytest.raises(StoreError) as caught:
        Store.open(db_path)
    assert "this is not a reachout database: check REACHOUT_DB" in caught.value.hint
    assert ([("contacts",)], [("delete",)]) == (
        sql(db_path, "SELECT name FROM sqlite_master"),
        sql(db_path, "PRAGMA journal_mode"),
    )
