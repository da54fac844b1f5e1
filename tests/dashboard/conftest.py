"""Fixtures for the dashboard's browser tests: a real casp on a loopback port, issuing from a
real Pebble through http-01 (names resolved by a real BIND), with mail in an outbox folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from tests.support import require_binary
from tests.support.acme import casp_settings
from tests.support.dns import BindServer
from tests.support.net import free_port
from tests.support.pebble import PebbleServer


@pytest.fixture(scope="module")
def bind_server() -> Iterator[BindServer]:
    with BindServer(named=require_binary("named", "bind9")) as server:
        yield server


@pytest.fixture(scope="module")
def port() -> int:
    """The module's casp port: where its Pebble dials for http-01."""
    return free_port()


@pytest.fixture(scope="module")
def ca(bind_server: BindServer, port: int) -> Iterator[PebbleServer]:
    with PebbleServer(bind_server.address, http_port=port,
                      pebble=require_binary("pebble", "pebble")) as server:
        yield server


@pytest.fixture
def live_settings(tmp_path: Path, ca: PebbleServer, bind_server: BindServer,
                  port: int) -> Settings:
    """casp as `./dev run` serves it, but issuing from this Pebble for every CA."""
    return casp_settings(tmp_path / "data", ca, bind_server, port)
