"""Migration 0011 on a database written at 0010: each issued certificate gets the moment of
its next expiry warning (the one after the last sent, at its share of the real lifetime),
so that the sweep, which now looks only at that column, misses none; other rows get none,
and no certificate has a profile. On SQLite, and on PostgreSQL in the PostgreSQL pass."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from app import db
from tests.support.app import fresh_database, make_settings

USER = ("INSERT INTO users (id, email, name, password_hash, email_verified, token_hash, "
        "token_encrypted, created_at, updated_at) VALUES (1, 'u@example.com', 'U', 'x', "
        "FALSE, 't', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
CERT = ("INSERT INTO certificates (id, user_id, domains, search_text, ca_provider, "
        "challenge_type, key_type, auto_renew, status, stage, directory_url, "
        "renewal_failures, issued_at, expires_at, expiry_notified_days, created_at, "
        "updated_at) VALUES ({id}, 1, '[\"a.example.com\"]', ' a.example.com ', "
        "'letsencrypt', 'http-01', 'ec-256', TRUE, '{status}', 'done', 'https://ca.invalid', "
        "0, {issued}, {expires}, {notified}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
NINETY = T0 + timedelta(days=90)
SIX = T0 + timedelta(days=6)
# id, status, issued, expires, last warning sent (days) -> the next warning expected
ROWS = [
    (1, "issued", T0, NINETY, None, NINETY - timedelta(days=14)),
    (2, "issued", T0, NINETY, 7, NINETY - timedelta(days=3)),
    (3, "issued", T0, NINETY, 1, None),
    (4, "issued", T0, SIX, None, SIX - timedelta(hours=22, minutes=24)),
    (5, "issued", T0, SIX, 3, SIX - timedelta(hours=1, minutes=36)),
    (6, "expired", T0, NINETY, 1, None),
    (7, "pending", None, None, None, None),
]


def _sql(moment: datetime | None) -> str:
    return "NULL" if moment is None else f"'{moment.isoformat(' ')}'"


async def test_issued_certificates_get_their_next_warning(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    # a few rows a batch, so that the migration's batching is gone through too
    monkeypatch.setattr(importlib.import_module("models.migrations.0011_profiles_lifetimes"),
                        "BATCH", 2)
    settings = make_settings(tmp_path / "data", database_url=fresh_database(empty=True))
    config = db.tortoise_config(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        await migrate(config=config, target="models.0010_domain_ownership")
    finally:
        await Tortoise.close_connections()
    await Tortoise.init(config=config)
    try:
        conn = connections.get("default")
        await conn.execute_script(USER)
        for id, status, issued, expires, notified, _ in ROWS:
            await conn.execute_script(CERT.format(
                id=id, status=status, issued=_sql(issued), expires=_sql(expires),
                notified="NULL" if notified is None else notified))
    finally:
        await Tortoise.close_connections()

    await db.migrate(settings)
    await db.connect(settings)
    try:
        from models.certificate import Certificate

        found = {c.id: c for c in await Certificate.all()}
    finally:
        await db.disconnect()
    assert {id: found[id].expiry_warn_at for id, *_ in ROWS} == {
        id: expected for id, *_, expected in ROWS}
    assert {c.profile for c in found.values()} == {None}
