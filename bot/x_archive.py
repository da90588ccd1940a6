"""Reading X API v2 archives for ``reachout import`` (pure: lines in, posts and problems out).

Two shapes are read, as X and twarc2 write them:

- **response pages**: ``{"data": [...], "includes": {"users": [...]}, "meta": {...}}``, as
  ``GET /2/tweets/search/recent`` or ``GET /2/users/:id/mentions`` answer (a single lookup's
  ``{"data": {...}}`` too), either as the whole file (pretty-printed or not) or one page a
  line (JSONL: ``twarc2 search`` writes this);
- **one post a line**: a v2 post object, ``{"id": ..., "text": ..., "author_id": ...}``, as
  ``twarc2 flatten`` writes it (its ``"author": {"id", "username", ...}`` gives the handle).

A file may mix the line kinds. A line that is not JSON, or not a post or a page, becomes a
`Problem` naming the file, its line number and what is wrong, and the reading goes on; the
caller decides what to write (bot.collector imports the rest in one transaction).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from bot.errors import Problem
from bot.x_models import Account, XPost, page_from_json, post_from_json

_SHAPE_HINT = "each line must be one X API v2 post or response page (JSON), as twarc2 writes"
_NOT_ARCHIVE = 'not an X API v2 post or response page (it has neither "data" nor "id" and "text")'


@dataclass(frozen=True)
class Entry:
    """One readable unit of an archive: a line (or the whole file) and its posts or problem.

    Attributes:
        line: 1-based line number where it starts.
        posts: the posts it holds (a page holds many, a post line one; may be empty).
        problem: why it was skipped, or None.
    """

    line: int
    posts: tuple[XPost, ...] = ()
    problem: Problem | None = None


def parse_archive(lines: Iterable[bytes | str], file: str) -> Iterator[Entry]:
    """Yield the entries of an archive, line by line (or the whole file as one document).

    When the first non-blank line is not JSON by itself, the file is read as one JSON
    document (a pretty-printed page); if that fails too, line by line, each bad line a
    problem.

    Args:
        lines: the file's lines (bytes are decoded as UTF-8, line by line; a BOM is ignored).
        file: the file name for problems.

    Yields:
        One Entry per non-blank line (or one for the whole document), in file order.
    """
    pending: list[tuple[int, bytes | str]] = []
    numbered = enumerate(lines, start=1)
    first = True
    for number, raw in numbered:
        text, problem = _decode(raw, number, file)
        if problem is None and not text.strip():
            continue
        if first and problem is None and not _parses(text):
            pending = [(number, raw), *((n, r) for n, r in numbered)]
            whole = _document(pending, file)
            if whole is not None:
                yield whole
                return
            break
        first = False
        yield _entry(number, text, problem, file)
    for number, raw in pending:
        text, problem = _decode(raw, number, file)
        if problem is not None or text.strip():
            yield _entry(number, text, problem, file)


def posts_of(value: Any) -> tuple[XPost, ...]:
    """Return the posts of one decoded JSON value: a page, a post, or a list of those.

    Raises:
        ValueError: the value is neither (message says why).
        KeyError, TypeError, AttributeError: a post misses ``id``/``text`` or has bad types.
    """
    if isinstance(value, list):
        return tuple(post for item in value for post in posts_of(item))
    if not isinstance(value, dict):
        raise ValueError(_NOT_ARCHIVE)
    if "data" in value:
        data = value["data"]
        page = dict(value, data=[data] if isinstance(data, dict) else data)
        return page_from_json(page).posts
    if "id" in value and "text" in value:
        author = value.get("author")
        users = {}
        if isinstance(author, dict) and author.get("id") and author.get("username"):
            name = author.get("name") or author["username"]
            users[str(author["id"])] = Account(str(author["id"]), str(author["username"]), name)
        return (post_from_json(value, users),)
    raise ValueError(_NOT_ARCHIVE)


def _decode(raw: bytes | str, number: int, file: str) -> tuple[str, Problem | None]:
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff") if number == 1 else raw, None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start + 1} of the line)"
        return "", Problem(file, number, 0, message, "save the archive as UTF-8")
    return text.removeprefix("\ufeff") if number == 1 else text, None


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _document(numbered: list[tuple[int, bytes | str]], file: str) -> Entry | None:
    """The whole rest of the file as one JSON document, or None when it is not one."""
    parts = [_decode(raw, number, file) for number, raw in numbered]
    if any(problem for _, problem in parts):
        return None
    try:
        value = json.loads("".join(text for text, _ in parts))
    except ValueError:
        return None
    return _entry_of(numbered[0][0], value, file)


def _entry(number: int, text: str, problem: Problem | None, file: str) -> Entry:
    if problem is not None:
        return Entry(number, problem=problem)
    try:
        value = json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        message = f"not JSON: {exc.msg}"
        return Entry(number, problem=Problem(file, number, exc.colno, message, _SHAPE_HINT))
    return _entry_of(number, value, file)


def _entry_of(number: int, value: Any, file: str) -> Entry:
    try:
        return Entry(number, posts_of(value))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        detail = f"no {exc.args[0]!r} field" if isinstance(exc, KeyError) else str(exc)
        message = detail if detail == _NOT_ARCHIVE else f"not an X API v2 post: {detail}"
        return Entry(number, problem=Problem(file, number, 0, message, _SHAPE_HINT))
