"""Test-wide fixtures.

The network guard is pytest-socket, enabled for every test in pyproject.toml
(``--disable-socket --allow-unix-socket``): any real connection attempt raises
``SocketBlockedError`` and fails the test. ``tests/test_guard.py`` proves it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    """The tests/fixtures folder."""
    return FIXTURES
