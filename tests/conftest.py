"""Shared fixtures: a fresh data directory, database and app per test, driven by httpx.

The database is SQLite in the data directory, or with CASP_TEST_DATABASE_URL a PostgreSQL
database of the test's own (tests/support/pg.py); CASP_TEST_RATE_LIMIT_STORAGE puts the rate
limits in that storage (a Redis, under keys of the test's own) instead of memory."""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import db
from app.clock import ManualClock
from app.config import Settings
from app.main import create_app
from tests.support import pg

PASSWORD = "Corr3ct-Horse"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for one casp of a test: on PostgreSQL each call gets a new database."""
    # Cheap argon2id parameters keep the suite fast; production defaults are tested apart.
    base = Settings(data_dir=data_dir, argon2_time_cost=1, argon2_memory_kib=1024,
                    argon2_parallelism=1,
                    rate_limit_storage=os.environ.get("CASP_TEST_RATE_LIMIT_STORAGE")
                    or Settings.rate_limit_storage)
    if "database_url" not in overrides:
        base = dataclasses.replace(base, database_url=fresh_database())
    return dataclasses.replace(base, **overrides)


def fresh_database(empty: bool = False) -> str:
    """With CASP_TEST_DATABASE_URL, the URL of a new PostgreSQL database, a clone of the
    migrated template (or `empty`, for processes that migrate it), dropped after the test;
    on SQLite an empty string (the data directory's file)."""
    if not pg.suite_admin_url():
        return ""
    url = pg.databases().empty() if empty else pg.databases().clone()
    _MADE_BY_TEST.append(url)
    if not empty:
        _CLONES.add(url)
    return url


def process_env(empty_database: bool = False, **extra: str) -> dict[str, str]:
    """The environment for a `casp` process of a test: this one's without its CASP_* settings,
    plus on the PostgreSQL pass a database of the test's own (migrated unless
    `empty_database`) and the pass's rate-limit storage."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASP_")}
    if url := fresh_database(empty=empty_database):
        env["CASP_DATABASE_URL"] = url
    if storage := os.environ.get("CASP_TEST_RATE_LIMIT_STORAGE"):
        env["CASP_RATE_LIMIT_STORAGE"] = storage
        if _is_redis(storage):  # processes use limits' own prefix: start from no counters
            import redis

            with redis.Redis.from_url(storage) as r:
                for key in r.scan_iter("LIMITS:*", count=1000):
                    r.delete(key)
    return env | extra


_MADE_BY_TEST: list[str] = []  # the databases made during the running test
_CLONES: set[str] = set()  # databases cloned from the migrated template


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
    if _is_redis(os.environ.get("CASP_TEST_RATE_LIMIT_STORAGE", "")):
        from app import ratelimit

        prefix = f"casp-test-{os.getpid()}-{next(_TESTS)}"
        make = ratelimit.storage_from_string

        def prefixed(uri: str, **options: Any) -> Any:
            if _is_redis(uri):
                options.setdefault("key_prefix", prefix)
            return make(uri, **options)
        monkeypatch.setattr(ratelimit, "storage_from_string", prefixed)
    _MADE_BY_TEST.clear()
    yield
    for url in _MADE_BY_TEST:
        _CLONES.discard(url)
        pg.databases().release(url)
    _MADE_BY_TEST.clear()


_TESTS = itertools.count(1)


def _is_redis(uri: str) -> bool:
    return uri.removeprefix("async+").startswith(("redis://", "rediss://"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


_TEMPLATE: Path | None = None


async def migrated(settings: Settings) -> None:
    """Apply the migrations; on a new SQLite file, copy a database migrated once per run
    (running the migrations for every test costs half a second each). A PostgreSQL database
    from make_settings is a clone of a migrated template already."""
    global _TEMPLATE
    if settings.database_url in _CLONES:
        return
    target = settings.data_dir / "casp.sqlite3"
    if settings.database_url or target.exists():
        await db.migrate(settings)
        return
    if _TEMPLATE is None:
        import tempfile

        template = dataclasses.replace(settings, data_dir=Path(tempfile.mkdtemp()))
        await db.migrate(template)
        _TEMPLATE = template.data_dir / "casp.sqlite3"
    import shutil

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE, target)


@asynccontextmanager
async def running(settings: Settings, clock: ManualClock | None = None,
                  ip: str = "127.0.0.1", **kwargs: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Migrate, run the app's lifespan, and give an httpx client talking to it in-process."""
    await migrated(settings)
    app = create_app(settings, clock=clock, **kwargs)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        client.app = app  # type: ignore[attr-defined]
        yield await stack.enter_async_context(client)


@pytest.fixture
async def client(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    async with running(settings, clock) as c:
        yield c


async def register(client: httpx.AsyncClient, email: str = "user@example.com",
                   password: str = PASSWORD, name: str = "User") -> dict[str, Any]:
    r = await client.post("/api/v1/auth.php?action=register",
                          json={"email": email, "password": password, "name": name})
    assert r.status_code == 200, r.text
    return r.json()["data"]


async def login(client: httpx.AsyncClient, email: str = "user@example.com",
                password: str = PASSWORD) -> str:
    r = await client.post("/api/v1/auth.php?action=login",
                          json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["data"]["token"]


@pytest.fixture
async def token(client: httpx.AsyncClient) -> str:
    await register(client)
    return await login(client)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


Factory = Callable[..., Any]


def require_tcp(host: str, port: int, what: str) -> None:
    """Skip where a service truly is not here; in CI (CI=true) its absence is a failure."""
    import socket

    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{what} at {host}:{port} is needed in CI: {exc}")
        pytest.skip(f"{what} not reachable at {host}:{port}: {exc}")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reset_token_in(message: Any) -> str:
    """The reset token printed in a password-reset mail."""
    import re

    match = re.search(r"usable once\):\r?\n(\S+)", message.get_payload())
    assert match, message.get_payload()
    return match.group(1)


def tcp_up(host: str, port: int) -> bool:
    import socket

    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


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
