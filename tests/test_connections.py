"""What one client may hold of a server: a request body must arrive within
CASP_BODY_TIMEOUT_SECONDS (else 408, in the shape of the path's door, and the connection is
closed), and `casp serve` runs uvicorn with a keep-alive timeout and a connection limit. Over
raw sockets to a real uvicorn, as a slow client would send."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.cli import serve_options
from app.config import Settings
from tests.support.app import quiet_settings
from tests.support.cli import casp_serve
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.rest import PASSWORD

REGISTER = "/api/v1/auth.php?action=register"
BODY = json.dumps({"email": "slow@example.com", "password": PASSWORD})


@pytest.fixture
async def port(settings: Settings) -> AsyncIterator[int]:
    """casp on a loopback port, waiting at most 1 s for a request's body."""
    port = free_port()
    strict = dataclasses.replace(quiet_settings(settings), body_timeout_seconds=1)
    async with live_casp(strict, port):
        yield port


async def post_headers(port: int, path: str, length: int) -> socket.socket:
    """A connection to casp that has sent a POST's headers, and no body yet."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_sendall(
        sock, f"POST {path} HTTP/1.1\r\nHost: casp.test\r\nConnection: close\r\n"
              f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode())
    return sock


async def trickle(port: int, path: str, body: str, every: float) -> tuple[str, bytes, float]:
    """Send the headers, then the body a byte every `every` s (out of step with the 1 s
    deadline, so that no byte is in flight when casp closes) until casp answers: its status
    line and headers (lower case), its body, and the seconds until it closed."""
    loop, answer = asyncio.get_running_loop(), bytearray()
    sock, started = await post_headers(port, path, len(body)), time.monotonic()

    async def send_slowly() -> None:
        for byte in body.encode():
            if answer:  # sending on would only make casp's close a reset
                return
            await loop.sock_sendall(sock, bytes([byte]))
            await asyncio.sleep(every)

    async def read_to_the_end() -> None:
        while chunk := await loop.sock_recv(sock, 65536):
            answer.extend(chunk)

    sender = asyncio.create_task(send_slowly())
    try:
        await asyncio.wait_for(read_to_the_end(), 20)
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError):
            await sender
        sock.close()
    head, _, content = bytes(answer).partition(b"\r\n\r\n")
    return head.decode().lower(), content, time.monotonic() - started


async def test_a_rest_body_that_trickles_is_refused_with_408(port: int):
    head, content, seconds = await trickle(port, REGISTER, BODY, every=0.3)
    assert head.startswith("http/1.1 408 ") and "connection: close" in head
    assert json.loads(content) == {"success": False, "error": {
        "code": "VALIDATION_ERROR", "message": "The request body did not arrive within 1 s"}}
    assert 1 <= seconds < 5  # the whole body would take over 10 s


async def test_a_graphql_body_that_trickles_is_refused_in_its_shape(port: int):
    query = json.dumps({"query": "{ __typename }"})
    head, content, _ = await trickle(port, "/graphql", query + " " * 20, every=0.3)
    assert head.startswith("http/1.1 408 ")
    assert json.loads(content) == {"data": None, "errors": [{
        "message": "The request body did not arrive within 1 s",
        "extensions": {"code": "VALIDATION_ERROR"}}]}


async def test_a_slow_body_that_arrives_in_time_is_served(port: int):
    head, content, _ = await trickle(port, REGISTER, BODY, every=0.01)
    assert head.startswith("http/1.1 200 "), content
    assert json.loads(content)["data"]["user_id"] == 1
    head, content, _ = await trickle(port, "/graphql", '{"query": "{ __typename }"}',
                                     every=0.01)
    assert json.loads(content) == {"data": {"__typename": "Query"}}


def test_serve_keeps_connections_short_and_few():
    options = serve_options(argparse.Namespace(host=None, port=None),
                            Settings(max_connections=200))
    assert options["timeout_keep_alive"] == 5 and options["limit_concurrency"] == 200
    assert (options["host"], options["port"]) == ("127.0.0.1", 8000)


def _options(**overrides: Any) -> dict[str, Any]:
    return serve_options(argparse.Namespace(host="0.0.0.0", port=9000),  # noqa: S104
                         Settings(**overrides))


def test_serve_arguments_win_over_settings():
    assert _options(port=1)["port"] == 9000 and _options()["host"] == "0.0.0.0"  # noqa: S104
    assert _options()["limit_concurrency"] == 1000


@pytest.mark.slow  # casp serve as a process, about 2 s
def test_serve_answers_503_past_its_connection_limit(tmp_path: Path):
    """uvicorn counts the asking connection too: with a limit of 3, two idle ones leave no room."""
    with casp_serve(tmp_path / "d", CASP_MAX_CONNECTIONS="3") as served:
        base = served.base
        host, port = base.removeprefix("http://").split(":")
        idle = [socket.create_connection((host, int(port))) for _ in range(2)]
        try:
            r = httpx.get(f"{base}/healthz", timeout=5)
            assert (r.status_code, r.text) == (503, "Service Unavailable")
        finally:
            for sock in idle:
                sock.close()
        for _ in range(50):  # the server notices the closes
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                break
            time.sleep(0.1)
        else:
            pytest.fail("still 503 with the idle connections closed")
