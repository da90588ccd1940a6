"""What reachout knows of X: data types, the `XClient` protocol, parsing X's answers.

The types are plain frozen dataclasses; the parsers turn X API v2 JSON bodies and rate-limit
headers into them (pure functions, no I/O).

Everything outside `bot.x_client` works with these only, never with tweepy objects, so the
fakes in `bot.testing` and the sandbox need neither tweepy nor requests. `bot.x_client`
re-exports the types. Ids are strings, as X sends them; datetimes are aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

# Endpoint names: the keys of `XClient.rate_limits` (method and route template).
CREATE_POST = "POST /2/tweets"
ME = "GET /2/users/me"
MENTIONS = "GET /2/users/:id/mentions"
SEARCH_RECENT = "GET /2/tweets/search/recent"
OWN_POSTS = "GET /2/users/:id/tweets"
POSTS_BY_ID = "GET /2/tweets"
MAX_IDS_PER_LOOKUP = 100
_LIMIT_HEADERS = ("x-rate-limit-", "x-user-limit-24hour-", "x-app-limit-24hour-")


@dataclass(frozen=True)
class Account:
    """An X account: numeric id, @handle without the "@", display name."""

    user_id: str
    username: str
    name: str


@dataclass(frozen=True)
class PostResult:
    """A post X accepted: its id and its text as X stored it."""

    post_id: str
    text: str


@dataclass(frozen=True)
class XPost:
    """A post as read from X; fields X did not send are None or empty.

    Attributes:
        post_id: the post's id.
        text: the post's text.
        author_id: the author's user id.
        author_username: the author's @handle, from the page's ``includes.users``.
        created_at: when it was posted (aware UTC).
        conversation_id: id of the post that started the conversation.
        in_reply_to_user_id: user id of the author of the post it replies to.
        referenced: (type, post id) pairs; type is replied_to, quoted or retweeted.
        mentions: (username, user id or None) from ``entities.mentions``, in text order.
        hashtags: tags without "#", from ``entities.hashtags``, in text order.
        public_metrics: like_count, reply_count, retweet_count, quote_count,
            bookmark_count, impression_count, as X sends them.
        lang: X's language guess (BCP 47), e.g. "en".
    """

    post_id: str
    text: str
    author_id: str | None = None
    author_username: str | None = None
    created_at: datetime | None = None
    conversation_id: str | None = None
    in_reply_to_user_id: str | None = None
    referenced: tuple[tuple[str, str], ...] = ()
    mentions: tuple[tuple[str, str | None], ...] = ()
    hashtags: tuple[str, ...] = ()
    public_metrics: Mapping[str, int] = field(default_factory=dict, hash=False)
    lang: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of posts, newest first.

    Attributes:
        posts: the page's posts.
        users: user id → account, from ``includes.users`` (the posts' authors).
        newest_id: ``meta.newest_id``: the next poll's ``since_id`` (from the first page).
        oldest_id: ``meta.oldest_id``.
        next_token: ``meta.next_token``: pass it as ``pagination_token`` for the next page;
            None on the last page.
        result_count: ``meta.result_count``, else the number of posts.
        errors: partial errors X sent with the 200 (e.g. an id not found), as X sent them.
    """

    posts: tuple[XPost, ...] = ()
    users: Mapping[str, Account] = field(default_factory=dict, hash=False)
    newest_id: str | None = None
    oldest_id: str | None = None
    next_token: str | None = None
    result_count: int = 0
    errors: tuple[Mapping[str, Any], ...] = field(default=(), hash=False)


@dataclass(frozen=True)
class RateLimit:
    """The limits X reported on its last response for one endpoint; None: not reported.

    Attributes:
        endpoint: method and route template, e.g. ``POST /2/tweets`` (the names above).
        limit: requests allowed in the 15-minute window (``x-rate-limit-limit``).
        remaining: requests left in it (``x-rate-limit-remaining``).
        reset_at: when it resets, aware UTC (``x-rate-limit-reset``).
        user_24h_limit: the per-user 24-hour window (``x-user-limit-24hour-limit``)...
        user_24h_remaining: ... requests left in it ...
        user_24h_reset_at: ... and when it resets (aware UTC).
        app_24h_limit: the per-app 24-hour window (``x-app-limit-24hour-limit``)...
        app_24h_remaining: ... requests left in it ...
        app_24h_reset_at: ... and when it resets (aware UTC).
    """

    endpoint: str
    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None
    user_24h_limit: int | None = None
    user_24h_remaining: int | None = None
    user_24h_reset_at: datetime | None = None
    app_24h_limit: int | None = None
    app_24h_remaining: int | None = None
    app_24h_reset_at: datetime | None = None


class XClient(Protocol):
    """What reachout needs from X (the live adapter is `bot.x_client.TweepyXClient`).

    Every method raises only ValueError (bad arguments) and these:
        XRejected: a 4xx; ``duplicate=True`` for duplicate content, ``mention_refused=True``
            for a refused @mention, reply or quote; ``messages`` are X's own.
        XAuthError: 401, or a 403 about credentials, app permissions or access level.
        XRateLimited: 429; ``reset_at`` when X said (a later 24-hour reset if that window
            is exhausted), else None. Nothing sleeps.
        XUnavailable: 5xx, timeout or lost connection. ``may_have_reached_x`` is False only
            when no connection was made; a post with it set must be looked for with
            `own_posts` before any retry. Reads may be retried whatever it says.
    """

    @property
    def rate_limits(self) -> Mapping[str, RateLimit]:
        """Return the last limits seen per endpoint, keyed like ``POST /2/tweets``."""
        ...

    def create_post(self, text: str) -> PostResult:
        """Post ``text`` as the account.

        Endpoint: ``POST /2/tweets``. Never retried here: see XUnavailable above.

        Args:
            text: the post, already checked for weighted length and tagging policy.

        Returns:
            The new post's id and text.
        """
        ...

    def me(self) -> Account:
        """Return the authenticated account. Endpoint: ``GET /2/users/me``."""
        ...

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
        """Return posts mentioning the account, newest first; only the newest 800 exist.

        Endpoint: ``GET /2/users/:id/mentions``.

        Args:
            user_id: the account's numeric id.
            since_id: only posts newer than this id.
            pagination_token: the previous page's ``next_token``.
            max_results: 5 to 100 per page.
            start_time: aware datetime; only posts from then on (sent as UTC).
            until_id: only posts older than this id (the overlap re-query).
        """
        ...

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
        """Return posts of the last 7 days matching ``query``, newest first.

        Endpoint: ``GET /2/tweets/search/recent``.

        Args:
            query: X search syntax, at most 512 characters, e.g. ``#RecessReachOut -is:retweet``.
            since_id: only posts newer than this id (X then ignores ``start_time``).
            pagination_token: the previous page's ``next_token``.
            max_results: 10 to 100 per page.
            start_time: aware datetime, at most 7 days back (sent as UTC).
            until_id: only posts older than this id (the overlap re-query).
        """
        ...

    def own_posts(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        start_time: datetime | None = None,
        max_results: int = 100,
        pagination_token: str | None = None,
        end_time: datetime | None = None,
    ) -> Page:
        """Return the account's own posts, newest first: did a post go out?

        Endpoint: ``GET /2/users/:id/tweets``.

        Args:
            user_id: the account's numeric id.
            since_id: only posts newer than this id.
            start_time: aware datetime; only posts from then on (sent as UTC).
            max_results: 5 to 100.
            pagination_token: the previous page's ``next_token`` (older posts).
            end_time: aware datetime; only posts up to then (sent as UTC; not in the future).
        """
        ...

    def posts_by_id(self, ids: Sequence[str]) -> Page:
        """Return posts by id with their public metrics; ids X cannot find are in ``errors``.

        Endpoint: ``GET /2/tweets?ids=``.

        Args:
            ids: up to 100 post ids (ValueError beyond); none returns an empty page.
        """
        ...


def rate_limit_from_headers(endpoint: str, headers: Mapping[str, str]) -> RateLimit | None:
    """Parse the rate-limit headers of any X response (success or error).

    Args:
        endpoint: the endpoint name, e.g. ``POST /2/tweets``.
        headers: the response headers (case-insensitive, as requests gives them).

    Returns:
        The limits, or None when the response carries none of the headers.
    """
    if not any(name.lower().startswith(_LIMIT_HEADERS) for name in headers):
        return None
    values: list[Any] = []
    for prefix in _LIMIT_HEADERS:
        values += [_int(headers, prefix + "limit"), _int(headers, prefix + "remaining")]
        values.append(_epoch(headers, prefix + "reset"))
    return RateLimit(endpoint, *values)


def rate_limit_reset_at(headers: Mapping[str, str]) -> datetime | None:
    """Return when a 429 lifts (aware UTC), or None when X did not say.

    That is ``x-rate-limit-reset``, unless a 24-hour window is exhausted (remaining 0) and
    resets later: then the later time, since the 15-minute reset would only bring another 429.
    """
    reset_at = _epoch(headers, "x-rate-limit-reset")
    for prefix in _LIMIT_HEADERS[1:]:
        later = _epoch(headers, prefix + "reset")
        exhausted = _int(headers, prefix + "remaining") == 0
        if exhausted and later and (reset_at is None or later > reset_at):
            reset_at = later
    return reset_at


def account_from_json(obj: Any) -> Account:
    """Parse an X user object (``data`` of ``/2/users/me``, an ``includes.users`` item).

    Raises:
        KeyError, TypeError: a field is missing or not a string.
    """
    return Account(_text(obj, "id"), _text(obj, "username"), _text(obj, "name"))


def post_result_from_json(obj: Any) -> PostResult:
    """Parse the ``data`` object of a ``POST /2/tweets`` answer (KeyError, TypeError if bad)."""
    return PostResult(_text(obj, "id"), _text(obj, "text"))


def page_from_json(body: Any) -> Page:
    """Parse a list answer (``data``, ``includes.users``, ``meta``, ``errors``) into a Page.

    Raises:
        KeyError, TypeError, ValueError, AttributeError: the body is not what X documents.
    """
    includes = body.get("includes") or {}
    users = {a.user_id: a for a in map(account_from_json, includes.get("users") or [])}
    posts = tuple(post_from_json(item, users) for item in body.get("data") or [])
    meta = body.get("meta") or {}
    count = meta.get("result_count")
    return Page(
        posts=posts,
        users=users,
        newest_id=_optional(meta, "newest_id"),
        oldest_id=_optional(meta, "oldest_id"),
        next_token=_optional(meta, "next_token"),
        result_count=count if type(count) is int else len(posts),
        errors=tuple(dict(error) for error in body.get("errors") or []),
    )


def post_from_json(obj: Any, users: Mapping[str, Account]) -> XPost:
    """Parse one post object of X's v2 data dictionary; ``users`` resolves the author."""
    entities = obj.get("entities") or {}
    author_id = _optional(obj, "author_id")
    author = users.get(author_id) if author_id else None
    created = _optional(obj, "created_at")
    at = datetime.fromisoformat(created) if created else None
    metrics = obj.get("public_metrics") or {}
    return XPost(
        post_id=_text(obj, "id"),
        text=_text(obj, "text"),
        author_id=author_id,
        author_username=author.username if author else None,
        created_at=at if at is None or at.tzinfo is UTC else at.astimezone(UTC),
        conversation_id=_optional(obj, "conversation_id"),
        in_reply_to_user_id=_optional(obj, "in_reply_to_user_id"),
        referenced=tuple(
            [(_text(r, "type"), _text(r, "id")) for r in obj.get("referenced_tweets") or ()]
        ),
        mentions=tuple(
            [(_text(m, "username"), _optional(m, "id")) for m in entities.get("mentions") or ()]
        ),
        hashtags=tuple([_text(h, "tag") for h in entities.get("hashtags") or ()]),
        public_metrics={k: v for k, v in metrics.items() if type(v) is int},
        lang=_optional(obj, "lang"),
    )


def _int(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, ValueError):
        return None


def _epoch(headers: Mapping[str, str], name: str) -> datetime | None:
    seconds = _int(headers, name)
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _text(obj: Any, key: str) -> str:
    """Return a string field of X's JSON: ids stay strings (TypeError otherwise)."""
    if not isinstance(value := obj[key], str):
        raise TypeError(f"{key} is not a string")
    return value


def _optional(obj: Any, key: str) -> str | None:
    if (value := obj.get(key)) is None or isinstance(value, str):
        return value
    raise TypeError(f"{key} is not a string")
