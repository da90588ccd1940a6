"""Weighted length and entity extraction for X posts, per twitter-text v3.

X counts *weighted length*: after NFC normalisation each code point weighs by the ranges in
``data/twitter-text-v3.json`` (most Latin text 1, CJK and most other scripts 2), any emoji
sequence 2, and any URL 23 (the length of its t.co link). A post may weigh at most 280.

Ported from twitter/twitter-text (Apache-2.0, Copyright Twitter, Inc.): the v3 config, the TLD
lists (``data/twitter-text-tlds.json``) and the URL, mention and hashtag patterns. Emoji
sequences come from the ``emoji`` package's RGI data, newer than twitter-text's own table.
Pure: the packaged data is read once, at import.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import emoji
import regex

MAX_WEIGHTED_LENGTH: Final = 280
"""Most weight a post may have (twitter-text v3 ``maxWeightedTweetLength``)."""

_MAX_URL_LENGTH: Final = 4096  # longest URL X accepts, in UTF-16 code units
_MAX_TCO_SLUG_LENGTH: Final = 40
_MAX_DOMAIN_LABEL_LENGTH: Final = 63  # RFC 1035, after punycode encoding
_DEFAULT_PROTOCOL: Final = "https://"  # assumed for the length check of protocol-less URLs


@dataclass(frozen=True)
class WeightRange:
    """Weight of a run of code points.

    Attributes:
        start: First code point of the run (inclusive).
        end: Last code point of the run (inclusive).
        weight: Weight of each code point, in ``TextConfig.scale`` units (100 counts 1).
    """

    start: int
    end: int
    weight: int


@dataclass(frozen=True)
class TextConfig:
    """Counting rules: one twitter-text config (v3 is the one X uses).

    Attributes:
        version: twitter-text config version.
        max_weighted_length: Most weight a valid post may have (280).
        scale: Divisor from weights to weighted length (100).
        default_weight: Weight of a code point in no range, and of an emoji sequence (200).
        emoji_parsing_enabled: Whether an emoji sequence counts as one default-weight unit.
        transformed_url_length: Weighted length of any URL (23).
        ranges: Code point runs with their own weight.
    """

    version: int
    max_weighted_length: int
    scale: int
    default_weight: int
    emoji_parsing_enabled: bool
    transformed_url_length: int
    ranges: tuple[WeightRange, ...]


@dataclass(frozen=True)
class ParsedPost:
    """Result of ``parse_post``: the shape of twitter-text's ``parseTweet`` result.

    Ranges are inclusive indices in UTF-16 code units (as X and twitter-text count them) into
    the text as given, before normalisation.

    Attributes:
        weighted_length: Weighted length of the text.
        valid: Whether X would accept the text: at most ``max_weighted_length``, without
            U+FFFE, U+FEFF or U+FFFF, and neither empty nor only whitespace (twitter-text
            accepts whitespace-only text; X does not).
        permillage: Weighted length per thousand of the maximum (1000 is exactly full).
        valid_range_start: Start of the leading part that fits (always 0).
        valid_range_end: Last UTF-16 index of the leading part that fits and is valid.
        display_range_start: Start of the displayed text (always 0).
        display_range_end: Last UTF-16 index of the text (0 for empty text).
    """

    weighted_length: int
    valid: bool
    permillage: int
    valid_range_start: int
    valid_range_end: int
    display_range_start: int
    display_range_end: int


def _read_data(name: str) -> str:
    return resources.files("bot.data").joinpath(name).read_text(encoding="utf-8")


def _load_config() -> TextConfig:
    raw = json.loads(_read_data("twitter-text-v3.json"))
    return TextConfig(
        version=int(raw["version"]),
        max_weighted_length=int(raw["maxWeightedTweetLength"]),
        scale=int(raw["scale"]),
        default_weight=int(raw["defaultWeight"]),
        emoji_parsing_enabled=bool(raw["emojiParsingEnabled"]),
        transformed_url_length=int(raw["transformedURLLength"]),
        ranges=tuple(
            WeightRange(int(r["start"]), int(r["end"]), int(r["weight"])) for r in raw["ranges"]
        ),
    )


V3_CONFIG: Final = _load_config()
"""The twitter-text v3 rules, read from the packaged ``twitter-text-v3.json``."""

# --- Character classes (twitter-text Regex.java) --------------------------------------------
_INVALID_CHARS = "\ufffe\ufeff\uffff"
_DIRECTIONAL_CHARS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Unicode Z (separators), spelled out: the ASCII flag below would narrow \p{Z} to ASCII.
_SEPARATORS = "\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f"
    "\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268\u026f\u0272\u0289\u028b"
    "\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = "\u0400-\u04ff"
_AT_SIGNS = "@\uff20"
_HASH_SIGNS = "#\uff03"

# --- URLs ------------------------------------------------------------------------------------
_TLDS = json.loads(_read_data("twitter-text-tlds.json"))


def _tld_pattern(tlds: list[str]) -> str:
    # A prefix trie, longest match first: upstream's reverse-sorted alternation of ~1,600 TLDs
    # matches the same, but is slow to retry at every backtracking step.
    root: dict[str, dict[str, Any]] = {}
    for tld in tlds:
        node = root
        for char in tld:
            node = node.setdefault(char, {})
        node[""] = {}

    def trie(node: dict[str, dict[str, Any]]) -> str:
        branches = [regex.escape(char) + trie(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return "(?:" + trie(root) + r"(?=[^a-z0-9@+\-]|$))"


_GTLD = _tld_pattern(_TLDS["generic"])
_CCTLD = _tld_pattern(_TLDS["country"])
_URL_CHARS = "a-z0-9" + _LATIN_ACCENTS
_URL_CHAR = "[" + _URL_CHARS + "]"
# A label starts and ends with a URL character. Upstream spells that (?:C[C-]*)?C\. and so
# backtracks through every run of label characters; the atomic run plus a look back at its
# last character accepts the same labels in one pass.
_SUBDOMAIN = "(?:" + _URL_CHAR + "(?>[" + _URL_CHARS + r"\-_]*)(?<=" + _URL_CHAR + r")\.)"
_DOMAIN_NAME = "(?:" + _URL_CHAR + "(?>[" + _URL_CHARS + r"\-]*)(?<=" + _URL_CHAR + r")\.)"
_UNICODE_CHAR = (  # neither ASCII punctuation, space, General Punctuation nor invalid
    rf"[^\-_!\"#$%&'()*+,./:;<=>?@\[\]^`{{|}}~\t-\r{_SEPARATORS}"
    f"\u2000-\u206f{_INVALID_CHARS}{_DIRECTIONAL_CHARS}]"
)
_UNICODE_DOMAIN_NAME = rf"(?:{_UNICODE_CHAR}(?>(?:{_UNICODE_CHAR}|\-)*)(?<={_UNICODE_CHAR})\.)"
_TLD = f"(?:{_GTLD}|{_CCTLD})"
_DOMAIN = (
    # At most 127 labels (RFC 1035); upstream has no bound and so goes quadratic on "a.a.a.…".
    rf"(?:{_SUBDOMAIN}{{0,125}}{_DOMAIN_NAME}(?:{_TLD}|xn--[\-0-9a-z]+))"
    f"|(?:(?<=https?://)(?:{_DOMAIN_NAME}{_CCTLD}|{_UNICODE_DOMAIN_NAME}{_TLD}))"
    f"|(?:{_DOMAIN_NAME}{_CCTLD}(?=/))"
)
_PATH_CHAR = f"[a-z0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~|&@{_LATIN_ACCENTS}{_CYRILLIC}]"
_BALANCED_PARENS = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
# As upstream, the ending alternation is deliberately not grouped: it splits the whole branch.
_PATH_ENDING = rf"[a-z0-9=_#/\-+{_LATIN_ACCENTS}{_CYRILLIC}]|(?:{_BALANCED_PARENS})"
_PATH = (
    f"(?:(?:{_PATH_CHAR}*(?:{_BALANCED_PARENS}{_PATH_CHAR}*)*{_PATH_ENDING})|(?:@{_PATH_CHAR}+/))"
)
_QUERY_CHARS = r"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@]"
_QUERY_ENDING = r"[a-z0-9\-_&=#/]"
_URL_PRECEDING = (
    "(?:[^a-z0-9" + _AT_SIGNS + "$" + _HASH_SIGNS + _INVALID_CHARS + "]"
    "|[" + _DIRECTIONAL_CHARS + "]|^)"
)
# ASCII: case-insensitive for ASCII letters only, as Java's CASE_INSENSITIVE.
_URL_RE = regex.compile(
    "(" + _URL_PRECEDING + ")"  # 1 preceding character
    "((https?://)?"  # 2 URL, 3 protocol
    "(" + _DOMAIN + ")"  # 4 host
    "(?::[0-9]++)?"  # port
    "(?:/" + _PATH + "*+)?"  # path
    r"(?:\?" + _QUERY_CHARS + "*" + _QUERY_ENDING + ")?)",  # query
    regex.IGNORECASE | regex.ASCII,
)
_TCO_RE = regex.compile(
    r"https?://t\.co/([a-z0-9]+)(?:\?" + _QUERY_CHARS + "*" + _QUERY_ENDING + ")?",
    regex.IGNORECASE | regex.ASCII,
)

# --- Mentions and hashtags -------------------------------------------------------------------
_MENTION_RE = regex.compile(
    "(?:[^a-z0-9_!#$%&*" + _AT_SIGNS + r"]|^|(?:^|[^a-z0-9_+~.\-])RT:?)"
    "[" + _AT_SIGNS + "]+"
    "([a-z0-9_]{1,20})"  # 1 screen name
    r"(/[a-z][a-z0-9_\-]{0,24})?",  # 2 list slug
    regex.IGNORECASE | regex.ASCII,
)
_MENTION_INVALID_END = regex.compile("[" + _AT_SIGNS + _LATIN_ACCENTS + "]|://")
# Letters and marks, plus private-use code points that upstream's generated tables include.
_HASHTAG_LETTERS = r"\p{L}\p{M}" + "\uf870-\uf87f\uf882\uf884-\uf89f\uf8b8\uf8c1-\uf8d6"
_HASHTAG_ALNUM = (
    _HASHTAG_LETTERS
    + r"\p{Nd}_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0"
    + r"\u30fb\u3003\u0f0b\u0f0c\u00b7"
)
_HASHTAG_RE = regex.compile(
    "(?:^|\ufe0e|\ufe0f|[^&" + _HASHTAG_ALNUM + "])"
    "[" + _HASH_SIGNS + "](?![\ufe0f\u20e3])"
    "([" + _HASHTAG_ALNUM + "]*[" + _HASHTAG_LETTERS + "][" + _HASHTAG_ALNUM + "]*)"
)
_HASHTAG_INVALID_END = regex.compile("[" + _HASH_SIGNS + "]|://")


@dataclass(frozen=True)
class _Entity:
    start: int  # code point index, inclusive
    end: int  # code point index, exclusive
    value: str


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _ascii_host(host: str) -> str | None:
    """Return the punycode form of ``host``, or None where a label is empty or too long."""
    labels = []
    for label in host.split("."):
        if label.isascii():
            ascii_label = label
        elif label[:4].lower() == "xn--":
            return None  # an ACE label cannot hold non-ASCII characters
        else:
            ascii_label = "xn--" + label.encode("punycode").decode("ascii")
        if not 1 <= len(ascii_label) <= _MAX_DOMAIN_LABEL_LENGTH:
            return None
        labels.append(ascii_label)
    return ".".join(labels)


def _url_entities(text: str) -> list[_Entity]:
    if "." not in text:
        return []
    entities = []
    for match in _URL_RE.finditer(text):
        preceding, url, protocol, host = match.group(1, 2, 3, 4)
        if not protocol and preceding in ("-", "_", ".", "/"):
            continue
        tco = _TCO_RE.match(url)
        if tco:
            if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                continue
            url = tco.group(0)
        ascii_host = _ascii_host(host)
        if ascii_host is None:
            continue
        length = _utf16_length(url) - _utf16_length(host) + len(ascii_host)
        if length + (0 if protocol else len(_DEFAULT_PROTOCOL)) > _MAX_URL_LENGTH:
            continue
        entities.append(_Entity(match.start(2), match.start(2) + len(url), url))
    return entities


def _weight(char: str, config: TextConfig) -> int:
    code_point = ord(char)
    for run in config.ranges:
        if run.start <= code_point <= run.end:
            return run.weight
    return config.default_weight


def parse_post(text: str, config: TextConfig = V3_CONFIG) -> ParsedPost:
    """Weigh a post's text and say whether X would accept it, as twitter-text ``parseTweet``.

    Args:
        text: The post's text, as it will be sent.
        config: Counting rules; X uses ``V3_CONFIG``. Others exist only for conformance tests.

    Returns:
        The weighted length, validity, permillage and UTF-16 ranges (see ``ParsedPost``).
    """
    normalized = unicodedata.normalize("NFC", text)
    url_ends = {e.start: e.end for e in _url_entities(normalized)}
    # An emoji sequence always holds a non-ASCII code point: plain ASCII text needs no search.
    parse_emoji = config.emoji_parsing_enabled and not normalized.isascii()
    emojis = emoji.emoji_list(normalized) if parse_emoji else []
    emoji_ends = {e["match_start"]: e["match_end"] for e in emojis}
    max_scaled = config.max_weighted_length * config.scale
    scaled = 0
    valid = True
    utf16_end = 0  # UTF-16 index just past the unit counted so far
    valid_display_index = 0
    index = 0
    while index < len(normalized):
        if index in url_ends:
            end = url_ends[index]
            scaled += config.transformed_url_length * config.scale
        elif index in emoji_ends:
            end = emoji_ends[index]
            scaled += config.default_weight
        else:
            end = index + 1
            scaled += _weight(normalized[index], config)
            valid = valid and normalized[index] not in _INVALID_CHARS
        utf16_end += _utf16_length(normalized[index:end])
        if valid and scaled <= max_scaled:
            valid_display_index = utf16_end - 1
        index = end

    weighted = scaled // config.scale
    text_utf16_length = _utf16_length(text)
    return ParsedPost(
        weighted_length=weighted,
        valid=valid and 0 < weighted <= config.max_weighted_length and not normalized.isspace(),
        permillage=weighted * 1000 // config.max_weighted_length,
        valid_range_start=0,
        valid_range_end=valid_display_index + text_utf16_length - _utf16_length(normalized),
        display_range_start=0,
        display_range_end=max(text_utf16_length - 1, 0),
    )


def weighted_length(text: str) -> int:
    """Return the weighted length X gives a post's text (twitter-text v3).

    Args:
        text: The post's text.

    Returns:
        Weighted length: 1 per Latin code point, 2 per CJK (and most other) code point,
        2 per emoji sequence, 23 per URL, after NFC normalisation. At most
        ``MAX_WEIGHTED_LENGTH`` is valid.
    """
    if text.isascii():  # every ASCII code point weighs 1 and none starts an emoji sequence
        urls = _url_entities(text)
        return (
            len(text)
            - sum(e.end - e.start for e in urls)
            + len(urls) * (V3_CONFIG.transformed_url_length)
        )
    return parse_post(text).weighted_length


def extract_urls(text: str) -> list[str]:
    """Return the URLs X would link in a text, with or without a protocol (twitter-text rules).

    Args:
        text: Any text; not normalised.

    Returns:
        The URLs as written, in order of appearance, e.g. ``["https://x.com/a", "t.co/b"]``.
    """
    return [e.value for e in _url_entities(text)]


def extract_mentions(text: str) -> list[str]:
    """Return the screen names @mentioned in a text (twitter-text rules).

    Not a mention: an ``@`` preceded by a letter, digit or one of ``_!#$%&*@`` (so e-mail
    addresses are not mentions), a name followed by ``@``, an accented Latin letter or
    ``://``, and a list reference ``@user/list``.

    Args:
        text: Any text; not normalised.

    Returns:
        Screen names without the ``@``, in order of appearance, duplicates kept.
    """
    if "@" not in text and "\uff20" not in text:
        return []
    names = []
    for match in _MENTION_RE.finditer(text):
        if match.group(2) is None and not _MENTION_INVALID_END.match(text, match.end()):
            names.append(match.group(1))
    return names


def extract_hashtags(text: str) -> list[str]:
    """Return the hashtags in a text (twitter-text rules).

    A hashtag needs at least one letter, must not follow a letter, digit or ``&``, and is not
    part of a URL.

    Args:
        text: Any text; not normalised.

    Returns:
        Hashtags without the ``#``, in order of appearance, duplicates kept.
    """
    if "#" not in text and "\uff03" not in text:
        return []
    entities = [
        _Entity(match.start(1) - 1, match.end(1), match.group(1))
        for match in _HASHTAG_RE.finditer(text)
        if not _HASHTAG_INVALID_END.match(text, match.end())
    ]
    if not entities:
        return []
    hashtags = set(entities)
    # As upstream: sort URLs in with the hashtags; an entity overlapping an earlier one goes.
    kept: list[_Entity] = []
    for entity in sorted(entities + _url_entities(text), key=lambda e: e.start):
        if not kept or kept[-1].end <= entity.start:
            kept.append(entity)
    return [e.value for e in kept if e in hashtags]
