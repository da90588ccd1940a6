"""Test-wide fixtures.

The network guard is pytest-socket, enabled for every test in pyproject.toml
(``--disable-socket --allow-unix-socket``): any real connection attempt raises
``SocketBlockedError`` and fails the test. ``tests/test_guard.py`` proves it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    """The tests/fixtures folder."""
    return FIXTURES


def fifo(path: Path) -> Path:
    """Make a named pipe. Reading it waits for a writer forever, so after 2 s a writer comes
    and goes: code that waits then reads an empty file and fails the test instead of hanging."""
    os.mkfifo(path)

    def release() -> None:
        time.sleep(2)
        with contextlib.suppress(OSError):  # nobody is waiting (ENXIO), as it should be
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    threading.Thread(target=release, daemon=True).start()
    return path


# What a staff file may not be, and the phrase its refusal holds (settings, calendar, reader).
NOT_REGULAR_FILES = [
    pytest.param(lambda tmp: tmp, "is not a regular file (it is a folder)", id="folder"),
    pytest.param(lambda tmp: fifo(tmp / "fifo"), "is not a regular file (it is a pipe)", id="fifo"),
    pytest.param(
        lambda tmp: Path("/dev/null"), "is not a regular file (it is a device)", id="device"
    ),
]
needs_posix = pytest.mark.skipif(
    not hasattr(os, "mkfifo") or not Path("/dev/null").exists(), reason="needs a POSIX system"
)
