"""account.php: settings view and token regeneration."""

from __future__ import annotations

from datetime import datetime

import httpx

from tests.support.rest import assert_error, bearer, register


async def test_account_view(client: httpx.AsyncClient, token: str):
    r = await client.get("/api/v1/account.php", headers=bearer(token))
    assert r.status_code == 200
    data = r.json()["data"]
    assert set(data) == {"user_id", "email", "name", "email_verified", "token", "created_at"}
    assert data["token"] == token and data["email"] == "user@example.com"
    assert datetime.fromisoformat(data["created_at"]).tzinfo is not None


async def test_regenerate_token_retires_the_old_one_at_once(client: httpx.AsyncClient,
                                                            token: str):
    r = await client.post("/api/v1/account.php?action=regenerate-token", headers=bearer(token))
    assert r.status_code == 200
    new = r.json()["data"]["token"]
    assert new != token and new.startswith("casp_")
    assert_error(await client.get("/api/v1/account.php", headers=bearer(token)),
                 401, "UNAUTHORIZED")
    shown = await client.get("/api/v1/account.php", headers=bearer(new))
    assert shown.json()["data"]["token"] == new
    login = await client.post("/api/v1/auth.php?action=login",
                              json={"email": "user@example.com", "password": "Corr3ct-Horse"})
    assert login.json()["data"]["token"] == new


async def test_account_needs_a_valid_bearer_token(client: httpx.AsyncClient):
    await register(client)
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer "}):
        assert_error(await client.get("/api/v1/account.php", headers=headers),
                     401, "UNAUTHORIZED")
    assert_error(await client.post("/api/v1/account.php?action=regenerate-token"),
                 401, "UNAUTHORIZED")


async def test_users_see_only_their_own_account(client: httpx.AsyncClient):
    await register(client, "one@example.com")
    await register(client, "two@example.com")
    for email in ("one@example.com", "two@example.com"):
        r = await client.post("/api/v1/auth.php?action=login",
                              json={"email": email, "password": "Corr3ct-Horse"})
        token = r.json()["data"]["token"]
        shown = await client.get("/api/v1/account.php", headers=bearer(token))
        assert shown.json()["data"]["email"] == email


async def test_the_eab_key_in_the_query_string_is_refused(client: httpx.AsyncClient,
                                                          token: str):
    r = await client.post("/api/v1/account.php", headers=bearer(token),
                          params={"action": "set-eab", "eab_hmac_key": "a" * 43},
                          data={"ca_provider": "zerossl", "eab_kid": "kid-1"})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert error["details"]["fields"] == {
        "eab_hmac_key": "eab_hmac_key must be sent in the request body, not in the query string"}
