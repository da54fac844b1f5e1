"""Short indexed SELECTs on SQLite, run on the event loop instead of aiosqlite's thread.

Every statement through aiosqlite goes to its one worker thread and back: a queue, a future,
a wake-up of the loop, about as much CPU as SQLite needs for a one-row read by key (tens of
µs). The reads every request makes (the token's user, a certificate and its versions, a
list page) are such reads: here they run synchronously on a connection of their own (WAL
lets it read beside the writer; `query_only`), outside transactions only (a transaction's
reads must see its own writes: they go through its connection), and never on an in-memory
database (another connection would see another database). When SQLite answers busy (a
checkpoint), the read goes the usual way. Anything else, and PostgreSQL, goes through the
client as before (docs/benchmarks.md, issue 15).
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.backends.sqlite.client import SqliteClient

Row = Mapping[str, Any]
_readers: weakref.WeakKeyDictionary[BaseDBAsyncClient, sqlite3.Connection | None] = (
    weakref.WeakKeyDictionary())


def _open(path: str) -> sqlite3.Connection | None:
    if path == ":memory:" or "mode=memory" in path or path.startswith("file::memory:"):
        return None
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA query_only = ON")
    conn.execute("PRAGMA busy_timeout = 0")  # never wait on the loop: fall back instead
    return conn


def _reader(db: BaseDBAsyncClient) -> sqlite3.Connection | None:
    if not isinstance(db, SqliteClient) or isinstance(db, TransactionalDBClient):
        return None
    if db not in _readers:
        _readers[db] = _open(db.filename)
    return _readers[db]


async def select(db: BaseDBAsyncClient, sql: str, values: Sequence[Any]) -> Sequence[Row]:
    """The rows of one short SELECT (mappings of column to value, as the client gives)."""
    reader = _reader(db)
    if reader is not None:
        db.log.debug("%s: %s", sql, values)  # as the client logs each statement
        try:
            rows = reader.execute(sql, values).fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        else:
            # Yield once, as a hop to the thread did: a request with no await at all ran
            # whole while the other connections waited, and at 50 connections the list's
            # p99 went from 45 to 380 ms.
            await asyncio.sleep(0)
            return rows
    _, through_client = await db.execute_query(sql, list(values))
    return through_client


def close() -> None:
    """Close every read connection (the app's shutdown, with Tortoise's own)."""
    for conn in list(_readers.values()):
        if conn is not None:
            conn.close()
    _readers.clear()
