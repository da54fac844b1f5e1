"""Operations endpoints: /healthz (alive), /readyz (can serve: database and rate-limit
storage reachable), /metrics (Prometheus)."""

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
from app.runtime import current

log = logging.getLogger(__name__)
CHECK_SECONDS = 3.0


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
    return Response(await metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
