"""graphql-transport-ws with casp's rules for a shared instance.

- Every operation re-checks the socket's token (a retired token does nothing more) and counts
  against the same per-user budget as HTTP; at most MAX_IN_FLIGHT operations run at once on
  one socket. Over a limit, the operation is refused with RATE_LIMIT_EXCEEDED in the GraphQL
  error shape; the socket stays open.
- At most CASP_WS_PER_USER sockets per user in this process (4429 beyond).
- Every message goes out as a text frame (standard clients refuse binary ones).
- The moment the user's tokens are retired (regenerate-token, reset-password; in any process,
  app/events.py), the sockets opened with the old token close with 4401.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Mapping
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)

from app.auth import Identity
from app.errors import AppError, RateLimited, Unauthorized
from app.events import TOKENS_RETIRED
from app.runtime import current
from schema.context import Context
from schema.errors import error_body

MAX_IN_FLIGHT = 10  # operations running at once on one socket
RECHECK_SECONDS = 30.0  # an open socket's token is checked again at least this often
RETIRED = (4401, "Unauthorized: the API token was retired")
OPEN: Counter[int] = Counter()  # user id -> sockets open in this process


class TextFrames(ASGIWebSocketAdapter):
    """Every message as a text frame. graphql-transport-ws messages are JSON text: gql, the
    graphql-ws reference client and GraphiQL refuse binary frames, which Strawberry sends
    when the view's encode_json gives bytes (GraphQLApp's orjson does, for HTTP's sake)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class WebSocketHandler(BaseGraphQLTransportWSHandler[Context, None]):
    user_id: int | None = None
    watcher: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_init_received or await self._admitted(message):
            await super().handle_connection_init(message)

    async def _admitted(self, message: ConnectionInitMessage) -> bool:
        """Count the socket against its user's cap (an unknown token is refused by
        on_ws_connect, in super's handling); False when the cap is reached."""
        payload = message.get("payload")
        self.context.connection_params = payload if isinstance(payload, dict) else None
        try:
            user = await self.context.user()
        except AppError:
            return True
        cap = current().settings.ws_per_user
        if OPEN[user.id] >= cap:
            await self.websocket.close(code=4429, reason=f"RATE_LIMIT_EXCEEDED: at most {cap} "
                                                         "WebSockets per user")
            return False
        OPEN[user.id] += 1
        self.user_id = user.id
        self.watcher = asyncio.create_task(self._close_when_retired(user.id))
        return True

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged or message["id"] in self.operations:
            await super().handle_subscribe(message)  # the protocol's own refusals
            return
        try:
            await self._check_operation()
        except Unauthorized:
            await self.websocket.close(*RETIRED)
            return
        except RateLimited as exc:
            await self.send_message({"id": message["id"], "type": "error",
                                     "payload": error_body(exc)["errors"]})
            return
        await super().handle_subscribe(message)

    async def _check_operation(self) -> None:
        """The token (looked up afresh), the operations in flight, the user's budget."""
        self.context.forget_user()
        user = await self.context.user()
        if len(self.operations) >= MAX_IN_FLIGHT:
            raise RateLimited(f"At most {MAX_IN_FLIGHT} operations may run at once on one "
                              "WebSocket", retry_after=1)
        client_ip = self.context.client_ip or "unknown"
        decision = await current().limiter.hit_api(Identity(None, user).bucket(client_ip))
        if not decision.allowed:
            raise decision.refusal()

    async def _close_when_retired(self, user_id: int) -> None:
        """At a retirement of the user's tokens, and every RECHECK_SECONDS besides (an
        operator's `casp user disable` with CASP_EVENTS=memory reaches no other process),
        close the socket if its token no longer works."""
        async with current().events.subscribe(user_id) as events:
            while True:
                with contextlib.suppress(TimeoutError):
                    while (await asyncio.wait_for(events.get(), RECHECK_SECONDS)
                           ).kind != TOKENS_RETIRED:
                        pass
                self.context.forget_user()
                try:
                    await self.context.user()
                except Unauthorized:
                    await self.websocket.close(*RETIRED)
                    return

    async def shutdown(self) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.watcher
        if self.user_id is not None:
            OPEN[self.user_id] -= 1
            if OPEN[self.user_id] <= 0:
                del OPEN[self.user_id]
            self.user_id = None
        await super().shutdown()


def handler_options() -> dict[str, Any]:
    """GraphQLApp's settings for its WebSockets: only graphql-transport-ws (the older
    graphql-ws protocol would bypass these rules), no limit of Strawberry's own on
    operations (MAX_IN_FLIGHT is checked above, with the seed's error code)."""
    return {"subscription_protocols": (GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            "max_subscriptions_per_connection": None}
