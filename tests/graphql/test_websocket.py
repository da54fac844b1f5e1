"""GraphQL over WebSocket on a shared instance (issue 13): a retired token does nothing more on
a socket opened before, each operation counts against the user's one budget, sockets and
operations in flight are capped, and only graphql-transport-ws is spoken. Against a real
uvicorn, with a client speaking the protocol over `websockets`."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.config import Settings
from tests.support.app import quiet_settings
from tests.support.gqlws import subscriber
from tests.support.live import live_casp
from tests.support.mail import outbox, reset_token_in
from tests.support.net import free_port
from tests.support.rest import PASSWORD, bearer, login, register

ME = "{ me { id email } }"
EVENTS = "subscription { certificateEvents { certificateId } }"
ACCOUNT = "/api/v1/account.php"
AUTH = "/api/v1/auth.php"


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with live_casp(quiet_settings(settings), free_port()) as client:
        yield client


async def signed_in(client: httpx.AsyncClient, email: str = "ws@example.com") -> str:
    await register(client, email)
    return await login(client, email)


def rate_limited(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "error", message
    (error,) = message["payload"]
    assert error["extensions"]["code"] == "RATE_LIMIT_EXCEEDED", error
    return dict(error)


async def test_a_socket_closes_when_its_token_is_regenerated(live: httpx.AsyncClient):
    token = await signed_in(live)
    async with subscriber(str(live.base_url), token) as sub:
        assert (await sub.run(ME))["type"] == "next"
        await sub.subscribe(EVENTS)  # a subscription that would run on
        r = await live.post(f"{ACCOUNT}?action=regenerate-token", headers=bearer(token))
        assert r.status_code == 200, r.text
        assert await sub.closed() == 4401
    # a socket opened with the new token works; the old one is refused at the door
    async with subscriber(str(live.base_url), r.json()["data"]["token"]) as sub:
        assert (await sub.run(ME))["type"] == "next"
    with pytest.raises((ConnectionClosed, AssertionError)):
        async with subscriber(str(live.base_url), token) as sub:
            await sub.receive(within=5)


async def test_reset_password_retires_the_token_everywhere(live: httpx.AsyncClient,
                                                          settings: Settings):
    # someone registered the victim's address first and kept its token
    squatter = await signed_in(live, "victim@example.com")
    async with subscriber(str(live.base_url), squatter) as sub:
        r = await live.post(f"{AUTH}?action=forgot-password",
                            json={"email": "victim@example.com"})
        assert r.status_code == 200
        await asyncio.sleep(0.2)  # the mail goes out in the background
        reset = reset_token_in(outbox(settings)[-1])
        assert "replaces your API token" in outbox(settings)[-1].get_payload()
        r = await live.post(f"{AUTH}?action=reset-password",
                            json={"token": reset, "password": "N3w-" + PASSWORD})
        assert r.status_code == 200, r.text
        assert await sub.closed() == 4401
    r = await live.get(ACCOUNT, headers=bearer(squatter))
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"
    owner = await login(live, "victim@example.com", "N3w-" + PASSWORD)
    assert owner != squatter
    assert (await live.get(ACCOUNT, headers=bearer(owner))).status_code == 200


async def test_each_operation_checks_the_token_again(live: httpx.AsyncClient):
    token = await signed_in(live)
    async with subscriber(str(live.base_url), token) as sub:
        assert (await sub.run(ME))["type"] == "next"
        # the token changes behind the socket's back, with no event to close it
        from models.user import User
        await User.filter(email="ws@example.com").update(token_hash="0" * 64)
        await sub.subscribe(ME)
        assert await sub.closed() == 4401


@pytest.fixture
async def tight(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A budget of 6 requests a minute, two sockets per user."""
    limited = dataclasses.replace(quiet_settings(settings), rate_limit="6/minute",
                                  ws_per_user=2)
    async with live_casp(limited, free_port()) as client:
        yield client


async def test_websocket_operations_spend_the_http_budget(tight: httpx.AsyncClient):
    await register(tight, "b@example.com")  # account actions have budgets of their own
    token = await login(tight, "b@example.com")
    for _ in range(3):
        assert (await tight.get(ACCOUNT, headers=bearer(token))).status_code == 200
    async with subscriber(str(tight.base_url), token) as sub:
        assert [(await sub.run(ME))["type"] for _ in range(3)] == ["next"] * 3
        error = rate_limited(await sub.run(ME))
        assert error["extensions"]["retry_after"] >= 1
        assert "Rate limit of 6 requests" in error["message"]
        assert (await sub.run(ME))["type"] == "error"  # the socket stays open, still refused
    r = await tight.get(ACCOUNT, headers=bearer(token))
    assert r.status_code == 429 and r.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"


async def test_a_new_token_buys_no_fresh_budget(tight: httpx.AsyncClient):
    await register(tight, "c@example.com")
    token = await login(tight, "c@example.com")
    for _ in range(5):
        assert (await tight.get(ACCOUNT, headers=bearer(token))).status_code == 200
    r = await tight.post(f"{ACCOUNT}?action=regenerate-token", headers=bearer(token))
    assert r.status_code == 200  # the sixth request
    fresh = r.json()["data"]["token"]
    r = await tight.get(ACCOUNT, headers=bearer(fresh))
    assert r.status_code == 429, r.text


async def test_sockets_per_user_are_capped(tight: httpx.AsyncClient):
    await register(tight, "d@example.com")
    token = await login(tight, "d@example.com")
    async with subscriber(str(tight.base_url), token), \
            subscriber(str(tight.base_url), token):
        url = str(tight.base_url).replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {token}"}}))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 4429
            assert ws.close_reason.startswith("RATE_LIMIT_EXCEEDED")
    # both closed: a new socket is let in again
    async with subscriber(str(tight.base_url), token) as sub:
        assert sub.ws.close_code is None


async def test_operations_in_flight_per_socket_are_capped(live: httpx.AsyncClient):
    from schema.websocket import MAX_IN_FLIGHT

    token = await signed_in(live)
    async with subscriber(str(live.base_url), token) as sub:
        for _ in range(MAX_IN_FLIGHT):
            await sub.subscribe(EVENTS)  # each runs until the socket closes
        error = rate_limited(await sub.run(ME))
        assert f"At most {MAX_IN_FLIGHT} operations" in error["message"]


async def test_only_graphql_transport_ws_is_spoken(live: httpx.AsyncClient, tmp_path: Path):
    # the older graphql-ws protocol would run operations without these rules
    url = str(live.base_url).replace("http://", "ws://") + "/graphql"
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        async with connect(url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            await asyncio.wait_for(ws.recv(), 5)
