"""Tortoise configuration, start-up and migrations."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as _migrate

from app import files, reads
from app.config import Settings
from models import MODEL_MODULES

# Short OLTP queries only: JIT compilation and parallel plans cost more than they save
# (measured in bench/due_selection.py: the renewal selection at 1,000,000 rows).
PG_SERVER_SETTINGS = {"jit": "off", "max_parallel_workers_per_gather": "0",
                      "application_name": "casp"}


async def keep_session(connection: object) -> None:
    """asyncpg's pool `reset`: nothing beyond what the pool always does (an open transaction
    rolled back, listeners dropped). Its default sends `SELECT pg_advisory_unlock_all(); CLOSE
    ALL; UNLISTEN *; RESET ALL` on every release: a round trip after every statement, a
    fifth of a list request's CPU on PostgreSQL (docs/benchmarks.md, issue 15). casp keeps no
    session state on pooled connections: no advisory locks, cursors, SET or LISTEN (its
    LISTEN has a connection of its own, app/events.py); tests/test_db_settings.py checks."""


def _connection(url: str) -> str | dict[str, Any]:
    if not url.startswith(("postgres://", "postgresql://", "asyncpg://")):
        return url
    config = expand_db_url(url)
    config["credentials"]["server_settings"] = {
        **PG_SERVER_SETTINGS, **config["credentials"].get("server_settings", {})}
    config["credentials"]["reset"] = keep_session
    return config


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(settings.db_url)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "migrations": "models.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    """TORTOISE_ORM for the `tortoise` command line (makemigrations), made only when asked
    for, so importing this module never reads the environment."""
    if name == "TORTOISE_ORM":
        return tortoise_config(Settings.from_env())
    raise AttributeError(name)


def _prepare(settings: Settings) -> None:
    """The data directory's SQLite file, made 0600 before SQLite opens it: its -wal and
    -shm files take the database file's mode (a database from an older casp is tightened)."""
    if settings.database_url:
        return
    database = settings.sqlite_file
    files.private_dir(database.parent)
    with suppress(FileExistsError):
        files.write_private(database, b"", exclusive=True)  # an empty file is an empty database
    files.make_private(*(Path(f"{database}{end}") for end in ("", "-wal", "-shm")))


async def migrate(settings: Settings) -> None:
    """Apply every pending migration, then close the connections it opened."""
    _prepare(settings)
    try:
        await _migrate(config=tortoise_config(settings))
    finally:
        await Tortoise.close_connections()


async def connect(settings: Settings) -> None:
    # The global fallback lets request tasks see connections opened in the lifespan task.
    _prepare(settings)
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def disconnect() -> None:
    try:
        await Tortoise.close_connections()
    finally:
        reads.close()


def placeholders(db: BaseDBAsyncClient, count: int) -> list[str]:
    """Parameter placeholders in the connection's style, for the few statements written in
    plain SQL: ? (SQLite) or $1.. (PostgreSQL)."""
    if db.capabilities.dialect == "sqlite":
        return ["?"] * count
    return [f"${i}" for i in range(1, count + 1)]
