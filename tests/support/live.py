"""casp served by a real uvicorn on a loopback port, inside the test's event loop, so that
Pebble can dial it for http-01."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn

from app.clock import Clock
from app.config import Settings
from app.main import create_app
from tests.support.app import migrated


@asynccontextmanager
async def live_casp(settings: Settings, port: int,
                    clock: Clock | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Migrate, serve on 127.0.0.1:port, and give a client for it; stops cleanly."""
    await migrated(settings)
    app = create_app(settings, clock=clock)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                            lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before starting")
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
