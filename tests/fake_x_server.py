"""A fake X API v2 server on loopback, with scripted faults, for real-process reliability tests.

`FakeXServer` is a stdlib ``ThreadingHTTPServer`` on ``127.0.0.1`` (port 0: the OS picks one)
serving, in a thread of the test process, the endpoints reachout uses, with the response
shapes of the recordings in ``tests/fixtures/x-api/`` (201 on create, ``data``/``includes``/
``meta``, problem+json errors, partial ``errors`` in a 200) and ``x-rate-limit-limit``,
``-remaining`` and ``-reset`` headers on every answer:

======================================  =========================================================
endpoint                                behaviour
======================================  =========================================================
``POST /2/tweets``                      stores the post (201); a text already stored (NFC) gets
                                        X's 403 "You are not allowed to create a Tweet with
                                        duplicate content."
``GET /2/users/me``                     the account
``GET /2/users/:id/tweets``             the account's posts, newest first
``GET /2/users/:id/mentions``           fed mentions; only the newest 800 are reachable
``GET /2/tweets/search/recent``         fed posts of the last 7 days (``query`` required)
``GET /2/tweets?ids=``                  any stored or fed post; missing ids as partial errors
======================================  =========================================================

Timelines honour ``since_id``, ``until_id``, ``start_time``, ``end_time`` (search ignores
``start_time`` when ``since_id`` is given, as X does), ``max_results`` (X's ranges, else 400)
and ``pagination_token``/``next_token`` (an opaque cursor below the page's oldest id, so a
token replayed later gives the same page).
Returned text is as X gives it back: ``&``, ``<``, ``>`` escaped, every URL wrapped in t.co.
Any ``OAuth`` or ``Bearer`` Authorization header is accepted; none is a 401. Each endpoint
counts requests in 15-minute windows (limits: `bot.testing.ENDPOINT_LIMITS`, overridable)
and answers 429 beyond them.

**Faults** (`Fault`) are scripted per request: each is used up by the next request to its
endpoint (optionally: whose post text contains ``match``): ``rate_limit`` (429 with a reset),
``server_error`` (503), ``delay`` (the answer comes after ``seconds``, past the client's read
timeout), ``drop`` (the connection closes with no answer), ``unauthorized`` (401). For
``POST /2/tweets``, ``stored`` says whether X kept the post before failing: a ``drop`` or
``delay`` after storing is the "did it post?" case.

The state lives in the test process, so it outlives the worker processes pointed at the
server; `FakeX` exposes what was stored and asked for (`FakeX.created`, `FakeX.attempts`,
`FakeX.requests`) for assertions. ``python scripts/fake_x_server.py`` runs it standalone with
a small control API under ``/_fake/`` (see docs/reliability.md).
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from random import Random
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.testing import DUPLICATE_MESSAGE, ENDPOINT_LIMITS
from bot.twitter_text import extract_hashtags, extract_mentions, extract_urls
from bot.x_models import CREATE_POST, ME, MENTIONS, OWN_POSTS, POSTS_BY_ID, SEARCH_RECENT

FIRST_ID = 1_900_000_000_000_001_000
MENTIONS_REACH = 800
SEARCH_REACH = timedelta(days=7)
WINDOW_SECONDS = 900
FAULT_KINDS = ("rate_limit", "server_error", "delay", "drop", "unauthorized")
MAX_RESULTS = {OWN_POSTS: (5, 100), MENTIONS: (5, 100), SEARCH_RECENT: (10, 100)}
TWEET_FIELDS = frozenset(
    {
        "created_at",
        "author_id",
        "conversation_id",
        "in_reply_to_user_id",
        "referenced_tweets",
        "entities",
        "public_metrics",
        "lang",
    }
)
_ZERO_METRICS = {
    "retweet_count": 0,
    "reply_count": 0,
    "like_count": 0,
    "quote_count": 0,
    "bookmark_count": 0,
    "impression_count": 0,
}
_TOKEN = re.compile(r"^7140d([0-9a-z]+)$")
_USER_ROUTE = re.compile(r"^/2/users/([0-9]+)/(tweets|mentions)$")


@dataclass(frozen=True)
class Fault:
    """One scripted failure, used up by the next request to ``endpoint`` it matches.

    Attributes:
        kind: one of `FAULT_KINDS`.
        endpoint: e.g. ``"POST /2/tweets"`` (the `bot.x_models` names).
        match: only a post whose text contains this (``POST /2/tweets`` only); "" any.
        stored: ``POST /2/tweets`` only: X stored the post before failing (``server_error``,
            ``delay``, ``drop``); a ``delay`` that did not store answers 503 after the wait.
        seconds: ``delay``: how long before the answer; ``rate_limit``: reset after this.
    """

    kind: str
    endpoint: str = CREATE_POST
    match: str = ""
    stored: bool = True
    seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; choose from {FAULT_KINDS}")
        if self.endpoint not in ENDPOINT_LIMITS:
            raise ValueError(f"unknown endpoint {self.endpoint!r}")


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it: endpoint, status answered, auth scheme, post text."""

    endpoint: str
    status: int
    auth: str
    text: str = ""
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Answer:
    status: int
    body: Any = None
    delay_seconds: float = 0.0
    drop: bool = False
    headers: dict[str, str] = field(default_factory=dict)


class FakeX:
    """The server's state: posts, fed timelines, windows, scripted faults. Thread-safe."""

    def __init__(
        self,
        *,
        user_id: str = "1900000000000000999",
        username: str = "RecessReachOut",
        limits: Mapping[str, int] | None = None,
        post_latency_seconds: tuple[float, float] = (0.0, 0.0),
        read_latency_seconds: float = 0.0,
        seed: int = 0,
    ) -> None:
        """Create an empty X.

        Args:
            user_id: the account's numeric id (the access token should start with it).
            username: its @handle, without the "@" (a calendar's ``x_username``).
            limits: requests per 15 minutes by endpoint (default `bot.testing.ENDPOINT_LIMITS`).
            post_latency_seconds: every ``POST /2/tweets`` takes a seeded random time in this
                range, half before the post is stored and half after.
            read_latency_seconds: every mentions and search page takes this long to arrive.
            seed: seeds the latency.
        """
        self.user = {"id": user_id, "name": "Recess Reach Out", "username": username}
        self.limits = dict(limits or ENDPOINT_LIMITS)
        self._latency, self._random = post_latency_seconds, Random(seed)
        self._read_latency = read_latency_seconds
        self._lock = threading.Lock()
        self._next_id = FIRST_ID
        self._own: list[dict[str, Any]] = []
        self._mentions: list[dict[str, Any]] = []
        self._search: list[dict[str, Any]] = []
        self._faults: list[Fault] = []
        self._windows: dict[str, tuple[float, int]] = {}
        self._seen: list[Seen] = []
        self._attempts: Counter[str] = Counter()

    # --- controls and observations -------------------------------------------------------------

    def script(self, *faults: Fault) -> None:
        """Queue faults, each used up by the next request it matches."""
        with self._lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> tuple[Fault, ...]:
        """Return the scripted faults not used yet."""
        with self._lock:
            return tuple(self._faults)

    def feed_mentions(self, *posts: Mapping[str, Any]) -> list[str]:
        """Add posts mentioning the account (X JSON without ``id``); return their new ids."""
        return self._feed(self._mentions, posts)

    def feed_search(self, *posts: Mapping[str, Any]) -> list[str]:
        """Add posts recent search finds (X JSON without ``id``); return their new ids."""
        return self._feed(self._search, posts)

    @property
    def created(self) -> Counter[str]:
        """Return how many stored posts hold each text (as sent; at most 1 while X refuses
        duplicates)."""
        with self._lock:
            return Counter(post["_sent"] for post in self._own)

    @property
    def attempts(self) -> Counter[str]:
        """Return how many ``POST /2/tweets`` requests arrived per text, refused ones too."""
        with self._lock:
            return Counter(self._attempts)

    @property
    def own_posts(self) -> list[dict[str, Any]]:
        """Return the stored posts, oldest first: ``id``, ``text`` (as sent), ``created_at``."""
        with self._lock:
            return [
                {"id": p["id"], "text": p["_sent"], "created_at": p["created_at"]}
                for p in self._own
            ]

    @property
    def requests(self) -> list[Seen]:
        """Return every request answered (or dropped), in order of arrival."""
        with self._lock:
            return list(self._seen)

    def state(self) -> dict[str, Any]:
        """Return a JSON-ready summary (the standalone server's ``GET /_fake/state``)."""
        with self._lock:
            by_endpoint = Counter(f"{s.endpoint} {s.status}" for s in self._seen)
            return {
                "account": self.user,
                "posts": len(self._own),
                "mentions": len(self._mentions),
                "search": len(self._search),
                "requests": dict(by_endpoint),
                "pending_faults": len(self._faults),
            }

    # --- requests --------------------------------------------------------------------------------

    def answer(
        self, method: str, path: str, query: Mapping[str, str], auth: str, body: Any
    ) -> _Answer:
        """Decide the answer to one request (the handler sends it, waits, or drops)."""
        endpoint = _endpoint(method, path)
        if endpoint is None:
            return _Answer(404, _problem(404, "Not Found Error", f"no route {method} {path}"))
        text = str(body.get("text", "")) if isinstance(body, dict) else ""
        latency = 0.0
        if endpoint == CREATE_POST:
            low, high = self._latency
            with self._lock:
                latency = self._random.uniform(low, high) if high > 0 else 0.0
            time.sleep(latency / 2)  # X has the request; the post is not stored yet
        with self._lock:
            answer = self._answer_locked(endpoint, path, query, auth, text)
            self._seen.append(
                Seen(endpoint, 0 if answer.drop else answer.status, auth, text, dict(query))
            )
        if endpoint == CREATE_POST:
            answer.delay_seconds += latency / 2
        elif endpoint in (MENTIONS, SEARCH_RECENT):
            answer.delay_seconds += self._read_latency
        return answer

    def _answer_locked(
        self, endpoint: str, path: str, query: Mapping[str, str], auth: str, text: str
    ) -> _Answer:
        now = time.time()
        if endpoint == CREATE_POST:
            self._attempts[text] += 1
        if auth not in ("OAuth", "Bearer"):
            return _Answer(401, _problem(401, "Unauthorized", "Unauthorized"))
        start, used = self._windows.get(endpoint, (now, 0))
        if now >= start + WINDOW_SECONDS:
            start, used = now, 0
        self._windows[endpoint] = (start, used + 1)
        limit = self.limits[endpoint]
        headers = {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(max(limit - used - 1, 0)),
            "x-rate-limit-reset": str(int(start + WINDOW_SECONDS)),
        }
        fault = self._take_fault(endpoint, text)
        if used >= limit or (fault is not None and fault.kind == "rate_limit"):
            reset = now + fault.seconds if fault else start + WINDOW_SECONDS
            headers |= {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(reset))}
            return _Answer(
                429, _problem(429, "Too Many Requests", "Too Many Requests"), 0.0, False, headers
            )
        if fault is not None and fault.kind == "unauthorized":
            return _Answer(401, _problem(401, "Unauthorized", "Unauthorized"), headers=headers)
        if fault is not None and endpoint == CREATE_POST and not fault.stored:
            answer = _Answer(503, "Service Unavailable", headers=headers)  # X never kept it
        else:
            answer = self._serve(endpoint, path, query, text, now)
            answer.headers |= headers
        if fault is None:
            return answer
        if fault.kind == "drop":  # after X acted: the connection closes with no answer
            return _Answer(0, drop=True)
        if fault.kind == "server_error":
            return _Answer(503, "Service Unavailable", headers=headers)
        answer.delay_seconds = fault.seconds  # delay: the answer comes too late
        return answer

    def _take_fault(self, endpoint: str, text: str) -> Fault | None:
        for i, fault in enumerate(self._faults):
            if fault.endpoint == endpoint and fault.match in text:
                return self._faults.pop(i)
        return None

    def _serve(
        self, endpoint: str, path: str, query: Mapping[str, str], text: str, now: float
    ) -> _Answer:
        if endpoint == CREATE_POST:
            return self._create(text, now)
        if endpoint == ME:
            return _Answer(200, {"data": dict(self.user)})
        if endpoint == POSTS_BY_ID:
            return self._lookup(query.get("ids", ""), query)
        match = _USER_ROUTE.match(path)
        if match is not None and match.group(1) != self.user["id"]:
            return _Answer(
                403,
                _problem(
                    403, "Forbidden", "You can only read this account's own timelines in the fake."
                ),
            )
        if endpoint == SEARCH_RECENT and not query.get("query"):
            return _invalid("query", "", "The `query` query parameter can not be empty")
        posts = {
            OWN_POSTS: self._own,
            MENTIONS: self._mentions[-MENTIONS_REACH:],
            SEARCH_RECENT: self._search,
        }[endpoint]
        return self._timeline(endpoint, posts, query, now)

    def _create(self, text: str, now: float) -> _Answer:
        normal = unicodedata.normalize("NFC", text)
        if not normal.strip():
            return _invalid("text", text, "The `text` field can not be empty")
        if any(unicodedata.normalize("NFC", p["_sent"]) == normal for p in self._own):
            return _Answer(403, _problem(403, "Forbidden", DUPLICATE_MESSAGE))
        post = self._new_post(text, self.user["id"], now)
        post["_sent"] = text
        self._own.append(post)
        data = {"id": post["id"], "text": post["text"], "edit_history_tweet_ids": [post["id"]]}
        location = f"https://api.twitter.com/2/tweets/{post['id']}"
        return _Answer(201, {"data": data}, headers={"location": location})

    def _timeline(
        self, endpoint: str, posts: list[dict[str, Any]], query: Mapping[str, str], now: float
    ) -> _Answer:
        low, high = MAX_RESULTS[endpoint]
        raw = query.get("max_results", "10")
        if not raw.isdigit() or not low <= int(raw) <= high:
            return _invalid(
                "max_results",
                raw,
                f"The `max_results` query parameter value [{raw}] is not between {low} and {high}",
            )
        token = query.get("next_token" if endpoint == SEARCH_RECENT else "pagination_token")
        below = None
        if token is not None:
            if (found := _TOKEN.match(token)) is None:
                return _invalid(
                    "pagination_token",
                    token,
                    f"The `pagination_token` query parameter value [{token}] is not valid",
                )
            below = int(found.group(1), 36)
        since = int(query["since_id"]) if query.get("since_id", "").isdigit() else None
        if query.get("until_id", "").isdigit():
            below = min(below or int(query["until_id"]), int(query["until_id"]))
        start, end = _parse_time(query.get("start_time")), _parse_time(query.get("end_time"))
        if endpoint == SEARCH_RECENT:
            reach = datetime.fromtimestamp(now, UTC) - SEARCH_REACH
            start = reach if since is not None or start is None or start < reach else start
        eligible = [
            p
            for p in sorted(posts, key=lambda p: int(p["id"]), reverse=True)
            if (since is None or int(p["id"]) > since)
            and (below is None or int(p["id"]) < below)
            and (start is None or _at(p["created_at"]) >= start)
            and (end is None or _at(p["created_at"]) <= end)
        ]
        page = eligible[: int(raw)]
        return _Answer(200, self._page(page, query, more=len(eligible) > len(page)))

    def _lookup(self, raw_ids: str, query: Mapping[str, str]) -> _Answer:
        ids = [i for i in raw_ids.split(",") if i]
        if not ids or len(ids) > 100 or not all(i.isdigit() for i in ids):
            return _invalid("ids", raw_ids, "The `ids` query parameter value is not 1 to 100 ids")
        known = {p["id"]: p for p in (*self._own, *self._mentions, *self._search)}
        body = self._page([known[i] for i in ids if i in known], query, more=False)
        body.pop("meta")
        if missing := [i for i in ids if i not in known]:
            body["errors"] = [
                {
                    "value": i,
                    "detail": f"Could not find tweet with ids: [{i}].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": i,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
                for i in missing
            ]
        return _Answer(200, body)

    def _page(
        self, posts: Sequence[dict[str, Any]], query: Mapping[str, str], *, more: bool
    ) -> dict[str, Any]:
        """A list body with only the fields and expansions asked for, as X answers."""
        fields = set(query.get("tweet.fields", "").split(",")) & TWEET_FIELDS
        keep = {"id", "text", "edit_history_tweet_ids", *fields}
        body: dict[str, Any] = {}
        if posts:
            body["data"] = [{k: v for k, v in p.items() if k in keep} for p in posts]
        if posts and "author_id" in query.get("expansions", "").split(","):
            users = {p["author_id"]: p["_author"] for p in posts}
            body["includes"] = {"users": list(users.values())}
        meta: dict[str, Any] = {"result_count": len(posts)}
        if posts:
            meta |= {"newest_id": posts[0]["id"], "oldest_id": posts[-1]["id"]}
        if more:
            meta["next_token"] = "7140d" + _base36(int(posts[-1]["id"]))
        body["meta"] = meta
        return body

    def _feed(self, into: list[dict[str, Any]], posts: Sequence[Mapping[str, Any]]) -> list[str]:
        now, ids = time.time(), []
        with self._lock:
            for given in posts:
                author = given.get("author") or {
                    "id": "1900000000000000100",
                    "username": "supporter",
                    "name": "A Supporter",
                }
                post = self._new_post(str(given["text"]), author["id"], now)
                post["_author"] = dict(author)
                post |= {k: v for k, v in given.items() if k not in ("text", "author")}
                into.append(post)
                ids.append(post["id"])
        return ids

    def _new_post(self, text: str, author_id: str, now: float) -> dict[str, Any]:
        post_id = str(self._next_id)
        self._next_id += 1
        entities: dict[str, Any] = {}
        if tags := extract_hashtags(text):
            entities["hashtags"] = [{"tag": tag.removeprefix("#")} for tag in tags]
        if names := extract_mentions(text):
            entities["mentions"] = [{"username": name.removeprefix("@")} for name in names]
        shown = html.escape(text, quote=False)
        for n, url in enumerate(extract_urls(shown)):
            shown = shown.replace(url, f"https://t.co/{post_id[-6:]}{n:04d}", 1)
        stamp = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
        return {
            "id": post_id,
            "text": shown,
            "edit_history_tweet_ids": [post_id],
            "author_id": author_id,
            "created_at": stamp.replace("+00:00", "Z"),
            "conversation_id": post_id,
            "entities": entities,
            "public_metrics": dict(_ZERO_METRICS),
            "lang": "en",
            "_author": self.user,
        }


# --- HTTP ------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as X; every answer has a Content-Length
    server: _Server

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if parts.path.startswith("/_fake/"):
            self._send(_control(self.server.fake, method, parts.path, body))
            return
        auth = (self.headers.get("Authorization") or "").split(" ", 1)[0]
        answer = self.server.fake.answer(method, parts.path, query, auth, body)
        if answer.delay_seconds and self.server.stopping.wait(answer.delay_seconds):
            answer.drop = True  # the server is stopping: no answer
        if answer.drop:
            self.close_connection = True  # nothing written: the client sees the line drop
            return
        self._send(answer)

    def _send(self, answer: _Answer) -> None:
        is_text = isinstance(answer.body, str)
        payload = (answer.body if is_text else json.dumps(answer.body)).encode()
        self.send_response(answer.status)
        kind = "text/plain" if is_text else "application/json; charset=utf-8"
        if answer.status >= 400 and not is_text:
            kind = "application/problem+json" if "errors" not in answer.body else kind
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(payload)))
        self.send_header("api-version", "2.167")
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(payload)
        except OSError:  # the client gave up (read timeout, killed): X would not notice either
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the tests read `FakeX.requests` instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeX, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.fake = fake
        self.stopping = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished mid-request (SIGKILL) is routine here, not an error."""


class FakeXServer:
    """Run a `FakeX` on ``127.0.0.1`` in a background thread (a context manager)."""

    def __init__(self, fake: FakeX | None = None, *, port: int = 0) -> None:
        """Bind the loopback port at once (0: a free one); serving starts with `start`."""
        self.fake = fake or FakeX()
        self._server = _Server(self.fake, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-x",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """Return the base URL, ``http://127.0.0.1:PORT`` (reachout's ``x_api_base_url``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeXServer:
        """Start serving; return self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut delayed answers short and close the port."""
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeXServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _control(fake: FakeX, method: str, path: str, body: Any) -> _Answer:
    """The standalone server's controls: state, faults, mentions and search feeds."""
    items = body.get("items", []) if isinstance(body, dict) else []
    if method == "GET" and path == "/_fake/state":
        return _Answer(200, fake.state())
    if method == "GET" and path == "/_fake/posts":
        return _Answer(200, {"posts": fake.own_posts, "attempts": dict(fake.attempts)})
    if method == "POST" and path == "/_fake/faults":
        fake.script(*(Fault(**item) for item in items))
        return _Answer(200, {"pending_faults": len(fake.pending_faults)})
    if method == "POST" and path in ("/_fake/mentions", "/_fake/search"):
        feed = fake.feed_mentions if path.endswith("mentions") else fake.feed_search
        return _Answer(200, {"ids": feed(*items)})
    return _Answer(404, _problem(404, "Not Found Error", f"no control {method} {path}"))


def _endpoint(method: str, path: str) -> str | None:
    if (route := _USER_ROUTE.match(path)) is not None and method == "GET":
        return OWN_POSTS if route.group(2) == "tweets" else MENTIONS
    return {
        ("POST", "/2/tweets"): CREATE_POST,
        ("GET", "/2/users/me"): ME,
        ("GET", "/2/tweets/search/recent"): SEARCH_RECENT,
        ("GET", "/2/tweets"): POSTS_BY_ID,
    }.get((method, path))


def _problem(status: int, title: str, detail: str) -> dict[str, Any]:
    return {"title": title, "type": "about:blank", "status": status, "detail": detail}


def _invalid(parameter: str, value: str, message: str) -> _Answer:
    body = {
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return _Answer(400, body)


def _parse_time(raw: str | None) -> datetime | None:
    return None if not raw else _at(raw)


def _at(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"
