"""Cache-Control: no-store on every REST answer that carries a token, a key or a certificate
file, so no proxy or browser cache keeps it; other answers are left to the client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.graphql import make_issued
from tests.support.rest import PASSWORD, request, user

AUTH, ACCOUNT = "/api/v1/auth.php", "/api/v1/account.php"
Headers = dict[str, str]


async def test_register_and_login(quiet: httpx.AsyncClient):
    r = await quiet.post(AUTH, params={"action": "register"},
                         json={"email": "me@example.com", "password": PASSWORD})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    r = await quiet.post(AUTH, params={"action": "login"},
                         json={"email": "me@example.com", "password": PASSWORD})
    assert r.json()["data"]["token"] and r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(("method", "action", "body"), [
    ("GET", None, None), ("POST", "regenerate-token", None),
    ("GET", "notification-settings", None),
    ("POST", "notification-settings", {"email_enabled": False})])
async def test_account_answers_with_a_token_or_the_webhook_secret(
        quiet: httpx.AsyncClient, method: str, action: str | None, body: Any):
    me = await user(quiet)
    r = await quiet.request(method, ACCOUNT, headers=me, json=body,
                            params={"action": action} if action else {})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("fmt", ["pem", "fullchain", "key", "pfx", "zip", None])
async def test_every_download_format(quiet: httpx.AsyncClient, fmt: str | None):
    me = await user(quiet, "user@example.com", "example.com")
    cert = await request(quiet, me, "example.com")
    await make_issued(cert["id"])
    params = {"action": "download", "id": cert["id"]} | ({"format": fmt} if fmt else {})
    r = await quiet.get("/api/v1/certificates.php", headers=me, params=params)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.headers["cache-control"] == "no-store"


async def test_answers_without_a_secret_say_nothing(quiet: httpx.AsyncClient):
    me = await user(quiet)
    for path in ("/api/v1/domains.php", "/api/v1/certificates.php", "/api/v1/renewal.php"):
        r = await quiet.get(path, headers=me)
        assert r.status_code == 200 and "cache-control" not in r.headers
