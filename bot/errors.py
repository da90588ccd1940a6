"""The reachout error family.

Every failure a user can meet is one of these. The CLI prints ``str(error)`` (a one-line
cause) and ``error.hint`` and exits non-zero; it never shows a traceback unless ``--debug``.

    BotError
    ├── ConfigError          settings, overrides, data files (exit 2)
    ├── CalendarError        the campaign calendar (exit 1), carries every problem found
    ├── DataError            the legislator directory and its upstream files (exit 1)
    ├── StoreError           the SQLite store
    └── XError               the X API
        ├── XAuthError
        ├── XRateLimited(reset_at)
        ├── XRejected(status, messages)
        └── XUnavailable(may_have_reached_x)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Problem:
    """One problem in a source file, located for a human.

    Attributes:
        file: the file name as the user gave it.
        line: 1-based line number (0 when the problem concerns the whole file).
        column: 1-based column, counted in characters (0 when unknown).
        message: what is wrong.
        hint: how to fix it (may be empty).
    """

    file: str
    line: int
    column: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}" if self.column else f":{self.line}"
        text = f"{where}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class BotError(Exception):
    """Base of every error reachout raises on purpose.

    Attributes:
        hint: one line telling the user what to do about it (may be empty).
        exit_code: the process exit code the CLI uses for it.
    """

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class SourceError(BotError):
    """A file with one or more located problems (all of them, sorted by position).

    Attributes:
        problems: every problem found, in file order.
    """

    def __init__(self, problems: list[Problem], hint: str = "") -> None:
        if not problems:
            raise ValueError("SourceError needs at least one problem")
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column))
        first = self.problems[0]
        more = len(self.problems) - 1
        summary = str(first) + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        super().__init__(summary, hint)

    @property
    def file(self) -> str:
        """File of the first problem."""
        return self.problems[0].file

    @property
    def line(self) -> int:
        """1-based line of the first problem."""
        return self.problems[0].line

    @property
    def column(self) -> int:
        """1-based column of the first problem."""
        return self.problems[0].column


class ConfigError(SourceError):
    """Settings, overrides or another configuration file are wrong (exit code 2)."""

    exit_code = 2


class CalendarError(SourceError):
    """The campaign calendar has problems; it is not applied (exit code 1)."""


class DataError(BotError):
    """A data file (the legislator directory or its upstream sources) is missing or broken."""


class StoreError(BotError):
    """The SQLite store failed or holds something unexpected."""


class XError(BotError):
    """The X API failed."""


class XAuthError(XError):
    """X refused our credentials (401, or a 403 about authentication)."""


class XRateLimited(XError):
    """X answered 429.

    Attributes:
        reset_at: when the limit resets (aware UTC datetime), or None when X did not say.
    """

    def __init__(self, message: str, reset_at: datetime | None, hint: str = "") -> None:
        super().__init__(message, hint)
        self.reset_at = reset_at


class XRejected(XError):
    """X refused the request (a 4xx other than 401/429).

    Attributes:
        status: the HTTP status code.
        messages: X's own error messages.
        duplicate: True when X refused a post as duplicate content.
        mention_refused: True when X refused a post for its @mentions or as a reply or
            quote it does not allow (tagged posting should stop).
    """

    def __init__(
        self,
        status: int,
        messages: list[str],
        *,
        duplicate: bool = False,
        hint: str = "",
        mention_refused: bool = False,
    ) -> None:
        super().__init__(f"X refused the request ({status}): {'; '.join(messages)}", hint)
        self.status = status
        self.messages = messages
        self.duplicate = duplicate
        self.mention_refused = mention_refused


class XUnavailable(XError):
    """X could not be reached or failed (5xx, timeout, dropped connection).

    Attributes:
        may_have_reached_x: True when the request may have been received and acted on.
    """

    def __init__(self, message: str, *, may_have_reached_x: bool, hint: str = "") -> None:
        super().__init__(message, hint)
        self.may_have_reached_x = may_have_reached_x
