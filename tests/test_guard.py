"""The network guard: no test may reach the network."""

from __future__ import annotations

import socket

import pytest
import requests
from pytest_socket import SocketBlockedError


def test_raw_socket_connection_is_blocked() -> None:
    """Opening an internet socket fails the test instead of reaching the network."""
    with pytest.raises(SocketBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=0.01)


def test_requests_is_blocked() -> None:
    """A real HTTP request through requests is refused before it leaves the machine."""
    with pytest.raises(SocketBlockedError):
        requests.get("https://api.x.com/2/users/me", timeout=1)
