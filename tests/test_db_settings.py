"""On PostgreSQL casp's connections turn JIT and parallel plans off (short OLTP queries:
the renewal selection at 1,000,000 rows took 60-200 ms with them, under 1 ms without).
Runs on PostgreSQL in both passes (a database of its own)."""

from __future__ import annotations

import pytest
from tortoise import connections

from app import db
from app.config import Settings
from tests.support.net import require_tcp
from tests.support.pg import databases

pytestmark = pytest.mark.slow  # a PostgreSQL server


async def test_postgres_sessions_have_jit_and_parallel_plans_off():
    require_tcp("127.0.0.1", 5432, "PostgreSQL")
    made = databases()
    url = made.clone()
    try:
        await db.connect(Settings(database_url=url))
        try:
            conn = connections.get("default")
            assert (await conn.execute_query_dict("SHOW jit"))[0]["jit"] == "off"
            rows = await conn.execute_query_dict("SHOW max_parallel_workers_per_gather")
            assert rows[0]["max_parallel_workers_per_gather"] == "0"
        finally:
            await db.disconnect()
    finally:
        made.release(url)
