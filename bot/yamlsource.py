"""Strict reading of staff-edited YAML files, with every problem located at file:line:column.

PyYAML's typed loading is never used for our own files: it turns ``12:30`` into 750, ``NO``
into False and ``02134`` into 1116, accepts duplicate keys silently and raises bare
ValueErrors without a position (see docs/calendar.md). Instead a file is

1. read (:func:`read_file`: a regular file only, capped in size) and decoded (UTF-8, or
   UTF-16/UTF-8 with a BOM; LF, CR LF or CR line ends), locating decode errors, Tabs and
   control characters;
2. parsed into events (libyaml when available), refusing anchors, aliases, tags, extra
   documents and nesting deeper than MAX_DEPTH, into nodes holding the *raw scalar text*;
3. read field by field through :class:`Reader`, which collects every problem at once.

Used by the settings, the legislator overrides, the do-not-tag list and the calendar.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
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
MAX_DEPTH = 50  # lists and mappings nested deeper than this are refused (a calendar needs 5)
MAX_CHARACTER_PROBLEMS = 20  # then one "... and N more"
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


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

    def __post_init__(self) -> None:
        self.lines = self.lines or self.text.splitlines()

    def line_text(self, line: int) -> str:
        """Return the text of a 1-based line ('' past the end)."""
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


_KINDS = {stat.S_IFDIR: "folder", stat.S_IFIFO: "pipe", stat.S_IFSOCK: "socket"}


def _too_big(file: str, size: int, max_bytes: int) -> Problem:
    message = f"the file is {size:,} bytes, over the {max_bytes:,}-byte limit"
    return Problem(file, 0, 0, message, "split it or remove unused entries")


def read_file(
    path: Path | str, file: str, *, max_bytes: int, error: type[SourceError], what: str, hint: str
) -> bytes:
    """Read a regular file (a folder, pipe or device is refused: no hanging on a pipe), at most
    max_bytes + 1 bytes; else raise ``error`` ("cannot read {what}: ...", with the hint)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # no waiting on a pipe
        try:
            status, data = os.fstat(fd), b""
            if not stat.S_ISREG(status.st_mode):
                kind = _KINDS.get(stat.S_IFMT(status.st_mode), "device")
                message = f"cannot read {what}: {file} is not a regular file (it is a {kind})"
                raise error([Problem(file, 0, 0, message, hint)])
            if status.st_size > max_bytes:
                raise error([_too_big(file, status.st_size, max_bytes)])
            while len(data) <= max_bytes and (chunk := os.read(fd, max_bytes + 1 - len(data))):
                data += chunk
            return data
        finally:
            os.close(fd)
    except OSError as exc:
        message = f"cannot read {what}: {exc.strerror or exc}"
        raise error([Problem(file, 0, 0, message, hint)]) from None


def _decode(data: bytes, file: str) -> tuple[str, list[Problem]]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), []
            except UnicodeDecodeError:
                message = f"the file is not valid {codec.upper()}"
                return "", [Problem(file, 0, 0, message, "save it as UTF-8")]
    if data.count(b"\0") * 4 > len(data):  # "a\0:\0 \0": UTF-16 without its byte-order mark
        message = "the file looks like UTF-16 without a byte-order mark"
        return "", [Problem(file, 0, 0, message, "save it as UTF-8")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]  # lines end with LF, CR LF or (old Mac) CR alone
        line_start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        message = f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} cannot be read)"
        hint = "save the file as UTF-8 (in most editors: Save As… › Encoding › UTF-8)"
        return "", [Problem(file, line, column, message, hint)]


def _scan_characters(text: str, file: str) -> list[Problem]:
    """Locate control characters and Tabs (the first MAX_CHARACTER_PROBLEMS, then a count)."""
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        comment = _COMMENT_START.search(line)
        for match in _FORBIDDEN.finditer(line):
            message = f"invisible control character U+{ord(match.group()):04X} is not allowed"
            hint = "delete it (it often comes from pasting from a word processor)"
            problems.append(Problem(file, number, match.start() + 1, message, hint))
        tab = line.find("\t")
        if tab >= 0 and not (comment and comment.start() < tab):
            message = f"line {'contains' if line[:tab].strip() else 'starts with'} a Tab character"
            hint = "YAML needs spaces, not Tabs: replace the Tab with spaces"
            problems.append(Problem(file, number, tab + 1, message, hint))
    problems.sort(key=lambda p: (p.line, p.column))
    if len(problems) > MAX_CHARACTER_PROBLEMS:
        rest, more = problems[MAX_CHARACTER_PROBLEMS], len(problems) - MAX_CHARACTER_PROBLEMS
        message = f"… and {more:,} more invisible characters or Tabs"
        hint = "fix the ones above; so many often means the file was saved in another encoding"
        problems[MAX_CHARACTER_PROBLEMS:] = [Problem(file, rest.line, rest.column, message, hint)]
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
_DROPPED = (
    "this line starts with '#', so YAML reads it as a comment and drops it from the text",
    "put the whole text in quotes, or use a | block indented under {key}:",
)

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


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str, stopped: Any) -> Problem:
    """Turn a PyYAML syntax error into a plain-words problem at its position (else at the
    mark ``stopped``, where parsing stopped)."""
    mark = exc.problem_mark or exc.context_mark or stopped
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
    hint = "check quoting and indentation on this line and the one above"
    return Problem(file, line, column, f"not valid YAML: {exc.problem}", hint)


class _TooDeep(Exception):
    """Nesting deeper than MAX_DEPTH; args[0] is the problem (raised before parsing slows)."""


def _events(text: str, file: str, loader: Any, stopped: list[Any]) -> Iterator[Any]:
    """Yield parse events, refusing nesting deeper than MAX_DEPTH; ``stopped[0]`` follows the
    end of the last event (the position of an error that carries none)."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        stopped[0] = event.end_mark
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                start: Any = event.start_mark
                line, column = start.line + 1, start.column + 1
                message = f"lists or mappings are nested more than {MAX_DEPTH} levels deep"
                hint = "check the brackets [ ] and { } (quote text holding them) and indentation"
                raise _TooDeep(Problem(file, line, column, message, hint))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        yield event


def _parse(text: str, file: str, problems: list[Problem], error: type[SourceError]) -> Node | None:
    """Parse into nodes; a syntax error or too deep a nesting is raised as the only problem."""
    stopped: list[Any] = [None]
    try:
        return _compose(_events(text, file, _Parser, stopped), file, problems)
    except yaml.MarkedYAMLError as first:  # libyaml is terse: the pure-Python parser says more
        problem = _syntax_problem(first, text, file, stopped[0])
        try:
            for _ in _events(text, file, yaml.SafeLoader, stopped):
                pass
        except yaml.MarkedYAMLError as exc:
            problem = _syntax_problem(exc, text, file, stopped[0])
        except _TooDeep as deep:
            problem = deep.args[0]
    except _TooDeep as deep:
        problem = deep.args[0]
    except yaml.YAMLError as exc:  # a reader error: a position in characters, or none
        index = getattr(exc, "position", len(text))
        line, column = text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)
        problem = Problem(file, line, column, f"not valid YAML: {exc}", "save it as UTF-8")
    raise error([problem]) from None


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
                hint = "keep everything in one document; delete the '---' line"
                refuse(where, "a second document ('---') is not allowed", hint)
        elif isinstance(event, yaml.AliasEvent):
            hint = "write the value out in full (or quote text starting with *)"
            refuse(where, f"alias '*{event.anchor}' is not allowed", hint)
            attach(ScalarNode("", "", start, end))
        elif isinstance(event, yaml.NodeEvent):
            if event.anchor is not None:
                hint = "write values out in full; if this is text, put it in quotes"
                refuse(where, f"anchor '&{event.anchor}' is not allowed", hint)
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
        raise error([_too_big(file, len(data), max_bytes)])
    text, problems = _decode(data, file)
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # YAML reads a lone CR as a break
    if not problems:
        problems = _scan_characters(text, file)
    if problems:
        raise error(problems)
    root = _parse(text, file, problems, error)
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
        self.key_columns: dict[int, int] = {}  # id(value node) → 0-based column of its key

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
        unknown_hint: Callable[[str], str | None] = lambda name: None,
    ) -> dict[str, tuple[ScalarNode, Node]]:
        """Return a mapping's entries by key, reporting duplicates, unknown and missing keys.

        Args:
            node: the node that should be a mapping.
            what: how to name it in messages ("settings", "post 'kickoff'").
            known: the allowed keys.
            required: keys that must be present.
            unknown_hint: the hint for an unknown key, when not "did you mean" (None).

        Returns:
            key text → (key node, value node). Unknown and duplicate keys are left out.
        """
        if not isinstance(node, MappingNode):
            message = f"{what} must be a set of 'key: value' lines"
            self.problem(node, message, "check the indentation")
            return {}
        known = list(known)
        entries: dict[str, tuple[ScalarNode, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.problem(key, f"a key in {what} must be a plain name")
                continue
            name = key.value
            if name in entries:
                first_line = position(entries[name][0])[0]
                message = f"'{name}' appears twice in {what} (first on line {first_line})"
                hint = "keep one of them; YAML would silently use only the last"
                self.problem(key, message, hint)
                continue
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
                self.problem(key, f"'{name}' is not a field of {what}", unknown_hint(name) or hint)
                continue
            entries[name] = (key, value)
            self.key_columns[id(value)] = key.start_mark.column
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
                rest as a comment; so are comment lines right after an unquoted or block
                text, indented deeper than its key (``#Tag`` alone on the next line). Pass
                False for paths, handles and words, where a comment is just a comment.
        """
        value = self.scalar(node, what)
        if value is None:
            return None
        if free_text and isinstance(node, ScalarNode) and is_plain(node):
            end_line = node.end_mark.line + 1
            rest = self.source.line_text(end_line)[node.end_mark.column :]
            if re.match(r"\s+#", rest) or (value == "" and rest.lstrip().startswith("#")):
                column = node.end_mark.column + rest.index("#") + 1
                message = f"{what} was cut at '#': YAML reads ' #' as the start of a comment"
                hint = 'put the whole text in quotes, e.g. "Join #RecessReachOut today"'
                self.problems.append(Problem(self.source.file, end_line, column, message, hint))
                return None
        if free_text and self._dropped_lines(node, what):
            return None
        if not value.strip() and not allow_empty:
            self.problem(node, f"{what} is empty", "write a value, or delete the line")
            return None
        return value

    def _dropped_lines(self, node: Node, what: str) -> bool:
        """Record comment lines YAML drops from the end of an unquoted or block text."""
        if not isinstance(node, ScalarNode) or node.style in ("'", '"'):
            return False
        lines, found = self.source.lines, False
        first = self.source.line_text(node.start_mark.line + 1)  # for a value without a key:
        owner = self.key_columns.get(id(node), len(first) - len(first.lstrip(" ")))
        index = node.end_mark.line + (0 if node.style in ("|", ">") else 1)  # 0-based
        while index < len(lines) and lines[index].lstrip(" ")[:1] in ("", "#"):
            indent = len(lines[index]) - len(lines[index].lstrip(" "))
            if lines[index].strip() and indent > owner:
                hint = _DROPPED[1].format(key=what)
                self.problems.append(
                    Problem(self.source.file, index + 1, indent + 1, _DROPPED[0], hint)
                )
                found = True
            index += 1
        return found

    def boolean(self, node: Node, what: str) -> bool | None:
        """Return a boolean written exactly as true or false."""
        value = self.scalar(node, what)
        if value in ("true", "false") and isinstance(node, ScalarNode) and is_plain(node):
            return value == "true"
        if value is not None:
            hint = "write true or false (lowercase, no quotes)"
            self.problem(node, f"{what} must be true or false, not {value!r}", hint)
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
            hint = "write digits only, e.g. 50"
            self.problem(node, f"{what} must be a whole number, not {value!r}", hint)
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
