"""Classification of collected posts against the real legislator directory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.classify import Classifier, printable, unstorable
from bot.legislators import Directory
from bot.settings import PROJECT_ROOT
from bot.x_models import XPost

RICK_SCOTT = ("S001217", "131546062", "SenRickScott")  # bioguide, X id, handle


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    """Our account @RecessReachOut (id 1690...), our ledger post 555."""
    directory = Directory.load(PROJECT_ROOT / "data" / "legislators.yaml")
    return Classifier(
        directory,
        "#RecessReachOut",
        account_username="RecessReachOut",
        account_id="1690000000000000001",
        our_post_ids=frozenset({"555"}),
    )


@pytest.mark.parametrize(
    ("author_id", "username", "expected"),
    [
        ("131546062", "SenRickScott", "S001217"),
        ("131546062", "BrandNewHandle", "S001217"),  # handle changed: the id still matches
        (None, "senrickscott", "S001217"),  # no id sent: the handle, case-insensitive
        ("777", "SenRickScott", None),  # someone else holding the old handle
        ("42", "a_supporter", None),
        (None, None, None),
    ],
)
def test_a_response_is_recognised_by_id_then_handle(
    classifier: Classifier, author_id: str | None, username: str | None, expected: str | None
) -> None:
    """The author is a legislator by numeric X id first, then by handle."""
    post = XPost("1", "thanks", author_id=author_id, author_username=username)
    assert expected == classifier.classify(post).legislator_bioguide_id


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        (XPost("1", "x", mentions=(("SenRickScott", None),)), ("S001217",)),
        (XPost("1", "x", mentions=(("Renamed", "131546062"),)), ("S001217",)),
        (XPost("1", "@SenRickScott and @senrickscott please"), ("S001217",)),  # from the text
        (XPost("1", "x", mentions=(("RecessReachOut", None), ("fan", "9"))), ()),
    ],
    ids=["handle", "id", "text-without-entities", "none"],
)
def test_tagged_legislators_become_bioguide_ids(
    classifier: Classifier, post: XPost, expected: tuple[str, ...]
) -> None:
    """entities.mentions (or the text) → the legislators a post tags, without repeats."""
    assert expected == classifier.classify(post).tagged_bioguide_ids


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        (XPost("1", "x", referenced=(("replied_to", "555"),)), ("555", None)),
        (XPost("1", "x", referenced=(("quoted", "555"),)), (None, "555")),
        (XPost("1", "x", referenced=(("replied_to", "556"),)), (None, None)),  # not ours
        (XPost("1", "x", referenced=(("retweeted", "555"),)), (None, None)),
    ],
)
def test_replies_and_quotes_of_our_posts_only(
    classifier: Classifier, post: XPost, expected: tuple[str | None, str | None]
) -> None:
    """replies_to_post_id / quotes_post_id name one of our ledger posts, else None."""
    found = classifier.classify(post)
    assert expected == (found.replies_to_post_id, found.quotes_post_id)


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        (XPost("1", "x", hashtags=("recessreachout",)), (True, False)),
        (XPost("1", "Join #RecessReachOut today @recessreachout"), (True, True)),
        (XPost("1", "x", mentions=(("renamed", "1690000000000000001"),)), (False, True)),
        (XPost("1", "#RecessReachOutNow is another tag"), (False, False)),
    ],
)
def test_hashtag_and_account_mentions(
    classifier: Classifier, post: XPost, expected: tuple[bool, bool]
) -> None:
    """The campaign hashtag and our account, case-insensitive, by id or handle."""
    found = classifier.classify(post)
    assert expected == (found.has_hashtag, found.mentions_account)


AT = datetime(2027, 8, 3, 10, tzinfo=UTC)
NOT_AN_ID = "is not an X id (decimal digits, e.g. '1900000000')"
SURROGATES = "its text holds lone UTF-16 surrogates (not UTF-8)"


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        (XPost("1900000000000000001", "hi", created_at=AT), None),
        (XPost("0", "hi", created_at=AT), None),
        (XPost(" 1000", "hi", created_at=AT), f"post id ' 1000' {NOT_AN_ID}"),
        (XPost("01001", "hi", created_at=AT), f"post id '01001' {NOT_AN_ID}"),
        (XPost("abc", "hi", created_at=AT), f"post id 'abc' {NOT_AN_ID}"),
        (XPost("1" * 20, "hi", created_at=AT), f"post id '{'1' * 20}' {NOT_AN_ID}"),
        (XPost("7", "hi"), 'no "created_at": a post without its time would be in no report'),
        (XPost("7", "a \ud800", created_at=AT), SURROGATES),
        (XPost("7", "hi", author_username="b\udfff", created_at=AT), SURROGATES),
        (XPost("7", "hi", created_at=AT, public_metrics={"like_count": 2**63}),
         "like_count 9223372036854775808 is not a count from 0 to 2**63-1"),
        (XPost("7", "hi", created_at=AT, public_metrics={"like_count": -1}),
         "like_count -1 is not a count from 0 to 2**63-1"),
    ],
)  # fmt: skip
def test_a_post_that_cannot_be_stored_says_why(post: XPost, expected: str | None) -> None:
    """Non-canonical ids, no created_at, lone surrogates, counts beyond SQLite: refused."""
    assert expected == unstorable(post)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Could not find tweet", "Could not find tweet"),
        ("\x1b[2J\x1b[31mred", " [2J [31mred"),
        ("line\r\nfake log line\ttab", "line  fake log line tab"),
        ("\u202eevil\u202c \u2066iso\u2069 \u200f\u061c", " evil   iso    "),
        ("nul\x00bell\x07 next\x85 \u2028\u2029", "nul bell  next    "),
        ("é 日本 😀", "é 日本 😀"),
    ],
)
def test_x_text_is_made_printable(text: str, expected: str) -> None:
    """Control, bidirectional and line-separator characters become spaces; the rest stays."""
    assert expected == printable(text)
