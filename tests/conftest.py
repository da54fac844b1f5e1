"""Shared fixtures: a fresh data directory, SQLite database and app per test, driven by httpx."""

from __future__ import annotations

import dataclasses
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

PASSWORD = "Corr3ct-Horse"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    # Cheap argon2id parameters keep the suite fast; production defaults are tested apart.
    base = Settings(data_dir=data_dir, argon2_time_cost=1, argon2_memory_kib=1024,
                    argon2_parallelism=1,
                    database_url=os.environ.get("CASP_TEST_DATABASE_URL", ""))
    return dataclasses.replace(base, **overrides)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


_TEMPLATE: Path | None = None


async def migrated(settings: Settings) -> None:
    """Apply the migrations; on a new SQLite file, copy a database migrated once per run
    (running the migrations for every test costs half a second each)."""
    global _TEMPLATE
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
