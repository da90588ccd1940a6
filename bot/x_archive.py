"""Reading X API v2 archives for ``reachout import`` (pure: lines in, posts and problems out).

Two shapes are read, as X and twarc2 write them:

- **response pages**: ``{"data": [...], "includes": {"users": [...]}, "meta": {...}}``, as
  ``GET /2/tweets/search/recent`` or ``GET /2/users/:id/mentions`` answer (a single lookup's
  ``{"data": {...}}`` too), either as whole documents (pretty-printed or not, one or several
  in a row) or one page a line (JSONL: ``twarc2 search`` writes this);
- **one post a line**: a v2 post object, ``{"id": ..., "text": ..., "author_id": ...}``, as
  ``twarc2 flatten`` writes it (its ``"author": {"id", "username", ...}`` gives the handle).

A file may mix the line kinds. Posts are read one by one (`bot.x_models.post_from_json`
checks them): a post that is not what X documents, or has no ``created_at`` (it would be in
no report), is a `Problem` naming the file, its line (in a pretty-printed document, the line
where the post starts), its place in the page and its id; the page's other posts are read. A
line that is not JSON, or not a post or a page, is a problem too, and the reading goes on.
The caller decides what to write (bot.archive_import imports the rest in one transaction).
A gzip or zip file, UTF-16 text and X's own account archive (``tweets.js``, starting
``window.YTD``) are recognised and refused at once with a hint.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import Problem
from bot.x_models import Account, XPost, page_from_json, post_from_json

_SHAPE_HINT = "each line must be one X API v2 post or response page (JSON), as twarc2 writes"
_PAGE_HINT = (
    'an X API v2 page is {"data": [posts], "includes": {"users": [...]}, "meta": {...}}; '
    'a post is {"id": "1900000000000000001", "text": "...", "created_at": '
    '"2027-08-03T10:00:00.000Z", ...}'
)
_NOT_ARCHIVE = 'not an X API v2 post or response page (it has neither "data" nor "id" and "text")'
_ACCOUNT_ARCHIVE_HINT = (
    "reachout imports X API v2 answers, as twarc2 writes them (twarc2 search, twarc2 "
    "mentions); X's account archive ('Download an archive of your data') cannot be imported"
)
_FOREIGN = (  # (how the first line starts, what the file is, what to do)
    (b"\x1f\x8b", "a gzip-compressed file", "unzip it first (gunzip FILE), then import the file"),
    (b"PK\x03\x04", "a zip archive", "unzip it first, then import the .json or .jsonl inside"),
    (b"\xff\xfe", "UTF-16 text", "save the archive as UTF-8"),
    (b"\xfe\xff", "UTF-16 text", "save the archive as UTF-8"),
)
_BAD_JSON = (RecursionError, ValueError)  # nesting deeper than Python's limit; long numbers
_SURROGATE = re.compile("[\ud800-\udfff]")
_TOO_DEEP = "not JSON reachout can read: nested too deeply"


@dataclass(frozen=True)
class Entry:
    """One readable unit of an archive: a line (or a whole document) and its posts, problems.

    Attributes:
        line: 1-based line number where it starts.
        posts: the posts read from it (a page holds many, a post line one; may be empty).
        problems: why it, or some of its posts, were skipped (empty when all was read).
    """

    line: int
    posts: tuple[XPost, ...] = ()
    problems: tuple[Problem, ...] = ()


class _Unreadable(Exception):
    """A line or document that is no post or page at all (message, hint)."""


def parse_archive(lines: Iterable[bytes | str], file: str) -> Iterator[Entry]:
    """Yield the entries of an archive, line by line (or document by document).

    When the first non-blank line is not JSON by itself, the file is read as JSON documents
    one after another (pretty-printed pages); if none can be read that way, line by line,
    each bad line a problem (unless the file starts like a document: then its one JSON error).

    Args:
        lines: the file's lines (bytes are decoded as UTF-8, line by line; a BOM is ignored).
        file: the file name for problems.

    Yields:
        One Entry per non-blank line (or per document), in file order.
    """
    numbered = enumerate(lines, start=1)
    first = True
    for number, raw in numbered:
        if first and (foreign := _foreign(raw, number, file)) is not None:
            yield foreign
            return
        text, problem = _decode(raw, number, file)
        if problem is None and not text.strip():
            continue
        if first:
            first = False
            if text.lstrip().startswith("window.YTD."):
                message = "X's account archive (tweets.js, window.YTD...), not X API v2 JSON"
                yield Entry(
                    number, problems=(Problem(file, number, 1, message, _ACCOUNT_ARCHIVE_HINT),)
                )
                return
            if problem is None and not _parses(text):
                yield from _documents([(number, raw), *numbered], file)
                return
        yield _entry(number, text, problem, file)


def _foreign(raw: bytes | str, number: int, file: str) -> Entry | None:
    """An Entry refusing a file that is compressed or not UTF-8 text at all, else None."""
    if isinstance(raw, str):
        return None
    for start, what, hint in _FOREIGN:
        if raw.startswith(start):
            message = f"{what}, not X API v2 JSON text"
            return Entry(number, problems=(Problem(file, number, 0, message, hint),))
    return None


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
    except _BAD_JSON:
        return False
    return True


def _documents(numbered: list[tuple[int, bytes | str]], file: str) -> Iterator[Entry]:
    """Read the rest of the file as JSON documents in a row; else line by line."""
    parts = [_decode(raw, number, file) for number, raw in numbered]
    failed: Entry | None = None
    if not any(problem for _, problem in parts):
        text = "".join(part for part, _ in parts)
        read, failed = _split(text, numbered[0][0], file)
        if read:
            yield from read
            if failed is not None:
                yield failed
            return
    by_line = [
        _entry(number, part, problem, file)
        for (number, _), (part, problem) in zip(numbered, parts, strict=True)
        if problem is not None or part.strip()
    ]
    looks_like_a_document = parts[0][0].lstrip()[:1] in ("{", "[")
    if failed is not None and looks_like_a_document and not any(e.posts for e in by_line):
        yield failed
    else:
        yield from by_line


def _split(text: str, first_line: int, file: str) -> tuple[list[Entry], Entry | None]:
    """The JSON documents of ``text`` one after another, and the problem that stopped it."""
    decoder = json.JSONDecoder()
    entries: list[Entry] = []
    pos, line, counted = 0, first_line, 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return entries, None
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            at = first_line + exc.lineno - 1
            rest = "; the rest of the file was not read" if entries else ""
            problem = Problem(file, at, exc.colno, f"not JSON: {exc.msg}{rest}", _SHAPE_HINT)
            return entries, Entry(at, problems=(problem,))
        except _BAD_JSON:
            problem = Problem(file, line, 0, _TOO_DEEP, _SHAPE_HINT)
            return entries, Entry(line, problems=(problem,))
        source = text[pos:end]
        entries.append(_entry_of(line, value, file, source if "\n" in source else None))
        pos = end


def _entry(number: int, text: str, problem: Problem | None, file: str) -> Entry:
    if problem is not None:
        return Entry(number, problems=(problem,))
    try:
        value = json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        problem = Problem(file, number, exc.colno, f"not JSON: {exc.msg}", _SHAPE_HINT)
        return Entry(number, problems=(problem,))
    except _BAD_JSON:
        return Entry(number, problems=(Problem(file, number, 0, _TOO_DEEP, _SHAPE_HINT),))
    return _entry_of(number, value, file)


def _entry_of(number: int, value: Any, file: str, source: str | None = None) -> Entry:
    """Read one decoded value; ``source`` (a multi-line document's text) locates bad posts."""
    try:
        posts, issues = _read(value)
    except _Unreadable as exc:
        message, hint = exc.args
        return Entry(number, problems=(Problem(file, number, 0, message, hint),))
    lines: dict[int, int] = {}  # id() of a post object → its line, from 0
    if issues and source is not None and (located := _located(source)) is not None:
        value, lines = located  # keeps the objects (and so their id()) alive
        issues = _read(value)[1]
    problems = tuple(
        Problem(file, number + lines.get(id(item), 0), 0, message) for item, message in issues
    )
    return Entry(number, tuple(posts), problems)


def _read(value: Any) -> tuple[list[XPost], list[tuple[Any, str]]]:
    """The posts of a page, a post or a list of those; (offending item, why) for bad posts.

    Raises:
        _Unreadable: the value is no page or post at all.
    """
    posts: list[XPost] = []
    issues: list[tuple[Any, str]] = []
    for item in value if isinstance(value, list) else [value]:
        if not isinstance(item, dict):
            raise _Unreadable(_NOT_ARCHIVE, _SHAPE_HINT)
        read, bad = _page(item) if _is_page(item) else _post_line(item)
        posts += read
        issues += bad
    return posts, issues


def _is_page(value: dict[str, Any]) -> bool:
    if {"id_str", "full_text", "tweet"} & value.keys():
        message = "an X API v1.1 post or account-archive entry (id_str, full_text), not v2"
        raise _Unreadable(message, _ACCOUNT_ARCHIVE_HINT)
    if "data" in value:
        return True
    if "id" in value or "text" in value:
        return False
    if "errors" in value:
        raise _Unreadable(f"a page holding only X's errors, no posts: {_x_error(value)}", "")
    raise _Unreadable(_NOT_ARCHIVE, _SHAPE_HINT)


def _page(value: dict[str, Any]) -> tuple[list[XPost], list[tuple[Any, str]]]:
    data = value["data"]
    if data is None or data == []:
        if value.get("errors"):
            raise _Unreadable(f"a page holding only X's errors, no posts: {_x_error(value)}", "")
        return [], []
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise _Unreadable(
            f"not an X API v2 page: data is {_kind(data)}, not a list of posts", _PAGE_HINT
        )
    try:
        users = page_from_json(dict(value, data=[])).users
    except TypeError as exc:
        raise _Unreadable(f"not an X API v2 page: {exc}", _PAGE_HINT) from None
    posts: list[XPost] = []
    issues: list[tuple[Any, str]] = []
    for index, item in enumerate(items):
        try:
            posts.append(_post(item, users))
        except (TypeError, ValueError, OverflowError) as exc:
            issues.append((item, f"post {index + 1} of the page{_named(item, exc)}: {exc}"))
    return posts, issues


def _post_line(value: dict[str, Any]) -> tuple[list[XPost], list[tuple[Any, str]]]:
    users: dict[str, Account] = {}
    author = value.get("author")  # twarc2 flatten: the author inline (odd ones are ignored)
    if isinstance(author, dict) and isinstance(user_id := author.get("id"), str):
        username, name = author.get("username"), author.get("name")
        if isinstance(username, str) and username:
            name = name if isinstance(name, str) else username
            users[user_id] = Account(user_id, _clean(username), _clean(name))
    try:
        return [_post(value, users)], []
    except (TypeError, ValueError, OverflowError) as exc:
        return [], [(value, f"not an X API v2 post{_named(value, exc)}: {exc}")]


def _post(item: Any, users: Mapping[str, Account]) -> XPost:
    post = post_from_json(item, users)
    if post.created_at is None:
        raise ValueError('no "created_at": a post without its time would be in no report')
    return post


def _clean(text: str) -> str:
    """Lone UTF-16 surrogates (not storable as UTF-8) become U+FFFD, as post_from_json does."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _named(item: Any, exc: Exception) -> str:
    """`` (id "12")`` to name a bad post, unless the message is about its id already."""
    if not isinstance(item, dict) or item.get("id") is None or str(exc).startswith("id "):
        return ""
    return f" (id {_kind(item['id'])})"


def _kind(value: Any) -> str:
    """A JSON value for a message: escaped, short; lists and objects by kind only."""
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "an object"
    try:
        text = json.dumps(value[:41] if isinstance(value, str) else value)
    except ValueError:
        text = "a very long number"
    return text if len(text) <= 40 else text[:37] + "..."


def _x_error(value: dict[str, Any]) -> str:
    errors = value.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else errors
    if isinstance(first, dict):
        words = [first.get(k) for k in ("title", "detail")]
        return _kind(": ".join(w for w in words if isinstance(w, str)) or "no detail")
    return _kind(first)


def _located(source: str) -> tuple[Any, dict[int, int]] | None:
    """Parse a document again noting the line (from 0) where each object starts.

    Uses the pure-Python scanner of the json module (its ``parse_object`` hook, stable since
    Python 2.7, undocumented): slower than the C one, so this runs only to locate bad posts.
    None when that cannot be done (nested too deeply, or the hook is gone).
    """
    starts: dict[int, int] = {}
    newlines = [found.start() for found in re.finditer("\n", source)]
    json_object = getattr(json.decoder, "JSONObject", None)
    make_scanner = getattr(json.scanner, "py_make_scanner", None)
    if json_object is None or make_scanner is None:
        return None

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        found, end = json_object(s_and_end, *args)
        starts[id(found)] = bisect.bisect_left(newlines, s_and_end[1])
        return found, end

    decoder = json.JSONDecoder()
    vars(decoder).update(parse_object=parse_object)
    vars(decoder).update(scan_once=make_scanner(decoder))
    try:
        return decoder.decode(source), starts
    except _BAD_JSON:
        return None
