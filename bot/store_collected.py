"""SQL for the collection tables (migration 3; their contract is bot.store_schema's docstring).

Every write is one transaction through `Store.transaction`, so a page of posts, the reads it
billed and the request that fetched it are committed together or not at all; a cursor moves
in `finish_poll`, only after the pages it covers are committed. Posts are upserted by post
id: a post seen again (on another page, by another source, on another day) keeps one row,
with its metrics updated in place and its ``via_*`` flags combined.

Billing follows X's pay-per-use rule: a post read more than once in the same UTC day is
billed once (``billed_reads``), whichever endpoint read it. Times are aware datetimes in,
UTC ISO 8601 text (``2027-08-02T13:30:00Z``) in the tables. Every function raises StoreError
when SQLite fails (as bot.store does) and ValueError for a naive datetime.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.gaps import GAP_REASONS as GAP_REASONS
from bot.gaps import Gap as Gap
from bot.gaps import completeness as completeness
from bot.store import Store
from bot.x_models import XPost

if TYPE_CHECKING:  # annotations only: classify pulls in twitter_text, slow to import
    from bot.classify import Classified

SOURCES = ("mentions", "search", "metrics")
"""Cursor and request sources; collected posts also come ``via`` ``import``."""
_METRICS = (
    "like_count", "reply_count", "retweet_count", "quote_count", "impression_count",
    "bookmark_count",
)  # fmt: skip
_VIA = ("mentions", "search", "import")
_COLUMNS = (
    "post_id", "text", "author_id", "author_username", "created_at", "conversation_id",
    "in_reply_to_user_id", "lang", *_METRICS, "via_mentions", "via_search", "via_import",
    "has_hashtag", "mentions_account", "legislator_bioguide_id", "replies_to_post_id",
    "quotes_post_id", "first_seen_at", "updated_at",
)  # fmt: skip
_KEEP_OLD = (  # a later read without the value does not erase it
    "author_id", "author_username", "created_at", "conversation_id", "in_reply_to_user_id",
    "lang", *_METRICS, "legislator_bioguide_id", "replies_to_post_id", "quotes_post_id",
)  # fmt: skip
_UPSERT = (
    f"INSERT INTO collected_posts ({', '.join(_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(_COLUMNS))}) ON CONFLICT (post_id) DO UPDATE SET"
    " text = excluded.text, updated_at = excluded.updated_at, "
    + ", ".join(f"{c} = ifnull(excluded.{c}, {c})" for c in _KEEP_OLD)
    + ", "
    + ", ".join(
        f"{c} = max({c}, excluded.{c})"
        for c in ("via_mentions", "via_search", "via_import", "has_hashtag", "mentions_account")
    )
)
_IMPORT_UPSERT = (  # an archive may be older than the row: text and tags stay, metrics max
    _UPSERT.split(" DO UPDATE SET")[0] + " DO UPDATE SET via_import = 1, updated_at = "
    "excluded.updated_at, " + ", ".join(f"{c} = max(ifnull({c}, excluded.{c}), ifnull(excluded."
    f"{c}, {c}))" if c in _METRICS else f"{c} = ifnull({c}, excluded.{c})" for c in _KEEP_OLD)
)  # fmt: skip
_IN_CHUNK = 500  # ids per "IN (...)" query, well under SQLite's variable limit


@dataclass(frozen=True)
class ReadRequest:
    """One read request to X, as ``x_requests`` records it.

    Attributes:
        endpoint: e.g. ``GET /2/users/:id/mentions`` (bot.x_models names).
        source: ``mentions``, ``search`` or ``metrics``.
        price: dollars per billable read (settings ``prices.mention_read`` or ``search_read``).
        overlap: it re-read the overlap window before the cursor (counted apart).
        status: ``ok``, or how it failed: ``rate_limited``, ``unavailable``, ``auth``,
            ``rejected``.
    """

    endpoint: str
    source: str
    price: float
    overlap: bool = False
    status: str = "ok"


@dataclass(frozen=True)
class PageRead:
    """A page a poll read, to be written: its posts, the request, X's partial errors."""

    posts: Sequence[Classified]
    request: ReadRequest | None
    errors: Sequence[str] = ()


@dataclass(frozen=True)
class Saved:
    """What one write did: rows new and updated, reads billed (after the per-day rule)."""

    new: int = 0
    updated: int = 0
    billable_reads: int = 0
    cost_dollars: float = 0.0

    def __add__(self, other: Saved) -> Saved:
        return Saved(self.new + other.new, self.updated + other.updated,
                     self.billable_reads + other.billable_reads,
                     round(self.cost_dollars + other.cost_dollars, 6))  # fmt: skip


@dataclass(frozen=True)
class Cursor:
    """Where a source's polling stands (aware UTC datetimes; None: never).

    Attributes:
        source: ``mentions``, ``search`` or ``metrics``.
        since_id: the newest post id committed (the next poll's ``since_id``).
        since_at: that post's ``created_at``.
        last_poll_at: the last poll that ran (failed or not; skipped polls do not count).
        last_success_at: the last complete poll: everything X showed then is stored.
        last_error: the last poll's failure, None after a success.
        polls: polls run so far.
    """

    source: str
    since_id: str | None = None
    since_at: datetime | None = None
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    polls: int = 0


@dataclass(frozen=True)
class Usage:
    """Reads and spend in a period: billable reads, dollars and requests made."""

    reads: int = 0
    dollars: float = 0.0
    requests: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.reads + other.reads, self.dollars + other.dollars,
                     self.requests + other.requests)  # fmt: skip


@dataclass(frozen=True)
class CollectedPost:
    """A ``collected_posts`` row with its tags (datetimes aware UTC; counts None if unread)."""

    post_id: str
    text: str
    author_id: str | None
    author_username: str | None
    created_at: datetime | None
    conversation_id: str | None
    in_reply_to_user_id: str | None
    lang: str | None
    like_count: int | None
    reply_count: int | None
    retweet_count: int | None
    quote_count: int | None
    impression_count: int | None
    bookmark_count: int | None
    via_mentions: bool
    via_search: bool
    via_import: bool
    has_hashtag: bool
    mentions_account: bool
    legislator_bioguide_id: str | None
    replies_to_post_id: str | None
    quotes_post_id: str | None
    first_seen_at: datetime
    updated_at: datetime
    tagged_bioguide_ids: tuple[str, ...] = ()


def save_posts(
    store: Store,
    posts: Sequence[Classified],
    *,
    via: str,
    now: datetime,
    request: ReadRequest | None = None,
    errors: Sequence[str] = (),
) -> Saved:
    """Upsert one page of posts, bill its reads and log its request, in one transaction.

    Args:
        store: the store.
        posts: the page's posts, classified.
        via: ``mentions``, ``search`` or ``import``.
        now: when the page was read (aware); its UTC day is the billing day.
        request: the request that read the page (None for an import: nothing billed).
        errors: X's partial errors sent with the page, one text each (collection_errors).

    Returns:
        Rows new and updated, billable reads and their cost.
    """
    if via not in _VIA:
        raise ValueError(f"via must be one of {_VIA}, not {via!r}")
    stamp = _ts(now)
    with store.transaction(f"saving {len(posts)} posts read via {via}") as conn:
        return _save_page(conn, PageRead(posts, request, errors), via, stamp)


def save_pages(store: Store, pages: Sequence[PageRead], *, now: datetime) -> Saved:
    """Write pages a poll read (`save_posts` for each) in one transaction; return the sums."""
    with store.transaction(f"saving {len(pages)} pages") as conn:
        return _save_pages(conn, pages, _ts(now))


def import_posts(store: Store, batches: Iterable[Sequence[Classified]], *, now: datetime) -> Saved:
    """Upsert every batch of imported posts in ONE transaction: all are written, or none.

    Marked ``via_import``, never billed; an archive older than a row never regresses it: the
    row keeps its text, classification and tags, and each metric its larger count."""
    stamp, new, updated = _ts(now), 0, 0
    with store.transaction("importing posts") as conn:
        for batch in batches:
            added, changed = _upsert(conn, batch, "import", stamp)
            new, updated = new + added, updated + changed
    return Saved(new, updated)


def save_metrics(
    store: Store,
    posts: Sequence[tuple[str, XPost]],
    *,
    now: datetime,
    request: ReadRequest,
    errors: Sequence[str] = (),
) -> Saved:
    """Store our posts' public metrics (``post_metrics``), bill the reads, log the request.

    Args:
        store: the store.
        posts: (ledger key, the post as ``GET /2/tweets?ids=`` returned it).
        now: when they were read (aware).
        request: the lookup request (source ``metrics``).
        errors: X's partial errors (e.g. a deleted post), one text each.

    Returns:
        ``updated`` counts rows refreshed, ``new`` rows first stored; reads and cost.
    """
    stamp = _ts(now)
    ids = [post.post_id for _, post in posts]
    rows = [
        (post.post_id, key, *(post.public_metrics.get(m) for m in _METRICS), stamp)
        for key, post in posts
    ]
    with store.transaction("saving our posts' metrics") as conn:
        existing = _existing(conn, "post_metrics", "x_post_id", ids)
        conn.executemany(
            "INSERT OR REPLACE INTO post_metrics (x_post_id, ledger_key, "
            + ", ".join(_METRICS)
            + ", fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        billed, cost = _bill(conn, ids, request, stamp)
        conn.executemany(
            "INSERT INTO collection_errors (source, at, detail) VALUES (?, ?, ?)",
            [(request.source, stamp, detail) for detail in errors],
        )
    new = len(set(ids) - existing)
    return Saved(new, len(rows) - new, billed, cost)


def finish_poll(
    store: Store,
    source: str,
    *,
    now: datetime,
    error: str | None = None,
    since_id: str | None = None,
    since_at: datetime | None = None,
    gaps: Sequence[Gap] = (),
    failed: ReadRequest | None = None,
    pages: Sequence[PageRead] = (),
) -> Saved:
    """Close one poll: move the cursor (success) or record the failure, and store its gaps.

    The poll's last pages (``pages``) are written in the same transaction, and every earlier
    page must be committed already (`save_pages`): a cursor never runs ahead of the rows.

    Args:
        store: the store.
        source: ``mentions``, ``search`` or ``metrics``.
        now: when the poll ran (aware).
        error: None for a complete poll; else why it failed (the cursor stays where it was,
            ``last_error`` and ``collection_errors`` get the text).
        since_id: the new cursor after a success (None: unchanged, nothing new).
        since_at: that post's ``created_at`` (aware).
        gaps: periods found unreachable.
        failed: the request that failed, logged in ``x_requests`` with no posts and no cost.
        pages: pages read and not yet written (see `save_pages`).

    Returns:
        What writing ``pages`` did.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    stamp = _ts(now)
    since = _ts(since_at) if since_at else None
    with store.transaction(f"finishing a {source} poll") as conn:
        saved = _save_pages(conn, pages, stamp)
        conn.execute("INSERT OR IGNORE INTO cursors (source) VALUES (?)", (source,))
        if error is None:
            conn.execute(
                "UPDATE cursors SET polls = polls + 1, last_poll_at = :now,"
                " last_success_at = :now, last_error = NULL,"
                " since_at = iif(:id IS NULL, since_at, :at), since_id = ifnull(:id, since_id)"
                " WHERE source = :source",
                {"now": stamp, "id": since_id, "at": since, "source": source},
            )
        else:
            conn.execute(
                "UPDATE cursors SET polls = polls + 1, last_poll_at = ?, last_error = ?"
                " WHERE source = ?",
                (stamp, error, source),
            )
            conn.execute(
                "INSERT INTO collection_errors (source, at, detail) VALUES (?, ?, ?)",
                (source, stamp, error),
            )
        if failed is not None:
            _log_request(conn, failed, stamp, 0, 0, 0.0)
        for gap in gaps:
            _insert_gap(conn, gap, stamp)
    return saved


def extend_gap(store: Store, gap: Gap, *, now: datetime) -> None:
    """Record a gap, or stretch the last one of the same source and reason that reaches it.

    Used while polling is stopped by the budget: one row per stop, growing with each
    skipped poll, instead of a row per skip.
    """
    stamp = _ts(now)
    with store.transaction(f"recording a {gap.reason} gap") as conn:
        found = conn.execute(
            "SELECT id FROM collection_gaps WHERE source = ? AND reason = ? AND end_at >= ?"
            " ORDER BY id DESC LIMIT 1",
            (gap.source, gap.reason, _ts(gap.start_at)),
        ).fetchone()
        if found is None:
            _insert_gap(conn, gap, stamp)
        else:
            conn.execute(
                "UPDATE collection_gaps SET end_at = max(end_at, ?), recorded_at = ? WHERE id = ?",
                (_ts(gap.end_at), stamp, found[0]),
            )


def get_cursor(store: Store, source: str) -> Cursor:
    """Return a source's cursor (an empty one before its first poll)."""
    rows = store.query("reading a cursor", "SELECT * FROM cursors WHERE source = ?", (source,))
    return _cursor(rows[0]) if rows else Cursor(source)


def cursors(store: Store) -> list[Cursor]:
    """Return every source's cursor, in :data:`SOURCES` order."""
    return [get_cursor(store, source) for source in SOURCES]


def usage(store: Store, start: datetime, end: datetime, source: str | None = None) -> Usage:
    """Return billable reads, dollars and requests in ``[start, end)`` (one source, or all)."""
    sql = (
        "SELECT ifnull(sum(billable_reads), 0), ifnull(sum(cost_dollars), 0), count(*)"
        " FROM x_requests WHERE at >= ? AND at < ?"
    )
    params: list[str] = [_ts(start), _ts(end)]
    if source is not None:
        sql += " AND source = ?"
        params.append(source)
    reads, dollars, requests = store.query("adding up reads", sql, params)[0]
    return Usage(int(reads), float(dollars), int(requests))


def usage_after(store: Store, start: datetime, end: datetime, after_id: int) -> tuple[Usage, int]:
    """Return `usage` of the requests logged after row ``after_id``, and the last row id.

    For keeping a month's total up to date without adding up the whole month each poll.
    """
    last = int(store.query("t", "SELECT ifnull(max(id), 0) FROM x_requests")[0][0])
    sql = (
        "SELECT ifnull(sum(billable_reads), 0), ifnull(sum(cost_dollars), 0), count(*)"
        " FROM x_requests WHERE id > ? AND id <= ? AND at >= ? AND at < ?"
    )
    found = store.query("adding up reads", sql, (after_id, last, _ts(start), _ts(end)))[0]
    return Usage(int(found[0]), float(found[1]), int(found[2])), last


def gaps(store: Store, since: datetime | None = None) -> list[Gap]:
    """Return the gaps that end at or after ``since`` (all when None), oldest first."""
    sql = "SELECT * FROM collection_gaps WHERE end_at >= ? ORDER BY start_at, id"
    rows = store.query("reading gaps", sql, (_ts(since) if since else "",))
    return [
        Gap(r["source"], _dt(r["start_at"]), _dt(r["end_at"]), r["reason"], r["missing_estimate"])
        for r in rows
    ]


def recent_errors(store: Store, limit: int = 10) -> list[tuple[str, datetime, str]]:
    """Return the latest collection errors as (source, at, detail), newest first."""
    sql = "SELECT source, at, detail FROM collection_errors ORDER BY id DESC LIMIT ?"
    return [(r[0], _dt(r[1]), r[2]) for r in store.query("reading errors", sql, (limit,))]


def our_post_ids(store: Store) -> frozenset[str]:
    """Return the X ids of every post we sent (ledger ``x_post_id``)."""
    sql = "SELECT x_post_id FROM ledger WHERE x_post_id IS NOT NULL"
    return frozenset(r[0] for r in store.query("reading our post ids", sql))


def sent_posts(store: Store, since: datetime) -> list[tuple[str, str]]:
    """Return (ledger key, X post id) of our posts that went out at ``since`` or later."""
    sql = (
        "SELECT key, x_post_id FROM ledger WHERE state = 'posted' AND x_post_id IS NOT NULL"
        " AND posted_at >= ? ORDER BY posted_at, key"
    )
    return [(r[0], r[1]) for r in store.query("reading our sent posts", sql, (_ts(since),))]


def get_post(store: Store, post_id: str) -> CollectedPost | None:
    """Return one collected post with the legislators it tags, or None."""
    rows = store.query(
        "reading a post", "SELECT * FROM collected_posts WHERE post_id = ?", (post_id,)
    )
    if not rows:
        return None
    sql = "SELECT bioguide_id FROM collected_tags WHERE post_id = ? ORDER BY bioguide_id"
    tags = tuple(r[0] for r in store.query("reading tags", sql, (post_id,)))
    values = dict(zip(rows[0].keys(), rows[0], strict=True))
    for key in ("created_at", "first_seen_at", "updated_at"):
        values[key] = _dt(values[key]) if values[key] else None
    for key in ("via_mentions", "via_search", "via_import", "has_hashtag", "mentions_account"):
        values[key] = bool(values[key])
    return CollectedPost(**values, tagged_bioguide_ids=tags)


def count_posts(store: Store) -> int:
    """Return how many posts are collected."""
    return int(store.query("counting posts", "SELECT count(*) FROM collected_posts")[0][0])


# --- internals --------------------------------------------------------------------------------


def _save_pages(conn: sqlite3.Connection, pages: Sequence[PageRead], stamp: str) -> Saved:
    vias = [page.request.source if page.request else "import" for page in pages]
    return sum((_save_page(conn, p, v, stamp) for p, v in zip(pages, vias, strict=True)), Saved())


def _save_page(conn: sqlite3.Connection, page: PageRead, via: str, stamp: str) -> Saved:
    new, updated = _upsert(conn, page.posts, via, stamp)
    billed, cost = 0, 0.0
    if page.request is not None:
        ids = [c.post.post_id for c in page.posts]
        billed, cost = _bill(conn, ids, page.request, stamp)
    source = page.request.source if page.request else via
    if page.errors:
        conn.executemany(
            "INSERT INTO collection_errors (source, at, detail) VALUES (?, ?, ?)",
            [(source, stamp, detail) for detail in page.errors],
        )
    return Saved(new, updated, billed, cost)


def _upsert(
    conn: sqlite3.Connection, posts: Sequence[Classified], via: str, stamp: str
) -> tuple[int, int]:
    """Upsert posts and their tags; return (new rows, rows that existed)."""
    latest = {c.post.post_id: c for c in posts}  # a post twice in one batch: one row
    if not latest:
        return 0, 0
    # new rows = growth of max(rowid): an insert takes max + 1, an upsert's update keeps its own
    before = conn.execute("SELECT ifnull(max(rowid), 0) FROM collected_posts").fetchone()[0]
    known = _existing(conn, "collected_posts", "post_id", list(latest)) if via == "import" else ()
    upsert = _IMPORT_UPSERT if via == "import" else _UPSERT  # an import tags new rows only
    conn.executemany(upsert, [_row(c, via, stamp) for c in latest.values()])
    after = conn.execute("SELECT ifnull(max(rowid), 0) FROM collected_posts").fetchone()[0]
    if tags := [(i, b) for i, c in latest.items() if i not in known for b in c.tagged_bioguide_ids]:
        conn.executemany(
            "INSERT OR IGNORE INTO collected_tags (post_id, bioguide_id) VALUES (?, ?)", tags
        )
    new = int(after) - int(before)
    return new, len(latest) - new


def _row(c: Classified, via: str, stamp: str) -> tuple[object, ...]:
    p, get = c.post, c.post.public_metrics.get
    created = p.created_at
    return (
        p.post_id, p.text, p.author_id, p.author_username,
        (created.isoformat()[:19] + "Z" if created.tzinfo is UTC else _ts(created))
        if created else None, p.conversation_id, p.in_reply_to_user_id, p.lang,
        get("like_count"), get("reply_count"), get("retweet_count"), get("quote_count"),
        get("impression_count"), get("bookmark_count"),
        int(via == "mentions"), int(via == "search"), int(via == "import"),
        int(c.has_hashtag), int(c.mentions_account), c.legislator_bioguide_id,
        c.replies_to_post_id, c.quotes_post_id, stamp, stamp,
    )  # fmt: skip


def _existing(conn: sqlite3.Connection, table: str, column: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), _IN_CHUNK):
        chunk = ids[i : i + _IN_CHUNK]
        sql = f"SELECT {column} FROM {table} WHERE {column} IN ({', '.join('?' * len(chunk))})"
        found.update(r[0] for r in conn.execute(sql, chunk))
    return found


def _bill(
    conn: sqlite3.Connection, ids: Sequence[str], request: ReadRequest, stamp: str
) -> tuple[int, float]:
    """Bill each post not yet billed this UTC day; log the request; return (reads, dollars)."""
    day = stamp[:10]
    conn.execute("DELETE FROM billed_reads WHERE day < ?", (day,))  # X forgets at midnight
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO billed_reads (day, post_id) VALUES (?, ?)",
        [(day, post_id) for post_id in ids],
    )
    billed = conn.total_changes - before
    cost = round(billed * request.price, 6)
    _log_request(conn, request, stamp, len(ids), billed, cost)
    return billed, cost


def _log_request(
    conn: sqlite3.Connection,
    request: ReadRequest,
    stamp: str,
    returned: int,
    billed: int,
    cost: float,
) -> None:
    conn.execute(
        "INSERT INTO x_requests (at, endpoint, source, posts_returned, billable_reads,"
        " cost_dollars, overlap, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (stamp, request.endpoint, request.source, returned, billed, cost,
         int(request.overlap), request.status),
    )  # fmt: skip


def _insert_gap(conn: sqlite3.Connection, gap: Gap, stamp: str) -> None:
    if gap.reason not in GAP_REASONS:
        raise ValueError(f"gap reason must be one of {GAP_REASONS}, not {gap.reason!r}")
    conn.execute(
        "INSERT INTO collection_gaps (source, start_at, end_at, reason, missing_estimate,"
        " recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
        (gap.source, _ts(gap.start_at), _ts(max(gap.start_at, gap.end_at)), gap.reason,
         gap.missing_estimate, stamp),
    )  # fmt: skip


def _cursor(row: sqlite3.Row) -> Cursor:
    times = {k: _dt(row[k]) if row[k] else None for k in ("since_at", "last_poll_at",
                                                           "last_success_at")}  # fmt: skip
    return Cursor(row["source"], row["since_id"], last_error=row["last_error"],
                  polls=int(row["polls"]), **times)  # fmt: skip


def _ts(moment: datetime) -> str:
    """Return an aware datetime as UTC ISO 8601 text to the second (``…T13:30:00Z``)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime (UTC)")
    return moment.astimezone(UTC).isoformat()[:19] + "Z"  # isoformat: 3x faster than strftime


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
