"""The collection tables' SQL (bot.store_collected) on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import store_collected as sc
from bot.classify import Classified
from bot.errors import StoreError
from bot.store import Store
from bot.x_models import XPost

T0 = datetime(2027, 8, 2, 13, 0, tzinfo=UTC)
MENTIONS = sc.ReadRequest("GET /2/users/:id/mentions", "mentions", 0.001)
SEARCH = sc.ReadRequest("GET /2/tweets/search/recent", "search", 0.005)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store file."""
    with Store.open(tmp_path / "reachout.db") as opened:
        yield opened


def post(post_id: str, likes: int | None = None, **flags: object) -> Classified:
    """A classified post; ``likes`` None: X sent no metrics."""
    metrics = {} if likes is None else {"like_count": likes}
    x = XPost(post_id, f"post {post_id}", author_id="9", created_at=T0, public_metrics=metrics)
    return Classified(x, **flags)  # type: ignore[arg-type]


def test_upsert_keeps_one_row_combines_sources_and_updates_metrics(store: Store) -> None:
    """The same post via mentions then search: one row, both flags, newest metrics."""
    first = sc.save_posts(store, [post("1", 3)], via="mentions", now=T0, request=MENTIONS)
    again = sc.save_posts(
        store, [post("1", 8, has_hashtag=True)], via="search", now=T0, request=SEARCH
    )
    row = sc.get_post(store, "1")
    assert row is not None
    assert [(1, 0), (0, 1)] == [(first.new, first.updated), (again.new, again.updated)]
    assert (True, True, True, 8) == (row.via_mentions, row.via_search, row.has_hashtag,
                                     row.like_count)  # fmt: skip


def test_a_read_without_metrics_keeps_the_last_ones(store: Store) -> None:
    """An import without public_metrics does not erase what a poll stored."""
    sc.save_posts(store, [post("1", 5)], via="mentions", now=T0, request=MENTIONS)
    sc.import_posts(store, [[post("1", None)]], now=T0)
    row = sc.get_post(store, "1")
    assert row is not None
    assert (5, True, True) == (row.like_count, row.via_mentions, row.via_import)


@pytest.mark.parametrize(
    ("second_read_at", "billed"),
    [(T0 + timedelta(hours=10), 0), (datetime(2027, 8, 3, 0, 0, tzinfo=UTC), 1)],
    ids=["same UTC day", "next UTC day"],
)
def test_a_post_is_billed_once_per_utc_day(
    store: Store, second_read_at: datetime, billed: int
) -> None:
    """billed_reads de-duplicates per UTC day, across endpoints, as X bills."""
    sc.save_posts(store, [post("1")], via="mentions", now=T0, request=MENTIONS)
    saved = sc.save_posts(store, [post("1")], via="search", now=second_read_at, request=SEARCH)
    assert (billed, billed * 0.005) == (saved.billable_reads, saved.cost_dollars)


def test_billed_reads_of_earlier_days_are_forgotten(store: Store) -> None:
    """X's de-duplication lasts the UTC day: yesterday's rows go once today's reads are billed."""
    sc.save_posts(store, [post("1"), post("2")], via="mentions", now=T0, request=MENTIONS)
    tomorrow = datetime(2027, 8, 3, 0, 5, tzinfo=UTC)
    sc.save_posts(store, [post("3")], via="mentions", now=tomorrow, request=MENTIONS)
    rows = store.query("t", "SELECT day, post_id FROM billed_reads")
    assert [("2027-08-03", "3")] == [tuple(r) for r in rows]


def test_the_cursor_moves_only_on_success(store: Store) -> None:
    """A failed poll keeps since_id and records the error; a success clears it."""
    sc.finish_poll(store, "mentions", now=T0, since_id="10", since_at=T0)
    sc.finish_poll(store, "mentions", now=T0 + timedelta(minutes=30), error="429", failed=MENTIONS)
    failed = sc.get_cursor(store, "mentions")
    sc.finish_poll(store, "mentions", now=T0 + timedelta(hours=1))
    done = sc.get_cursor(store, "mentions")
    assert ("10", "429", T0, 2) == (failed.since_id, failed.last_error, failed.last_success_at,
                                    failed.polls)  # fmt: skip
    assert ("10", None, T0 + timedelta(hours=1), 3) == (
        done.since_id, done.last_error, done.last_success_at, done.polls
    )  # fmt: skip


def test_a_store_failure_writes_nothing_of_the_page(store: Store) -> None:
    """A page either lands with its billing and request row, or not at all."""
    store.query("t", "SELECT 1")
    with store.transaction("t") as conn:
        conn.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON x_requests BEGIN SELECT RAISE(ABORT, 'x'); END"
        )
    with pytest.raises(StoreError):
        sc.save_posts(store, [post("1")], via="mentions", now=T0, request=MENTIONS)
    counts = [store.query("t", f"SELECT count(*) FROM {t}")[0][0]
              for t in ("collected_posts", "billed_reads", "x_requests")]  # fmt: skip
    assert [0, 0, 0] == counts


def test_a_budget_gap_grows_while_polling_stays_stopped(store: Store) -> None:
    """extend_gap stretches the open gap instead of adding one row per skipped poll."""
    for hours in (1, 2, 3):
        gap = sc.Gap("search", T0, T0 + timedelta(hours=hours), "budget")
        sc.extend_gap(store, gap, now=gap.end_at)
    later = sc.Gap("search", T0 + timedelta(days=2), T0 + timedelta(days=3), "budget")
    sc.extend_gap(store, later, now=later.end_at)
    assert [(T0, T0 + timedelta(hours=3)), (later.start_at, later.end_at)] == [
        (g.start_at, g.end_at) for g in sc.gaps(store)
    ]


def test_usage_adds_up_reads_and_dollars_per_source(store: Store) -> None:
    """Reads and dollars of a period, per source and in all."""
    sc.save_posts(store, [post("1"), post("2")], via="mentions", now=T0, request=MENTIONS)
    sc.save_posts(store, [post("3")], via="search", now=T0, request=SEARCH)
    end = T0 + timedelta(days=1)
    assert [sc.Usage(3, 0.007, 2), sc.Usage(2, 0.002, 1)] == [
        sc.usage(store, T0, end),
        sc.usage(store, T0, end, "mentions"),
    ]


def test_an_unknown_gap_reason_is_refused(store: Store) -> None:
    """The report reads reasons from a fixed list (bot.store_schema)."""
    with pytest.raises(ValueError, match="gap reason"):
        sc.finish_poll(store, "search", now=T0, gaps=[sc.Gap("search", T0, T0, "weather")])


def test_an_import_never_makes_a_collected_post_older(store: Store) -> None:
    """An older archive of a polled post: text, tags and classification stay; each metric
    keeps the larger count; a metric only the archive has is filled in."""
    newer = XPost("1", "fresh @SenRickScott", created_at=T0,
                  public_metrics={"like_count": 100, "retweet_count": 50})  # fmt: skip
    metrics = {"like_count": 5, "retweet_count": 0, "reply_count": 7}
    older = XPost("1", "old", author_id="9", created_at=T0, public_metrics=metrics)
    polled = Classified(newer, has_hashtag=True, tagged_bioguide_ids=("S001217",))
    sc.save_posts(store, [polled], via="mentions", now=T0, request=MENTIONS)
    saved = sc.import_posts(store, [[Classified(older, tagged_bioguide_ids=("C001075",))]],
                            now=T0 + timedelta(days=1))  # fmt: skip
    row = sc.get_post(store, "1")
    assert row is not None
    assert (0, 1) == (saved.new, saved.updated)
    assert ("fresh @SenRickScott", ("S001217",), True, "9", True) == (
        row.text, row.tagged_bioguide_ids, row.has_hashtag, row.author_id, row.via_import
    )  # fmt: skip
    assert (100, 50, 7) == (row.like_count, row.retweet_count, row.reply_count)
