"""The reachout database schema: its migrations, in order (used by bot.store only).

Times are UTC ISO 8601 text to the second (``2027-08-02T13:30:00Z``); ids are X's, as text.

Collection tables (migration 3, written by bot.store_collected):

- ``collected_posts``: one row per post read from X (mentions, search or import), upserted by
  ``post_id``; ``via_*`` say which sources saw it; public metrics as last read;
  classification: ``has_hashtag`` (the campaign hashtag), ``mentions_account`` (tags our
  account), ``legislator_bioguide_id`` (its author is that legislator: a response),
  ``replies_to_post_id`` / ``quotes_post_id`` (one of *our* ledger posts' X ids it replies to
  or quotes, else NULL). Nothing about a supporter beyond what they posted.
- ``collected_tags``: which legislators (bioguide ids) a collected post @-tags.
- ``cursors``: per source (``mentions``, ``search``, ``metrics``) the ``since_id`` of the
  newest post committed and ``since_at``, its ``created_at``; the last poll
  (``last_poll_at``), the last complete one (``last_success_at``: everything X could show up
  to then is stored), the last failure (``last_error``, NULL after a success) and ``polls``.
- ``collection_gaps``: periods when posts were unreachable: ``reason`` is
  ``mentions_cap`` (X shows only the newest 800 mentions), ``search_window`` (recent search
  reaches back 7 days), ``budget`` (polling stopped at the monthly read budget) or
  ``pagination`` (X repeated a pagination token); ``missing_estimate`` of posts missed, or
  NULL when unknowable.
- ``collection_errors``: partial ``errors`` X sent with a 200, and failed polls.
- ``x_requests``: every read request: endpoint, source (``mentions``, ``search``,
  ``metrics``), posts returned, billable reads (after the per-UTC-day de-duplication), its
  cost in dollars, whether it was an overlap re-query, ``status`` (``ok``, ``rate_limited``,
  ``unavailable``, ``auth``, ``rejected``).
- ``billed_reads``: (UTC day, post id) already billed today: X bills a resource once a day
  (rows of earlier days are deleted as reads of a new day are billed).
- ``post_metrics``: public metrics of our own posts (ledger ``x_post_id``), last refreshed.
"""

from __future__ import annotations

# MIGRATIONS[n - 1] is migration n: statements run in one transaction. Never edit a released
# migration; append a new one (ALTER TABLE ... ADD COLUMN for new columns).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE ledger (
            key TEXT PRIMARY KEY, item_id TEXT NOT NULL, scheduled_at TEXT NOT NULL,
            late_ok_seconds INTEGER NOT NULL, target_group TEXT NOT NULL, text TEXT NOT NULL,
            state TEXT NOT NULL, x_post_id TEXT, attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            posted_at TEXT, next_attempt_at TEXT)""",
        "CREATE INDEX ledger_by_state ON ledger (state, scheduled_at)",
        "CREATE INDEX ledger_by_scheduled_at ON ledger (scheduled_at)",
    ),
    (
        """CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT,
            message TEXT NOT NULL, created_at TEXT NOT NULL, resolved_at TEXT)""",
        """CREATE UNIQUE INDEX alerts_open_once ON alerts (kind, ifnull(key, ''))
            WHERE resolved_at IS NULL""",
        """CREATE TABLE lease (id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL,
            acquired_at TEXT NOT NULL, expires_at TEXT NOT NULL)""",
        """CREATE TABLE heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL,
            at TEXT NOT NULL, info TEXT NOT NULL)""",
        "CREATE TABLE state (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL)",
    ),
    (  # collection (bot.store_collected): posts read from X, cursors, gaps, reads, metrics
        """CREATE TABLE collected_posts (
            post_id TEXT PRIMARY KEY, text TEXT NOT NULL, author_id TEXT, author_username TEXT,
            created_at TEXT, conversation_id TEXT, in_reply_to_user_id TEXT, lang TEXT,
            like_count INTEGER, reply_count INTEGER, retweet_count INTEGER, quote_count INTEGER,
            impression_count INTEGER, bookmark_count INTEGER,
            via_mentions INTEGER NOT NULL DEFAULT 0, via_search INTEGER NOT NULL DEFAULT 0,
            via_import INTEGER NOT NULL DEFAULT 0, has_hashtag INTEGER NOT NULL DEFAULT 0,
            mentions_account INTEGER NOT NULL DEFAULT 0, legislator_bioguide_id TEXT,
            replies_to_post_id TEXT, quotes_post_id TEXT, first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        "CREATE INDEX collected_by_created_at ON collected_posts (created_at)",
        "CREATE INDEX collected_by_legislator ON collected_posts (legislator_bioguide_id)",
        """CREATE TABLE collected_tags (
            post_id TEXT NOT NULL REFERENCES collected_posts (post_id), bioguide_id TEXT NOT NULL,
            PRIMARY KEY (post_id, bioguide_id)) WITHOUT ROWID""",
        "CREATE INDEX collected_tags_by_bioguide ON collected_tags (bioguide_id)",
        """CREATE TABLE cursors (
            source TEXT PRIMARY KEY, since_id TEXT, last_poll_at TEXT, last_success_at TEXT,
            last_error TEXT, polls INTEGER NOT NULL DEFAULT 0, since_at TEXT)""",
        """CREATE TABLE collection_gaps (
            id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, start_at TEXT NOT NULL,
            end_at TEXT NOT NULL, reason TEXT NOT NULL, missing_estimate INTEGER,
            recorded_at TEXT NOT NULL)""",
        "CREATE INDEX collection_gaps_by_time ON collection_gaps (start_at, end_at)",
        """CREATE TABLE collection_errors (
            id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, at TEXT NOT NULL,
            detail TEXT NOT NULL)""",
        """CREATE TABLE x_requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, endpoint TEXT NOT NULL,
            source TEXT NOT NULL, posts_returned INTEGER NOT NULL,
            billable_reads INTEGER NOT NULL, cost_dollars REAL NOT NULL,
            overlap INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL)""",
        "CREATE INDEX x_requests_by_at ON x_requests (at)",
        """CREATE TABLE billed_reads (
            day TEXT NOT NULL, post_id TEXT NOT NULL, PRIMARY KEY (day, post_id)) WITHOUT ROWID""",
        """CREATE TABLE post_metrics (
            x_post_id TEXT PRIMARY KEY, ledger_key TEXT NOT NULL, like_count INTEGER,
            reply_count INTEGER, retweet_count INTEGER, quote_count INTEGER,
            impression_count INTEGER, bookmark_count INTEGER, fetched_at TEXT NOT NULL)""",
    ),
)
