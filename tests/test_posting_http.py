"""Posting through the real tweepy adapter: every HTTP answer to POST /2/tweets, end to end.

`TweepyXClient` (fake credentials, base URL https://api.x.com) runs unchanged under
`responses`; the ledger is a real SQLite file in tmp_path; ``now`` is injected, nothing
sleeps. Error bodies come from tests/fixtures/x-api (see its README); the HTML bodies of the
5xx cases are what a load balancer sends when X's backend is down.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from responses import matchers
from urllib3 import HTTPSConnectionPool
from urllib3.connection import HTTPSConnection
from urllib3.exceptions import MaxRetryError, NewConnectionError

from bot.compose import PlannedPost
from bot.posting import PAUSED_STATE, TAGGED_STATE, Outcome, Poster
from bot.settings import Caps
from bot.store import Store
from bot.twitter_text import weighted_length
from bot.x_client import TWEET_FIELDS, TweepyXClient

X_API = Path(__file__).resolve().parent / "fixtures" / "x-api"
BASE_URL = "https://api.x.com"
TWEETS_URL = f"{BASE_URL}/2/tweets"
USER_ID = "1072250532645998596"
ME_URL = f"{BASE_URL}/2/users/me"
OWN_POSTS_URL = f"{BASE_URL}/2/users/{USER_ID}/tweets"
FAKE_SECRETS = ("ck-FAKE-4d2e10", "cs-FAKE-8a1f37", f"{USER_ID}-FAKEat0b6c", "ats-FAKE-3e9a52")

T0 = datetime(2027, 8, 2, 13, 30, tzinfo=UTC)
TEXT = "Congress is home for recess. Ask your members to back H.R. 2283 #RecessReachOut"
NO_CAPS = Caps(posts_per_day=1000, posts_per_15_minutes=100, min_spacing_minutes=0)
SETTLE = timedelta(seconds=30)  # Poster's default settle_seconds
LATER = T0 + timedelta(minutes=1)  # past the settle time, well inside late_ok

Expected = tuple[str, str | None, datetime | None]  # (state, x_post_id, retry_at)


def at(minutes: float) -> datetime:
    """T0 plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def example(file: str, name: str) -> dict[str, Any]:
    """One entry of a transcribed error-bodies fixture file."""
    entries: list[dict[str, Any]] = json.loads((X_API / file).read_text("utf-8"))["examples"]
    return next(entry for entry in entries if entry["name"] == name)


def error_body(name: str, file: str = "x-api-error-bodies.json") -> dict[str, Any]:
    """The JSON body of a transcribed error (``body``, else the assumed ``body_assumed``)."""
    entry = example(file, name)
    body: dict[str, Any] = entry.get("body") or entry["body_assumed"]
    return body


def created_answer() -> dict[str, Any]:
    """The recorded 201 of POST /2/tweets (tweepy's cassette): body and rate-limit headers."""
    recorded = json.loads((X_API / "test_client_create_and_delete_tweet.json").read_text("utf-8"))
    response = recorded["interactions"][0]["response"]
    headers = {k: v for k, v in response["headers"].items() if k != "content-type"}
    return {"status": 201, "json": response["json_body"], "headers": headers}


def reset_headers(reset_at: datetime) -> dict[str, str]:
    """The rate-limit headers of an exhausted 15-minute window resetting at ``reset_at``."""
    return {
        "x-rate-limit-limit": "100",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(int(reset_at.timestamp())),
    }


def refused() -> requests.exceptions.ConnectionError:
    """requests' error for a refused TCP connection, wrapped as urllib3 wraps it."""
    why = "Failed to establish a new connection: [Errno 111] Connection refused"
    cause = NewConnectionError(HTTPSConnection("api.x.com", 443), why)
    pool = HTTPSConnectionPool("api.x.com", 443)
    return requests.exceptions.ConnectionError(MaxRetryError(pool, "/2/tweets", cause))


def html(status: int, reason: str) -> dict[str, Any]:
    """An HTML error page (not JSON): what X's edge answers when the backend is down."""
    title = f"{status} {reason}"
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    return {"status": status, "body": page, "content_type": "text/html"}


def planned(*, late_ok_minutes: float = 30, tagged: tuple[str, ...] = ()) -> PlannedPost:
    """A planned post at T0 as compose makes it (key: id@UTC time#group)."""
    return PlannedPost(
        key=f"kickoff@{T0:%Y-%m-%dT%H:%M:%SZ}#FL",
        post_id="kickoff",
        local_at=T0.astimezone(ZoneInfo("America/New_York")),
        at_utc=T0,
        latest_at_utc=T0 + timedelta(minutes=late_ok_minutes),
        target_group="FL",
        text=TEXT,
        weighted_length=weighted_length(TEXT),
        tagging="approved" if tagged else "intent",
        targets=tagged,
        tagged=tagged,
    )


KEY = planned().key


def live_client() -> TweepyXClient:
    """The real adapter with fake credentials; `responses` answers for X."""
    return TweepyXClient(
        consumer_key=FAKE_SECRETS[0],
        consumer_secret=FAKE_SECRETS[1],
        access_token=FAKE_SECRETS[2],
        access_token_secret=FAKE_SECRETS[3],
        base_url=BASE_URL,
    )


def routes(x_api: responses.RequestsMock) -> list[str]:
    """The requests made so far, as ``METHOD path``."""
    return [f"{c.request.method} {c.request.path_url.split('?')[0]}" for c in x_api.calls]


# --- one POST, every answer ------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One answer of X to POST /2/tweets and what the ledger must make of it."""

    answer: dict[str, Any]  # keyword arguments of responses.add: status, json/body, headers
    expected: Expected
    reason: str  # a fragment of the outcome's reason (and the row's last_error)
    alerts: list[tuple[str, str | None]] = field(default_factory=list)  # open (kind, key)
    paused: bool = False  # all posting paused (auth)
    tagged_off: bool = False  # tagged posting turned off
    late_ok_minutes: float = 30
    tagged: tuple[str, ...] = ()


UNKNOWN: Expected = ("unknown", None, T0 + SETTLE)
AUTH_ALERT: list[tuple[str, str | None]] = [("auth_broken", None)]
SENT_ALREADY = "after sending POST /2/tweets"
CASES = {
    "201 created": Case(created_answer(), ("posted", "1456012973835788293", None), ""),
    "403 duplicate content": Case(
        {"status": 403, "json": error_body("duplicate_content_403")},
        ("duplicate", None, None),
        "(403): You are not allowed to create a Tweet with duplicate content.",
        [("duplicate", KEY)],
    ),
    "403 reply not summoned (a tagged post)": Case(
        {"status": 403, "json": error_body("reply_not_summoned_403")},
        ("skipped", None, None),
        "(403): You can only reply to or quote posts where you are mentioned",
        [("tagged_posting_off", None)],
        tagged_off=True,
        tagged=("S000148",),
    ),
    "403 not permitted": Case(
        {"status": 403, "json": error_body("not_permitted_403", "x-api-error-bodies-more.json")},
        ("skipped", None, None),
        "(403): You are not permitted to perform this action.",
        [("rejected", KEY)],
    ),
    "403 client not enrolled (auth)": Case(
        {"status": 403, "json": error_body("client_not_enrolled_403")},
        ("auth_broken", None, None),
        "credentials for POST /2/tweets (403)",
        AUTH_ALERT,
        paused=True,
    ),
    "401": Case(
        {"status": 401, "json": error_body("unauthorized_401")},
        ("auth_broken", None, None),
        "credentials for POST /2/tweets (401): Unauthorized",
        AUTH_ALERT,
        paused=True,
    ),
    "429, reset inside late_ok": Case(
        {"status": 429, "json": error_body("rate_limited_429"), "headers": reset_headers(at(10))},
        ("rate_limited", None, at(10)),
        "(resets 2027-08-02 13:40 UTC)",
    ),
    "429, reset after late_ok": Case(
        {"status": 429, "json": error_body("rate_limited_429"), "headers": reset_headers(at(20))},
        ("missed", None, None),
        "(resets 2027-08-02 13:50 UTC); the reset is after the post's late_ok window",
        [("missed", KEY)],
        late_ok_minutes=10,
    ),
    "429, 15-min reset inside late_ok but the 24-hour user limit is spent": Case(
        {
            "status": 429,
            "json": error_body("rate_limited_429"),
            "headers": reset_headers(at(10))
            | {
                "x-user-limit-24hour-limit": "17",
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": str(int(at(600).timestamp())),
            },
        },
        ("missed", None, None),
        "(resets 2027-08-02 23:30 UTC); the reset is after the post's late_ok window",
        [("missed", KEY)],
    ),
    "429 without reset header, inside late_ok": Case(
        {"status": 429, "json": error_body("rate_limited_429_docs_example")},
        ("rate_limited", None, at(15)),  # X's windows are 15 minutes
        "(reset time not sent)",
    ),
    "429 without reset header, after late_ok": Case(
        {"status": 429, "json": error_body("rate_limited_429_docs_example")},
        ("missed", None, None),
        "(reset time not sent); the reset is after the post's late_ok window",
        [("missed", KEY)],
        late_ok_minutes=10,
    ),
    "500 HTML body": Case(
        html(500, "Internal Server Error"), UNKNOWN, "POST /2/tweets: 500 Internal Server Error"
    ),
    "503 HTML body": Case(
        html(503, "Service Unavailable"), UNKNOWN, "POST /2/tweets: 503 Service Unavailable"
    ),
    "201 with a body the adapter cannot read": Case(
        {"status": 201, "body": "", "content_type": "application/json"},
        UNKNOWN,
        "X answered POST /2/tweets with a body reachout cannot read",
    ),
    "connect timeout (never reached X)": Case(
        {"body": requests.exceptions.ConnectTimeout("Connection to api.x.com timed out")},
        UNKNOWN,
        "(ConnectTimeout); nothing was sent (checked on the account before any retry)",
    ),
    "connection refused (never reached X)": Case(
        {"body": refused()},
        UNKNOWN,
        "(ConnectionError); nothing was sent (checked on the account before any retry)",
    ),
    "read timeout after sending": Case(
        {"body": requests.exceptions.ReadTimeout("Read timed out. (read timeout=30.0)")},
        UNKNOWN,
        f"no answer in time {SENT_ALREADY} (ReadTimeout)",
    ),
    "connection reset": Case(
        {
            "body": requests.exceptions.ConnectionError(
                ConnectionResetError(104, "Connection reset by peer")
            )
        },
        UNKNOWN,
        f"connection lost {SENT_ALREADY} (ConnectionError)",
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_each_answer_to_post_tweets_lands_in_its_ledger_state(tmp_path: Path, case: Case) -> None:
    """One post_due through real tweepy: X's answer lands in posting.py's ledger state, outcome
    and alerts; POST /2/tweets is made exactly once (never a blind retry) and nothing else is
    requested; a pause or tagging stop is recorded where the state needs one."""
    post = planned(late_ok_minutes=case.late_ok_minutes, tagged=case.tagged)
    called: list[tuple[str, str | None]] = []
    with (
        responses.RequestsMock(assert_all_requests_are_fired=True) as x_api,
        Store.open(tmp_path / "r.db") as store,
    ):
        x_api.add(responses.POST, TWEETS_URL, **case.answer)
        poster = Poster(
            store, live_client(), NO_CAPS, alert=lambda kind, _, key: called.append((kind, key))
        )
        outcome = poster.post_due(post, now=T0)
        row = store.get(post.key)
        alerts = [(a.kind, a.key) for a in store.open_alerts()]
        paused = store.get_state(PAUSED_STATE) is not None
        tagged_off = (store.get_state(TAGGED_STATE) or "").startswith("off")
        sent = [json.loads(c.request.body or b"{}") for c in x_api.calls]
        requested = routes(x_api)
    state, x_post_id, retry_at = case.expected
    assert case.expected == (outcome.state, outcome.x_post_id, outcome.retry_at)
    assert row is not None
    next_attempt = retry_at if state == "rate_limited" else None
    assert (state, x_post_id, next_attempt, 1) == (
        row.state,
        row.x_post_id,
        row.next_attempt_at,
        row.attempts,
    )
    assert ["POST /2/tweets"] == requested
    assert [{"text": TEXT}] == sent
    assert case.reason in outcome.reason
    assert case.reason in (row.last_error or "")
    assert case.alerts == alerts
    assert case.alerts == called
    assert (case.paused, case.tagged_off) == (paused, tagged_off)


# --- unknown: the account's own posts decide -------------------------------------------------

FOUND_ID = "1821000000000000007"
RESENT_ID = "1821000000000000011"
ACCOUNT = {"id": USER_ID, "name": "Recess Reach Out", "username": "RecessReachOut"}
OLDER = {  # an earlier post of the account, another text: never taken for ours
    "id": "1820990000000000003",
    "text": "Recess starts Monday. Find your members' town halls #RecessReachOut",
    "created_at": "2027-08-02T13:26:00.000Z",
    "author_id": USER_ID,
    "edit_history_tweet_ids": ["1820990000000000003"],
}
OURS = {
    "id": FOUND_ID,
    "text": TEXT,
    "created_at": "2027-08-02T13:30:01.000Z",
    "author_id": USER_ID,
    "edit_history_tweet_ids": [FOUND_ID],
}
OWN_POSTS_QUERY = {  # what the adapter asks: from the first claim minus the 5-min lookback
    "start_time": "2027-08-02T13:25:00Z",
    "max_results": "100",
    "expansions": "author_id",
    "tweet.fields": TWEET_FIELDS,
    "user.fields": "username,name",
}


def own_posts(*posts: dict[str, Any]) -> dict[str, Any]:
    """A GET /2/users/:id/tweets page with these posts (newest first)."""
    meta = {"result_count": len(posts), "newest_id": posts[0]["id"], "oldest_id": posts[-1]["id"]}
    return {"data": list(posts), "includes": {"users": [ACCOUNT]}, "meta": meta}


UNKNOWN_CASES = [name for name, case in CASES.items() if case.expected == UNKNOWN]
SETTLING = [
    pytest.param(CASES[name].answer, on_account, via, id=f"{name}, {label}, via {via}")
    for name in UNKNOWN_CASES
    for on_account, label in ((True, "on the account"), (False, "not on the account"))
    for via in ("post_due", "resolve_unknown")
]


@pytest.mark.parametrize(("answer", "on_account", "via"), SETTLING)
def test_an_unknown_post_is_looked_for_before_it_is_sent_again(
    tmp_path: Path, answer: dict[str, Any], on_account: bool, via: str
) -> None:
    """After each ``unknown`` answer, past the settle time, the account's own posts (GET
    /2/users/:id/tweets from the first claim minus the lookback) decide: the post is there →
    posted with its id and no second POST; it is not → exactly one more POST, then posted.
    ``via resolve_unknown``: that runs first (it never sends), then the scheduler's post_due.
    A never-reached send cannot really be on the account; it is kept to show that the check,
    not the kind of failure, decides."""
    post = planned()
    with (
        responses.RequestsMock(assert_all_requests_are_fired=True) as x_api,
        Store.open(tmp_path / "r.db") as store,
    ):
        x_api.add(responses.POST, TWEETS_URL, **answer)
        if not on_account:
            body = {"data": {"id": RESENT_ID, "text": TEXT, "edit_history_tweet_ids": [RESENT_ID]}}
            x_api.add(responses.POST, TWEETS_URL, status=201, json=body)
        me_query = matchers.query_param_matcher({"user.fields": "username,name"})
        x_api.get(ME_URL, json={"data": ACCOUNT}, match=[me_query])
        page = own_posts(OURS, OLDER) if on_account else own_posts(OLDER)
        x_api.get(OWN_POSTS_URL, json=page, match=[matchers.query_param_matcher(OWN_POSTS_QUERY)])
        poster = Poster(store, live_client(), NO_CAPS)
        first = poster.post_due(post, now=T0)
        resolved: list[Outcome] = []
        if via == "resolve_unknown":
            resolved = poster.resolve_unknown(now=LATER)
        final = poster.post_due(post, now=LATER)
        row = store.get(post.key)
        alerts = store.open_alerts()
        requested = routes(x_api)
    assert UNKNOWN == (first.state, first.x_post_id, first.retry_at)
    checks = ["GET /2/users/me", f"GET /2/users/{USER_ID}/tweets"]
    if via == "resolve_unknown":
        settled: Expected = ("posted", FOUND_ID, None) if on_account else ("unknown", None, LATER)
        assert [settled] == [(o.state, o.x_post_id, o.retry_at) for o in resolved]
        if not on_account:  # post_due reads the account once more before it sends
            checks.append(f"GET /2/users/{USER_ID}/tweets")
    resend = [] if on_account else ["POST /2/tweets"]
    assert ["POST /2/tweets", *checks, *resend] == requested
    x_post_id, posted_at, attempts = (
        (FOUND_ID, datetime(2027, 8, 2, 13, 30, 1, tzinfo=UTC), 1)
        if on_account
        else (RESENT_ID, LATER, 2)
    )
    assert ("posted", x_post_id, None) == (final.state, final.x_post_id, final.retry_at)
    assert row is not None
    assert ("posted", x_post_id, posted_at, attempts) == (
        row.state,
        row.x_post_id,
        row.posted_at,
        row.attempts,
    )
    assert [] == alerts
