"""GraphQL over WebSocket with a client nobody here wrote: gql, with both of its WebSocket
transports (websockets and aiohttp), runs a query and receives certificate events as a
subscriber would. Every message must come as a text frame: gql stops at a binary one
("Binary data received in the websocket")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
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
