"""What reachout knows of X: data types, the `XClient` protocol, parsing X's answers.

The types are plain frozen dataclasses; the parsers turn X API v2 JSON bodies and rate-limit
headers into them (pure functions, no I/O).

Everything outside `bot.x_client` works with these only, never with tweepy objects, so the
fakes in `bot.testing` and the sandbox need neither tweepy nor requests. `bot.x_client`
re-exports the types. Ids are strings, as X sends them; datetimes are aware UTC.
"""

from __future__ import annotations

import json
import re
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
        errors: partial errors X sent with the 200 (e.g. an id not found), as X sent them,
            and an ``Unreadable post`` entry for each post left out (see `page_from_json`).
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
    ) -> Page:
        """Return the account's own posts, newest first: did a post go out?

        Endpoint: ``GET /2/users/:id/tweets``.

        Args:
            user_id: the account's numeric id.
            since_id: only posts newer than this id.
            start_time: aware datetime; only posts from then on (sent as UTC).
            max_results: 5 to 100.
            pagination_token: the previous page's ``next_token`` (older posts).
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

    Posts are read one by one: a post that is not what X documents (see `post_from_json`)
    is left out of ``posts`` and described in ``errors`` instead, as ``{"title":
    "Unreadable post", "detail": "post 3 of the page (id "12"): why", "index": 2}`` (index
    from 0 in ``data``), so one bad post never costs the rest of the page. A user of
    ``includes.users`` that is not what X documents is left out (its posts get no
    ``author_username``); a ``meta`` value of the wrong type is ignored.

    Raises:
        TypeError: the page itself is not what X documents (not an object, or ``data``,
            ``includes`` or ``meta`` of the wrong type); the message says so plainly.
    """
    if not isinstance(body, Mapping):
        raise TypeError("the answer is not a JSON object")
    includes = _mapping(body, "includes")
    users: dict[str, Account] = {}
    listed = includes.get("users")
    for item in listed if isinstance(listed, list) else ():
        if isinstance(item, Mapping) and _is_id(item.get("id")):
            name, username = item.get("name"), item.get("username")
            if isinstance(username, str) and username:
                text = name if isinstance(name, str) else username
                users[item["id"]] = Account(item["id"], _clean(username), _clean(text))
    data = body.get("data")
    items = [data] if isinstance(data, Mapping) else data if data is not None else []
    if not isinstance(items, list):
        raise TypeError("data is not a list of posts")
    posts: list[XPost] = []
    errors: list[Mapping[str, Any]] = []
    for index, item in enumerate(items):
        try:
            posts.append(post_from_json(item, users))
        except (TypeError, ValueError, OverflowError) as exc:
            named = f" (id {_shown(item.get('id'))})" if isinstance(item, Mapping) else ""
            detail = f"post {index + 1} of the page{named}: {exc}"
            errors.append({"title": "Unreadable post", "detail": detail, "index": index})
    meta = _mapping(body, "meta")
    count = meta.get("result_count")
    sent = body.get("errors") or []
    return Page(
        posts=tuple(posts),
        users=users,
        newest_id=_lenient(meta, "newest_id"),
        oldest_id=_lenient(meta, "oldest_id"),
        next_token=_lenient(meta, "next_token"),
        result_count=count if type(count) is int and 0 <= count <= _MAX_INT else len(posts),
        errors=tuple(
            dict(e)
            if isinstance(e, Mapping)
            else {"detail": e if isinstance(e, str) else _shown(e)}
            for e in (sent if isinstance(sent, list) else [sent])
        )
        + tuple(errors),
    )


def post_from_json(obj: Any, users: Mapping[str, Account]) -> XPost:
    """Parse one post object of X's v2 data dictionary; ``users`` resolves the author.

    What could hurt storage or reports is checked or cleaned here: every id (the post's,
    its author's, referenced posts', mentioned users') must be canonical decimal text, as
    X writes ids (``0``, or 1 to 19 digits without a leading zero: ``" 1000"`` and
    ``"01001"`` are refused); lone UTF-16 surrogates (JSON ``"\\ud800"``) in any text become
    U+FFFD; ``created_at`` must be ISO 8601 with a time zone, in the years 2006 to 9998 (as
    UTC); a public metric that is not an integer in 0..2**63-1 is dropped.

    Raises:
        TypeError, ValueError: the post is not what X documents; the message names the
            field and says why in plain words (KeyError never: a missing field is a
            ValueError).
    """
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise TypeError(f"a post must be a JSON object, not {_shown(obj)}")
    entities = _mapping(obj, "entities")
    author_id = _optional_id(obj, "author_id")
    author = users.get(author_id) if author_id else None
    metrics = _mapping(obj, "public_metrics")
    return XPost(
        post_id=_id(obj, "id"),
        text=_string(obj, "text"),
        author_id=author_id,
        author_username=author.username if author else None,
        created_at=_created_at(obj),
        conversation_id=_optional_id(obj, "conversation_id"),
        in_reply_to_user_id=_optional_id(obj, "in_reply_to_user_id"),
        referenced=tuple(
            [
                (_string(r, "type"), _id(r, "id", "referenced_tweets id"))
                for r in _objects(obj, "referenced_tweets")
            ]
        ),
        mentions=tuple(
            [
                (_string(m, "username"), _optional_id(m, "id", "entities.mentions id"))
                for m in _objects(entities, "mentions")
            ]
        ),
        hashtags=tuple([_string(h, "tag") for h in _objects(entities, "hashtags")]),
        public_metrics={k: v for k, v in metrics.items() if type(v) is int and 0 <= v <= _MAX_INT},
        lang=_optional_string(obj, "lang"),
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


# --- checks for page_from_json / post_from_json (plain messages, no Python internals) ----------

_ID = re.compile(r"0|[1-9][0-9]{0,18}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_INT = 2**63 - 1  # SQLite's INTEGER
_YEARS = (2006, 9998)  # X began in 2006; 9998 leaves room for date arithmetic


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def _id(obj: Mapping[str, Any], key: str, label: str = "") -> str:
    value = _optional_id(obj, key, label)
    if value is None:
        raise ValueError(f'no "{label or key}" field')
    return value


def _optional_id(obj: Mapping[str, Any], key: str, label: str = "") -> str | None:
    value = obj.get(key)
    if value is None or (type(value) is str and _ID.fullmatch(value)):
        return value
    raise ValueError(
        f"{label or key} {_shown(value)} is not an X id"
        ' (decimal digits in a string, without spaces or leading zeros, e.g. "1900000000")'
    )


def _clean(text: str) -> str:
    """Replace lone UTF-16 surrogates (not storable as UTF-8) with U+FFFD."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text)


def _string(obj: Mapping[str, Any], key: str) -> str:
    value = _optional_string(obj, key)
    if value is None:
        raise ValueError(f'no "{key}" field')
    return value


def _optional_string(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{key} is {_shown(value)}, not a string")
    return _clean(value)


def _mapping(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if type(value) is not dict and not isinstance(value, Mapping):
        raise TypeError(f"{key} is {_shown(value)}, not a JSON object")
    return value


def _objects(obj: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = obj.get(key)
    if value is None:
        return []
    if type(value) is not list or not all(isinstance(v, Mapping) for v in value):
        raise TypeError(f"{key} is {_shown(value)}, not a list of JSON objects")
    return value


def _lenient(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) and value else None


def _created_at(obj: Mapping[str, Any]) -> datetime | None:
    text = _optional_string(obj, "created_at")
    if text is None:
        return None
    example = "as X writes it: 2027-08-03T10:00:00.000Z"
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"created_at {_shown(text)} is not an ISO 8601 time ({example})") from None
    if at.utcoffset() is None:
        raise ValueError(f"created_at {_shown(text)} has no time zone ({example})")
    try:
        at = at if at.tzinfo is UTC else at.astimezone(UTC)
    except OverflowError:
        at = datetime.min.replace(tzinfo=UTC)
    if not _YEARS[0] <= at.year <= _YEARS[1]:
        raise ValueError(f"created_at {_shown(text)} is out of range (X began in 2006)")
    return at


def _shown(value: Any) -> str:
    """A JSON value for a message: escaped (no control characters), at most 40 characters."""
    if isinstance(value, list | Mapping):
        return "a list" if isinstance(value, list) else "an object"
    try:
        text = json.dumps(value[:41] if isinstance(value, str) else value)
    except ValueError:  # an integer too long to print
        text = "a very long number"
    return text if len(text) <= 40 else text[:37] + "..."
