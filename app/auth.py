"""Authentication, once per request, for every door.

The one bearer-token parser, and `identify`, which puts the token's user on the ASGI scope
(`scope["state"]`, which Starlette's `request.state` reads); app/middleware.py's Gateway
calls it for /api and /graphql (HTTP and WebSocket) before the rate limiter runs: the
limiter buckets by it, REST's dispatcher and GraphQL's context (over HTTP and WebSocket) read
it from there. Nothing else parses the Authorization header or looks a token up.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import Scope

from app.errors import Unauthorized
from app.services.accounts import users as accounts
from models.user import User

STATE_KEY = "casp.auth"


@dataclass(frozen=True)
class Identity:
    """Who a request says it is: the bearer token it sent, and that token's user (None when
    it sent none, or one that is unknown or retired)."""

    token: str | None = None
    user: User | None = None

    def bucket(self, client_ip: str) -> str:
        """The rate-limit budget: the user's, whatever token they use (a regenerated token
        buys no fresh budget), else the IP's (made-up tokens buy none either)."""
        return f"ip:{client_ip}" if self.user is None else f"user:{self.user.id}"

    def require_user(self) -> User:
        """The user, or UNAUTHORIZED saying whether a token was missing or wrong."""
        if self.user is not None:
            return self.user
        raise Unauthorized(accounts.BAD_TOKEN if self.token else None)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value; None for anything else."""
    scheme, _, token = (authorization or "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))  # ASGI header values are bytes
    return None


async def identify(scope: Scope, token: str | None) -> Identity:
    """Look `token` up, once per request: the answer is kept on the scope, and a second
    call for the same token answers from it."""
    state = scope.setdefault("state", {})
    seen = state.get(STATE_KEY)
    if isinstance(seen, Identity) and seen.token == token:
        return seen
    identity = Identity(token, await accounts.user_of_token(token) if token else None)
    state[STATE_KEY] = identity
    return identity


def forget(scope: Scope) -> None:
    """Drop what was found for this scope: the next look-up asks the database again (a
    WebSocket re-checks its token at each operation)."""
    scope.get("state", {}).pop(STATE_KEY, None)


async def user_of(scope: Scope, fallback_token: str | None = None) -> User:
    """The acting user, or UNAUTHORIZED. `fallback_token` is used when no Authorization
    header came: a browser's WebSocket sends its token in graphql-transport-ws's
    connection_init payload instead."""
    token = bearer_token(header(scope, b"authorization")) or fallback_token
    return (await identify(scope, token)).require_user()

