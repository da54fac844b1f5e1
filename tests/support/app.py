"""The app under test: its settings (cheap argon2, a database of the test's own), migrating
it, running it in-process behind an httpx client, the environment of a `casp` process, the
app without a CA (OfflineAcme, quiet_settings), and what its storage holds.

The database is SQLite in the data directory, or with CASP_TEST_DATABASE_URL a PostgreSQL
database of the test's own (tests/support/pg.py); CASP_TEST_RATE_LIMIT_STORAGE puts the rate
limits in that storage (a Redis, under keys of the test's own) instead of memory. The
databases a test makes are dropped after it by the `_isolated` fixture (tests/conftest.py),
through begin_test and end_test."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from app import db
from app.acme.ari import RenewalInfo
from app.acme.interface import Account, ChallengeHooks, IssueRequest
from app.clock import ManualClock
from app.config import Settings
from app.main import create_app
from tests.support import pg


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
        env["CASP_RATE_LIMIT_STORAGE"] = storage  # counters under the install's own prefix
    return env | extra


_MADE_BY_TEST: list[str] = []  # the databases made during the running test
_CLONES: set[str] = set()  # databases cloned from the migrated template


def begin_test() -> None:
    """A test begins: the databases made before it are not its to drop."""
    _MADE_BY_TEST.clear()


def end_test() -> None:
    """A test ended: drop the databases it made."""
    for url in _MADE_BY_TEST:
        _CLONES.discard(url)
        pg.databases().release(url)
    _MADE_BY_TEST.clear()


def is_redis(uri: str) -> bool:
    return uri.removeprefix("async+").startswith(("redis://", "rediss://"))


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


class OfflineAcme:
    """No CA is reachable here: reading a directory's meta answers False, nothing issues."""

    async def issue(self, request: IssueRequest, hooks: ChallengeHooks) -> str:
        raise AssertionError("these tests run without a worker")

    async def revoke(self, account: Account, cert_pem: str, reason: int) -> None:
        raise AssertionError("these tests revoke nothing")

    async def external_account_required(self, directory_url: str) -> bool:
        return False

    async def renewal_info(self, directory_url: str, cert_pem: str) -> RenewalInfo | None:
        return None

    async def profiles(self, directory_url: str) -> dict[str, str] | None:
        return None  # the directory cannot be read

    async def caa_identities(self, directory_url: str) -> list[str] | None:
        return None  # the directory cannot be read


def quiet_settings(settings: Settings, **overrides: Any) -> Settings:
    """The app without its embedded worker and with a budget the tests do not run into."""
    return dataclasses.replace(settings, embedded_worker=False, rate_limit="1000/minute",
                               **overrides)


async def raw_database(settings: Settings) -> bytes:
    """What a reader of the stored data sees: the SQLite files (the WAL checkpointed into the
    database, and whatever is still in it), or on PostgreSQL every row of every table as text."""
    if settings.database_url:
        return (await pg.rows_as_text(settings.database_url)).encode()
    path = settings.data_dir / "casp.sqlite3"
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(FULL)")
    con.close()
    return b"".join(p.read_bytes() for p in sorted(settings.data_dir.glob("casp.sqlite3*")))
