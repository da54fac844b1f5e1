"""The migrations since 0007 on a database written at 0007, with users and domains: 0008 adds
users.disabled to rows that exist (false), and 0010 gives a name that several users added to
the earliest (held) while the later records of it wait (pending); on SQLite, and on
PostgreSQL in the suite's PostgreSQL pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from app import db
from tests.support.app import fresh_database, make_settings

USERS = ("INSERT INTO users (id, email, name, password_hash, email_verified, token_hash, "
         "token_encrypted, created_at, updated_at) VALUES ({}, '{}', 'U', 'x', "
         "FALSE, '{}', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
DOMAINS = ("INSERT INTO domains (id, user_id, name, verification_method, status, "
           "delegation_label, created_at) VALUES ({}, {}, '{}', 'http-01', 'pending', "
           "'label{}', CURRENT_TIMESTAMP)")
# (id, user id, name), in the order they were added
ADDED = [(1, 2, "example.com"), (2, 1, "example.com"), (3, 3, "example.com"),
         (4, 1, "www.example.com"), (5, 3, "example.org"), (6, 2, "www.example.com"),
         (7, 3, "shop.example.com")]


async def rows(config: dict[str, Any], sql: str) -> list[dict[str, Any]]:
    await Tortoise.init(config=config)
    try:
        return list(await connections.get("default").execute_query_dict(sql))
    finally:
        await Tortoise.close_connections()


async def test_the_earliest_of_a_name_holds_it(tmp_path: Path):
    settings = make_settings(tmp_path / "data", database_url=fresh_database(empty=True))
    config = db.tortoise_config(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        await migrate(config=config, target="models.0007_outcomes")
    finally:
        await Tortoise.close_connections()
    await Tortoise.init(config=config)
    try:
        conn = connections.get("default")
        for user in (1, 2, 3):
            await conn.execute_script(USERS.format(user, f"u{user}@example.com", f"t{user}"))
        for id, user, name in ADDED:
            await conn.execute_script(DOMAINS.format(id, user, name, id))
    finally:
        await Tortoise.close_connections()

    await db.migrate(settings)
    found = await rows(config, "SELECT id, ownership, proved_by FROM domains ORDER BY id")
    assert [(r["id"], r["ownership"], r["proved_by"]) for r in found] == [
        (1, "held", None), (2, "pending", None), (3, "pending", None),
        (4, "held", None), (5, "held", None), (6, "pending", None), (7, "held", None)]
    users = await rows(config, "SELECT id, disabled FROM users ORDER BY id")
    assert [(r["id"], bool(r["disabled"])) for r in users] == [(1, False), (2, False),
                                                               (3, False)]
