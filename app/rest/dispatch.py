"""One route per *.php resource; the method and ?action= pick the Action that answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.auth import user_of
from app.errors import AppError, MethodNotAllowed, NotFound
from app.rest.errors import error_response
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
Endpoint = Callable[[Request], Awaitable[Response]]


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
    accepted: dict[str, Any] | None = None  # a 202's data, when the work goes on (renew)
    files: tuple[str, ...] = ()  # the answer is a file of these media types, not the envelope
    secret: bool = False  # the answer carries a token, a key or a certificate file: no-store

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.status, *([202] if self.accepted else []))

    def data_for(self, status: int) -> dict[str, Any]:
        return self.accepted if status == 202 and self.accepted else self.data


async def run(action: Action, request: Request, specs: tuple[Param, ...]) -> Response:
    """Authenticate, read `specs` (the action's parameters the route takes; the others are
    None), and answer."""
    user = await user_of(request.scope) if action.auth else None
    params = dict.fromkeys((p.name for p in action.params), None) | await parse(request, specs)
    response = await action.handler(Call(request, params, user))
    if action.secret:  # no cache (a proxy's, a browser's) may keep it
        response.headers["Cache-Control"] = NO_STORE
    return response


@dataclass(frozen=True)
class Alias:
    """One action at a path of its own (`/api/v1/certificates/{id}/renew`), for clients that
    key operations by path and method, as OpenAPI does; the seed's *.php paths stay as they
    are. `params` are the ones this path takes ({id} from the path); `data` replaces the
    action's answer schema when the path narrows it (a list or one item)."""

    method: str
    path: str
    action: Action
    operation_id: str
    params: tuple[Param, ...] | None = None
    data: dict[str, Any] | None = None
    summary: str | None = None

    @property
    def specs(self) -> tuple[Param, ...]:
        return self.action.params if self.params is None else self.params

    async def endpoint(self, request: Request) -> Response:
        return await run(self.action, request, self.specs)


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
        return await run(action, request, action.params)

    def route(self) -> Route:
        # Every method reaches pick(), which answers unknown ones with the envelope.
        return Route(self.path, Door(self.endpoint), methods=ALL_METHODS, name=self.path)


class Door:
    """A REST route as a plain ASGI app: the endpoint's answer, or its AppError in the
    envelope (what Starlette's per-route exception wrapper did through the app's handlers,
    without that wrapper and its `send` wrapper on every request). Anything else goes on to
    the Gateway's last-resort 500."""

    def __init__(self, answer: Endpoint):
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await self.answer(Request(scope, receive, send))
        except AppError as exc:
            response = error_response(exc)
        await response(scope, receive, send)


def alias_routes(aliases: tuple[Alias, ...]) -> list[Route]:
    """One route a path; its methods pick the alias, others answer the envelope's 405."""
    by_path: dict[str, dict[str, Alias]] = {}
    for alias in aliases:
        by_path.setdefault(alias.path, {})[alias.method] = alias
    return [Route(path, Door(_by_method(methods)), methods=ALL_METHODS, name=path)
            for path, methods in by_path.items()]


def _by_method(methods: dict[str, Alias]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        if method not in methods:
            raise MethodNotAllowed(request.method, sorted(methods))
        return await methods[method].endpoint(request)

    return endpoint
