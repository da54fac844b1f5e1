"""Per-request GraphQL context: the request, the acting user resolved once, lazily, and
the request's DataLoaders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection
from strawberry.types import Info as StrawberryInfo

from app.rest.dispatch import bearer_token
from app.services import accounts
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

    def token(self) -> str | None:
        header = bearer_token(self.request)
        if header or not self.connection_params:
            return header
        params = {k.lower(): v for k, v in self.connection_params.items()}
        value = str(params.get("authorization") or "")
        scheme, _, token = value.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    async def user(self) -> User:
        """The token's user; UNAUTHORIZED without a valid bearer token. Looked up once per
        request, however many root fields ask for it at the same time."""
        if self._user is None:
            self._user = asyncio.ensure_future(
                accounts.authenticate_once(self.request.scope, self.token()))
        return await asyncio.shield(self._user)


Info = StrawberryInfo[Context, None]
