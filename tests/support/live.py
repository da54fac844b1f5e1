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
async def live_casp(settings: Settings, port: int, clock: Clock | None = None,
                    ipv6: bool = False) -> AsyncIterator[httpx.AsyncClient]:
    """Migrate, serve on 127.0.0.1:port (and [::1]:port with `ipv6`, for a CA validating
    ::1), and give a client for it; stops cleanly."""
    await migrated(settings)
    app = create_app(settings, clock=clock)
    servers = [uvicorn.Server(uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False,
        lifespan="on" if host == "127.0.0.1" else "off"))  # one lifespan: one worker
        for host in ("127.0.0.1", "::1")[:2 if ipv6 else 1]]
    tasks = []
    try:
        for server in servers:  # the lifespan (migrations, worker) first
            tasks.append(asyncio.create_task(server.serve()))
            while not server.started:
                if tasks[-1].done():
                    try:
                        tasks[-1].result()
                    except SystemExit as exc:  # uvicorn's "could not start": a plain failure
                        # of this test (its log says why), not the end of the whole run
                        raise RuntimeError(f"uvicorn could not start on port {port} "
                                           f"(exit {exc.code}); see the captured log") from None
                    raise RuntimeError("uvicorn stopped before starting")
                await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
    finally:
        for server in servers:
            server.should_exit = True
        for server, task in reversed(list(zip(servers, tasks, strict=False))):
            # A connection that does not close (a browser's socket of a failed test) must not
            # keep the port from the next test: after 10 s, uvicorn's forced exit.
            done, _ = await asyncio.wait({task}, timeout=10)
            if not done:
                server.force_exit = True
            await asyncio.wait_for(task, 30)


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
