"""Fakes shipped with reachout: `SandboxX`, an in-process X for tests, the sandbox and simulation.

`SandboxX` implements the `XClient` protocol (bot.x_models) without network, threads or clock
reads: ``created_at`` comes from the ``clock`` it is given (default: the fixed
:data:`SANDBOX_EPOCH`), post ids are big increasing numbers written as strings, like X's. It
behaves as X does where reachout depends on it:

- ``POST /2/tweets`` records the post; a text the account already posted (after NFC) is
  refused with X's real 403 duplicate-content message; a text over 280 weighted characters
  is refused with a 400 (sandbox wording);
- reads are newest first, honour ``since_id``, ``until_id``, ``start_time`` and
  ``max_results`` (X's ranges, ValueError outside them) and paginate with an opaque
  ``next_token``; recent search reaches back 7 days and matches plain words (AND) and
  ``-is:retweet``; mentions keep the newest 800; a post fed with ``visible_at`` is indexed
  late (invisible to reads until then, as X's index sometimes lags);
- each endpoint counts its calls in 15-minute windows with X's per-user limits (``POST
  /2/tweets`` 100) and answers 429 beyond them, which `rate_limits` reports.

**Scripted faults** make the failures reachout must survive reproducible: ``script("auth")``
makes the next ``create_post`` raise XAuthError; ``script(Fault("server_error", OWN_POSTS))``
does the same to the next own-posts read. See :data:`FAULT_KINDS`.
"""

from __future__ import annotations

import dataclasses
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from bot.errors import XAuthError, XError, XRateLimited, XRejected, XUnavailable
from bot.sandbox_reads import authors, matches, newest_first, page
from bot.twitter_text import (
    MAX_WEIGHTED_LENGTH,
    extract_hashtags,
    extract_mentions,
    weighted_length,
)
from bot.x_models import (
    CREATE_POST,
    MAX_IDS_PER_LOOKUP,
    ME,
    MENTIONS,
    OWN_POSTS,
    POSTS_BY_ID,
    SEARCH_RECENT,
    Account,
    Page,
    PostResult,
    RateLimit,
    XPost,
)

SANDBOX_EPOCH = datetime(2027, 8, 1, tzinfo=UTC)
"""The sandbox's default clock reading (aware UTC): fixed, so runs are reproducible."""
FIRST_POST_ID = 1_820_000_000_000_000_000
"""The first id the sandbox hands out; ids then increase by one (X's ids are also increasing)."""
SANDBOX_ACCOUNT = Account("1690000000000000001", "RecessReachOut", "Recess Reach Out")
"""The account ``me()`` returns unless another is given."""
DUPLICATE_MESSAGE = "You are not allowed to create a Tweet with duplicate content."
"""X's own 403 wording for duplicate content (DESIGN.md; reference/x-api-and-tweepy.md §3)."""
MENTION_MESSAGE = "sandbox: X refused the post's @mentions (no unsolicited automated mentions)."
INVALID_MESSAGE = "One or more parameters to your request was invalid."
TOO_LONG_MESSAGE = f"sandbox: the text is over {MAX_WEIGHTED_LENGTH} weighted characters."

FAULT_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "rate_limited": "429: XRateLimited, reset_at = clock + reset_after_seconds",
        "unavailable_before": "no connection: XUnavailable(may_have_reached_x=False), nothing done",
        "unavailable_after": "X acted (a post IS stored), then the answer was lost: "
        "XUnavailable(may_have_reached_x=True)",
        "server_error": "5xx: XUnavailable(may_have_reached_x=True), nothing stored",
        "auth": "401: XAuthError",
        "mention_refused": "403: XRejected(mention_refused=True) (create_post only)",
        "rejected": "400: XRejected with X's invalid-request message",
    }
)
ENDPOINT_LIMITS: Mapping[str, int] = MappingProxyType(  # per user per 15 minutes (X's table)
    {CREATE_POST: 100, ME: 75, MENTIONS: 300, SEARCH_RECENT: 300, OWN_POSTS: 900, POSTS_BY_ID: 5000}
)
WINDOW = timedelta(minutes=15)
SEARCH_REACH = timedelta(days=7)
MENTIONS_REACH = 800
_METRICS = ("retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count")
_ZERO_METRICS = MappingProxyType(dict.fromkeys((*_METRICS, "impression_count"), 0))


@dataclass(frozen=True)
class Fault:
    """One scripted failure: the next call to ``endpoint`` fails as ``kind``.

    Attributes:
        kind: one of :data:`FAULT_KINDS`.
        endpoint: which endpoint it hits, e.g. ``"POST /2/tweets"`` (`bot.x_models` names).
        reset_after_seconds: for ``rate_limited``: the reset is this long after the clock.
    """

    kind: str
    endpoint: str = CREATE_POST
    reset_after_seconds: float = WINDOW.total_seconds()

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; choose from {', '.join(FAULT_KINDS)}")
        if self.endpoint not in ENDPOINT_LIMITS:
            raise ValueError(f"unknown endpoint {self.endpoint!r}")
        if self.kind == "mention_refused" and self.endpoint != CREATE_POST:
            raise ValueError("mention_refused applies to create_post only")


class SandboxX:
    """An in-process, deterministic X: the `XClient` protocol over lists in memory.

    Safe to share between threads (one lock). Not persistent: a new SandboxX is empty.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        account: Account = SANDBOX_ACCOUNT,
        first_post_id: int = FIRST_POST_ID,
    ) -> None:
        """Create an empty sandbox.

        Args:
            clock: returns the current time (aware); the sandbox never reads the real clock.
                None: always :data:`SANDBOX_EPOCH`.
            account: what ``me()`` returns and the author of every created post.
            first_post_id: the first post id handed out (then +1 each).
        """
        self._clock = clock or (lambda: SANDBOX_EPOCH)
        self._account = account
        self._next_id = first_post_id
        self._lock = threading.RLock()
        self._own: list[XPost] = []
        self._mentions: list[XPost] = []
        self._search: list[XPost] = []
        self._visible_at: dict[str, datetime] = {}
        self._matched: dict[tuple[str, str], bool] = {}  # (query, post id) → search hit
        self._faults: list[Fault] = []
        self._windows: dict[str, tuple[datetime, int]] = {}
        self._calls: list[str] = []
        self._fault_source: Callable[[str], Fault | None] | None = None

    # --- test and simulation controls ---------------------------------------------------------

    def script(self, *faults: str | Fault) -> None:
        """Queue faults; each is used up by the next call to its endpoint (default create_post).

        Args:
            faults: :class:`Fault` objects, or kind names meaning ``Fault(kind)``.

        Raises:
            ValueError: an unknown kind or endpoint.
        """
        parsed = [f if isinstance(f, Fault) else Fault(f) for f in faults]
        with self._lock:
            self._faults.extend(parsed)

    def fed_posts(self) -> tuple[XPost, ...]:
        """Return every post fed to the mentions and search timelines, once each, oldest first."""
        with self._lock:
            unique = {post.post_id: post for post in (*self._mentions, *self._search)}
        return tuple(sorted(unique.values(), key=lambda post: int(post.post_id)))

    @property
    def pending_faults(self) -> tuple[Fault, ...]:
        """Return the scripted faults not yet used, in order."""
        with self._lock:
            return tuple(self._faults)

    def inject_faults(self, source: Callable[[str], Fault | None] | None) -> None:
        """Fail calls at a rate: ask ``source(endpoint)`` on each call no scripted fault hits.

        Args:
            source: returns the Fault for this call (for ``endpoint``), or None; it is asked
                after the call is counted against its window. None: stop asking. The
                sandbox traffic's fault source is `bot.sandbox.Traffic.fault_for`.
        """
        with self._lock:
            self._fault_source = source

    def new_id(self) -> str:
        """Return the next post id (for posts fed with ``feed_*``, so ids stay in time order)."""
        with self._lock:
            self._next_id += 1
            return str(self._next_id - 1)

    def feed_mentions(self, *posts: XPost, visible_at: datetime | None = None) -> None:
        """Add posts that mention the account (read back by ``mentions``).

        A post without ``created_at`` gets the clock's time. ``visible_at`` (aware): the posts
        are indexed late, as X sometimes does: reads before that time do not show them,
        although their ``created_at`` and ids are older.
        """
        with self._lock:
            self._mentions.extend(self._dated(p, visible_at) for p in posts)

    def feed_search(self, *posts: XPost, visible_at: datetime | None = None) -> None:
        """Add posts that recent search can find (read back by ``search_recent``).

        ``visible_at``: as for `feed_mentions`.
        """
        with self._lock:
            self._search.extend(self._dated(p, visible_at) for p in posts)

    def set_metrics(self, post_id: str, **counts: int) -> None:
        """Set public metrics of a created or fed post, e.g. ``like_count=3``.

        Raises:
            KeyError: no such post.
        """
        with self._lock:
            for posts in (self._own, self._mentions, self._search):
                for i, post in enumerate(posts):
                    if post.post_id == post_id:
                        metrics = {**post.public_metrics, **counts}
                        posts[i] = dataclasses.replace(post, public_metrics=metrics)
                        return
        raise KeyError(post_id)

    @property
    def posts(self) -> tuple[XPost, ...]:
        """Return the account's posts created so far, oldest first."""
        with self._lock:
            return tuple(self._own)

    @property
    def calls(self) -> tuple[str, ...]:
        """Return every call made, as endpoint names (``"POST /2/tweets"``), faulted ones too."""
        with self._lock:
            return tuple(self._calls)

    # --- the XClient protocol -----------------------------------------------------------------

    @property
    def rate_limits(self) -> Mapping[str, RateLimit]:
        """Return the synthesized 15-minute limits of every endpoint called so far."""
        with self._lock:
            return MappingProxyType(
                {
                    name: RateLimit(
                        name,
                        ENDPOINT_LIMITS[name],
                        max(ENDPOINT_LIMITS[name] - used, 0),
                        start + WINDOW,
                    )
                    for name, (start, used) in self._windows.items()
                }
            )

    def create_post(self, text: str) -> PostResult:
        """Create a post as the account (``POST /2/tweets``).

        Raises:
            XRejected: duplicate text (403, ``duplicate=True``), over 280 weighted (400), or
                a scripted refusal.
            XRateLimited, XAuthError, XUnavailable: scripted, or over 100 posts a window.
        """
        with self._lock:
            fault = self._enter(CREATE_POST)
            normal = unicodedata.normalize("NFC", text)
            if fault and fault.kind != "unavailable_after":
                raise self._error(fault)
            if weighted_length(normal) > MAX_WEIGHTED_LENGTH or not normal.strip():
                raise XRejected(400, [TOO_LONG_MESSAGE if normal.strip() else INVALID_MESSAGE])
            if any(unicodedata.normalize("NFC", p.text) == normal for p in self._own):
                hint = "every post must be unique"
                raise XRejected(403, [DUPLICATE_MESSAGE], duplicate=True, hint=hint)
            post_id = self.new_id()
            post = XPost(
                post_id=post_id,
                text=normal,
                author_id=self._account.user_id,
                author_username=self._account.username,
                created_at=self._now(),
                conversation_id=post_id,
                mentions=tuple((name, None) for name in extract_mentions(normal)),
                hashtags=tuple(extract_hashtags(normal)),
                public_metrics=dict(_ZERO_METRICS),
                lang="en",
            )
            self._own.append(post)
            if fault:  # unavailable_after: X acted, the answer never came back
                raise self._error(fault)
            return PostResult(post.post_id, post.text)

    def me(self) -> Account:
        """Return the account (``GET /2/users/me``); faults as scripted."""
        with self._lock:
            self._check(self._enter(ME))
            return self._account

    def mentions(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        pagination_token: str | None = None,
        max_results: int = 100,
        start_time: datetime | None = None,
        until_id: str | None = None,
    ) -> Page:
        """Return fed mentions, newest first, only the newest 800 (``GET /2/users/:id/mentions``).

        Raises:
            ValueError: max_results outside 5-100.
            XRejected: a malformed pagination_token (400).
        """
        _check_range("max_results", max_results, 5, 100)
        with self._lock:
            self._check(self._enter(MENTIONS))
            if user_id != self._account.user_id:
                return Page()
            reachable = newest_first(self._visible(self._mentions))[:MENTIONS_REACH]
            return page(reachable, since_id, start_time, pagination_token, max_results, until_id)

    def search_recent(
        self,
        query: str,
        *,
        since_id: str | None = None,
        pagination_token: str | None = None,
        max_results: int = 100,
        start_time: datetime | None = None,
        until_id: str | None = None,
    ) -> Page:
        """Return fed posts of the last 7 days matching ``query`` (``GET /2/tweets/search/recent``).

        The query is matched as X's AND of words (case-insensitive), ``-word`` excluded, and
        ``-is:retweet``; other operators and ``OR`` are not modelled (ignored). As on X,
        ``start_time`` is ignored when ``since_id`` is given.

        Raises:
            ValueError: max_results outside 10-100.
            XRejected: a malformed pagination_token (400).
        """
        _check_range("max_results", max_results, 10, 100)
        with self._lock:
            self._check(self._enter(SEARCH_RECENT))
            oldest = self._now() - SEARCH_REACH
            since = int(since_id) if since_id else 0
            found = newest_first(
                [
                    p
                    for p in self._visible(self._search)
                    if int(p.post_id) > since
                    and (p.created_at is None or p.created_at >= oldest)
                    and self._match(query, p)
                ]
            )
            start = None if since_id else start_time
            return page(found, since_id, start, pagination_token, max_results, until_id)

    def own_posts(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        start_time: datetime | None = None,
        max_results: int = 100,
        pagination_token: str | None = None,
    ) -> Page:
        """Return the account's created posts, newest first (``GET /2/users/:id/tweets``).

        ``next_token`` is set when more posts match than ``max_results``; pass it back as
        ``pagination_token`` for the next page.

        Raises:
            ValueError: max_results outside 5-100.
        """
        _check_range("max_results", max_results, 5, 100)
        with self._lock:
            self._check(self._enter(OWN_POSTS))
            if user_id != self._account.user_id:
                return Page()
            return page(
                newest_first(self._own), since_id, start_time, pagination_token, max_results
            )

    def posts_by_id(self, ids: Sequence[str]) -> Page:
        """Return created or fed posts by id, in the order asked (``GET /2/tweets?ids=``).

        Ids not found come back in ``errors`` as X words them; no ids, no call.

        Raises:
            ValueError: more than 100 ids.
        """
        if not ids:
            return Page()
        if len(ids) > MAX_IDS_PER_LOOKUP:
            raise ValueError(f"at most {MAX_IDS_PER_LOOKUP} ids per lookup, not {len(ids)}")
        with self._lock:
            self._check(self._enter(POSTS_BY_ID))
            known = {p.post_id: p for p in (*self._mentions, *self._search, *self._own)}
            posts = tuple(known[i] for i in ids if i in known)
            errors = tuple(_not_found(i) for i in ids if i not in known)
            return Page(posts, authors(posts), result_count=len(posts), errors=errors)

    # --- internals ----------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"the sandbox clock returned a naive datetime {now!r}")
        return now.astimezone(UTC)

    def _dated(self, post: XPost, visible_at: datetime | None = None) -> XPost:
        if visible_at is not None:
            self._visible_at[post.post_id] = visible_at
        return post if post.created_at else dataclasses.replace(post, created_at=self._now())

    def _match(self, query: str, post: XPost) -> bool:
        """`_matches`, remembered per query and post (a post's text never changes)."""
        key = (query, post.post_id)
        hit = self._matched.get(key)
        if hit is None:
            hit = self._matched[key] = matches(query, post)
        return hit

    def _visible(self, posts: list[XPost]) -> list[XPost]:
        """The posts X has indexed by now (see ``visible_at`` of `feed_mentions`)."""
        if not self._visible_at:
            return posts
        now = self._now()
        return [p for p in posts if self._visible_at.get(p.post_id, now) <= now]

    def _enter(self, endpoint: str) -> Fault | None:
        """Log the call, count it against the endpoint's window, pop its next scripted fault."""
        self._calls.append(endpoint)
        now = self._now()
        start, used = self._windows.get(endpoint, (now, 0))
        if now >= start + WINDOW:
            start, used = now, 0
        self._windows[endpoint] = (start, used + 1)
        if used + 1 > ENDPOINT_LIMITS[endpoint]:
            reset = (start + WINDOW).strftime("%H:%M:%S")
            message = f"X rate limit reached for {endpoint} (resets {reset} UTC)"
            raise XRateLimited(message, start + WINDOW, hint="wait for the reset")
        for i, fault in enumerate(self._faults):
            if fault.endpoint == endpoint:
                return self._faults.pop(i)
        return self._fault_source(endpoint) if self._fault_source else None

    def _check(self, fault: Fault | None) -> None:
        if fault is not None:
            raise self._error(fault)

    def _error(self, fault: Fault) -> XError:
        """The error X's real answer maps to (messages as bot.x_client words them)."""
        where, kind = fault.endpoint, fault.kind
        check = "X may have acted on it: look for the post on the account before sending again"
        if kind == "rate_limited":
            reset_at = self._now() + timedelta(seconds=fault.reset_after_seconds)
            message = f"X rate limit reached for {where} (resets {reset_at:%Y-%m-%d %H:%M} UTC)"
            return XRateLimited(message, reset_at, hint="wait for the reset before calling again")
        if kind == "unavailable_before":
            message = f"could not connect to X for {where} (ConnectTimeout); nothing was sent"
            return XUnavailable(message, may_have_reached_x=False, hint="check the network")
        if kind == "unavailable_after":
            message = f"X: no answer in time after sending {where} (ReadTimeout)"
            return XUnavailable(message, may_have_reached_x=True, hint=check)
        if kind == "server_error":
            message = f"X failed on {where}: 503 Service Unavailable"
            return XUnavailable(message, may_have_reached_x=True, hint=check)
        if kind == "auth":
            message = f"X refused reachout's credentials for {where} (401): Unauthorized"
            return XAuthError(message, hint="check the X_* credentials, app permissions")
        if kind == "mention_refused":
            hint = "X refused an @mention, reply or quote: stop tagged posting"
            return XRejected(403, [MENTION_MESSAGE], mention_refused=True, hint=hint)
        return XRejected(400, [INVALID_MESSAGE])


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be {low} to {high}, not {value}")


def _not_found(post_id: str) -> Mapping[str, str]:
    return {
        "value": post_id,
        "detail": f"Could not find tweet with ids: [{post_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "ids",
        "resource_id": post_id,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }
