"""A small graphql-transport-ws client over `websockets`, as a subscriber would speak it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


class Subscriber:
    def __init__(self, ws: ClientConnection):
        self.ws = ws
        self._next_id = 0

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._next_id += 1
        op = str(self._next_id)
        await self.ws.send(json.dumps({"id": op, "type": "subscribe", "payload": {
            "query": query, "variables": variables or {}}}))
        return op

    async def run(self, query: str) -> dict[str, Any]:
        """A query or mutation on the socket: its answer (next, then complete; or error)."""
        op = await self.subscribe(query)
        message = await self.receive(within=10)
        assert message["id"] == op, message
        if message["type"] == "next":
            assert await self.receive(within=10) == {"id": op, "type": "complete"}
        return message

    async def closed(self, within: float = 10) -> int | None:
        """Wait for the server to close the socket: its close code."""
        try:
            while True:
                await self.receive(within=within)
        except ConnectionClosed:
            return self.ws.close_code

    async def receive(self, within: float = 30) -> dict[str, Any]:
        """The next message that is not a ping (answered) or pong."""
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), within))
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] != "pong":
                return dict(message)


@asynccontextmanager
async def subscriber(base_url: str, token: str | None) -> AsyncIterator[Subscriber]:
    """Connect, send connection_init with the token, wait for the ack."""
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        yield Subscriber(ws)
