"""PostgreSQL databases for the tests: a template migrated once per pytest process, a fresh
clone of it (CREATE DATABASE ... TEMPLATE) for every test, each dropped after its test and
everything left over (the template too) when the session ends.

The work runs on a helper thread with an event loop of its own, so that the synchronous
`make_settings` can ask for a database even from inside a test's running loop. Creating and
dropping a database each cost PostgreSQL a few tenths of a second of fsync: the helper keeps
clones ready ahead of the next tests and drops released ones in the background. The tests'
databases commit without waiting for the disk (synchronous_commit off)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

# The machine's PostgreSQL (trust auth): the default where a test needs one of its own.
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/test"
READY_AHEAD = 2  # clones kept ready for the next tests
# The names this module gives (with the pid of the pytest process that made them).
_OURS = re.compile(r"^casp_(?:t([0-9]+)_[0-9]+|template_([0-9]+))$")

T = TypeVar("T")


def suite_admin_url() -> str:
    """CASP_TEST_DATABASE_URL: set, the suite runs on PostgreSQL (a database per test)."""
    return os.environ.get("CASP_TEST_DATABASE_URL", "")


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Databases:
    """The databases one pytest process makes on the server behind `admin_url`."""

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.prefix = f"casp_t{os.getpid()}_"
        self.template = f"casp_template_{os.getpid()}"
        self._count = 0
        self._made: set[str] = set()  # every database this process created and not dropped
        self._ready: asyncio.Queue[str] | None = None
        self._template_ready = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                         name="casp-test-pg")
        self._thread.start()

    # -- running coroutines on the helper loop ------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def _execute(self, sql: str) -> None:
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def _name(self) -> str:
        self._count += 1
        return f"{self.prefix}{self._count}"

    # -- the template and its clones ----------------------------------------------------

    async def _drop_stale(self) -> None:
        """Databases left by pytest processes that died before cleaning up."""
        conn = await asyncpg.connect(self.admin_url)
        try:
            rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname ~ $1",
                                    _OURS.pattern)
            for (name,) in rows:
                pid = int(next(g for g in _OURS.match(name).groups() if g))  # type: ignore[union-attr]
                if pid != os.getpid() and not _pid_alive(pid):
                    await conn.execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
        finally:
            await conn.close()

    async def _make_template(self) -> None:
        from app import db
        from app.config import Settings

        await self._drop_stale()
        await self._execute(f"DROP DATABASE IF EXISTS {_quoted(self.template)} WITH (FORCE)")
        await self._create(self.template)
        await db.migrate(Settings(database_url=with_database(self.admin_url, self.template)))
        self._ready = asyncio.Queue()
        for _ in range(READY_AHEAD):
            await self._clone_ahead()

    async def _create(self, name: str, template: str | None = None) -> None:
        """A database of the tests: its commits do not wait for the WAL to reach the disk
        (nothing a test sees changes; a crash of the server could lose the last ones)."""
        also = f" TEMPLATE {_quoted(template)}" if template else ""
        await self._execute(f"CREATE DATABASE {_quoted(name)}{also}")
        self._made.add(name)
        await self._execute(f"ALTER DATABASE {_quoted(name)} SET synchronous_commit = off")

    async def _clone_ahead(self) -> None:
        assert self._ready is not None
        name = self._name()
        await self._create(name, self.template)
        self._ready.put_nowait(name)

    async def _take(self) -> str:
        await self._prepare()
        assert self._ready is not None
        if self._ready.empty():
            await self._clone_ahead()
        name = self._ready.get_nowait()
        # Make the next one while the test runs.
        self._loop.create_task(self._clone_ahead())
        return name

    def prepare(self) -> None:
        """Migrate the template now (before any test has Tortoise running)."""
        self._call(self._prepare())

    async def _prepare(self) -> None:
        if not self._template_ready:
            await self._make_template()
            self._template_ready = True

    def clone(self) -> str:
        """The URL of a new database holding the migrated schema and no rows."""
        return with_database(self.admin_url, self._call(self._take()))

    def empty(self) -> str:
        """The URL of a new, empty database (no schema)."""
        async def make() -> str:
            name = self._name()
            await self._create(name)
            return name
        return with_database(self.admin_url, self._call(make()))

    def release(self, url: str) -> None:
        """Drop a database made here, in the background (its connections are cut)."""
        name = urlsplit(url).path.lstrip("/")
        if name in self._made:
            asyncio.run_coroutine_threadsafe(self._drop(name), self._loop)  # close() awaits

    async def _drop(self, name: str) -> None:
        with contextlib.suppress(asyncpg.PostgresError, OSError):
            await self._execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
            self._made.discard(name)

    def close(self) -> None:
        """Drop everything still here, the clones kept ready and the template too."""
        async def drop_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            await asyncio.gather(*tasks, return_exceptions=True)
            for name in sorted(self._made, key=lambda n: n == self.template):  # template last
                await self._drop(name)
        try:
            self._call(drop_all())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
            self._loop.close()


_DATABASES: dict[str, Databases] = {}


def databases(admin_url: str | None = None) -> Databases:
    """The one Databases of this process for `admin_url` (by default CASP_TEST_DATABASE_URL,
    else the machine's PostgreSQL)."""
    url = admin_url or suite_admin_url() or DEFAULT_ADMIN_URL
    if url not in _DATABASES:
        _DATABASES[url] = Databases(url)
    return _DATABASES[url]


def close_all() -> None:
    while _DATABASES:
        _, made = _DATABASES.popitem()
        made.close()


async def rows_as_text(url: str) -> str:
    """Every row of every table of the database at `url`, as PostgreSQL prints them: what a
    reader of the database's files would see, for tests of what is stored."""
    conn = await asyncpg.connect(url)
    try:
        tables = [r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        out = []
        for table in tables:
            rows = await conn.fetch(f"SELECT t::text FROM {_quoted(table)} t")  # noqa: S608
            out.extend(r[0] for r in rows)
        return "\n".join(out)
    finally:
        await conn.close()


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()
