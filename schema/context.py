"""Per-request GraphQL context: the request, and the acting user resolved once, lazily."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from strawberry.types import Info as StrawberryInfo

from app.rest.dispatch import bearer_token
from app.services import accounts
from models.user import User


@dataclass
class Context:
    request: Request
    response: Any = None
    _user: User | None = field(default=None, repr=False)

    @property
    def client_ip(self) -> str | None:
        return self.request.client.host if self.request.client else None

    async def user(self) -> User:
        """The token's user; UNAUTHORIZED without a valid bearer token."""
        if self._user is None:
            self._user = await accounts.authenticate(token=bearer_token(self.request))
        return self._user


Info = StrawberryInfo[Context, None]
