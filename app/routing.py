"""The app's Starlette: one middleware layer and a router that finds fixed paths in a dict.

Starlette's own stack put ServerErrorMiddleware in front of ours, which already answers every
unexpected error (app/middleware.py's Gateway), and its router tried each route's regex in
turn, 40 of them before `/graphql`. Both cost every request (docs/benchmarks.md, issue 15)."""

from __future__ import annotations

from typing import Any

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send


class FixedPathsFirst(Router):
    """A Router that looks a request's path up in a dict of the routes without parameters
    before trying every route in order. A fixed path is in the dict only when no route
    before it matches it too, so the first match is the one Starlette's loop would find;
    a method the route lacks, a parameter path or a miss go to that loop unchanged."""

    def __init__(self, routes: list[BaseRoute], **options: Any):
        super().__init__(routes, **options)
        self.fixed: dict[str, Route] = {}
        for index, route in enumerate(self.routes):
            if isinstance(route, Route) and not route.param_convertors and not any(
                    isinstance(earlier, Route) and earlier.path_regex.match(route.path)
                    for earlier in self.routes[:index]):
                self.fixed.setdefault(route.path, route)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.fixed.get(get_route_path(scope)) if scope["type"] == "http" else None
        if route is not None:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.setdefault("router", self)
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        await super().app(scope, receive, send)


class Casp(Starlette):
    """Starlette with FixedPathsFirst as its router and no ServerErrorMiddleware: the user
    middleware (the Gateway) is outermost and answers what nothing else did."""

    def __init__(self, routes: list[BaseRoute], **options: Any):
        super().__init__(routes=routes, **options)
        self.router = FixedPathsFirst(routes, lifespan=options.get("lifespan"))

    def build_middleware_stack(self) -> ASGIApp:
        handlers = {key: value for key, value in self.exception_handlers.items()
                    if key not in (500, Exception)}
        app: ASGIApp = ExceptionMiddleware(self.router, handlers=handlers, debug=self.debug)
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return app
