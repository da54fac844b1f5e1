"""Registration policy for self-hosters (issue 13, item 2): CASP_REGISTRATION=closed turns
sign-up away in both APIs; the operator adds, lists, disables and enables accounts with
`casp user`, and a disabled account's token stops at once, its WebSockets included."""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from app.config import Settings
from app.services.accounts import admin
from models.user import User
from schema import websocket
from tests.support.app import quiet_settings, running
from tests.support.cli import CASP, env_for
from tests.support.gqlws import subscriber
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.rest import PASSWORD, bearer, login, register

ACCOUNT = "/api/v1/account.php"
REGISTER = """mutation { register(email: "g@example.com", password: "Corr3ct-Horse") {
  userId } }"""


@pytest.fixture
async def closed(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(dataclasses.replace(settings, registration="closed")) as client:
        yield client


async def test_closed_registration_refuses_sign_up_in_both_apis(closed: httpx.AsyncClient):
    r = await closed.post("/api/v1/auth.php?action=register",
                          json={"email": "r@example.com", "password": PASSWORD})
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "Registration is closed" in r.json()["error"]["message"]
    g = (await closed.post("/graphql", json={"query": REGISTER})).json()
    assert g["data"] is None
    assert g["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert g["errors"][0]["message"] == r.json()["error"]["message"]
    assert await User.all().count() == 0
    # the operator's accounts still log in
    await admin.add_user(email="op@example.com", password=PASSWORD)
    assert (await closed.get(ACCOUNT, headers=bearer(await login(closed, "op@example.com")))
            ).status_code == 200


async def test_a_disabled_account_stops_at_once(client: httpx.AsyncClient):
    await register(client, "d@example.com")
    token = await login(client, "d@example.com")
    await admin.set_disabled(email="d@example.com", disabled=True)
    r = await client.get(ACCOUNT, headers=bearer(token))
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"
    r = await client.post("/api/v1/auth.php?action=login",
                          json={"email": "d@example.com", "password": PASSWORD})
    assert r.status_code == 401 and "disabled" in r.json()["error"]["message"]
    # a wrong password says nothing of it
    r = await client.post("/api/v1/auth.php?action=login",
                          json={"email": "d@example.com", "password": "Wr0ng-Horse"})
    assert r.status_code == 401 and "disabled" not in r.json()["error"]["message"]
    await admin.set_disabled(email="d@example.com", disabled=False)
    fresh = await login(client, "d@example.com")
    assert fresh != token and (await client.get(ACCOUNT, headers=bearer(fresh))
                               ).status_code == 200


async def test_disabling_closes_the_accounts_websockets(settings: Settings):
    async with live_casp(quiet_settings(settings), free_port()) as live:
        await register(live, "w@example.com")
        token = await login(live, "w@example.com")
        async with subscriber(str(live.base_url), token) as sub:
            await sub.subscribe("subscription { certificateEvents { certificateId } }")
            await admin.set_disabled(email="w@example.com", disabled=True)
            with pytest.raises(ConnectionClosed):
                await sub.receive(within=10)
            assert sub.ws.close_code == 4401


async def test_an_open_socket_rechecks_its_token_without_an_event(
        settings: Settings, monkeypatch: pytest.MonkeyPatch):
    # another process disabled the account and no event reached this one (CASP_EVENTS=memory)
    monkeypatch.setattr(websocket, "RECHECK_SECONDS", 0.3)
    async with live_casp(quiet_settings(settings), free_port()) as live:
        await register(live, "e@example.com")
        token = await login(live, "e@example.com")
        async with subscriber(str(live.base_url), token) as sub:
            await sub.subscribe("subscription { certificateEvents { certificateId } }")
            await User.filter(email="e@example.com").update(disabled=True)
            with pytest.raises(ConnectionClosed):
                await sub.receive(within=10)
            assert sub.ws.close_code == 4401


def casp(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([CASP, "user", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.slow  # casp processes, a few seconds
def test_the_operator_manages_accounts_from_the_command_line(tmp_path: Path):
    env = env_for(tmp_path / "d", CASP_REGISTRATION="closed")
    added = casp(env, "add", "Op@Example.com", "--name", "Op", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "op@example.com" in added.stdout and "token: casp_" in added.stdout
    again = casp(env, "add", "op@example.com", stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    weak = casp(env, "add", "weak@example.com", stdin="short\n")
    assert weak.returncode == 1 and "Traceback" not in weak.stderr
    listed = casp(env, "list")
    assert listed.returncode == 0
    assert [line.split("\t")[1:4] for line in listed.stdout.splitlines()] == [
        ["op@example.com", "active", "verified"]]
    off = casp(env, "disable", "op@example.com")
    assert off.returncode == 0 and "disabled" in off.stdout
    assert "\tdisabled\t" in casp(env, "list").stdout
    unknown = casp(env, "disable", "nobody@example.com")
    assert unknown.returncode == 1 and "no account" in unknown.stderr
    assert casp(env, "enable", "op@example.com").returncode == 0


async def test_the_token_printed_by_user_add_works(settings: Settings):
    async with running(settings) as client:
        _, token = await admin.add_user(email="t@example.com", password=PASSWORD)
        me = (await client.get(ACCOUNT, headers=bearer(token))).json()["data"]
        assert me["email"] == "t@example.com" and me["email_verified"] is True
