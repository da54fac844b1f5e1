"""Operations endpoints: /healthz (alive), /readyz (can serve: database and rate-limit
storage reachable), /metrics (Prometheus; behind CASP_METRICS_TOKEN when set)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from limits.aio.storage import Storage as AsyncStorage
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise import connections

from app import metrics
from app.auth import bearer_token
from app.crypto import same
from app.errors import Unauthorized
from app.runtime import current

log = logging.getLogger(__name__)
CHECK_SECONDS = 3.0
METRICS_TOKEN_NEEDED = "/metrics needs 'Authorization: Bearer <CASP_METRICS_TOKEN>'"  # noqa: S105


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _database() -> None:
    await connections.get("default").execute_query("SELECT 1")


async def _rate_limit_storage() -> None:
    storage = current().limiter.storage
    assert isinstance(storage, AsyncStorage)  # app/ratelimit.py makes async+ storages
    if not await storage.check():
        raise ConnectionError("the storage did not answer its check")


async def _check(name: str, probe: Awaitable[None]) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe, CHECK_SECONDS)
        return name, "ok"
    except Exception as exc:  # any failure means not ready; the reason goes to the log
        log.warning("readiness check %s failed: %s", name, exc)
        return name, "unavailable"


async def readyz(request: Request) -> JSONResponse:
    results = dict(await asyncio.gather(_check("database", _database()),
                                        _check("rate_limit_storage", _rate_limit_storage())))
    ready = all(v == "ok" for v in results.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": results},
                        status_code=200 if ready else 503)


async def metrics_endpoint(request: Request) -> Response:
    """With CASP_METRICS_TOKEN set, only for `Authorization: Bearer <that token>`."""
    expected = current().settings.metrics_token
    if expected:
        given = bearer_token(request.headers.get("authorization")) or ""
        if not same(given, expected):  # constant time
            raise Unauthorized(METRICS_TOKEN_NEEDED)
    return Response(await metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
