"""Per-request GraphQL context: the request, the acting user resolved once, lazily, and
the request's DataLoaders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection
from strawberry.types import Info as StrawberryInfo

from app.auth import bearer_token, forget, user_of
from models.user import User
from schema.loaders import Loaders


@dataclass
class Context:
    request: HTTPConnection  # a Request, or the WebSocket of a subscription
    response: Any = None
    # graphql-transport-ws: the connection_init payload; browsers cannot set headers on a
    # WebSocket, so the token comes as {"Authorization": "Bearer ..."} there.
    connection_params: dict[str, Any] | None = None
    loaders: Loaders = field(default_factory=Loaders)
    _user: asyncio.Future[User] | None = field(default=None, repr=False)

    @property
    def client_ip(self) -> str | None:
        return self.request.client.host if self.request.client else None

    def init_token(self) -> str | None:
        """The token of the WebSocket's connection_init payload, if it sent one."""
        params = {k.lower(): v for k, v in (self.connection_params or {}).items()}
        return bearer_token(str(params.get("authorization") or ""))

    def forget_user(self) -> None:
        """Look the token up again at the next user(): a WebSocket lives on while its token
        may be retired."""
        self._user = None
        forget(self.request.scope)

    async def user(self) -> User:
        """The token's user (app/auth.py); UNAUTHORIZED without a valid bearer token. One
        look-up however many root fields ask for it at the same time."""
        if self._user is None:
            self._user = asyncio.ensure_future(user_of(self.request.scope, self.init_token()))
        return await asyncio.shield(self._user)


Info = StrawberryInfo[Context, None]
