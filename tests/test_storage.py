"""What lands on disk: argon2id hashes, token hashes, no plaintext secrets."""

from __future__ import annotations

import dataclasses
import stat

import httpx

from app.config import Settings
from tests.support.app import raw_database, running
from tests.support.mail import outbox, reset_token_in
from tests.support.rest import PASSWORD, bearer, login, register


async def test_database_holds_hashes_only(settings: Settings):
    async with running(settings) as client:
        data = await register(client)
        token = await login(client)
        await client.post("/api/v1/auth.php?action=forgot-password",
                          json={"email": "user@example.com"})
        await client.app.state.runtime.drain()  # type: ignore[attr-defined]
        reset = reset_token_in(outbox(settings)[-1])
        shown = await client.get("/api/v1/account.php", headers=bearer(token))
        assert shown.json()["data"]["token"] == token
    raw = await raw_database(settings)
    assert b"$argon2id$" in raw
    for secret in (token, data["verify_token"], reset, PASSWORD):
        assert secret.encode() not in raw, "a plaintext secret is stored"


async def test_rows_store_hashes_and_ciphertext(client: httpx.AsyncClient):
    from models.user import OneTimeToken, User

    data = await register(client)
    token = await login(client)
    user = await User.get(id=data["user_id"])
    assert user.password_hash.startswith("$argon2id$")
    assert token not in user.token_encrypted and len(user.token_hash) == 64
    assert not await OneTimeToken.filter(token_hash=data["verify_token"]).exists()
    assert await OneTimeToken.filter(user_id=user.id).count() == 1


async def test_secret_key_is_made_once_with_mode_0600(settings: Settings):
    async with running(settings) as client:
        await register(client)
        token = await login(client)
    key = settings.data_dir / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = key.read_text()
    async with running(settings) as client:  # a restart reads the same key back
        shown = await client.get("/api/v1/account.php", headers=bearer(token))
        assert shown.json()["data"]["token"] == token
    assert key.read_text() == first


async def test_password_is_rehashed_when_parameters_change(settings: Settings):
    from models.user import User

    async with running(settings) as client:
        data = await register(client)
    stronger = dataclasses.replace(settings, argon2_time_cost=2, argon2_memory_kib=2048)
    async with running(stronger) as client:
        before = (await User.get(id=data["user_id"])).password_hash
        assert "m=1024,t=1" in before
        await login(client)
        after = (await User.get(id=data["user_id"])).password_hash
        assert "m=2048,t=2" in after
        assert await login(client)
