"""One route per *.php resource; the method and ?action= pick the Action that answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.auth import user_of
from app.errors import MethodNotAllowed, NotFound
from app.rest.params import Param, parse
from models.user import User


@dataclass
class Call:
    """What a handler gets: typed parameters, the acting user (None for public actions)."""

    request: Request
    params: dict[str, Any]
    user: User | None = None

    @property
    def client_ip(self) -> str | None:
        return self.request.client.host if self.request.client else None

    @property
    def me(self) -> User:
        assert self.user is not None, "handler of a public action asked for a user"
        return self.user


ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
NO_STORE = "no-store"
Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class Action:
    methods: tuple[str, ...]
    name: str | None  # the ?action= value; None when the resource is called without one
    handler: Handler
    summary: str
    params: tuple[Param, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)  # JSON Schema of the answer's data
    auth: bool = True
    status: int = 200
    message: str | None = None  # documented fixed message, when the seed gives one
    bare: bool = False  # the answer is exactly {"success": true} (the seed's mark-read)
    also: tuple[int, ...] = ()  # other success statuses, same data (renew's 202: still running)
    files: tuple[str, ...] = ()  # the answer is a file of these media types, not the envelope
    secret: bool = False  # the answer carries a token, a key or a certificate file: no-store

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.status, *self.also)


@dataclass(frozen=True)
class Resource:
    path: str
    actions: tuple[Action, ...]

    def pick(self, method: str, action: str | None) -> Action:
        named = [a for a in self.actions if a.name == action]
        if not named:
            known = sorted(a.name for a in self.actions if a.name)
            what = f"Unknown action {action!r}" if action else "This resource needs an action"
            raise NotFound(f"{what}; known actions: {', '.join(known) or 'none'}")
        for candidate in named:
            if method in candidate.methods or (method == "HEAD" and "GET" in candidate.methods):
                return candidate
        raise MethodNotAllowed(method, sorted({m for a in named for m in a.methods}))

    async def endpoint(self, request: Request) -> Response:
        action = self.pick(request.method, request.query_params.get("action") or None)
        user = await user_of(request.scope) if action.auth else None
        params = await parse(request, action.params)
        response = await action.handler(Call(request, params, user))
        if action.secret:  # no cache (a proxy's, a browser's) may keep it
            response.headers["Cache-Control"] = NO_STORE
        return response

    def route(self) -> Route:
        # Every method reaches pick(), which answers unknown ones with the envelope.
        return Route(self.path, self.endpoint, methods=ALL_METHODS, name=self.path)
