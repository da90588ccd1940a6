"""Strict reading of staff-edited YAML files, with every problem located at file:line:column.

PyYAML's typed loading is never used for our own files: it turns ``12:30`` into 750, ``NO``
into False and ``02134`` into 1116, accepts duplicate keys silently and raises bare
ValueErrors without a position (see docs/calendar.md). Instead a file is

1. read as bytes, capped in size, decoded (UTF-8, or UTF-16/UTF-8 with a BOM) with decode
   errors located from the byte offset, and scanned for tabs and control characters;
2. parsed into events (libyaml when available) with anchors, aliases, tags and extra
   documents refused;
3. built into a tree of PyYAML nodes holding the *raw scalar text* and its quoting style;
4. read field by field through :class:`Reader`, which collects every problem instead of
   stopping at the first.

Used by the settings, the legislator overrides and the campaign calendar.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import Problem, SourceError

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Characters YAML 1.1 does not allow in a stream, plus the line breaks PyYAML treats as
# newlines although editors do not (NEL, LS, PS).
_FORBIDDEN = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_COMMENT_START = re.compile(r"(^|\s)#")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def position(node: Node) -> tuple[int, int]:
    """Return the 1-based (line, column) where a node starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def is_plain(node: ScalarNode) -> bool:
    """Return True for an unquoted, non-block scalar (libyaml reports style '', PyYAML None)."""
    return node.style in (None, "")


@dataclass
class Source:
    """A decoded YAML file and its root node.

    Attributes:
        file: the file name used in messages.
        text: the decoded text.
        root: the root node, or None for an empty or comments-only file.
    """

    file: str
    text: str
    root: Node | None
    lines: list[str] = field(default_factory=list)

    def line_text(self, line: int) -> str:
        """Return the text of a 1-based line ('' past the end)."""
        if not self.lines:
            self.lines = self.text.splitlines()
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


def _decode(data: bytes, file: str) -> tuple[str, list[Problem]]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), []
            except UnicodeDecodeError:
                return "", [
                    Problem(
                        file, 0, 0, f"the file is not valid {codec.upper()}", "save it as UTF-8"
                    )
                ]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        bad = data[exc.start : exc.start + 1].hex()
        return "", [
            Problem(
                file,
                line,
                column,
                f"the file is not UTF-8 (byte 0x{bad} cannot be read)",
                "save the file as UTF-8 (in most editors: Save As… › Encoding › UTF-8)",
            )
        ]


def _scan_characters(text: str, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        comment = _COMMENT_START.search(line)
        for match in _FORBIDDEN.finditer(line):
            char = match.group()
            problems.append(
                Problem(
                    file,
                    number,
                    match.start() + 1,
                    f"invisible control character U+{ord(char):04X} is not allowed",
                    "delete it (it often comes from pasting from a word processor)",
                )
            )
        tab = line.find("\t")
        if tab >= 0 and not (comment and comment.start() < tab):
            what = "starts with" if not line[:tab].strip() else "contains"
            problems.append(
                Problem(
                    file,
                    number,
                    tab + 1,
                    f"line {what} a Tab character",
                    "YAML needs spaces, not Tabs: replace the Tab with spaces",
                )
            )
    return problems


# A value that starts with '[' or '{' after "key: " or "- " (YAML reads a list or mapping).
_FLOW_START = re.compile(r"\s*(?:-\s+)?(?:[\w.-]+:\s+)?[\[{]")
_FLOW_TEXT = (
    "a value starting with '[' or '{' is read as a list or mapping, not text",
    'put the whole text in quotes, e.g. "[URGENT] Call today"',
)
_BLOCK_TEXT = (
    "text after '|' or '>' must start on the next line",
    "put the text on the lines below, indented; or quote it on this line instead",
)
_STAR = ("'*' or '&' cannot start a value", "put the whole text in quotes")

# PyYAML's syntax messages (by a phrase they contain) → (what is wrong, how to fix it).
_QUOTE = "put the whole text in quotes"
_LIST_ITEM = (
    "a list item ('- ') is not allowed here",
    "check the indentation, or put text that starts with '-' in quotes",
)
# fmt: off
_SYNTAX_MESSAGES = (
    ("cannot start any token@", "a value cannot start with '@'", "put it in quotes: '@SenSmith'"),
    ("cannot start any token", "a value cannot start with {char!r}", _QUOTE),
    ("tag", "a value cannot start with {char!r}", _QUOTE),
    ("mapping values are not allowed", "text contains ': ' (colon and space)",
     _QUOTE + ', e.g. "Reminder: call today"'),
    ("expected <block end>", "unexpected text here: this line does not line up with the ones "
     "above", "check the indentation (same number of spaces for items at the same level); "
     "a quoted text must be quoted entirely, e.g. \"Don't wait\""),
    ("expected ',' or ']'", "unexpected text inside [ ]", "check the brackets and quotes"),
    ("sequence entries are not allowed", *_LIST_ITEM),
    ("block sequence", *_LIST_ITEM),
    ("alias", *_STAR),
    ("anchor", *_STAR),
)
# fmt: on


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """Turn a PyYAML syntax error into a plain-words problem at its position."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    lines = text.splitlines()
    line_text = lines[line - 1] if 0 < line <= len(lines) else ""
    char = line_text[column - 1 : column] if column else ""
    problem = (exc.problem or "") + ("@" if char == "@" else "")
    context, where = exc.context or "", exc.context_mark
    if where and "block scalar" in context:  # text on the same line as '|' or '>'
        return Problem(file, where.line + 1, where.column + 1, _BLOCK_TEXT[0], _BLOCK_TEXT[1])
    if where and ("alias" in context or "anchor" in context):  # *text or &text: at the '*'
        return Problem(file, where.line + 1, where.column + 1, _STAR[0], _STAR[1])
    flow = _FLOW_START.match(line_text)
    if "expected <block end>" in problem and flow and flow.end() < column:  # [text] more text
        return Problem(file, line, flow.end(), _FLOW_TEXT[0], _FLOW_TEXT[1])
    for phrase, message, hint in _SYNTAX_MESSAGES:
        if phrase in problem:
            return Problem(file, line, column, message.format(char=char), hint)
    return Problem(
        file,
        line,
        column,
        f"not valid YAML: {exc.problem}",
        "check quoting and indentation on this line and the one above",
    )


def _compose(events: Iterable[Any], file: str, problems: list[Problem]) -> Node | None:
    """Build nodes from parse events, refusing anchors, aliases, tags and extra documents."""
    stack: list[Node] = []
    pending_key: list[Node | None] = []
    root: Node | None = None
    documents = 0

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1]
        if isinstance(parent, SequenceNode):
            parent.value.append(node)
        elif pending_key[-1] is None:
            pending_key[-1] = node
        else:
            parent.value.append((pending_key[-1], node))
            pending_key[-1] = None

    def refuse(where: tuple[int, int], message: str, hint: str) -> None:
        problems.append(Problem(file, *where, message, hint))

    for event in events:
        start: Any = event.start_mark
        end: Any = event.end_mark
        flow: Any = getattr(event, "flow_style", None)
        where = (start.line + 1, start.column + 1)
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                refuse(
                    where,
                    "a second document ('---') is not allowed",
                    "keep everything in one document; delete the '---' line",
                )
        elif isinstance(event, yaml.AliasEvent):
            refuse(
                where,
                f"alias '*{event.anchor}' is not allowed",
                "write the value out in full (or quote text starting with *)",
            )
            attach(ScalarNode("", "", start, end))
        elif isinstance(event, yaml.NodeEvent):
            if event.anchor is not None:
                refuse(
                    where,
                    f"anchor '&{event.anchor}' is not allowed",
                    "write values out in full; if this is text, put it in quotes",
                )
            tag = getattr(event, "tag", None)
            if tag is not None and tag != "!":
                refuse(where, f"tag '{tag}' is not allowed", "if this is text, put it in quotes")
            if isinstance(event, yaml.ScalarEvent):
                attach(ScalarNode("", event.value, start, end, style=event.style))
            else:
                collection: Node
                if isinstance(event, yaml.SequenceStartEvent):
                    collection = SequenceNode("", [], start, end, flow_style=flow)
                else:
                    collection = MappingNode("", [], start, end, flow_style=flow)
                attach(collection)
                stack.append(collection)
                pending_key.append(None)
        elif isinstance(event, yaml.CollectionEndEvent):
            stack.pop().end_mark = end
            pending_key.pop()
    return root


def load(data: bytes, file: str, *, max_bytes: int, error: type[SourceError]) -> Source:
    """Decode, check and parse a YAML file into raw nodes.

    Args:
        data: the file's bytes, as read from disk.
        file: the name to show in messages.
        max_bytes: refuse larger files.
        error: the SourceError subclass to raise (ConfigError, CalendarError, ...).

    Returns:
        The Source; its root is None for an empty or comments-only file.

    Raises:
        SourceError: (the given subclass) carrying every problem found.
    """
    if len(data) > max_bytes:
        raise error(
            [
                Problem(
                    file,
                    0,
                    0,
                    f"the file is {len(data):,} bytes, over the {max_bytes:,}-byte limit",
                    "split it or remove unused entries",
                )
            ]
        )
    text, problems = _decode(data, file)
    if not problems:
        problems = _scan_characters(text, file)
    if problems:
        raise error(problems)
    try:
        events = list(yaml.parse(text, Loader=_Parser))
    except yaml.MarkedYAMLError:
        # libyaml's messages are terse; the pure-Python parser says more about the same spot.
        try:
            list(yaml.parse(text, Loader=yaml.SafeLoader))
        except yaml.MarkedYAMLError as exc:
            raise error([_syntax_problem(exc, text, file)]) from None
        raise error(
            [Problem(file, 0, 0, "not valid YAML", "check quoting and indentation")]
        ) from None
    except yaml.YAMLError as exc:  # reader errors without a mark
        raise error([Problem(file, 0, 0, f"not valid YAML: {exc}", "save it as UTF-8")]) from None
    root = _compose(events, file, problems)
    if problems:
        raise error(problems)
    if isinstance(root, ScalarNode) and root.value == "" and is_plain(root):
        root = None
    return Source(file, text, root)


class Reader:
    """Reads typed values out of raw nodes, collecting problems with their positions.

    Every method returns None (or a neutral value) after recording a problem, so a caller
    can keep going and report every problem in the file at once.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, node: Node | None, message: str, hint: str = "") -> None:
        """Record a problem at a node (or at the top of the file when node is None)."""
        line, column = position(node) if node is not None else (1, 1)
        self.problems.append(Problem(self.source.file, line, column, message, hint))

    def mapping(
        self,
        node: Node | None,
        what: str,
        known: Iterable[str],
        required: Iterable[str] = (),
    ) -> dict[str, tuple[ScalarNode, Node]]:
        """Return a mapping's entries by key, reporting duplicates, unknown and missing keys.

        Args:
            node: the node that should be a mapping.
            what: how to name it in messages ("settings", "post 'kickoff'").
            known: the allowed keys.
            required: keys that must be present.

        Returns:
            key text → (key node, value node). Unknown and duplicate keys are left out.
        """
        if not isinstance(node, MappingNode):
            self.problem(
                node, f"{what} must be a set of 'key: value' lines", "check the indentation"
            )
            return {}
        known = list(known)
        entries: dict[str, tuple[ScalarNode, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.problem(key, f"a key in {what} must be a plain name")
                continue
            name = key.value
            if name in entries:
                first_line = entries[name][0].start_mark.line + 1
                self.problem(
                    key,
                    f"'{name}' appears twice in {what} (first on line {first_line})",
                    "keep one of them; YAML would silently use only the last",
                )
                continue
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
                self.problem(key, f"'{name}' is not a field of {what}", hint)
                continue
            entries[name] = (key, value)
        for name in required:
            if name not in entries:
                self.problem(node, f"{what} is missing '{name}'", f"add a '{name}:' line")
        return entries

    def sequence(self, node: Node, what: str) -> list[Node]:
        """Return a list's items; a single scalar is accepted as a one-item list."""
        if isinstance(node, SequenceNode):
            return list(node.value)
        if isinstance(node, ScalarNode) and node.value != "":
            return [node]
        self.problem(node, f"{what} must be a list", "write one '- item' per line")
        return []

    def scalar(self, node: Node, what: str) -> str | None:
        """Return a scalar's raw text, or None (with a problem) for a list or mapping."""
        if isinstance(node, ScalarNode):
            return str(node.value)
        self.problem(node, f"{what} must be a single value, not a list or mapping")
        return None

    def text(
        self, node: Node, what: str, *, allow_empty: bool = False, free_text: bool = True
    ) -> str | None:
        """Return text exactly as written.

        Args:
            node: the value's node.
            what: how to name it in messages.
            allow_empty: accept an empty value.
            free_text: the value is prose that may hold '#' (a post, a name): an unquoted
                value followed by ' #' on its line is refused as cut, since YAML reads the
                rest as a comment. Pass False for paths, handles and words, where a trailing
                comment is just a comment.
        """
        value = self.scalar(node, what)
        if value is None:
            return None
        if free_text and isinstance(node, ScalarNode) and is_plain(node):
            end_line = node.end_mark.line + 1
            rest = self.source.line_text(end_line)[node.end_mark.column :]
            if re.match(r"\s+#", rest) or (value == "" and rest.lstrip().startswith("#")):
                hash_column = node.end_mark.column + rest.index("#") + 1
                self.problems.append(
                    Problem(
                        self.source.file,
                        end_line,
                        hash_column,
                        f"{what} was cut at '#': YAML reads ' #' as the start of a comment",
                        'put the whole text in quotes, e.g. "Join #RecessReachOut today"',
                    )
                )
                return None
        if not value.strip() and not allow_empty:
            self.problem(node, f"{what} is empty", "write a value, or delete the line")
            return None
        return value

    def boolean(self, node: Node, what: str) -> bool | None:
        """Return a boolean written exactly as true or false."""
        value = self.scalar(node, what)
        if value in ("true", "false") and isinstance(node, ScalarNode) and is_plain(node):
            return value == "true"
        if value is not None:
            self.problem(
                node,
                f"{what} must be true or false, not {value!r}",
                "write true or false (lowercase, no quotes)",
            )
        return None

    def integer(
        self, node: Node, what: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        """Return a whole number written in decimal (no octal, no sexagesimal, no sign games)."""
        value = self.scalar(node, what)
        if value is None:
            return None
        cleaned = value.replace("_", "") if re.fullmatch(r"\d{1,3}(_\d{3})+", value) else value
        if not re.fullmatch(r"-?(0|[1-9]\d*)", cleaned):
            self.problem(
                node, f"{what} must be a whole number, not {value!r}", "write digits only, e.g. 50"
            )
            return None
        number = int(cleaned)
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            self.problem(node, f"{what} must be {bounds}, not {number}")
            return None
        return number

    def number(self, node: Node, what: str, *, minimum: float = 0.0) -> float | None:
        """Return a decimal number (e.g. a price in dollars)."""
        value = self.scalar(node, what)
        if value is None:
            return None
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            self.problem(node, f"{what} must be a number, not {value!r}", "e.g. 0.015")
            return None
        number = float(value)
        if number < minimum:
            self.problem(node, f"{what} must be at least {minimum}, not {value}")
            return None
        return number

    def raise_if_any(self, error: type[SourceError]) -> None:
        """Raise the given SourceError subclass when any problem was recorded."""
        if self.problems:
            raise error(self.problems)
