"""Fixtures for ACME integration tests: a real BIND, real Pebble CAs and acme2certifiers on
loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import require_binary, require_module
from tests.support.a2c import A2cFactory, A2cServer
from tests.support.dns import BindServer
from tests.support.net import free_port
from tests.support.pdns import PowerDns
from tests.support.pebble import PebbleFactory, PebbleServer
from tests.support.sshd import Nginx, SshServer


@pytest.fixture(scope="session")
def bind_server() -> Iterator[BindServer]:
    """One authoritative BIND for the session; tests use distinct names to stay independent."""
    server = BindServer(named=require_binary("named", "bind9"))
    with server:
        yield server


@pytest.fixture(scope="module")
def powerdns() -> Iterator[PowerDns]:
    """A PowerDNS Authoritative with its HTTP API: a user's DNS host (DNS providers)."""
    with PowerDns(require_binary("pdns_server", "pdns-server")) as server:
        yield server


@pytest.fixture(scope="module")
def pebble_factory(bind_server: BindServer) -> Iterator[PebbleFactory]:
    """Start Pebbles resolving through `bind_server`; all are stopped when the module ends.

    Call as `pebble_factory(http_port=..., eab_required=..., nonce_reject=..., authz_reuse=...)`.
    """
    binary = require_binary("pebble", "pebble")
    started: list[PebbleServer] = []

    def start(**options: Any) -> PebbleServer:
        options.setdefault("pebble", binary)
        server = PebbleServer(bind_server.address, **options)
        started.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in reversed(started):
            server.cleanup()


@pytest.fixture(scope="module")
def pebble(pebble_factory: PebbleFactory) -> PebbleServer:
    """A default Pebble for the module: no EAB, no nonce rejection, fresh authzs per order."""
    return pebble_factory()


@pytest.fixture(scope="module")
def port() -> int:
    """The module's casp port: where its Pebble (`ca`) dials for http-01."""
    return free_port()


@pytest.fixture(scope="module")
def ca(pebble_factory: PebbleFactory, port: int) -> PebbleServer:
    """A Pebble for the module validating http-01 on `port`."""
    return pebble_factory(http_port=port)


@pytest.fixture(scope="module")
def a2c_factory(bind_server: BindServer) -> Iterator[A2cFactory]:
    """Start acme2certifiers resolving through `bind_server`; all stop when the module ends.

    Call as `a2c_factory(http_port=..., eab=...)`.
    """
    require_module("acme2certifier", "the test extra acme2certifier")
    started: list[A2cServer] = []

    def start(**options: Any) -> A2cServer:
        server = A2cServer(bind_server.port, **options)
        started.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in reversed(started):
            server.cleanup()


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    """A real OpenSSH server on a loopback port (tests/support/sshd.py)."""
    server = SshServer(require_binary("sshd", "openssh-server"), tmp_path / "sshd")
    try:
        yield server.start()
    finally:
        server.cleanup()


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    """A real nginx on a loopback port, started by the test once its files are there."""
    server = Nginx(require_binary("nginx", "nginx"), tmp_path / "nginx")
    try:
        yield server
    finally:
        server.cleanup()
