"""Reading X API v2 archives (bot.x_archive) and importing them (bot.archive_import).

Pages come from tests/fixtures/x-api (the recorded mentions page and the hand-written
expanded search page); twarc2-style lines are those pages flattened the way ``twarc2
flatten`` does it: one post a line, its author inline, a ``__twarc`` note.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import store_collected as sc
from bot.archive_import import ImportResult, classifier_for, import_archive
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


def dated(body: dict[str, Any]) -> dict[str, Any]:
    """The page with a ``created_at`` on every post (tweepy's recordings did not ask for it)."""
    posts = [{"created_at": "2027-08-03T10:00:00.000Z", **post} for post in body["data"]]
    return dict(body, data=posts)


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
        (json.dumps(dated(page("test_client_get_users_mentions.json"))), 10),  # one line
        (json.dumps(page("search_recent_expanded.handwritten.json"), indent=2), 2),  # pretty
        ("\n".join(json.dumps(dated(page(n))) for n in ("test_client_get_users_mentions.json",
                                                   "search_recent_expanded.handwritten.json")),
         12),  # twarc2 search: a page a line
        (json.dumps({"data": {"id": "5", "text": "one post looked up",
                              "created_at": "2027-08-03T10:00:00Z"}}), 1),
        (json.dumps({"meta": {"result_count": 0}, "data": []}), 0),
        (json.dumps(page("search_recent_expanded.handwritten.json"), indent=1) * 2, 4),
    ],
    ids=["page", "pretty-printed page", "page per line", "single lookup", "empty page",
         "two pretty-printed pages in a row"],
)  # fmt: skip
def test_response_pages_in_any_layout(content: str, posts: int) -> None:
    """Whole-file pages, pretty-printed pages and a page a line all read the same way."""
    found = entries(content)
    assert (posts, []) == (
        sum(len(e.posts) for e in found),
        [p for e in found for p in e.problems],
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "1", "text": "cut off', "not JSON: Unterminated string"),
        ('{"user": "someone"}', "not an X API v2 post or response page"),
        ('{"id": 7, "text": "numeric id"}', "not an X API v2 post: id 7 is not an X id"),
        ('{"id": "7"}', 'not an X API v2 post (id "7"): no "text" field'),
        (
            '{"id": "7", "text": "x", "created_at": "yesterday"}',
            'not an X API v2 post (id "7"): created_at "yesterday" is not an ISO 8601 time',
        ),
        ("[1, 2]", "not an X API v2 post or response page"),
        ("[[[[" * 1500 + "]]]]" * 1500, "not JSON reachout can read: nested too deeply"),
        ('{"data": 5}', "not an X API v2 page: data is 5, not a list of posts"),
        (
            '{"data": [{"id": "8"}], "includes": "x"}',
            'not an X API v2 page: includes is "x", not a JSON object',
        ),
        ('{"data": [{"id": "8"}], "meta": [1]}', "not an X API v2 page: meta is a list"),
        (
            '{"errors": [{"title": "Not Found Error", "detail": "Could not find tweet"}]}',
            'a page holding only X\'s errors, no posts: "Not Found Error: Could not find tweet"',
        ),
        (
            '{"id_str": "1690000000000000001", "full_text": "v1.1"}',
            "an X API v1.1 post or account-archive entry (id_str, full_text), not v2",
        ),
    ],
)
def test_a_bad_line_is_reported_by_number_and_the_rest_read(line: str, message: str) -> None:
    """The line between two good ones is a problem at line 2; lines 1 and 3 still count.

    The messages say what is wrong in X's terms, never Python's ("'int' object is not
    iterable"); a JSON nested deeper than Python's recursion limit is a line's problem too.
    """
    good = flattened(page("search_recent_expanded.handwritten.json"))
    found = entries("\n".join([good[0], line, good[1]]) + "\n")
    problems = [p for e in found for p in e.problems]
    assert ([1, 3], [2]) == ([e.line for e in found if e.posts], [p.line for p in problems])
    assert problems[0].message.startswith(message), problems[0].message
    assert "archive.jsonl:2" in str(problems[0])


def test_undecodable_bytes_blank_lines_and_a_bom() -> None:
    """A BOM is ignored, blank lines skipped, a non-UTF-8 line reported with its number."""
    good = flattened(page("search_recent_expanded.handwritten.json"))
    content = ("\ufeff" + good[0] + "\n\n").encode() + b"\xff\xfe bad\n" + good[1].encode()
    found = entries(content)
    assert [(1, 1, None), (3, 0, "not UTF-8 text (byte 1 of the line)")] == [
        (e.line, len(e.posts), e.problems[0].message if e.problems else None) for e in found[:2]
    ]
    assert 3 == len(found)


AT = "2027-08-03T10:00:00.000Z"


def post_line(post_id: str = "1000", **fields: Any) -> str:
    """One post a line, as twarc2 flatten writes it (``fields`` replace or add fields)."""
    return json.dumps({"id": post_id, "text": "hi #RecessReachOut", "created_at": AT, **fields})


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"created_at": "0001-01-01T00:00:00+01:00"},
         'created_at "0001-01-01T00:00:00+01:00" is out of range'),
        ({"created_at": "9999-12-31T23:59:59-05:00"},
         'created_at "9999-12-31T23:59:59-05:00" is out of range'),
        ({"created_at": "2027-08-03T10:00:00"}, "has no time zone"),
        ({"created_at": None}, 'no "created_at": a post without its time would be in no report'),
        ({"id": " 1000"}, 'id " 1000" is not an X id'),
        ({"id": "01001"}, 'id "01001" is not an X id'),
        ({"id": "1002\n"}, 'id "1002\\n" is not an X id'),
        ({"id": "abc<script>"}, 'id "abc<script>" is not an X id'),
        ({"referenced_tweets": [{"type": "quoted", "id": 5}]},
         "referenced_tweets id 5 is not an X id"),
        ({"entities": {"mentions": ["bob"]}}, "mentions is a list, not a list of JSON objects"),
        ({"public_metrics": [1, 2]}, "public_metrics is a list, not a JSON object"),
        ({"text": 5}, "text is 5, not a string"),
    ],
)  # fmt: skip
def test_a_bad_post_in_a_page_is_skipped_alone_and_named(bad: dict[str, Any], message: str) -> None:
    """Post 2 of 3 is bad: posts 1 and 3 are read, the problem names the post and its id."""
    posts = [
        json.loads(post_line("1")),
        json.loads(post_line("2", **bad)),
        json.loads(post_line("3")),
    ]
    [entry] = entries(json.dumps({"data": [{k: v for k, v in p.items() if v is not None}
                                            for p in posts]}))  # fmt: skip
    [problem] = entry.problems
    assert (["1", "3"], 1) == ([p.post_id for p in entry.posts], problem.line)
    assert problem.message.startswith("post 2 of the page"), problem.message
    assert message in problem.message
    assert "Error" not in problem.message and "object" not in problem.message.split(":")[0]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"text": "lone \ud800 surrogate"}, ("lone \ufffd surrogate", {})),
        ({"public_metrics": {"like_count": 2**63, "reply_count": 2**63 - 1}},
         ("hi #RecessReachOut", {"reply_count": 2**63 - 1})),
        ({"public_metrics": {"like_count": -5, "quote_count": True}}, ("hi #RecessReachOut", {})),
    ],
    ids=["lone surrogate", "metric beyond SQLite", "negative and boolean metrics"],
)  # fmt: skip
def test_unstorable_text_and_metrics_are_cleaned_not_refused(
    fields: dict[str, Any], expected: tuple[str, dict[str, int]]
) -> None:
    """A lone surrogate becomes U+FFFD; a metric outside 0..2**63-1 is dropped; post read."""
    [entry] = entries(post_line(**fields))  # json.dumps writes "\ud800" as JSON does
    [post] = entry.posts
    assert (expected, ()) == ((post.text, dict(post.public_metrics)), entry.problems)


def test_a_bad_post_of_a_pretty_printed_page_is_located_at_its_own_line() -> None:
    """In a pretty-printed file the problem points at the line where the bad post starts."""
    posts = [json.loads(post_line(str(n))) for n in range(1, 6)]
    posts[3]["created_at"] = "yesterday"
    text = json.dumps({"data": posts, "meta": {"result_count": 5}}, indent=2)
    lines = text.splitlines()
    expected = lines.index('      "id": "4",')  # 1-based: the line before it, the post's "{"
    [entry] = entries("\n\n" + text)  # two blank lines first: the page starts at line 3
    [problem] = entry.problems
    assert (4, expected + 2, 'post 4 of the page (id "4")') == (
        len(entry.posts),
        problem.line,
        problem.message.split(":")[0],
    )


def test_a_broken_pretty_printed_page_is_one_problem_at_its_position() -> None:
    """A pretty-printed page with a missing comma: one problem at its line and column."""
    text = json.dumps({"data": [json.loads(post_line())]}, indent=2)
    broken = text.replace('"text"', '"text" "x"', 1)
    [entry] = entries(broken)
    [problem] = entry.problems
    line = 1 + broken.splitlines().index(next(x for x in broken.splitlines() if '"x"' in x))
    assert (line, "not JSON: Expecting ':' delimiter") == (problem.line, problem.message)


@pytest.mark.parametrize(
    ("content", "message", "hint"),
    [
        (gzip.compress(b'{"id": "1"}\n'), "a gzip-compressed file", "unzip it first"),
        (b"PK\x03\x04" + b"\0" * 30, "a zip archive", "unzip it first"),
        ('{"id": "1"}\n'.encode("utf-16"), "UTF-16 text", "save the archive as UTF-8"),
        (b'window.YTD.tweets.part0 = [\n  {"tweet": {"id_str": "1"}}\n]\n',
         "X's account archive (tweets.js, window.YTD...), not X API v2 JSON",
         "X's account archive ('Download an archive of your data') cannot be imported"),
    ],
    ids=["gzip", "zip", "UTF-16", "account archive"],
)  # fmt: skip
def test_files_that_are_not_v2_json_are_refused_at_once_with_a_hint(
    content: bytes, message: str, hint: str
) -> None:
    """A compressed file, UTF-16 or X's account archive: one problem, what to do about it."""
    found = entries(content)
    [problem] = [p for e in found for p in e.problems]
    assert (1, True, True) == (
        len(found),
        problem.message.startswith(message),
        hint in problem.hint,
    )


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
    with pytest.raises(DataError, match=r"a\.csv: no post could be read \(2 problems"):
        import_archive(store, classifier, parse_archive(["id,text\n", "1,hi\n"], "a.csv"),
                       file="a.csv", now=NOW)  # fmt: skip
    assert 0 == sc.count_posts(store)


def test_import_is_all_or_nothing_when_the_store_fails(store: Store, directory: Directory) -> None:
    """A failure while writing rolls back every post of the file, not just the last batch."""
    at = "2027-08-03T10:00:00Z"
    lines = [json.dumps({"id": str(n), "text": f"post {n}", "created_at": at}) + "\n"
             for n in range(1, 1201)]  # fmt: skip
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


def run_import(store: Store, directory: Directory, lines: list[str]) -> ImportResult:
    """Import ``lines`` (one post or page a line) as ``reachout import`` does."""
    classifier = classifier_for(store, directory, "#RecessReachOut", "RecessReachOut")
    content = [line + "\n" for line in lines]
    return import_archive(
        store, classifier, parse_archive(content, "a.jsonl"), file="a.jsonl", now=NOW
    )


def test_reimporting_an_older_archive_never_makes_a_post_older(
    store: Store, directory: Directory
) -> None:
    """Newer data, then an older archive of the same post: text and tags stay, metrics max."""
    newer = post_line("9500", text="fresh #RecessReachOut @SenRickScott",
                      public_metrics={"like_count": 100, "retweet_count": 50})  # fmt: skip
    older = post_line("9500", text="old", public_metrics={"like_count": 5, "reply_count": 7})
    run_import(store, directory, [newer])
    result = run_import(store, directory, [older])
    row = sc.get_post(store, "9500")
    assert row is not None
    assert (0, 1) == (result.new, result.updated)
    assert ("fresh #RecessReachOut @SenRickScott", ("S001217",), True, 100, 50, 7) == (
        row.text, row.tagged_bioguide_ids, row.has_hashtag, row.like_count,
        row.retweet_count, row.reply_count,
    )  # fmt: skip


def test_non_canonical_ids_never_make_a_second_row(store: Store, directory: Directory) -> None:
    """Ids " 1000", "01001" and "1002\\n" are refused by line; "1000" is the one row."""
    lines = [post_line(" 1000"), post_line("01001"), post_line("1002\n"), post_line("1000")]
    result = run_import(store, directory, lines)
    assert (1, [1, 2, 3]) == (sc.count_posts(store), [p.line for p in result.problems])


def test_one_bad_post_does_not_stop_an_import(store: Store, directory: Directory) -> None:
    """A year-1 date, a 2**63 like count, a lone surrogate: the other posts are all written."""
    lines = [
        post_line("100"),
        post_line("200", created_at="0001-01-01T00:00:00+01:00"),
        post_line("300", public_metrics={"like_count": 2**63}),
        post_line("400", text="lone \ud800"),
        "[" * 5000 + "]" * 5000,
        post_line("500"),
    ]
    result = run_import(store, directory, lines)
    surrogate = sc.get_post(store, "400")
    assert (4, [2, 5], "lone \ufffd") == (
        result.new,
        [p.line for p in result.problems],
        surrogate.text if surrogate else None,
    )


@pytest.mark.parametrize(
    "lines",
    [[], ['{"data": [], "meta": {"result_count": 0}}'], ["", "  "]],
    ids=["empty file", "empty page", "blank lines"],
)
def test_a_file_with_nothing_to_import_is_an_error(
    store: Store, directory: Directory, lines: list[str]
) -> None:
    """No post and no problem either: DataError saying there is nothing to import."""
    with pytest.raises(DataError, match=r"a\.jsonl: no post to import"):
        run_import(store, directory, lines)
