"""The sandbox post templates render in, and the checks on what they produce.

A post's ``text`` and ``intent_text`` are Jinja2 templates written by campaign staff, so the
environment is Jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment`, narrowed further:

- no globals (``range``, ``lipsum``, ``cycler``, ``namespace``, ``dict``...) and only
  deterministic text filters, so a preview is exactly what goes out;
- no statements but ``{% if %}``: loops, macros, assignments, includes are refused;
- every ``{{ ... }}`` must give text or a number (not a function or an object);
- ``*``, ``**`` and ``%`` are bounded, so a calendar edit cannot exhaust memory or CPU.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

MAX_TEXT_CHARS = 4096  # far beyond any post (280 weighted); refused before weighing
MAX_POWER = 64
FILTERS = frozenset((
    "capitalize", "count", "default", "d", "first", "int", "join", "last", "length", "lower",
    "string", "title", "trim", "truncate", "upper", "wordcount",
))  # fmt: skip
STR_METHODS = frozenset(("capitalize", "lower", "lstrip", "rstrip", "strip", "title", "upper"))
STATEMENTS = (
    nodes.For, nodes.Macro, nodes.CallBlock, nodes.Assign, nodes.AssignBlock, nodes.FilterBlock,
    nodes.With, nodes.Import, nodes.FromImport, nodes.Include, nodes.Extends, nodes.Block,
    nodes.Scope,
)  # fmt: skip
EMPTY_MEANS = {  # a variable that renders empty → why
    "names": "the post has no targets",
    "handles": "no target has an X handle that may be tagged (none, or on the do-not-tag list)",
    "state": "the targets are in several states (use for_each: state) or none",
    "state_name": "the targets are in several states (use for_each: state) or none",
    "district": "the targets are not all in one House district",
    "committee": "targets names no committee",
    "phones": "no target has an office phone in the directory",
}
VARIABLES = (
    "hashtag", "names", "handles", "state", "state_name", "district", "chamber", "committee",
    "count", "intent_url", "date", "week", "phones",
)  # fmt: skip
# Characters X refuses or that hide what a post says: control characters (but the line
# break), bidirectional overrides and isolates, non-characters and the byte-order mark.
_HIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")


def _only_text(value: Any) -> Any:
    """Let text and numbers into a post; refuse functions, objects, lists and the like."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, jinja2.Undefined):
        return str(value)  # raises UndefinedError, reported as an unknown variable
    raise SecurityError(f"{{{{ ... }}}} gave {type(value).__name__}, not text")


class PostSandbox(SandboxedEnvironment):
    """Jinja2's sandbox, narrowed for post templates (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self) -> None:
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=False, finalize=_only_text)
        self.globals.clear()
        self.filters = {name: f for name, f in self.filters.items() if name in FILTERS}
        self.tests = {name: t for name, t in self.tests.items() if name not in {"test"}}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Allow only a few harmless string methods; no other attribute access."""
        return isinstance(obj, str) and attr in STR_METHODS

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Refuse str.format and format_map (their field widths are unbounded)."""
        if super().wrap_str_format(value) is None:
            return None

        def refused(*args: Any, **kwargs: Any) -> str:
            raise SecurityError("str.format is not allowed; write {{ variable }} instead")

        return refused

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Bound repetition and powers; refuse %-formatting of text."""
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' formatting is not allowed; write {{ variable }} instead")
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_POWER:
            raise SecurityError(f"powers above {MAX_POWER} are not allowed")
        if operator == "*":
            sized, times = (left, right) if isinstance(right, int) else (right, left)
            if (
                isinstance(sized, str | list | tuple)
                and isinstance(times, int)
                and (len(sized) * times > MAX_TEXT_CHARS)
            ):
                raise SecurityError(f"that repetition makes more than {MAX_TEXT_CHARS} items")
        return super().call_binop(context, operator, left, right)


def statement_problem(parsed: nodes.Template) -> tuple[int, str] | None:
    """Return (template line, message) for the first statement post templates may not use."""
    for node in parsed.find_all(STATEMENTS):
        word = type(node).__name__.lower()
        return node.lineno, f"'{word}' blocks are not allowed in a post template"
    return None


def text_problem(text: str) -> str | None:
    """Return what makes a rendered post unsendable (empty, hidden characters), or None."""
    if not text.strip():
        return "the post is empty"
    hidden = _HIDDEN.search(text)
    if hidden:
        return f"the post holds the invisible character U+{ord(hidden.group()):04X}"
    return None


def locate(lines: tuple[str, ...], first: int, last: int, name: str) -> tuple[int, int] | None:
    """Return the 1-based (line, column) of ``{{ name`` within file lines first..last."""
    pattern = re.compile(r"\{\{-?\s*" + re.escape(name) + r"\b")
    for number in range(first, min(last, len(lines)) + 1):
        found = pattern.search(lines[number - 1])
        if found:
            return number, found.start() + 1
    return None
