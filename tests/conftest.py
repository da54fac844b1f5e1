"""Shared fixtures: a fresh data directory, database and app per test, driven by httpx.

The helpers they use, and that tests import, are in tests/support/ (app.py: settings,
databases, the app in-process; rest.py: users and tokens); nothing imports this file.
The database is SQLite in the data directory, or with CASP_TEST_DATABASE_URL a PostgreSQL
database of the test's own (tests/support/pg.py); CASP_TEST_RATE_LIMIT_STORAGE puts the rate
limits in that storage (a Redis, under keys of the test's own) instead of memory."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from tests.support import pg
from tests.support.app import (
    OfflineAcme,
    begin_test,
    end_test,
    is_redis,
    make_settings,
    quiet_settings,
    running,
)
from tests.support.deliveries import Receiver
from tests.support.http import serving
from tests.support.mail import Smtp
from tests.support.net import free_port, require_tcp, tcp_up
from tests.support.rest import login, register


@pytest.fixture(scope="session", autouse=True)
def _databases() -> Iterator[None]:
    """On PostgreSQL: migrate the template before any test, drop every database at the end."""
    if pg.suite_admin_url():
        pg.databases().prepare()
    try:
        yield
    finally:
        pg.close_all()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test has rate limits of its own and ends by dropping the databases it made.

    In a shared Redis (CASP_TEST_RATE_LIMIT_STORAGE) the apps a test runs in this process
    keep their counters under a key prefix of the test's own (limits' key_prefix), so neither
    an earlier test nor another pytest run on the same Redis spends their budget; emptying
    the Redis database instead would reset the budgets of tests running elsewhere."""
    if is_redis(os.environ.get("CASP_TEST_RATE_LIMIT_STORAGE", "")):
        from app import ratelimit

        prefix = f"casp-test-{os.getpid()}-{next(_TESTS)}"
        make = ratelimit.storage_from_string

        def prefixed(uri: str, **options: Any) -> Any:
            if is_redis(uri):  # before the install's own prefix (tests may share a secret)
                options["key_prefix"] = f"{prefix}:{options.get('key_prefix', '')}"
            return make(uri, **options)
        monkeypatch.setattr(ratelimit, "storage_from_string", prefixed)
    begin_test()
    yield
    end_test()


_TESTS = itertools.count(1)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def client(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    async with running(settings, clock) as c:
        yield c


@pytest.fixture
async def token(client: httpx.AsyncClient) -> str:
    await register(client)
    return await login(client)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its worker, CASP_WEBHOOK_ALLOW_PRIVATE set, so URLs are not resolved
    (no DNS needed here): the notification settings' tests, REST and GraphQL."""
    allowing = quiet_settings(settings, webhook_allow_private=True)
    async with running(allowing, clock, acme=OfflineAcme()) as c:
        yield c


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on loopback taking webhooks (tests/support/deliveries.py)."""
    found = Receiver()
    with serving(found.handler()) as server:
        found.port = int(server.server_address[1])
        yield found


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    """An SMTP server on a port of its own, started by the test (smtp.start())."""
    server = Smtp()
    try:
        yield server
    finally:
        if server.controller is not None:
            server.controller.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """CASP_TEST_REDIS_URL, the machine's Redis on 6379, or a redis-server started here."""
    import shutil
    import subprocess
    import time

    if url := os.environ.get("CASP_TEST_REDIS_URL"):
        yield url
        return
    if tcp_up("127.0.0.1", 6379):
        yield "redis://127.0.0.1:6379/0"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        require_tcp("127.0.0.1", 6379, "Redis (no redis-server binary either)")
    port = free_port()
    proc = subprocess.Popen([str(binary), "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if tcp_up("127.0.0.1", port):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
async def quiet(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its embedded worker or a CA: certificates stay pending with a queued
    job (REST and GraphQL tests that need no issuance)."""
    async with running(quiet_settings(settings), clock, acme=OfflineAcme()) as c:
        yield c


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for the casp processes of one test (they migrate
    it), whichever pass of the suite runs."""
    require_tcp("127.0.0.1", 5432, "PostgreSQL")
    url = pg.databases().empty()
    try:
        yield url
    finally:
        pg.databases().release(url)
