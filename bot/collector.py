"""Collection: mentions and the campaign search into the store, our posts' metrics, the budget.

`Collector` runs three polls, each a job the worker schedules on an interval (bot.duties):

- ``poll_mentions``: ``GET /2/users/:id/mentions``; ``poll_search``: ``GET
  /2/tweets/search/recent`` with the calendar's query. Each pages back, newest first, to the
  saved ``since_id`` (``max_results=100``). Every page is committed with the reads it billed
  before the next is asked for, one transaction a page; the cursor moves
  (`store_collected.finish_poll`) in the transaction of the poll's last page, so a failure
  at any point (a 429 mid-pagination, a timeout, a crash) leaves the old cursor and the next
  poll reads the same ground again; posts are upserted by id, so nothing is lost and nothing
  counted twice.
- **Overlap re-query.** X sometimes indexes a post late: created (and numbered) before a
  poll, visible only after it. The next poll's ``since_id`` would skip it, so each poll also
  reads, by time, ``collection.overlap_minutes`` before the previous complete poll, up to
  the cursor (``start_time`` and ``until_id``). It runs only when that window can hold a
  post the cursor skipped (the cursor post is younger than the previous poll minus the
  overlap), its reads of posts already billed that UTC day are free, it is written with the
  poll's first page (no transaction of its own), and logged with ``x_requests.overlap = 1``.
- **Gaps.** X shows only the newest 800 mentions: a poll that reads 800 or more has
  probably lost older ones; the period from the cursor back to the oldest post read is a
  ``mentions_cap`` gap, with an estimate from the rate of the posts read. Recent search
  reaches back 7 days: a cursor older than that leaves a ``search_window`` gap. A repeated
  pagination token, or new ones past `MAX_PAGES` pages, stops the poll: an error, and a
  ``pagination`` gap unless nothing is unread; polling stopped by the budget is a ``budget``
  gap. With ``collect_since`` (the campaign's start), a first poll that cannot reach back to
  it records the unreachable part too.
- ``refresh_metrics``: public metrics of the posts we sent in the last ``metrics_days``
  days, ``GET /2/tweets?ids=`` in batches of 100.

**Budget.** Billable reads are counted as X counts them (a post billed once per UTC day),
priced ``prices.mention_read`` (mentions, our posts' metrics: owned reads) or
``prices.search_read``. From ``collection.slow_at_percent`` of the monthly budget (reads or
dollars, whichever is nearer) each poll runs half as often; at 100 % polling stops and a
``read_budget`` alert is raised once a month.

Polls never raise for X's failures: they are recorded (``collection_errors``,
``cursors.last_error``, ``x_requests``) and returned in the `PollResult`; an XAuthError or an
XRejected (a request X will keep refusing) also raises an alert; an unreadable body counts as
X failing. A post that cannot be stored (`bot.x_models.page_from_json`,
`bot.classify.unstorable`) is skipped and recorded in ``collection_errors``; the rest of its
page is stored and the cursor moves to the newest stored post, so a bad post never stalls a
source. Only StoreError propagates.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import read_budget
from bot import store_collected as sc
from bot.archive_import import classifier_for
from bot.classify import Classified, Classifier, printable, unstorable
from bot.errors import XAuthError, XError, XRateLimited, XRejected, XUnavailable
from bot.legislators import Directory
from bot.settings import Budget, Collection, Polling, Prices
from bot.store import Store
from bot.x_models import (
    MAX_IDS_PER_LOOKUP,
    MENTIONS,
    POSTS_BY_ID,
    SEARCH_RECENT,
    Account,
    Page,
    XClient,
    XPost,
)

log = logging.getLogger("reachout.collector")

MENTIONS_REACH = 800
"""X's mentions timeline shows only the newest 800 mentions."""
SEARCH_REACH = timedelta(days=7)
"""Recent search reaches back 7 days."""
SEARCH_MARGIN = timedelta(minutes=2)  # start_time this far inside the 7 days (clock skew)
PAGE_SIZE = 100
MAX_PAGES = {"mentions": MENTIONS_REACH // PAGE_SIZE, "search": 100}
"""Pages one pass of a poll reads at most: X showing endless new pagination tokens stops."""
_ERROR_CHARS = 500  # of X's error text kept per error
# what a body X sent can raise while being read, besides the XUnavailable x_client makes
_DATA_ERRORS = (RecursionError, OverflowError, ValueError, TypeError, KeyError, AttributeError)
BUDGET_ALERT = "read_budget"
"""Alert kind when polling stops at the monthly read budget (key: the month, ``2027-08``)."""
SLOW_ALERT = "read_budget_slow"
"""Alert kind when polling slows near the budget (key: the month)."""
FAILED_ALERT = "collection_failed"
"""Alert kind when X refuses our credentials or a request (key: the source)."""

Alert = Callable[[str, str, str | None, datetime], None]
"""alert(kind, message, key, now): the worker passes `Poster.raise_alert` (store + webhook)."""
Fetch = Callable[..., Page]


@dataclass(frozen=True)
class PollResult:
    """What one poll did.

    Attributes:
        source: ``mentions``, ``search`` or ``metrics``.
        new_posts: posts stored for the first time (metrics: our posts first measured).
        updated_posts: posts seen before, updated in place.
        requests: requests made, overlap re-queries and the failed one included.
        overlap_requests: of those, overlap re-queries.
        billable_reads: reads X bills (after its per-UTC-day de-duplication).
        cost_dollars: their price.
        gap_recorded: a gap was stored (posts unreachable).
        skipped_reason: why the poll did not run (``budget reached: ...``, ``slowed: 85 % of
            the monthly budget``), else None.
        error: why the poll failed (the cursor did not move), else None.
    """

    source: str
    new_posts: int = 0
    updated_posts: int = 0
    requests: int = 0
    overlap_requests: int = 0
    billable_reads: int = 0
    cost_dollars: float = 0.0
    gap_recorded: bool = False
    skipped_reason: str | None = None
    error: str | None = None


class _BudgetStop(Exception):
    """The monthly budget ran out in the middle of a poll."""


@dataclass
class _Tally:
    """A poll in progress: what it read and spent so far."""

    source: str
    new: int = 0
    updated: int = 0
    requests: int = 0
    overlap_requests: int = 0
    billable: int = 0
    cost: float = 0.0
    read: int = 0
    newest: tuple[int, str, datetime | None] | None = None  # (id, id text, created_at)
    oldest_at: datetime | None = None
    newest_at: datetime | None = None
    gaps: list[sc.Gap] = field(default_factory=list)

    def result(self, error: str | None = None) -> PollResult:
        return PollResult(
            self.source, self.new, self.updated, self.requests, self.overlap_requests,
            self.billable, round(self.cost, 6), bool(self.gaps), None, error,
        )  # fmt: skip


@dataclass(frozen=True)
class _Pages:
    """What paginating one poll needs: its tally, classifier, fetch, time and month's use."""

    tally: _Tally
    classifier: Classifier
    fetch: Fetch
    now: datetime
    used: sc.Usage
    pending: list[sc.PageRead] = field(default_factory=list)


class Collector:
    """Polls X for what came back and keeps the collection tables (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        x: XClient,
        directory: Directory,
        *,
        account: Account,
        search_query: str,
        hashtag: str,
        collection: Collection,
        polling: Polling,
        prices: Prices,
        budget: Budget,
        metrics_days: int,
        alert: Alert,
        collect_since: datetime | None = None,
    ) -> None:
        """Build the collector.

        Args:
            store: the store (collection tables, ledger for our post ids).
            x: the X client (an `XClient`: live or sandbox).
            directory: the legislator directory, for recognising legislators.
            account: our account (its id for the mentions endpoint, its handle).
            search_query: the calendar's ``campaign.search_query``.
            hashtag: the calendar's ``campaign.hashtag``, e.g. ``#RecessReachOut``.
            collection: settings ``collection`` (overlap minutes, slow-down share).
            polling: settings ``polling``: the intervals, for slowing down near the budget.
            prices: settings ``prices`` (dollars per read).
            budget: settings ``budget`` (monthly reads and dollars; 0 = no limit).
            metrics_days: our posts' metrics are refreshed this many days after posting.
            alert: alert(kind, message, key, now).
            collect_since: when collection should reach back to (aware; the campaign's
                start): a first poll that cannot reach it records the gap. None: no such gap.
        """
        self._store = store
        self._x = x
        self._directory = directory
        self._account = account
        self._query = search_query
        self._hashtag = hashtag
        self._collection = collection
        self._polling = polling
        self._prices = prices
        self._budget = budget
        self._metrics_days = metrics_days
        self._alert = alert
        self._collect_since = collect_since
        self._overlap = timedelta(minutes=collection.overlap_minutes)
        self._meter = read_budget.UsageMeter(store)

    # --- the three polls ------------------------------------------------------------------------

    def cycle(self, now: datetime) -> list[PollResult]:
        """Run mentions, search and metrics once each (``reachout collect --once``)."""
        return [self.poll_mentions(now), self.poll_search(now), self.refresh_metrics(now)]

    def poll_mentions(self, now: datetime) -> PollResult:
        """Poll ``GET /2/users/:id/mentions`` once, back to the cursor (see module docstring).

        Returns:
            What the poll did; X's failures are in ``error``, never raised.

        Raises:
            StoreError: the store failed.
        """
        skipped, used = self._gate("mentions", self._polling.mentions_minutes, now)
        if skipped:
            return PollResult("mentions", skipped_reason=skipped)
        user_id = self._account.user_id

        def fetch(**params: Any) -> Page:
            return self._x.mentions(user_id, max_results=PAGE_SIZE, **params)

        request = sc.ReadRequest(MENTIONS, "mentions", self._prices.mention_read)
        return self._poll(request, fetch, now, used)

    def poll_search(self, now: datetime) -> PollResult:
        """Poll ``GET /2/tweets/search/recent`` once with the campaign query, back to the cursor.

        Returns:
            What the poll did; X's failures are in ``error``, never raised.

        Raises:
            StoreError: the store failed.
        """
        skipped, used = self._gate("search", self._polling.search_minutes, now)
        if skipped:
            return PollResult("search", skipped_reason=skipped)

        def fetch(**params: Any) -> Page:
            return self._x.search_recent(self._query, max_results=PAGE_SIZE, **params)

        request = sc.ReadRequest(SEARCH_RECENT, "search", self._prices.search_read)
        return self._poll(request, fetch, now, used)

    def refresh_metrics(self, now: datetime) -> PollResult:
        """Read the public metrics of our posts sent in the last ``metrics_days`` days.

        Endpoint: ``GET /2/tweets?ids=``, up to 100 ids a request (owned reads, priced
        ``prices.mention_read``). Ids X cannot find (deleted posts) are recorded as errors.

        Raises:
            StoreError: the store failed.
        """
        skipped, used = self._gate("metrics", self._polling.metrics_minutes, now)
        if skipped:
            return PollResult("metrics", skipped_reason=skipped)
        tally = _Tally("metrics")
        request = sc.ReadRequest(POSTS_BY_ID, "metrics", self._prices.mention_read)
        ours = sc.sent_posts(self._store, now - timedelta(days=self._metrics_days))
        for i in range(0, len(ours), MAX_IDS_PER_LOOKUP):
            batch = dict(ours[i : i + MAX_IDS_PER_LOOKUP])
            keys = {post_id: key for key, post_id in batch.items()}
            if read_budget.exhausted(self._budget, used, tally.billable, tally.cost):
                return self._stopped(tally, now)
            tally.requests += 1
            try:
                page = _read(request, self._x.posts_by_id, list(keys))
            except XError as exc:
                return self._failed(tally, request, exc, now)
            fit = [p for p in page.posts if all(0 <= n < 2**63 for n in p.public_metrics.values())]
            found = [(keys[p.post_id], p) for p in fit if p.post_id in keys]  # SQLite INTEGER
            saved = sc.save_metrics(
                self._store, found, now=now, request=request, errors=_errors(page)
            )
            self._add(tally, saved)
        sc.finish_poll(self._store, "metrics", now=now)
        return tally.result()

    # --- internals ------------------------------------------------------------------------------

    def _classifier(self) -> Classifier:
        account = self._account
        return classifier_for(
            self._store, self._directory, self._hashtag, account.username, account.user_id
        )

    def _poll(
        self, request: sc.ReadRequest, fetch: Fetch, now: datetime, used: sc.Usage
    ) -> PollResult:
        source = request.source
        cursor = sc.get_cursor(self._store, source)
        tally = _Tally(source)
        classifier = self._classifier()
        covered = cursor.last_success_at or cursor.since_at
        since_id, start_time, overlap = cursor.since_id, None, cursor.since_id is not None
        if source == "search":
            window = now - SEARCH_REACH + SEARCH_MARGIN
            if since_id is not None and cursor.since_at is not None and cursor.since_at < window:
                since_id, overlap = None, False  # X refuses a since_id older than 7 days
                start_time = max(window, (covered or window) - self._overlap)
            start = covered if cursor.since_id else self._collect_since
            if start is not None and start < window:
                tally.gaps.append(sc.Gap(source, start, window, "search_window"))
        pages = _Pages(tally, classifier, fetch, now, used)
        try:
            if overlap and cursor.since_id and cursor.last_success_at:
                since_at, edge = cursor.since_at, cursor.last_success_at - self._overlap
                if source == "search":
                    edge = max(edge, now - SEARCH_REACH + SEARCH_MARGIN)
                if since_at is None or since_at > edge:
                    again = sc.ReadRequest(request.endpoint, source, request.price, overlap=True)
                    self._paginate(pages, again, start_time=edge, until_id=cursor.since_id)
            looped = self._paginate(pages, request, since_id=since_id, start_time=start_time)
        except XError as exc:
            return self._failed(tally, request, exc, now, pages.pending)
        except _BudgetStop:
            return self._stopped(tally, now, pages.pending)
        # what the last complete poll could not see starts at its time (the campaign's start
        # before any poll)
        from_at = (cursor.last_success_at or cursor.since_at) if cursor.since_id else None
        from_at = from_at or self._collect_since
        if looped:
            end = tally.oldest_at or now
            if from_at is None and source == "search":  # a first poll: back to the window
                from_at = now - SEARCH_REACH
            if (start := min(from_at or end, end)) < end:  # nothing unread: no gap
                tally.gaps.append(sc.Gap(source, start, end, "pagination"))
        elif source == "mentions" and tally.read >= MENTIONS_REACH:
            oldest = tally.oldest_at
            if from_at is not None and oldest is not None and from_at < oldest:
                estimate = _estimate(tally, from_at)
                tally.gaps.append(sc.Gap(source, from_at, oldest, "mentions_cap", estimate))
        newest = tally.newest
        if newest is not None and cursor.since_id and newest[0] <= int(cursor.since_id):
            newest = None  # only older posts (overlap, or X ignoring since_id): keep the cursor
        saved = sc.finish_poll(
            self._store, source, now=now, since_id=newest[1] if newest else None,
            since_at=newest[2] if newest else None, gaps=tally.gaps, pages=pages.pending,
        )  # fmt: skip
        self._add(tally, saved)
        if tally.gaps:
            log.warning("collection %s: gap recorded: %s", source, tally.gaps)
        return tally.result()

    def _paginate(self, pages: _Pages, request: sc.ReadRequest, **params: Any) -> bool:
        """Read pages until X has no more; True if X repeated a token or passed `MAX_PAGES`.

        Each page of the main pass is committed (with any overlap pages read before it)
        before the next is asked for; the last one stays in ``pages.pending``, for
        `store_collected.finish_poll` to write with the cursor: one transaction a page.

        Raises:
            XError: X failed (``pages.pending`` still to be written, the cursor unmoved).
            _BudgetStop: the monthly budget ran out before the next page.
        """
        tally, now = pages.tally, pages.now
        tokens: set[str] = set()
        token: str | None = None
        source = request.source
        while True:
            if read_budget.exhausted(self._budget, pages.used, tally.billable, tally.cost):
                raise _BudgetStop
            tally.requests += 1
            tally.overlap_requests += request.overlap
            page = _read(request, pages.fetch, pagination_token=token, **params)
            posts, errors = _storable(page, pages.classifier)
            pages.pending.append(sc.PageRead(posts, request, errors))
            if not request.overlap:
                _note(tally, [c.post for c in posts])
            token = page.next_token
            if token is None:
                return False
            stop = (
                "X repeated a pagination token" if token in tokens
                else f"stopped after {len(tokens) + 1} pages: X kept sending pagination tokens"
                if len(tokens) + 1 >= MAX_PAGES.get(source, 100)
                else None
            )  # fmt: skip
            if stop is not None:
                if source == "mentions" and tally.read >= MENTIONS_REACH:
                    return False  # X's 800 are read: the mentions_cap gap says the rest
                log.warning("collection %s: %s", source, stop)
                pages.pending[-1] = sc.PageRead(posts, request, [*errors, stop])
                return True
            tokens.add(token)
            if not request.overlap:
                self._add(tally, sc.save_pages(self._store, pages.pending, now=now))
                pages.pending.clear()

    def _failed(
        self,
        tally: _Tally,
        request: sc.ReadRequest,
        exc: XError,
        now: datetime,
        pending: Sequence[sc.PageRead] = (),
    ) -> PollResult:
        """Record a poll X failed (and the pages read before): the cursor stays; alert when
        it needs a human."""
        source = tally.source
        status = (
            "rate_limited" if isinstance(exc, XRateLimited)
            else "auth" if isinstance(exc, XAuthError)
            else "rejected" if isinstance(exc, XRejected)
            else "unavailable"
        )  # fmt: skip
        failed = sc.ReadRequest(request.endpoint, source, request.price, status=status)
        error = printable(str(exc))[:_ERROR_CHARS]
        saved = sc.finish_poll(
            self._store, source, now=now, error=error, failed=failed, pages=pending
        )
        self._add(tally, saved)
        log.warning("collection %s failed: %s", source, error)
        if isinstance(exc, XAuthError | XRejected):
            message = f"collection of {source} failed: {error}" + (
                f" ({exc.hint})" if exc.hint else ""
            )
            self._alert(FAILED_ALERT, message, source, now)
        return tally.result(error)

    def _stopped(
        self, tally: _Tally, now: datetime, pending: Sequence[sc.PageRead] = ()
    ) -> PollResult:
        """End a poll the budget ran out in: like a failure, the cursor stays."""
        error = "stopped: the monthly read budget was reached during the poll"
        saved = sc.finish_poll(self._store, tally.source, now=now, error=error, pages=pending)
        self._add(tally, saved)
        month = f"{now.astimezone(UTC):%Y-%m}"
        self._alert_once(BUDGET_ALERT, month, f"collection {error}", now)
        return tally.result(error)

    def _gate(
        self, source: str, interval_minutes: int, now: datetime
    ) -> tuple[str | None, sc.Usage]:
        """Return why a poll must not run now (budget reached, or slowed), and the month's use."""
        used = self._meter.month_usage(now)
        percent = read_budget.percent_used(self._budget, used)
        month = f"{now.astimezone(UTC):%Y-%m}"
        if percent >= 100:
            reason = f"budget reached: {percent:.0f} % of the monthly budget"
            self._alert_once(BUDGET_ALERT, month, f"collection stopped: {reason}", now)
            if source != "metrics":
                since = sc.get_cursor(self._store, source).last_success_at or now
                sc.extend_gap(self._store, sc.Gap(source, since, now, "budget"), now=now)
            return reason, used
        if percent >= self._collection.slow_at_percent > 0:
            reason = f"slowed: {percent:.0f} % of the monthly budget"
            self._alert_once(SLOW_ALERT, month, f"collection {reason}", now)
            last = sc.get_cursor(self._store, source).last_poll_at
            if last is not None and now - last < timedelta(minutes=1.5 * interval_minutes):
                return reason, used
        return None, used

    def _alert_once(self, kind: str, month: str, message: str, now: datetime) -> None:
        name = f"collection.{kind}"
        if self._store.get_state(name) != month:
            self._store.set_state(name, month, now)
            self._alert(kind, message, month, now)

    @staticmethod
    def _add(tally: _Tally, saved: sc.Saved) -> None:
        tally.new += saved.new
        tally.updated += saved.updated
        tally.billable += saved.billable_reads
        tally.cost += saved.cost_dollars


def _read(request: sc.ReadRequest, fetch: Callable[..., Page], *args: Any, **kw: Any) -> Page:
    """Fetch a page; a body nothing can read (JSON nested too deeply...) is XUnavailable."""
    try:
        return fetch(*args, **kw)
    except _DATA_ERRORS as exc:
        message = f"X answered {request.endpoint} with a body reachout cannot read"
        why = type(exc).__name__
        raise XUnavailable(f"{message} ({why})", may_have_reached_x=True) from exc


def _storable(page: Page, classifier: Classifier) -> tuple[list[Classified], list[str]]:
    """The page's posts that can be stored, classified; X's errors and why others cannot."""
    posts: list[Classified] = []
    errors = _errors(page)
    for post in page.posts:
        if (why := unstorable(post)) is None:
            posts.append(classifier.classify(post))
        else:
            errors.append(printable(f"Unreadable post: {why}")[:_ERROR_CHARS])
    return posts, errors


def _note(tally: _Tally, posts: Sequence[XPost]) -> None:
    """Remember the newest post (the next cursor) and the time span the main pass read."""
    for post in posts:
        tally.read += 1
        number = int(post.post_id)
        if tally.newest is None or number > tally.newest[0]:
            tally.newest = (number, post.post_id, post.created_at)
        if post.created_at is not None:
            if tally.oldest_at is None or post.created_at < tally.oldest_at:
                tally.oldest_at = post.created_at
            if tally.newest_at is None or post.created_at > tally.newest_at:
                tally.newest_at = post.created_at


def _estimate(tally: _Tally, from_at: datetime) -> int | None:
    """Posts probably missed between ``from_at`` and the oldest read, at the rate read."""
    if tally.oldest_at is None or tally.newest_at is None or tally.newest_at <= tally.oldest_at:
        return None
    rate = (tally.read - 1) / (tally.newest_at - tally.oldest_at).total_seconds()
    return math.floor(rate * (tally.oldest_at - from_at).total_seconds())


def _errors(page: Page) -> list[str]:
    """X's partial errors of a 200, one printable text each (title, detail, the id)."""
    return [printable(_error_text(error))[:_ERROR_CHARS] for error in page.errors]


def _error_text(error: Mapping[str, Any]) -> str:
    parts = [str(error.get(k)) for k in ("title", "detail") if error.get(k)]
    value = error.get("resource_id") or error.get("value")
    text = ": ".join(parts) or str(dict(error))
    return f"{text} (id {value})" if value and str(value) not in text else text
