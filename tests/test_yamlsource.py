"""The strict YAML reader shared by settings, overrides and the calendar."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import yamlsource
from bot.errors import ConfigError
from tests.conftest import NOT_REGULAR_FILES, needs_posix

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


# --- the tester's findings: encodings, line breaks, nesting, comment lines after text --------


@pytest.mark.parametrize(
    "data",
    ["a: café\nb: 1\n".encode("utf-16-le"), "a: café\nb: 1\n".encode("utf-16-be")],
    ids=["little-endian", "big-endian"],
)
def test_utf16_without_a_bom_is_one_problem(data: bytes) -> None:
    """UTF-16 without a byte-order mark is one plain problem, not a NUL per character."""
    expected = [(0, 0, "the file looks like UTF-16 without a byte-order mark")]
    assert expected == located(data)


@pytest.mark.parametrize(
    ("data", "expected_count", "last"),
    [
        (b"a: " + b"\x01" * 20 + b"\n", 20, (1, 23, "invisible control character U+0001")),
        (b"a: " + b"\x01" * 21 + b"\n", 21, (1, 24, "… and 1 more invisible characters or Tabs")),
        (b"a: x\n" * 5 + b"b: \x01\x02\n" * 30, 21, (16, 4, "… and 40 more")),
    ],
    ids=["twenty", "twenty-one", "many-lines"],
)
def test_control_character_problems_are_capped(
    data: bytes, expected_count: int, last: tuple[int, int, str]
) -> None:
    """The first 20 character problems are listed, then one '… and N more' where the 21st is."""
    found = located(data)
    assert expected_count == len(found)
    assert last[:2] == found[-1][:2]
    assert found[-1][2].startswith(last[2])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a: 1\rb: 2\r\tc: 3\r", [(3, 1, "line starts with a Tab character")]),
        (b"a: 1\rb: caf\x92\r", [(2, 7, "the file is not UTF-8 (byte 0x92 cannot be read)")]),
        (b"a: 1\r\nb: caf\x92\r\n", [(2, 7, "the file is not UTF-8 (byte 0x92 cannot be read)")]),
        (b"a: 1\rb: 2\rb: 3\r", [(3, 1, "'b' appears twice in f (first on line 2)")]),
    ],
    ids=["tab-old-mac", "byte-old-mac", "byte-windows", "duplicate-old-mac"],
)
def test_a_lone_carriage_return_is_a_line_break_for_positions(
    data: bytes, expected: list[tuple[int, int, str]]
) -> None:
    """Old Mac files (CR only) are located by line, not as one long line (was 1:227)."""
    try:
        reader = yamlsource.Reader(load(data))
    except ConfigError as error:
        assert expected == [(p.line, p.column, p.message) for p in error.problems]
        return
    reader.mapping(reader.source.root, "f", ["a", "b"])
    assert expected == [(p.line, p.column, p.message) for p in reader.problems]


def nested(depth: int, kind: str) -> bytes:
    """Return a value nested depth levels deep: flow lists, flow mappings or block mappings."""
    if kind == "flow-list":
        return b"a: " + b"[" * depth + b"]" * depth + b"\n"
    if kind == "flow-mapping":
        return b"a: " + b"{b: " * depth + b"1" + b"}" * depth + b"\n"
    return b"".join(b" " * level + b"k:\n" for level in range(depth)) + b" " * depth + b"k: 1\n"


@pytest.mark.parametrize(
    ("depth", "kind", "expected"),
    [
        (49, "flow-list", []),
        (50, "flow-list", [(1, 53)]),
        (50_000, "flow-list", [(1, 53)]),
        (50, "flow-mapping", [(1, 200)]),
        (50, "block", [(51, 51)]),
    ],
    ids=["49-ok", "50-too-deep", "50000-fast", "mappings", "block"],
)
def test_deep_nesting_is_refused_at_once(
    depth: int, kind: str, expected: list[tuple[int, int]]
) -> None:
    """Nesting deeper than 50 levels (the top mapping is the first) is refused where the 51st
    level starts, fast (50,000 levels took ~60 s and ended with no position)."""
    started = time.monotonic()
    try:
        yamlsource.load(nested(depth, kind), F, max_bytes=200_000, error=ConfigError)
        found = []
    except ConfigError as error:
        found = error.problems
    assert expected == [(p.line, p.column) for p in found]
    assert all("nested more than 50 levels deep" in p.message for p in found)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'a: "open\n', (2, 1)),
        (b"a: [1, 2\n", (2, 1)),
        (b"a: {b: 1\n", (2, 1)),
        (b"a: 1\n b: 2\n", (2, 3)),
        (b"a:\n  - 1\n  b: 2\n", (3, 3)),
        (b"a: 'x' y\n", (1, 8)),
        (b"- a\nb: 1\n", (2, 1)),
    ],
    ids=["open-quote", "open-list", "open-mapping", "indent", "item-then-key", "after-quote",
         "list-then-key"],
)  # fmt: skip
def test_every_syntax_error_has_a_line_and_column(data: bytes, expected: tuple[int, int]) -> None:
    """A YAML syntax error is always located (never file:0:0)."""
    assert [expected] == [p[:2] for p in located(data)]


def read_text(data: bytes, key: str = "t") -> tuple[str | None, list[tuple[int, int]]]:
    """Read key as free text; return the value and the (line, column) of each problem."""
    reader = yamlsource.Reader(load(data))
    entries = reader.mapping(reader.source.root, "f", [key, "n"])
    value = reader.text(entries[key][1], key)
    return value, [(p.line, p.column) for p in reader.problems]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"t: Join us today and call\n  #RecessReachOut\nn: 1\n", (None, [(2, 3)])),
        (b"t: one\n  two\n\n  #Tag\n  #Other\n", (None, [(4, 3), (5, 3)])),
        (b"t: >-\n    Join us\n  #RecessReachOut\n", (None, [(3, 3)])),
        (b"t: |\n    Join us\n\n # Tag\nn: 1\n", (None, [(4, 2)])),
        (b"t:\n  #RecessReachOut today\n", (None, [(2, 3)])),
        (b"t: Join us\n# a comment at the key's column\nn: 1\n", ("Join us", [])),
        (b"t: |\n    Join us\n    #Tag is text in a block\n", ("Join us\n#Tag is text in a block\n",
                                                             [])),
        (b't: "Join us"\n  # after closing quotes: a comment\n', ("Join us", [])),
        (b"t: Join us\nn: 1\n  # after the next key\n", ("Join us", [])),
    ],
    ids=["plain", "plain-multi-line", "folded-less-indented", "literal-less-indented",
         "empty-then-hash", "comment-at-key", "hash-inside-block", "quoted", "next-key"],
)  # fmt: skip
def test_a_comment_line_right_after_free_text_is_refused(
    data: bytes, expected: tuple[str | None, list[tuple[int, int]]]
) -> None:
    """A '#' line after unquoted or block text, indented under its key, is located: YAML
    drops it from the text. At or left of the key, or after quotes, it is a comment."""
    assert expected == read_text(data)


def test_a_dropped_comment_line_says_how_to_fix_it() -> None:
    """The message says why the line is gone and names the key in the hint."""
    reader = yamlsource.Reader(load(b"text: Join us\n  #RecessReachOut\n"))
    entries = reader.mapping(reader.source.root, "f", ["text"])
    assert reader.text(entries["text"][1], "text") is None
    assert [
        "f.yaml:2:3: this line starts with '#', so YAML reads it as a comment and drops it from "
        "the text — put the whole text in quotes, or use a | block indented under text:"
    ] == [str(p) for p in reader.problems]


def test_comment_lines_after_words_are_just_comments() -> None:
    """free_text=False (settings: paths, URLs, words) ignores comment lines after a value."""
    reader = yamlsource.Reader(load(b"p: var/x.db\n  # the ledger\n  # and more\n"))
    entries = reader.mapping(reader.source.root, "f", ["p"])
    assert ("var/x.db", []) == (reader.text(entries["p"][1], "p", free_text=False), [])
    assert [] == reader.problems


@needs_posix
@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        *NOT_REGULAR_FILES,
        pytest.param(
            lambda tmp: tmp / "missing.yaml",
            "cannot read the thing: No such file or directory",
            id="missing",
        ),
    ],
)
def test_read_file_refuses_what_is_not_a_regular_file(
    tmp_path: Path, make: Callable[[Path], Path], phrase: str
) -> None:
    """A folder, a pipe (no hang) or a device (`validate /dev/zero` ate memory) is refused."""
    path = make(tmp_path)
    with pytest.raises(ConfigError) as caught:
        yamlsource.read_file(path, "x.yaml", max_bytes=10, error=ConfigError, what="the thing",
                             hint="check it")  # fmt: skip
    assert [(0, 0)] == [(p.line, p.column) for p in caught.value.problems]
    assert phrase in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("size", "expected"),
    [(10, b"x" * 10), (11, "the file is 11 bytes, over the 10-byte limit")],
    ids=["at-the-cap", "over-the-cap"],
)
def test_read_file_caps_the_size(tmp_path: Path, size: int, expected: bytes | str) -> None:
    """A file over the cap is refused from its size, without reading it."""
    path = tmp_path / "f.yaml"
    path.write_bytes(b"x" * size)
    try:
        actual: bytes | str = yamlsource.read_file(
            path, "f.yaml", max_bytes=10, error=ConfigError, what="it", hint=""
        )
    except ConfigError as error:
        actual = error.problems[0].message
    assert expected == actual
