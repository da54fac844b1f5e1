"""GraphQL over WebSocket with a client nobody here wrote: gql, with both of its WebSocket
transports (websockets and aiohttp), runs a query and receives certificate events as a
subscriber would; graphql-ws, the protocol's reference client, hears why a token is refused.
Every message must come as a text frame: gql stops at a binary one ("Binary data received in
the websocket"). Against Pebble, to issued: tests/acme/test_standard_clients.py."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.aiohttp_websockets import AIOHTTPWebsocketsTransport
from gql.transport.websockets import WebsocketsTransport

from app.config import Settings
from app.events import UserEvent
from app.runtime import current
from tests.support.app import quiet_settings
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.rest import login, register

CLIENTS = Path(__file__).resolve().parents[1] / "clients"
TRANSPORTS = {"websockets": WebsocketsTransport, "aiohttp": AIOHTTPWebsocketsTransport}
EVENTS = gql("subscription { certificateEvents { certificateId status stage } }")


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with live_casp(quiet_settings(settings), free_port()) as client:
        yield client


def transport(kind: str, client: httpx.AsyncClient, token: str) -> Any:
    url = str(client.base_url).replace("http://", "ws://") + "/graphql"
    return TRANSPORTS[kind](url=url, subprotocols=["graphql-transport-ws"],
                            init_payload={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("kind", list(TRANSPORTS))
async def test_gql_queries_and_subscribes_over_websocket(live: httpx.AsyncClient, kind: str):
    await register(live, f"{kind}@example.com")
    token = await login(live, f"{kind}@example.com")
    me_id = (await live.get("/api/v1/account.php", headers={
        "Authorization": f"Bearer {token}"})).json()["data"]["user_id"]
    async with Client(transport=transport(kind, live, token)) as session:
        me = await session.execute(gql("{ me { email } }"))
        assert me == {"me": {"email": f"{kind}@example.com"}}
        events = session.subscribe(EVENTS)
        first = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.3)  # the subscription is registered before the event
        await current().events.publish(UserEvent(
            user_id=me_id, certificate_id=7, status="issued", stage="done",
            at="2026-12-04T12:00:00+00:00"))
        event = await asyncio.wait_for(first, 10)
        assert event == {"certificateEvents": {"certificateId": 7, "status": "ISSUED",
                                               "stage": "done"}}
        await events.aclose()


async def test_graphql_ws_reports_a_refused_token(live: httpx.AsyncClient):
    """graphql-ws (Node, tests/clients/subscribe.mjs) against a made-up token: the close
    code casp sends reaches the client, which exits non-zero with it."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the graphql-ws client (./dev test installs it)"
    url = str(live.base_url).replace("http://", "ws://") + "/graphql"
    done = await asyncio.to_thread(
        subprocess.run, [node, str(CLIENTS / "subscribe.mjs"), url, "made-up-token",
                         "subscription { certificateEvents { certificateId } }"],
        capture_output=True, text=True, timeout=30, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "closed 4403: Forbidden\n")
