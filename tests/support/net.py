"""Loopback ports and services: a free port, whether something answers on one, and a skip
(a failure in CI) where a service the test needs is not there."""

from __future__ import annotations

import os
import random
import socket

import pytest

# Below Linux's ephemeral range (32768-60999 by default): the kernel never gives one of these
# as the source port of an outgoing connection. A test module holds its port only while casp
# serves, between its tests it is free, and on the PostgreSQL pass (many outgoing
# connections) an ephemeral port was taken by one of them, so the next test could not bind.
_LOW, _HIGH = 20000, 32767
_GIVEN: set[int] = set()  # never the same port twice in one run


def free_port() -> int:
    for _ in range(500):
        port = random.randint(_LOW, _HIGH)
        if port in _GIVEN:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port
    with socket.socket() as s:  # the low range is full: any free port
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
