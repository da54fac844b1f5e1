"""A client that disconnects in the middle of its request is not an error: one INFO line
without a traceback, no ERROR, the 499 of nginx in the metrics, the server goes on."""

from __future__ import annotations

import asyncio
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from tests.support.live import live_casp
from tests.support.net import free_port

PATHS = ["/api/v1/auth.php?action=login", "/api/v1/auth.php?action=register", "/graphql"]


async def half_a_request(port: int, path: str) -> None:
    """Headers announcing 1000 bytes, ten of them, then the connection closed."""
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"POST {path} HTTP/1.1\r\nHost: casp\r\nContent-Type: application/json\r\n"
                 "Content-Length: 1000\r\n\r\n{\"email\": ".encode())
    await writer.drain()
    await asyncio.sleep(0.1)  # the app is waiting for the rest of the body
    writer.close()
    await writer.wait_closed()


async def logged(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    for _ in range(100):
        found = [r for r in caplog.records if text in r.getMessage()]
        if found:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"no log line with {text!r}: {caplog.text}")


@pytest.mark.parametrize("path", PATHS)
async def test_a_client_leaving_mid_body_is_an_info_line(settings: Settings, path: str,
                                                         caplog: pytest.LogCaptureFixture):
    port = free_port()
    async with live_casp(settings, port) as client:
        with caplog.at_level(logging.INFO):
            await half_a_request(port, path)
            bare = path.split("?")[0]
            [line] = await logged(caplog, f"client disconnected during POST {bare} ")
            assert line.levelno == logging.INFO and line.exc_info is None
            assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
            assert (await client.get("/healthz")).status_code == 200
            metrics = (await client.get("/metrics")).text
    assert any(sample.labels["route"] == bare and sample.labels["status"] == "499"
               for family in text_string_to_metric_families(metrics)
               for sample in family.samples if sample.name == "casp_http_requests_total")
