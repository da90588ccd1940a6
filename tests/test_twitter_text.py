"""Tests for bot.twitter_text: twitter-text conformance cases, then our own hand cases.

The conformance files in fixtures/twitter-text/ are twitter-text's own (see its README).
Out of scope, so not run: validate.yml's usernames, lists, hashtags, urls and
urls_without_protocol sections (they test is_valid_* validators we do not have), and
extract.yml's replies, cashtags and cashtags_with_indices sections. From the *_with_indices
sections we check the extracted values only: we expose no indices.
"""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.twitter_text import (
    MAX_WEIGHTED_LENGTH,
    V3_CONFIG,
    ParsedPost,
    TextConfig,
    extract_hashtags,
    extract_mentions,
    extract_urls,
    parse_post,
    weighted_length,
)

FIXTURES = Path(__file__).parent / "fixtures" / "twitter-text"
VALIDATE = yaml.safe_load((FIXTURES / "validate.yml").read_text(encoding="utf-8"))["tests"]
EXTRACT = yaml.safe_load((FIXTURES / "extract.yml").read_text(encoding="utf-8"))["tests"]

# twitter-text's earlier configs, which some conformance sections are written against.
# v2 is v3 without emoji parsing; v1 is the old 140-character count.
V2_CONFIG = dataclasses.replace(V3_CONFIG, version=2, emoji_parsing_enabled=False)
V1_CONFIG = TextConfig(
    version=1,
    max_weighted_length=140,
    scale=1,
    default_weight=1,
    emoji_parsing_enabled=False,
    transformed_url_length=23,
    ranges=(),
)


def cases(tests: dict[str, Any], *sections: str) -> list[Any]:
    """Return the named sections' cases as pytest params, each with its description as id."""
    return [
        pytest.param(case, id=f"{section}: {case['description']}")
        for section in sections
        for case in tests[section]
    ]


def expected_parse(expected: dict[str, Any]) -> ParsedPost:
    """Return a conformance case's camelCase parse result as a ParsedPost."""
    return ParsedPost(
        weighted_length=expected["weightedLength"],
        valid=expected["valid"],
        permillage=expected["permillage"],
        valid_range_start=expected["validRangeStart"],
        valid_range_end=expected["validRangeEnd"],
        display_range_start=expected["displayRangeStart"],
        display_range_end=expected["displayRangeEnd"],
    )


@pytest.mark.parametrize(
    "case",
    cases(
        VALIDATE,
        "WeightedTweetsWithDiscountedEmojiCounterTest",
        "UnicodeDirectionalMarkerCounterTest",
    ),
)
def test_parse_post_v3_conformance(case: dict[str, Any]) -> None:
    """Under v3, parse_post gives twitter-text's weighted length, validity and ranges."""
    expected = expected_parse(case["expected"])
    assert expected == parse_post(case["text"])
    assert expected.weighted_length == weighted_length(case["text"])


@pytest.mark.parametrize("case", cases(VALIDATE, "WeightedTweetsCounterTest"))
def test_parse_post_v2_conformance(case: dict[str, Any]) -> None:
    """Under v2 (no emoji parsing) parse_post gives twitter-text's parse result."""
    assert expected_parse(case["expected"]) == parse_post(case["text"], V2_CONFIG)


@pytest.mark.parametrize("case", cases(VALIDATE, "tweets"))
def test_parse_post_v1_validity_conformance(case: dict[str, Any]) -> None:
    """Under v1 (140 characters) parse_post's validity matches twitter-text's."""
    assert case["expected"] == parse_post(case["text"], V1_CONFIG).valid


@pytest.mark.parametrize("case", cases(EXTRACT, "urls", "tco_urls_with_params"))
def test_extract_urls_conformance(case: dict[str, Any]) -> None:
    """extract_urls finds the URLs twitter-text finds, with or without protocol."""
    assert case["expected"] == extract_urls(case["text"])


@pytest.mark.parametrize(
    "case", cases(EXTRACT, "urls_with_indices", "urls_with_directional_markers")
)
def test_extract_urls_with_indices_conformance(case: dict[str, Any]) -> None:
    """extract_urls finds the URLs of twitter-text's indexed cases (values only)."""
    assert [url["url"] for url in case["expected"]] == extract_urls(case["text"])


@pytest.mark.parametrize("case", cases(EXTRACT, "mentions"))
def test_extract_mentions_conformance(case: dict[str, Any]) -> None:
    """extract_mentions finds the screen names twitter-text finds."""
    assert case["expected"] == extract_mentions(case["text"])


@pytest.mark.parametrize(
    "case", cases(EXTRACT, "mentions_with_indices", "mentions_or_lists_with_indices")
)
def test_extract_mentions_with_indices_conformance(case: dict[str, Any]) -> None:
    """extract_mentions finds the indexed cases' mentions; a @user/list is no mention."""
    expected = [m["screen_name"] for m in case["expected"] if not m.get("list_slug")]
    assert expected == extract_mentions(case["text"])


@pytest.mark.parametrize("case", cases(EXTRACT, "hashtags", "hashtags_from_astral"))
def test_extract_hashtags_conformance(case: dict[str, Any]) -> None:
    """extract_hashtags finds the hashtags twitter-text finds."""
    assert case["expected"] == extract_hashtags(case["text"])


@pytest.mark.parametrize("case", cases(EXTRACT, "hashtags_with_indices"))
def test_extract_hashtags_with_indices_conformance(case: dict[str, Any]) -> None:
    """extract_hashtags finds the hashtags of twitter-text's indexed cases (values only)."""
    assert [h["hashtag"] for h in case["expected"]] == extract_hashtags(case["text"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Hello", 5, id="latin counts 1 each"),
        pytest.param("😀", 2, id="emoji"),
        pytest.param("👩\u200d💻", 2, id="ZWJ sequence"),
        pytest.param("🇺🇸", 2, id="flag"),
        pytest.param("👍🏽", 2, id="skin tone"),
        pytest.param("1\ufe0f\u20e3", 2, id="keycap"),
        pytest.param("🙂\u200d↔️", 2, id="Emoji 15.1 sequence"),
        pytest.param("©", 2, id="copyright sign is an emoji, as in twitter-text"),
        pytest.param("中文字", 6, id="three CJK characters"),
        pytest.param("https://example.com/" + "a" * 45, 23, id="65-character URL"),
        pytest.param("Call congress.gov now", 32, id="URL without protocol"),
        pytest.param("\u2014 \u201cquote\u201d", 9, id="dashes and quotes count 1"),
    ],
)
def test_weighted_length(text: str, expected: int) -> None:
    """weighted_length weighs Latin 1, CJK 2, any emoji sequence 2 and any URL 23."""
    assert expected == weighted_length(text)


def test_weighted_length_is_the_same_for_nfc_and_nfd() -> None:
    """Text is NFC-normalised first, so a decomposed 'café' weighs as the composed one."""
    nfd = unicodedata.normalize("NFD", "café")
    assert len(nfd) == 5
    assert weighted_length(unicodedata.normalize("NFC", "café")) == weighted_length(nfd) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("😀" * 140, True, id="140 emoji weigh 280"),
        pytest.param("😀" * 141, False, id="141 emoji weigh 282"),
        pytest.param("x" * 280, True, id="280 Latin characters"),
        pytest.param("x" * 281, False, id="281 Latin characters"),
        pytest.param("", False, id="empty"),
        pytest.param(" \n\t\u3000", False, id="only whitespace"),
        pytest.param("ok\ufeff", False, id="invalid character"),
    ],
)
def test_parse_post_valid(text: str, expected: bool) -> None:
    """A post is valid when not blank, at most 280 weighted and free of invalid characters."""
    assert expected == parse_post(text).valid


def test_parse_post_ranges_are_utf16() -> None:
    """Ranges are inclusive UTF-16 indices: an astral emoji spans two code units."""
    expected = ParsedPost(
        weighted_length=3,
        valid=True,
        permillage=10,
        valid_range_start=0,
        valid_range_end=2,
        display_range_start=0,
        display_range_end=2,
    )
    assert expected == parse_post("a😀")


def test_max_weighted_length_matches_packaged_config() -> None:
    """MAX_WEIGHTED_LENGTH is 280, as the packaged v3 config says."""
    packaged = resources.files("bot.data").joinpath("twitter-text-v3.json")
    config = json.loads(packaged.read_text(encoding="utf-8"))
    assert 280 == MAX_WEIGHTED_LENGTH == config["maxWeightedTweetLength"]
    assert MAX_WEIGHTED_LENGTH == V3_CONFIG.max_weighted_length


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Thanks @RepSmith!", ["RepSmith"], id="mention"),
        pytest.param("RT @a and @b", ["a", "b"], id="several"),
        pytest.param("mail office@example.com", [], id="e-mail address"),
        pytest.param("＠fullwidth", ["fullwidth"], id="full-width at sign"),
        pytest.param("@abc/reps", [], id="list reference"),
        pytest.param("no mention", [], id="none"),
    ],
)
def test_extract_mentions(text: str, expected: list[str]) -> None:
    """extract_mentions finds @screen names anywhere, but not e-mail addresses or lists."""
    assert expected == extract_mentions(text)
