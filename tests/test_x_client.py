"""The tweepy adapter, with real tweepy 4.17 and requests underneath and X faked by `responses`.

`responses` replaces requests' transport adapter, so every request is built, signed and sent
by the real code paths and stops just before a socket; pytest-socket fails any test that
gets further. Payloads come from tests/fixtures/x-api (see its README for what is recorded,
transcribed or hand-written).
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.client import RemoteDisconnected
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from oauthlib.oauth1 import Client as OAuth1Signer  # type: ignore[import-untyped]  # no stubs
from pytest_socket import SocketBlockedError
from responses import matchers
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ProtocolError

from bot.errors import ConfigError, XError, XRateLimited, XRejected, XUnavailable
from bot.settings import Secrets, Settings, Timeouts
from bot.x_client import (
    CREATE_POST,
    MENTIONS,
    TWEET_FIELDS,
    Account,
    Page,
    PostResult,
    RateLimit,
    TweepyXClient,
    XClient,
    XPost,
)
from tests.conftest import FIXTURES

X_FIXTURES = FIXTURES / "x-api"
BASE = "https://api.x.com"
USER_ID = "1072250532645998596"  # @TweepyDev, the account of tweepy's recordings
# Recognisable fake credentials: none of them may ever show up in an error, repr or log.
CONSUMER_KEY = "ck-FAKE-consumer-key-7f3a91"
CONSUMER_SECRET = "cs-FAKE-consumer-secret-2b8e44"
ACCESS_TOKEN = f"{USER_ID}-FAKEaccessToken5e1d"
ACCESS_TOKEN_SECRET = "ats-FAKE-token-secret-9c0d17"
BEARER_TOKEN = "AAAAFAKEbearerToken%2Fe6a2b0"
SECRETS = (CONSUMER_KEY, CONSUMER_SECRET, ACCESS_TOKEN, ACCESS_TOKEN_SECRET, BEARER_TOKEN)
TIMEOUT = (1.5, 7.0)
READ_QUERY = {
    "expansions": "author_id",
    "tweet.fields": TWEET_FIELDS,
    "user.fields": "username,name",
}
HTML_503 = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
HTML_500 = "<html><head><title>Internal Server Error</title></head><body>Oops</body></html>"


def recorded(name: str) -> dict[str, Any]:
    """Return the response of a decoded tweepy recording (its first interaction)."""
    data = json.loads((X_FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    response: dict[str, Any] = data["interactions"][0]["response"]
    return response


def error_example(name: str) -> dict[str, Any]:
    """Return a transcribed error example; a message-only one gets X's problem+json shape."""
    for file in ("x-api-error-bodies.json", "x-api-error-bodies-more.json"):
        for example in json.loads((X_FIXTURES / file).read_text(encoding="utf-8"))["examples"]:
            if example["name"] == name:
                body = example.get("body") or example.get("body_assumed")
                if body is None:
                    message = example["message_observed"]
                    body = {"detail": message, "type": "about:blank", "title": "Forbidden"}
                return {"status": example["status"], "body": body}
    raise LookupError(name)


def make_client(base_url: str = BASE, bearer_token: str | None = None) -> TweepyXClient:
    """A client with the fake credentials and the test timeouts."""
    return TweepyXClient(
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        access_token=ACCESS_TOKEN,
        access_token_secret=ACCESS_TOKEN_SECRET,
        bearer_token=bearer_token,
        base_url=base_url,
        connect_timeout_seconds=TIMEOUT[0],
        read_timeout_seconds=TIMEOUT[1],
    )


@pytest.fixture
def x_api() -> Iterator[responses.RequestsMock]:
    """X's transport, faked: registered answers only; anything else is a ConnectionError."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def outcome(exc: XError) -> dict[str, Any]:
    """The attributes of one of our errors that callers branch on."""
    out: dict[str, Any] = {"type": type(exc).__name__}
    if isinstance(exc, XRejected):
        out |= {"status": exc.status, "messages": exc.messages, "duplicate": exc.duplicate}
        out["mention_refused"] = exc.mention_refused
    if isinstance(exc, XRateLimited):
        out["reset_at"] = exc.reset_at
    if isinstance(exc, XUnavailable):
        out["may_have_reached_x"] = exc.may_have_reached_x
    return out


def rejected(status: int, messages: list[str], **flags: bool) -> dict[str, Any]:
    """The outcome of an XRejected."""
    out = {"type": "XRejected", "status": status, "messages": messages, "duplicate": False}
    return out | {"mention_refused": False} | flags


AUTH = {"type": "XAuthError"}
RESET_AT = datetime(2030, 3, 17, 17, 46, 40, tzinfo=UTC)  # x-rate-limit-reset 1900000000


def detail(name: str) -> str:
    """The detail text of a transcribed error body."""
    text: str = error_example(name)["body"]["detail"]
    return text


# (case, status, body: JSON dict or text, response headers, expected outcome)
HTTP_ERROR_CASES: list[tuple[str, int, Any, dict[str, str], dict[str, Any]]] = [
    (
        "403 duplicate content",
        403,
        error_example("duplicate_content_403")["body"],
        {},
        rejected(403, [detail("duplicate_content_403")], duplicate=True),
    ),
    (
        "403 reply not summoned",
        403,
        error_example("reply_not_summoned_403")["body"],
        {},
        rejected(403, [detail("reply_not_summoned_403")], mention_refused=True),
    ),
    (
        "403 reply restricted by the author",
        403,
        error_example("reply_restricted_by_author_403")["body"],
        {},
        rejected(403, [detail("reply_restricted_by_author_403")], mention_refused=True),
    ),
    (
        "403 about @mentions (hand-written wording)",
        403,
        {"detail": "Programmatic @mentions of these users are not allowed.", "status": 403},
        {},
        rejected(
            403, ["Programmatic @mentions of these users are not allowed."], mention_refused=True
        ),
    ),
    (
        "403 not permitted",
        403,
        error_example("not_permitted_403")["body"],
        {},
        rejected(403, ["You are not permitted to perform this action."]),
    ),
    ("403 client not enrolled", 403, error_example("client_not_enrolled_403")["body"], {}, AUTH),
    (
        "403 unsupported auth",
        403,
        error_example("unsupported_authentication_403")["body"],
        {},
        AUTH,
    ),
    ("403 oauth1 permissions", 403, error_example("oauth1_permissions_403")["body"], {}, AUTH),
    ("403 access level (453)", 403, error_example("access_level_453_403")["body"], {}, AUTH),
    ("401", 401, error_example("unauthorized_401")["body"], {}, AUTH),
    (
        "400 invalid request (hand-written)",
        400,
        {"errors": [{"message": "text: must not be empty"}], "title": "Invalid Request"},
        {},
        rejected(400, ["text: must not be empty"]),
    ),
    ("404 without a JSON body", 404, "Not Found", {}, rejected(404, ["404 Not Found"])),
    (
        "429 with a reset header",
        429,
        error_example("rate_limited_429")["body"],
        {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": "1900000000",
        },
        {"type": "XRateLimited", "reset_at": RESET_AT},
    ),
    (
        "429 without a reset header",
        429,
        error_example("rate_limited_429_docs_example")["body"],
        {},
        {"type": "XRateLimited", "reset_at": None},
    ),
    ("500 HTML", 500, HTML_500, {}, {"type": "XUnavailable", "may_have_reached_x": True}),
    ("503 HTML", 503, HTML_503, {}, {"type": "XUnavailable", "may_have_reached_x": True}),
]


def add(
    mock: responses.RequestsMock,
    method: str,
    url: str,
    status: int,
    body: Any,
    headers: dict[str, str],
) -> None:
    """Register one answer: JSON for a dict or list, HTML for text."""
    if isinstance(body, dict | list):
        mock.add(method, url, json=body, status=status, headers=headers)
    else:
        mock.add(method, url, body=body, status=status, headers=headers, content_type="text/html")


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [case[1:] for case in HTTP_ERROR_CASES],
    ids=[case[0] for case in HTTP_ERROR_CASES],
)
def test_create_post_maps_x_refusals_to_our_errors(
    x_api: responses.RequestsMock,
    status: int,
    body: Any,
    headers: dict[str, str],
    expected: dict[str, Any],
) -> None:
    """Each X error answer to POST /2/tweets becomes the right XError, chained to tweepy's."""
    add(x_api, "POST", f"{BASE}/2/tweets", status, body, headers)
    with pytest.raises(XError) as caught:
        make_client().create_post("Recess starts today. #RecessReachOut")
    assert expected == outcome(caught.value)
    assert "tweepy.errors" == type(caught.value.__cause__).__module__


def connection_refused() -> Exception:
    reason = NewConnectionError(HTTPConnection("api.x.com"), "[Errno 111] Connection refused")
    return requests.ConnectionError(
        MaxRetryError(HTTPConnectionPool("api.x.com"), "/2/tweets", reason)
    )


def name_not_resolved() -> Exception:
    gaierror = socket.gaierror(-2, "Name or service not known")
    reason = NameResolutionError("api.x.com", HTTPConnection("api.x.com"), gaierror)
    return requests.ConnectionError(
        MaxRetryError(HTTPConnectionPool("api.x.com"), "/2/tweets", reason)
    )


# (case, what requests raises, may_have_reached_x); requests wraps urllib3 exactly like this.
NETWORK_CASES: list[tuple[str, Callable[[], Exception], bool]] = [
    ("connect timeout", lambda: requests.ConnectTimeout("connect timed out"), False),
    ("DNS failure", name_not_resolved, False),
    ("connection refused", connection_refused, False),
    ("read timeout", lambda: requests.ReadTimeout("read timed out"), True),
    (
        "connection reset after sending",
        lambda: requests.ConnectionError(
            ProtocolError(
                "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")
            )
        ),
        True,
    ),
    (
        "closed without an answer",
        lambda: requests.ConnectionError(
            ProtocolError("Connection aborted.", RemoteDisconnected("Remote end closed connection"))
        ),
        True,
    ),
    (
        "body cut short",
        lambda: requests.exceptions.ChunkedEncodingError(
            ProtocolError("Response ended prematurely")
        ),
        True,
    ),
]


@pytest.mark.parametrize(
    ("raised", "may_have_reached_x"),
    [case[1:] for case in NETWORK_CASES],
    ids=[case[0] for case in NETWORK_CASES],
)
@pytest.mark.parametrize(
    "call",
    [lambda c: c.create_post("Recess starts today."), lambda c: c.me()],
    ids=["create_post", "me"],
)
def test_network_failures_say_whether_x_may_have_the_request(
    x_api: responses.RequestsMock,
    raised: Callable[[], Exception],
    may_have_reached_x: bool,
    call: Callable[[TweepyXClient], object],
) -> None:
    """Raw requests failures become XUnavailable; only a connection never made is "not reached"."""
    x_api.post(f"{BASE}/2/tweets", body=raised())
    x_api.get(f"{BASE}/2/users/me", body=raised())
    with pytest.raises(XUnavailable) as caught:
        call(make_client())
    assert may_have_reached_x == caught.value.may_have_reached_x
    assert isinstance(caught.value.__cause__, requests.RequestException)


# (case, call on the client, method, URL that answers)
CALLS: list[tuple[str, Callable[[TweepyXClient], object], str, str]] = [
    ("create_post", lambda c: c.create_post("Recess starts today."), "POST", "/2/tweets"),
    ("me", lambda c: c.me(), "GET", "/2/users/me"),
    ("mentions", lambda c: c.mentions(USER_ID), "GET", f"/2/users/{USER_ID}/mentions"),
    (
        "search_recent",
        lambda c: c.search_recent("#RecessReachOut"),
        "GET",
        "/2/tweets/search/recent",
    ),
    ("own_posts", lambda c: c.own_posts(USER_ID), "GET", f"/2/users/{USER_ID}/tweets"),
    ("posts_by_id", lambda c: c.posts_by_id(["123"]), "GET", "/2/tweets"),
]
CREATED = {"data": {"id": "1", "text": "Recess starts today."}}
ME_BODY = {"data": {"id": USER_ID, "name": "Tweepy Testing", "username": "TweepyDev"}}
EMPTY_PAGE = {"meta": {"result_count": 0}}


def answer_every_call(mock: responses.RequestsMock, base: str = BASE) -> None:
    """Register a well-formed answer for every endpoint the client calls."""
    mock.post(f"{base}/2/tweets", json=CREATED, status=201)
    mock.get(f"{base}/2/users/me", json=ME_BODY)
    for _, _, method, path in CALLS[2:]:
        mock.add(method, base + path, json=EMPTY_PAGE)


@pytest.mark.parametrize(
    ("call", "method", "path"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS]
)
def test_every_request_carries_the_timeouts(
    x_api: responses.RequestsMock, call: Callable[[TweepyXClient], object], method: str, path: str
) -> None:
    """requests hands the transport adapter (connect, read) timeouts on every call."""
    answer_every_call(x_api)
    call(make_client())
    assert [(method, path)] == [
        (c.request.method, urlsplit(c.request.url).path) for c in x_api.calls
    ]
    assert TIMEOUT == vars(x_api.calls[0].request)["req_kwargs"]["timeout"]


@pytest.mark.parametrize(
    ("base_url", "expected_url"),
    [
        ("https://api.x.com", "https://api.x.com/2/tweets"),
        ("http://127.0.0.1:9/", "http://127.0.0.1:9/2/tweets"),
        ("http://localhost:8080/fake-x", "http://localhost:8080/fake-x/2/tweets"),
    ],
)
def test_create_post_goes_to_the_configured_base_url(
    x_api: responses.RequestsMock, base_url: str, expected_url: str
) -> None:
    """A 201 becomes a PostResult; the post went to our base URL, OAuth 1.0a signed, as JSON."""
    created = recorded("test_client_create_and_delete_tweet")
    x_api.post(
        expected_url,
        json=created["json_body"],
        status=201,
        headers=created["headers"],
        match=[matchers.json_params_matcher({"text": "Test Tweet"})],
    )
    result = make_client(base_url).create_post("Test Tweet")
    assert PostResult("1456012973835788293", "Test Tweet") == result
    request = x_api.calls[0].request
    assert expected_url == request.url
    assert request.headers["Authorization"].startswith("OAuth ")
    assert f'oauth_consumer_key="{CONSUMER_KEY}"' in request.headers["Authorization"]
    assert "application/json" == request.headers["Content-Type"]


def test_the_oauth_signature_covers_the_url_actually_sent(x_api: responses.RequestsMock) -> None:
    """The host is swapped before signing, so X can verify the signature of what it receives."""
    x_api.post("http://127.0.0.1:9/2/tweets", json=CREATED, status=201)
    make_client("http://127.0.0.1:9").create_post("Recess starts today.")
    header = x_api.calls[0].request.headers["Authorization"]
    sent = {key: unquote(value) for key, value in re.findall(r'(\w+)="([^"]*)"', header)}

    def signature(url: str) -> str:
        signer = OAuth1Signer(
            CONSUMER_KEY,
            client_secret=CONSUMER_SECRET,
            resource_owner_key=ACCESS_TOKEN,
            resource_owner_secret=ACCESS_TOKEN_SECRET,
            nonce=sent["oauth_nonce"],
            timestamp=sent["oauth_timestamp"],
        )
        _, headers, _ = signer.sign(url, http_method="POST")
        found: str = re.findall(r'oauth_signature="([^"]*)"', headers["Authorization"])[0]
        return unquote(found)

    assert signature("http://127.0.0.1:9/2/tweets") == sent["oauth_signature"]
    assert signature("https://api.twitter.com/2/tweets") != sent["oauth_signature"]


# (case, call, answer path, status, body, headers, expected outcome): reads fail the same way.
READ_ERROR_CASES: list[
    tuple[str, Callable[[TweepyXClient], object], str, int, Any, dict[str, str], dict[str, Any]]
] = [
    (
        "me 401",
        lambda c: c.me(),
        "/2/users/me",
        401,
        error_example("unauthorized_401")["body"],
        {},
        AUTH,
    ),
    (
        "mentions 503",
        lambda c: c.mentions(USER_ID),
        f"/2/users/{USER_ID}/mentions",
        503,
        HTML_503,
        {},
        {"type": "XUnavailable", "may_have_reached_x": True},
    ),
    (
        "search 429",
        lambda c: c.search_recent("#RecessReachOut"),
        "/2/tweets/search/recent",
        429,
        error_example("rate_limited_429")["body"],
        {"x-rate-limit-reset": "1900000000"},
        {"type": "XRateLimited", "reset_at": RESET_AT},
    ),
    (
        "own posts 404",
        lambda c: c.own_posts("1"),
        "/2/users/1/tweets",
        404,
        {"title": "Not Found Error", "detail": "Could not find user with id: [1].", "status": 404},
        {},
        rejected(404, ["Could not find user with id: [1]."]),
    ),
]


@pytest.mark.parametrize(
    ("call", "path", "status", "body", "headers", "expected"),
    [case[1:] for case in READ_ERROR_CASES],
    ids=[case[0] for case in READ_ERROR_CASES],
)
def test_reads_map_x_errors_like_posts(
    x_api: responses.RequestsMock,
    call: Callable[[TweepyXClient], object],
    path: str,
    status: int,
    body: Any,
    headers: dict[str, str],
    expected: dict[str, Any],
) -> None:
    """Read endpoints raise the same family; a 5xx on a read also says X got the request."""
    add(x_api, "GET", BASE + path, status, body, headers)
    with pytest.raises(XError) as caught:
        call(make_client())
    assert expected == outcome(caught.value)


@pytest.mark.parametrize(
    ("call", "method", "path"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS]
)
@pytest.mark.parametrize("bearer_token", [None, BEARER_TOKEN])
def test_the_bearer_token_is_used_only_for_search_and_lookups_and_only_when_set(
    x_api: responses.RequestsMock,
    call: Callable[[TweepyXClient], object],
    method: str,
    path: str,
    bearer_token: str | None,
) -> None:
    """Posting, me, mentions and own posts are OAuth 1.0a; "Bearer None" is never sent."""
    answer_every_call(x_api)
    call(make_client(bearer_token=bearer_token))
    authorization = x_api.calls[0].request.headers["Authorization"]
    uses_bearer = bearer_token is not None and path in ("/2/tweets/search/recent", "/2/tweets")
    uses_bearer = uses_bearer and method == "GET"
    expected = f"Bearer {BEARER_TOKEN}" if uses_bearer else "OAuth "
    assert expected == authorization[: len(expected)]
    assert "Bearer None" != authorization


def test_rate_limits_are_recorded_from_successes_and_errors(x_api: responses.RequestsMock) -> None:
    """Every response's rate-limit headers are kept per endpoint, whatever its status."""
    created = recorded("test_client_create_and_delete_tweet")
    x_api.post(
        f"{BASE}/2/tweets", json=created["json_body"], status=201, headers=created["headers"]
    )
    x_api.post(
        f"{BASE}/2/tweets",
        json=error_example("duplicate_content_403")["body"],
        status=403,
        headers={
            "x-rate-limit-limit": "200",
            "x-rate-limit-remaining": "198",
            "x-rate-limit-reset": "1635976418",
            "x-user-limit-24hour-limit": "100",
            "x-user-limit-24hour-remaining": "98",
            "x-user-limit-24hour-reset": "1636060000",
            "x-app-limit-24hour-limit": "1667",
            "x-app-limit-24hour-remaining": "1600",
            "x-app-limit-24hour-reset": "1636060001",
        },
    )
    mentions = recorded("test_client_get_users_mentions")
    x_api.get(
        f"{BASE}/2/users/{USER_ID}/mentions",
        json=mentions["json_body"],
        headers=mentions["headers"],
    )
    x_api.get(f"{BASE}/2/tweets/search/recent", body=HTML_503, status=503, content_type="text/html")
    client = make_client()
    client.create_post("Test Tweet")
    assert {
        CREATE_POST: RateLimit(CREATE_POST, 200, 199, datetime(2021, 11, 3, 21, 53, 38, tzinfo=UTC))
    } == client.rate_limits
    with pytest.raises(XRejected):
        client.create_post("Test Tweet")
    client.mentions(USER_ID)
    with pytest.raises(XUnavailable):
        client.search_recent("#RecessReachOut")
    expected = {
        CREATE_POST: RateLimit(
            CREATE_POST,
            200,
            198,
            datetime(2021, 11, 3, 21, 53, 38, tzinfo=UTC),
            100,
            98,
            datetime(2021, 11, 4, 21, 6, 40, tzinfo=UTC),
            1667,
            1600,
            datetime(2021, 11, 4, 21, 6, 41, tzinfo=UTC),
        ),
        MENTIONS: RateLimit(MENTIONS, 450, 448, datetime(2022, 10, 7, 22, 53, 48, tzinfo=UTC)),
    }
    assert expected == client.rate_limits


# (case, 429 headers, expected reset_at)
RESET_CASES: list[tuple[str, dict[str, str], datetime | None]] = [
    ("15-minute window only", {"x-rate-limit-reset": "1900000000"}, RESET_AT),
    (
        "user 24-hour window exhausted, resets later",
        {
            "x-rate-limit-reset": "1900000000",
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": "1900050000",
        },
        datetime(2030, 3, 18, 7, 40, tzinfo=UTC),
    ),
    (
        "app 24-hour window exhausted, no 15-minute reset",
        {"x-app-limit-24hour-remaining": "0", "x-app-limit-24hour-reset": "1900050000"},
        datetime(2030, 3, 18, 7, 40, tzinfo=UTC),
    ),
    (
        "24-hour window not exhausted",
        {
            "x-rate-limit-reset": "1900000000",
            "x-user-limit-24hour-remaining": "3",
            "x-user-limit-24hour-reset": "1900050000",
        },
        RESET_AT,
    ),
    (
        "garbled 24-hour reset",
        {"x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": "soon"},
        None,
    ),
    ("garbled 15-minute reset", {"x-rate-limit-reset": "soon"}, None),
]


@pytest.mark.parametrize(
    ("headers", "expected"), [c[1:] for c in RESET_CASES], ids=[c[0] for c in RESET_CASES]
)
def test_a_429_resets_when_the_exhausted_window_does(
    x_api: responses.RequestsMock, headers: dict[str, str], expected: datetime | None
) -> None:
    """reset_at is x-rate-limit-reset unless an exhausted 24-hour window resets later."""
    x_api.post(
        f"{BASE}/2/tweets",
        json=error_example("rate_limited_429")["body"],
        status=429,
        headers=headers,
    )
    with pytest.raises(XRateLimited) as caught:
        make_client().create_post("Recess starts today.")
    assert expected == caught.value.reset_at


def test_a_429_never_sleeps_or_retries(
    x_api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """wait_on_rate_limit is off: one request, an XRateLimited, and no time.sleep."""

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds} s")

    monkeypatch.setattr(time, "sleep", no_sleep)
    x_api.post(
        f"{BASE}/2/tweets",
        json=error_example("rate_limited_429")["body"],
        status=429,
        headers={"x-rate-limit-reset": str(int(time.time()) + 900)},
    )
    with pytest.raises(XRateLimited):
        make_client().create_post("Recess starts today.")
    assert 1 == len(x_api.calls)


def test_mentions_page_parses_the_recorded_response(x_api: responses.RequestsMock) -> None:
    """The recorded mentions page keeps string ids and meta; the query asks for our fields."""
    body = recorded("test_client_get_users_mentions")["json_body"]
    x_api.get(
        f"{BASE}/2/users/783214/mentions",
        json=body,
        match=[
            matchers.query_param_matcher(
                READ_QUERY
                | {
                    "since_id": "1578516000000000000",
                    "pagination_token": "7140dibdnow9c7btw423i3sy3u5zupmkcpofxcsmxj48j",
                    "max_results": "100",
                    "start_time": "2022-10-07T20:00:00Z",
                }
            )
        ],
    )
    page = make_client().mentions(
        "783214",
        since_id="1578516000000000000",
        pagination_token="7140dibdnow9c7btw423i3sy3u5zupmkcpofxcsmxj48j",
        start_time=datetime.fromisoformat("2022-10-07T16:00:00-04:00"),
    )
    expected = Page(
        posts=tuple(XPost(post["id"], post["text"]) for post in body["data"]),
        newest_id="1578516295611748353",
        oldest_id="1578516107798884353",
        next_token="7140dibdnow9c7btw423i3sy3u5zupmkcpofxcsmxj48j",
        result_count=10,
    )
    assert expected == page
    assert "1578516295611748353" == page.posts[0].post_id


def test_search_page_parses_the_recorded_response(x_api: responses.RequestsMock) -> None:
    """The recorded search page parses; our pagination_token is sent as next_token."""
    body = recorded("test_client_search_recent_tweets")["json_body"]
    token = "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul"
    query = READ_QUERY | {"query": "Tweepy", "next_token": token, "max_results": "10"}
    x_api.get(
        f"{BASE}/2/tweets/search/recent", json=body, match=[matchers.query_param_matcher(query)]
    )
    page = make_client().search_recent("Tweepy", pagination_token=token, max_results=10)
    assert [post["id"] for post in body["data"]] == [post.post_id for post in page.posts]
    assert ("1578516068309794817", "1578511538419212288", token, 10) == (
        page.newest_id,
        page.oldest_id,
        page.next_token,
        page.result_count,
    )


def test_expanded_page_maps_every_field_and_the_included_users(
    x_api: responses.RequestsMock,
) -> None:
    """Fields, entities, metrics and includes.users become XPost and Account values."""
    answer = json.loads(
        (X_FIXTURES / "search_recent_expanded.handwritten.json").read_text(encoding="utf-8")
    )
    x_api.get(f"{BASE}/2/tweets/search/recent", json=answer["response"]["json_body"])
    page = make_client().search_recent("#RecessReachOut -is:retweet")
    supporter = Account("1900000000000000100", "supporter_example", "A Supporter")
    expected = Page(
        posts=(
            XPost(
                post_id="1900000000000000002",
                text="@Twitter Met my Representative in district today about H.R. 2283 "
                "#RecessReachOut",
                author_id="1900000000000000100",
                author_username="supporter_example",
                created_at=datetime(2026, 8, 10, 14, 5, 9, tzinfo=UTC),
                conversation_id="1900000000000000001",
                in_reply_to_user_id="783214",
                referenced=(("replied_to", "1900000000000000001"),),
                mentions=(("Twitter", "783214"),),
                hashtags=("RecessReachOut",),
                public_metrics={
                    "retweet_count": 1,
                    "reply_count": 0,
                    "like_count": 4,
                    "quote_count": 0,
                    "bookmark_count": 0,
                    "impression_count": 57,
                },
                lang="en",
            ),
            XPost(
                post_id="1900000000000000001",
                text="Congress is home for recess. Tell them: prioritize anti-trafficking "
                "policy. #RecessReachOut",
                author_id="783214",
                author_username="Twitter",
                created_at=datetime(2026, 8, 10, 13, 0, tzinfo=UTC),
                conversation_id="1900000000000000001",
                hashtags=("RecessReachOut",),
                public_metrics={
                    "retweet_count": 3,
                    "reply_count": 1,
                    "like_count": 9,
                    "quote_count": 1,
                    "bookmark_count": 2,
                    "impression_count": 410,
                },
                lang="en",
            ),
        ),
        users={supporter.user_id: supporter, "783214": Account("783214", "Twitter", "Twitter")},
        newest_id="1900000000000000002",
        oldest_id="1900000000000000001",
        next_token="b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul",
        result_count=2,
    )
    assert expected == page


def test_own_posts_parse_the_recorded_timeline(x_api: responses.RequestsMock) -> None:
    """GET /2/users/:id/tweets with since_id and start_time (sent in UTC) parses to a Page."""
    body = recorded("test_client_get_users_tweets")["json_body"]
    query = READ_QUERY | {"since_id": "1", "start_time": "2022-10-01T00:00:00Z", "max_results": "5"}
    x_api.get(
        f"{BASE}/2/users/783214/tweets", json=body, match=[matchers.query_param_matcher(query)]
    )
    page = make_client().own_posts(
        "783214", since_id="1", start_time=datetime(2022, 10, 1, tzinfo=UTC), max_results=5
    )
    assert ("1577730467436138524", "1565318587736285184") == tuple(p.post_id for p in page.posts)
    assert 2 == page.result_count


@pytest.mark.parametrize(
    ("call", "path", "token_name"),
    [
        (lambda c, **kw: c.mentions(USER_ID, **kw), f"/2/users/{USER_ID}/mentions",
         "pagination_token"),
        (lambda c, **kw: c.search_recent("#RecessReachOut", **kw), "/2/tweets/search/recent",
         "next_token"),
    ],
    ids=["mentions", "search"],
)  # fmt: skip
def test_the_overlap_query_sends_start_time_and_until_id(
    x_api: responses.RequestsMock, call: Callable[..., Page], path: str, token_name: str
) -> None:
    """The collector's overlap re-query: start_time in UTC, until_id, the page token."""
    expected = {"start_time": "2027-08-02T12:50:00Z", "until_id": "1900", token_name: "tok"}
    x_api.get(f"{BASE}{path}", json={"meta": {"result_count": 0}})
    start = datetime(2027, 8, 2, 8, 50, tzinfo=ZoneInfo("America/New_York"))
    call(make_client(), start_time=start, until_id="1900", pagination_token="tok")
    sent = parse_qs(urlsplit(x_api.calls[0].request.url or "").query)
    assert expected == {name: sent[name][0] for name in expected}


def test_posts_by_id_returns_partial_errors_instead_of_raising(
    x_api: responses.RequestsMock,
) -> None:
    """A 200 that carries errors for missing ids is a Page with those errors."""
    body = error_example("partial_errors_200")["body"]
    x_api.get(
        f"{BASE}/2/tweets",
        json=body,
        match=[matchers.query_param_matcher(READ_QUERY | {"ids": "123,456"})],
    )
    page = make_client().posts_by_id(["123", "456"])
    assert (
        Page(posts=(XPost("123", "Hello"),), result_count=1, errors=tuple(body["errors"])) == page
    )


def test_posts_by_id_parses_the_recorded_lookup(x_api: responses.RequestsMock) -> None:
    """The recorded GET /2/tweets lookup (no meta) counts its posts."""
    body = recorded("test_client_get_tweets")["json_body"]
    x_api.get(f"{BASE}/2/tweets", json=body)
    page = make_client().posts_by_id(["1293593516040269825", "1293595870563381249"])
    assert (
        Page(posts=tuple(XPost(p["id"], p["text"]) for p in body["data"]), result_count=2) == page
    )


def test_posts_by_id_checks_the_number_of_ids(x_api: responses.RequestsMock) -> None:
    """No ids: an empty page and no request; over 100 ids: ValueError before any request."""
    client = make_client()
    assert Page() == client.posts_by_id([])
    with pytest.raises(ValueError, match="at most 100 ids"):
        client.posts_by_id([str(n) for n in range(101)])
    assert 0 == len(x_api.calls)


def test_me_parses_the_recorded_account(x_api: responses.RequestsMock) -> None:
    """GET /2/users/me becomes an Account."""
    x_api.get(f"{BASE}/2/users/me", json=recorded("test_client_get_me")["json_body"])
    assert Account(USER_ID, "TweepyDev", "Tweepy Testing") == make_client().me()


def test_an_empty_page_has_no_posts(x_api: responses.RequestsMock) -> None:
    """No data key and result_count 0 (nothing new since since_id) is an empty Page."""
    x_api.get(f"{BASE}/2/users/{USER_ID}/mentions", json=EMPTY_PAGE)
    assert Page() == make_client().mentions(USER_ID, since_id="1578516295611748353")


def test_a_naive_start_time_is_refused(x_api: responses.RequestsMock) -> None:
    """start_time must be timezone-aware; nothing is sent otherwise."""
    with pytest.raises(ValueError, match="timezone-aware"):
        make_client().mentions(USER_ID, start_time=datetime(2026, 8, 10, 9, 0))
    assert 0 == len(x_api.calls)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html>Created</html>", "text/html"),
        ("{}", "application/json"),
        ('{"data": {"id": 1}}', "application/json"),
    ],
    ids=["HTML", "no data", "numeric id"],
)
def test_an_unreadable_success_means_the_post_may_be_out(
    x_api: responses.RequestsMock, body: str, content_type: str
) -> None:
    """A 201 whose body we cannot read is XUnavailable(may_have_reached_x=True), never success."""
    x_api.post(f"{BASE}/2/tweets", body=body, status=201, content_type=content_type)
    with pytest.raises(XUnavailable) as caught:
        make_client().create_post("Recess starts today.")
    assert caught.value.may_have_reached_x


def failure_texts(call: Callable[[], object]) -> list[str]:
    """Everything a failing call's error could show: traceback (with causes), repr, hint."""
    with pytest.raises(XError) as caught:
        call()
    return [*traceback.format_exception(caught.value), repr(caught.value), caught.value.hint]


def test_secrets_never_appear_in_errors_reprs_or_logs(
    x_api: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    """Every success and failure, logged at DEBUG, and the reprs are free of every credential."""
    caplog.set_level(logging.DEBUG)
    client = make_client(bearer_token=BEARER_TOKEN)
    answer_every_call(x_api)
    for _, call, _, _ in CALLS:
        call(client)
    texts = [repr(client), str(client)]
    post, search = f"{BASE}/2/tweets", f"{BASE}/2/tweets/search/recent"
    for _, status, body, headers, _ in HTTP_ERROR_CASES:
        x_api.reset()
        add(x_api, "POST", post, status, body, headers)
        add(x_api, "GET", search, status, body, headers)
        texts += failure_texts(lambda: client.create_post("Recess starts today."))
        texts += failure_texts(lambda: client.search_recent("#RecessReachOut"))
    for _, raised, _ in NETWORK_CASES:
        x_api.reset()
        x_api.post(post, body=raised())
        x_api.get(search, body=raised())
        texts += failure_texts(lambda: client.create_post("Recess starts today."))
        texts += failure_texts(lambda: client.search_recent("#RecessReachOut"))
    texts.append(caplog.text)
    assert "X POST /2/tweets: 201" in caplog.text  # DEBUG logging was on throughout
    chatty = ("tweepy.client", "requests_oauthlib.oauth1_auth", "oauthlib.oauth1.rfc5849")
    assert [] == [name for name in chatty if logging.getLogger(name).isEnabledFor(logging.DEBUG)]
    assert [] == [(secret, text) for secret in SECRETS for text in texts if secret in text]


def test_from_settings_takes_base_url_timeouts_and_secrets(x_api: responses.RequestsMock) -> None:
    """The settings' base URL and timeouts and the X_* secrets configure the client."""
    settings = Settings(x_api_base_url="http://127.0.0.1:9", timeouts=Timeouts(2.0, 9.0))
    values = {
        "X_CONSUMER_KEY": CONSUMER_KEY,
        "X_CONSUMER_SECRET": CONSUMER_SECRET,
        "X_ACCESS_TOKEN": ACCESS_TOKEN,
        "X_ACCESS_TOKEN_SECRET": ACCESS_TOKEN_SECRET,
        "X_BEARER_TOKEN": BEARER_TOKEN,
    }
    client: XClient = TweepyXClient.from_settings(settings, Secrets(values, {}))  # conforms
    x_api.get("http://127.0.0.1:9/2/tweets/search/recent", json=EMPTY_PAGE)
    client.search_recent("#RecessReachOut")
    request = x_api.calls[0].request
    assert (2.0, 9.0) == vars(request)["req_kwargs"]["timeout"]
    assert f"Bearer {BEARER_TOKEN}" == request.headers["Authorization"]


def test_from_settings_names_missing_credentials_without_values() -> None:
    """Missing X_* secrets are a ConfigError naming them; a malformed base URL too."""
    partial = Secrets({"X_CONSUMER_KEY": CONSUMER_KEY, "X_ACCESS_TOKEN": ACCESS_TOKEN}, {})
    with pytest.raises(ConfigError) as missing:
        TweepyXClient.from_settings(Settings(), partial)
    problem = missing.value.problems[0]
    expected = "X credentials are not set: X_CONSUMER_SECRET, X_ACCESS_TOKEN_SECRET"
    assert ("environment", expected) == (problem.file, problem.message)
    assert not any(secret in str(missing.value) for secret in SECRETS)
    full = Secrets(
        dict.fromkeys(
            ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"), "v"
        ),
        {},
    )
    with pytest.raises(ConfigError, match="base URL"):
        TweepyXClient.from_settings(Settings(x_api_base_url="api.x.com"), full)


def test_without_the_fake_transport_the_network_guard_stops_the_request() -> None:
    """Outside `responses` the real transport is used, and pytest-socket refuses it."""
    with pytest.raises(SocketBlockedError):
        make_client("http://127.0.0.1:9").me()


def test_query_parameters_are_sent_as_x_names_them(x_api: responses.RequestsMock) -> None:
    """Reads send expansions, tweet.fields and user.fields exactly once each."""
    x_api.get(f"{BASE}/2/tweets", json=EMPTY_PAGE)
    make_client().posts_by_id(["1", "2"])
    sent = parse_qs(urlsplit(str(x_api.calls[0].request.url)).query)
    assert {
        "ids": ["1,2"],
        "expansions": ["author_id"],
        "tweet.fields": [TWEET_FIELDS],
        "user.fields": ["username,name"],
    } == sent
