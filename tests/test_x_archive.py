"""Reading X API v2 archives (bot.x_archive) and importing them (bot.archive_import).

Pages come from tests/fixtures/x-api (the recorded mentions page and the hand-written
expanded search page); twarc2-style lines are those pages flattened the way ``twarc2
flatten`` does it: one post a line, its author inline, a ``__twarc`` note.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import store_collected as sc
from bot.archive_import import classifier_for, import_archive
from bot.errors import DataError, StoreError
from bot.legislators import Directory
from bot.settings import PROJECT_ROOT
from bot.store import Store
from bot.x_archive import Entry, parse_archive
from tests.conftest import FIXTURES

NOW = datetime(2027, 8, 9, 9, 0, tzinfo=UTC)
X_API = FIXTURES / "x-api"


def page(name: str) -> dict[str, Any]:
    """A recorded or hand-written response body from tests/fixtures/x-api."""
    data = json.loads((X_API / name).read_text("utf-8"))
    body: dict[str, Any] = (
        data["response"]["json_body"] if "response" in data
        else data["interactions"][0]["response"]["json_body"]
    )  # fmt: skip
    return body


def flattened(body: dict[str, Any]) -> list[str]:
    """The page as ``twarc2 flatten`` writes it: one post a line, author inline."""
    users = {u["id"]: u for u in body.get("includes", {}).get("users", [])}
    note = {"url": "https://api.twitter.com/2/tweets/search/recent", "version": "2.13.0"}
    return [
        json.dumps({**post, "author": users.get(post.get("author_id"), {}), "__twarc": note})
        for post in body["data"]
    ]


def entries(text: str | bytes) -> list[Entry]:
    """Parse a file's content, split into lines as a file yields them."""
    lines = text.splitlines(keepends=True)
    return list(parse_archive(lines, "archive.jsonl"))


def test_twarc2_lines_keep_authors_entities_and_metrics() -> None:
    """A flattened post line gives the same post as the page it came from."""
    body = page("search_recent_expanded.handwritten.json")
    [first, second] = entries("\n".join(flattened(body)) + "\n")
    post = first.posts[0]
    assert (1, 2) == (first.line, second.line)
    assert ("supporter_example", ("RecessReachOut",), (("Twitter", "783214"),), 4) == (
        post.author_username,
        post.hashtags,
        post.mentions,
        post.public_metrics["like_count"],
    )


@pytest.mark.parametrize(
    ("content", "posts"),
    [
        (json.dumps(page("test_client_get_users_mentions.json")), 10),  # one line
        (json.dumps(page("search_recent_expanded.handwritten.json"), indent=2), 2),  # pretty
        ("\n".join(json.dumps(page(n)) for n in ("test_client_get_users_mentions.json",
                                                   "search_recent_expanded.handwritten.json")),
         12),  # twarc2 search: a page a line
        (json.dumps({"data": {"id": "5", "text": "one post looked up"}}), 1),
        (json.dumps({"meta": {"result_count": 0}, "data": []}), 0),
    ],
    ids=["page", "pretty-printed page", "page per line", "single lookup", "empty page"],
)  # fmt: skip
def test_response_pages_in_any_layout(content: str, posts: int) -> None:
    """Whole-file pages, pretty-printed pages and a page a line all read the same way."""
    found = entries(content)
    assert (posts, []) == (
        sum(len(e.posts) for e in found),
        [e.problem for e in found if e.problem],
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "1", "text": "cut off', "not JSON: Unterminated string"),
        ('{"user": "someone"}', "not an X API v2 post or response page"),
        ('{"id": 7, "text": "numeric id"}', "not an X API v2 post: id is not a string"),
        ('{"id": "7"}', "not an X API v2 post or response page"),
        ('{"id": "7", "text": "x", "created_at": "yesterday"}', "not an X API v2 post: Invalid"),
        ("[1, 2]", "not an X API v2 post or response page"),
    ],
)
def test_a_bad_line_is_reported_by_number_and_the_rest_read(line: str, message: str) -> None:
    """The line between two good ones is a problem at line 2; lines 1 and 3 still count."""
    good = flattened(page("search_recent_expanded.handwritten.json"))
    found = entries("\n".join([good[0], line, good[1]]) + "\n")
    problems = [e.problem for e in found if e.problem]
    assert ([1, 3], [2]) == ([e.line for e in found if e.posts], [p.line for p in problems])
    assert problems[0].message.startswith(message), problems[0].message
    assert "archive.jsonl:2" in str(problems[0])


def test_undecodable_bytes_blank_lines_and_a_bom() -> None:
    """A BOM is ignored, blank lines skipped, a non-UTF-8 line reported with its number."""
    good = flattened(page("search_recent_expanded.handwritten.json"))
    content = ("\ufeff" + good[0] + "\n\n").encode() + b"\xff\xfe bad\n" + good[1].encode()
    found = entries(content)
    assert [(1, 1, None), (3, 0, "not UTF-8 text (byte 1 of the line)")] == [
        (e.line, len(e.posts), e.problem.message if e.problem else None) for e in found[:2]
    ]
    assert 3 == len(found)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store file."""
    with Store.open(tmp_path / "reachout.db") as opened:
        yield opened


@pytest.fixture(scope="module")
def directory() -> Directory:
    """The real legislator directory."""
    return Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")


def test_import_writes_every_good_line_classified_and_reports_the_bad(
    store: Store, directory: Directory
) -> None:
    """A twarc2 JSONL file with a bad line in the middle: the rest is imported and classified."""
    body = page("search_recent_expanded.handwritten.json")
    lines = flattened(body)
    content = "\n".join([lines[0], '{"broken": ', lines[1]]) + "\n"
    classifier = classifier_for(store, directory, "#RecessReachOut", "Twitter")
    result = import_archive(
        store, classifier, parse_archive(content.splitlines(True), "a.jsonl"), file="a.jsonl",
        now=NOW,
    )  # fmt: skip
    row = sc.get_post(store, "1900000000000000002")
    assert (2, 2, [2]) == (result.posts, result.new, [p.line for p in result.problems])
    assert row is not None
    assert (True, True, True, "supporter_example") == (
        row.via_import,
        row.has_hashtag,
        row.mentions_account,
        row.author_username,
    )


def test_import_of_nothing_readable_is_an_error_and_writes_nothing(
    store: Store, directory: Directory
) -> None:
    """A file with no post at all (a CSV, say) raises DataError naming the first bad line."""
    classifier = classifier_for(store, directory, "#RecessReachOut", "Twitter")
    with pytest.raises(DataError, match=r"a\.csv: no post could be read \(2 unreadable lines"):
        import_archive(store, classifier, parse_archive(["id,text\n", "1,hi\n"], "a.csv"),
                       file="a.csv", now=NOW)  # fmt: skip
    assert 0 == sc.count_posts(store)


def test_import_is_all_or_nothing_when_the_store_fails(store: Store, directory: Directory) -> None:
    """A failure while writing rolls back every post of the file, not just the last batch."""
    lines = [json.dumps({"id": str(n), "text": f"post {n}"}) + "\n" for n in range(1, 1201)]
    with store.transaction("t") as conn:
        conn.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON collected_posts WHEN NEW.post_id = '1100'"
            " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    classifier = classifier_for(store, directory, "#RecessReachOut", "Twitter")
    with pytest.raises(StoreError):
        import_archive(store, classifier, parse_archive(lines, "big.jsonl"), file="big.jsonl",
                       now=NOW)  # fmt: skip
    assert 0 == sc.count_posts(store)
