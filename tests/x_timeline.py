"""A fake X timeline behind `responses`, for collection tests through real tweepy and requests.

`Timeline` answers ``GET /2/users/:id/mentions``, ``GET /2/tweets/search/recent`` and ``GET
/2/tweets?ids=`` the way X documents them, in X's real payload shape: each post is the
hand-written search fixture's post (tests/fixtures/x-api/search_recent_expanded.handwritten.json)
with its id, time, text, author, entities and metrics replaced; pages carry ``includes.users``
and ``meta`` (``newest_id``, ``oldest_id``, ``result_count``, ``next_token``). It honours
``since_id`` (which, on search, overrides ``start_time``), ``until_id``, ``start_time``,
``max_results`` and the pagination token; the mentions timeline shows only the newest 800; a
post with ``visible_at`` later than the clock is not indexed yet. Every request's query is kept
in ``queries``; ``fail_next`` queues error answers.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses

from bot.x_client import TweepyXClient
from tests.conftest import FIXTURES

BASE = "https://api.x.com"
USER_ID = "1072250532645998596"  # @TweepyDev, the account of tweepy's recordings
MENTIONS_URL = f"{BASE}/2/users/{USER_ID}/mentions"
SEARCH_URL = f"{BASE}/2/tweets/search/recent"
LOOKUP_URL = f"{BASE}/2/tweets"
_EXPANDED = json.loads(
    (FIXTURES / "x-api" / "search_recent_expanded.handwritten.json").read_text("utf-8")
)
TEMPLATE: dict[str, Any] = _EXPANDED["response"]["json_body"]["data"][0]
"""A post object in X's shape (all the fields collection asks for)."""
HEADERS: dict[str, str] = _EXPANDED["response"]["headers"]


def make_client() -> TweepyXClient:
    """A live client with fake credentials (tweepy and requests run for real)."""
    return TweepyXClient(
        consumer_key="ck-FAKE-5e1d",
        consumer_secret="cs-FAKE-9c0d",
        access_token=f"{USER_ID}-FAKEat7f3a",
        access_token_secret="ats-FAKE-2b8e",
        base_url=BASE,
    )


def x_time(moment: datetime) -> str:
    """Return a time as X writes it: ``2027-08-02T13:30:00.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def post_json(
    post_id: int,
    created_at: datetime,
    text: str,
    author_id: str,
    *,
    mentions: Sequence[tuple[str, str | None]] = (),
    hashtags: Sequence[str] = (),
    metrics: dict[str, int] | None = None,
    referenced: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Return a post object in X's v2 shape (the fixture's, with these values)."""
    body = copy.deepcopy(TEMPLATE)
    body.update(
        id=str(post_id),
        text=text,
        edit_history_tweet_ids=[str(post_id)],
        author_id=author_id,
        created_at=x_time(created_at),
        conversation_id=referenced[0][1] if referenced else str(post_id),
    )
    body["entities"] = {
        "mentions": [
            {"start": 0, "end": len(name) + 1, "username": name, **({"id": i} if i else {})}
            for name, i in mentions
        ],
        "hashtags": [{"start": 0, "end": len(tag) + 1, "tag": tag} for tag in hashtags],
    }
    body["public_metrics"] = dict(body["public_metrics"], **(metrics or {}))
    if referenced:
        body["referenced_tweets"] = [{"type": kind, "id": ref} for kind, ref in referenced]
    else:
        body.pop("referenced_tweets", None)
        body.pop("in_reply_to_user_id", None)
    return body


@dataclass
class _Posted:
    body: dict[str, Any]
    username: str
    visible_at: datetime | None


@dataclass
class Timeline:
    """One fake X endpoint's posts (see the module docstring).

    Attributes:
        clock: the fake X's time (visible_at, and nothing else).
        cap: the newest posts reachable at all (800 for mentions), or None.
    """

    clock: Callable[[], datetime]
    cap: int | None = None
    posts: list[_Posted] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)
    faults: dict[int, tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=dict)
    repeat_token: bool = False

    def add(
        self,
        body: dict[str, Any],
        username: str,
        *,
        visible_at: datetime | None = None,
    ) -> None:
        """Publish a post object (from `post_json`) by ``username``."""
        self.posts = [p for p in self.posts if p.body["id"] != body["id"]]
        self.posts.append(_Posted(body, username, visible_at))

    def fail_next(
        self, status: int, body: dict[str, Any], headers: dict[str, str], *, skip: int = 0
    ) -> None:
        """Answer a coming request with this error: the next one, or ``skip`` requests later."""
        self.faults[len(self.queries) + skip + 1] = (status, body, headers)

    def callback(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        """The `responses` callback: filter, paginate and answer like X."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        self.queries.append(query)
        if len(self.queries) in self.faults:
            status, error, headers = self.faults.pop(len(self.queries))
            return status, {**HEADERS, **headers}, json.dumps(error)
        now = self.clock()
        if "ids" in query:
            return self._lookup(query["ids"].split(","))
        shown = sorted(
            (p for p in self.posts if p.visible_at is None or p.visible_at <= now),
            key=lambda p: int(p.body["id"]),
            reverse=True,
        )[: self.cap]
        since, until = query.get("since_id"), query.get("until_id")
        start = query.get("start_time") if not (since and "query" in query) else None
        token = query.get("pagination_token") or query.get("next_token")
        eligible = [
            p
            for p in shown
            if (since is None or int(p.body["id"]) > int(since))
            and (until is None or int(p.body["id"]) < int(until))
            and (start is None or p.body["created_at"] >= start.replace("Z", ".000Z"))
            and (token is None or int(p.body["id"]) < int(token.removeprefix("t")))
        ]
        size = int(query.get("max_results", "10"))
        page = eligible[:size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0].body["id"], "oldest_id": page[-1].body["id"]}
        if len(eligible) > size:
            meta["next_token"] = token if self.repeat_token and token else f"t{page[-1].body['id']}"
        return 200, HEADERS, json.dumps(_body(page, meta))

    def _lookup(self, ids: list[str]) -> tuple[int, dict[str, str], str]:
        known = {p.body["id"]: p for p in self.posts}
        page = [known[i] for i in ids if i in known]
        errors = [
            {"value": i, "detail": f"Could not find tweet with ids: [{i}].",
             "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids",
             "resource_id": i, "type": "https://api.twitter.com/2/problems/resource-not-found"}
            for i in ids if i not in known
        ]  # fmt: skip
        body = _body(page, None) | ({"errors": errors} if errors else {})
        return 200, HEADERS, json.dumps(body)

    def register(self, mock: responses.RequestsMock, url: str) -> None:
        """Answer GETs of ``url`` (any query) with this timeline."""
        mock.add_callback(responses.GET, url, callback=self.callback)


def _body(page: list[_Posted], meta: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if page:
        users = {p.body["author_id"]: p.username for p in page}
        body["data"] = [p.body for p in page]
        body["includes"] = {
            "users": [
                {"id": i, "name": name.title(), "username": name} for i, name in users.items()
            ]
        }
    if meta is not None:
        body["meta"] = meta
    return body
