"""Classification of collected posts against the real legislator directory."""

from __future__ import annotations

import pytest

from bot.classify import Classifier
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
