"""The strict YAML reader shared by settings, overrides and the calendar."""

from __future__ import annotations

import pytest

from bot import yamlsource
from bot.errors import ConfigError

F = "f.yaml"


def load(data: bytes) -> yamlsource.Source:
    return yamlsource.load(data, F, max_bytes=1024, error=ConfigError)


def located(data: bytes) -> list[tuple[int, int, str]]:
    with pytest.raises(ConfigError) as caught:
        load(data)
    return [(p.line, p.column, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"a: caf\xc3\xa9\n", "café"),
        (b"\xef\xbb\xbfa: caf\xc3\xa9\n", "café"),
        ("a: café\n".encode("utf-16"), "café"),
        (b"a: caf\xc3\xa9\r\n", "café"),
        (b"a: 12:30\n", "12:30"),
        (b"a: 010\n", "010"),
        (b"a: NO\n", "NO"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "crlf", "sexagesimal", "octal", "norway"],
)
def test_raw_text_is_kept(data: bytes, value: str) -> None:
    """Encodings with a BOM are read, and scalars keep their raw text (no YAML 1.1 typing)."""
    reader = yamlsource.Reader(load(data))
    entries = reader.mapping(reader.source.root, "f", ["a"])
    assert value == reader.scalar(entries["a"][1], "a")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a: 1\nb: caf\x92\n", (2, 7)),
        (b"a: \xc3\xa9\xc3\xa9\x92\n", (1, 6)),
        (b"\x92\n", (1, 1)),
    ],
    ids=["second-line", "after-multibyte", "first-byte"],
)
def test_non_utf8_is_located_from_the_byte_offset(data: bytes, expected: tuple[int, int]) -> None:
    """A byte that is not UTF-8 is reported at its line and character column."""
    problems = located(data)
    assert expected == problems[0][:2]
    assert "not UTF-8" in problems[0][2]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a: x\x0by\n", [(1, 5)]),
        (b"a: 1\nb: \x00\n", [(2, 4)]),
        ("a: x\u0085y\n".encode(), [(1, 5)]),
        (b"a: x\x0by\x07\n", [(1, 5), (1, 7)]),
    ],
    ids=["vertical-tab", "nul", "nel", "two"],
)
def test_control_characters_are_each_located(data: bytes, expected: list[tuple[int, int]]) -> None:
    """Every invisible control character is reported, not just the first."""
    assert expected == [p[:2] for p in located(data)]


def test_size_cap() -> None:
    """A file over the cap is refused before parsing."""
    assert "over the 1,024-byte limit" in located(b"a: " + b"x" * 2000)[0][2]


@pytest.mark.parametrize("data", [b"", b"# only a comment\n", b"\n\n", b"---\n"])
def test_empty_files_have_no_root(data: bytes) -> None:
    """An empty or comments-only file gives no root (the caller decides what that means)."""
    assert load(data).root is None


def test_comment_after_a_value_is_fine_but_cut_text_is_not() -> None:
    """`key: value  # note` is a comment; text() says when ' #' cut a text."""
    reader = yamlsource.Reader(load(b"n: 5  # five\nt: Join #Tag now\n"))
    entries = reader.mapping(reader.source.root, "f", ["n", "t"])
    assert 5 == reader.integer(entries["n"][1], "n")
    assert reader.text(entries["t"][1], "t") is None
    assert [(2, 9)] == [(p.line, p.column) for p in reader.problems]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("false", False),
        ("yes", None),
        ("NO", None),
        ("on", None),
        ("'true'", None),
        ("True", None),
    ],
)
def test_booleans_are_only_true_or_false(raw: str, expected: bool | None) -> None:
    """Only lowercase unquoted true/false are booleans; yes/no/on/off are refused."""
    reader = yamlsource.Reader(load(f"b: {raw}\n".encode()))
    entries = reader.mapping(reader.source.root, "f", ["b"])
    assert expected == reader.boolean(entries["b"][1], "b")
    assert (expected is None) == bool(reader.problems)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("50", 50),
        ("0", 0),
        ("1_000", 1000),
        ("010", None),
        ("12:30", None),
        ("5.0", None),
        ("0x10", None),
        ("-3", None),
    ],
)
def test_integers_are_plain_decimal(raw: str, expected: int | None) -> None:
    """Whole numbers are decimal digits: octal, sexagesimal and hex spellings are refused."""
    reader = yamlsource.Reader(load(f"n: {raw}\n".encode()))
    entries = reader.mapping(reader.source.root, "f", ["n"])
    assert expected == reader.integer(entries["n"][1], "n", minimum=0)


def test_all_mapping_problems_are_collected() -> None:
    """Duplicates, unknown and missing keys are all reported in one pass."""
    reader = yamlsource.Reader(load(b"a: 1\na: 2\nbb: 3\n"))
    reader.mapping(reader.source.root, "thing", ["a", "b", "c"], required=["c"])
    messages = sorted((p.line, p.column, p.message) for p in reader.problems)
    assert [
        (1, 1, "thing is missing 'c'"),
        (2, 1, "'a' appears twice in thing (first on line 1)"),
        (3, 1, "'bb' is not a field of thing"),
    ] == messages


@pytest.mark.parametrize(
    ("line", "column"),
    [(b"t: Call now   #Tag today\n", 15), (b"t: Call now #Tag\n", 13), (b"t: #Tag now\n", 4)],
    ids=["many-spaces", "one-space", "whole-value"],
)
def test_free_text_cut_by_a_comment_is_refused(line: bytes, column: int) -> None:
    """Unquoted prose followed by ' #' (any number of spaces) is reported at the '#'."""
    reader = yamlsource.Reader(load(line))
    entries = reader.mapping(reader.source.root, "f", ["t"])
    assert reader.text(entries["t"][1], "t") is None
    assert [(1, column)] == [(p.line, p.column) for p in reader.problems]


def test_a_comment_after_a_word_value_is_just_a_comment() -> None:
    """For paths, handles and words, free_text=False keeps the value and ignores the comment."""
    reader = yamlsource.Reader(load(b"p: var/x.db  # the database\n"))
    entries = reader.mapping(reader.source.root, "f", ["p"])
    assert "var/x.db" == reader.text(entries["p"][1], "p", free_text=False)
    assert [] == reader.problems
