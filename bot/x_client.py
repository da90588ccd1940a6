"""The live X client: `TweepyXClient`, the `XClient` protocol over tweepy 4.17.

This is the only module that imports tweepy. It returns the plain types of `bot.x_models`
(re-exported here) and raises only our `XError` family, mapping tweepy's exceptions and raw
`requests` exceptions alike with ``raise ... from``.

How it routes around tweepy 4.17's `Client` (tweepy/client.py lines 41-125):

- **Host and timeouts.** `Client.request()` hard-codes ``https://api.twitter.com`` (PR #1971
  to change that is unmerged) and calls ``self.session.request(...)`` with no timeout (issue
  #2024). We set ``client.session`` to `_XSession`, a
  `requests.Session` whose `request()` swaps the URL's origin for the configured base URL and
  sets ``timeout=(connect, read)``. We chose it over the two alternatives: overriding
  `Client.request()` copies 60 lines of tweepy to keep in step on every upgrade, and a
  transport adapter rewrites the URL *after* OAuth 1.0a has signed the old one (a signature
  over api.twitter.com sent to api.x.com). The session changes the URL before requests
  prepares and signs it, every tweepy call passes through that one method, and tweepy's own
  status-to-exception mapping stays in use.
- **Rate limits.** That method sees each response before tweepy raises on it, so it records
  the ``x-rate-limit-*`` and 24-hour headers of successes and errors alike.
- **Bodies.** ``return_type=requests.Response``: X's JSON is parsed here into our types; no
  tweepy model (nor its warnings) leaves this module. ``wait_on_rate_limit=False``: a 429
  raises `XRateLimited` at once; nothing sleeps.
- **Auth.** OAuth 1.0a user context (``user_auth=True``) for posting, ``/users/me``, mentions
  and own posts (owned reads cost less). Search and lookups use the bearer token when
  X_BEARER_TOKEN is set and user context otherwise, so tweepy's ``Bearer None`` is never sent.
- **Logs.** tweepy, requests-oauthlib and oauthlib log the Authorization header or OAuth
  parameters at DEBUG, so their loggers are held at INFO; we log method, route and status.

``XUnavailable.may_have_reached_x`` answers "could X have received the request?": False only
when no connection was made (connect timeout, DNS failure, refused); True after a read
timeout, a dropped connection or a 5xx, for reads as for posts (X got the request either way).
Reads are idempotent and may be retried whatever the flag says; a post with the flag set must
be looked for with `own_posts` before any retry.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import tweepy
from urllib3.exceptions import NewConnectionError

from bot.errors import (
    ConfigError,
    Problem,
    XAuthError,
    XError,
    XRateLimited,
    XRejected,
    XUnavailable,
)
from bot.settings import Secrets, Settings
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
    XClient,
    XPost,
    account_from_json,
    page_from_json,
    post_result_from_json,
    rate_limit_from_headers,
    rate_limit_reset_at,
)

__all__ = [
    "CREATE_POST",
    "DEFAULT_BASE_URL",
    "MAX_IDS_PER_LOOKUP",
    "ME",
    "MENTIONS",
    "OWN_POSTS",
    "POSTS_BY_ID",
    "SEARCH_RECENT",
    "TWEET_FIELDS",
    "Account",
    "Page",
    "PostResult",
    "RateLimit",
    "TweepyXClient",
    "XClient",
    "XPost",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.x.com"
# Fields and expansions asked of every read (comma-joined, as X takes them).
TWEET_FIELDS = (
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,entities,"
    "public_metrics,lang"
)
READ_PARAMS = {
    "expansions": "author_id",
    "tweet_fields": TWEET_FIELDS,
    "user_fields": "username,name",
}
_OAUTH1_SECRETS = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
_CREDENTIAL_LOGGERS = ("tweepy", "requests_oauthlib", "oauthlib")
_AUTH_PROBLEMS = {"client-forbidden", "unsupported-authentication", "oauth1-permissions"}
_AUTH_REASONS = {"client-not-enrolled", "official-client-forbidden"}
_AUTH_CODES = {32, 89, 215, 453}  # could not authenticate, bad or expired token, access level
_MENTION_REFUSAL = re.compile(r"mention|\brepl(?:y|ies|ying)\b")
_AUTH_WORDS = re.compile(r"authenticat|oauth")
_ID_SEGMENT = re.compile(r"(?<=.)/[0-9]+(?=/|$)")  # an id in the path; not the leading /2
_CHECK_HINT = "X may have acted on it: look for the post on the account before sending again"


class _XSession(requests.Session):
    """tweepy's session: the configured base URL and timeouts; reports every response."""

    def __init__(
        self,
        base_url: str,
        timeout: tuple[float, float],
        on_response: Callable[[str, requests.Response], None],
    ) -> None:
        super().__init__()
        self._base = urlsplit(base_url)
        if self._base.scheme not in ("http", "https") or not self._base.netloc:
            raise ValueError(f"the X API base URL must look like https://host, not {base_url!r}")
        self._timeout = timeout
        self._on_response = on_response

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send tweepy's request to the base URL with the timeouts; report the response."""
        verb = method.decode() if isinstance(method, bytes) else method
        parts = urlsplit(url.decode() if isinstance(url, bytes) else url)
        path = self._base.path.rstrip("/") + parts.path
        target = parts._replace(scheme=self._base.scheme, netloc=self._base.netloc, path=path)
        kwargs["timeout"] = self._timeout
        response = super().request(verb, target.geturl(), *args, **kwargs)
        self._on_response(f"{verb.upper()} {_ID_SEGMENT.sub('/:id', parts.path)}", response)
        if not response.headers.get("x-rate-limit-reset", "0").isdigit():
            del response.headers["x-rate-limit-reset"]  # tweepy's int() of it would raise
        return response


class TweepyXClient:
    """`XClient` over tweepy 4.17's `Client`; see the module docstring for how and why."""

    def __init__(
        self,
        *,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        bearer_token: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        connect_timeout_seconds: float = 5.0,
        read_timeout_seconds: float = 30.0,
    ) -> None:
        """Build the client from explicit values.

        Args:
            consumer_key: the app's API key (OAuth 1.0a); none of these four may be empty.
            consumer_secret: the app's API key secret.
            access_token: the posting account's access token, ``"<user id>-..."``.
            access_token_secret: that token's secret.
            bearer_token: app-only token, used for search and lookups only; None (or empty)
                means user context for those too.
            base_url: ``scheme://host[:port][/path]`` of the X API (a fake server in tests).
            connect_timeout_seconds: connect timeout of every request.
            read_timeout_seconds: read timeout of every request (between bytes received).

        Raises:
            ValueError: an empty credential or a malformed base URL (no values shown).
        """
        if not all((consumer_key, consumer_secret, access_token, access_token_secret)):
            raise ValueError("all four X OAuth 1.0a credentials are needed")
        self._base_url = base_url
        self._timeout = (connect_timeout_seconds, read_timeout_seconds)
        self._read_user_auth = not bearer_token
        self._rate_limits: dict[str, RateLimit] = {}
        self._client: Any = tweepy.Client(
            bearer_token or None,
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        self._client.session = _XSession(base_url, self._timeout, self._record)
        for name in _CREDENTIAL_LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(max(logger.level, logging.INFO))

    @classmethod
    def from_settings(cls, settings: Settings, secrets: Secrets) -> TweepyXClient:
        """Build the client from ``x_api_base_url``, ``timeouts`` and the ``X_*`` secrets.

        Raises:
            ConfigError: an OAuth 1.0a secret is missing or the base URL is malformed.
        """
        values = {name: secrets.get(name) or "" for name in _OAUTH1_SECRETS}
        if missing := [name for name, value in values.items() if not value]:
            message = f"X credentials are not set: {', '.join(missing)}"
            hint = "set them (or NAME_FILE) for the live backend, or use backend: sandbox"
            raise ConfigError([Problem("environment", 0, 0, message, hint)])
        try:
            return cls(
                consumer_key=values["X_CONSUMER_KEY"],
                consumer_secret=values["X_CONSUMER_SECRET"],
                access_token=values["X_ACCESS_TOKEN"],
                access_token_secret=values["X_ACCESS_TOKEN_SECRET"],
                bearer_token=secrets.get("X_BEARER_TOKEN"),
                base_url=settings.x_api_base_url,
                connect_timeout_seconds=settings.timeouts.connect_seconds,
                read_timeout_seconds=settings.timeouts.read_seconds,
            )
        except ValueError as exc:
            raise ConfigError([Problem("settings", 0, 0, str(exc), "fix x_api_base_url")]) from exc

    def __repr__(self) -> str:
        bearer = "not set" if self._read_user_auth else "set"
        return (
            f"TweepyXClient(base_url={self._base_url!r}, timeout={self._timeout}, bearer {bearer})"
        )

    @property
    def rate_limits(self) -> Mapping[str, RateLimit]:
        """Return a snapshot of the last limits seen per endpoint (``POST /2/tweets``...)."""
        return MappingProxyType(dict(self._rate_limits))

    def create_post(self, text: str) -> PostResult:
        """Post ``text`` as the account (see `XClient.create_post`).

        Endpoint: ``POST /2/tweets``, OAuth 1.0a user context, JSON body ``{"text": ...}``.
        """
        return self._call(
            CREATE_POST,
            lambda body: post_result_from_json(body["data"]),
            self._client.create_tweet,
            text=text,
            user_auth=True,
        )

    def me(self) -> Account:
        """Return the authenticated account. Endpoint: ``GET /2/users/me``, user context."""
        return self._call(
            ME,
            lambda body: account_from_json(body["data"]),
            self._client.get_me,
            user_fields="username,name",
            user_auth=True,
        )

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
        """Return posts mentioning the account (see `XClient.mentions`).

        Endpoint: ``GET /2/users/:id/mentions``, OAuth 1.0a user context (an owned read).
        """
        return self._call(
            MENTIONS,
            page_from_json,
            self._client.get_users_mentions,
            user_id,
            since_id=since_id,
            until_id=until_id,
            pagination_token=pagination_token,
            max_results=max_results,
            start_time=_utc(start_time),
            user_auth=True,
            **READ_PARAMS,
        )

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
        """Return recent posts matching ``query`` (see `XClient.search_recent`).

        Endpoint: ``GET /2/tweets/search/recent`` (the token goes as ``next_token``), with the
        bearer token when set, else OAuth 1.0a user context.
        """
        return self._call(
            SEARCH_RECENT,
            page_from_json,
            self._client.search_recent_tweets,
            query,
            since_id=since_id,
            until_id=until_id,
            next_token=pagination_token,
            max_results=max_results,
            start_time=_utc(start_time),
            user_auth=self._read_user_auth,
            **READ_PARAMS,
        )

    def own_posts(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        start_time: datetime | None = None,
        max_results: int = 100,
        pagination_token: str | None = None,
    ) -> Page:
        """Return the account's own posts (see `XClient.own_posts`).

        Endpoint: ``GET /2/users/:id/tweets``, OAuth 1.0a user context (an owned read).
        """
        return self._call(
            OWN_POSTS,
            page_from_json,
            self._client.get_users_tweets,
            user_id,
            since_id=since_id,
            start_time=_utc(start_time),
            max_results=max_results,
            pagination_token=pagination_token,
            user_auth=True,
            **READ_PARAMS,
        )

    def posts_by_id(self, ids: Sequence[str]) -> Page:
        """Return posts by id with metrics (see `XClient.posts_by_id`); no ids, no request.

        Endpoint: ``GET /2/tweets?ids=``, bearer token when set, else OAuth 1.0a user context.
        """
        if not ids:
            return Page()
        if len(ids) > MAX_IDS_PER_LOOKUP:
            raise ValueError(f"at most {MAX_IDS_PER_LOOKUP} ids per lookup, not {len(ids)}")
        return self._call(
            POSTS_BY_ID,
            page_from_json,
            self._client.get_tweets,
            list(ids),
            user_auth=self._read_user_auth,
            **READ_PARAMS,
        )

    def _record(self, endpoint: str, response: requests.Response) -> None:
        """Keep a response's rate limits (any status); log it without headers or body."""
        limit = rate_limit_from_headers(endpoint, response.headers)
        if limit is not None:
            self._rate_limits[endpoint] = limit
        left = f"{limit.remaining}/{limit.limit}" if limit and limit.limit else "not sent"
        log.debug("X %s: %s (rate limit left %s)", endpoint, response.status_code, left)

    def _call(
        self, endpoint: str, parse: Callable[[Any], T], send: Any, *args: Any, **kwargs: Any
    ) -> T:
        """Run one tweepy call, map its failures to our errors and parse the JSON body."""
        try:
            response = send(*args, **kwargs)
        except tweepy.HTTPException as exc:
            raise _http_error(endpoint, exc) from exc
        except requests.RequestException as exc:
            raise _network_error(endpoint, exc) from exc
        try:
            return parse(response.json())
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            message = f"X answered {endpoint} with a body reachout cannot read"
            raise XUnavailable(message, may_have_reached_x=True, hint=_CHECK_HINT) from exc


def _http_error(endpoint: str, exc: Any) -> XError:
    """Map a tweepy HTTPException (any non-2xx status) to our error."""
    response: requests.Response = exc.response
    status = response.status_code
    messages = [str(m) for m in exc.api_messages] or [f"{status} {response.reason}"]
    text = " ".join(messages).lower()
    if status == 429:
        reset_at = rate_limit_reset_at(response.headers)
        when = f"resets {reset_at:%Y-%m-%d %H:%M} UTC" if reset_at else "reset time not sent"
        message = f"X rate limit reached for {endpoint} ({when})"
        return XRateLimited(message, reset_at, hint="wait for the reset before calling again")
    if not 400 <= status < 500:
        message = f"X failed on {endpoint}: {status} {response.reason}"
        return XUnavailable(message, may_have_reached_x=True, hint=_CHECK_HINT)
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    auth = (
        str(body.get("type", "")).rsplit("/", 1)[-1] in _AUTH_PROBLEMS
        or body.get("reason") in _AUTH_REASONS
        or any(code in _AUTH_CODES for code in exc.api_codes)
    )
    if status == 401 or (status == 403 and auth):
        return _auth_error(endpoint, status, messages)
    if status == 403 and "duplicate content" in text:
        return XRejected(status, messages, duplicate=True, hint="every post must be unique")
    if status == 403 and _MENTION_REFUSAL.search(text):
        hint = "X refused an @mention, reply or quote: stop tagged posting"
        return XRejected(status, messages, mention_refused=True, hint=hint)
    if status == 403 and _AUTH_WORDS.search(text):
        return _auth_error(endpoint, status, messages)
    return XRejected(status, messages)


def _auth_error(endpoint: str, status: int, messages: list[str]) -> XAuthError:
    message = f"X refused reachout's credentials for {endpoint} ({status}): {'; '.join(messages)}"
    return XAuthError(message, hint="check the X_* credentials, app permissions, access level")


def _network_error(endpoint: str, exc: requests.RequestException) -> XUnavailable:
    """Map a requests failure: only a connection never made means "not reached"."""
    kind = type(exc).__name__
    never_connected = (NewConnectionError, ConnectionRefusedError, socket.gaierror)
    if isinstance(exc, requests.ConnectTimeout) or any(
        isinstance(cause, never_connected) for cause in _causes(exc)
    ):
        message = f"could not connect to X for {endpoint} ({kind}); nothing was sent"
        return XUnavailable(message, may_have_reached_x=False, hint="check the network")
    what = "no answer in time" if isinstance(exc, requests.Timeout) else "connection lost"
    message = f"X: {what} after sending {endpoint} ({kind})"
    return XUnavailable(message, may_have_reached_x=True, hint=_CHECK_HINT)


def _causes(exc: BaseException) -> Iterator[object]:
    """Yield an exception and all it wraps: args, cause, context, urllib3's ``reason``."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if id(item) not in seen:
            seen.add(id(item))
            yield item
            if isinstance(item, BaseException):
                stack += [
                    *item.args,
                    item.__cause__,
                    item.__context__,
                    getattr(item, "reason", None),
                ]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.utcoffset() is None:
        raise ValueError("start_time must be timezone-aware")
    return None if moment is None else moment.astimezone(UTC)
