"""Parsing X's answers (bot.x_models): what post_from_json refuses or cleans, page by page.

The bodies are the tester's crafted cases (hostile or broken X API v2 JSON), inline.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.x_models import Account, page_from_json, post_from_json

AT = "2027-08-03T10:00:00.000Z"


def post(post_id: str = "1000", **fields: Any) -> dict[str, Any]:
    """A post object in X's v2 shape; ``fields`` replace or add fields (None: leave out)."""
    body = {"id": post_id, "text": "hi", "created_at": AT, **fields}
    return {key: value for key, value in body.items() if value is not None}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": " 1000"}, 'id " 1000" is not an X id'),
        ({"id": "01001"}, 'id "01001" is not an X id'),
        ({"id": "1002\n"}, 'id "1002\\n" is not an X id'),
        ({"id": "abc<script>"}, 'id "abc<script>" is not an X id'),
        ({"id": "12345678901234567890"}, "is not an X id"),  # 20 digits: beyond X's ids
        ({"id": 11}, "id 11 is not an X id"),
        ({"id": None}, 'no "id" field'),
        ({"author_id": 5}, "author_id 5 is not an X id"),
        ({"text": None}, 'no "text" field'),
        ({"created_at": "0001-01-01T00:00:00+01:00"}, "is out of range (X began in 2006)"),
        ({"created_at": "9999-12-31T23:59:59-05:00"}, "is out of range (X began in 2006)"),
        ({"created_at": "2027-08-03"}, "has no time zone"),
        ({"created_at": 1700000000}, "created_at is 1700000000, not a string"),
        ({"entities": [1]}, "entities is a list, not a JSON object"),
        ({"referenced_tweets": "abc"}, 'referenced_tweets is "abc", not a list of JSON objects'),
        ({"lang": 5}, "lang is 5, not a string"),
    ],
)
def test_a_post_x_does_not_document_is_refused_in_plain_words(
    fields: dict[str, Any], message: str
) -> None:
    """Non-canonical ids, dates out of range, wrong types: a ValueError or TypeError saying so."""
    with pytest.raises((ValueError, TypeError)) as caught:
        post_from_json(post(**fields), {})
    assert message in str(caught.value)


def test_text_metrics_and_dates_are_cleaned_to_what_the_store_can_hold() -> None:
    """Lone surrogates become U+FFFD; metrics outside 0..2**63-1 are dropped; UTC dates."""
    body = json.loads(
        '{"id": "7", "text": "a \\ud800 b \\udfff", "created_at": "2027-08-03T12:00:00+02:00",'
        ' "lang": "e\\ud800n", "public_metrics": {"like_count": 9223372036854775808,'
        ' "reply_count": 9223372036854775807, "quote_count": -1, "retweet_count": true,'
        ' "impression_count": 3}}'
    )
    parsed = post_from_json(body, {})
    assert (
        "a \ufffd b \ufffd",
        "e\ufffdn",
        datetime(2027, 8, 3, 10, tzinfo=UTC),
        {"reply_count": 2**63 - 1, "impression_count": 3},
    ) == (parsed.text, parsed.lang, parsed.created_at, dict(parsed.public_metrics))


def test_a_bad_post_costs_only_itself_and_is_described_in_errors() -> None:
    """Post 2 of 3 is bad: posts 1 and 3 are read, errors names post 2, its id and why."""
    body = {
        "data": [post("1"), post("abc"), post("3")],
        "errors": [{"title": "Not Found Error", "resource_id": "9"}],
    }
    page = page_from_json(body)
    assert (["1", "3"], 2) == ([p.post_id for p in page.posts], len(page.errors))
    assert {"title": "Not Found Error", "resource_id": "9"} == page.errors[0]
    assert {
        "title": "Unreadable post",
        "detail": 'post 2 of the page (id "abc"): id "abc" is not an X id (decimal digits in a'
        ' string, without spaces or leading zeros, e.g. "1900000000")',
        "index": 1,
    } == page.errors[1]


@pytest.mark.parametrize(
    ("extra", "users", "result_count"),
    [
        ({"includes": {"users": [{"id": "5", "username": "bob", "name": "Bob"}]}},
         {"5": Account("5", "bob", "Bob")}, 1),
        ({"includes": {"users": [{"id": "5", "username": "bob"}, "a", {"id": 6}]}},
         {"5": Account("5", "bob", "bob")}, 1),
        ({"includes": {"users": {"id": "5"}}}, {}, 1),
        ({"meta": {"result_count": 10**400, "next_token": 5}}, {}, 1),
        ({"meta": {"result_count": 3}}, {}, 3),
    ],
    ids=["user", "odd users skipped", "users not a list", "odd meta", "result_count"],
)  # fmt: skip
def test_odd_users_and_meta_are_skipped_not_fatal(
    extra: dict[str, Any], users: dict[str, Account], result_count: int
) -> None:
    """A user or meta value X does not document is left out; the page's post is still read."""
    page = page_from_json({"data": [post(author_id="5")], **extra})
    assert (1, users, result_count, None) == (
        len(page.posts), dict(page.users), page.result_count, page.next_token
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "the answer is not a JSON object"),
        ({"data": 5}, "data is not a list of posts"),
        ({"data": [], "includes": "x"}, 'includes is "x", not a JSON object'),
        ({"data": [], "meta": [1]}, "meta is a list, not a JSON object"),
    ],
)
def test_a_page_x_does_not_document_is_a_type_error_in_plain_words(body: Any, message: str) -> None:
    """The page itself malformed: TypeError (x_client makes it XUnavailable), said plainly."""
    with pytest.raises(TypeError, match=message):
        page_from_json(body)
