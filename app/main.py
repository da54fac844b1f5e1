"""create_app: routes, middleware, lifespan. `app` is the instance uvicorn serves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Scope

from app import dashboard, db, metrics, ops
from app.acme.interface import Acme
from app.clock import Clock
from app.config import Settings
from app.errors import AppError
from app.jobs.tasks import make_worker
from app.mail import Mailer
from app.middleware import Gateway
from app.rest import errors as rest_errors
from app.rest import openapi, well_known
from app.rest.dispatch import alias_routes
from app.rest.errors import EXCEPTION_HANDLERS
from app.rest.v1 import ALIASES, RESOURCES
from app.routing import Casp
from app.runtime import Runtime, install
from schema import errors as graphql_errors
from schema import media as graphql_media
from schema.build import graphql_app
from schema.explorer import assets_route


def routes(settings: Settings) -> list[BaseRoute]:
    """Every route; /metrics only when it has no listener of its own (CASP_METRICS_LISTEN)."""
    graphql = graphql_app()
    return [
        *(resource.route() for resource in RESOURCES),
        *alias_routes(ALIASES),  # each action at a path of its own, for generated clients
        Route("/api/v1/openapi.json", openapi.endpoint(RESOURCES, ALIASES), methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),  # subscriptions: graphql-transport-ws
        assets_route(),  # /static/graphiql/*: the GraphQL explorer's files, no CDN
        *dashboard.routes(),  # / and /static/dashboard/*: the web dashboard (web/)
        Route("/healthz", ops.healthz, methods=["GET"]),
        Route("/readyz", ops.readyz, methods=["GET"]),
        *([] if settings.metrics_listen else [metrics_route()]),
        Route("/.well-known/acme-challenge/{token}", well_known.acme_challenge,
              methods=["GET"]),
    ]


def metrics_route() -> Route:
    return Route("/metrics", ops.metrics_endpoint, methods=["GET"])


def metrics_app() -> Casp:
    """/metrics alone, for the listener of CASP_METRICS_LISTEN: `casp serve` runs it beside
    the app, whose lifespan installs the runtime it reads. Its scrapes are not counted."""
    return Casp(routes=[metrics_route()], middleware=[Middleware(Gateway, refuse=refusal)],
                exception_handlers=EXCEPTION_HANDLERS)


def refusal(scope: Scope, exc: AppError) -> Response:
    """An error met before any door ran (body too large, rate limit, an unexpected failure),
    rendered by the door of the request's path."""
    if scope.get("path", "").startswith("/graphql"):
        return graphql_errors.error_response(exc, graphql_media.of_headers(
            Headers(scope=scope)))
    return rest_errors.error_response(exc)


def middleware() -> list[Middleware]:
    """One layer (app/middleware.py): the request id (and the last-resort 500), who is
    asking, the rate limit (which buckets by who is asking), the body's size and read time,
    the request metrics."""
    return [Middleware(Gateway, refuse=refusal, observe=metrics.record)]


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               mailer: Mailer | None = None, acme: Acme | None = None) -> Casp:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Casp) -> AsyncIterator[None]:
        runtime = Runtime.build(settings, clock=clock, mailer=mailer, acme=acme)
        install(runtime)
        app.state.runtime = runtime
        await db.connect(settings)
        worker = make_worker(runtime) if settings.embedded_worker else None
        worker_task = asyncio.create_task(worker.run()) if worker else None
        try:
            yield
        finally:
            if worker and worker_task:
                await worker.stop(worker_task)
            await runtime.drain()
            await runtime.events.close()
            await db.disconnect()
            await runtime.limiter.close()
            install(None)

    return Casp(routes=routes(settings), middleware=middleware(),
                exception_handlers=EXCEPTION_HANDLERS, lifespan=lifespan)


app = create_app()
