"""app/reads.py: the hot reads on SQLite run on the event loop on a read connection of their
own, but a transaction's reads still see its own writes, and a busy database or PostgreSQL
goes through the client as before."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from app import reads
from app.config import Settings
from app.db import placeholders
from models.user import User
from tests.support.app import running

EMAIL = "reader@example.com"


def _user() -> User:
    now = datetime.now(UTC)
    return User(email=EMAIL, password_hash="x", token_hash="t" * 64, token_encrypted="x",
                created_at=now, updated_at=now)


async def _emails(db: Any) -> list[str]:
    (mark,) = placeholders(db, 1)
    rows = await reads.select(db, f'SELECT "email" FROM "users" WHERE "email" = {mark}',  # noqa: S608
                              [EMAIL])
    return [row["email"] for row in rows]


async def test_a_read_outside_a_transaction_sees_what_was_committed(settings: Settings):
    async with running(settings):
        db = User._meta.db
        sqlite = db.capabilities.dialect == "sqlite"
        assert (reads._reader(db) is not None) == sqlite  # the loop's own connection
        assert await _emails(db) == []
        await _user().save()
        assert await _emails(db) == [EMAIL]


async def test_a_transaction_reads_its_own_writes(settings: Settings):
    async with running(settings):
        async with in_transaction() as tx:
            await _user().save(using_db=tx)
            assert reads._reader(tx) is None  # through the transaction's connection
            assert await _emails(tx) == [EMAIL]
        assert await _emails(User._meta.db) == [EMAIL]


class _Busy:
    def execute(self, *args: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    def close(self) -> None:
        pass


async def test_a_busy_database_is_read_the_usual_way(settings: Settings,
                                                     monkeypatch: pytest.MonkeyPatch):
    async with running(settings):
        db = User._meta.db
        await _user().save()
        monkeypatch.setitem(reads._readers, db, _Busy())  # type: ignore[arg-type]
        assert await _emails(db) == [EMAIL]


def test_an_in_memory_database_has_no_second_connection():
    assert reads._open(":memory:") is None
    assert reads._open("file::memory:?cache=shared") is None
