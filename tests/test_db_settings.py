"""On PostgreSQL casp's connections turn JIT and parallel plans off (short OLTP queries:
the renewal selection at 1,000,000 rows took 60-200 ms with them, under 1 ms without).
Runs on PostgreSQL in both passes (a database of its own)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from app import db
from app.config import Settings
from tests.support.net import require_tcp
from tests.support.pg import databases


@asynccontextmanager
async def _connected() -> AsyncIterator[BaseDBAsyncClient]:
    """casp connected to a PostgreSQL database of its own."""
    require_tcp("127.0.0.1", 5432, "PostgreSQL")
    made = databases()
    url = made.clone()
    try:
        await db.connect(Settings(database_url=url))
        try:
            yield connections.get("default")
        finally:
            await db.disconnect()
    finally:
        made.release(url)


@pytest.mark.slow  # a PostgreSQL server
async def test_postgres_sessions_have_jit_and_parallel_plans_off():
    async with _connected() as conn:
        assert (await conn.execute_query_dict("SHOW jit"))[0]["jit"] == "off"
        rows = await conn.execute_query_dict("SHOW max_parallel_workers_per_gather")
        assert rows[0]["max_parallel_workers_per_gather"] == "0"


@pytest.mark.slow
async def test_postgres_pool_release_sends_no_reset_query():
    """keep_session: a pooled connection goes back without asyncpg's RESET ALL round trip
    (a session setting made on it is still there when it is next used)."""
    async with _connected() as conn:
        await conn.execute_query("SET lock_timeout = '1234ms'")
        seen = {(await conn.execute_query_dict("SHOW lock_timeout"))[0]["lock_timeout"]
                for _ in range(20)}  # the pool hands out its one idle connection again
        assert "1234ms" in seen


SESSION_STATE = re.compile(  # casp writes SQL keywords in capitals
    r"pg_(try_)?advisory_(xact_)?lock|[\"']LISTEN\s|DECLARE\s+\w+\s+CURSOR|"
    r"[\"']SET\s+(?!LOCAL\b)\"?\w+\"?\s*(=|TO\b)")


def test_casp_keeps_no_session_state_on_pooled_connections():
    """What keep_session relies on: no statement in app/ or models/ leaves state on a
    session (advisory locks, LISTEN, cursors, SET outside a transaction), so a connection
    needs no reset between statements. LISTEN uses a connection of its own (app/events.py
    calls asyncpg's add_listener, not SQL)."""
    root = Path(__file__).resolve().parents[1]
    found = [f"{path.relative_to(root)}: {match.group(0)}"
             for folder in ("app", "models") for path in (root / folder).rglob("*.py")
             for match in SESSION_STATE.finditer(path.read_text())]
    assert found == []
