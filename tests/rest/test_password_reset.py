"""forgot-password / reset-password through the outbox mailer (the embedded default)."""

from __future__ import annotations

import httpx

from app.clock import ManualClock
from app.config import Settings
from tests.support.mail import outbox, reset_token_in
from tests.support.rest import assert_error, login, register

FORGOT = "/api/v1/auth.php?action=forgot-password"
RESET = "/api/v1/auth.php?action=reset-password"
SEED_MESSAGE = "If the email exists, a reset link has been sent."


async def forgot(client: httpx.AsyncClient, address: str) -> httpx.Response:
    r = await client.post(FORGOT, json={"email": address})
    await client.app.state.runtime.drain()  # type: ignore[attr-defined]
    return r


async def test_forgot_password_always_gives_the_seed_message(client: httpx.AsyncClient,
                                                             settings: Settings):
    await register(client)
    known = await forgot(client, "user@example.com")
    unknown = await forgot(client, "nobody@example.com")
    assert known.json() == unknown.json() == {"success": True, "message": SEED_MESSAGE,
                                              "data": None}
    resets = [m for m in outbox(settings) if m["Subject"] == "Reset your casp password"]
    assert [m["To"] for m in resets] == ["user@example.com"]


async def test_reset_token_works_once(client: httpx.AsyncClient, settings: Settings):
    await register(client)
    await forgot(client, "user@example.com")
    token = reset_token_in(outbox(settings)[-1])
    r = await client.post(RESET, json={"token": token, "password": "N3w-Password"})
    assert r.status_code == 200, r.text
    assert await login(client, password="N3w-Password")
    bad = await client.post("/api/v1/auth.php?action=login",
                            json={"email": "user@example.com", "password": "Corr3ct-Horse"})
    assert_error(bad, 401, "UNAUTHORIZED")
    again = await client.post(RESET, json={"token": token, "password": "An0ther-Pass"})
    assert "token" in assert_error(again, 400, "VALIDATION_ERROR")["details"]["fields"]


async def test_reset_token_expires_after_an_hour(client: httpx.AsyncClient, settings: Settings,
                                                 clock: ManualClock):
    await register(client)
    await forgot(client, "user@example.com")
    token = reset_token_in(outbox(settings)[-1])
    clock.advance(minutes=61)
    r = await client.post(RESET, json={"token": token, "password": "N3w-Password"})
    assert_error(r, 400, "VALIDATION_ERROR")


async def test_a_newer_reset_mail_retires_the_older_token(client: httpx.AsyncClient,
                                                          settings: Settings):
    await register(client)
    await forgot(client, "user@example.com")
    old = reset_token_in(outbox(settings)[-1])
    await forgot(client, "user@example.com")
    new = reset_token_in(outbox(settings)[-1])
    assert_error(await client.post(RESET, json={"token": old, "password": "N3w-Password"}),
                 400, "VALIDATION_ERROR")
    assert (await client.post(RESET, json={"token": new, "password": "N3w-Password"})).is_success


async def test_reset_applies_the_password_policy(client: httpx.AsyncClient, settings: Settings):
    await register(client)
    await forgot(client, "user@example.com")
    token = reset_token_in(outbox(settings)[-1])
    r = await client.post(RESET, json={"token": token, "password": "weak"})
    assert "password" in assert_error(r, 400, "VALIDATION_ERROR")["details"]["fields"]
    # The refused attempt did not use the token up.
    assert (await client.post(RESET, json={"token": token, "password": "Str0ng-Pass"})).is_success


async def test_reset_needs_token_and_password(client: httpx.AsyncClient):
    r = await client.post(RESET, data={"password": "Str0ng-Pass"})
    assert assert_error(r, 400, "VALIDATION_ERROR")["details"]["fields"].keys() == {"token"}
    assert_error(await client.post(FORGOT, json={}), 400, "VALIDATION_ERROR")


async def test_verification_mail_is_written_on_register(client: httpx.AsyncClient,
                                                        settings: Settings):
    data = await register(client)
    await client.app.state.runtime.drain()  # type: ignore[attr-defined]
    [mail] = outbox(settings)
    assert mail["Subject"] == "Confirm your email address"
    assert data["verify_token"] in mail.get_payload()
