"""Loopback ports and services: a free port, whether something answers on one, and a skip
(a failure in CI) where a service the test needs is not there."""

from __future__ import annotations

import os
import socket

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tcp_up(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def require_tcp(host: str, port: int, what: str) -> None:
    """Skip where a service truly is not here; in CI (CI=true) its absence is a failure."""
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{what} at {host}:{port} is needed in CI: {exc}")
        pytest.skip(f"{what} not reachable at {host}:{port}: {exc}")
